"""Attendance (daftar hadir): check-in by search or QR code, walk-ins, counts per group.

Every function that changes something flushes and records to the audit trail; the caller
commits.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from consult.audit import record
from consult.auth.models import StakeholderGroup, User
from consult.bilingual import pick
from consult.extensions import db
from consult.fgd.models import Attendee, CheckInMethod, FgdSession
from consult.fgd.services import FgdRuleError
from consult.plans.models import Consultation, MemberRole, Membership

SEARCH_LIMIT = 30


def counts_by_group(session: FgdSession) -> list[tuple[str | None, int]]:
    """(group name or None, attendees) for the session, in the groups' order; one query."""
    rows = db.session.execute(
        select(
            StakeholderGroup.name,
            StakeholderGroup.name_en,
            StakeholderGroup.position,
            func.count(Attendee.id),
        )
        .select_from(Attendee)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Attendee.group_id)
        .where(Attendee.session_id == session.id)
        .group_by(
            StakeholderGroup.id,
            StakeholderGroup.name,
            StakeholderGroup.name_en,
            StakeholderGroup.position,
        )
    ).all()
    counted: Counter = Counter()
    order: dict = {}
    for indonesian, english, position, count in rows:
        name = pick(indonesian, english) if indonesian is not None else None
        counted[name] += count
        order[name] = position
    return sorted(counted.items(), key=lambda item: (item[0] is None, order[item[0]] or 0))


@dataclass
class Candidate:
    user: User
    attendee: Attendee | None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_people(session: FgdSession, query: str) -> list[Candidate]:
    """Members of the consultation whose name or organisation contains the query (two queries),
    each with their check-in if already present."""
    query = query.strip()[:100]
    if not query:
        return []
    pattern = _like(query.lower())
    users = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.consultation_id == session.consultation_id,
            Membership.role == MemberRole.PARTICIPANT,
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.organisation).like(pattern, escape="\\"),
            ),
        )
        .order_by(User.name)
        .limit(SEARCH_LIMIT)
    ).all()
    present = _attendees_by_user(session, [u.id for u in users])
    return [Candidate(user, present.get(user.id)) for user in users]


def _attendees_by_user(session: FgdSession, user_ids: list[int]) -> dict[int, Attendee]:
    if not user_ids:
        return {}
    rows = db.session.scalars(
        select(Attendee).where(Attendee.session_id == session.id, Attendee.user_id.in_(user_ids))
    )
    return {a.user_id: a for a in rows}


def attendee_of(session: FgdSession, user: User) -> Attendee | None:
    return _attendees_by_user(session, [user.id]).get(user.id)


def participant_of(consultation: Consultation, user_id: int) -> User:
    """A participant of this consultation, or 404."""
    user = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.consultation_id == consultation.id, User.id == user_id)
    )
    if user is None:
        abort(404)
    return user


def check_in(
    session: FgdSession, user: User, actor: User, method: CheckInMethod, now: datetime
) -> Attendee:
    """Mark a member present, with the time; checking in twice keeps the first time."""
    existing = attendee_of(session, user)
    if existing is not None:
        return existing
    attendee = Attendee(
        session_id=session.id,
        user_id=user.id,
        name=user.name,
        organisation=user.organisation,
        position=user.position,
        group_id=user.group_id,
        email=user.email,
        method=method,
        checked_in_at=now,
        checked_in_by_id=actor.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attendee)
    except IntegrityError:
        # Two devices checked the same person in at once: the first one counts.
        return attendee_of(session, user)
    record(
        "fgd_attendee.checked_in",
        actor,
        attendee,
        consultation_id=session.consultation_id,
        session_id=session.id,
        user_id=user.id,
        method=method.value,
    )
    return attendee


def add_walk_in(session: FgdSession, actor: User, data: dict[str, Any], now: datetime) -> Attendee:
    """Register someone at the door who was not invited."""
    attendee = Attendee(
        session_id=session.id,
        name=data["name"].strip(),
        organisation=(data.get("organisation") or "").strip(),
        position=(data.get("position") or "").strip(),
        group_id=data["group"].id if data.get("group") else None,
        phone=(data.get("phone") or "").strip(),
        email=(data.get("email") or "").strip().lower(),
        method=CheckInMethod.WALK_IN,
        checked_in_at=now,
        checked_in_by_id=actor.id,
    )
    db.session.add(attendee)
    db.session.flush()
    record(
        "fgd_attendee.walk_in",
        actor,
        attendee,
        consultation_id=session.consultation_id,
        session_id=session.id,
    )
    return attendee


def attendees_of(session: FgdSession) -> list[Attendee]:
    """The attendance list in the order people arrived, each with their group."""
    return list(
        db.session.scalars(
            select(Attendee)
            .where(Attendee.session_id == session.id)
            .options(selectinload(Attendee.group))
            .order_by(Attendee.checked_in_at, Attendee.id)
        )
    )


def get_attendee(session: FgdSession, attendee_id: int) -> Attendee:
    attendee = db.session.scalar(
        select(Attendee).where(Attendee.id == attendee_id, Attendee.session_id == session.id)
    )
    if attendee is None:
        abort(404)
    return attendee


def invite_walk_in(consultation: Consultation, attendee: Attendee, actor: User) -> Membership:
    """Turn a walk-in into a participant with an account: the usual invitation by mail."""
    from consult.invitations.services import invite_participant

    if not attendee.is_walk_in or attendee.user_id is not None:
        raise FgdRuleError(_l("This attendee already has an account."))
    if not attendee.email:
        raise FgdRuleError(_l("Add the attendee's e-mail address first."))
    group = db.session.get(StakeholderGroup, attendee.group_id) if attendee.group_id else None
    membership, _outcome = invite_participant(
        consultation,
        actor,
        {
            "name": attendee.name,
            "email": attendee.email,
            "organisation": attendee.organisation,
            "position": attendee.position,
            "group": group,
        },
    )
    already = db.session.scalar(
        select(Attendee.id).where(
            Attendee.session_id == attendee.session_id, Attendee.user_id == membership.user_id
        )
    )
    if already is None:  # the same person may have been checked in under their account too
        attendee.user_id = membership.user_id
    db.session.flush()
    record(
        "fgd_attendee.invited",
        actor,
        attendee,
        consultation_id=consultation.id,
        user_id=membership.user_id,
    )
    return membership


def attended_by_group(consultation_id: int) -> dict[int | None, int]:
    """People present at any FGD session of the consultation, per stakeholder group: invited
    attendees counted once however many sessions they came to, walk-ins (no account yet) one
    per check-in row (one query, for the analysis page)."""
    person = func.coalesce(Attendee.user_id, -Attendee.id)
    return dict(
        db.session.execute(
            select(Attendee.group_id, func.count(func.distinct(person)))
            .join(FgdSession, FgdSession.id == Attendee.session_id)
            .where(FgdSession.consultation_id == consultation_id)
            .group_by(Attendee.group_id)
        ).all()
    )
