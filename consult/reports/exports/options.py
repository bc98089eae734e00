"""What an export is asked for (filters, anonymity) and how it reports its progress."""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from flask import current_app, g, has_request_context
from flask_babel import force_locale

from consult.feedback.models import CommentStatus
from consult.plans.models import Phase

Progress = Callable[[int, int], None]
Writer = TypeVar("Writer", bound=Callable[..., None])


@dataclass
class ExportFilters:
    phase: Phase | None = None
    group_id: int | None = None
    status: CommentStatus | None = None
    section_id: int | None = None
    anonymise: bool = False

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        for key in ("phase", "status"):
            if values[key] is not None:
                values[key] = values[key].value
        return values


def rounded(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


class Steps:
    """Counts finished steps (one per place in the plan, one for the participants)."""

    def __init__(self, total: int, progress: Progress | None):
        self.total = total
        self.done = 0
        self.progress = progress

    def step(self) -> None:
        self.done = min(self.done + 1, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.done < self.total:
            self.done = self.total - 1
            self.step()


@contextmanager
def export_locale() -> Iterator[None]:
    """The request's language, or one a caller forced (force_locale: a document's or a
    job's), or else the default one in a worker or a command."""
    forced = getattr(getattr(g, "_flask_babel", None), "forced_babel_locale", None)
    if has_request_context() or forced is not None:
        yield
    else:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            yield


def localised(writer: Writer) -> Writer:
    """A writer that speaks the request's language, or the default one outside a request."""

    @functools.wraps(writer)
    def wrapped(*args, **kwargs):
        with export_locale():
            return writer(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
