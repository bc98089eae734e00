"""The append-only audit trail every feature records to.

There is deliberately no update or delete path for AuditEvent in the app.
"""

from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Index, String, event
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


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a recorded audit event."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditTrailIsAppendOnly("audit events cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise AuditTrailIsAppendOnly("audit events cannot be changed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state: Any) -> None:
    # ORM-level update(AuditEvent)/delete(AuditEvent) would bypass before_flush.
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")
