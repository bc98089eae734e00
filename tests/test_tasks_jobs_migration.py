"""Migration 0014_jobs: the job's kind, stage and worker, and the issued berita acara's DOCX;
existing export jobs become jobs of kind "export"; the downgrade removes the columns and the
document jobs, keeping the exports."""

from conftest import run_sql, table_columns
from flask_migrate import downgrade, upgrade

JOB = (
    "INSERT INTO export_job (consultation_id, format, filters, locale, state, progress_done, "
    "progress_total, attempts, cancel_requested, stored_name, download_name, error, created_at"
    "{extra_columns}) VALUES (1, :fmt, '{{}}', 'id', 'done', 0, 0, 1, 0, '', '', '', "
    "'2026-11-29 00:00:00'{extra_values})"
)


def test_upgrade_keeps_exports_and_downgrade_removes_document_jobs(scratch_app):
    upgrade(revision="0013_ux")
    run_sql(
        scratch_app,
        "INSERT INTO consultation (id, title, summary, department, state, comment_visibility, "
        "moderation_mode, show_author_names, created_at, updated_at) VALUES (1, 'RPIK', '', '', "
        "'published', 'all', 'post', 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
    )
    run_sql(scratch_app, JOB.format(extra_columns="", extra_values=""), fmt="xlsx")
    upgrade(revision="0014_jobs")
    assert {"kind", "stage", "worker"} <= table_columns(scratch_app, "export_job")
    assert "docx" in table_columns(scratch_app, "issued_document")
    jobs = run_sql(scratch_app, "SELECT kind, stage, worker FROM export_job")
    assert jobs == [("export", "", "")]
    run_sql(
        scratch_app,
        JOB.format(extra_columns=", kind", extra_values=", 'rekapitulasi'"),
        fmt="pdf",
    )
    downgrade(revision="0013_ux")
    assert not {"kind", "stage", "worker"} & table_columns(scratch_app, "export_job")
    assert "docx" not in table_columns(scratch_app, "issued_document")
    assert run_sql(scratch_app, "SELECT format FROM export_job") == [("xlsx",)]
    upgrade(revision="0014_jobs")
