"""Exports as jobs: submitted by the form, made by the task (eagerly in tests), followed on
their page, cancelled, retried then failed, expired after the retention period, taken back
after a worker died; downloads only by the consultation's organisers, each audited."""

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.notifications import Notification, NotificationKind
from consult.reports import export_jobs
from consult.reports.export_jobs import (
    ExportCancelled,
    ExportRetry,
    check_export_jobs,
    expire_exports,
    run_export_job,
    submit_export,
)
from consult.reports.exports import ExportFilters
from consult.reports.models import ExportJob, JobState
from consult.tasks import huey
from consult.timeutil import utcnow


@pytest.fixture
def world(make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    participant = make_user()
    consultation = make_consultation(organiser=organiser, participants=[participant])
    return consultation, organiser, participant


def _queued_job(consultation, organiser, fmt="csv", **filters):
    job = submit_export(consultation, organiser, fmt, ExportFilters(**filters), "en")
    db.session.commit()
    return job


def _status(client, url: str) -> int:
    response = client.get(url)
    response.close()  # a download streams its file
    return response.status_code


def _folder(app) -> Path:
    return Path(app.config["EXPORT_FOLDER"])


def test_submitting_the_form_makes_a_job_that_the_task_completes(client, login, world, app):
    consultation, organiser, _ = world
    response = login(organiser).post(
        f"/c/{consultation.id}/export", data={"format": "csv", "phase": "pre", "anonymise": "y"}
    )
    job = db.session.scalar(select(ExportJob))
    db.session.refresh(job)  # made by the task, in its own session
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/c/{consultation.id}/exports/{job.id}")
    assert job.state == JobState.DONE
    assert (job.format, job.filters["phase"], job.filters["anonymise"]) == ("csv", "pre", True)
    assert job.file_size == (_folder(app) / job.stored_name).stat().st_size
    assert job.expires_at - job.finished_at == timedelta(days=7)
    assert job.progress_done == job.progress_total > 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ready" in page and f"/exports/{job.id}/download" in page
    status = client.get(f"/c/{consultation.id}/exports/{job.id}/status").get_json()
    assert (status["state"], status["percent"], status["finished"]) == ("done", 100, True)
    note = db.session.scalar(select(Notification).where(Notification.user_id == organiser.id))
    assert note.kind == NotificationKind.EXPORT_READY
    assert note.link == f"/c/{consultation.id}/exports/{job.id}"


def test_a_running_job_page_polls_and_refreshes_without_javascript(client, login, world):
    consultation, organiser, _ = world
    job = ExportJob(
        consultation_id=consultation.id,
        requested_by_id=organiser.id,
        format="xlsx",
        state=JobState.RUNNING,
        progress_done=3,
        progress_total=12,
    )
    db.session.add(job)
    db.session.commit()
    page = login(organiser).get(f"/c/{consultation.id}/exports/{job.id}").get_data(as_text=True)
    assert 'aria-valuenow="25"' in page and "3 of 12 parts written" in page
    assert '<noscript><meta http-equiv="refresh"' in page
    assert "js/export_job.js" in page and "/download" not in page
    status = client.get(f"/c/{consultation.id}/exports/{job.id}/status").get_json()
    assert status == {
        "state": "running",
        "label": "Being made",
        "done": 3,
        "total": 12,
        "percent": 25,
        "finished": False,
        "detail": "3 of 12 parts written",
    }


def test_download_sends_the_file_and_audits_it(client, login, world):
    consultation, organiser, _ = world
    job = _queued_job(consultation, organiser, "csv")
    run_export_job(job.id)
    response = login(organiser).get(f"/c/{consultation.id}/exports/{job.id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()
    response.close()
    assert response.headers["Cache-Control"] == "no-store"
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export.download")
    ).all()
    assert [(e.actor_id, e.object_id, e.consultation_id) for e in events] == [
        (organiser.id, job.id, consultation.id)
    ]


@pytest.mark.parametrize("path", ["", "/status", "/download"])
def test_only_organisers_of_the_consultation_and_admins_reach_a_job(
    client, login, world, make_user, make_consultation, path
):
    consultation, organiser, participant = world
    job = _queued_job(consultation, organiser)
    run_export_job(job.id)
    other_organiser = make_user(role=Role.ORGANISER)
    make_consultation(organiser=other_organiser)
    url = f"/c/{consultation.id}/exports/{job.id}{path}"
    assert _status(client, url) == 302  # to the login page
    assert _status(login(participant), url) == 404
    assert _status(login(other_organiser), url) == 404
    assert _status(login(make_user(role=Role.ADMIN)), url) == 200
    # A job of this consultation reached through another one's URL is not found either.
    elsewhere = make_consultation(organiser=organiser)
    assert _status(login(organiser), f"/c/{elsewhere.id}/exports/{job.id}{path}") == 404
    downloads = select(AuditEvent).where(AuditEvent.action == "export.download")
    assert len(db.session.scalars(downloads).all()) == (1 if path == "/download" else 0)


def test_the_exports_page_lists_who_made_which_export(client, login, world, make_group):
    consultation, organiser, _ = world
    group = make_group("KADIN-X")
    done = _queued_job(consultation, organiser, "json", group_id=group.id, anonymise=True)
    run_export_job(done.id)
    _queued_job(consultation, organiser, "xlsx")
    page = login(organiser).get(f"/c/{consultation.id}/exports").get_data(as_text=True)
    assert page.count(f"<td>{organiser.name}</td>") == 2
    assert "KADIN-X, anonymised" in page
    assert "Waiting for the worker" in page and "Ready" in page
    assert page.count("/download") == 1
    assert login(world[2]).get(f"/c/{consultation.id}/exports").status_code == 404
    huge = f"/c/{consultation.id}/exports?page=99999999999999999999"
    assert login(organiser).get(huge).status_code == 200


def test_cancelling_a_queued_job_stops_it_before_it_starts(client, login, world):
    consultation, organiser, _ = world
    job = _queued_job(consultation, organiser)
    response = login(organiser).post(f"/c/{consultation.id}/exports/{job.id}/cancel")
    assert response.status_code == 302
    assert run_export_job(job.id) == "skipped"
    db.session.refresh(job)
    assert job.state == JobState.CANCELLED and not job.stored_name
    assert client.get(f"/c/{consultation.id}/exports/{job.id}/cancel").status_code == 405


def test_cancelling_a_running_job_stops_the_writer_and_leaves_no_file(world, app, monkeypatch):
    consultation, organiser, _ = world
    job = _queued_job(consultation, organiser)
    seen = []

    def slow_writer(fmt, consultation, filters, out_file, progress):
        out_file.write(b"half")
        progress(1, 4)
        # The organiser presses Cancel while it runs.
        db.session.execute(
            ExportJob.__table__.update().where(ExportJob.id == job.id).values(cancel_requested=True)
        )
        db.session.commit()
        try:
            progress(4, 4)
        except ExportCancelled:
            seen.append("stopped")
            raise

    monkeypatch.setattr(export_jobs, "write_export", slow_writer)
    assert run_export_job(job.id) == "cancelled"
    assert seen == ["stopped"]
    db.session.refresh(job)
    assert (job.state, job.stored_name) == (JobState.CANCELLED, "")
    assert list(_folder(app).iterdir()) == []


def test_a_failing_export_is_retried_with_back_off_then_shown_failed(world, app, monkeypatch):
    consultation, organiser, _ = world
    app.config["EXPORT_MAX_ATTEMPTS"] = 3
    job = _queued_job(consultation, organiser)

    def broken(*args):
        raise OSError("disk on fire")

    monkeypatch.setattr(export_jobs, "write_export", broken)
    delays = []
    for _ in range(2):
        with pytest.raises(ExportRetry) as retry:
            run_export_job(job.id)
        delays.append(retry.value.delay)
        db.session.refresh(job)
        assert job.state == JobState.QUEUED and "disk on fire" in job.error
    assert delays == [30, 60]
    assert run_export_job(job.id) == "failed"
    db.session.refresh(job)
    assert (job.state, job.attempts) == (JobState.FAILED, 3)
    assert list(_folder(app).iterdir()) == []
    kinds = db.session.scalars(select(Notification.kind)).all()
    assert kinds == [NotificationKind.EXPORT_FAILED]


def test_the_export_task_reschedules_a_failed_attempt_on_the_queue(world, monkeypatch):
    from consult.tasks.definitions import export_task

    consultation, organiser, _ = world
    job = _queued_job(consultation, organiser)
    monkeypatch.setattr(export_jobs, "write_export", lambda *a: 1 / 0)
    before = huey.scheduled_count()
    export_task(job.id)  # immediate mode: runs now, the retry waits on the schedule
    assert huey.scheduled_count() == before + 1
    db.session.refresh(job)
    assert (job.state, job.attempts) == (JobState.QUEUED, 1)
    huey.storage.flush_schedule()


def test_retention_deletes_the_file_and_marks_the_job_expired(client, login, world, app):
    consultation, organiser, _ = world
    job = _queued_job(consultation, organiser)
    run_export_job(job.id)
    db.session.refresh(job)
    path = _folder(app) / job.stored_name
    assert path.exists()
    assert expire_exports(now=job.expires_at - timedelta(minutes=1)) == 0
    assert expire_exports(now=job.expires_at) == 1
    db.session.refresh(job)
    assert job.state == JobState.EXPIRED and not path.exists()
    url = f"/c/{consultation.id}/exports/{job.id}/download"
    assert _status(login(organiser), url) == 404
    assert "Deleted after the retention period" in client.get(
        f"/c/{consultation.id}/exports"
    ).get_data(as_text=True)


def test_a_job_left_running_by_a_dead_worker_is_taken_again_then_failed(world, app):
    consultation, organiser, _ = world
    app.config.update(EXPORT_MAX_ATTEMPTS=2, EXPORT_STALL_SECONDS=300)
    job = _queued_job(consultation, organiser)
    half = _folder(app) / f"{job.id}-deadbeef.csv.part"
    _folder(app).mkdir(parents=True, exist_ok=True)
    half.write_bytes(b"half-written")
    stale = utcnow() - timedelta(minutes=10)
    job.state, job.attempts, job.heartbeat_at = JobState.RUNNING, 1, stale
    db.session.commit()
    # Still beating: left alone.
    assert check_export_jobs(now=stale + timedelta(minutes=1))["requeued"] == 0
    huey.immediate = True  # the requeued job runs at once, as a worker would
    counts = check_export_jobs()
    assert counts["requeued"] == 1 and not half.exists()
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.attempts == 2
    # The same again on the last attempt: failed, never offered.
    job.state, job.heartbeat_at, job.stored_name = JobState.RUNNING, stale, ""
    db.session.commit()
    assert check_export_jobs()["failed"] == 1
    db.session.refresh(job)
    assert job.state == JobState.FAILED and export_jobs.job_file(job) is None


def test_a_running_export_keeps_beating_while_its_writer_is_silent(world, app, monkeypatch):
    import time as clock

    consultation, organiser, _ = world
    app.config["EXPORT_STALL_SECONDS"] = 0.6  # a beat every 0.1 s
    job = _queued_job(consultation, organiser)
    beats = []

    def silent_writer(fmt, consultation, filters, out_file, progress):
        for _ in range(3):
            clock.sleep(0.25)
            with db.engine.connect() as connection:
                beats.append(
                    connection.scalar(select(ExportJob.heartbeat_at).where(ExportJob.id == job.id))
                )
        out_file.write(b"{}")

    monkeypatch.setattr(export_jobs, "write_export", silent_writer)
    assert run_export_job(job.id) == "done"
    assert beats[0] < beats[1] < beats[2]


def test_the_export_speaks_the_language_of_the_organiser_who_asked(world, app):
    consultation, organiser, _ = world
    headers = {}
    for locale in ("en", "id"):
        job = submit_export(consultation, organiser, "csv", ExportFilters(), locale)
        db.session.commit()
        run_export_job(job.id)
        db.session.refresh(job)
        archive = zipfile.ZipFile(_folder(app) / job.stored_name)
        first = sorted(archive.namelist())[0]
        headers[locale] = archive.read(first).decode("utf-8-sig").splitlines()[0]
    assert headers["en"] != headers["id"]
