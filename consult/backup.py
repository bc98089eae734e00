"""flask backup / flask restore for the embedded SQLite database.

SQLite is copied with sqlite3's online backup API: the copy is consistent even while the app is
serving (page by page, under SQLite's own locking), unlike copying the file. PostgreSQL has its
own tools; for it these commands print the pg_dump / pg_restore commands to use instead.
"""

import os
import sqlite3
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy.engine import URL

from consult.extensions import db

BUSY_TIMEOUT_SECONDS = 30


class NotSQLiteError(click.ClickException):
    """The configured database is not a SQLite file; the message says what to run instead."""


def sqlite_path(url: URL, dump: Path | str = "rembuk.dump") -> Path:
    """The database file behind a SQLite URL; NotSQLiteError for anything else."""
    if url.get_backend_name() != "sqlite":
        raise NotSQLiteError(postgres_instructions(url, dump))
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory"):
        raise click.ClickException("The database is in memory: there is no file to back up.")
    return Path(url.database)


def postgres_instructions(url: URL, dump: Path | str = "rembuk.dump") -> str:
    """The pg_dump / pg_restore commands for this database (without its password)."""
    plain = URL.create(
        url.get_backend_name(),
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    target = plain.render_as_string(hide_password=False)
    return (
        f"The database is not SQLite ({url.get_backend_name()}): use PostgreSQL's own tools "
        "(the password comes from PGPASSWORD or ~/.pgpass). See docs/operations.md.\n"
        f"  backup:  pg_dump --format=custom --no-owner --file='{dump}' '{target}'\n"
        f"  restore: pg_restore --clean --if-exists --no-owner --single-transaction "
        f"--dbname='{target}' '{dump}'"
    )


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode={'ro' if read_only else 'rw'}"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS)


def _check_integrity(connection: sqlite3.Connection) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()
    if not result or result[0] != "ok":
        raise click.ClickException(f"Integrity check failed: {result}")


def backup_sqlite(source: Path, target: Path) -> None:
    """Write a consistent copy of the live database `source` to `target` (atomically)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".rembuk-backup-", dir=target.parent)
    os.close(handle)
    try:
        with closing(_connect(source, read_only=True)) as live:
            with closing(sqlite3.connect(temporary)) as copy:
                live.backup(copy)
                _check_integrity(copy)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def restore_sqlite(backup: Path, target: Path) -> None:
    """Replace the contents of the live database `target` by those of `backup`.

    Uses the backup API in reverse: the live file is rewritten under SQLite's write lock, so
    connections that stay open (other workers) see either the old or the restored database,
    never a half-copied file.
    """
    with closing(_connect(backup, read_only=True)) as source:
        _check_integrity(source)
        tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables:
            raise click.ClickException(f"{backup} is not a Rembuk database backup.")
        with closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_SECONDS)) as live:
            source.backup(live)
            _check_integrity(live)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def backup_command(path: Path, force: bool) -> None:
    """Write an online backup of the SQLite database to PATH (safe while the app runs)."""
    source = sqlite_path(db.engine.url, path)
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; use --force to overwrite it.")
    backup_sqlite(source, path)
    click.echo(f"Backed up {source} to {path} ({path.stat().st_size} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the SQLite database by the backup at PATH (the current one is kept aside)."""
    target = sqlite_path(db.engine.url, path)
    if not yes:
        click.confirm(f"Replace everything in {target} by {path}?", abort=True)
    db.session.remove()
    db.engine.dispose()
    kept = None
    if target.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        backup_sqlite(target, kept)
    restore_sqlite(path, target)
    db.engine.dispose()
    current_app.logger.warning("Database %s restored from %s", target, path)
    click.echo(f"Restored {target} from {path}.")
    if kept:
        click.echo(f"The database as it was before is kept in {kept}.")


def register_backup_commands(app) -> None:
    """Add flask backup / flask restore."""
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
