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

from sqlalchemy import DateTime, and_, bindparam, insert, select, text, update

from consult.auth.models import User
from consult.extensions import db
from consult.feedback.models import InputSource, Rating, RatingChange
from consult.fgd.models import AgendaItem, Attendee, FgdSession
from consult.permissions import may_vote_in_room
from consult.plans.models import Consultation, Criterion, Membership, Phase
from consult.reports.analysis_cache import note_input_changed
from consult.reports.models import DataVersion
from consult.timeutil import utcnow

_KEY = ("user_id", "strategy_id", "criterion_id", "phase")


@dataclass(frozen=True)
class Ballot:
    consultation_id: int
    strategy_id: int
    criterion_id: int
    scale_max: int


def _user():
    return bindparam("user_id")


# Built once, executed with bind parameters: building this select per tap cost more Python
# time than the database spent running it.
_BALLOT = (
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
        and_(Membership.consultation_id == Consultation.id, Membership.user_id == _user()),
    )
    .outerjoin(
        AgendaItem,
        and_(
            AgendaItem.session_id == FgdSession.id,
            AgendaItem.position == FgdSession.current_position,
        ),
    )
    .outerjoin(Attendee, and_(Attendee.session_id == FgdSession.id, Attendee.user_id == _user()))
    .outerjoin(
        Criterion,
        and_(
            Criterion.id == bindparam("criterion_id"),
            Criterion.consultation_id == Consultation.id,
        ),
    )
    .where(
        FgdSession.id == bindparam("session_id"),
        FgdSession.consultation_id == bindparam("consultation_id"),
    )
    .order_by(AgendaItem.id)
    .limit(1)
)


def ballot_for(consultation_id: int, session_id: int, user: User, criterion_id: int):
    """What a tap on this criterion needs, in one statement; None unless the tap can count."""
    row = db.session.execute(
        _BALLOT,
        {
            "user_id": user.id,
            "criterion_id": criterion_id,
            "session_id": session_id,
            "consultation_id": consultation_id,
        },
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


def _column_type(name: str):
    return Rating.__table__.c[name].type


# INSERT ... ON CONFLICT DO NOTHING is the same on PostgreSQL and SQLite (3.35+). Written once as
# text with typed parameters: SQLAlchemy 2.0 does not cache the compiled form of its dialect
# inserts with on_conflict_do_nothing(), and compiling it cost more than running it.
_FIRST = text(
    "INSERT INTO rating (consultation_id, strategy_id, criterion_id, user_id, group_id, phase,"
    " value, source, created_at, updated_at)"
    " VALUES (:consultation_id, :strategy_id, :criterion_id, :user_id, :group_id, :phase,"
    " :value, :source, :created_at, :updated_at)"
    " ON CONFLICT (user_id, strategy_id, criterion_id, phase) DO NOTHING RETURNING id"
).bindparams(
    *(
        bindparam(name, type_=_column_type(name))
        for name in ("phase", "source", "created_at", "updated_at")
    )
)


# Core statements on the tables (an ORM update given a parameter dict is a bulk update by
# primary key, not this).
_RATING = Rating.__table__
_CHANGED = and_(
    *(_RATING.c[name] == bindparam(f"b_{name}") for name in _KEY),
    _RATING.c.value.is_distinct_from(bindparam("new_value")),
)
_KEEP_EARLIER = insert(RatingChange.__table__).from_select(
    ["rating_id", "value", "valid_from", "replaced_at"],
    select(
        _RATING.c.id,
        _RATING.c.value,
        _RATING.c.updated_at,
        bindparam("now", type_=DateTime()),
    ).where(_CHANGED),
)
_CHANGE = (
    update(_RATING)
    .where(_CHANGED)
    .values(value=bindparam("new_value"), updated_at=bindparam("now"))
)


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
    first = {
        **key,
        "consultation_id": ballot.consultation_id,
        "group_id": user.group_id,
        "value": value,
        "source": InputSource.ONLINE,
        "created_at": now,
        "updated_at": now,
    }
    note_input_changed()
    if db.session.execute(_FIRST, first).first() is not None:
        return
    change = {**{f"b_{name}": key[name] for name in _KEY}, "new_value": value, "now": now}
    db.session.execute(_KEEP_EARLIER, change)
    db.session.execute(_CHANGE, change)


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
