"""Rembuk: stakeholder consultation on a development plan."""

import functools

from flask import Flask, g, request, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, event, select
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config, ProductionConfig, config_from_env
from consult.extensions import (
    babel,
    bootstrap,
    cache,
    csrf,
    db,
    limiter,
    login_manager,
    migrate,
)
from consult.sessions import CookieSessionInterface


def create_app(config_class: type[Config] | None = None) -> Flask:
    """Build the application: config, extensions, blueprints, error pages, CLI."""
    config_class = config_class or config_from_env()
    if issubclass(config_class, ProductionConfig):
        config_class.check()
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.config.from_object(config_class)
    register_url_converters(app)
    app.session_interface = CookieSessionInterface()
    register_proxy_fix(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    register_cli(app)
    register_tasks(app)
    configure_logging(app)
    if app.config["BENCH_MODE"]:
        from consult.instrumentation import register_bench_hooks

        register_bench_hooks(app)
    return app


def register_url_converters(app: Flask) -> None:
    # Ids in URLs only from 1 to the largest id a row can have: a larger or negative one is
    # no route (404), never a query the database refuses (see consult/inputs.py).
    from consult.inputs import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_proxy_fix(app: Flask) -> None:
    # Only trust X-Forwarded-* from as many proxies as configured: otherwise a client
    # could pick its own address and dodge per-address rate limits.
    count = app.config["TRUSTED_PROXY_COUNT"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_extensions(app: Flask) -> None:
    import consult.models  # noqa: F401  (the whole schema, for Alembic and relationships)

    db.init_app(app)
    register_sqlite_transactions(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    register_session_listeners()
    babel.init_app(app, locale_selector=select_locale)
    from consult.translations import init_form_translations, init_template_translations

    init_form_translations(app)  # WTForms' own messages in Indonesian too
    init_template_translations(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)


def register_session_listeners() -> None:
    """Every listener on the ORM session, in one place and never at import: the audit trail's
    guard, upload and erasure file clean-up, and the analysis cache's input version. (Mail
    dispatch registers with the task queue in register_tasks.)"""
    from consult.audit import register_append_only_guard
    from consult.privacy.erasure import register_erased_file_removal
    from consult.reports.analysis_cache import register_input_version
    from consult.uploads import register_upload_cleanup

    register_append_only_guard()
    register_upload_cleanup()
    register_erased_file_removal()
    register_input_version()


def register_sqlite_transactions(app: Flask) -> None:
    """On SQLite, open the real transaction before a savepoint.

    The sqlite3 driver sends BEGIN only before an INSERT/UPDATE/DELETE, so a SAVEPOINT issued
    first (begin_nested, as when adding a comment or a rating) became the outermost transaction
    and its RELEASE committed: a later rollback (a failed upload, a lost request) could not
    take the row back. Reads still open no transaction, as before, so they lock nothing.
    """
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
                event.listen(engine, "connect", _sqlite_write_ahead_log)


def _sqlite_write_ahead_log(driver_connection, _record) -> None:
    """WAL: the web server and the task worker read while the other writes (an export's
    progress is written while its rows are still being read). In-memory databases ignore it."""
    cursor = driver_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin_before_savepoint(connection, _name) -> None:
    driver_connection = connection.connection.dbapi_connection
    if not driver_connection.in_transaction:
        driver_connection.execute("BEGIN")


@functools.cache
def _user_statement():
    """The signed-in user with the current privacy notice's version (so the notice gate costs
    no query), built once: every request runs it, and building it cost more than running it."""
    from consult.auth.models import User
    from consult.privacy.notices import latest_version_column

    return select(User, latest_version_column()).where(User.id == bindparam("user_pk"))


def load_user(user_id: str):
    """Resolve "<id>:<session token>"; a rotated token ends that session everywhere."""
    user_pk, _, token = user_id.partition(":")
    if not user_pk.isdigit() or not token:
        return None
    row = db.session.execute(_user_statement(), {"user_pk": int(user_pk)}).first()
    if row is None:
        return None
    user, notice_version = row
    if user.session_token != token or not user.is_active_account:
        return None
    user.current_notice_version = notice_version
    return user


def select_locale() -> str:
    """The language chosen in this browser, then the account's, then Indonesian."""
    from flask import current_app
    from flask_login import current_user

    supported = current_app.config["LANGUAGES"]
    # Public pages take the language from their link (?lang=en): they are cached for
    # anonymous readers, so their language switch is a link, not a form with a CSRF token.
    if request.endpoint and request.endpoint.startswith("public."):
        asked = request.args.get("lang")
        if asked in supported:
            return asked
    chosen = session.get("lang")
    if chosen in supported:
        return chosen
    if getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
        return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def register_blueprints(app: Flask) -> None:
    from consult.auth.views import bp as auth_bp
    from consult.core.views import bp as core_bp
    from consult.documents.views import bp as documents_bp
    from consult.feedback.views import bp as feedback_bp
    from consult.fgd.views import bp as fgd_bp
    from consult.invitations.views import bp as invitations_bp
    from consult.moderation.views import bp as moderation_bp
    from consult.plans.views import bp as plans_bp
    from consult.privacy.views import bp as privacy_bp
    from consult.public.views import bp as public_bp
    from consult.reports.views import bp as reports_bp
    from consult.revisions.views import bp as revisions_bp

    for blueprint in (
        core_bp,
        auth_bp,
        invitations_bp,
        plans_bp,
        feedback_bp,
        moderation_bp,
        reports_bp,
        revisions_bp,
        privacy_bp,
        fgd_bp,
        documents_bp,
        public_bp,
    ):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from consult.errors import register_errorhandlers as register_error_pages

    register_error_pages(app)


def register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from consult.markdown import render_markdown
    from consult.permissions import TEMPLATE_PERMISSIONS
    from consult.timeutil import datetimeformat
    from consult.urls import comment_url

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["datetimeformat"] = datetimeformat
    app.jinja_env.globals["comment_url"] = comment_url

    def nav_items():
        from flask_login import current_user

        from consult.navigation import main_navigation

        return [
            (endpoint, label)
            for endpoint, label in main_navigation(current_user)
            if endpoint in app.view_functions
        ]

    app.jinja_env.globals["nav_items"] = nav_items

    @app.context_processor
    def inject_helpers():
        return {
            **TEMPLATE_PERMISSIONS,
            "languages": app.config["LANGUAGES"],
            "current_locale": str(get_locale()),
        }


def register_security_headers(app: Flask) -> None:
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )

    @app.after_request
    def make_session_permanent(response):
        # A permanent session expires after PERMANENT_SESSION_LIFETIME; a browser-session
        # cookie would live as long as the browser does. Only sessions that hold something
        # (a login, a CSRF token, a language) get a cookie at all.
        if session and not session.permanent:
            session.permanent = True
        return response

    @app.after_request
    def set_security_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if g.get("no_store") or request.endpoint and request.endpoint.startswith("auth."):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def register_tasks(app: Flask) -> None:
    """The task queue (consult/tasks) and the mail sends it runs after each commit."""
    from consult.mail import register_mail_dispatch
    from consult.tasks import init_app

    init_app(app)
    register_mail_dispatch()


def register_cli(app: Flask) -> None:
    from consult.cli import register_commands

    register_commands(app)


def configure_logging(app: Flask) -> None:
    # One record, one line: user input cannot forge log lines (see consult/logging_setup.py).
    from consult.logging_setup import configure_logging as configure_single_line_logging

    configure_single_line_logging(app)
