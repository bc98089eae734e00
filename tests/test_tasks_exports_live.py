"""Exports through a real worker: under gunicorn the requests leave no file in the temp
folder (issue 13), the files are kept in EXPORT_FOLDER until they expire, and a job left
running by a worker that died is taken again by the next worker and completes."""

import json
import os
import socket
import subprocess  # nosec B404
import sys
import zipfile
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, build_opener

import pytest
from sqlalchemy import select

from consult.auth.models import Role
from consult.extensions import db
from consult.reports import export_jobs
from consult.reports.export_jobs import (
    check_export_jobs,
    enqueue_export,
    expire_exports,
    submit_export,
)
from consult.reports.exports import ExportFilters
from consult.reports.forms import EXPORT_FORMATS
from consult.reports.models import ExportJob, JobState
from consult.timeutil import utcnow
from tests.queue_worker import ROOT, start_worker, use_storage, wait_for

PASSWORD = "kata-sandi-panjang-1"  # nosec B105 - a test account's password


def _free_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return free.getsockname()[1]


@pytest.fixture
def folders(tmp_path, app):
    made = {name: tmp_path / name for name in ("tmp", "exports", "queue")}
    for path in made.values():
        path.mkdir()
    app.config["EXPORT_FOLDER"] = str(made["exports"])
    return made


def test_exports_under_gunicorn_leave_nothing_in_the_temp_folder(
    app, database_url, make_user, make_consultation, folders, tmp_path
):
    organiser = make_user(role=Role.ORGANISER, password=PASSWORD)
    consultation = make_consultation(organiser=organiser)
    storage = folders["queue"] / "huey.sqlite"
    env = {"TMPDIR": folders["tmp"], "EXPORT_FOLDER": folders["exports"]}
    port = _free_port()
    server_env = {
        **os.environ,
        "REMBUK_CONFIG": "testing",
        "TEST_DATABASE_URL": database_url,
        "HUEY_IMMEDIATE": "0",
        "HUEY_SQLITE_PATH": str(storage),
        "HUEY_REDIS_URL": "",
        **{key: str(value) for key, value in env.items()},
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with (
        start_worker(database_url, storage, tmp_path / "worker.log", **env),
        open(tmp_path / "gunicorn.log", "wb") as log,
    ):
        server = subprocess.Popen(  # nosec B603
            [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=server_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            browser = build_opener(HTTPCookieProcessor(CookieJar()))

            def up():
                with socket.socket() as probe:
                    return probe.connect_ex(("127.0.0.1", port)) == 0

            assert wait_for(up, timeout=30), (tmp_path / "gunicorn.log").read_text()
            login = urlencode({"email": organiser.email, "password": PASSWORD}).encode()
            browser.open(f"{base}/login", data=login, timeout=30).read()
            sizes = []
            for fmt in EXPORT_FORMATS:
                # What a browser sends: every select, the filters left at "All".
                fields = {"format": fmt, "phase": "", "group": "", "status": "", "section": ""}
                form = urlencode(fields).encode()
                job_page = browser.open(f"{base}/c/{consultation.id}/export", data=form, timeout=30)
                job_url = job_page.geturl()
                job_page.read()
                assert "/exports/" in job_url, job_url

                def finished(url=job_url):
                    status = json.loads(browser.open(f"{url}/status", timeout=30).read())
                    return status if status["finished"] else None

                status = wait_for(finished, timeout=90, interval=0.5)
                assert status and status["state"] == "done", (
                    status,
                    (tmp_path / "worker.log").read_text()[-3000:],
                )
                sizes.append(len(browser.open(f"{job_url}/download", timeout=30).read()))
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert all(size > 100 for size in sizes)
    assert sorted(os.listdir(folders["tmp"])) == []
    kept = sorted(os.listdir(folders["exports"]))
    assert len(kept) == len(EXPORT_FORMATS) and not [
        name for name in kept if name.endswith(".part")
    ]
    # After the retention period the worker's periodic task deletes them.
    assert expire_exports(now=utcnow() + timedelta(days=8)) == len(EXPORT_FORMATS)
    assert os.listdir(folders["exports"]) == []


def test_a_job_left_running_by_a_dead_worker_completes_on_the_next_worker(
    app, database_url, make_user, make_consultation, folders, tmp_path
):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    job = submit_export(consultation, organiser, "csv", ExportFilters(), "en")
    # What a worker killed mid-export leaves: a running job, no heartbeat, half a file.
    job.state, job.attempts = JobState.RUNNING, 1
    job.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    half = folders["exports"] / f"{job.id}-0123456789abcdef.zip.part"
    half.write_bytes(b"PK half")
    storage = folders["queue"] / "huey.sqlite"
    env = {"EXPORT_FOLDER": folders["exports"], "TMPDIR": folders["tmp"]}
    with (
        use_storage(storage),
        start_worker(database_url, storage, tmp_path / "worker.log", **env),
    ):
        # The periodic check (every 2 minutes on the worker) run here at once.
        assert check_export_jobs()["requeued"] == 1
        job_id = job.id

        def done():
            db.session.rollback()
            return db.session.scalar(select(ExportJob.state).where(ExportJob.id == job_id)) in (
                JobState.DONE,
                JobState.FAILED,
            )

        assert wait_for(done, timeout=60), (tmp_path / "worker.log").read_text()[-3000:]
    db.session.refresh(job)
    assert (job.state, job.attempts) == (JobState.DONE, 2)
    assert not half.exists()
    assert zipfile.ZipFile(folders["exports"] / job.stored_name).namelist()


@pytest.mark.parametrize("attempts_allowed", [3, 1])
def test_a_worker_killed_mid_job_leaves_nothing_offered_and_the_next_worker_recovers(
    app, database_url, make_user, make_consultation, folders, tmp_path, attempts_allowed
):
    """SIGKILL a real worker while it writes: the half-written file is never offered; the
    next worker to start takes the job back at once (no waiting for the heartbeat to go
    stale) and completes it, or marks it failed when it had no attempt left."""
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    job = ExportJob(
        consultation_id=consultation.id,
        requested_by_id=organiser.id,
        kind="test_slow",
        format="txt",
        filters={"steps": 80, "pause": 0.1},
        locale="en",
    )
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    storage = folders["queue"] / "huey.sqlite"
    env = {
        "EXPORT_FOLDER": folders["exports"],
        "TMPDIR": folders["tmp"],
        "EXPORT_MAX_ATTEMPTS": attempts_allowed,
        "EXPORT_STALL_SECONDS": 3600,  # recovery must not depend on the heartbeat
    }

    def state():
        db.session.rollback()
        return db.session.execute(
            select(ExportJob.state, ExportJob.progress_done).where(ExportJob.id == job_id)
        ).one()

    with use_storage(storage):
        with start_worker(
            database_url, storage, tmp_path / "first.log", module="tests.slow_jobs.huey", **env
        ) as worker:
            enqueue_export(job_id)
            started = wait_for(lambda: state()[1] >= 2, timeout=60)
            assert started, (tmp_path / "first.log").read_text()[-3000:]
            worker.kill()  # SIGKILL: no clean-up of any kind
            worker.wait(timeout=10)
        assert state() == (JobState.RUNNING, state()[1])
        assert list(folders["exports"].glob(f"{job_id}-*.part"))  # the half-written file
        db.session.refresh(job)
        assert export_jobs.job_file(job) is None  # ... is never offered
        with start_worker(
            database_url, storage, tmp_path / "second.log", module="tests.slow_jobs.huey", **env
        ):
            finished = wait_for(lambda: state()[0] in (JobState.DONE, JobState.FAILED), 90)
            assert finished, (tmp_path / "second.log").read_text()[-3000:]
    db.session.refresh(job)
    assert not list(folders["exports"].glob("*.part"))
    if attempts_allowed > 1:
        assert (job.state, job.attempts) == (JobState.DONE, 2)
        lines = (folders["exports"] / job.stored_name).read_bytes().splitlines()
        assert len(lines) == 80 and lines[-1] == b"line 79"
    else:
        assert (job.state, job.error) == (JobState.FAILED, export_jobs.WORKER_LOST)
        assert export_jobs.job_file(job) is None and not job.stored_name
