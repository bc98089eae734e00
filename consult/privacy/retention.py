"""Retention: after a consultation is archived plus its retention months, its participants'
personal data are pseudonymised, unless they still take part in a consultation whose time
has not come (`flask retention`)."""

import calendar
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from consult.auth.models import Role, User
from consult.extensions import db
from consult.plans.models import Consultation, ConsultationState, MemberRole, Membership
from consult.privacy.erasure import erase_users


@dataclass
class RetentionPlan:
    """Who would be pseudonymised now, and who is kept for another consultation."""

    due: list[Consultation] = field(default_factory=list)
    erase: list[User] = field(default_factory=list)
    kept: list[tuple[User, list[int]]] = field(default_factory=list)


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time months later (the month's last day when it is shorter)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(
        year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1])
    )


def retention_ends(consultation: Consultation) -> datetime | None:
    """When its participants' personal data are due, or None (not archived, or kept)."""
    if consultation.retention_months is None or consultation.state != ConsultationState.ARCHIVED:
        return None
    archived = consultation.archived_at or consultation.updated_at
    return add_months(archived, consultation.retention_months)


def _is_due(consultation: Consultation, now: datetime) -> bool:
    ends = retention_ends(consultation)
    return ends is not None and ends <= now


def plan_retention(now: datetime) -> RetentionPlan:
    """What `flask retention` would do at this (naive UTC) moment."""
    plan = RetentionPlan()
    archived = db.session.scalars(
        select(Consultation)
        .where(Consultation.state == ConsultationState.ARCHIVED)
        .where(Consultation.retention_months.is_not(None))
        .order_by(Consultation.id)
    ).all()
    plan.due = [c for c in archived if _is_due(c, now)]
    due_ids = {c.id for c in plan.due}
    if not due_ids:
        return plan
    people = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.consultation_id.in_(due_ids))
        .where(Membership.role == MemberRole.PARTICIPANT)
        .where(User.role == Role.PARTICIPANT, User.erased_at.is_(None))
        .distinct()
        .order_by(User.id)
    ).all()
    for person in people:
        others = db.session.scalars(
            select(Consultation)
            .join(Membership, Membership.consultation_id == Consultation.id)
            .where(Membership.user_id == person.id)
        ).all()
        active = [c.id for c in others if not _is_due(c, now)]
        if active:
            plan.kept.append((person, active))
        else:
            plan.erase.append(person)
    return plan


def apply_retention(plan: RetentionPlan) -> list[User]:
    """Pseudonymise everyone the plan lists (the caller commits)."""
    if not plan.erase:
        return []
    return erase_users(plan.erase, None, reason="retention")
