"""Rules of public consultations: registering and joining, the general public's group, the
e-mail domain blocklist, what an anonymous reader is shown, and the validators that let
browsers and proxies cache public pages. Functions flush, never commit."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select, true

from consult.audit import record
from consult.auth.models import Role, StakeholderGroup, User
from consult.auth.services import create_invitation, find_user_by_email, invitation_url
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus
from consult.mail import queue_mail
from consult.permissions import publicly_readable
from consult.plans.models import (
    Chapter,
    CommentVisibility,
    Consultation,
    ContentVersion,
    Membership,
    Section,
    Strategy,
)
from consult.reports.models import CommentResponse, DataVersion
from consult.reports.services import you_said_we_did_query
from consult.timeutil import utcnow
from consult.urls import public_url

PUBLIC_GROUP_NAME = "Masyarakat umum"
PUBLIC_GROUP_NAME_EN = "General public"


def public_group() -> StakeholderGroup:
    """The stakeholder group of the general public, made the first time someone needs it."""
    group = db.session.scalar(
        select(StakeholderGroup).where(
            func.lower(StakeholderGroup.name) == PUBLIC_GROUP_NAME.lower()
        )
    )
    if group is None:
        position = db.session.scalar(select(func.max(StakeholderGroup.position))) or 0
        group = StakeholderGroup(
            name=PUBLIC_GROUP_NAME, name_en=PUBLIC_GROUP_NAME_EN, position=position + 1
        )
        db.session.add(group)
        db.session.flush()
    return group


def email_domain_blocked(email: str) -> bool:
    """Whether the address's domain (or a parent domain) is on PUBLIC_BLOCKED_EMAIL_DOMAINS."""
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    blocked = current_app.config["PUBLIC_BLOCKED_EMAIL_DOMAINS"]
    parts = domain.split(".")
    return any(".".join(parts[i:]) in blocked for i in range(len(parts)))


def join_publicly(user: User, consultation: Consultation) -> Membership:
    """Make a person a public member of the consultation (an existing membership is kept)."""
    membership = db.session.scalar(
        select(Membership).where(
            Membership.consultation_id == consultation.id, Membership.user_id == user.id
        )
    )
    if membership is not None:
        return membership
    membership = Membership(consultation_id=consultation.id, user_id=user.id, is_public=True)
    db.session.add(membership)
    if user.group_id is None:
        user.group_id = public_group().id
    db.session.flush()
    record("public.joined", user, membership, consultation_id=consultation.id)
    return membership


def _send_verification(user: User, consultation: Consultation) -> None:
    """A fresh verification link (an invitation of the existing kind, shorter lived)."""
    invitation = create_invitation(user, None, consultation.id)
    hours = current_app.config["PUBLIC_VERIFY_MAX_AGE_HOURS"]
    invitation.expires_at = min(invitation.expires_at, utcnow() + timedelta(hours=hours))
    queue_mail(
        user,
        "public_verification",
        _l('Confirm your e-mail address for "%(title)s"', title=consultation.title),
        "mail/public_verification.txt",
        sensitive=True,
        link=invitation_url(invitation),
        consultation=consultation,
        hours=hours,
    )


def register_publicly(consultation: Consultation, data: dict[str, Any]) -> User | None:
    """Register someone of the public for a consultation and mail the verification link.

    Whether the address is new or not, the person is told the same ("check your mail"), so
    the form never reveals who has an account: a new address gets an account in the general
    public's group and a link; an account never verified gets a new link; an account in use
    gets a note to sign in and join from the consultation's page."""
    user = find_user_by_email(data["email"])
    if user is None:
        user = User(
            email=data["email"].strip().lower(),
            name=data["name"].strip(),
            city=data["city"].strip(),
            organisation=(data.get("organisation") or "").strip(),
            role=Role.PARTICIPANT,
            group_id=public_group().id,
        )
        db.session.add(user)
        db.session.flush()
        record("public.registered", user, user, consultation_id=consultation.id)
    if not user.is_active_account or user.erased_at is not None:
        return None
    if user.password_hash is None:
        join_publicly(user, consultation)
        _send_verification(user, consultation)
        return user
    queue_mail(
        user,
        "public_existing_account",
        _l('You already have an account on Rembuk ("%(title)s")', title=consultation.title),
        "mail/public_existing_account.txt",
        consultation=consultation,
        link=public_url("public.overview", consultation_id=consultation.id),
    )
    return None


# --- what public readers see ------------------------------------------------------------------


def public_comment_condition(consultation: Consultation):
    """Comments a public reader sees: published ones, unless the consultation keeps comments
    to its organisers."""
    if consultation.comment_visibility == CommentVisibility.ORGANISERS:
        return Comment.id.is_(None)
    return Comment.status == CommentStatus.PUBLISHED


def responses_page(consultation: Consultation, page: int, per_page: int) -> tuple:
    """(rows, page, per_page, total) of the published "you said, we did" list."""
    query = you_said_we_did_query(consultation)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, page, per_page, total or 0


# --- HTTP caching for anonymous readers -------------------------------------------------------


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: datetime


def _validators_statement(item_here):
    """The validators' one statement, for pages with or without a section or strategy."""
    on_consultation = Consultation.id
    moments = (
        Consultation.updated_at,
        Consultation.response_published_at,
        select(func.max(Comment.updated_at))
        .where(Comment.consultation_id == on_consultation)
        .scalar_subquery(),
        select(func.max(Comment.moderated_at))
        .where(Comment.consultation_id == on_consultation)
        .scalar_subquery(),
        select(func.max(CommentResponse.decided_at))
        .where(CommentResponse.consultation_id == on_consultation)
        .scalar_subquery(),
        select(func.max(ContentVersion.published_at)).scalar_subquery(),
    )
    version = select(DataVersion.version).where(DataVersion.id == 1).scalar_subquery()
    return select(*moments, version, item_here).where(
        Consultation.id == bindparam("consultation_id"), publicly_readable()
    )


def _item_here(item, *path):
    """Whether the page's section or strategy is in the consultation."""
    found = select(item.id)
    for joined in path:
        found = found.join(joined)
    return found.where(
        item.id == bindparam("item_id"), Chapter.consultation_id == Consultation.id
    ).exists()


# Built once, executed with bind parameters: building them per request cost more than running
# them (a 304 is answered from this statement alone).
_VALIDATORS = {
    None: _validators_statement(true()),
    "sections": _validators_statement(_item_here(Section, Chapter)),
    "strategies": _validators_statement(_item_here(Strategy, Section, Chapter)),
}


def _connection_without_transaction():
    """A connection of its own that opens no transaction for a read. On PostgreSQL a
    transaction is a BEGIN and a ROLLBACK, two round trips more than the statement, and each
    ROLLBACK makes psycopg forget its prepared statements (the statement was planned again on
    every request); SQLite's driver opens none for a read, and switching it to autocommit and
    back would cost more than the read itself."""
    connection = db.engine.connect()
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="AUTOCOMMIT")
    return connection


def page_validators(
    consultation_id: int, kind: str | None, item_id: int | None, page_key: str, locale: str
) -> Validators | None:
    """The ETag and Last-Modified of a public page, from what any public page shows: the
    consultation, the plan and comments (the input version), published versions and
    responses. One statement of indexed look-ups, so a conditional request is answered before
    anything is loaded; None when the public may not read this page (the view answers 404)."""
    with _connection_without_transaction() as connection:
        row = connection.execute(
            _VALIDATORS[kind], {"consultation_id": consultation_id, "item_id": item_id}
        ).first()
    if row is None or not row[-1]:
        return None
    *moments, version, _here = row
    last = max(moment for moment in moments if moment is not None).replace(microsecond=0)
    digest = hashlib.sha256(
        f"{consultation_id}|{version or 0}|{last.isoformat()}|{locale}|{page_key}".encode()
    ).hexdigest()[:32]
    return Validators(etag=digest, last_modified=last)
