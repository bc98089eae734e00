"""The comment thread of a section or strategy, read as rows: one page of top-level comments
with their visible replies, as the cards show them.

The busiest query of the app (every strategy page reads it), so it reads columns, not ORM
objects: no identity map, no attribute instrumentation, no joined objects of whole users.
Each card carries what the page decides about it for its reader (edit, flag) and its date in
the reader's language, worked out here once in Python rather than in the template per card.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from flask_babel import get_locale
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, lambda_stmt, or_, select
from sqlalchemy.orm import aliased

from consult.auth.models import StakeholderGroup, User, display_name_of
from consult.bilingual import pick
from consult.extensions import db
from consult.feedback.models import (
    Attachment,
    Comment,
    CommentStatus,
    CommentType,
    InputSource,
)
from consult.permissions import CommentControls
from consult.plans.models import Section, Strategy
from consult.timeutil import format_datetime_remembered


class Person(NamedTuple):
    """An author or the organiser who recorded a comment, as a card names them."""

    display_name: str
    organisation: str | None = None


class GroupName(NamedTuple):
    name: str


class AttachedFile(NamedTuple):
    id: int
    original_name: str
    size_bytes: int


@dataclass(slots=True)
class Card:
    """A comment as its card shows it (the attribute names are Comment's, so that the template
    reads either), with the reader's controls decided (may_edit, may_flag)."""

    id: int
    parent_id: int | None
    author_id: int | None
    entered_by_id: int | None
    status: CommentStatus
    type: CommentType
    source: InputSource
    paragraph_index: int | None
    revision: int
    body: str
    proposed_wording: str | None
    reference: str | None
    created_at: datetime
    updated_at: datetime | None
    moderated_at: datetime | None
    author: Person | None
    group: GroupName | None
    entered_by: Person | None
    created_text: str = ""
    may_edit: bool = False
    may_flag: bool = False
    attachments: list[AttachedFile] = field(default_factory=list)

    @property
    def created_iso(self) -> str:
        return self.created_at.isoformat() + "Z"


def _target_column(target: Section | Strategy):
    return Comment.section_id if isinstance(target, Section) else Comment.strategy_id


class ThreadPage(Pagination):
    """The pagination of a thread whose comments and total were loaded by comment_thread."""

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


@dataclass
class Thread:
    pagination: Pagination
    replies: dict[int, list[Card]] = field(default_factory=dict)
    paragraph_counts: dict[int, int] = field(default_factory=dict)
    # Every visible comment and reply: the number in the heading (the pager counts only the
    # top-level comments, which it pages).
    comment_count: int = 0

    @property
    def comments(self) -> list[Card]:
        return list(self.pagination.items)

    @property
    def cards(self) -> list[tuple[Card, bool]]:
        """(comment, is_reply) in the order the page shows them: each reply under its comment."""
        return [
            (card, card is not comment)
            for comment in self.pagination.items
            for card in (comment, *self.replies.get(comment.id, ()))
        ]


def _thread_counts(target: Section | Strategy, visible) -> tuple[int, int, dict[int, int]]:
    """The number of visible top-level comments, of those and their visible replies, and how
    many top-level comments (not withdrawn) each paragraph has, in one grouped query."""
    on_target, target_id = _target_column(target), target.id
    rows = db.session.execute(
        lambda_stmt(
            lambda: (
                select(
                    Comment.paragraph_index,
                    func.count(Comment.id).filter(Comment.parent_id.is_(None)),
                    func.count(Comment.id).filter(
                        Comment.parent_id.is_(None), Comment.status != CommentStatus.WITHDRAWN
                    ),
                    func.count(Comment.id),
                )
                .where(on_target == target_id, visible)
                .group_by(Comment.paragraph_index)
            )
        )
    ).all()
    total = sum(count for _index, count, _shown, _all in rows)
    everything = sum(count for *_rest, count in rows)
    counts = {index: shown for index, _c, shown, _all in rows if index is not None and shown}
    return total, everything, counts


_author, _author_group = aliased(User), aliased(StakeholderGroup)
_recorder, _recorder_group = aliased(User), aliased(StakeholderGroup)
_comment_group = aliased(StakeholderGroup)
_reply = aliased(Comment)

# A row per comment and attachment: the comment's columns (as Card takes them, up to the
# people), its author, group and recorder, then the attachment.
_COLUMNS = (
    Comment.id,
    Comment.parent_id,
    Comment.author_id,
    Comment.entered_by_id,
    Comment.status,
    Comment.type,
    Comment.source,
    Comment.paragraph_index,
    Comment.revision,
    Comment.body,
    Comment.proposed_wording,
    Comment.reference,
    Comment.created_at,
    Comment.updated_at,
    Comment.moderated_at,
    _author.name,
    _author.organisation,
    _author.erased_at,
    _author_group.name,
    _comment_group.name,
    _recorder.name,
    _recorder.erased_at,
    _recorder_group.name,
    Attachment.id,
    Attachment.original_name,
    Attachment.size_bytes,
    # The groups' English names, for readers in English (consult.bilingual.pick).
    _author_group.name_en,
    _comment_group.name_en,
    _recorder_group.name_en,
)


# The comment with its people, group and attachments: the same joins on every page.
_CARD_FROM = (
    Comment.__table__.outerjoin(_author, _author.id == Comment.author_id)
    .outerjoin(_author_group, _author_group.id == _author.group_id)
    .outerjoin(_comment_group, _comment_group.id == Comment.group_id)
    .outerjoin(_recorder, _recorder.id == Comment.entered_by_id)
    .outerjoin(_recorder_group, _recorder_group.id == _recorder.group_id)
    .outerjoin(Attachment, Attachment.comment_id == Comment.id)
)


def _thread_rows(target: Section | Strategy, visible, page: int, per_page: int):
    """The page's top-level comments and their visible replies, in one statement: the page's
    ids are a CTE, read once (an IN of the same subquery twice made SQLite sort the whole
    thread four times). A lambda statement: SQLAlchemy builds it once and reuses it with this
    request's values (building it each time cost more calls than the rows it reads)."""
    on_target, target_id = _target_column(target), target.id
    limit, offset = per_page, (page - 1) * per_page

    def statement():
        page_ids = (
            select(Comment.id)
            .where(on_target == target_id, Comment.parent_id.is_(None), visible)
            .order_by(Comment.created_at, Comment.id)
            .limit(limit)
            .offset(offset)
            .cte("thread_page")
        )
        in_page = select(page_ids.c.id)
        # One IN over the page's ids and their replies' ids, not "IN ... OR parent IN ...":
        # PostgreSQL cannot use an index for that OR and read all 50,000 comments (13 ms).
        replies = select(_reply.id).where(_reply.parent_id.in_(in_page))
        return (
            select(*_COLUMNS)
            .select_from(_CARD_FROM)
            .where(
                Comment.id.in_(in_page.union_all(replies)),
                or_(Comment.parent_id.is_(None), visible),
            )
            .order_by(Comment.created_at, Comment.id, Attachment.id)
        )

    return db.session.execute(lambda_stmt(statement))


def _cards(rows, controls: CommentControls) -> list[Card]:
    locale = get_locale()
    cards: list[Card] = []
    last = None
    for row in rows:
        (author_name, organisation, author_erased, author_group) = row[15:19]
        (group, recorder_name, recorder_erased, recorder_group) = row[19:23]
        attachment_id, attachment_name, attachment_size = row[23:26]
        author_group, group, recorder_group = (
            None if indonesian is None else pick(indonesian, english, locale)
            for indonesian, english in zip(
                (author_group, group, recorder_group), row[26:29], strict=True
            )
        )
        if last is None or last.id != row[0]:
            last = Card(
                *row[:15],
                author=None
                if author_name is None
                else Person(
                    display_name_of(author_name, author_erased, author_group), organisation
                ),
                group=None if group is None else GroupName(group),
                entered_by=None
                if recorder_name is None
                else Person(display_name_of(recorder_name, recorder_erased, recorder_group)),
                created_text=format_datetime_remembered(row[12], "medium", locale),
                may_edit=controls.may_edit(row[2], row[3], row[4]),
                may_flag=controls.may_flag(row[2], row[4]),
            )
            cards.append(last)
        if attachment_id is not None:
            last.attachments.append(AttachedFile(attachment_id, attachment_name, attachment_size))
    return cards


def comment_thread(
    target: Section | Strategy, visible, page: int, per_page: int, controls: CommentControls
) -> Thread:
    """One page of top-level comments on a target with their replies, authors, groups and
    attachments, as far as visible (a condition from visible_condition) lets them be seen, and
    the paragraph counts: two queries, however long the thread. controls: what the reader may
    do with a comment (permissions.comment_controls)."""
    total, everything, paragraph_counts = _thread_counts(target, visible)
    page = max(page, 1)
    cards = _cards(_thread_rows(target, visible, page, per_page), controls)
    comments = [card for card in cards if card.parent_id is None]
    replies: dict[int, list[Card]] = defaultdict(list)
    for card in cards:
        if card.parent_id is not None:
            replies[card.parent_id].append(card)
    pagination = ThreadPage(
        page=page, per_page=per_page, error_out=False, items=comments, total=total
    )
    return Thread(pagination, dict(replies), paragraph_counts, everything)


def page_of(comment: Comment, visible, per_page: int) -> int:
    """The page of its thread that shows this comment (a reply: its comment's page), for a
    reader who sees what `visible` lets them; the thread runs oldest first."""
    top_id = comment.parent_id or comment.id
    top = select(Comment.created_at).where(Comment.id == top_id).scalar_subquery()
    on_target = Comment.strategy_id if comment.strategy_id else Comment.section_id
    up_to = db.session.scalar(
        select(func.count(Comment.id)).where(
            on_target == (comment.strategy_id or comment.section_id),
            Comment.parent_id.is_(None),
            visible,
            or_(Comment.created_at < top, and_(Comment.created_at == top, Comment.id <= top_id)),
        )
    )
    return max(1, -(-(up_to or 0) // per_page))
