"""FGD sessions and their agenda: loading, adding, editing, reordering.

Every function flushes and records to the audit trail; the caller commits.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult.audit import changes, record
from consult.auth.models import StakeholderGroup, User
from consult.extensions import db
from consult.fgd.models import AgendaItem, FgdSession, Rsvp, RsvpAnswer
from consult.plans.models import Consultation, MemberRole, Membership, Section, Strategy

SESSION_FIELDS = ("title", "starts_at", "ends_at", "venue", "meeting_url", "capacity", "rsvp_open")
AGENDA_FIELDS = ("title", "section_id", "strategy_id", "starts_at", "ends_at", "moderator")


def sessions_of(consultation: Consultation) -> list[FgdSession]:
    """The consultation's sessions, earliest first."""
    return list(
        db.session.scalars(
            select(FgdSession)
            .where(FgdSession.consultation_id == consultation.id)
            .order_by(FgdSession.starts_at, FgdSession.id)
        )
    )


def sessions_by_consultation(consultation_ids: list[int]) -> dict[int, list[FgdSession]]:
    """Sessions of several consultations in one query, earliest first."""
    result: dict[int, list[FgdSession]] = {cid: [] for cid in consultation_ids}
    if not consultation_ids:
        return result
    rows = db.session.scalars(
        select(FgdSession)
        .where(FgdSession.consultation_id.in_(consultation_ids))
        .order_by(FgdSession.starts_at, FgdSession.id)
    )
    for session in rows:
        result[session.consultation_id].append(session)
    return result


def get_session(consultation: Consultation, session_id: int) -> FgdSession:
    """A session of this consultation, or 404."""
    session = db.session.scalar(
        select(FgdSession).where(
            FgdSession.id == session_id, FgdSession.consultation_id == consultation.id
        )
    )
    if session is None:
        abort(404)
    return session


def agenda_of(session: FgdSession) -> list[AgendaItem]:
    """The agenda in order, each with its section or strategy loaded."""
    return list(
        db.session.scalars(
            select(AgendaItem)
            .where(AgendaItem.session_id == session.id)
            .options(selectinload(AgendaItem.section), selectinload(AgendaItem.strategy))
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def get_agenda_item(session: FgdSession, item_id: int) -> AgendaItem:
    """An agenda item of this session, or 404."""
    item = db.session.scalar(
        select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.session_id == session.id)
    )
    if item is None:
        abort(404)
    return item


def item_title(item: AgendaItem) -> str:
    """What an agenda item is called: its own title, else its strategy's or section's."""
    if item.title:
        return item.title
    target = item.strategy or item.section
    if target is None:
        return ""
    return f"{target.code} {target.title}".strip()


def _session_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {key: data[key] for key in SESSION_FIELDS if key in data}
    for key in ("title", "venue", "meeting_url"):
        if key in values:
            values[key] = (values[key] or "").strip()
    return values


def add_session(consultation: Consultation, actor: User, data: dict[str, Any]) -> FgdSession:
    """A new session of the consultation."""
    session = FgdSession(consultation_id=consultation.id, **_session_values(data))
    db.session.add(session)
    db.session.flush()
    record(
        "fgd_session.added", actor, session, consultation_id=consultation.id, title=session.title
    )
    return session


def update_session(session: FgdSession, actor: User, data: dict[str, Any]) -> FgdSession:
    """Edit a session's details; audited before/after."""
    values = _session_values(data)
    diff = changes(session, values)
    if diff:
        for key, value in values.items():
            setattr(session, key, value)
        db.session.flush()
        record(
            "fgd_session.updated",
            actor,
            session,
            consultation_id=session.consultation_id,
            changes=diff,
        )
    return session


def plan_targets(consultation: Consultation) -> tuple[list[Section], list[Strategy]]:
    """The sections and strategies an agenda item may point at, in plan order."""
    from consult.plans.models import Chapter

    sections = list(
        db.session.scalars(
            select(Section)
            .join(Chapter)
            .where(Chapter.consultation_id == consultation.id)
            .order_by(Chapter.position, Section.position)
        )
    )
    strategies = list(
        db.session.scalars(
            select(Strategy)
            .join(Section)
            .join(Chapter)
            .where(Chapter.consultation_id == consultation.id)
            .order_by(Chapter.position, Section.position, Strategy.position)
        )
    )
    return sections, strategies


def _agenda_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {key: data[key] for key in AGENDA_FIELDS if key in data}
    for key in ("title", "moderator"):
        if key in values:
            values[key] = (values[key] or "").strip()
    return values


def add_agenda_item(session: FgdSession, actor: User, data: dict[str, Any]) -> AgendaItem:
    """Append an item at the end of the session's agenda."""
    last = db.session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.session_id == session.id)
    )
    item = AgendaItem(session_id=session.id, position=(last or 0) + 1, **_agenda_values(data))
    db.session.add(item)
    db.session.flush()
    record(
        "fgd_agenda.added",
        actor,
        item,
        consultation_id=session.consultation_id,
        session_id=session.id,
    )
    return item


def update_agenda_item(item: AgendaItem, actor: User, data: dict[str, Any]) -> AgendaItem:
    """Edit an agenda item; audited before/after."""
    values = _agenda_values(data)
    diff = changes(item, values)
    if diff:
        for key, value in values.items():
            setattr(item, key, value)
        db.session.flush()
        record("fgd_agenda.updated", actor, item, changes=diff, session_id=item.session_id)
    return item


def move_agenda_item(item: AgendaItem, actor: User, offset: int) -> bool:
    """Swap an item with its neighbour above (-1) or below (+1); False at either end."""
    items = agenda_of(item.session)
    index = next(i for i, other in enumerate(items) if other.id == item.id)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(items):
        return False
    items[index], items[target] = items[target], items[index]
    for position, other in enumerate(items, start=1):
        other.position = position
    db.session.flush()
    record("fgd_agenda.moved", actor, item, session_id=item.session_id, offset=offset)
    return True


def upcoming_sessions(consultation: Consultation, now: datetime) -> list[FgdSession]:
    """Sessions that have not ended yet, earliest first."""
    return [s for s in sessions_of(consultation) if s.ends_at > now]


# --- RSVP --------------------------------------------------------------------------------


class FgdRuleError(Exception):
    """A business rule refused the change; str() is a translated message for the user."""


def rsvps_of_user(user: User, sessions: list[FgdSession]) -> dict[int, Rsvp]:
    """The user's answers to these sessions, by session id, in one query."""
    if not sessions or not getattr(user, "is_authenticated", False):
        return {}
    rows = db.session.scalars(
        select(Rsvp).where(Rsvp.user_id == user.id, Rsvp.session_id.in_([s.id for s in sessions]))
    )
    return {rsvp.session_id: rsvp for rsvp in rows}


def answer_rsvp(session: FgdSession, user: User, data: dict[str, Any], now: datetime) -> Rsvp:
    """Record (or change) a participant's answer; refused once RSVP is closed or it is over."""
    if not session.rsvp_open or session.ends_at <= now:
        raise FgdRuleError(_("Answers to this session are closed."))
    rsvp = db.session.scalar(
        select(Rsvp).where(Rsvp.session_id == session.id, Rsvp.user_id == user.id)
    )
    if rsvp is None:
        rsvp = Rsvp(session_id=session.id, user_id=user.id)
        db.session.add(rsvp)
    rsvp.answer = data["answer"]
    rsvp.delegate_name = data.get("delegate_name", "")
    rsvp.delegate_position = data.get("delegate_position", "")
    rsvp.answered_at = now
    db.session.flush()
    record(
        "fgd_rsvp.answered",
        user,
        rsvp,
        consultation_id=session.consultation_id,
        session_id=session.id,
        answer=rsvp.answer.value,
    )
    return rsvp


@dataclass
class RsvpRow:
    membership: Membership
    rsvp: Rsvp | None


@dataclass
class RsvpGroup:
    group: StakeholderGroup | None
    rows: list[RsvpRow] = field(default_factory=list)

    def count(self, answer: RsvpAnswer | None) -> int:
        return sum(1 for row in self.rows if (row.rsvp.answer if row.rsvp else None) == answer)


def rsvp_list(session: FgdSession) -> list[RsvpGroup]:
    """The consultation's participants with their answers, by stakeholder group (two queries)."""
    members = db.session.scalars(
        select(Membership)
        .where(
            Membership.consultation_id == session.consultation_id,
            Membership.role == MemberRole.PARTICIPANT,
        )
        .join(User, User.id == Membership.user_id)
        .order_by(User.name)
    ).all()
    answers = {
        rsvp.user_id: rsvp
        for rsvp in db.session.scalars(select(Rsvp).where(Rsvp.session_id == session.id))
    }
    groups: dict[int | None, RsvpGroup] = {}
    for membership in members:
        group = membership.user.group
        key = group.id if group else None
        groups.setdefault(key, RsvpGroup(group)).rows.append(
            RsvpRow(membership, answers.get(membership.user_id))
        )
    return sorted(
        groups.values(),
        key=lambda g: (
            g.group is None,
            g.group.position if g.group else 0,
            g.group and g.group.name,
        ),
    )


def get_rsvp(session: FgdSession, rsvp_id: int) -> Rsvp:
    """An answer to this session, or 404."""
    rsvp = db.session.scalar(select(Rsvp).where(Rsvp.id == rsvp_id, Rsvp.session_id == session.id))
    if rsvp is None:
        abort(404)
    return rsvp


def invite_delegate(
    consultation: Consultation, rsvp: Rsvp, actor: User, email: str
) -> tuple[Membership, Any]:
    """Invite the delegate named in an answer to the consultation, in the invitee's group."""
    from consult.invitations.services import invite_participant

    if rsvp.answer != RsvpAnswer.DELEGATE or not rsvp.delegate_name:
        raise FgdRuleError(_("This answer names no delegate."))
    sender = db.session.get(User, rsvp.user_id)
    membership, outcome = invite_participant(
        consultation,
        actor,
        {
            "name": rsvp.delegate_name,
            "email": email,
            "organisation": sender.organisation,
            "position": rsvp.delegate_position,
            "group": sender.group,
        },
    )
    rsvp.delegate_user_id = membership.user_id
    db.session.flush()
    record(
        "fgd_rsvp.delegate_invited",
        actor,
        rsvp,
        consultation_id=consultation.id,
        delegate_user_id=membership.user_id,
    )
    return membership, outcome
