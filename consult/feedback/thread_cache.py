"""The comment thread of a section or strategy, rendered once and shared by its readers.

Rendering a page of comment cards (authors, groups, Markdown, attachments, labels) costs far
more than the rest of the page, and everyone in the same audience sees the same cards. So the
cards are cached, keyed by the target's *discussion version*: a counter on the section or
strategy row that every transaction changing what its thread shows raises just before it
commits (a comment or reply added, edited, moderated, withdrawn or moved; an attachment; an
author's name or organisation; a stakeholder group's name). The counter is read with the
target, before the comments, so a cached thread is never older than the data.

What differs between readers of the same cards is kept out of them: each card carries a
marker where its controls go (reply, edit and withdraw, flag), filled in per request with the
reader's own CSRF token and permissions.
"""

import re
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from flask import current_app, render_template
from flask_babel import get_locale
from flask_sqlalchemy.pagination import Pagination
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import event, inspect, or_, select, true, update
from sqlalchemy.orm import Session

from consult import page_cache
from consult.auth.models import StakeholderGroup, User
from consult.extensions import is_bookkeeping
from consult.feedback import queries
from consult.feedback.models import Attachment, Comment, CommentStatus
from consult.permissions import can_edit_comment, can_flag_comment, can_manage
from consult.plans.models import CommentVisibility, Consultation, Section, Strategy

CACHE_NAME = "threads"
CONTROLS_CACHE_NAME = "comment-controls"
_TOUCHED = "rembuk_discussions_touched"
_MARKER = re.compile(r"<!--controls (\d+)-->")
# Stands for the comment id in controls rendered once per request (no real id is this big).
_SENTINEL = "918273645546372820"
_PEOPLE_COLUMNS = ("name", "organisation")


# --- which threads a transaction changes -------------------------------------------------


@dataclass
class _Touched:
    strategies: set[int] = field(default_factory=set)
    sections: set[int] = field(default_factory=set)
    comments: set[int] = field(default_factory=set)  # through their attachments
    people: set[int] = field(default_factory=set)  # authors and recorders, by name
    groups: set[int] = field(default_factory=set)
    everything: bool = False


def _touched(session: Session) -> _Touched:
    return session.info.setdefault(_TOUCHED, _Touched())


def _note_comment(touched: _Touched, comment: Comment) -> None:
    state = inspect(comment)
    for name, ids in (("strategy_id", touched.strategies), ("section_id", touched.sections)):
        history = state.attrs[name].history
        # The old target too, when a comment moves.
        for value in (*history.deleted, getattr(comment, name)):
            if value is not None:
                ids.add(value)


@event.listens_for(Session, "after_flush")
def _note_changed_threads(session: Session, _context) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        dirty = obj in session.dirty
        if isinstance(obj, Comment):
            if not dirty or session.is_modified(obj):
                _note_comment(_touched(session), obj)
        elif isinstance(obj, Attachment):
            _touched(session).comments.add(obj.comment_id)
        elif isinstance(obj, StakeholderGroup):
            _touched(session).groups.add(obj.id)
        elif isinstance(obj, User) and dirty:
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _PEOPLE_COLUMNS):
                _touched(session).people.add(obj.id)


_SHOWN_IN_THREADS = (Comment, Attachment, StakeholderGroup, User)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    # A bulk statement does not say which rows it changes: every thread counts as changed.
    if (state.is_insert or state.is_update or state.is_delete) and not is_bookkeeping(state):
        mapper = state.bind_mapper
        if mapper is None or issubclass(mapper.class_, _SHOWN_IN_THREADS):
            _touched(state.session).everything = True


def _through_comments(touched: _Touched) -> list:
    """Conditions on Comment for the changes that reach a thread through its comments."""
    conditions = []
    if touched.comments:
        conditions.append(Comment.id.in_(sorted(touched.comments)))
    if touched.people:
        people = sorted(touched.people)
        conditions += [Comment.author_id.in_(people), Comment.entered_by_id.in_(people)]
    if touched.groups:
        conditions.append(Comment.group_id.in_(sorted(touched.groups)))
    return conditions


def _changed_targets(model, comment_column, touched: _Touched, direct: set[int]):
    """The condition on model (Strategy or Section) for the threads this transaction changed."""
    if touched.everything:
        return true()
    conditions = [model.id.in_(sorted(direct))] if direct else []
    through_comments = _through_comments(touched)
    if through_comments:
        conditions.append(
            model.id.in_(
                select(comment_column).where(comment_column.is_not(None), or_(*through_comments))
            )
        )
    return or_(*conditions) if conditions else None


# Inserted first, so it runs before the analysis cache raises its counter, which stays the
# last lock taken in a transaction (see consult/reports/cache.py).
@event.listens_for(Session, "before_commit", insert=True)
def _raise_discussion_versions(session: Session) -> None:
    session.flush()
    touched = session.info.pop(_TOUCHED, None)
    if touched is None:
        return
    connection = session.connection()
    for model, comment_column, direct in (
        (Strategy, Comment.strategy_id, touched.strategies),
        (Section, Comment.section_id, touched.sections),
    ):
        changed = _changed_targets(model, comment_column, touched, direct)
        if changed is not None:
            connection.execute(
                update(model.__table__)
                .where(changed)
                .values(discussion_version=model.__table__.c.discussion_version + 1)
            )


@event.listens_for(Session, "after_rollback")
def _forget_touched(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


# --- the cached thread -------------------------------------------------------------------


class CardFacts(NamedTuple):
    """What deciding a reader's controls on a card needs (the permission functions' view)."""

    id: int
    author_id: int | None
    entered_by_id: int | None
    status: CommentStatus
    is_reply: bool


class ThreadPage(Pagination):
    """The pagination of a cached thread: its numbers, without the query behind them."""

    def _query_items(self) -> list:
        return []

    def _query_count(self) -> int:
        return self._query_args["total"]


@dataclass(frozen=True)
class CachedThread:
    cards: str  # the cards' HTML, with a controls marker in each shown card
    facts: tuple[CardFacts, ...]
    page: int
    per_page: int
    total: int
    paragraph_counts: dict[int, int]
    # Of the cards every participant sees: who has comments here that are not among them.
    unpublished_authors: frozenset[int] = frozenset()


@dataclass
class Discussion:
    """One page of a thread as this reader sees it."""

    cards: Markup
    pagination: Pagination
    paragraph_counts: dict[int, int]


def _render(target, consultation, visible, page, per_page, manager=False) -> CachedThread:
    thread = queries.comment_thread(target, visible, page, per_page)
    facts = []
    for comment in thread.comments:
        replies = thread.replies.get(comment.id, [])
        for card, is_reply in ((comment, False), *((reply, True) for reply in replies)):
            facts.append(
                CardFacts(card.id, card.author_id, card.entered_by_id, card.status, is_reply)
            )
    cards = render_template(
        "feedback/_thread.html", thread=thread, consultation=consultation, manager=manager
    )
    return CachedThread(
        cards=cards,
        facts=tuple(facts),
        page=thread.pagination.page,
        per_page=thread.pagination.per_page,
        total=thread.pagination.total,
        paragraph_counts=queries.paragraph_counts(target, visible),
    )


def _cached_thread(
    target: Section | Strategy, user: User, consultation: Consultation, page: int
) -> CachedThread:
    """The cards this user sees, shared with everyone who sees the same."""
    per_page = current_app.config["PAGE_SIZE"]
    key = (
        type(target).__name__,
        target.id,
        target.discussion_version,  # loaded with the target, before any comment
        page,
        per_page,
        str(get_locale()),
    )

    def cached(audience, render) -> CachedThread:
        entries = current_app.config["THREAD_CACHE_ENTRIES"]
        return page_cache.cached(CACHE_NAME, (*key, audience), render, entries)

    if can_manage(user, consultation):
        return cached(
            "organisers",
            lambda: _render(target, consultation, true(), page, per_page, manager=True),
        )
    if consultation.comment_visibility == CommentVisibility.ALL:

        def render_shared() -> CachedThread:
            thread = _render(
                target, consultation, queries.SHOWN_TO_ALL_PARTICIPANTS, page, per_page
            )
            return replace(thread, unpublished_authors=queries.authors_of_unpublished(target))

        shared = cached("participants", render_shared)
        if user.id not in shared.unpublished_authors:
            return shared
    # Someone who also sees comments of their own that others do not.
    visible = queries.visible_condition(user, consultation)
    return cached(
        ("participant", user.id),
        lambda: _render(target, consultation, visible, page, per_page),
    )


def _controls_html(
    cached: CachedThread, user: User, consultation: Consultation, may_post: bool
) -> dict[int, str]:
    """Each card's controls for this reader; each kind is rendered once, then only ids change."""
    rendered: dict[tuple[bool, bool, bool], str] = {}
    controls = {}
    for facts in cached.facts:
        kind = (
            not facts.is_reply and may_post,
            can_edit_comment(user, facts, consultation),
            can_flag_comment(user, facts),
        )
        if kind not in rendered:
            rendered[kind] = _controls_template(consultation, *kind)
        controls[facts.id] = rendered[kind].replace(_SENTINEL, str(facts.id))
    return controls


def _controls_template(consultation: Consultation, reply: bool, edit: bool, flag: bool) -> str:
    """One kind of controls with a stand-in comment id (cached, with the reader's CSRF token)."""
    return page_cache.cached_for_reader(
        CONTROLS_CACHE_NAME,
        (consultation.id, str(get_locale()), reply, edit, flag),
        lambda: render_template(
            "feedback/_comment_controls.html",
            comment_id=_SENTINEL,
            consultation=consultation,
            reply=reply,
            edit=edit,
            flag=flag,
        ),
        max_entries=64,
        secrets=(generate_csrf(),),
    )


def discussion(
    target: Section | Strategy,
    user: User,
    consultation: Consultation,
    page: int,
    may_post: bool,
) -> Discussion:
    """One page of the target's thread for this reader, from the cache when it is current."""
    cached = _cached_thread(target, user, consultation, page)
    controls = _controls_html(cached, user, consultation, may_post)
    cards = _MARKER.sub(lambda match: controls.get(int(match.group(1)), ""), cached.cards)
    return Discussion(
        cards=Markup(cards),  # nosec B704 - our own templates; only ids substituted
        pagination=ThreadPage(
            page=cached.page, per_page=cached.per_page, error_out=False, total=cached.total
        ),
        paragraph_counts=cached.paragraph_counts,
    )
