"""The plan import as a job (issue 18): the upload becomes a job of kind "import" that the
worker reads (eagerly in tests); its page leads to the preview, and confirming saves the
outline as before. The uploaded file never stays on disk once the job has ended, however it
ended; only the consultation's organisers reach the job and its preview."""

import io
import os
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.notifications import Notification
from consult.plans.models import Chapter, Strategy
from consult.reports import import_jobs
from consult.reports.export_jobs import (
    check_export_jobs,
    expire_exports,
    run_export_job,
)
from consult.reports.models import ExportJob, JobState
from consult.timeutil import utcnow

OUTLINE_MD = "# Bab I Visi\n## 1.1 Arah\n### 1.1.1 Hilirisasi\nTeks.\n"


@pytest.fixture
def world(make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    participant = make_user()
    consultation = make_consultation(organiser=organiser, participants=[participant])
    return consultation, organiser, participant


def _uploads(app) -> list[Path]:
    folder = Path(app.config["EXPORT_FOLDER"]) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def _post(client, consultation, data: bytes, filename: str, **kwargs):
    return client.post(
        f"/c/{consultation.id}/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        **kwargs,
    )


def _token(html: str) -> str:
    import re
    from html import unescape

    match = re.search(r'name="outline"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="outline"', html
    )
    return unescape(match.group(1))


def _broken_docx() -> bytes:
    """A zip holding word/document.xml (so it passes the request's check by content) that
    python-docx cannot open: the worker finds it unreadable."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<not a document")
    return out.getvalue()


def _queued(consultation, organiser, data=None, fmt="md", name="rpik.md"):
    data = OUTLINE_MD.encode() if data is None else data
    job = import_jobs.submit_import(consultation, organiser, data, fmt, name, "en")
    db.session.commit()
    return job


def test_upload_makes_a_job_whose_page_leads_to_the_preview_and_confirm_saves_it(
    client, login, world, app
):
    consultation, organiser, _ = world
    response = _post(login(organiser), consultation, OUTLINE_MD.encode(), "rpik.md")
    job = db.session.scalar(select(ExportJob).where(ExportJob.kind == "import"))
    db.session.refresh(job)  # read by the task, in its own session
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/c/{consultation.id}/exports/{job.id}")
    assert (job.state, job.format, job.filters["name"]) == (JobState.DONE, "md", "rpik.md")
    assert _uploads(app) == []  # read, then deleted
    page = client.get(response.headers["Location"])
    assert page.status_code == 302  # a finished import's page is its preview
    assert page.headers["Location"].endswith(f"/c/{consultation.id}/import/{job.id}")
    preview = client.get(page.headers["Location"])
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Hilirisasi" in html
    assert db.session.scalar(select(func.count(Strategy.id))) == 1  # the factory's; none saved
    confirm = client.post(f"/c/{consultation.id}/import/confirm", data={"outline": _token(html)})
    assert confirm.status_code == 302
    assert db.session.scalar(select(Strategy).where(Strategy.code == "1.1.1")) is not None
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "plan.import_requested" in actions and "plan.imported" in actions
    # No "ready to download" notice for an import; no raw JSON offered.
    assert db.session.scalar(select(func.count(Notification.id))) == 0
    assert client.get(f"/c/{consultation.id}/exports/{job.id}/download").status_code == 404


def test_the_downloads_list_names_the_import_and_links_its_preview(client, login, world):
    consultation, organiser, _ = world
    job = _queued(consultation, organiser, name="../../Rencana <script>2025.md")
    run_export_job(job.id)
    html = login(organiser).get(f"/c/{consultation.id}/exports").get_data(as_text=True)
    assert "Plan import" in html and "Markdown" in html
    assert "Rencana &lt;script&gt;2025.md" in html and "../" not in html
    assert f"/c/{consultation.id}/import/{job.id}" in html
    assert f"/exports/{job.id}/download" not in html


def test_a_queued_import_shows_its_progress_and_refreshes_without_javascript(client, login, world):
    consultation, organiser, _ = world
    job = _queued(consultation, organiser)
    job.state, job.stage = JobState.RUNNING, "reading"
    db.session.commit()
    page = login(organiser).get(f"/c/{consultation.id}/exports/{job.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Reading the document" in html and '<noscript><meta http-equiv="refresh"' in html
    # The preview of a job not read yet sends back to the job's page.
    preview = client.get(f"/c/{consultation.id}/import/{job.id}")
    assert preview.headers["Location"].endswith(f"/exports/{job.id}")


def test_an_unreadable_word_file_fails_the_job_with_the_message_and_leaves_no_upload(
    client, login, world, app
):
    consultation, organiser, _ = world
    response = _post(login(organiser), consultation, _broken_docx(), "rpik.docx")
    job = db.session.scalar(select(ExportJob).where(ExportJob.kind == "import"))
    db.session.refresh(job)
    assert (job.state, job.attempts, job.error) == (JobState.FAILED, 1, "not_docx")  # no retry
    assert _uploads(app) == []
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The file is not a valid Word (.docx) document." in html
    assert "Traceback" not in html
    assert client.get(f"/c/{consultation.id}/import/{job.id}").status_code == 302


def test_a_word_file_the_reader_trips_over_fails_at_once_without_a_retry(world, app, monkeypatch):
    consultation, organiser, _ = world
    job = _queued(consultation, organiser, data=_broken_docx(), fmt="docx", name="r.docx")

    def trips(data):
        raise KeyError("a part python-docx expected")

    monkeypatch.setattr(import_jobs, "parse_outline", trips)
    assert run_export_job(job.id) == "failed"
    db.session.refresh(job)
    assert (job.error, job.attempts) == ("not_docx", 1)
    assert _uploads(app) == []


def test_cancelling_a_queued_import_deletes_its_upload(client, login, world, app):
    consultation, organiser, _ = world
    job = _queued(consultation, organiser)
    assert len(_uploads(app)) == 1
    # Private while it waits: only the application's user reads it.
    assert _uploads(app)[0].stat().st_mode & 0o077 == 0
    assert _uploads(app)[0].parent.stat().st_mode & 0o077 == 0
    response = login(organiser).post(f"/c/{consultation.id}/exports/{job.id}/cancel")
    assert response.status_code == 302
    assert _uploads(app) == []
    assert run_export_job(job.id) == "skipped"


def test_an_import_cancelled_while_it_runs_deletes_its_upload(world, app, monkeypatch):
    consultation, organiser, _ = world
    job = _queued(consultation, organiser)
    real = import_jobs.parse_outline

    def read_then_cancel(data):
        # The organiser presses Cancel while the worker reads.
        db.session.execute(
            ExportJob.__table__.update().where(ExportJob.id == job.id).values(cancel_requested=True)
        )
        db.session.commit()
        return real(data)

    monkeypatch.setattr(import_jobs, "parse_outline", read_then_cancel)
    assert run_export_job(job.id) == "cancelled"
    db.session.refresh(job)
    assert (job.state, job.stored_name) == (JobState.CANCELLED, "")
    assert _uploads(app) == []


def test_a_job_whose_worker_died_keeps_its_upload_for_the_retry_then_deletes_it(world, app):
    consultation, organiser, _ = world
    app.config.update(EXPORT_MAX_ATTEMPTS=2, EXPORT_STALL_SECONDS=300)
    job = _queued(consultation, organiser)
    stale = utcnow() - timedelta(minutes=10)
    job.state, job.attempts, job.heartbeat_at = JobState.RUNNING, 1, stale
    db.session.commit()
    from consult.tasks import huey

    immediate, huey.immediate = huey.immediate, False
    try:
        assert check_export_jobs()["requeued"] == 1
    finally:
        huey.immediate = immediate
    assert len(_uploads(app)) == 1  # kept for the next attempt
    # The next attempt dies too, and it was the last: failed, the upload deleted.
    job = db.session.get(ExportJob, job.id, populate_existing=True)
    job.state, job.attempts, job.heartbeat_at = JobState.RUNNING, 2, stale
    db.session.commit()
    assert check_export_jobs()["failed"] == 1
    assert _uploads(app) == []


def test_a_retried_import_deletes_its_upload_once_it_is_read(world, app, monkeypatch):
    consultation, organiser, _ = world
    app.config["EXPORT_MAX_ATTEMPTS"] = 2
    job = _queued(consultation, organiser)
    real, calls = import_jobs.parse_outline, []

    def flaky(data):
        calls.append(1)
        if len(calls) == 1:
            raise MemoryError("worker short of memory")
        return real(data)

    monkeypatch.setattr(import_jobs, "parse_outline", flaky)
    from consult.reports.export_jobs import ExportRetry

    with pytest.raises(ExportRetry):
        run_export_job(job.id)
    assert len(_uploads(app)) == 1  # kept for the retry
    assert run_export_job(job.id) == "done"
    assert _uploads(app) == []


def test_an_upload_no_job_refers_to_is_swept_within_the_hour(world, app):
    consultation, organiser, _ = world
    job = _queued(consultation, organiser)  # waiting: its upload is kept
    orphan = import_jobs.upload_folder() / ("0" * 32 + ".upload")
    orphan.write_bytes(b"# Bab\n")
    hour_ago = time.time() - 2 * import_jobs.ORPHAN_SECONDS
    for path in _uploads(app):
        os.utime(path, (hour_ago, hour_ago))
    expire_exports()
    assert [path.name for path in _uploads(app)] == [job.filters["upload"]]


def test_a_missing_upload_fails_the_job_with_a_message(client, login, world, app):
    consultation, organiser, _ = world
    job = _queued(consultation, organiser)
    for path in _uploads(app):
        path.unlink()
    assert run_export_job(job.id) == "failed"
    html = login(organiser).get(f"/c/{consultation.id}/exports/{job.id}").get_data(as_text=True)
    assert "The uploaded file is no longer there. Upload it again." in html


@pytest.mark.parametrize("who", ["participant", "other_organiser", "anonymous"])
def test_only_the_consultations_organisers_reach_the_job_and_its_preview(
    client, login, world, make_user, make_consultation, who
):
    consultation, organiser, participant = world
    job = _queued(consultation, organiser)
    run_export_job(job.id)
    if who == "participant":
        login(participant)
    elif who == "other_organiser":
        other = make_user(role=Role.ORGANISER)
        make_consultation(organiser=other)
        login(other)
    urls = [f"/c/{consultation.id}/import/{job.id}", f"/c/{consultation.id}/exports/{job.id}"]
    for url in urls:
        response = client.get(url)
        if who == "anonymous":
            assert "/login" in response.headers["Location"]
        else:
            assert response.status_code == 404, url


def test_a_job_of_another_consultation_or_kind_has_no_preview(
    client, login, world, make_consultation
):
    consultation, organiser, _ = world
    other = make_consultation(organiser=organiser)
    job = _queued(other, organiser)
    run_export_job(job.id)
    login(organiser)
    assert client.get(f"/c/{consultation.id}/import/{job.id}").status_code == 404
    from consult.reports.export_jobs import submit_export
    from consult.reports.exports import ExportFilters

    export = submit_export(consultation, organiser, "csv", ExportFilters(), "en")
    db.session.commit()
    run_export_job(export.id)
    assert client.get(f"/c/{consultation.id}/import/{export.id}").status_code == 404
    assert client.get(f"/c/{consultation.id}/import/999999999999").status_code == 404


@pytest.mark.parametrize(
    "filename",
    [
        "",
        "../../etc/passwd",
        "a\x00b.md",
        "x" * 5000 + ".md",
        "C:\\Users\\r\\rencana.md",
        "<script>.md",
    ],
)
def test_hostile_upload_names_never_fail_the_request(client, login, world, app, filename):
    consultation, organiser, _ = world
    response = _post(login(organiser), consultation, OUTLINE_MD.encode(), filename)
    assert response.status_code in (302, 422)
    if response.status_code == 302:
        job = db.session.scalar(select(ExportJob).where(ExportJob.kind == "import"))
        assert "/" not in job.filters["name"] and "\x00" not in job.filters["name"]
        assert len(job.filters["name"]) <= 200
        page = client.get(response.headers["Location"], follow_redirects=True)
        assert page.status_code == 200
    assert _uploads(app) == []


def test_hostile_form_fields_never_fail_the_request(client, login, world):
    consultation, organiser, _ = world
    login(organiser)
    for data in ({}, {"file": "not a file"}, {"file": (io.BytesIO(b"x" * 10), "")}):
        response = client.post(f"/c/{consultation.id}/import", data=data)
        assert response.status_code in (400, 422)
    assert db.session.scalar(select(func.count(ExportJob.id))) == 0
    assert db.session.scalar(select(func.count(Chapter.id))) == 1  # the factory's chapter
