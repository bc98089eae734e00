"""The versioned privacy notice: publish, read the current one, record acceptances."""

from sqlalchemy import func, select

from consult.audit import record
from consult.auth.models import User
from consult.extensions import db
from consult.privacy.models import NoticeAcceptance, PrivacyNotice

_NOT_LOADED = object()


def current_notice() -> PrivacyNotice | None:
    """The newest published notice (None only before the first migration seeded one)."""
    return db.session.scalar(select(PrivacyNotice).order_by(PrivacyNotice.version.desc()))


def latest_version_column():
    """The current notice's version as a column, to load with the signed-in user."""
    return select(func.max(PrivacyNotice.version)).scalar_subquery()


def needs_acceptance(user: User) -> bool:
    """Whether a signed-in person must accept the current notice before going on."""
    version = getattr(user, "current_notice_version", _NOT_LOADED)
    if version is _NOT_LOADED:  # not loaded with the user (e.g. outside a request)
        version = db.session.scalar(select(func.max(PrivacyNotice.version)))
    return version is not None and (user.notice_version or 0) < version


def publish_notice(actor: User, body_id: str, body_en: str, note: str = "") -> PrivacyNotice:
    """Publish a new version; everyone who accepted an older one is asked again."""
    latest = db.session.scalar(select(func.max(PrivacyNotice.version))) or 0
    notice = PrivacyNotice(
        version=latest + 1,
        body_id=body_id.strip(),
        body_en=body_en.strip(),
        note=note.strip(),
        published_by_id=actor.id,
    )
    db.session.add(notice)
    db.session.flush()
    record("privacy.notice_published", actor, notice, version=notice.version)
    return notice


def accept_notice(user: User, notice: PrivacyNotice, context: str) -> NoticeAcceptance:
    """Record that the user accepted this version (context: "invitation" or "update")."""
    acceptance = NoticeAcceptance(user_id=user.id, version=notice.version, context=context)
    db.session.add(acceptance)
    user.notice_version = max(user.notice_version or 0, notice.version)
    db.session.flush()
    return acceptance


def notices() -> list[PrivacyNotice]:
    return list(db.session.scalars(select(PrivacyNotice).order_by(PrivacyNotice.version.desc())))
