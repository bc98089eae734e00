"""A cache for rendered analysis pages that never serves numbers older than the input.

Every transaction that changes what the analysis shows (ratings, comments, the plan, the
criteria, stakeholder groups, who is invited, which group a person belongs to) raises one
counter, DataVersion, just before it commits. Cached pages are keyed by that counter, so a
page is recomputed on the first request after new input, in whichever worker serves it.
The counter is raised last in the transaction, so waiting for its row lock can never be part
of a deadlock.
"""

from collections.abc import Callable, Hashable

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from consult import page_cache
from consult.auth.models import StakeholderGroup, User
from consult.extensions import db, is_bookkeeping
from consult.feedback.models import Comment, Rating
from consult.plans.models import Chapter, Criterion, Membership, Section, Strategy
from consult.reports.models import DataVersion

MAX_ENTRIES = 32
_PENDING = "rembuk_analysis_input_changed"
# Any change to these rows counts.
_ANY_CHANGE = (Rating, Comment, Criterion, StakeholderGroup, Strategy, Section, Chapter)
# Only changes to these columns count (a visit or a login is not new input).
_COLUMNS = {Membership: ("consultation_id", "user_id", "role"), User: ("group_id",)}
_WATCHED = _ANY_CHANGE + tuple(_COLUMNS)


def _changes_input(session: Session, obj, dirty: bool) -> bool:
    if isinstance(obj, _ANY_CHANGE):
        return not dirty or session.is_modified(obj)
    for model, columns in _COLUMNS.items():
        if isinstance(obj, model):
            if not dirty:
                return True
            state = inspect(obj)
            return any(state.attrs[name].history.has_changes() for name in columns)
    return False


@event.listens_for(Session, "after_flush")
def _note_flushed_input(session: Session, _context) -> None:
    if session.info.get(_PENDING):
        return
    if (
        any(_changes_input(session, obj, False) for obj in session.new)
        or any(_changes_input(session, obj, False) for obj in session.deleted)
        or any(_changes_input(session, obj, True) for obj in session.dirty)
    ):
        session.info[_PENDING] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_input(state) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and not is_bookkeeping(state):
        mapper = state.bind_mapper
        if mapper is None or issubclass(mapper.class_, _WATCHED):
            state.session.info[_PENDING] = True


@event.listens_for(Session, "before_commit")
def _raise_version(session: Session) -> None:
    session.flush()
    if session.info.pop(_PENDING, False):
        connection = session.connection()
        result = connection.execute(
            update(DataVersion).where(DataVersion.id == 1).values(version=DataVersion.version + 1)
        )
        if result.rowcount == 0:
            connection.execute(insert(DataVersion).values(id=1, version=1))


@event.listens_for(Session, "after_rollback")
def _forget_input(session: Session) -> None:
    session.info.pop(_PENDING, None)


def data_version() -> int:
    """The committed input version (read before the data, so a cached page is never older)."""
    return db.session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0


def cached_page(key: Hashable, render: Callable[[], str]) -> str:
    """The page cached under key (which must include data_version()), rendering on a miss."""
    return page_cache.cached("analysis", key, render, MAX_ENTRIES)


def clear() -> None:
    page_cache.clear("analysis")
