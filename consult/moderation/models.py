"""Flags on comments and the log of reminders already sent."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.enums import enum_column
from consult.extensions import db
from consult.feedback.models import Comment
from consult.timeutil import utcnow


class ModerationReason(enum.StrEnum):
    """The fixed reasons a moderator (or a flagging participant) picks from."""

    OFF_TOPIC = "off_topic"
    OFFENSIVE = "offensive"
    PERSONAL_DATA = "personal_data"
    DUPLICATE = "duplicate"
    SPAM = "spam"
    OTHER = "other"


class Flag(db.Model):
    """A participant's report that a comment needs a moderator's look. One per person."""

    __tablename__ = "flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[ModerationReason] = mapped_column(enum_column(ModerationReason))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when a moderator decides on the comment; the flag stays for the record.
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    comment: Mapped[Comment] = relationship(lazy="raise")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")

    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)


class ReminderLog(db.Model):
    """A reminder sent to one member: `flask send-reminders` sends each one once."""

    __tablename__ = "reminder_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"))
    # The notification kind plus what it is about, e.g. "window_closing_tomorrow:pre".
    kind: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("consultation_id", "kind", "user_id"),)
