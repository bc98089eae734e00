"""Business rules for comments, ratings and attachments. Functions flush, never commit."""

import hashlib
import re
import unicodedata
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from consult.audit import record
from consult.auth.models import StakeholderGroup, User
from consult.extensions import db
from consult.feedback.models import (
    Attachment,
    Comment,
    CommentRevision,
    CommentStatus,
    CommentType,
    InputSource,
    Rating,
    RatingChange,
)
from consult.markdown import split_paragraphs
from consult.notifications import notify
from consult.permissions import can_manage, membership_of
from consult.plans.models import (
    Chapter,
    Consultation,
    ConsultationDocument,
    Criterion,
    ModerationMode,
    Phase,
    Section,
    Strategy,
)
from consult.timeutil import utcnow
from consult.uploads import store_upload
from consult.urls import comment_url

Target = Section | Strategy


class FeedbackError(ValueError):
    """A business rule refused the input (the message is for people)."""


def current_phase(consultation: Consultation) -> Phase | None:
    """The input window open right now, if any."""
    return consultation.phase_at(utcnow())


def consultation_of(target: Target) -> Consultation:
    """The consultation a section or strategy belongs to (one query)."""
    section_id = target.id if isinstance(target, Section) else target.section_id
    return db.session.scalar(
        select(Consultation)
        .join(Chapter, Chapter.consultation_id == Consultation.id)
        .join(Section, Section.chapter_id == Chapter.id)
        .where(Section.id == section_id)
    )


def target_text(target: Target) -> str:
    return target.body if isinstance(target, Section) else target.description


def paragraph_count(target: Target) -> int:
    """How many paragraphs the text has that a comment can be about."""
    return len(split_paragraphs(target_text(target)))


def _existing_by_key(key: str | None) -> Comment | None:
    if not key:
        return None
    return db.session.scalar(select(Comment).where(Comment.submission_key == key))


def add_comment(
    target: Target,
    author: User | None,
    data: dict[str, Any],
    *,
    phase: Phase | None,
    consultation: Consultation | None = None,
    source: InputSource = InputSource.ONLINE,
    entered_by: User | None = None,
    group: StakeholderGroup | None = None,
) -> Comment:
    """Add a comment or reply on a section or strategy; a repeated submission key returns
    the comment already made."""
    data = dict(data)
    existing = _existing_by_key(data.get("submission_key"))
    if existing is not None:
        if existing.author_id == (author.id if author else None) and existing.entered_by_id == (
            entered_by.id if entered_by else None
        ):
            return existing
        data["submission_key"] = None  # someone else's key: never hand out their comment
    consultation = consultation or consultation_of(target)
    ctype = CommentType(data.get("type") or CommentType.OTHER)
    body = (data.get("body") or "").strip()
    wording = (data.get("proposed_wording") or "").strip()
    if not body:
        raise FeedbackError("empty comment")
    if ctype == CommentType.CHANGE and not wording:
        raise FeedbackError("a proposed change needs its wording")
    parent = data.get("parent")
    paragraph = data.get("paragraph_index")
    if parent is not None:
        # One level of replies: a reply to a reply joins the top-level comment.
        if parent.parent_id is not None:
            parent = db.session.get(Comment, parent.parent_id)
        if (parent.section_id, parent.strategy_id) != _target_ids(target):
            raise FeedbackError("reply to a comment elsewhere")
        paragraph = None
    elif paragraph is not None and not 0 <= paragraph < paragraph_count(target):
        paragraph = None
    actor = entered_by or author
    key = text_key(body)
    pre_moderated = not (actor is not None and can_manage(actor, consultation)) and (
        consultation.moderation_mode == ModerationMode.PRE
        or _held_as_public(author, consultation, entered_by, key)
    )
    section_id, strategy_id = _target_ids(target)
    comment = Comment(
        consultation_id=consultation.id,
        section_id=section_id,
        strategy_id=strategy_id,
        parent_id=parent.id if parent is not None else None,
        author_id=author.id if author is not None else None,
        group_id=group.id if group is not None else (author.group_id if author else None),
        paragraph_index=paragraph,
        target_version=target.version,
        type=ctype,
        body=body,
        proposed_wording=wording,
        reference=(data.get("reference") or "").strip(),
        status=CommentStatus.PENDING if pre_moderated else CommentStatus.PUBLISHED,
        phase=phase,
        source=source,
        entered_by_id=entered_by.id if entered_by is not None else None,
        submission_key=data.get("submission_key") or None,
        text_key=key,
    )
    try:
        with db.session.begin_nested():
            db.session.add(comment)
            db.session.flush()
    except IntegrityError:
        # The same form was posted twice at once: the other request made the comment.
        existing = _existing_by_key(data.get("submission_key"))
        if existing is None:
            raise
        return existing
    record(
        "comment.add",
        actor,
        comment,
        consultation_id=consultation.id,
        status=comment.status.value,
        reply_to=comment.parent_id,
    )
    if parent is not None and comment.status == CommentStatus.PUBLISHED:
        _notify_reply(parent, comment, target, author or entered_by)
    return comment


def text_key(body: str) -> str:
    """A digest of the text as a reader sees it: case, accents, punctuation and spacing
    ignored, so the same message pasted by several accounts has one key."""
    text = unicodedata.normalize("NFKD", body.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = " ".join(re.sub(r"[^\w]+", " ", text).split())
    return hashlib.sha256(text.encode()).hexdigest()


def _held_as_public(
    author: User | None, consultation: Consultation, entered_by: User | None, key: str
) -> bool:
    """Input of someone who joined publicly waits for an organiser: always when the
    consultation pre-moderates public input, and otherwise when the same text already came
    from other new accounts (PUBLIC_DUPLICATE_ACCOUNTS in all), which the queue groups."""
    if author is None or entered_by is not None:
        return False
    membership = membership_of(author, consultation)
    if membership is None or not membership.is_public:
        return False
    return (
        consultation.public_premoderation
        or duplicate_count(consultation, key, author) + 1
        >= (current_app.config["PUBLIC_DUPLICATE_ACCOUNTS"])
    )


def duplicate_count(consultation: Consultation, key: str, author: User | None = None) -> int:
    """How many other new accounts already wrote this text in the consultation."""
    new_since = utcnow() - timedelta(days=current_app.config["PUBLIC_NEW_ACCOUNT_DAYS"])
    query = (
        select(func.count(func.distinct(Comment.author_id)))
        .join(User, User.id == Comment.author_id)
        .where(
            Comment.consultation_id == consultation.id,
            Comment.text_key == key,
            User.created_at >= new_since,
        )
    )
    if author is not None:
        query = query.where(Comment.author_id != author.id)
    return db.session.scalar(query) or 0


def duplicate_groups(comments) -> dict[int, int]:
    """For each comment, how many accounts wrote the same text in its consultation (two or
    more: the moderation queue shows them as one group), in one query."""
    keys = {(c.consultation_id, c.text_key) for c in comments if c.text_key}
    if not keys:
        return {}
    rows = db.session.execute(
        select(
            Comment.consultation_id, Comment.text_key, func.count(func.distinct(Comment.author_id))
        )
        .where(
            Comment.consultation_id.in_({k[0] for k in keys}),
            Comment.text_key.in_({k[1] for k in keys}),
        )
        .group_by(Comment.consultation_id, Comment.text_key)
    ).all()
    counts = {(cid, key): n for cid, key, n in rows if n > 1}
    return {
        c.id: counts[(c.consultation_id, c.text_key)]
        for c in comments
        if (c.consultation_id, c.text_key) in counts
    }


def _notify_reply(parent: Comment, reply: Comment, target: Target, replier: User | None) -> None:
    """Tell the author of a comment that someone answered it (not when they answer themselves)."""
    if parent.author_id is None or parent.author_id == reply.author_id:
        return
    parent_author = db.session.get(User, parent.author_id)
    notify(
        parent_author,
        "reply",
        link=comment_url(reply),
        author=replier.name if replier is not None else "",
        target=target.label,
    )


def _target_ids(target: Target) -> tuple[int | None, int | None]:
    if isinstance(target, Section):
        return target.id, None
    return None, target.id


def edit_comment(comment: Comment, editor: User, data: dict[str, Any]) -> Comment:
    """Change a comment's text, keeping the earlier text as a CommentRevision."""
    new = {
        "type": CommentType(data.get("type") or comment.type),
        "body": (data.get("body") or "").strip(),
        "proposed_wording": (data.get("proposed_wording") or "").strip(),
        "reference": (data.get("reference") or "").strip(),
    }
    if not new["body"]:
        raise FeedbackError("empty comment")
    if new["type"] == CommentType.CHANGE and not new["proposed_wording"]:
        raise FeedbackError("a proposed change needs its wording")
    if all(getattr(comment, field) == value for field, value in new.items()):
        return comment
    db.session.add(
        CommentRevision(
            comment_id=comment.id,
            revision=comment.revision,
            type=comment.type,
            body=comment.body,
            proposed_wording=comment.proposed_wording,
            reference=comment.reference,
            written_at=comment.updated_at,
        )
    )
    for field, value in new.items():
        setattr(comment, field, value)
    comment.revision += 1
    comment.updated_at = utcnow()
    db.session.flush()
    record(
        "comment.edit",
        editor,
        comment,
        consultation_id=comment.consultation_id,
        revision=comment.revision,
    )
    return comment


def withdraw_comment(comment: Comment, author: User) -> Comment:
    """The author takes a comment back: it stays stored, shown as withdrawn."""
    if comment.status != CommentStatus.WITHDRAWN:
        comment.status = CommentStatus.WITHDRAWN
        comment.updated_at = utcnow()
        db.session.flush()
        record("comment.withdraw", author, comment, consultation_id=comment.consultation_id)
    return comment


def _find_rating(strategy: Strategy, criterion: Criterion, rater: User, phase: Phase):
    return db.session.scalar(
        select(Rating).where(
            Rating.user_id == rater.id,
            Rating.strategy_id == strategy.id,
            Rating.criterion_id == criterion.id,
            Rating.phase == phase,
        )
    )


def _update_rating(rating: Rating, value: int | None, source, entered_by) -> Rating:
    if rating.value != value:
        db.session.add(
            RatingChange(rating_id=rating.id, value=rating.value, valid_from=rating.updated_at)
        )
        rating.value = value
        rating.updated_at = utcnow()
    rating.source = source
    rating.entered_by_id = entered_by.id if entered_by is not None else None
    db.session.flush()
    return rating


def set_rating(
    strategy: Strategy,
    criterion: Criterion,
    rater: User,
    value: int | None,
    phase: Phase,
    *,
    source: InputSource = InputSource.ONLINE,
    entered_by: User | None = None,
    consultation_id: int | None = None,
) -> Rating:
    """Create or update the rater's rating (None: cannot judge); earlier values are kept."""
    if value is not None and not 1 <= value <= criterion.scale_max:
        raise FeedbackError("rating out of scale")
    rating = _find_rating(strategy, criterion, rater, phase)
    if rating is not None:
        return _update_rating(rating, value, source, entered_by)
    rating = Rating(
        consultation_id=consultation_id or criterion.consultation_id,
        strategy_id=strategy.id,
        criterion_id=criterion.id,
        user_id=rater.id,
        group_id=rater.group_id,
        phase=phase,
        value=value,
        source=source,
        entered_by_id=entered_by.id if entered_by is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except IntegrityError:
        # Another request inserted the same rating between our look-up and insert:
        # the savepoint is rolled back, so update the row that won instead.
        rating = _find_rating(strategy, criterion, rater, phase)
        if rating is None:
            raise
        return _update_rating(rating, value, source, entered_by)
    return rating


def set_ratings(
    strategy: Strategy,
    criteria: list[Criterion],
    rater: User,
    values: dict[int, int | None],
    phase: Phase,
    **kwargs: Any,
) -> list[Rating]:
    """Set several criteria at once (only those present in values) and audit it once."""
    ratings = [
        set_rating(strategy, c, rater, values[c.id], phase, **kwargs)
        for c in criteria
        if c.id in values
    ]
    entered_by = kwargs.get("entered_by")
    record(
        "rating.set",
        entered_by or rater,
        strategy,
        consultation_id=criteria[0].consultation_id if criteria else None,
        rater_id=rater.id,
        phase=phase.value,
        values={str(k): v for k, v in values.items()},
        source=kwargs.get("source", InputSource.ONLINE).value,
    )
    return ratings


def add_attachment(comment: Comment, file: FileStorage, uploader: User) -> Attachment:
    """Store an uploaded file (checked by content) and attach it to a comment."""
    stored = store_upload(file)
    attachment = Attachment(
        comment_id=comment.id,
        stored_name=stored.stored_name,
        original_name=stored.original_name,
        mime_type=stored.mime_type,
        size_bytes=stored.size_bytes,
        uploaded_by_id=uploader.id,
    )
    db.session.add(attachment)
    db.session.flush()
    record(
        "attachment.add",
        uploader,
        attachment,
        consultation_id=comment.consultation_id,
        comment_id=comment.id,
        name=stored.original_name,
    )
    return attachment


def record_on_behalf(
    target: Target,
    organiser: User,
    data: dict[str, Any],
    *,
    phase: Phase | None,
    source: InputSource,
    member: User | None = None,
    group: StakeholderGroup | None = None,
) -> Comment:
    """Record a comment given at the FGD or on paper, for a participant or a whole group."""
    if (member is None) == (group is None):
        raise FeedbackError("choose either a participant or a group")
    if source == InputSource.ONLINE:
        raise FeedbackError("recorded input needs its source")
    comment = add_comment(
        target,
        member,
        data,
        phase=phase,
        source=source,
        entered_by=organiser,
        group=group,
    )
    record(
        "comment.record_on_behalf",
        organiser,
        comment,
        consultation_id=comment.consultation_id,
        member_id=member.id if member else None,
        group_id=group.id if group else None,
        source=source.value,
    )
    return comment


def record_ratings_on_behalf(
    strategy: Strategy,
    criteria: list[Criterion],
    organiser: User,
    member: User,
    values: dict[int, int | None],
    *,
    phase: Phase,
    source: InputSource,
) -> list[Rating]:
    """Record a participant's ratings given at the FGD or on paper."""
    if source == InputSource.ONLINE:
        raise FeedbackError("recorded input needs its source")
    return set_ratings(
        strategy, criteria, member, values, phase, source=source, entered_by=organiser
    )


def add_document(
    consultation: Consultation, uploader: User, file: FileStorage, kind: str, title: str
) -> ConsultationDocument:
    """Attach a file (FGD minutes, attendance list...) to a consultation."""
    stored = store_upload(file)
    document = ConsultationDocument(
        consultation_id=consultation.id,
        kind=kind,
        title=title.strip(),
        stored_name=stored.stored_name,
        original_name=stored.original_name,
        mime_type=stored.mime_type,
        size_bytes=stored.size_bytes,
        uploaded_by_id=uploader.id,
    )
    db.session.add(document)
    db.session.flush()
    record(
        "document.add", uploader, document, consultation_id=consultation.id, kind=kind, title=title
    )
    return document


def note_visit(membership) -> None:
    """Remember this visit; "what changed" is measured from the one before."""
    membership.previous_visit_at = membership.last_visit_at
    membership.last_visit_at = utcnow()
    db.session.flush()
