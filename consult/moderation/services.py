"""Moderation rules: decisions on comments, flags, suspensions, the queue, reminders.

Functions flush, never commit, and record an audit event for every change.
Nothing is deleted: a decision changes a comment's status and keeps the text.
"""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from consult import labels
from consult.audit import AuditEvent, record
from consult.auth.models import User
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus, CommentType
from consult.moderation.models import Flag, ModerationReason, ReminderLog
from consult.notifications import NotificationKind, notify
from consult.permissions import can_manage, is_admin, managed_consultation_ids
from consult.plans.models import (
    Consultation,
    ConsultationState,
    Criterion,
    MemberRole,
    Membership,
    Section,
    Strategy,
)
from consult.spreadsheet import neutralise
from consult.timeutil import local_to_utc, utc_to_local, utcnow
from consult.urls import app_path, comment_url

REASON_LABELS = {ModerationReason(code): text for code, text in labels.REASON.items()}


class ModerationError(ValueError):
    """A moderation rule refused the request (the message is for people).

    Messages are lazy: they turn into text in the language of whoever reads them.
    """

    def __str__(self) -> str:
        return " ".join(str(part) for part in self.args)


# --- decisions on comments -------------------------------------------------------------


def target_label(comment: Comment) -> str:
    """ "1.1.1 Title" of the strategy or section a comment is on (from the identity map)."""
    target = (
        db.session.get(Strategy, comment.strategy_id)
        if comment.strategy_id
        else db.session.get(Section, comment.section_id)
    )
    return target.label if target is not None else ""


def reason_text(reason: str, note: str, locale: str | None) -> str:
    """The reason as the author will read it, in the author's language."""
    if not reason:
        return note
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        label = str(REASON_LABELS[ModerationReason(reason)])
    return f"{label}: {note}" if note else label


def _resolve_flags(comment: Comment, moderator: User | None) -> int:
    now = utcnow()
    flags = db.session.scalars(
        select(Flag).where(Flag.comment_id == comment.id, Flag.resolved_at.is_(None))
    ).all()
    for flag in flags:
        flag.resolved_at = now
        flag.resolved_by_id = moderator.id if moderator is not None else None
    comment.flag_count = 0
    return len(flags)


@dataclass(frozen=True)
class Decision:
    action: str
    allowed_from: frozenset[CommentStatus]
    new_status: CommentStatus
    needs_reason: bool
    notice: NotificationKind | None

    def refusal(self, comment: Comment):
        """Why this decision cannot apply to the comment, or None."""
        if comment.status not in self.allowed_from:
            return _l(
                "Comment #%(id)s cannot be %(action)s (it is %(status)s).",
                id=comment.id,
                action=ACTION_PAST[self.action],
                status=STATUS_LABELS[comment.status],
            )
        return None


DECISIONS = {
    # Approving a published comment keeps it and dismisses its flags.
    "approve": Decision(
        "approve",
        frozenset({CommentStatus.PENDING, CommentStatus.PUBLISHED}),
        CommentStatus.PUBLISHED,
        False,
        NotificationKind.COMMENT_APPROVED,
    ),
    "reject": Decision(
        "reject",
        frozenset({CommentStatus.PENDING}),
        CommentStatus.REJECTED,
        True,
        NotificationKind.COMMENT_REJECTED,
    ),
    # Hiding an automatically hidden comment confirms it.
    "hide": Decision(
        "hide",
        frozenset({CommentStatus.PUBLISHED, CommentStatus.PENDING, CommentStatus.HIDDEN}),
        CommentStatus.HIDDEN,
        True,
        NotificationKind.COMMENT_HIDDEN,
    ),
    "restore": Decision(
        "restore",
        frozenset({CommentStatus.HIDDEN, CommentStatus.REJECTED}),
        CommentStatus.PUBLISHED,
        False,
        NotificationKind.COMMENT_APPROVED,
    ),
}
ACTION_LABELS = {
    "approve": _l("Approve"),
    "reject": _l("Reject"),
    "hide": _l("Hide"),
    "restore": _l("Restore"),
}
ACTION_PAST = {
    "approve": _l("approved"),
    "reject": _l("rejected"),
    "hide": _l("hidden"),
    "restore": _l("restored"),
}
STATUS_LABELS = {
    CommentStatus.PENDING: _l("awaiting moderation"),
    CommentStatus.PUBLISHED: _l("published"),
    CommentStatus.HIDDEN: _l("hidden"),
    CommentStatus.REJECTED: _l("not approved"),
    CommentStatus.WITHDRAWN: _l("withdrawn"),
}


def _decide(comment: Comment, moderator: User, action: str, reason: str, note: str) -> Comment:
    decision = DECISIONS[action]
    refusal = decision.refusal(comment)
    if refusal:
        raise ModerationError(refusal)
    if decision.needs_reason and not reason:
        raise ModerationError(_l("Please choose a reason."))
    note = (note or "").strip()
    before = comment.status
    was_auto_hidden = before == CommentStatus.HIDDEN and comment.moderated_by_id is None
    author = db.session.get(User, comment.author_id) if comment.author_id else None
    comment.status = decision.new_status
    comment.moderated_at = utcnow()
    comment.moderated_by_id = moderator.id
    comment.moderation_reason = reason_text(reason, note, author.locale if author else None)
    flags = _resolve_flags(comment, moderator)
    record(
        f"comment.{action}",
        moderator,
        comment,
        consultation_id=comment.consultation_id,
        before=before.value,
        after=comment.status.value,
        reason=reason,
        note=note,
        flags_resolved=flags,
    )
    changed = before != comment.status or was_auto_hidden
    if author is not None and changed and decision.notice is not None:
        notify(
            author,
            decision.notice,
            # A refused comment is not on the page any more; "my input" shows it and why.
            link=comment_url(comment)
            if comment.status == CommentStatus.PUBLISHED
            else app_path("feedback.my_input"),
            target=target_label(comment),
            reason=comment.moderation_reason,
        )
    db.session.flush()
    return comment


def approve_comment(comment: Comment, moderator: User, reason: str = "", note: str = ""):
    """Publish a pending comment (or keep a flagged one and dismiss its flags)."""
    return _decide(comment, moderator, "approve", reason, note)


def reject_comment(comment: Comment, moderator: User, reason: str, note: str = ""):
    """Refuse a pending comment; it is kept, and its author told why."""
    return _decide(comment, moderator, "reject", reason, note)


def hide_comment(comment: Comment, moderator: User, reason: str, note: str = ""):
    """Hide a comment from other participants; it is kept, and its author told why."""
    return _decide(comment, moderator, "hide", reason, note)


def restore_comment(comment: Comment, moderator: User, reason: str = "", note: str = ""):
    """Publish again a hidden or rejected comment."""
    return _decide(comment, moderator, "restore", reason, note)


ACTIONS: dict[str, Callable[..., Comment]] = {
    "approve": approve_comment,
    "reject": reject_comment,
    "hide": hide_comment,
    "restore": restore_comment,
}


def moderate_comments(
    comments: Sequence[Comment], moderator: User, action: str, reason: str, note: str = ""
) -> list[Comment]:
    """Apply one decision with one reason to a selection; all or nothing."""
    decision = DECISIONS[action]
    refusals = [text for text in (decision.refusal(c) for c in comments) if text]
    if refusals:
        raise ModerationError(_l("Nothing was changed."), *refusals)
    return [ACTIONS[action](comment, moderator, reason, note) for comment in comments]


# --- flags ------------------------------------------------------------------------------


def flag_comment(comment: Comment, user: User, reason: str, note: str = "") -> Flag:
    """Report a published comment once; hide it for review at the consultation's threshold."""
    if comment.status != CommentStatus.PUBLISHED or comment.author_id == user.id:
        raise ModerationError(_l("This comment cannot be flagged."))
    already = _l("You have already flagged this comment.")
    if db.session.scalar(
        select(Flag.id).where(Flag.comment_id == comment.id, Flag.user_id == user.id)
    ):
        raise ModerationError(already)
    flag = Flag(
        comment_id=comment.id,
        user_id=user.id,
        reason=ModerationReason(reason),
        note=(note or "").strip(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(flag)
            db.session.flush()
    except IntegrityError:
        # The same person flagged twice at once: the database keeps one.
        raise ModerationError(already) from None
    # Counted in SQL, so simultaneous flags from different people all count.
    comment.flag_count = Comment.flag_count + 1
    db.session.flush()
    db.session.refresh(comment, ["flag_count"])
    record(
        "comment.flag",
        user,
        comment,
        consultation_id=comment.consultation_id,
        reason=flag.reason.value,
        flag_count=comment.flag_count,
    )
    consultation = db.session.get(Consultation, comment.consultation_id)
    threshold = consultation.auto_hide_flag_count
    if threshold and comment.flag_count >= threshold:
        _auto_hide(comment, threshold)
    return flag


def _auto_hide(comment: Comment, threshold: int) -> None:
    author = db.session.get(User, comment.author_id) if comment.author_id else None
    locale = (author.locale if author else None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        reason = _(
            "Hidden automatically after %(count)s flags; a moderator will review it.",
            count=comment.flag_count,
        )
    before = comment.status
    comment.status = CommentStatus.HIDDEN
    comment.moderated_at = utcnow()
    comment.moderated_by_id = None
    comment.moderation_reason = reason
    # The system acts here, not a person: no actor, and the data says so.
    record(
        "comment.auto_hide",
        None,
        comment,
        consultation_id=comment.consultation_id,
        before=before.value,
        after=comment.status.value,
        flag_count=comment.flag_count,
        threshold=threshold,
        system=True,
    )
    db.session.flush()


# --- suspensions ------------------------------------------------------------------------


def suspend_participant(membership: Membership, organiser: User, reason: str) -> Membership:
    """Stop a participant posting in one consultation; what they wrote stays visible."""
    if membership.user_id == organiser.id or can_manage(membership.user, membership.consultation):
        raise ModerationError(_l("Organisers cannot be suspended."))
    if membership.suspended_at is not None:
        raise ModerationError(_l("This participant is already suspended."))
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError(_l("Please give a reason."))
    membership.suspended_at = utcnow()
    membership.suspended_reason = reason
    record(
        "membership.suspend",
        organiser,
        membership,
        consultation_id=membership.consultation_id,
        user_id=membership.user_id,
        reason=reason,
    )
    db.session.flush()
    return membership


def lift_suspension(membership: Membership, organiser: User) -> Membership:
    """Let a suspended participant post again."""
    if membership.suspended_at is None:
        raise ModerationError(_l("This participant is not suspended."))
    record(
        "membership.lift_suspension",
        organiser,
        membership,
        consultation_id=membership.consultation_id,
        user_id=membership.user_id,
        suspended_at=membership.suspended_at.isoformat(),
        reason=membership.suspended_reason,
    )
    membership.suspended_at = None
    membership.suspended_reason = ""
    db.session.flush()
    return membership


# --- the queue --------------------------------------------------------------------------


def moderated_consultations(user: User) -> list[Consultation]:
    """Consultations the user may moderate: the ones they organise (admins: all)."""
    query = (
        select(Consultation)
        .where(Consultation.id.in_(managed_consultation_ids(user)))
        .order_by(Consultation.created_at.desc(), Consultation.id.desc())
    )
    return list(db.session.scalars(query))


QUEUE_VIEWS = ("review", "published", "hidden", "rejected")


@dataclass
class QueueFilters:
    consultation_id: int | None = None
    section_id: int | None = None
    group_id: int | None = None
    type: str | None = None
    view: str = "review"
    text: str = ""  # words in the comment
    author: str = ""  # part of the author's name or e-mail


def _like(text: str) -> str:
    """A LIKE pattern matching the text anywhere, with its own % and _ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def queue_query(consultation_ids: Iterable[int], filters: QueueFilters) -> Select:
    """The queue's comments (awaiting a decision, published, hidden or rejected) with what a
    row shows; searched by words in the text and by the author's name or e-mail."""
    ids = list(consultation_ids)
    if filters.consultation_id is not None:
        ids = [i for i in ids if i == filters.consultation_id]
    query = select(Comment).where(Comment.consultation_id.in_(ids))
    if filters.view == "published":
        query = query.where(Comment.status == CommentStatus.PUBLISHED)
    elif filters.view == "hidden":
        query = query.where(Comment.status == CommentStatus.HIDDEN)
    elif filters.view == "rejected":
        query = query.where(Comment.status == CommentStatus.REJECTED)
    else:
        # Two index lookups (pending; flagged) instead of one OR that reads every comment.
        pending = select(Comment.id).where(
            Comment.consultation_id.in_(ids), Comment.status == CommentStatus.PENDING
        )
        flagged = select(Comment.id).where(
            Comment.consultation_id.in_(ids),
            Comment.flag_count > 0,
            Comment.status.in_([CommentStatus.PUBLISHED, CommentStatus.HIDDEN]),
        )
        query = select(Comment).where(Comment.id.in_(union_all(pending, flagged)))
    if filters.section_id is not None:
        query = query.where(
            or_(
                Comment.section_id == filters.section_id,
                Comment.strategy_id.in_(
                    select(Strategy.id).where(Strategy.section_id == filters.section_id)
                ),
            )
        )
    if filters.group_id is not None:
        query = query.where(Comment.group_id == filters.group_id)
    if filters.type:
        query = query.where(Comment.type == CommentType(filters.type))
    if filters.text:
        query = query.where(Comment.body.ilike(_like(filters.text), escape="\\"))
    if filters.author:
        pattern = _like(filters.author)
        query = query.where(
            Comment.author_id.in_(
                select(User.id).where(
                    or_(
                        User.name.ilike(pattern, escape="\\"),
                        User.email.ilike(pattern, escape="\\"),
                    )
                )
            )
        )
    # Decisions oldest first; published comments, searched rather than worked through, newest.
    newest = filters.view == "published"
    order = (
        (Comment.created_at.desc(), Comment.id.desc())
        if newest
        else (Comment.created_at, Comment.id)
    )
    return query.options(
        selectinload(Comment.author),
        selectinload(Comment.group),
        selectinload(Comment.strategy),
        selectinload(Comment.section),
    ).order_by(*order)


def open_flags(comment_ids: Sequence[int]) -> dict[int, list[Flag]]:
    """Unresolved flags of these comments, with who flagged, in one query."""
    result: dict[int, list[Flag]] = {i: [] for i in comment_ids}
    if not comment_ids:
        return result
    flags = db.session.scalars(
        select(Flag)
        .where(Flag.comment_id.in_(comment_ids), Flag.resolved_at.is_(None))
        .options(selectinload(Flag.user))
        .order_by(Flag.created_at)
    )
    for flag in flags:
        result[flag.comment_id].append(flag)
    return result


# --- scheduled reminders ----------------------------------------------------------------


def _due_reminders(consultation: Consultation, sessions: list, now: datetime) -> list[tuple]:
    """(log key, kind, params, participants only) of reminders due now; one per FGD session
    starting within 48 h."""
    day, two_days = now + timedelta(hours=24), now + timedelta(hours=48)
    due = []
    for phase, opens, closes in (
        ("pre", consultation.pre_opens_at, consultation.pre_closes_at),
        ("post", consultation.post_opens_at, consultation.post_closes_at),
    ):
        if opens and now < opens <= day:
            kind = NotificationKind.WINDOW_OPENING_SOON
            due.append((f"{kind.value}:{phase}", kind, {"opens_at": opens}, True))
        if closes and now < closes <= day:
            kind = NotificationKind.WINDOW_CLOSING_TOMORROW
            due.append((f"{kind.value}:{phase}", kind, {"closes_at": closes}, True))
    for session in sessions:
        if now < session.starts_at <= two_days:
            kind = NotificationKind.FGD_REMINDER
            params = {"fgd_at": session.starts_at, "venue": session.venue, "session": session.title}
            due.append((f"{kind.value}:{session.id}", kind, params, False))
    return due


def _declined(consultation: Consultation) -> set[tuple[str, int]]:
    """(reminder key, user id) of members who said they will not come to a session."""
    from consult.fgd.models import FgdSession, Rsvp, RsvpAnswer

    rows = db.session.execute(
        select(Rsvp.session_id, Rsvp.user_id)
        .join(FgdSession, FgdSession.id == Rsvp.session_id)
        .where(FgdSession.consultation_id == consultation.id, Rsvp.answer != RsvpAnswer.ATTENDING)
    )
    kind = NotificationKind.FGD_REMINDER.value
    return {(f"{kind}:{session_id}", user_id) for session_id, user_id in rows}


def _sessions_by_consultation(consultation_ids: list[int]) -> dict[int, list]:
    from consult.fgd.services import sessions_by_consultation

    return sessions_by_consultation(consultation_ids)


def send_reminders(now: datetime | None = None) -> int:
    """Notify members of windows opening or closing within 24 h and FGDs within 48 h, once."""
    now = now or utcnow()
    sent = 0
    consultations = db.session.scalars(
        select(Consultation).where(Consultation.state == ConsultationState.PUBLISHED)
    ).all()
    sessions = _sessions_by_consultation([c.id for c in consultations])
    for consultation in consultations:
        due = _due_reminders(consultation, sessions.get(consultation.id, []), now)
        if not due:
            continue
        members = db.session.scalars(
            select(Membership).where(
                Membership.consultation_id == consultation.id, Membership.suspended_at.is_(None)
            )
        ).all()
        done = set(
            db.session.execute(
                select(ReminderLog.kind, ReminderLog.user_id).where(
                    ReminderLog.consultation_id == consultation.id
                )
            ).all()
        )
        # Who will not come (or sends a delegate) gets no reminder of that session.
        done |= _declined(consultation)
        link = app_path("feedback.consultation_overview", consultation_id=consultation.id)
        for key, kind, params, participants_only in due:
            for member in members:
                if participants_only and member.role != MemberRole.PARTICIPANT:
                    continue
                if (key, member.user_id) in done or not member.user.is_active_account:
                    continue
                db.session.add(
                    ReminderLog(consultation_id=consultation.id, kind=key, user_id=member.user_id)
                )
                notify(member.user, kind, link=link, consultation=consultation.title, **params)
                sent += 1
        db.session.flush()
    return sent


# --- the audit trail --------------------------------------------------------------------


@dataclass
class AuditFilters:
    consultation_id: int | None = None
    action: str = ""
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "consultation_id": self.consultation_id,
            "action": self.action,
            "actor": self.actor,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
        }


def audit_query(user: User, filters: AuditFilters) -> Select:
    """Audit events the user may read (organisers: their consultations; admins: all), newest
    first, narrowed by the filters (dates are WIB calendar days, both ends included)."""
    query = select(AuditEvent)
    if not is_admin(user):  # admins also read events outside any consultation (accounts)
        query = query.where(AuditEvent.consultation_id.in_(managed_consultation_ids(user)))
    if filters.consultation_id is not None:
        query = query.where(AuditEvent.consultation_id == filters.consultation_id)
    if filters.action:
        query = query.where(AuditEvent.action.startswith(filters.action.strip(), autoescape=True))
    if filters.actor:
        needle = filters.actor.strip().lower()
        query = query.where(func.lower(AuditEvent.actor_email).contains(needle, autoescape=True))
    if filters.date_from:
        query = query.where(
            AuditEvent.at >= local_to_utc(datetime.combine(filters.date_from, time.min))
        )
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time.min)
        query = query.where(AuditEvent.at < local_to_utc(end))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


CSV_COLUMNS = (
    "id",
    "at_wib",
    "actor_email",
    "action",
    "object_type",
    "object_id",
    "consultation_id",
    "ip_address",
    "data",
)


def neutralise_cell(value: object) -> str:
    """A CSV cell, as text, that a spreadsheet will not run as a formula."""
    return neutralise("" if value is None else str(value))


def criterion_names_for(events: Sequence[AuditEvent]) -> dict[int, str]:
    """Names of the criteria rated in these events' "values" (one query), to show by name."""
    ids = set()
    for event in events:
        values = (event.data or {}).get("values")
        if isinstance(values, dict):
            ids.update(int(key) for key in values if str(key).isdigit())
    if not ids:
        return {}
    rows = db.session.execute(select(Criterion.id, Criterion.label).where(Criterion.id.in_(ids)))
    return dict(rows.all())


def audit_csv_rows(query: Select) -> Iterator[str]:
    """The events as CSV text: a UTF-8 byte-order mark, a header, one line per event."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise_cell(cell) for cell in cells])
        return buffer.getvalue()

    yield "\ufeff" + line(CSV_COLUMNS)
    for event in db.session.scalars(query.execution_options(yield_per=500)):
        yield line(
            (
                event.id,
                utc_to_local(event.at).isoformat(sep=" ", timespec="seconds"),
                event.actor_email,
                event.action,
                event.object_type,
                event.object_id,
                event.consultation_id,
                event.ip_address,
                json.dumps(event.data, ensure_ascii=False, sort_keys=True),
            )
        )


def record_audit_export(user: User, filters: AuditFilters, rows: int) -> AuditEvent:
    """Reading the trail out is itself recorded."""
    event = record(
        "audit.export",
        user,
        None,
        consultation_id=filters.consultation_id,
        filters=filters.as_dict(),
        rows=rows,
    )
    db.session.flush()
    return event
