"""Minutes (notulensi): notes per agenda item, agreements and follow-up actions, the speaking
log, and turning what was said into recorded FGD input.

Every function flushes and records to the audit trail; the caller commits.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.audit import record
from consult.auth.models import StakeholderGroup, User
from consult.extensions import db
from consult.feedback.models import Comment, CommentType, InputSource
from consult.feedback.services import record_on_behalf
from consult.fgd.models import (
    AgendaItem,
    Attendee,
    FgdSession,
    Outcome,
    OutcomeKind,
    SpeakingTurn,
)
from consult.fgd.services import FgdRuleError
from consult.plans.models import Phase, Section, Strategy


def save_minutes(item: AgendaItem, actor: User, text: str, now: datetime) -> AgendaItem:
    """Keep the note-taker's text of one agenda item (autosaved while typing)."""
    if text == item.minutes:
        return item
    item.minutes = text
    item.minutes_updated_at = now
    item.minutes_updated_by_id = actor.id
    db.session.flush()
    record("fgd_minutes.saved", actor, item, session_id=item.session_id, length=len(text))
    return item


def add_outcome(session: FgdSession, actor: User, data: dict[str, Any]) -> Outcome:
    """Record an agreement (kesepakatan) or a follow-up action (what, who, by when)."""
    kind = OutcomeKind(data["kind"])
    outcome = Outcome(
        session_id=session.id,
        agenda_item_id=data.get("agenda_item_id"),
        kind=kind,
        text=data["text"].strip(),
        owner=(data.get("owner") or "").strip() if kind == OutcomeKind.ACTION else "",
        due_on=data.get("due_on") if kind == OutcomeKind.ACTION else None,
        created_by_id=actor.id,
    )
    db.session.add(outcome)
    db.session.flush()
    record(
        f"fgd_outcome.{kind.value}",
        actor,
        outcome,
        consultation_id=session.consultation_id,
        session_id=session.id,
    )
    return outcome


def outcomes_of(session: FgdSession) -> list[Outcome]:
    return list(
        db.session.scalars(
            select(Outcome)
            .where(Outcome.session_id == session.id)
            .order_by(Outcome.kind, Outcome.created_at, Outcome.id)
        )
    )


def add_turn(session: FgdSession, actor: User, data: dict[str, Any], now: datetime) -> SpeakingTurn:
    """Someone took the floor: their group (from the person, if named), what they said."""
    attendee = data.get("attendee")
    group_id = attendee.group_id if attendee is not None else data.get("group_id")
    turn = SpeakingTurn(
        session_id=session.id,
        agenda_item_id=data.get("agenda_item_id"),
        group_id=group_id,
        attendee_id=attendee.id if attendee is not None else None,
        note=(data.get("note") or "").strip(),
        recorded_by_id=actor.id,
        created_at=now,
    )
    db.session.add(turn)
    db.session.flush()
    record("fgd_turn.added", actor, turn, consultation_id=session.consultation_id)
    return turn


def turns_of(session: FgdSession) -> list[SpeakingTurn]:
    """The speaking log, latest first, with group and person."""
    return list(
        db.session.scalars(
            select(SpeakingTurn)
            .where(SpeakingTurn.session_id == session.id)
            .options(selectinload(SpeakingTurn.group), selectinload(SpeakingTurn.attendee))
            .order_by(SpeakingTurn.created_at.desc(), SpeakingTurn.id.desc())
        )
    )


def get_turn(session: FgdSession, turn_id: int) -> SpeakingTurn:
    turn = db.session.scalar(
        select(SpeakingTurn).where(
            SpeakingTurn.id == turn_id, SpeakingTurn.session_id == session.id
        )
    )
    if turn is None:
        abort(404)
    return turn


def turn_to_input(turn: SpeakingTurn, actor: User) -> Comment:
    """What was said becomes recorded input (source FGD, phase FGD) on the item's strategy or
    section, in the speaker's name if they have an account, else their group's."""
    if turn.comment_id is not None:
        raise FgdRuleError(_l("This turn is already recorded as input."))
    if not turn.note:
        raise FgdRuleError(_l("Write down what was said first."))
    item = db.session.get(AgendaItem, turn.agenda_item_id) if turn.agenda_item_id else None
    target = None
    if item is not None and item.strategy_id:
        target = db.session.get(Strategy, item.strategy_id)
    elif item is not None and item.section_id:
        target = db.session.get(Section, item.section_id)
    if target is None:
        raise FgdRuleError(_l("Only what was said on a part of the plan can be recorded."))
    attendee = db.session.get(Attendee, turn.attendee_id) if turn.attendee_id else None
    member = db.session.get(User, attendee.user_id) if attendee and attendee.user_id else None
    group = None
    if member is None:
        group = db.session.get(StakeholderGroup, turn.group_id) if turn.group_id else None
        if group is None:
            raise FgdRuleError(_l("Say who spoke (a person with an account, or a group)."))
    comment = record_on_behalf(
        target,
        actor,
        {"type": CommentType.OTHER, "body": turn.note},
        phase=Phase.FGD,
        source=InputSource.FGD,
        member=member,
        group=group,
    )
    turn.comment_id = comment.id
    db.session.flush()
    return comment


@dataclass
class Share:
    group: str | None
    turns: int
    attendees: int
    written: int
    turns_share: float
    attendees_share: float
    written_share: float


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def speaking_shares(session: FgdSession) -> list[Share]:
    """Each group's share of speaking turns beside its share of attendees and of written
    input (published comments of the consultation): a dominated discussion shows (3 queries)."""
    turns = dict(
        db.session.execute(
            select(SpeakingTurn.group_id, func.count())
            .where(SpeakingTurn.session_id == session.id)
            .group_by(SpeakingTurn.group_id)
        ).all()
    )
    present = dict(
        db.session.execute(
            select(Attendee.group_id, func.count())
            .where(Attendee.session_id == session.id)
            .group_by(Attendee.group_id)
        ).all()
    )
    from consult.feedback.models import CommentStatus

    written = dict(
        db.session.execute(
            select(Comment.group_id, func.count())
            .where(
                Comment.consultation_id == session.consultation_id,
                Comment.status == CommentStatus.PUBLISHED,
                Comment.parent_id.is_(None),
            )
            .group_by(Comment.group_id)
        ).all()
    )
    ids = set(turns) | set(present) | set(written)
    groups = {
        g.id: g
        for g in db.session.scalars(
            select(StakeholderGroup).where(StakeholderGroup.id.in_([i for i in ids if i]))
        )
    }
    totals = sum(turns.values()), sum(present.values()), sum(written.values())
    rows = [
        Share(
            groups[gid].display_name if gid in groups else None,
            turns.get(gid, 0),
            present.get(gid, 0),
            written.get(gid, 0),
            _share(turns.get(gid, 0), totals[0]),
            _share(present.get(gid, 0), totals[1]),
            _share(written.get(gid, 0), totals[2]),
        )
        for gid in ids
    ]
    position = {gid: g.position for gid, g in groups.items()}
    names = {g.display_name: gid for gid, g in groups.items()}
    return sorted(rows, key=lambda r: (r.group is None, position.get(names.get(r.group), 0)))
