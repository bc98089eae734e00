"""Generic error pages, and a calm 503 while the database cannot be reached.

Every page is translated and shows nothing internal. A lost or refused database connection
(the server restarting, the network gone) is not a bug in the app: it gets a 503 with
Retry-After, is logged as one line, and the next request simply tries again (the pool checks
connections before use, so the app recovers by itself once the database is back).
"""

import logging

from flask import Flask, g, render_template
from flask_babel import get_locale
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from consult.extensions import db, login_manager

PAGE_CODES = (400, 403, 404, 405, 413, 429, 500, 503)
RETRY_AFTER_SECONDS = 30
log = logging.getLogger(__name__)


SQLITE_ERROR = 1  # SQLite's generic code: a mistake in the SQL (no such table), not an outage


def is_database_unavailable(error: BaseException) -> bool:
    """Whether a database error means "cannot reach the database now" rather than a bug.

    A lost or refused connection, or an operational condition of the server (shutting down,
    too many connections, locked, disk full). SQLite files its SQL mistakes under
    OperationalError too: those stay bugs (500).
    """
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, InterfaceError):
        return True
    if isinstance(error, OperationalError):
        sqlite_code = getattr(error.orig, "sqlite_errorcode", None)
        return sqlite_code is None or sqlite_code & 0xFF != SQLITE_ERROR
    return False


def _rollback_quietly() -> None:
    # The failed request may have left the transaction broken; nothing half-done may be
    # committed later. With the connection gone, the rollback itself may fail: that is fine.
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.close()


def render_error(error):
    if getattr(error, "response", None) is not None:
        # A page made for this refusal (a rate limit's on_breach: the form again, text kept).
        return error.response
    code = getattr(error, "code", 500) or 500
    if code >= 500:
        _rollback_quietly()
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if code == 503 else {}
    return render_template("errors/error.html", code=code), code, headers


def database_unavailable(error: DBAPIError):
    """503 with Retry-After when the database cannot be reached; other database errors raise."""
    if not is_database_unavailable(error):
        raise error
    cause = error.orig if error.orig is not None else error
    log.error("Database unavailable (%s): %s", type(cause).__name__, cause)
    visitor = login_manager.anonymous_user()
    if "_login_user" not in g:
        g._login_user = visitor  # loading the user would ask the database again
    try:
        # The language is chosen now, while a user already loaded is still readable.
        get_locale()
    except SQLAlchemyError:
        pass
    _rollback_quietly()
    # The page must not need the database: shown as to a visitor, with no menu to load.
    g._login_user = visitor
    return (
        render_template("errors/error.html", code=503),
        503,
        {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"},
    )


def release_session(_error=None) -> None:
    """End the request's session even if the server went away in the meantime.

    Ending it rolls back on the connection; with the server gone that fails too late for any
    error page (the response is made already), and the worker would answer a bare 500. The
    connection is dropped instead; the pool makes a new one when the server is back.
    """
    try:
        db.session.remove()
    except DBAPIError as error:
        if not is_database_unavailable(error):
            raise
        log.warning("Database connection lost while ending a request: %s", error.orig)
        db.session().invalidate()
        db.session.remove()


def register_errorhandlers(app: Flask) -> None:
    """Generic pages for the codes users meet, and 503 for an unreachable database."""
    from flask_wtf.csrf import CSRFError

    from consult.recovery import session_expired, too_large

    for code in PAGE_CODES:
        app.errorhandler(code)(render_error)
    # Nothing typed is lost: these two pages give the text back (consult/recovery.py).
    app.errorhandler(413)(too_large)
    app.errorhandler(CSRFError)(session_expired)
    app.errorhandler(DBAPIError)(database_unavailable)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs before it.
    app.teardown_appcontext(release_session)
