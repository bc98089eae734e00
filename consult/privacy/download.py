"""A person's own data as one ZIP file, built in memory: nothing is written to disk."""

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import select

from consult.audit import AuditEvent, record
from consult.auth.models import User
from consult.extensions import db
from consult.feedback.models import Attachment, Comment, CommentRevision, Rating, RatingChange
from consult.moderation.models import Flag
from consult.notifications import Notification, NotificationPreference
from consult.plans.models import Consultation, Criterion, Membership, Strategy
from consult.privacy.models import ErasureRequest, NoticeAcceptance
from consult.timeutil import utcnow
from consult.uploads import clean_filename, stored_path

FORMAT_VERSION = 1


def _when(value: datetime | None) -> str | None:
    return value.isoformat() + "Z" if value else None


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


def _profile(user: User) -> dict:
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "organisation": user.organisation,
        "position": user.position,
        "stakeholder_group": user.group.name if user.group else None,
        "role": _plain(user.role),
        "language": user.locale,
        "two_step_verification": bool(user.totp_secret),
        "created_at": _when(user.created_at),
        "last_login_at": _when(user.last_login_at),
    }


def _memberships(user: User) -> list[dict]:
    rows = db.session.execute(
        select(Membership, Consultation.title)
        .join(Consultation, Membership.consultation_id == Consultation.id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.id)
    ).all()
    return [
        {
            "consultation_id": membership.consultation_id,
            "consultation": title,
            "role": _plain(membership.role),
            "invited_at": _when(membership.invited_at),
            "last_visit_at": _when(membership.last_visit_at),
            "suspended_at": _when(membership.suspended_at),
            "suspended_reason": membership.suspended_reason,
        }
        for membership, title in rows
    ]


def _comments(user: User) -> tuple[list[dict], list[tuple[str, Attachment]]]:
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    ).all()
    ids = [comment.id for comment in comments]
    revisions: dict[int, list[dict]] = {}
    for revision in db.session.scalars(
        select(CommentRevision)
        .where(CommentRevision.comment_id.in_(ids))
        .order_by(CommentRevision.comment_id, CommentRevision.revision)
    ):
        revisions.setdefault(revision.comment_id, []).append(
            {
                "revision": revision.revision,
                "type": _plain(revision.type),
                "body": revision.body,
                "proposed_wording": revision.proposed_wording,
                "reference": revision.reference,
                "written_at": _when(revision.written_at),
                "replaced_at": _when(revision.replaced_at),
            }
        )
    attachments: dict[int, list[Attachment]] = {}
    for attachment in db.session.scalars(
        select(Attachment).where(Attachment.comment_id.in_(ids)).order_by(Attachment.id)
    ):
        attachments.setdefault(attachment.comment_id, []).append(attachment)
    files, rows = [], []
    for comment in comments:
        listed = []
        for attachment in attachments.get(comment.id, []):
            path = f"attachments/{attachment.id}-{clean_filename(attachment.original_name)}"
            files.append((path, attachment))
            listed.append({"name": attachment.original_name, "file": path})
        rows.append(_comment_row(comment, revisions.get(comment.id, []), listed))
    return rows, files


def _comment_row(comment: Comment, revisions: list[dict], attachments: list[dict]) -> dict:
    return {
        "id": comment.id,
        "consultation_id": comment.consultation_id,
        "section_id": comment.section_id,
        "strategy_id": comment.strategy_id,
        "reply_to": comment.parent_id,
        "type": _plain(comment.type),
        "body": comment.body,
        "proposed_wording": comment.proposed_wording,
        "reference": comment.reference,
        "status": _plain(comment.status),
        "moderation_reason": comment.moderation_reason,
        "phase": _plain(comment.phase),
        "source": _plain(comment.source),
        "revision": comment.revision,
        "created_at": _when(comment.created_at),
        "updated_at": _when(comment.updated_at),
        "earlier_versions": revisions,
        "attachments": attachments,
    }


def _ratings(user: User) -> list[dict]:
    rows = db.session.execute(
        select(Rating, Criterion.key, Strategy.code, Strategy.title)
        .join(Criterion, Rating.criterion_id == Criterion.id)
        .join(Strategy, Rating.strategy_id == Strategy.id)
        .where(Rating.user_id == user.id)
        .order_by(Rating.id)
    ).all()
    changes: dict[int, list[dict]] = {}
    for change in db.session.scalars(
        select(RatingChange)
        .where(RatingChange.rating_id.in_([rating.id for rating, *_ in rows]))
        .order_by(RatingChange.id)
    ):
        changes.setdefault(change.rating_id, []).append(
            {
                "value": change.value,
                "valid_from": _when(change.valid_from),
                "replaced_at": _when(change.replaced_at),
            }
        )
    return [
        {
            "consultation_id": rating.consultation_id,
            "strategy_id": rating.strategy_id,
            "strategy": f"{code} {title}".strip(),
            "criterion": key,
            "phase": _plain(rating.phase),
            "value": rating.value,
            "source": _plain(rating.source),
            "created_at": _when(rating.created_at),
            "updated_at": _when(rating.updated_at),
            "earlier_values": changes.get(rating.id, []),
        }
        for rating, key, code, title in rows
    ]


def _notifications(user: User) -> list[dict]:
    return [
        {
            "kind": _plain(notification.kind),
            "message": str(notification.message),
            "link": notification.link,
            "created_at": _when(notification.created_at),
            "read_at": _when(notification.read_at),
        }
        for notification in db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ]


def _consents(user: User) -> dict:
    acceptances = db.session.scalars(
        select(NoticeAcceptance)
        .where(NoticeAcceptance.user_id == user.id)
        .order_by(NoticeAcceptance.id)
    )
    preferences = db.session.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )
    return {
        "privacy_notice_acceptances": [
            {"version": a.version, "accepted_at": _when(a.accepted_at), "context": a.context}
            for a in acceptances
        ],
        "mail_preferences": {_plain(p.kind): p.mail_enabled for p in preferences},
    }


def _flags_and_requests(user: User) -> dict:
    flags = db.session.scalars(select(Flag).where(Flag.user_id == user.id).order_by(Flag.id))
    requests = db.session.scalars(select(ErasureRequest).where(ErasureRequest.user_id == user.id))
    return {
        "flags": [
            {
                "comment_id": flag.comment_id,
                "reason": _plain(flag.reason),
                "note": flag.note,
                "created_at": _when(flag.created_at),
            }
            for flag in flags
        ],
        "erasure_requests": [
            {"status": _plain(r.status), "requested_at": _when(r.requested_at)} for r in requests
        ],
    }


def _own_audit_events(user: User) -> list[dict]:
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id)
    )
    return [{"at": _when(e.at), "action": e.action, "ip_address": e.ip_address} for e in events]


def personal_data(user: User) -> tuple[dict, list[tuple[str, Attachment]]]:
    """Everything Rembuk holds about the person, and their attachments' files."""
    comments, files = _comments(user)
    return {
        "format_version": FORMAT_VERSION,
        "exported_at": _when(utcnow()),
        "profile": _profile(user),
        "memberships": _memberships(user),
        "comments": comments,
        "ratings": _ratings(user),
        "notifications": _notifications(user),
        "consents": _consents(user),
        **_flags_and_requests(user),
        "actions_recorded": _own_audit_events(user),
    }, files


def build_download(user: User) -> bytes:
    """The ZIP (data.json and attachments/) in memory; the download is audited."""
    data, files = personal_data(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for path, attachment in files:
            try:
                archive.write(stored_path(attachment.stored_name), path)
            except OSError:
                data_missing = f"{path}.missing.txt"
                archive.writestr(data_missing, "The file could not be read on the server.\n")
    record("privacy.data_downloaded", user, user, attachments=len(files))
    return buffer.getvalue()
