"""Official documents as jobs of the worker (eager in tests): the form leads to the job's page
with its stage, the file is offered only whole and only to the consultation's organisers,
every download audited, the requester notified; a berita acara is issued (PDF and DOCX) only
when its job is done, never twice by a retry; cancel and retention work as for exports; jobs
of a worker that died are taken back when the next worker starts."""

import io
import os
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader
from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.documents import jobs as document_jobs
from consult.documents.models import IssuedDocument
from consult.extensions import db
from consult.fgd.models import FgdSession
from consult.notifications import Notification, NotificationKind
from consult.reports import export_jobs
from consult.reports.export_jobs import (
    WORKER_LOST,
    expire_exports,
    recover_jobs_on_start,
    run_export_job,
)
from consult.reports.models import ExportJob, JobState
from consult.timeutil import utcnow
from tests.conftest import made


@pytest.fixture
def world(make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    participant = make_user()
    consultation = make_consultation(organiser=organiser, participants=[participant])
    return consultation, organiser, participant


@pytest.fixture
def fgd_session(world):
    consultation = world[0]
    session = FgdSession(
        consultation_id=consultation.id,
        title="FGD Rotan",
        starts_at=utcnow() - timedelta(days=1),
        ends_at=utcnow() - timedelta(days=1) + timedelta(hours=2),
        venue="Aula Bappeda",
    )
    db.session.add(session)
    db.session.commit()
    return session


def _job() -> ExportJob:
    job = db.session.scalars(select(ExportJob).order_by(ExportJob.id.desc())).first()
    db.session.refresh(job)  # made by the task, in its own session
    return job


def _rekap(client, consultation, **data):
    return client.post(
        f"/c/{consultation.id}/official-documents/rekapitulasi",
        data={"format": "pdf", "lang": "id", **data},
    )


def test_the_rekapitulasi_form_makes_a_job_whose_file_the_organiser_downloads(
    client, login, world, app
):
    consultation, organiser, _ = world
    login(organiser)
    response = _rekap(client, consultation)
    job = _job()
    assert response.headers["Location"].endswith(f"/c/{consultation.id}/exports/{job.id}")
    assert (job.kind, job.format, job.state) == ("rekapitulasi", "pdf", JobState.DONE)
    assert job.stage == "saving" and job.progress_done == job.progress_total == 3
    assert job.filters["lang"] == "id" and job.worker.endswith(f":{os.getpid()}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Summary of input (rekapitulasi)" in page and "Ready" in page
    pdf = made(client, response)
    assert pdf.mimetype == "application/pdf" and "no-store" in pdf.headers["Cache-Control"]
    assert "Rekapitulasi-Masukan-" in pdf.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) >= 1 and "REKAPITULASI" in reader.pages[0].extract_text().upper()
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["documents.rekapitulasi", "export.download"]
    note = db.session.scalar(select(Notification).where(Notification.user_id == organiser.id))
    with app.test_request_context():
        assert note.kind == NotificationKind.EXPORT_READY and "PDF" in note.message
    # The downloads page lists it with what it is.
    listing = client.get(f"/c/{consultation.id}/exports").get_data(as_text=True)
    assert "Downloads" in listing and "Summary of input (rekapitulasi)" in listing


def test_a_running_document_shows_its_stage_in_words(client, login, world):
    consultation, organiser, _ = world
    job = ExportJob(
        consultation_id=consultation.id,
        requested_by_id=organiser.id,
        kind="rekapitulasi",
        format="docx",
        state=JobState.RUNNING,
        progress_done=1,
        progress_total=3,
        stage="rendering",
    )
    db.session.add(job)
    db.session.commit()
    login(organiser)
    page = client.get(f"/c/{consultation.id}/exports/{job.id}").get_data(as_text=True)
    assert "Laying out the pages" in page and 'aria-valuenow="33"' in page
    status = client.get(f"/c/{consultation.id}/exports/{job.id}/status").get_json()
    assert (status["detail"], status["percent"]) == ("Laying out the pages", 33)


def test_only_organisers_of_the_consultation_download_a_document(
    app, client, login, world, make_user, make_consultation
):
    consultation, organiser, participant = world
    login(organiser)
    _rekap(client, consultation, format="docx")
    job = _job()
    other = make_user(role=Role.ORGANISER)
    make_consultation(organiser=other)
    db.session.commit()
    for person in (participant, other):
        stranger = login(person, app.test_client())
        response = stranger.get(f"/c/{consultation.id}/exports/{job.id}/download")
        response.close()
        assert response.status_code == 404
        refused = _rekap(stranger, consultation)
        assert refused.status_code in (403, 404)
    assert db.session.scalar(select(func.count(ExportJob.id))) == 1
    word = client.get(f"/c/{consultation.id}/exports/{job.id}/download")
    assert WordDocument(io.BytesIO(word.get_data())).sections[-1].orientation is not None
    word.close()


def test_a_berita_acara_is_issued_when_its_job_is_done_and_a_retry_never_issues_twice(
    client, login, world, fgd_session, app, monkeypatch
):
    consultation, organiser, _ = world
    login(organiser)
    real_issue = document_jobs.issue_document
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return real_issue(*args, **kwargs)

    monkeypatch.setattr(document_jobs, "issue_document", failing_once)
    url = f"/c/{consultation.id}/official-documents/fgd/{fgd_session.id}/berita-acara"
    # The first attempt fails after the file was written: it is queued again for later.
    client.post(url, data={"ba-number": "005/BA/2026", "ba-lang": "id"})
    job = _job()
    assert job.state == JobState.QUEUED and "disk full" in job.error
    assert db.session.scalar(select(func.count(IssuedDocument.id))) == 0
    assert not list(Path(app.config["EXPORT_FOLDER"]).glob(f"{job.id}-*"))  # nothing offered
    assert run_export_job(job.id) == "done"
    issued = db.session.scalars(select(IssuedDocument)).all()
    assert [(i.version, i.number) for i in issued] == [(1, "005/BA/2026")]
    assert issued[0].pdf[:4] == b"%PDF" and issued[0].docx[:2] == b"PK"
    db.session.refresh(job)
    assert job.filters["version"] == 1 and job.download_name == issued[0].filename
    pdf = client.get(f"/c/{consultation.id}/exports/{job.id}/download")
    assert pdf.get_data() == issued[0].pdf
    pdf.close()
    assert run_export_job(job.id) == "skipped"  # run again: nothing more issued
    assert db.session.scalar(select(func.count(IssuedDocument.id))) == 1


def test_a_letter_whose_recipients_are_gone_fails_without_a_file(world, app):
    consultation, organiser, _ = world
    job = document_jobs.submit_document(
        consultation, organiser, "letter", "pdf", {"user_id": 999999}, "en"
    )
    db.session.commit()
    app.config["EXPORT_MAX_ATTEMPTS"] = 1
    assert run_export_job(job.id) == "failed"
    db.session.refresh(job)
    assert job.state == JobState.FAILED and "DocumentGone" in job.error
    assert export_jobs.job_file(job) is None


def test_cancelling_a_queued_document_and_retention_of_a_made_one(client, login, world, app):
    consultation, organiser, _ = world
    queued = document_jobs.submit_document(
        consultation, organiser, "rekapitulasi", "pdf", {"lang": "en"}, "en"
    )
    db.session.commit()
    login(organiser)
    client.post(f"/c/{consultation.id}/exports/{queued.id}/cancel")
    db.session.refresh(queued)
    assert queued.state == JobState.CANCELLED
    assert run_export_job(queued.id) == "skipped"
    _rekap(client, consultation)
    done = _job()
    path = export_jobs.job_file(done)
    assert path is not None and path.is_file()
    assert expire_exports(now=utcnow() + timedelta(days=8)) == 1
    db.session.refresh(done)
    assert done.state == JobState.EXPIRED and not path.exists()


def _running(consultation, organiser, worker: str, attempts=1, beat_ago=5) -> ExportJob:
    job = document_jobs.submit_document(
        consultation, organiser, "rekapitulasi", "pdf", {"lang": "id"}, "en"
    )
    now = utcnow()
    job.state, job.attempts, job.worker = JobState.RUNNING, attempts, worker
    job.started_at = now - timedelta(minutes=1)
    job.heartbeat_at = now - timedelta(seconds=beat_ago)
    db.session.commit()
    return job


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except OSError:
            pass
        pid -= 1


def test_jobs_of_a_dead_worker_on_this_host_are_taken_back_when_a_worker_starts(
    client, login, world, app, monkeypatch
):
    consultation, organiser, _ = world
    host = socket.gethostname()
    enqueued = []
    monkeypatch.setattr(export_jobs, "enqueue_export", enqueued.append)
    dead = _running(consultation, organiser, f"{host}:{_dead_pid()}")
    last_try = _running(consultation, organiser, f"{host}:{_dead_pid()}", attempts=3)
    alive_here = _running(consultation, organiser, f"{host}:{os.getppid()}")
    elsewhere = _running(consultation, organiser, "other-host:1")
    half = Path(export_jobs.export_folder()) / f"{dead.id}-0123456789abcdef.pdf.part"
    half.write_bytes(b"%PDF half")
    # The heartbeats are fresh: only the dead pid shows that these jobs were lost.
    counts = recover_jobs_on_start(started_before=utcnow())
    assert (counts["requeued"], counts["failed"]) == (1, 1), (counts, dead.worker, os.getpid())
    for job in (dead, last_try, alive_here, elsewhere):
        db.session.refresh(job)
    assert dead.state == JobState.QUEUED and dead.id in enqueued and not half.exists()
    assert last_try.state == JobState.FAILED and last_try.error == WORKER_LOST
    assert alive_here.state == elsewhere.state == JobState.RUNNING
    # Claimed after this worker started: its own, never taken back.
    assert recover_jobs_on_start(started_before=utcnow() - timedelta(hours=1)) == {
        "requeued": 0,
        "failed": 0,
        "cancelled": 0,
        "enqueued": 0,
    }
    login(organiser)
    page = client.get(f"/c/{consultation.id}/exports/{last_try.id}").get_data(as_text=True)
    assert "The worker stopped while making this file" in page
    note = db.session.scalar(
        select(Notification).where(Notification.kind == NotificationKind.EXPORT_FAILED)
    )
    with app.test_request_context():
        assert note is not None and "Summary of input" in note.message
