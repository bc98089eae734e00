"""The append-only audit trail every feature records to.

There is deliberately no update or delete path for AuditEvent in the app, with one
exception the law demands: `scrub_personal_data` replaces an erased person's name, e-mail
address and IP addresses in recorded events (UU 27/2022); what happened, when and to which
object stays.
"""

import re
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Index, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from consult.auth.models import User
from consult.extensions import db
from consult.timeutil import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Kept as text too, so the record still reads right if the account changes.
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None]
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id"))
    ip_address: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship(lazy="raise")

    __table_args__ = (Index("ix_audit_event_consultation_at", "consultation_id", "at"),)


def record(
    action: str,
    actor: User | None = None,
    obj: Any = None,
    consultation_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits with its own change)."""
    # Unwrap Flask-Login's current_user proxy so callers may pass it as it is.
    actor = actor._get_current_object() if hasattr(actor, "_get_current_object") else actor
    obj = obj._get_current_object() if hasattr(obj, "_get_current_object") else obj
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "",
        object_type=type(obj).__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        consultation_id=consultation_id,
        ip_address=(request.remote_addr or "") if has_request_context() else "",
        data=data,
    )
    db.session.add(event)
    return event


def changes(obj: Any, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """Return {field: [before, after]} for the fields new_values would change."""
    diff = {}
    for field, after in new_values.items():
        before = getattr(obj, field)
        if before != after:
            diff[field] = [_plain(before), _plain(after)]
    return diff


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


_SCRUBBING = "rembuk_audit_scrubbing"
SCRUB_BATCH = 500


def _replace_in(value: Any, patterns: list[tuple[re.Pattern, str]]) -> Any:
    if isinstance(value, str):
        for pattern, replacement in patterns:
            value = pattern.sub(replacement, value)
        return value
    if isinstance(value, list):
        return [_replace_in(item, patterns) for item in value]
    if isinstance(value, dict):
        return {key: _replace_in(item, patterns) for key, item in value.items()}
    return value


def personal_data_patterns(replacements: dict[str, str]) -> list[tuple[re.Pattern, str]]:
    """Whole-word, case-insensitive patterns for each non-empty text to replace."""
    return [
        (re.compile(rf"(?<!\w){re.escape(old)}(?!\w)", re.IGNORECASE), new)
        for old, new in sorted(replacements.items(), key=lambda item: -len(item[0]))
        if old and old.strip()
    ]


def scrub_personal_data(people: dict[int, tuple[str, dict[str, str]]]) -> int:
    """Remove erased people's personal data from recorded events; return how many changed.

    people maps a user id to (pseudonymous e-mail, {old text: replacement}). Their own events
    lose the e-mail and IP address; every event's details lose the old texts.
    """
    patterns = personal_data_patterns(
        {old: new for _, texts in people.values() for old, new in texts.items()}
    )
    session = db.session()
    session.info[_SCRUBBING] = True
    changed, last_id = 0, 0
    try:
        while True:
            events = session.scalars(
                select(AuditEvent)
                .where(AuditEvent.id > last_id)
                .order_by(AuditEvent.id)
                .limit(SCRUB_BATCH)
            ).all()
            if not events:
                break
            for audit_event in events:
                last_id = audit_event.id
                changed += _scrub_event(audit_event, people, patterns)
            session.flush()
    finally:
        session.info.pop(_SCRUBBING, None)
    return changed


def _scrub_event(audit_event: AuditEvent, people, patterns) -> bool:
    before = (audit_event.actor_email, audit_event.ip_address, audit_event.data)
    if audit_event.actor_id in people:
        audit_event.actor_email = people[audit_event.actor_id][0]
        audit_event.ip_address = ""
    else:
        audit_event.actor_email = _replace_in(audit_event.actor_email, patterns)
    data = _replace_in(audit_event.data or {}, patterns)
    if data != audit_event.data:
        audit_event.data = data  # a new dict, so the JSON column sees the change
    return before != (audit_event.actor_email, audit_event.ip_address, audit_event.data)


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a recorded audit event."""


def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    scrubbing = session.info.get(_SCRUBBING, False)
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditTrailIsAppendOnly("audit events cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj) and not scrubbing:
            raise AuditTrailIsAppendOnly("audit events cannot be changed")


def _refuse_bulk_audit_changes(state: Any) -> None:
    # ORM-level update(AuditEvent)/delete(AuditEvent) would bypass before_flush.
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")


def register_append_only_guard() -> None:
    """Refuse any change to a recorded audit event, by flush or bulk statement (create_app)."""
    if not event.contains(Session, "before_flush", _refuse_audit_changes):
        event.listen(Session, "before_flush", _refuse_audit_changes)
        event.listen(Session, "do_orm_execute", _refuse_bulk_audit_changes)
