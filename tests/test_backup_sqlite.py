"""flask backup / flask restore: online SQLite backups; PostgreSQL gets pg_dump instructions.

These tests use their own SQLite file, whatever TEST_DATABASE_URL says.
"""

import sqlite3

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from config import TestingConfig
from consult import create_app
from consult.auth.models import StakeholderGroup, User
from consult.extensions import db


@pytest.fixture
def sqlite_app(tmp_path):
    database = tmp_path / "live" / "rembuk.sqlite"
    database.parent.mkdir()
    config = type(
        "BackupTestConfig",
        (TestingConfig,),
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "UPLOAD_FOLDER": str(tmp_path)},
    )
    app = create_app(config)
    with app.app_context():
        upgrade()
        group = StakeholderGroup(name="KADIN", position=0)
        db.session.add(group)
        db.session.add_all(
            [
                User(email="siti@example.org", name="Siti", group=group),
                User(email="budi@example.org", name="Budi", group=group),
            ]
        )
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def _snapshot():
    db.session.remove()
    return sorted(db.session.execute(select(User.email, User.name)).all())


def _invoke(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=list(args), **kwargs)


def test_restore_brings_back_exactly_what_was_backed_up(sqlite_app, tmp_path):
    before = _snapshot()
    backup = tmp_path / "backups" / "rembuk-1.sqlite"

    result = _invoke(sqlite_app, "backup", str(backup))
    assert result.exit_code == 0, result.output
    assert backup.exists()

    siti = db.session.scalar(select(User).where(User.email == "siti@example.org"))
    siti.name = "Siti (changed)"
    db.session.add(User(email="new@example.org", name="Added after the backup"))
    db.session.commit()
    assert _snapshot() != before

    result = _invoke(sqlite_app, "restore", str(backup), "--yes")
    assert result.exit_code == 0, result.output

    assert _snapshot() == before
    assert db.session.scalar(select(func.count(User.id))) == 2
    assert db.session.scalar(select(func.count(StakeholderGroup.id))) == 1
    # The database as it was just before the restore is kept aside, not lost.
    kept = list((tmp_path / "live").glob("rembuk.sqlite.before-restore-*"))
    assert len(kept) == 1
    with sqlite3.connect(kept[0]) as copy:
        assert copy.execute('SELECT count(*) FROM "user"').fetchone()[0] == 3


def test_backup_while_a_write_is_in_progress_holds_only_committed_data(sqlite_app, tmp_path):
    database = db.engine.url.database
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            'INSERT INTO "user" (email, name, organisation, position, role, '
            "is_active_account, session_token, failed_logins, created_at) "
            "SELECT 'half@example.org', 'Uncommitted', organisation, position, role, "
            "is_active_account, 'tok', failed_logins, created_at FROM \"user\" LIMIT 1"
        )
        result = _invoke(sqlite_app, "backup", str(tmp_path / "online.sqlite"))
        assert result.exit_code == 0, result.output
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    with sqlite3.connect(tmp_path / "online.sqlite") as copy:
        emails = {row[0] for row in copy.execute('SELECT email FROM "user"')}
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert emails == {"siti@example.org", "budi@example.org"}


def test_backup_does_not_overwrite_without_force(sqlite_app, tmp_path):
    target = tmp_path / "exists.sqlite"
    target.write_bytes(b"keep me")
    result = _invoke(sqlite_app, "backup", str(target))
    assert result.exit_code != 0
    assert "--force" in result.output
    assert target.read_bytes() == b"keep me"
    assert _invoke(sqlite_app, "backup", str(target), "--force").exit_code == 0
    assert target.read_bytes().startswith(b"SQLite format 3")


def test_restore_asks_first_and_does_nothing_when_declined(sqlite_app, tmp_path):
    backup = tmp_path / "b.sqlite"
    assert _invoke(sqlite_app, "backup", str(backup)).exit_code == 0
    db.session.add(User(email="kept@example.org", name="Kept"))
    db.session.commit()
    result = _invoke(sqlite_app, "restore", str(backup), input="n\n")
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count(User.id))) == 3


def test_restore_refuses_a_file_that_is_not_a_rembuk_backup(sqlite_app, tmp_path):
    stranger = tmp_path / "other.sqlite"
    with sqlite3.connect(stranger) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
    result = _invoke(sqlite_app, "restore", str(stranger), "--yes")
    assert result.exit_code != 0
    assert "not a Rembuk database backup" in result.output
    assert len(_snapshot()) == 2


@pytest.mark.parametrize(
    "command", [["backup", "{tmp}/out.dump"], ["restore", "{this_file}", "--yes"]]
)
def test_postgresql_gets_pg_dump_instructions_instead(tmp_path, command):
    config = type(
        "PgBackupConfig",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://rembuk:s3cret@db.internal:5432/rembuk",
            "UPLOAD_FOLDER": str(tmp_path),
        },
    )
    app = create_app(config)
    args = [arg.format(tmp=tmp_path, this_file=__file__) for arg in command]
    with app.app_context():
        result = _invoke(app, *args)
    assert result.exit_code != 0
    assert "pg_dump --format=custom" in result.output
    assert "pg_restore --clean" in result.output
    assert "postgresql://rembuk@db.internal:5432/rembuk" in result.output
    assert f"'{args[1]}'" in result.output  # the path given is used in the commands
    assert "s3cret" not in result.output
    assert not (tmp_path / "out.dump").exists()
