"""The task queue: one Huey instance, built from the configuration, for every feature.

Storage: SQLite (a file in the instance folder, `HUEY_SQLITE_PATH`) by default, so `make run`
needs nothing else; Redis when `HUEY_REDIS_URL` is set, so any number of workers on any number
of hosts share one queue. Tests run tasks eagerly (`HUEY_IMMEDIATE`, Huey's immediate mode).

The worker is Huey's own consumer:

    .venv/bin/huey_consumer consult.tasks.huey --workers 2 --worker-type thread

Every task runs inside an application context with its own database session (`app_task`):
in the worker the app is built once per process from the environment (REMBUK_CONFIG,
DATABASE_URL ...), in immediate mode the caller's app is used. Tasks commit their own work and
are written so that running one twice does no harm (a claim with UPDATE ... WHERE state = ...).
The task definitions live in consult/tasks/definitions.py; features enqueue them through the
small functions there, imported lazily so low-level modules need not import the queue.
"""

import functools
import logging
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey

from config import config_from_env
from consult.timeutil import utcnow

log = logging.getLogger(__name__)


def build_huey(config) -> SqliteHuey | RedisHuey:
    """A Huey on Redis when HUEY_REDIS_URL is set, otherwise on the SQLite file."""
    immediate = bool(getattr(config, "HUEY_IMMEDIATE", False))
    redis_url = getattr(config, "HUEY_REDIS_URL", "")
    if redis_url:
        return RedisHuey("rembuk", url=redis_url, immediate=immediate, results=False)
    path = Path(config.HUEY_SQLITE_PATH)
    if not immediate:
        path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("rembuk", filename=str(path), immediate=immediate, results=False)


huey = build_huey(config_from_env())
_worker_app: Flask | None = None
# When this process imported the queue: jobs claimed earlier by a process of this host that
# no longer runs were lost with it (recover_jobs_on_start, on the worker's start).
PROCESS_STARTED = utcnow()


def init_app(app: Flask) -> None:
    """Follow the app's HUEY_IMMEDIATE (tests run tasks in the calling process)."""
    huey.immediate = bool(app.config["HUEY_IMMEDIATE"])


def task_app() -> Flask:
    """The app a task runs in: the caller's (immediate mode) or one built for this worker."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from consult import create_app

        _worker_app = create_app()
    return _worker_app


def _in_app_context(func):
    @functools.wraps(func)
    def run(*args, **kwargs):
        from consult.extensions import db

        # A context of its own, so the task has its own session even in immediate mode
        # (Flask-SQLAlchemy scopes sessions by application context).
        with task_app().app_context():
            try:
                return func(*args, **kwargs)
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return run


def app_task(**options):
    """@huey.task(**options) running the function inside an application context."""

    def decorator(func):
        return huey.task(name=func.__name__, **options)(_in_app_context(func))

    return decorator


def app_periodic_task(schedule, **options):
    """@huey.periodic_task(schedule, **options) inside an application context."""

    def decorator(func):
        return huey.periodic_task(schedule, name=func.__name__, **options)(_in_app_context(func))

    return decorator


from consult.tasks import definitions  # noqa: E402,F401  (registers the tasks with Huey)
