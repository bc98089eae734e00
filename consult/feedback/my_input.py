"""My input's ratings, a card per strategy and phase: its ratings on one line.

A page of "My input" lists strategies (each with the phase it was rated in), newest change
first, not single ratings: on a phone a row per criterion made the page thousands of pixels
tall. Four queries, however many ratings a page has.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from consult.auth.models import User
from consult.extensions import db
from consult.feedback.models import Rating
from consult.feedback.thread import ThreadPage
from consult.plans.models import Criterion, Phase


@dataclass
class RatedStrategy:
    """A strategy the user rated in a phase, with those ratings in criterion order."""

    consultation_id: int
    strategy_id: int
    phase: Phase
    updated_at: datetime
    ratings: list[Rating] = field(default_factory=list)


def my_rated_strategies(user: User, page: int, per_page: int) -> ThreadPage:
    """A page of the strategies the user rated (by phase), most recently changed first."""
    page = max(page, 1)
    groups = (
        select(
            Rating.consultation_id,
            Rating.strategy_id,
            Rating.phase,
            func.max(Rating.updated_at).label("latest"),
        )
        .where(Rating.user_id == user.id)
        .group_by(Rating.consultation_id, Rating.strategy_id, Rating.phase)
    )
    total = db.session.scalar(select(func.count()).select_from(groups.subquery()))
    rows = db.session.execute(
        groups.order_by(func.max(Rating.updated_at).desc(), Rating.strategy_id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [RatedStrategy(*row) for row in rows]
    if items:
        by_key = {(item.strategy_id, item.phase): item for item in items}
        ratings = db.session.scalars(
            select(Rating)
            .join(Criterion, Criterion.id == Rating.criterion_id)
            .where(
                Rating.user_id == user.id,
                Rating.strategy_id.in_({item.strategy_id for item in items}),
            )
            .order_by(Criterion.position, Criterion.id)
            .options(joinedload(Rating.criterion).load_only(Criterion.label, Criterion.label_en))
        )
        grouped = defaultdict(list)
        for rating in ratings:
            grouped[(rating.strategy_id, rating.phase)].append(rating)
        for key, item in by_key.items():
            item.ratings = grouped.get(key, [])
    return ThreadPage(page=page, per_page=per_page, error_out=False, items=items, total=total)
