"""Rating a whole section at once, and a strategy's neighbours in the plan.

The section rating view shows every strategy of a section with the consultation's criteria in
one form. What it loads, it loads in a fixed number of queries however many strategies the
section has; what it saves goes through the same service as the strategy page
(`services.set_ratings`), for the strategies whose ratings changed only.
"""

from dataclasses import dataclass

from sqlalchemy import select

from consult.auth.models import User
from consult.extensions import db
from consult.feedback import services
from consult.feedback.forms import CANNOT_JUDGE, RatingForm, rating_form_class
from consult.feedback.models import Rating
from consult.inputs import Form
from consult.plans.models import (
    Chapter,
    Consultation,
    Criterion,
    Phase,
    Section,
    Strategy,
)
from consult.plans.services import criteria_of


class SectionRatingForm(Form):
    """The CSRF token of the section's rating form; the ratings are in strategy_forms()."""


class _PlainRatingForm(RatingForm):
    """A strategy's radio groups inside the section form (no CSRF token of its own)."""

    class Meta:
        csrf = False


def strategy_prefix(strategy_id: int) -> str:
    return f"s{strategy_id}-"


@dataclass
class SectionRating:
    """What the section rating view shows: strategies, criteria and the reader's ratings."""

    section: Section
    strategies: list[Strategy]
    criteria: list[Criterion]
    phase: Phase | None
    # (strategy id, criterion id) -> the reader's rating in the phase shown.
    ratings: dict[tuple[int, int], Rating]

    def values_of(self, strategy_id: int) -> dict[str, str]:
        """The radio values of a strategy's ratings, as the rating form reads them."""
        values = {}
        for criterion in self.criteria:
            rating = self.ratings.get((strategy_id, criterion.id))
            if rating is not None:
                values[f"criterion_{criterion.id}"] = (
                    CANNOT_JUDGE if rating.value is None else str(rating.value)
                )
        return values

    def rated_count(self, strategy_id: int) -> int:
        return sum(1 for c in self.criteria if (strategy_id, c.id) in self.ratings)

    def forms(self, formdata=None) -> dict[int, RatingForm]:
        """A rating form per strategy, with the saved values (or the posted ones)."""
        form_class = rating_form_class(self.criteria, _PlainRatingForm)
        return {
            strategy.id: form_class(
                formdata=formdata,
                prefix=strategy_prefix(strategy.id),
                data=self.values_of(strategy.id),
            )
            for strategy in self.strategies
        }


def load_section_rating(
    consultation: Consultation, section: Section, user: User, phase: Phase
) -> SectionRating:
    """The section's strategies, the criteria and the user's ratings of them in a phase, in
    three queries, however many strategies the section has."""
    strategies = list(
        db.session.scalars(
            select(Strategy)
            .where(Strategy.section_id == section.id)
            .order_by(Strategy.position, Strategy.id)
        )
    )
    criteria = criteria_of(consultation)
    ratings = {}
    if strategies:
        rows = db.session.scalars(
            select(Rating).where(
                Rating.user_id == user.id,
                Rating.phase == phase,
                Rating.strategy_id.in_(
                    select(Strategy.id).where(Strategy.section_id == section.id)
                ),
            )
        )
        ratings = {(r.strategy_id, r.criterion_id): r for r in rows}
    return SectionRating(section, strategies, criteria, phase, ratings)


def save_section_ratings(
    loaded: SectionRating, forms: dict[int, RatingForm], rater: User, phase: Phase
) -> int:
    """Save the ratings given in valid forms through services.set_ratings, for the strategies
    whose values changed; returns how many ratings changed. Criteria not given stay as
    they are (the script posts one criterion at a time)."""
    changed = 0
    for strategy in loaded.strategies:
        values = {
            criterion_id: value
            for criterion_id, value in forms[strategy.id].rating_values(loaded.criteria).items()
            if _differs(loaded.ratings.get((strategy.id, criterion_id)), value)
        }
        if values:
            services.set_ratings(strategy, loaded.criteria, rater, values, phase)
            changed += len(values)
    return changed


def _differs(rating: Rating | None, value: int | None) -> bool:
    return rating is None or rating.value != value


@dataclass(frozen=True)
class Neighbours:
    """A strategy's previous and next strategy in the plan, and the next section."""

    previous_strategy: int | None
    next_strategy: int | None
    next_section: int | None
    previous_section: int | None


def neighbours_of(consultation: Consultation, strategy: Strategy) -> Neighbours:
    """Where "previous" and "next" lead from a strategy page, in plan order (one query of
    ids, not of objects)."""
    rows = db.session.execute(
        select(Strategy.id, Strategy.section_id)
        .join(Section, Section.id == Strategy.section_id)
        .join(Chapter, Chapter.id == Section.chapter_id)
        .where(Chapter.consultation_id == consultation.id)
        .order_by(Chapter.position, Chapter.id, Section.position, Section.id)
        .order_by(Strategy.position, Strategy.id)
    ).all()
    ids = [row[0] for row in rows]
    index = ids.index(strategy.id) if strategy.id in ids else -1
    sections = list(dict.fromkeys(row[1] for row in rows))
    here = sections.index(strategy.section_id) if strategy.section_id in sections else -1
    return Neighbours(
        previous_strategy=ids[index - 1] if index > 0 else None,
        next_strategy=ids[index + 1] if 0 <= index < len(ids) - 1 else None,
        next_section=sections[here + 1] if 0 <= here < len(sections) - 1 else None,
        previous_section=sections[here - 1] if here > 0 else None,
    )
