"""The analysis dashboard's cache (Flask-Caching): computing the analysis of a large
consultation takes seconds, so its rendered body is kept under analysis_key().

The key holds everything the body depends on: the consultation, the *input version*, the
language and the chapter shown. The input version is one counter (DataVersion) that every
transaction changing what the analysis reads (ratings, comments, the plan, the criteria,
stakeholder groups, FGD attendance, who is invited, which group a person is in) raises just
before it commits, so a cached body is never older than the input, in any worker, with any
cache backend. The counter's listeners are registered by create_app (register_input_version);
nothing else needs to know this cache exists. The body holds no per-reader values (no CSRF
token, no controls).
"""

from collections.abc import Callable

from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from consult.auth.models import StakeholderGroup, User
from consult.extensions import cache, db
from consult.feedback.models import Comment, Rating
from consult.fgd.models import Attendee
from consult.plans.models import Chapter, Criterion, Membership, Section, Strategy
from consult.reports.models import DataVersion

_PENDING = "rembuk_analysis_input_changed"
# Any change to these rows counts.
_ANY_CHANGE = (Rating, Comment, Criterion, StakeholderGroup, Strategy, Section, Chapter, Attendee)
# Only changes to these columns count (a visit or a login is not new input).
_COLUMNS = {Membership: ("consultation_id", "user_id", "role"), User: ("group_id",)}
_WATCHED = _ANY_CHANGE + tuple(_COLUMNS)


def analysis_key(consultation_id: int, version: int, locale: str, chapter_id: int | None) -> str:
    """The cache key of a dashboard body: every input it is computed from."""
    return f"analysis:{consultation_id}:{version}:{locale}:{chapter_id or ''}"


def input_version() -> int:
    """The committed input version (read before the data, so a cached body is never older)."""
    return db.session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0


def cached_body(consultation_id: int, chapter_id: int | None, render: Callable[[], str]) -> Markup:
    """The dashboard body for this input version and language, rendered on a miss."""
    key = analysis_key(consultation_id, input_version(), str(get_locale()), chapter_id)
    body = cache.get(key)
    if body is None:
        body = render()
        cache.set(key, body)
    return Markup(body)  # nosec B704 - our own template, rendered with autoescape


# --- the input version ------------------------------------------------------------------


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


def _note_flushed_input(session: Session, _context) -> None:
    if session.info.get(_PENDING):
        return
    if (
        any(_changes_input(session, obj, False) for obj in session.new)
        or any(_changes_input(session, obj, False) for obj in session.deleted)
        or any(_changes_input(session, obj, True) for obj in session.dirty)
    ):
        session.info[_PENDING] = True


def note_input_changed() -> None:
    """For a statement the listeners cannot read (a text INSERT): this transaction changes the
    input, so the version rises at commit."""
    db.session.info[_PENDING] = True


def _note_bulk_input(state) -> None:
    # A bulk statement does not say which rows or columns it changes: it counts, whichever.
    if state.is_insert or state.is_update or state.is_delete:
        mapper = state.bind_mapper
        if mapper is None or issubclass(mapper.class_, _WATCHED):
            state.session.info[_PENDING] = True


def _raise_version(session: Session) -> None:
    # Raised last in the transaction, so waiting for this row's lock is never part of a
    # deadlock.
    session.flush()
    if session.info.pop(_PENDING, False):
        connection = session.connection()
        result = connection.execute(
            update(DataVersion).where(DataVersion.id == 1).values(version=DataVersion.version + 1)
        )
        if result.rowcount == 0:
            connection.execute(insert(DataVersion).values(id=1, version=1))


def _forget_input(session: Session) -> None:
    session.info.pop(_PENDING, None)


_LISTENERS = (
    ("after_flush", _note_flushed_input),
    ("do_orm_execute", _note_bulk_input),
    ("before_commit", _raise_version),
    ("after_rollback", _forget_input),
)


def register_input_version() -> None:
    """Raise the input version in every transaction that changes the analysis's input
    (called by create_app; registering twice is harmless)."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
