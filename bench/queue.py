"""The task queue in `make bench`: exports made by a real worker, and the strategy page's
latency while a large export runs on the worker compared with at rest.

For each format: a fresh `huey_consumer` (one worker thread), the export asked for through
the form under gunicorn like an organiser does, its job page polled until it is done; the time
is the job's (asked for -> file ready, as the organiser waits), the memory the worker
process's peak (VmHWM). Then the strategy page is driven by wrk at rest and again while an
XLSX export of the same data runs on a worker (on the same machine, as with `make run` or a
one-host installation).
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.common import bench_app, fresh_schema
from bench.generate import generate

ROOT = Path(__file__).resolve().parent.parent
JOB_PATH = re.compile(r"/c/\d+/exports/(\d+)$")
FORMATS = ["xlsx", "csv", "json"]  # the export form's formats (DOCX is an official document)


def _peak_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        return None
    return None


class Worker:
    """huey_consumer against the benchmark database, on its own SQLite queue."""

    def __init__(self, env: dict[str, str], log: Path):
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "huey_consumer"),
                "consult.tasks.huey",
                "--workers",
                "1",
                "--worker-type",
                "thread",
                "--delay",
                "0.1",
                "--max-delay",
                "0.5",
                "--no-periodic",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def peak_mb(self) -> float | None:
        return _peak_mb(self.process.pid)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def submit(server, cookie: str, consultation_id: int, fmt: str) -> int:
    """Ask for an export through the form; returns the job id."""
    from bench.run import CSRF_FIELD

    response, body = server.request("GET", f"/c/{consultation_id}/export", cookie)
    token = CSRF_FIELD.search(body.decode()).group(1)
    response, _body = server.request(
        "POST", f"/c/{consultation_id}/export", cookie, format=fmt, csrf_token=token
    )
    location = response.getheader("Location") or ""
    match = JOB_PATH.search(location)
    if response.status != 302 or not match:
        raise RuntimeError(f"export not submitted: {response.status} {location}")
    return int(match.group(1))


def status(server, cookie: str, consultation_id: int, job_id: int) -> dict:
    _response, body = server.request("GET", f"/c/{consultation_id}/exports/{job_id}/status", cookie)
    return json.loads(body)


def wait_done(server, cookie, consultation_id, job_id, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = status(server, cookie, consultation_id, job_id)
        if job["finished"]:
            return job
        time.sleep(0.25)
    return {"state": "timeout"}


def _accept_privacy_notice(*emails: str) -> None:
    """The two signed-in accounts accept the privacy notice, as people do before they use the
    consultation (otherwise every page redirects to the notice)."""
    from sqlalchemy import select

    from consult.auth.models import User
    from consult.extensions import db
    from consult.privacy.demo import accept_notice_for_demo

    users = db.session.scalars(select(User).where(User.email.in_(emails))).all()
    accept_notice_for_demo({user.email: user for user in users})
    db.session.commit()


def bench_queue(database_url: str, scale: float, seconds: int, workers: int) -> dict:
    """Exports through the queue at `scale`, and the strategy page at rest and during one."""
    from bench.run import RESULTS, SECRET, WARM_UP_SECONDS, Server, run_wrk

    app = bench_app(database_url, SECRET_KEY=SECRET)
    with app.app_context():
        fresh_schema()
        info = generate(scale)
        _accept_privacy_notice(info["organiser_email"], info["participant_email"])
    cid, heavy = info["consultation_id"], info["heavy_strategy_id"]
    queue_dir = RESULTS / "queue"
    queue_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "HUEY_SQLITE_PATH": str(queue_dir / "huey.sqlite"),
        "HUEY_REDIS_URL": "",
        "EXPORT_FOLDER": str(queue_dir / "exports"),
    }
    results = {"scale": scale, "comments": info["comments"], "exports": [], "latency": {}}
    server = Server(
        database_url,
        workers,
        **{k: env[k] for k in ("HUEY_SQLITE_PATH", "HUEY_REDIS_URL", "EXPORT_FOLDER")},
    )
    try:
        organiser = server.login(info["organiser_email"], info["password"])
        participant = server.login(info["participant_email"], info["password"])
        for fmt in FORMATS:
            worker = Worker(env, queue_dir / "worker.log")
            try:
                started = time.monotonic()
                job_id = submit(server, organiser, cid, fmt)
                job = wait_done(server, organiser, cid, job_id, timeout=900)
                row = {
                    "format": fmt,
                    "state": job["state"],
                    "seconds": round(time.monotonic() - started, 1),
                    "worker_peak_mb": worker.peak_mb(),
                }
            finally:
                worker.stop()
            results["exports"].append(row)
            print("queue export", row, flush=True)
        strategy = f"/c/{cid}/strategies/{heavy}"
        server.get(strategy, participant)
        run_wrk(server.port, strategy, participant, WARM_UP_SECONDS, 2)  # every worker warm
        results["latency"]["at rest"] = run_wrk(server.port, strategy, participant, seconds, 2)
        worker = Worker(env, queue_dir / "worker.log")
        try:
            job_id = submit(server, organiser, cid, "xlsx")
            time.sleep(1)  # the worker has taken it
            during = run_wrk(server.port, strategy, participant, seconds, 2)
            job = status(server, organiser, cid, job_id)
            during["export_still_running"] = not job["finished"]
            during["export_percent_at_end"] = job["percent"]
            results["latency"]["during an XLSX export"] = during
            wait_done(server, organiser, cid, job_id, timeout=900)
        finally:
            worker.stop()
        print("queue latency", results["latency"], flush=True)
    finally:
        server.stop()
    return results
