"""While the database cannot be reached: a translated 503 page, logged, and recovery by itself."""

import logging
import sqlite3

import pytest
from conftest import first_strategy
from flask_login import current_user, login_required
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import NullPool

from consult.errors import is_database_unavailable
from consult.extensions import db
from consult.feedback.models import Comment

LEAKS = ("Traceback", "OperationalError", "refused by the test", "psycopg", "sqlite", ".py")


@pytest.fixture
def config_overrides():
    # The real default language (Indonesian) and the real catalogues.
    return {"PROPAGATE_EXCEPTIONS": False}


class Outage:
    """Every new database connection is refused, as when the server is down."""

    def __init__(self, engine):
        self.engine = engine
        self.on = False

    def refuse(self, dialect, conn_rec, cargs, cparams):
        raise dialect.loaded_dbapi.OperationalError("connection refused by the test")

    def start(self):
        db.session.close()
        self.engine.dispose()  # pooled connections go, as they do when the server restarts
        event.listen(self.engine, "do_connect", self.refuse)
        self.on = True

    def stop(self):
        if self.on:
            event.remove(self.engine, "do_connect", self.refuse)
            self.on = False


@pytest.fixture
def outage(app):
    down = Outage(db.engine)
    yield down
    down.stop()


@pytest.fixture
def participant_on_strategy(make_user, make_consultation, login):
    participant = make_user(name="Siti Rahma", locale="en")
    consultation = make_consultation(participants=[participant])
    strategy = first_strategy(consultation)
    login(participant)
    return participant, f"/c/{consultation.id}/strategies/{strategy.id}"


def _lang(client, lang):
    with client.session_transaction() as session:
        session["lang"] = lang


@pytest.mark.parametrize(
    "lang, title, hint",
    [
        ("en", "Temporarily unavailable", "cannot reach its database"),
        ("id", "Sementara tidak tersedia", "tidak dapat menghubungi basis datanya"),
    ],
)
def test_page_while_the_database_is_down_is_a_translated_503(
    client, participant_on_strategy, outage, lang, title, hint
):
    _participant, url = participant_on_strategy
    _lang(client, lang)
    outage.start()
    response = client.get(url)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert f"<title>{title} · Rembuk</title>" in page
    assert hint in page
    assert f'<html lang="{lang}">' in page
    for leak in LEAKS:
        assert leak not in page


def test_post_while_the_database_is_down_is_503_and_nothing_is_stored(
    client, participant_on_strategy, outage
):
    _participant, url = participant_on_strategy
    outage.start()
    response = client.post(f"{url}/comments", data={"type": "other", "body": "Tetap aman?"})
    assert response.status_code == 503
    outage.stop()
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_the_app_recovers_by_itself_when_the_database_is_back(
    client, participant_on_strategy, outage
):
    _participant, url = participant_on_strategy
    outage.start()
    assert client.get(url).status_code == 503
    assert client.get("/healthz").status_code == 503
    outage.stop()
    # Same app, same pool: no restart.
    assert client.get("/healthz").status_code == 200
    assert client.get(url).status_code == 200
    response = client.post(f"{url}/comments", data={"type": "other", "body": "Sudah pulih."})
    assert response.status_code == 302
    assert db.session.scalar(select(Comment.body)) == "Sudah pulih."


def test_the_outage_is_logged_on_one_line(
    client, participant_on_strategy, outage, caplog, monkeypatch
):
    # Alembic's logging set-up (run by the migrations fixture) disables loggers made before it.
    monkeypatch.setattr(logging.getLogger("consult.errors"), "disabled", False)
    _participant, url = participant_on_strategy
    outage.start()
    with caplog.at_level(logging.ERROR):
        client.get(url)
    messages = [r.getMessage() for r in caplog.records if r.name == "consult.errors"]
    assert len(messages) == 1, caplog.text
    assert messages[0].startswith("Database unavailable (OperationalError)")
    assert "refused by the test" in messages[0]
    assert "\n" not in messages[0]


def test_connection_lost_after_the_user_was_loaded_keeps_the_account_language(
    app, client, make_user, login
):
    @login_required
    def lose_connection():
        assert current_user.name == "Budi"  # the user is loaded, then the server goes away
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    app.add_url_rule("/_test/lost-connection", view_func=lose_connection)
    login(make_user(name="Budi", locale="en"))
    response = client.get("/_test/lost-connection")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "<title>Temporarily unavailable · Rembuk</title>" in page
    assert "Budi" not in page  # shown as to a visitor: no menu that needs the database


def _terminate_other_connections() -> int:
    outsider = create_engine(db.engine.url, poolclass=NullPool)
    with outsider.connect() as killer:
        killed = killer.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    outsider.dispose()
    return killed


def test_ending_a_request_after_the_server_went_away_does_not_fail(app, monkeypatch):
    db.session.execute(text("SELECT 1"))  # the request's transaction, on a connection
    if db.engine.dialect.name == "postgresql":
        assert _terminate_other_connections() >= 1  # as a server shutting down does
    else:

        def server_gone(dbapi_connection):
            raise db.engine.dialect.loaded_dbapi.OperationalError("disk I/O error")

        monkeypatch.setattr(db.engine.dialect, "do_rollback", server_gone)
    app.do_teardown_appcontext(None)  # as at the end of every request: must not raise
    monkeypatch.undo()
    assert db.session.scalar(text("SELECT 1")) == 1  # a new connection from the pool


def test_other_database_errors_stay_a_500(app, client):
    def broken_query():
        # A bug, not an outage (SQLite reports it as an OperationalError, PostgreSQL not).
        db.session.execute(text("SELECT * FROM no_such_table"))

    app.add_url_rule("/_test/broken-query", view_func=broken_query)
    response = client.get("/_test/broken-query")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_which_database_errors_mean_unavailable():
    lost = Exception("gone")
    assert is_database_unavailable(OperationalError("SELECT 1", {}, lost))
    assert is_database_unavailable(DBAPIError("SELECT 1", {}, lost, connection_invalidated=True))
    assert not is_database_unavailable(DBAPIError("SELECT 1", {}, lost))
    assert not is_database_unavailable(IntegrityError("INSERT", {}, Exception("duplicate")))
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = sqlite3.SQLITE_BUSY
    assert is_database_unavailable(OperationalError("UPDATE", {}, locked))
    mistake = sqlite3.OperationalError("no such table: x")
    mistake.sqlite_errorcode = sqlite3.SQLITE_ERROR
    assert not is_database_unavailable(OperationalError("SELECT", {}, mistake))


def test_connections_killed_by_the_server_are_replaced_without_an_error(
    client, participant_on_strategy
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs a database server that can end connections (PostgreSQL)")
    _participant, url = participant_on_strategy
    assert client.get(url).status_code == 200  # the pool now holds a connection
    db.session.close()
    assert _terminate_other_connections() >= 1
    # As after a server restart: the stale connection is noticed before use and replaced.
    assert client.get(url).status_code == 200


def test_a_public_pages_conditional_request_survives_a_server_restart(client, make_consultation):
    """The validators are read in a connection of their own, checked before use too."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs a database server that can end connections (PostgreSQL)")
    from consult.plans.models import Visibility

    consultation = make_consultation()
    consultation.visibility = Visibility.INPUT
    db.session.commit()
    url = f"/p/{consultation.id}/strategies/{first_strategy(consultation).id}"
    etag = client.get(url).headers["ETag"]
    db.session.close()
    assert _terminate_other_connections() >= 1
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
