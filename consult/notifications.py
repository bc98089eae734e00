"""In-app notifications and their mails: one `notify()` every feature can call.

Low level on purpose (like audit and mail): it knows users, not comments or consultations,
so any feature can notify without importing a higher one.

`notify(user, kind, link=..., **params)` always adds an entry to the user's in-app list and,
unless the user turned that (optional) kind off, queues a mail in the user's language.
Turning a kind off stops the mail only: the in-app list is quiet and keeps the record.
Params are stored as JSON; a param whose name ends in "_at" is a naive-UTC datetime and is
shown in the reader's language and time zone.
"""

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from consult.auth.models import User
from consult.enums import enum_column
from consult.extensions import db
from consult.mail import queue_mail
from consult.timeutil import format_datetime_remembered, utcnow
from consult.urls import public_url


class NotificationKind(enum.StrEnum):
    INVITATION = "invitation"
    COMMENT_APPROVED = "comment_approved"
    COMMENT_REJECTED = "comment_rejected"
    COMMENT_HIDDEN = "comment_hidden"
    REPLY = "reply"
    WINDOW_OPENING_SOON = "window_opening_soon"
    WINDOW_CLOSING_TOMORROW = "window_closing_tomorrow"
    FGD_REMINDER = "fgd_reminder"
    EXPORT_READY = "export_ready"
    EXPORT_FAILED = "export_failed"
    CONSULTATION_PUBLISHED = "consultation_published"


# Decisions against someone's words and invitations always reach them; the rest may be off.
MANDATORY_KINDS = frozenset(
    {
        NotificationKind.INVITATION,
        NotificationKind.COMMENT_REJECTED,
        NotificationKind.COMMENT_HIDDEN,
        # Someone invited into a draft learns only this way that it is open.
        NotificationKind.CONSULTATION_PUBLISHED,
    }
)
OPTIONAL_KINDS = tuple(kind for kind in NotificationKind if kind not in MANDATORY_KINDS)

# What the in-app list and the mail subject say; formatted in the reader's language.
MESSAGES = {
    NotificationKind.CONSULTATION_PUBLISHED: lazy_gettext(
        "The consultation %(consultation)s you were invited to is now published: you can "
        "read it and give your input."
    ),
    NotificationKind.INVITATION: lazy_gettext(
        "You are invited to the consultation %(consultation)s."
    ),
    NotificationKind.COMMENT_APPROVED: lazy_gettext("Your comment on %(target)s is published."),
    NotificationKind.COMMENT_REJECTED: lazy_gettext(
        "Your comment on %(target)s was not approved: %(reason)s"
    ),
    NotificationKind.COMMENT_HIDDEN: lazy_gettext(
        "Your comment on %(target)s was hidden: %(reason)s"
    ),
    NotificationKind.REPLY: lazy_gettext("%(author)s replied to your comment on %(target)s."),
    NotificationKind.WINDOW_OPENING_SOON: lazy_gettext(
        "Input to %(consultation)s opens on %(opens_at)s."
    ),
    NotificationKind.WINDOW_CLOSING_TOMORROW: lazy_gettext(
        "Input to %(consultation)s closes on %(closes_at)s."
    ),
    NotificationKind.FGD_REMINDER: lazy_gettext(
        "The FGD of %(consultation)s takes place on %(fgd_at)s."
    ),
    NotificationKind.EXPORT_READY: lazy_gettext(
        "Your export of %(consultation)s (%(format)s) is ready to download."
    ),
    NotificationKind.EXPORT_FAILED: lazy_gettext(
        "Your export of %(consultation)s (%(format)s) could not be made."
    ),
}
KIND_LABELS = {
    NotificationKind.INVITATION: lazy_gettext("Invitations"),
    NotificationKind.COMMENT_APPROVED: lazy_gettext("My comment was published"),
    NotificationKind.COMMENT_REJECTED: lazy_gettext("My comment was not approved"),
    NotificationKind.COMMENT_HIDDEN: lazy_gettext("My comment was hidden"),
    NotificationKind.REPLY: lazy_gettext("Someone replied to my comment"),
    NotificationKind.WINDOW_OPENING_SOON: lazy_gettext("An input window opens soon"),
    NotificationKind.WINDOW_CLOSING_TOMORROW: lazy_gettext("An input window closes tomorrow"),
    NotificationKind.FGD_REMINDER: lazy_gettext("Reminder of the FGD"),
    NotificationKind.EXPORT_READY: lazy_gettext("An export I asked for is ready"),
    NotificationKind.EXPORT_FAILED: lazy_gettext("An export I asked for could not be made"),
}


class Notification(db.Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, length=40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A path inside the app (e.g. /c/1/strategies/2#comment-3), never an outside URL.
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_notification_user_id_created_at", "user_id", "created_at"),)

    @property
    def message(self) -> str:
        """The text in the current language, dates in WIB."""
        return format_message(self.kind, self.params)


class NotificationPreference(db.Model):
    """A user's choice for one optional kind; no row means the mail is sent."""

    __tablename__ = "notification_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, length=40))
    mail_enabled: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (UniqueConstraint("user_id", "kind"),)


def _json_safe(params: dict[str, Any]) -> dict[str, Any]:
    safe = {}
    for key, value in params.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif value is not None and not isinstance(value, int | float | bool):
            value = str(value)
        safe[key] = value
    return safe


def _display_params(params: dict[str, Any]) -> dict[str, Any]:
    shown = {}
    for key, value in params.items():
        if key.endswith("_at") and isinstance(value, str) and value:
            try:
                value = format_datetime_remembered(datetime.fromisoformat(value))
            except ValueError:
                pass
        shown[key] = value if value is not None else ""
    return shown


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return ""


def format_message(kind: NotificationKind | str, params: dict[str, Any]) -> str:
    """Render a notification text in the active locale (missing params read as empty)."""
    return str(MESSAGES[NotificationKind(kind)]) % _Params(_display_params(params))


class _LocalisedMessage:
    """Turned into text only inside queue_mail's force_locale: the recipient's language."""

    def __init__(self, kind: NotificationKind, params: dict[str, Any]):
        self.kind, self.params = kind, params

    def __str__(self) -> str:
        return format_message(self.kind, self.params)


def mail_enabled(user: User, kind: NotificationKind | str) -> bool:
    """Whether `user` wants mails of this kind (mandatory kinds always)."""
    kind = NotificationKind(kind)
    if kind in MANDATORY_KINDS:
        return True
    choice = db.session.scalar(
        select(NotificationPreference.mail_enabled).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    return choice is not False


_RESERVED = {"link", "message", "recipient", "kind", "subject", "template", "sensitive"}


def notify(user: User, kind: NotificationKind | str, link: str = "", **params: Any) -> Notification:
    """Add an in-app notification and, unless turned off, queue its mail in the user's language."""
    kind = NotificationKind(kind)
    safe = _json_safe(params)
    notification = Notification(user_id=user.id, kind=kind, params=safe, link=link)
    db.session.add(notification)
    if user.is_active_account and mail_enabled(user, kind):
        queue_mail(
            user,
            kind=f"notification_{kind.value}",
            subject=_LocalisedMessage(kind, safe),
            template=f"mail/notification_{kind.value}.txt",
            link=public_url(link),
            message=_LocalisedMessage(kind, safe),
            **{key: value for key, value in params.items() if key not in _RESERVED},
        )
    return notification


def unread_count(user: User) -> int:
    """How many notifications the user has not read yet."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def mark_read(user: User, notification: Notification | None = None) -> int:
    """Mark one (or, with None, every) unread notification of the user as read."""
    now = utcnow()
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if notification is not None:
        query = query.where(Notification.id == notification.id)
    marked = db.session.scalars(query).all()
    for item in marked:
        item.read_at = now
    db.session.flush()
    return len(marked)


def mail_preferences(user: User) -> dict[NotificationKind, bool]:
    """{optional kind: mail wanted} for the settings page."""
    stored = dict(
        db.session.execute(
            select(NotificationPreference.kind, NotificationPreference.mail_enabled).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: stored.get(kind, True) for kind in OPTIONAL_KINDS}


def set_mail_preferences(user: User, wanted: dict[str, bool]) -> dict[str, list[bool]]:
    """Store the user's choices for optional kinds; returns {kind: [before, after]}."""
    existing = {
        pref.kind: pref
        for pref in db.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    changed = {}
    for kind in OPTIONAL_KINDS:
        if kind.value not in wanted:
            continue
        after = bool(wanted[kind.value])
        pref = existing.get(kind)
        before = pref.mail_enabled if pref is not None else True
        if pref is None:
            pref = NotificationPreference(user_id=user.id, kind=kind)
            db.session.add(pref)
        pref.mail_enabled = after
        if before != after:
            changed[kind.value] = [before, after]
    db.session.flush()
    return changed
