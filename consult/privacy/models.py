"""The privacy notice and its acceptances, and requests to erase an account."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.enums import enum_column
from consult.extensions import db
from consult.timeutil import utcnow


class PrivacyNotice(db.Model):
    """One published version of the privacy notice, in both languages; never changed after."""

    __tablename__ = "privacy_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    body_id: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    # What changed since the previous version, shown to people asked to accept again.
    note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    def body_for(self, locale: str) -> str:
        return self.body_en if locale == "en" and self.body_en.strip() else self.body_id


class NoticeAcceptance(db.Model):
    """Proof that a person accepted a version of the notice, and when (kept after erasure)."""

    __tablename__ = "notice_acceptance"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    version: Mapped[int]
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    # "invitation" (with the password) or "update" (asked again after a new version).
    context: Mapped[str] = mapped_column(String(20), default="update")


class ErasureStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class ErasureRequest(db.Model):
    """A participant's request to erase their account, confirmed by an organiser or admin."""

    __tablename__ = "erasure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    status: Mapped[ErasureStatus] = mapped_column(
        enum_column(ErasureStatus), default=ErasureStatus.PENDING
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    __table_args__ = (Index("ix_erasure_request_status_user", "status", "user_id"),)
