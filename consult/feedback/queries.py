"""Loading what the participant pages show, in a fixed number of queries."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, join, lambda_stmt, or_, select, true
from sqlalchemy.orm import (
    aliased,
    contains_eager,
    joinedload,
    lazyload,
    selectinload,
)

from consult.auth.models import StakeholderGroup, User
from consult.extensions import db
from consult.feedback.models import (
    Attachment,
    Comment,
    CommentRevision,
    CommentStatus,
    Rating,
)
from consult.permissions import can_manage, manager_ids
from consult.plans.models import (
    Chapter,
    CommentVisibility,
    Consultation,
    ConsultationDocument,
    Criterion,
    Labelled,
    MemberRole,
    Membership,
    Phase,
    Section,
    Strategy,
)
from consult.plans.services import (  # noqa: F401 - one loader for every feature
    admitted,
    criteria_of,
    get_consultation,
    get_section,
    get_strategy,
)
from consult.timeutil import utcnow

# What other participants may see of a comment: published ones, and the placeholder of
# hidden or withdrawn ones (so the replies under them stay readable).
SHOWN_TO_OTHERS = (CommentStatus.PUBLISHED, CommentStatus.HIDDEN, CommentStatus.WITHDRAWN)


def comment_options():
    return (
        selectinload(Comment.author),
        selectinload(Comment.group),
        selectinload(Comment.entered_by),
        selectinload(Comment.attachments),
    )


# --- loading with 404s ---------------------------------------------------------------


def get_comment(consultation: Consultation, comment_id: int, user: User) -> Comment:
    """A comment of this consultation the user may see, or 404."""
    comment = db.session.scalar(
        select(Comment)
        .where(
            Comment.id == comment_id,
            Comment.consultation_id == consultation.id,
            visible_condition(user, consultation),
        )
        .options(*comment_options(), selectinload(Comment.strategy), selectinload(Comment.section))
    )
    if comment is None:
        abort(404)
    return comment


def get_reply_target(consultation: Consultation, comment_id: int, user: User) -> Comment:
    """The comment a reply form answers, with the author and group its heading names, in one
    query; 404 unless the user may see it."""
    comment = db.session.scalar(
        select(Comment)
        .where(
            Comment.id == comment_id,
            Comment.consultation_id == consultation.id,
            visible_condition(user, consultation),
        )
        .options(joinedload(Comment.author), joinedload(Comment.group))
    )
    if comment is None:
        abort(404)
    return comment


# --- visibility ----------------------------------------------------------------------


# What every participant sees where comments are visible to all (see visible_condition).
SHOWN_TO_ALL_PARTICIPANTS = Comment.status.in_(SHOWN_TO_OTHERS)


def visible_condition(user: User, consultation: Consultation):
    """SQL condition on Comment: what this user may see (perhaps as a placeholder)."""
    if can_manage(user, consultation):
        return true()
    own = Comment.author_id == user.id
    if consultation.comment_visibility == CommentVisibility.ALL:
        return or_(own, SHOWN_TO_ALL_PARTICIPANTS)
    mine = aliased(Comment)
    my_comment_ids = select(mine.id).where(mine.author_id == user.id).scalar_subquery()
    reply_from_organiser = and_(
        Comment.parent_id.in_(my_comment_ids),
        Comment.author_id.in_(manager_ids(consultation)),
        Comment.status.in_(SHOWN_TO_OTHERS),
    )
    return or_(own, reply_from_organiser)


def can_see_comment(user: User, consultation: Consultation, comment_id: int) -> bool:
    return (
        db.session.scalar(
            select(Comment.id).where(
                Comment.id == comment_id, visible_condition(user, consultation)
            )
        )
        is not None
    )


# --- the discussion of a section or strategy -----------------------------------------


def _target_condition(target: Section | Strategy):
    if isinstance(target, Section):
        return Comment.section_id == target.id
    return Comment.strategy_id == target.id


class ThreadPage(Pagination):
    """The pagination of a thread whose comments and total were loaded by comment_thread."""

    def _query_items(self) -> list:
        return self._query_args["items"]

    def _query_count(self) -> int:
        return self._query_args["total"]


@dataclass
class Thread:
    pagination: Pagination
    replies: dict[int, list[Comment]] = field(default_factory=dict)
    paragraph_counts: dict[int, int] = field(default_factory=dict)

    @property
    def comments(self) -> list[Comment]:
        return list(self.pagination.items)

    @property
    def cards(self) -> list[tuple[Comment, bool]]:
        """(comment, is_reply) in the order the page shows them: each reply under its comment."""
        return [
            (card, card is not comment)
            for comment in self.pagination.items
            for card in (comment, *self.replies.get(comment.id, ()))
        ]


def _thread_counts(target: Section | Strategy, visible) -> tuple[int, dict[int, int]]:
    """The number of visible top-level comments, and how many of them (not withdrawn) each
    paragraph has, in one grouped query."""
    rows = db.session.execute(
        select(
            Comment.paragraph_index,
            func.count(Comment.id),
            func.count(Comment.id).filter(Comment.status != CommentStatus.WITHDRAWN),
        )
        .where(_target_condition(target), Comment.parent_id.is_(None), visible)
        .group_by(Comment.paragraph_index)
    ).all()
    total = sum(count for _index, count, _shown in rows)
    return total, {index: shown for index, _c, shown in rows if index is not None and shown}


def comment_thread(target: Section | Strategy, visible, page: int, per_page: int) -> Thread:
    """One page of top-level comments on a target with their replies, authors, groups and
    attachments, as far as visible (a condition from visible_condition) lets them be seen, and
    the paragraph counts: two queries, however long the thread."""
    total, paragraph_counts = _thread_counts(target, visible)
    page = max(page, 1)
    page_ids = (
        select(Comment.id)
        .where(_target_condition(target), Comment.parent_id.is_(None), visible)
        .order_by(Comment.created_at, Comment.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    # The page's comments and their visible replies in one statement, with the people, groups
    # and attachments they show joined.
    loaded = (
        db.session.scalars(
            select(Comment)
            .where(or_(Comment.id.in_(page_ids), and_(Comment.parent_id.in_(page_ids), visible)))
            .order_by(Comment.created_at, Comment.id)
            .options(
                joinedload(Comment.author),
                joinedload(Comment.group),
                joinedload(Comment.entered_by),
                joinedload(Comment.attachments),
            )
        )
        .unique()
        .all()
    )
    comments = [c for c in loaded if c.parent_id is None]
    replies: dict[int, list[Comment]] = defaultdict(list)
    for reply in loaded:
        if reply.parent_id is not None:
            replies[reply.parent_id].append(reply)
    pagination = ThreadPage(
        page=page, per_page=per_page, error_out=False, items=comments, total=total
    )
    return Thread(pagination, dict(replies), paragraph_counts)


def _criteria_and_ratings_of(rows) -> tuple[list[Criterion], dict[tuple[Phase, int], Rating]]:
    """Criteria in row order (each once) and ratings by (phase, criterion id), from rows that
    end with (Criterion, Rating), a row per criterion and phase rated."""
    criteria: list[Criterion] = []
    ratings = {}
    for *_rest, criterion, rating in rows:
        if criterion is None:
            continue
        if not criteria or criteria[-1] is not criterion:
            criteria.append(criterion)
        if rating is not None:
            ratings[(rating.phase, criterion.id)] = rating
    return criteria, ratings


def criteria_and_ratings(
    consultation: Consultation, strategy: Strategy, user: User
) -> tuple[list[Criterion], dict[tuple[Phase, int], Rating]]:
    """The consultation's criteria in order, and the user's ratings of the strategy by (phase,
    criterion id), in one query."""
    rows = db.session.execute(
        select(Criterion, Rating)
        .outerjoin(
            Rating,
            and_(
                Rating.criterion_id == Criterion.id,
                Rating.strategy_id == strategy.id,
                Rating.user_id == user.id,
            ),
        )
        .where(Criterion.consultation_id == consultation.id)
        .order_by(Criterion.position, Criterion.id)
    )
    return _criteria_and_ratings_of(rows)


@dataclass
class StrategyPage:
    consultation: Consultation
    strategy: Strategy
    criteria: list[Criterion]
    my_ratings: dict[tuple[Phase, int], Rating]


def load_strategy_page(consultation_id: int, strategy_id: int, user: User) -> StrategyPage:
    """What the strategy page reads before its thread, for a signed-in reader, in one
    statement: the consultation with the reader's membership (404 unless visible), the
    strategy with its section (404 unless of this consultation), the criteria and the
    reader's ratings of the strategy."""
    user_id = user.id
    # A lambda statement is built once per worker and then only takes the ids: this is the
    # busiest page. The strategy is joined as a whole, so one of another consultation comes
    # back as None; a row per criterion and phase the reader rated.
    rows = db.session.execute(
        lambda_stmt(
            lambda: (
                select(Consultation, Membership, Strategy, Criterion, Rating)
                .select_from(Consultation)
                .outerjoin(
                    Membership,
                    and_(
                        Membership.consultation_id == Consultation.id, Membership.user_id == user_id
                    ),
                )
                .outerjoin(
                    join(Strategy, Section, Section.id == Strategy.section_id).join(
                        Chapter, Chapter.id == Section.chapter_id
                    ),
                    and_(Strategy.id == strategy_id, Chapter.consultation_id == Consultation.id),
                )
                .outerjoin(Criterion, Criterion.consultation_id == Consultation.id)
                .outerjoin(
                    Rating,
                    and_(
                        Rating.criterion_id == Criterion.id,
                        Rating.strategy_id == Strategy.id,
                        Rating.user_id == user_id,
                    ),
                )
                .where(Consultation.id == consultation_id)
                .order_by(Criterion.position, Criterion.id)
                .options(lazyload(Membership.user), contains_eager(Strategy.section))
            )
        )
    ).all()
    consultation = admitted(rows[0] if rows else None, user)
    strategy = rows[0][2]
    if strategy is None:
        abort(404)
    return StrategyPage(consultation, strategy, *_criteria_and_ratings_of(rows))


def progress_phase(consultation: Consultation) -> Phase:
    """The phase progress is counted in: the open one, else the latest that has opened."""
    now = utcnow()
    phase = consultation.phase_at(now)
    if phase is not None:
        return phase
    if consultation.post_opens_at and consultation.post_opens_at <= now:
        return Phase.POST
    return Phase.PRE


@dataclass
class Progress:
    rated: set[int]
    commented: set[int]
    total: int

    def of(self, strategy_id: int) -> tuple[bool, bool]:
        return strategy_id in self.rated, strategy_id in self.commented


def user_progress(
    consultation: Consultation, user: User, strategy_ids: list[int], criteria_count: int
) -> Progress:
    """Which strategies the user has fully rated (in the progress phase) and commented on."""
    phase = progress_phase(consultation)
    rated_rows = db.session.execute(
        select(Rating.strategy_id, func.count(Rating.id))
        .where(
            Rating.consultation_id == consultation.id,
            Rating.user_id == user.id,
            Rating.phase == phase,
        )
        .group_by(Rating.strategy_id)
    )
    rated = {sid for sid, count in rated_rows if criteria_count and count >= criteria_count}
    commented = set(
        db.session.scalars(
            select(Comment.strategy_id)
            .where(
                Comment.consultation_id == consultation.id,
                Comment.author_id == user.id,
                Comment.strategy_id.is_not(None),
                Comment.status != CommentStatus.WITHDRAWN,
            )
            .distinct()
        )
    )
    ids = set(strategy_ids)
    return Progress(rated & ids, commented & ids, len(ids))


def commented_sections(consultation: Consultation, user: User) -> set[int]:
    return set(
        db.session.scalars(
            select(Comment.section_id)
            .where(
                Comment.consultation_id == consultation.id,
                Comment.author_id == user.id,
                Comment.section_id.is_not(None),
                Comment.status != CommentStatus.WITHDRAWN,
            )
            .distinct()
        )
    )


@dataclass(frozen=True, slots=True)
class OutlineItem(Labelled):
    """A chapter, section or strategy in an outline: its id, parent's id, code and title."""

    id: int
    parent_id: int | None
    code: str
    title: str


def plan_structure(consultation: Consultation) -> list[tuple[OutlineItem, list]]:
    """[(chapter, [(section, [strategies])])] in order, in three queries, as outline items
    (id, parent, code and title): an outline of hundreds of strategies needs neither their
    texts nor ORM objects (building those cost more than the rest of the page)."""
    chapters = [
        OutlineItem(*row)
        for row in db.session.execute(
            select(Chapter.id, Chapter.consultation_id, Chapter.code, Chapter.title)
            .where(Chapter.consultation_id == consultation.id)
            .order_by(Chapter.position, Chapter.id)
        )
    ]
    sections = [
        OutlineItem(*row)
        for row in db.session.execute(
            select(Section.id, Section.chapter_id, Section.code, Section.title)
            .where(Section.chapter_id.in_([c.id for c in chapters]))
            .order_by(Section.position, Section.id)
        )
    ]
    strategies = defaultdict(list)
    for row in db.session.execute(
        select(Strategy.id, Strategy.section_id, Strategy.code, Strategy.title)
        .where(Strategy.section_id.in_([s.id for s in sections]))
        .order_by(Strategy.position, Strategy.id)
    ):
        strategies[row.section_id].append(OutlineItem(*row))
    by_chapter = defaultdict(list)
    for section in sections:
        by_chapter[section.parent_id].append((section, strategies[section.id]))
    return [(chapter, by_chapter[chapter.id]) for chapter in chapters]


def section_strategies(section: Section) -> list[Strategy]:
    return list(
        db.session.scalars(
            select(Strategy)
            .where(Strategy.section_id == section.id)
            .order_by(Strategy.position, Strategy.id)
        )
    )


@dataclass
class Changes:
    since: datetime | None
    new_comments: int = 0
    new_replies: int = 0
    replies_to_me: int = 0
    latest: list[Comment] = field(default_factory=list)


def changes_since(consultation: Consultation, user: User, since: datetime | None) -> Changes:
    """New comments and replies by others, visible to the user, since a moment."""
    changes = Changes(since)
    if since is None:
        return changes
    mine = aliased(Comment)
    my_ids = select(mine.id).where(mine.author_id == user.id).scalar_subquery()
    base = (
        Comment.consultation_id == consultation.id,
        Comment.created_at > since,
        or_(Comment.author_id.is_(None), Comment.author_id != user.id),
        Comment.status == CommentStatus.PUBLISHED,
        visible_condition(user, consultation),
    )
    row = db.session.execute(
        select(
            func.count(Comment.id).filter(Comment.parent_id.is_(None)),
            func.count(Comment.id).filter(Comment.parent_id.is_not(None)),
            func.count(Comment.id).filter(Comment.parent_id.in_(my_ids)),
        ).where(*base)
    ).one()
    changes.new_comments, changes.new_replies, changes.replies_to_me = row
    changes.latest = list(
        db.session.scalars(
            select(Comment)
            .where(*base)
            .order_by(Comment.created_at.desc(), Comment.id.desc())
            .limit(10)
            .options(
                joinedload(Comment.author),
                joinedload(Comment.group),
                joinedload(Comment.entered_by),
                joinedload(Comment.strategy).load_only(Strategy.code, Strategy.title),
                joinedload(Comment.section).load_only(Section.code, Section.title),
            )
            .execution_options(populate_existing=True)
        )
    )
    return changes


# --- recording on behalf, documents, history -----------------------------------------


def participants_of(consultation: Consultation) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.consultation_id == consultation.id,
                Membership.role == MemberRole.PARTICIPANT,
            )
            .order_by(User.name)
        ).unique()
    )


def active_groups() -> list[StakeholderGroup]:
    return list(
        db.session.scalars(
            select(StakeholderGroup)
            .where(StakeholderGroup.active.is_(True))
            .order_by(StakeholderGroup.position, StakeholderGroup.name)
        )
    )


def documents_of(consultation: Consultation) -> list[ConsultationDocument]:
    return list(
        db.session.scalars(
            select(ConsultationDocument)
            .where(ConsultationDocument.consultation_id == consultation.id)
            .order_by(ConsultationDocument.uploaded_at.desc(), ConsultationDocument.id.desc())
        )
    )


def get_document(consultation: Consultation, document_id: int) -> ConsultationDocument:
    document = db.session.get(ConsultationDocument, document_id)
    if document is None or document.consultation_id != consultation.id:
        abort(404)
    return document


def get_attachment(consultation: Consultation, attachment_id: int, user: User) -> Attachment:
    """An attachment of a comment the user may see, or 404."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not can_see_comment(user, consultation, attachment.comment_id):
        abort(404)
    comment_consultation = db.session.scalar(
        select(Comment.consultation_id).where(Comment.id == attachment.comment_id)
    )
    if comment_consultation != consultation.id:
        abort(404)
    return attachment


def has_attachment(comment: Comment) -> bool:
    return (
        db.session.scalar(select(Attachment.id).where(Attachment.comment_id == comment.id))
        is not None
    )


def revisions_of(comment: Comment) -> list[CommentRevision]:
    return list(
        db.session.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.revision.desc())
        )
    )


# --- my input --------------------------------------------------------------------------


def my_comments(user: User, page: int, per_page: int):
    """Everything the user wrote, newest first, with where it was written."""
    pagination = db.paginate(
        select(Comment)
        .where(Comment.author_id == user.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .options(
            joinedload(Comment.strategy).load_only(Strategy.code, Strategy.title),
            joinedload(Comment.section).load_only(Section.code, Section.title),
        )
        .execution_options(populate_existing=True),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return pagination


def my_ratings(user: User, page: int, per_page: int):
    return db.paginate(
        select(Rating)
        .where(Rating.user_id == user.id)
        .order_by(Rating.updated_at.desc(), Rating.id.desc())
        .options(joinedload(Rating.criterion).load_only(Criterion.label, Criterion.label_en)),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def titles_for(consultation_ids: set[int], strategy_ids: set[int]):
    """Consultation and strategy titles for a page of my input (two queries)."""
    consultations = (
        dict(
            db.session.execute(
                select(Consultation.id, Consultation.title).where(
                    Consultation.id.in_(consultation_ids)
                )
            ).all()
        )
        if consultation_ids
        else {}
    )
    strategies = (
        {s.id: s for s in db.session.scalars(select(Strategy).where(Strategy.id.in_(strategy_ids)))}
        if strategy_ids
        else {}
    )
    return consultations, strategies
