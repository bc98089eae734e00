"""Shared fixtures: app, db, client, login, factories.

The schema comes from the migrations, applied once per test session; each test then
starts from empty tables. TEST_DATABASE_URL selects PostgreSQL; otherwise a SQLite file.
"""

import itertools
import os
import time
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import MetaData, create_engine, inspect, text
from werkzeug.security import generate_password_hash

from config import TestingConfig
from consult import create_app
from consult.auth.models import Role, StakeholderGroup, User
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus, Rating
from consult.fgd.models import FgdSession
from consult.plans.models import (
    Chapter,
    Consultation,
    ConsultationState,
    Criterion,
    MemberRole,
    Membership,
    Phase,
    Section,
    Strategy,
)
from consult.timeutil import utcnow

DEFAULT_GROUPS = ["KADIN", "Pelaku industri", "Akademisi", "Instansi pemerintah"]
# Cheap hashing in tests: scrypt's real cost is for production, not for fixtures.
FAST_HASH = "pbkdf2:sha256:1000"


def _config_for(database_url: str, **overrides):
    return type(
        "TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides}
    )


# --- migration tests: a database of their own, migrated step by step ---------------------


@pytest.fixture
def scratch_app(tmp_path):
    """An empty SQLite database of its own, migrated step by step (not the shared one)."""
    app = create_app(_config_for(f"sqlite:///{tmp_path / 'migrate.sqlite'}"))
    with app.app_context():
        yield app


def run_sql(app, sql, **params):
    """Run SQL on the app's database outside the ORM (the models may be ahead of the schema)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as connection:
        result = connection.execute(text(sql), params)
        rows = result.all() if result.returns_rows else None
    engine.dispose()
    return rows


def table_columns(app, table) -> set[str]:
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    names = {column["name"] for column in inspect(engine).get_columns(table)}
    engine.dispose()
    return names


def _drop_everything() -> None:
    reflected = MetaData()
    reflected.reflect(bind=db.engine)
    reflected.drop_all(bind=db.engine)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    )
    app = create_app(_config_for(url))
    with app.app_context():
        _drop_everything()
        upgrade()
        # Tests start from empty tables, as after every test (rows a migration seeds too).
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def config_overrides():
    """Override in a test module to change configuration, e.g. switch CSRF on.

    Feature tests read the English source strings, so by default they run with English as the
    fallback language; a module that overrides this fixture gets the real default, Indonesian
    (tested in test_i18n_catalogues.py and test_errors_pages.py).
    """
    return {"BABEL_DEFAULT_LOCALE": "en"}


class RequestClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The test body holds an app context of its own (for factories and queries). Flask's request
    context would reuse it, so `g` (Flask-Login's user, Babel's locale) and the database session
    would carry over from one request to the next. Here each request gets a fresh app context:
    a fresh `g` and its own session, removed when the request ends. Before a request the test's
    session is committed: the request sees what the test set up, and the test's objects expire,
    so what it reads afterwards is what the request stored.
    """

    def run_wsgi_app(self, environ, buffered=False):
        db.session.commit()
        with self.application.app_context():
            return super().run_wsgi_app(environ, buffered=buffered)


@pytest.fixture
def app(database_url, tmp_path, config_overrides):
    app = create_app(
        _config_for(
            database_url,
            UPLOAD_FOLDER=str(tmp_path / "uploads"),
            EXPORT_FOLDER=str(tmp_path / "exports"),
            **config_overrides,
        )
    )
    app.test_client_class = RequestClient
    with app.app_context():
        yield app
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """Log a user in on the test client (without going through the login form)."""

    def _login(user, test_client=None):
        test_client = test_client or client
        with test_client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            # As after the login form: the password was entered just now (see auth reauth).
            session["auth_at"] = time.time()
        return test_client

    return _login


_sequence = itertools.count(1)


@pytest.fixture
def make_group(app):
    def _make_group(name=None, position=0):
        group = StakeholderGroup(name=name or f"Group {next(_sequence)}", position=position)
        db.session.add(group)
        db.session.flush()
        return group

    return _make_group


@pytest.fixture
def make_user(app):
    def _make_user(role=Role.PARTICIPANT, group=None, email=None, name=None, password=None, **kw):
        number = next(_sequence)
        user = User(
            email=email or f"user{number}@example.org",
            name=name or f"User {number}",
            role=Role(role),
            group=group,
            password_hash=generate_password_hash(password, method=FAST_HASH) if password else None,
            **kw,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return _make_user


@pytest.fixture
def make_consultation(app, make_user):
    """A consultation with one chapter, section and strategy and the default criteria.

    By default it is published with the pre-FGD window open now.
    """

    def _make_consultation(
        organiser=None,
        participants=(),
        state=ConsultationState.PUBLISHED,
        title="RPIK Kota Palangka Raya 2022-2042",
        **kw,
    ):
        now = utcnow()
        organiser = organiser or make_user(role=Role.ORGANISER)
        values = {
            "pre_opens_at": now - timedelta(days=1),
            "pre_closes_at": now + timedelta(days=7),
            "fgd_at": now + timedelta(days=8),
            "post_opens_at": now + timedelta(days=9),
            "post_closes_at": now + timedelta(days=20),
        }
        values.update(kw)
        # The FGD is a session of its own (consult/fgd); fgd_at=None makes none.
        fgd_at = values.pop("fgd_at")
        fgd_venue = values.pop("fgd_venue", "Ruang Peteng Karuhei II")
        consultation = Consultation(title=title, state=state, created_by_id=organiser.id, **values)
        db.session.add(consultation)
        db.session.flush()
        if fgd_at is not None:
            db.session.add(
                FgdSession(
                    consultation_id=consultation.id,
                    title="FGD",
                    starts_at=fgd_at,
                    ends_at=fgd_at + timedelta(hours=3),
                    venue=fgd_venue,
                )
            )
        for position, (key, label) in enumerate(
            [("relevance", "Relevansi"), ("priority", "Prioritas"), ("feasibility", "Kelayakan")]
        ):
            db.session.add(
                Criterion(
                    consultation_id=consultation.id,
                    key=key,
                    label=label,
                    position=position,
                    scale_labels="Sangat rendah\nRendah\nSedang\nTinggi\nSangat tinggi",
                )
            )
        chapter = Chapter(consultation_id=consultation.id, position=1, code="1", title="Bab 1")
        db.session.add(chapter)
        db.session.flush()
        section = Section(
            chapter_id=chapter.id,
            position=1,
            code="1.1",
            title="Sasaran",
            body="Paragraf pertama.\n\nParagraf kedua.",
        )
        db.session.add(section)
        db.session.flush()
        db.session.add(
            Strategy(
                section_id=section.id,
                position=1,
                code="1.1.1",
                title="Substitusi impor bahan baku",
                description="Mengurangi ketergantungan impor.\n\nMemperkuat rantai pasok lokal.",
            )
        )
        db.session.add(
            Membership(
                consultation_id=consultation.id, user_id=organiser.id, role=MemberRole.ORGANISER
            )
        )
        for participant in participants:
            db.session.add(Membership(consultation_id=consultation.id, user_id=participant.id))
        db.session.commit()
        return consultation

    return _make_consultation


@pytest.fixture
def make_comment(app):
    """A comment stored in the state a test needs: by default published, on the consultation's
    first strategy, in its author's group and against the text's current version.

    For what posting does (moderation mode, windows, notifications) go through the page or
    consult.feedback.services.add_comment instead.
    """

    def _make_comment(
        consultation,
        author,
        body="Komentar tentang strategi ini.",
        *,
        strategy=None,
        section=None,
        status=CommentStatus.PUBLISHED,
        **kw,
    ):
        if strategy is None and section is None:
            strategy = first_strategy(consultation)
        target = strategy or section
        values = {
            "consultation_id": consultation.id,
            "strategy_id": strategy.id if strategy else None,
            "section_id": section.id if section else None,
            "author_id": author.id if author else None,
            "group_id": author.group_id if author else None,
            "body": body,
            "status": status,
            "target_version": target.version,
        }
        comment = Comment(**{**values, **kw})
        db.session.add(comment)
        db.session.commit()
        return comment

    return _make_comment


@pytest.fixture
def make_rating(app):
    """A rating stored as given (the participant's group copied onto it, as services do)."""

    def _make_rating(strategy, criterion, user, value, phase=Phase.PRE, **kw):
        rating = Rating(
            consultation_id=criterion.consultation_id,
            strategy_id=strategy.id,
            criterion_id=criterion.id,
            user_id=user.id,
            group_id=user.group_id,
            phase=phase,
            value=value,
            **kw,
        )
        db.session.add(rating)
        db.session.commit()
        return rating

    return _make_rating


def first_strategy(consultation):
    """The first strategy of a consultation made by make_consultation."""
    from sqlalchemy import select

    return db.session.scalar(
        select(Strategy)
        .join(Section)
        .join(Chapter)
        .where(Chapter.consultation_id == consultation.id)
        .order_by(Chapter.position, Section.position, Strategy.position)
    )


class QueryCounter:
    """Counts SQL statements executed inside a `with` block."""

    def __init__(self):
        self.count = 0
        self.statements = []

    def _on_execute(self, conn, cursor, statement, *args):
        self.count += 1
        self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        event.listen(db.engine, "before_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(db.engine, "before_cursor_execute", self._on_execute)


@pytest.fixture
def count_queries(app):
    return QueryCounter


def made(client, response):
    """The document a form's job made: the form leads to the job's page (the worker runs
    eagerly in tests), whose download link gives the file."""
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    job_page = response.headers["Location"]
    assert "/exports/" in job_page
    download = client.get(job_page + "/download")
    if download.status_code != 200:
        from consult.reports.models import ExportJob

        job = db.session.get(ExportJob, int(job_page.rstrip("/").rsplit("/", 1)[1]))
        db.session.refresh(job)
        raise AssertionError(f"job {job.id}: {job.state} {job.error}")
    download.get_data()  # read the streamed file, then close it
    download.close()
    return download
