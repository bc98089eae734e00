"""The tap in the room, made cheap enough for 300 phones voting at once.

A tap costs one statement to learn everything it needs (the consultation's state, the voter's
membership and check-in, the item on screen, whether voting is open, the criterion's scale),
keyed by ids, and one INSERT ... ON CONFLICT DO NOTHING for a first rating; changing a rating
keeps the earlier value (two more statements), as everywhere. No ORM object is loaded, no
audit entry is written per tap (the rating row says who, what and when; the console's
"close" entry counts the room's ratings) and no room counter is raised: the projector's ETag
is the input version (consult/reports/analysis_cache.py), which every rating raises anyway.

Anything unusual (not checked in, voting closed, a stranger, a draft) returns None, and the
caller takes the ordinary path (consult/fgd/live.vote), which says why.
"""

from dataclasses import dataclass

from sqlalchemy import and_, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from consult.auth.models import User
from consult.extensions import db
from consult.feedback.models import Rating, RatingChange
from consult.fgd.models import AgendaItem, Attendee, FgdSession
from consult.permissions import may_vote_in_room
from consult.plans.models import Consultation, Criterion, Membership, Phase
from consult.reports.models import DataVersion
from consult.timeutil import utcnow

_KEY = ("user_id", "strategy_id", "criterion_id", "phase")


@dataclass(frozen=True)
class Ballot:
    consultation_id: int
    strategy_id: int
    criterion_id: int
    scale_max: int


def ballot_for(consultation_id: int, session_id: int, user: User, criterion_id: int):
    """What a tap on this criterion needs, in one statement; None unless the tap can count."""
    row = db.session.execute(
        select(
            Consultation.state,
            Membership.role,
            FgdSession.voting_open,
            AgendaItem.strategy_id,
            Attendee.id,
            Criterion.scale_max,
        )
        .select_from(FgdSession)
        .join(Consultation, Consultation.id == FgdSession.consultation_id)
        .outerjoin(
            Membership,
            and_(Membership.consultation_id == Consultation.id, Membership.user_id == user.id),
        )
        .outerjoin(
            AgendaItem,
            and_(
                AgendaItem.session_id == FgdSession.id,
                AgendaItem.position == FgdSession.current_position,
            ),
        )
        .outerjoin(
            Attendee, and_(Attendee.session_id == FgdSession.id, Attendee.user_id == user.id)
        )
        .outerjoin(
            Criterion,
            and_(Criterion.id == criterion_id, Criterion.consultation_id == Consultation.id),
        )
        .where(FgdSession.id == session_id, FgdSession.consultation_id == consultation_id)
        .order_by(AgendaItem.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    state, role, voting_open, strategy_id, attendee_id, scale_max = row
    if not (may_vote_in_room(state, role) and voting_open and strategy_id and attendee_id):
        return None
    if scale_max is None:
        return None
    return Ballot(consultation_id, strategy_id, criterion_id, scale_max)


def accepts(ballot: Ballot, value: int | None) -> bool:
    return value is None or 1 <= value <= ballot.scale_max


def _insert_first(values: dict):
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql_insert(Rating)
    elif dialect == "sqlite":
        statement = sqlite_insert(Rating)
    else:  # pragma: no cover - the two databases Rembuk runs on
        return None
    return statement.values(**values).on_conflict_do_nothing(index_elements=list(_KEY))


def store(ballot: Ballot, user: User, value: int | None) -> None:
    """The voter's FGD rating of the item on screen: inserted, or changed keeping the old
    value in the rating's history; the input version rises at commit."""
    now = utcnow()
    key = {
        "user_id": user.id,
        "strategy_id": ballot.strategy_id,
        "criterion_id": ballot.criterion_id,
        "phase": Phase.FGD,
    }
    first = _insert_first(
        {
            **key,
            "consultation_id": ballot.consultation_id,
            "group_id": user.group_id,
            "value": value,
            "created_at": now,
            "updated_at": now,
        }
    )
    if db.session.execute(first.returning(Rating.id)).first() is not None:
        return
    mine = and_(*(getattr(Rating, name) == key[name] for name in _KEY))
    changed = and_(mine, Rating.value.is_distinct_from(value))
    db.session.execute(
        insert(RatingChange).from_select(
            ["rating_id", "value", "valid_from", "replaced_at"],
            select(Rating.id, Rating.value, Rating.updated_at, db.literal(now)).where(changed),
        )
    )
    db.session.execute(
        update(Rating)
        .where(changed)
        .values(value=value, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def room_version(consultation_id: int, session_id: int, user: User):
    """(step_version, results_visible, input version, may manage) of a session, in one
    statement; None when the session is not in this consultation or the user not a member."""
    row = db.session.execute(
        select(
            FgdSession.step_version,
            FgdSession.results_visible,
            select(DataVersion.version).where(DataVersion.id == 1).scalar_subquery(),
            Membership.role,
            Consultation.state,
        )
        .select_from(FgdSession)
        .join(Consultation, Consultation.id == FgdSession.consultation_id)
        .outerjoin(
            Membership,
            and_(Membership.consultation_id == Consultation.id, Membership.user_id == user.id),
        )
        .where(FgdSession.id == session_id, FgdSession.consultation_id == consultation_id)
    ).first()
    return row
