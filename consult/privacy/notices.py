"""The versioned privacy notice: publish, read the current one, record acceptances."""

import time

from flask import current_app
from sqlalchemy import func, select

from consult.audit import record
from consult.auth.models import User
from consult.extensions import db
from consult.privacy.models import NoticeAcceptance, PrivacyNotice

# Workers re-read the current version at most this often, so the gate costs no query on most
# requests; a newly published version reaches every worker within this time.
VERSION_CACHE_SECONDS = 30
_CACHE = "rembuk_notice_version"


def current_notice() -> PrivacyNotice | None:
    """The newest published notice (None only before the first migration seeded one)."""
    return db.session.scalar(select(PrivacyNotice).order_by(PrivacyNotice.version.desc()))


def notice_version(version: int) -> PrivacyNotice | None:
    return db.session.scalar(select(PrivacyNotice).where(PrivacyNotice.version == version))


def current_version() -> int | None:
    """The current notice's version number, from a short per-worker cache."""
    cached = current_app.extensions.get(_CACHE)
    now = time.monotonic()
    if cached is None or now - cached[1] > VERSION_CACHE_SECONDS:
        version = db.session.scalar(select(func.max(PrivacyNotice.version)))
        cached = current_app.extensions[_CACHE] = (version, now)
    return cached[0]


def forget_current_version() -> None:
    current_app.extensions.pop(_CACHE, None)


def needs_acceptance(user: User) -> bool:
    """Whether a signed-in person must accept the current notice before going on."""
    version = current_version()
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
    forget_current_version()
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
