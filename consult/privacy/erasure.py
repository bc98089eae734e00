"""Erasing a person: their identity goes everywhere, their input stays under a pseudonym.

One routine, `erase_user`, serves a confirmed request and the retention command alike.
"""

import logging
import secrets
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from consult.audit import personal_data_patterns, record, scrub_personal_data
from consult.auth.models import Invitation, Role, User
from consult.extensions import db
from consult.feedback.models import Attachment, Comment
from consult.mail import OutboxMail
from consult.notifications import Notification, NotificationKind, NotificationPreference
from consult.plans.models import MemberRole, Membership
from consult.privacy.models import ErasureRequest, ErasureStatus
from consult.reports.export_jobs import export_folder
from consult.reports.models import ExportJob, JobState
from consult.timeutil import utcnow
from consult.uploads import stored_path

log = logging.getLogger(__name__)

PSEUDONYM = "Peserta dihapus"  # stored in Indonesian, the language of the record
ERASED_DOMAIN = "rembuk.invalid"
_FILES_TO_REMOVE = "rembuk_erased_files"
_EXPORTS_TO_REMOVE = "rembuk_erased_exports"


class ErasureError(Exception):
    """A request that cannot be made or confirmed; str() is a message for the person."""


def pseudonym_for(user: User) -> str:
    """ "Peserta dihapus (KADIN)": the stakeholder group stays, the identity goes."""
    return f"{PSEUDONYM} ({user.group.name})" if user.group else PSEUDONYM


def shown_name(user: User) -> str:
    """The name to show for a person, the pseudonym translated when the account is erased."""
    if user.erased_at is None:
        return user.name
    if user.group:
        return _("Deleted participant (%(group)s)", group=user.group.display_name)
    return _("Deleted participant")


def erased_email(user: User) -> str:
    return f"dihapus-{user.id}@{ERASED_DOMAIN}"


# --- requests -----------------------------------------------------------------------------


def pending_request(user: User) -> ErasureRequest | None:
    return db.session.scalar(
        select(ErasureRequest).where(
            ErasureRequest.user_id == user.id, ErasureRequest.status == ErasureStatus.PENDING
        )
    )


def request_erasure(user: User) -> ErasureRequest:
    """A participant asks for their account to be erased; organisers or an admin confirm."""
    if user.role != Role.PARTICIPANT:
        raise ErasureError(
            _("Organisers and administrators ask an administrator to close their account.")
        )
    existing = pending_request(user)
    if existing is not None:
        return existing
    erasure = ErasureRequest(user_id=user.id)
    db.session.add(erasure)
    db.session.flush()
    record("privacy.erasure_requested", user, erasure)
    return erasure


def cancel_erasure(erasure: ErasureRequest, user: User) -> ErasureRequest:
    erasure.status = ErasureStatus.CANCELLED
    erasure.decided_at = utcnow()
    erasure.decided_by_id = user.id
    db.session.flush()
    record("privacy.erasure_cancelled", user, erasure)
    return erasure


def organised_participants(organiser: User):
    """Ids of the people taking part in a consultation this organiser runs (a subquery)."""
    organised = select(Membership.consultation_id).where(
        Membership.user_id == organiser.id, Membership.role == MemberRole.ORGANISER
    )
    return select(Membership.user_id).where(Membership.consultation_id.in_(organised))


def pending_requests_for(confirmer: User) -> list[ErasureRequest]:
    """Pending requests this organiser (their consultations' participants) or admin may see."""
    query = select(ErasureRequest).where(ErasureRequest.status == ErasureStatus.PENDING)
    if not confirmer.is_admin:
        query = query.where(ErasureRequest.user_id.in_(organised_participants(confirmer)))
    return list(db.session.scalars(query.order_by(ErasureRequest.requested_at)))


def confirm_erasure(erasure: ErasureRequest, actor: User) -> User:
    """Erase the account of a pending request (the caller checked the actor may)."""
    if erasure.status != ErasureStatus.PENDING:
        raise ErasureError(_("This request was already decided."))
    erasure.status = ErasureStatus.CONFIRMED
    erasure.decided_at = utcnow()
    erasure.decided_by_id = actor.id
    return erase_user(erasure.user, actor, reason="request")


# --- the erasure itself -------------------------------------------------------------------


def erase_user(user: User, actor: User | None, reason: str) -> User:
    """Close the account and remove or pseudonymise its personal data everywhere.

    Kept: comments, ratings and their history (the consultation's record), attributed to
    the pseudonym with the stakeholder group. Removed: identity, credentials, sessions,
    notifications, mail contents, attachments (files and names), personal data in the
    audit trail. Audited by user id and pseudonym only.
    """
    return erase_users([user], actor, reason)[0]


def erase_users(users: list[User], actor: User | None, reason: str) -> list[User]:
    people = {}
    for user in users:
        old = {user.name: pseudonym_for(user), user.email: erased_email(user)}
        for text in (user.organisation, user.position):
            if text and text not in old:
                old[text] = ""
        people[user.id] = (erased_email(user), old)
    removed = {user.id: _remove_attachments(user) for user in users}
    withdrawn = _withdraw_stored_exports(users)
    for user in users:
        _forget_messages(user, people[user.id][1])
        _close_account(user)
    db.session.flush()
    scrub_personal_data(people)
    for user in users:
        record(
            "privacy.account_erased",
            actor,
            user,
            pseudonym=user.name,
            reason=reason,
            attachments_removed=removed[user.id],
            exports_withdrawn=withdrawn,
        )
    db.session.flush()
    return users


def _close_account(user: User) -> None:
    now = utcnow()
    user.name = pseudonym_for(user)
    user.email = erased_email(user)
    user.organisation = ""
    user.position = ""
    user.password_hash = None
    user.totp_secret = None
    user.totp_last_step = None
    user.locale = None
    user.is_active_account = False
    user.session_token = secrets.token_urlsafe(24)  # every session and remember-me cookie ends
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = None
    user.erased_at = now
    for invitation in db.session.scalars(select(Invitation).where(Invitation.user_id == user.id)):
        invitation.message = ""
        invitation.nonce = secrets.token_urlsafe(16)  # its links stop working
        invitation.used_at = invitation.used_at or now
    for membership in db.session.scalars(select(Membership).where(Membership.user_id == user.id)):
        membership.suspended_reason = ""


def _forget_messages(user: User, old: dict[str, str]) -> None:
    """Their notifications and mails go; others' messages lose their name and address."""
    for model in (Notification, NotificationPreference):
        for row in db.session.scalars(select(model).where(model.user_id == user.id)):
            db.session.delete(row)
    patterns = personal_data_patterns({k: v for k, v in old.items() if len(k) > 1})
    for mail in db.session.scalars(
        select(OutboxMail).where(
            or_(OutboxMail.recipient_id == user.id, OutboxMail.recipient == user.email)
        )
    ):
        mail.recipient, mail.subject, mail.body = erased_email(user), "", ""
    mentions = [
        column.contains(text, autoescape=True)
        for text in old
        if text
        for column in (OutboxMail.body, OutboxMail.subject)
    ]
    for mail in db.session.scalars(select(OutboxMail).where(or_(*mentions))):
        mail.subject, mail.body = _replace(mail.subject, patterns), _replace(mail.body, patterns)
    for notification in db.session.scalars(
        select(Notification).where(Notification.kind == NotificationKind.REPLY)
    ):
        params = {key: _replace(value, patterns) for key, value in notification.params.items()}
        if params != notification.params:
            notification.params = params


def _replace(value, patterns):
    if not isinstance(value, str):
        return value
    for pattern, replacement in patterns:
        value = pattern.sub(replacement, value)
    return value


def _remove_attachments(user: User) -> int:
    """Attachments on their comments or uploaded by them: rows now, files after the commit.

    A document someone uploaded can identify them (letterhead, signature, metadata), so it
    is not kept; the comment's text stays.
    """
    attachments = db.session.scalars(
        select(Attachment)
        .join(Comment, Attachment.comment_id == Comment.id)
        .where(or_(Comment.author_id == user.id, Attachment.uploaded_by_id == user.id))
    ).all()
    session = db.session()
    for attachment in attachments:
        session.info.setdefault(_FILES_TO_REMOVE, []).append(attachment.stored_name)
        db.session.delete(attachment)
    return len(attachments)


def _withdraw_stored_exports(users: list[User]) -> int:
    """Stored exports of their consultations were made when they still had a name: withdrawn.

    A finished export's file is deleted after the commit and never offered again; a running
    one is asked to stop (it may have read the name already); a queued one will read the
    pseudonym, so it stays.
    """
    their_consultations = select(Membership.consultation_id).where(
        Membership.user_id.in_([user.id for user in users])
    )
    jobs = db.session.scalars(
        select(ExportJob).where(
            ExportJob.consultation_id.in_(their_consultations),
            ExportJob.state.in_([JobState.DONE, JobState.RUNNING]),
        )
    ).all()
    session = db.session()
    for job in jobs:
        if job.state == JobState.RUNNING:
            job.cancel_requested = True
            continue
        if job.stored_name:
            session.info.setdefault(_EXPORTS_TO_REMOVE, []).append(job.stored_name)
        job.state, job.stored_name = JobState.EXPIRED, ""
    return len(jobs)


@event.listens_for(Session, "after_commit")
def _remove_erased_files(session: Session) -> None:
    for stored_name in session.info.pop(_FILES_TO_REMOVE, []):
        try:
            Path(stored_path(stored_name)).unlink(missing_ok=True)
        except (OSError, RuntimeError) as error:
            log.error("Could not remove an erased person's attachment %s: %s", stored_name, error)
    for stored_name in session.info.pop(_EXPORTS_TO_REMOVE, []):
        try:
            (export_folder() / stored_name).unlink(missing_ok=True)
        except (OSError, RuntimeError) as error:
            log.error(
                "Could not remove an export naming an erased person %s: %s", stored_name, error
            )


@event.listens_for(Session, "after_rollback")
def _keep_files_after_rollback(session: Session) -> None:
    session.info.pop(_FILES_TO_REMOVE, None)
    session.info.pop(_EXPORTS_TO_REMOVE, None)
