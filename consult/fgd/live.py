"""The live room: the moderator steps through the agenda, opens voting, shows results.

The session row carries the state and `step_version` (the item, voting, results changed), raised
with an UPDATE ... SET x = x + 1 and used as the phones' ETag; the projector's ETag adds the input
version that every rating raises (consult/fgd/ballot.py: the tap itself writes nothing else).
"""

import time
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from consult.audit import record
from consult.auth.models import User
from consult.extensions import db
from consult.feedback.models import Rating
from consult.fgd import ballot
from consult.fgd.models import AgendaItem, Attendee, FgdSession
from consult.fgd.services import FgdRuleError, agenda_of
from consult.plans.models import Criterion, Phase

ACTIONS = ("next", "previous", "open", "close", "show", "hide")


def _bump(session: FgdSession, column) -> None:
    db.session.execute(
        update(FgdSession).where(FgdSession.id == session.id).values({column: column + 1})
    )
    db.session.expire(session, [column.key])


# session id -> (read at, step_version, voting_open): what phones poll, read at most twice a
# second per worker process, so 300 phones polling cost the database almost nothing.
_STEP_CACHE: dict[int, tuple[float, int, bool]] = {}
STEP_CACHE_SECONDS = 0.5


def room_step(session_id: int) -> tuple[int, bool] | None:
    """(step_version, voting_open) of a session, at most STEP_CACHE_SECONDS old."""
    now = time.monotonic()
    cached = _STEP_CACHE.get(session_id)
    if cached is not None and now - cached[0] < STEP_CACHE_SECONDS:
        return cached[1], cached[2]
    row = db.session.execute(
        select(FgdSession.step_version, FgdSession.voting_open).where(FgdSession.id == session_id)
    ).first()
    if row is None:
        return None
    _STEP_CACHE[session_id] = (now, row[0], row[1])
    return row[0], row[1]


def current_item(session: FgdSession) -> AgendaItem | None:
    """The agenda item on screen, with its section or strategy (one query); None before the
    first step."""
    if session.current_position is None:
        return None
    return db.session.scalar(
        select(AgendaItem)
        .where(
            AgendaItem.session_id == session.id,
            AgendaItem.position == session.current_position,
        )
        .options(joinedload(AgendaItem.strategy), joinedload(AgendaItem.section))
        .order_by(AgendaItem.id)
        .limit(1)
    )


def control(session: FgdSession, actor: User, action: str) -> FgdSession:
    """Apply one console action; stepping closes voting and hides the results."""
    if action not in ACTIONS:
        raise FgdRuleError(_l("Unknown action."))
    if action in ("next", "previous"):
        positions = [item.position for item in agenda_of(session)]
        if not positions:
            raise FgdRuleError(_l("The agenda is empty."))
        now = session.current_position
        if action == "next":
            later = [p for p in positions if now is None or p > now]
            target = later[0] if later else now
        else:
            earlier = [p for p in positions if now is not None and p < now]
            target = earlier[-1] if earlier else positions[0]
        session.current_position = target
        session.voting_open = False
        session.results_visible = False
    elif action in ("open", "close"):
        item = current_item(session)
        if action == "open" and (item is None or item.strategy_id is None):
            raise FgdRuleError(_l("Only a strategy can be rated."))
        session.voting_open = action == "open"
    else:
        session.results_visible = action == "show"
    db.session.flush()
    _bump(session, FgdSession.step_version)
    extra = {}
    if action == "close" and (item := current_item(session)) is not None and item.strategy_id:
        # The taps are not audited one by one: closing records how many ratings the room gave.
        extra["ratings"] = db.session.scalar(
            select(func.count(Rating.id)).where(
                Rating.strategy_id == item.strategy_id, Rating.phase == Phase.FGD
            )
        )
    record(
        f"fgd_live.{action}",
        actor,
        session,
        consultation_id=session.consultation_id,
        position=session.current_position,
        **extra,
    )
    return session


def is_present(session: FgdSession, user: User) -> bool:
    return (
        db.session.scalar(
            select(Attendee.id).where(
                Attendee.session_id == session.id, Attendee.user_id == user.id
            )
        )
        is not None
    )


def vote(session: FgdSession, user: User, criterion: Criterion, value: int | None) -> Rating:
    """A rating given in the room (phase FGD) of the item on screen, while voting is open,
    by someone checked in; changing it keeps the earlier value, as everywhere."""
    item = current_item(session)
    if not session.voting_open or item is None or item.strategy is None:
        raise FgdRuleError(_l("Voting is closed."))
    if criterion.consultation_id != session.consultation_id:
        raise FgdRuleError(_l("Unknown criterion."))
    if value is not None and not 1 <= value <= criterion.scale_max:
        raise FgdRuleError(_l("Choose a value on the scale."))
    if not is_present(session, user):
        raise FgdRuleError(_l("Check in at the door first: only people in the room vote."))
    ballot.store(
        ballot.Ballot(session.consultation_id, item.strategy_id, criterion.id, criterion.scale_max),
        user,
        value,
    )
    return db.session.scalar(
        select(Rating).where(
            Rating.user_id == user.id,
            Rating.strategy_id == item.strategy_id,
            Rating.criterion_id == criterion.id,
            Rating.phase == Phase.FGD,
        )
    )


@dataclass
class CriterionResult:
    criterion: Criterion
    count: int = 0
    total: int = 0
    answered: int = 0  # including "cannot judge"
    distribution: list[int] = field(default_factory=list)

    @property
    def mean(self) -> float | None:
        return round(self.total / self.count, 2) if self.count else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.criterion.id,
            "label": self.criterion.display_label,
            "count": self.count,
            "answered": self.answered,
            "mean": self.mean,
            "distribution": self.distribution,
        }


def results(session: FgdSession, criteria: list[Criterion], strategy_id: int) -> list:
    """Counts, means and distributions of the room's ratings of one strategy; no names."""
    out = {c.id: CriterionResult(c, distribution=[0] * c.scale_max) for c in criteria}
    rows = db.session.execute(
        select(Rating.criterion_id, Rating.value, func.count())
        .where(Rating.strategy_id == strategy_id, Rating.phase == Phase.FGD)
        .group_by(Rating.criterion_id, Rating.value)
    )
    for criterion_id, value, count in rows:
        result = out.get(criterion_id)
        if result is None:
            continue
        result.answered += count
        if value is not None and 1 <= value <= len(result.distribution):
            result.distribution[value - 1] += count
            result.count += count
            result.total += value * count
    return list(out.values())


def my_ratings(user: User, strategy_id: int) -> dict[int, int | None]:
    """The user's FGD-phase ratings of a strategy, by criterion id."""
    rows = db.session.execute(
        select(Rating.criterion_id, Rating.value).where(
            Rating.user_id == user.id, Rating.strategy_id == strategy_id, Rating.phase == Phase.FGD
        )
    )
    return dict(rows.all())
