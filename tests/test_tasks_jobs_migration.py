"""Migration 0014_jobs: the job's kind, stage and worker, and the issued berita acara's DOCX;
existing export jobs become jobs of kind "export"; the downgrade removes the columns and the
document jobs, keeping the exports."""

import pytest
from conftest import _config_for
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, text

from consult import create_app


@pytest.fixture
def scratch_app(tmp_path):
    """An empty SQLite database of its own, migrated step by step (not the shared one)."""
    app = create_app(_config_for(f"sqlite:///{tmp_path / 'migrate.sqlite'}"))
    with app.app_context():
        yield app


def _run(app, sql, **params):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as connection:
        result = connection.execute(text(sql), params)
        rows = result.all() if result.returns_rows else None
    engine.dispose()
    return rows


def _columns(app, table):
    return {row[1] for row in _run(app, f"PRAGMA table_info({table})")}


JOB = (
    "INSERT INTO export_job (consultation_id, format, filters, locale, state, progress_done, "
    "progress_total, attempts, cancel_requested, stored_name, download_name, error, created_at"
    "{extra_columns}) VALUES (1, :fmt, '{{}}', 'id', 'done', 0, 0, 1, 0, '', '', '', "
    "'2026-11-29 00:00:00'{extra_values})"
)


def test_upgrade_keeps_exports_and_downgrade_removes_document_jobs(scratch_app):
    upgrade(revision="0013_ux")
    _run(
        scratch_app,
        "INSERT INTO consultation (id, title, summary, department, state, comment_visibility, "
        "moderation_mode, show_author_names, created_at, updated_at) VALUES (1, 'RPIK', '', '', "
        "'published', 'all', 'post', 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
    )
    _run(scratch_app, JOB.format(extra_columns="", extra_values=""), fmt="xlsx")
    upgrade(revision="0014_jobs")
    assert {"kind", "stage", "worker"} <= _columns(scratch_app, "export_job")
    assert "docx" in _columns(scratch_app, "issued_document")
    assert _run(scratch_app, "SELECT kind, stage, worker FROM export_job") == [("export", "", "")]
    _run(
        scratch_app,
        JOB.format(extra_columns=", kind", extra_values=", 'rekapitulasi'"),
        fmt="pdf",
    )
    downgrade(revision="0013_ux")
    assert not {"kind", "stage", "worker"} & _columns(scratch_app, "export_job")
    assert "docx" not in _columns(scratch_app, "issued_document")
    assert _run(scratch_app, "SELECT format FROM export_job") == [("xlsx",)]
    upgrade(revision="0014_jobs")
