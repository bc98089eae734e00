"""Accounts, stakeholder groups and invitations."""

import enum
import secrets
from datetime import datetime

from flask_babel import gettext
from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.bilingual import localized
from consult.enums import enum_column
from consult.extensions import db
from consult.timeutil import utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    ORGANISER = "organiser"
    PARTICIPANT = "participant"


class StakeholderGroup(db.Model):
    __tablename__ = "stakeholder_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The English name, optional: English pages show `name` when it is blank.
    name_en: Mapped[str] = mapped_column(String(120), default="", server_default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def display_name(self) -> str:
        """The name in the reader's language (see consult.bilingual)."""
        return localized(self, "name")

    def __repr__(self) -> str:
        return f"<StakeholderGroup {self.name}>"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


def display_name_of(name: str, erased_at: datetime | None, group_name: str | None) -> str:
    """User.display_name from the columns, for pages that read people as rows."""
    if erased_at is None:
        return name
    if group_name is not None:
        return gettext("Deleted participant (%(group)s)", group=group_name)
    return gettext("Deleted participant")


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    # City or regency (kota/kabupaten), asked of people who register publicly.
    city: Mapped[str] = mapped_column(String(120), default="", server_default="")
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.PARTICIPANT)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholder_group.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # Rotated on logout, password change and deactivation: every session cookie and
    # remember-me cookie carries it, so rotating it ends all sessions everywhere.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    locale: Mapped[str | None] = mapped_column(String(8))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last 30-second time step whose code was accepted: a code works once only.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # The version of the privacy notice this person last accepted (consult/privacy).
    notice_version: Mapped[int | None]
    # Set when the account was erased: its personal data are gone, its input is kept.
    erased_at: Mapped[datetime | None]

    group: Mapped[StakeholderGroup | None] = relationship(lazy="joined")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def display_name(self) -> str:
        """The name to show; an erased account's pseudonym in the reader's language."""
        if self.erased_at is None:
            return self.name
        group = self.group.display_name if self.group else None
        return display_name_of(self.name, self.erased_at, group)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_organiser(self) -> bool:
        """Organisers and admins may run consultations."""
        return self.role in (Role.ORGANISER, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Invitation(db.Model):
    """A single-use, expiring invitation; the link carries a signed token naming it."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id"))
    nonce: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_urlsafe(16))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    message: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
