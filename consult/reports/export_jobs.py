"""Exports and official documents as jobs: asked for in a request, made by the task worker,
kept for a while.

A job has a kind: "export" (the writers of consult/reports/exports), a document kind that
consult/documents/jobs.py registers with `register_kind` (so this module never imports the
documents feature), or "import", the plan import of import_jobs.py, whose "file" is the
outline read from an upload, shown as a preview rather than downloaded. Each kind's writer
writes the file and returns a `JobOutput`: the file's download name and, optionally, what to
record when the job is done (an issued berita acara), in the same transaction that marks the
job done.

- `submit_export` records the job (and the audit event "export"); the view commits, then
  `enqueue_export` hands it to the worker.
- `run_export_job` (the task) claims the job (UPDATE ... WHERE state = queued), writes the
  file to a temporary name in EXPORT_FOLDER with a progress callback that stores done/total
  and a heartbeat through its own connection and stops when the job is cancelled, then renames
  it into place: a half-written file is never offered. A failure is retried with back-off
  (EXPORT_MAX_ATTEMPTS), then the job shows as failed. The requester is notified either way.
- `check_export_jobs` (periodic): a running job whose heartbeat stopped (the worker died) is
  queued again or marked failed after its last attempt; a queued job nobody took is enqueued
  again. `recover_jobs_on_start` does the same at once when a worker process starts, for jobs
  of a worker process on this host that no longer runs. `expire_exports` (periodic) deletes
  files past EXPORT_RETENTION_DAYS.
- A writer raises `JobRefused` for what no retry mends: the job fails at once. Whenever a job
  ends, however it ends, its kind's `on_end` runs (the import deletes its upload there).
Every function is safe to run twice.
"""

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from consult.audit import record
from consult.auth.models import User
from consult.extensions import db
from consult.feedback.models import CommentStatus
from consult.notifications import NotificationKind, notify
from consult.plans.models import Consultation, Phase
from consult.reports.models import ExportJob, JobState
from consult.timeutil import utcnow

log = logging.getLogger(__name__)

ACTIVE = (JobState.QUEUED, JobState.RUNNING)
EXPORT = "export"
# The reason stored when a job's worker died; shown translated (export_views.failure_reason).
WORKER_LOST = "worker stopped during the job"
# This process, as stored on the jobs it claims (recover_jobs_on_start).
WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"[:120]


@dataclass
class JobOutput:
    """What a writer made: the file's name for the download, and what to record in the
    transaction that marks the job done (`on_done(job, path)`; flushes, never commits)."""

    download_name: str
    on_done: Callable[[ExportJob, Path], None] | None = None


@dataclass
class JobKind:
    """A kind of job: its writer `writer(job, consultation, out_file, progress) -> JobOutput`
    and its name for people (a lazy string).

    Optionally: `on_end(job)`, called once the job has ended in any way (done, failed,
    cancelled, taken back for good) to remove what it worked from (the plan import's upload);
    `result_endpoint`, a page that shows the finished file instead of downloading it (the
    endpoint takes consultation_id and job_id); `failures`, the reasons a writer may refuse
    with (`JobRefused`) and their messages; `notify`, whether the requester is notified;
    `sweep()`, run with expire_exports to remove leftovers of jobs that never ran."""

    writer: Callable[..., JobOutput]
    label: Any
    suffix: Callable[[str], str] = field(default=lambda fmt: f".{fmt}")
    on_end: Callable[[ExportJob], None] | None = None
    result_endpoint: str = ""
    failures: dict[str, Any] = field(default_factory=dict)
    notify: bool = True
    sweep: Callable[[], int] | None = None


KINDS: dict[str, JobKind] = {}


def register_kind(name: str, kind: JobKind) -> None:
    KINDS[name] = kind


class ExportCancelled(Exception):
    """Raised inside the writer when the organiser cancelled the job."""


class JobRefused(Exception):
    """Raised by a writer for a failure no retry can mend (a document that cannot be read):
    the job fails at once, its error the `reason` (a key of its kind's `failures`)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ExportRetry(Exception):
    """The job failed and was queued again; the task reschedules it after `delay` seconds."""

    def __init__(self, delay: int):
        super().__init__(delay)
        self.delay = delay


# --- configuration and files ------------------------------------------------------------


def export_folder() -> Path:
    folder = Path(current_app.config["EXPORT_FOLDER"])
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def job_file(job: ExportJob) -> Path | None:
    """The finished file of a job, if it is done and still kept."""
    if job.state != JobState.DONE or not job.stored_name:
        return None
    path = export_folder() / job.stored_name
    return path if path.is_file() else None


def filters_from_dict(values: dict[str, Any]):
    from consult.reports.exports import ExportFilters

    return ExportFilters(
        phase=Phase(values["phase"]) if values.get("phase") else None,
        group_id=values.get("group_id"),
        status=CommentStatus(values["status"]) if values.get("status") else None,
        section_id=values.get("section_id"),
        anonymise=bool(values.get("anonymise")),
    )


# --- asking, cancelling -----------------------------------------------------------------


def submit_export(
    consultation: Consultation, actor: User, fmt: str, filters, locale: str
) -> ExportJob:
    """Record an export job for the worker and audit the request; flushes."""
    job = ExportJob(
        consultation_id=consultation.id,
        requested_by_id=actor.id,
        format=fmt,
        filters=filters.as_dict(),
        locale=locale,
    )
    db.session.add(job)
    db.session.flush()
    record(
        "export",
        actor,
        consultation,
        consultation_id=consultation.id,
        format=fmt,
        filters=filters.as_dict(),
        job_id=job.id,
    )
    return job


def enqueue_export(job_id: int, delay: int | None = None) -> None:
    """Hand a committed job to the worker; if the queue is down, check_export_jobs will."""
    from consult.tasks.definitions import export_task

    try:
        if delay:
            export_task.schedule((job_id,), delay=delay)
        else:
            export_task(job_id)
    except Exception:  # the job stays queued in the database either way
        log.warning("Export job %s not enqueued; the periodic check will", job_id, exc_info=True)


def cancel_export(job: ExportJob, actor: User) -> bool:
    """Cancel a queued job at once, ask a running one to stop; False when already finished."""
    if job.state == JobState.QUEUED:
        job.state, job.finished_at = JobState.CANCELLED, utcnow()
        _ended(job)
    elif job.state == JobState.RUNNING:
        job.cancel_requested = True
    else:
        return False
    record("export.cancel", actor, job, consultation_id=job.consultation_id)
    db.session.flush()
    return True


def record_download(job: ExportJob, actor: User) -> None:
    record(
        "export.download",
        actor,
        job,
        consultation_id=job.consultation_id,
        kind=job.kind,
        format=job.format,
        filters=job.filters,
    )
    db.session.flush()


def jobs_of(consultation: Consultation, page: int, per_page: int):
    """One page of the consultation's export jobs, newest first, with who asked."""
    query = (
        select(ExportJob)
        .where(ExportJob.consultation_id == consultation.id)
        .options(selectinload(ExportJob.requested_by))
        .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


# --- running ----------------------------------------------------------------------------


def _claim(job_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(ExportJob)
        .where(
            ExportJob.id == job_id,
            ExportJob.state == JobState.QUEUED,
            ExportJob.cancel_requested.is_(False),
        )
        .values(
            state=JobState.RUNNING,
            attempts=ExportJob.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            progress_done=0,
            stage="",
            error="",
            worker=WORKER_ID,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


@dataclass
class Progress:
    """The writer's `progress(done, total)`: stores it (at most every `interval` seconds)
    with a heartbeat, through a connection of its own, and stops a cancelled job."""

    job_id: int
    interval: float = 1.0
    _last: float = 0.0

    def __call__(self, done: int, total: int, stage: str = "") -> None:
        now = time.monotonic()
        if not stage and done < total and now - self._last < self.interval:
            return
        self._last = now
        values = {"progress_done": done, "progress_total": total, "heartbeat_at": utcnow()}
        if stage:
            values["stage"] = stage
        with db.engine.begin() as connection:
            connection.execute(
                update(ExportJob).where(ExportJob.id == self.job_id).values(**values)
            )
            cancelled = connection.scalar(
                select(ExportJob.cancel_requested).where(ExportJob.id == self.job_id)
            )
        if cancelled:
            raise ExportCancelled()


def write_export(fmt: str, consultation: Consultation, filters, out_file, progress) -> None:
    """Write one export to `out_file`, telling `progress(done, total)` as it goes."""
    from consult.reports.exports import WRITERS

    WRITERS[fmt](consultation, filters, out_file, progress)


def _export_writer(job: ExportJob, consultation: Consultation, out_file, progress) -> JobOutput:
    from consult.reports.exports import export_filename

    filters = filters_from_dict(job.filters)
    write_export(job.format, consultation, filters, out_file, progress)
    return JobOutput(export_filename(job.format, consultation, filters))


def _export_suffix(fmt: str) -> str:
    from consult.reports.exports import SUFFIX

    return SUFFIX[fmt]


def _export_label():
    from flask_babel import lazy_gettext

    return lazy_gettext("Export")


register_kind(EXPORT, JobKind(_export_writer, _export_label(), _export_suffix))


def _ended(job: ExportJob) -> None:
    """The kind's `on_end(job)`, once the job has ended; a failure there is logged, never
    raised (the job's state is what matters to the organiser)."""
    kind = KINDS.get(job.kind)
    if kind is None or kind.on_end is None:
        return
    try:
        kind.on_end(job)
    except Exception:
        log.exception("Job %s: clean-up after its end failed", job.id)


def kind_label(job: ExportJob) -> str:
    """ "Rekapitulasi masukan", "Export" ... in the current language."""
    kind = KINDS.get(job.kind)
    return str(kind.label) if kind else job.kind


class Heartbeat:
    """Raises the job's heartbeat every `every` seconds while the writer works, whatever the
    writer's progress granularity; it stops when the worker dies, which is how a lost job is
    recognised (check_export_jobs)."""

    def __init__(self, job_id: int, every: float):
        self.job_id, self.every = job_id, every
        self.engine = db.engine
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"export-{job_id}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with self.engine.begin() as connection:
                    connection.execute(
                        update(ExportJob.__table__)
                        .where(ExportJob.__table__.c.id == self.job_id)
                        .values(heartbeat_at=utcnow())
                    )
            except Exception:  # a missed beat is no reason to stop the export
                log.warning("Export job %s: heartbeat not stored", self.job_id, exc_info=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _write(job: ExportJob, consultation: Consultation, temp: Path, progress: Progress):
    # The writers speak the request's language (the default one outside a request): a bare
    # request context with the organiser's language, as when exports ran in their request.
    with (
        current_app.test_request_context("/"),
        force_locale(job.locale),
        open(temp, "wb") as out_file,
    ):
        output = KINDS[job.kind].writer(job, consultation, out_file, progress)
        out_file.flush()
        os.fsync(out_file.fileno())
    return output


def run_export_job(job_id: int, now: datetime | None = None) -> str:
    """Make the export of a queued job (the worker's task); commits. Returns its new state.

    "skipped" when the job is not queued (done, cancelled, taken by another worker).
    Raises ExportRetry when it failed and was queued again for a later attempt.
    """
    if not _claim(job_id, now or utcnow()):
        return "skipped"
    job = db.session.get(ExportJob, job_id, populate_existing=True)
    consultation = db.session.get(Consultation, job.consultation_id)
    if job.kind not in KINDS:  # a kind this worker does not know: never retried
        return _finish(job, JobState.FAILED, f"unknown job kind {job.kind!r}")
    stored_name = f"{job.id}-{secrets.token_hex(12)}{KINDS[job.kind].suffix(job.format)}"
    final = export_folder() / stored_name
    temp = final.with_name(final.name + ".part")
    beat = current_app.config["EXPORT_STALL_SECONDS"] / 6
    try:
        with Heartbeat(job.id, every=beat):
            output = _write(job, consultation, temp, Progress(job.id))
        os.replace(temp, final)  # atomic: the file appears whole or not at all
        return _done(job, final, output)
    except ExportCancelled:
        temp.unlink(missing_ok=True)
        return _finish(job, JobState.CANCELLED)
    except JobRefused as refused:
        temp.unlink(missing_ok=True)
        log.info("Job %s refused: %s", job.id, refused.reason)
        return _finish(job, JobState.FAILED, refused.reason, tell=True)
    except Exception as error:
        temp.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        log.exception("Export job %s failed (attempt %s)", job.id, job.attempts)
        return _failed(job, f"{type(error).__name__}: {error}"[:500])


def _finish(job: ExportJob, state: JobState, error: str = "", tell: bool = False) -> str:
    db.session.rollback()
    job = db.session.get(ExportJob, job.id, populate_existing=True)
    job.state, job.finished_at, job.error = state, utcnow(), error
    if tell:
        _tell(job, NotificationKind.EXPORT_FAILED)
    db.session.commit()
    _ended(job)
    return state.value


def _failed(job: ExportJob, error: str) -> str:
    db.session.rollback()
    job = db.session.get(ExportJob, job.id, populate_existing=True)
    if job.attempts < current_app.config["EXPORT_MAX_ATTEMPTS"] and not job.cancel_requested:
        job.state, job.error = JobState.QUEUED, error
        db.session.commit()
        raise ExportRetry(delay=30 * 2 ** (job.attempts - 1))
    job.state, job.finished_at, job.error = JobState.FAILED, utcnow(), error
    _tell(job, NotificationKind.EXPORT_FAILED)
    db.session.commit()
    _ended(job)
    return JobState.FAILED.value


def _done(job: ExportJob, final: Path, output: JobOutput) -> str:
    db.session.rollback()
    job = db.session.get(ExportJob, job.id, populate_existing=True)
    if job.state != JobState.RUNNING or job.cancel_requested:
        # Cancelled at the last moment, or taken back by the stall check: not offered.
        final.unlink(missing_ok=True)
        if job.state == JobState.RUNNING:
            job.state, job.finished_at = JobState.CANCELLED, utcnow()
        db.session.commit()
        if job.finished:
            _ended(job)
        return job.state.value
    now = utcnow()
    job.state, job.finished_at, job.stored_name = JobState.DONE, now, final.name
    job.file_size = final.stat().st_size
    job.progress_done = max(job.progress_done, job.progress_total)
    job.download_name = output.download_name[:200]
    if output.on_done is not None:
        with current_app.test_request_context("/"), force_locale(job.locale):
            output.on_done(job, final)
    job.expires_at = now + timedelta(days=current_app.config["EXPORT_RETENTION_DAYS"])
    _tell(job, NotificationKind.EXPORT_READY)
    db.session.commit()
    _ended(job)
    return JobState.DONE.value


def _tell(job: ExportJob, kind: NotificationKind) -> None:
    requester = db.session.get(User, job.requested_by_id) if job.requested_by_id else None
    if requester is None or (job.kind in KINDS and not KINDS[job.kind].notify):
        return
    consultation = db.session.get(Consultation, job.consultation_id)
    with current_app.test_request_context("/"), force_locale(job.locale):
        link = url_for("reports.export_job", consultation_id=job.consultation_id, job_id=job.id)
        what = job.format.upper()
        if job.kind != EXPORT:
            what = f"{kind_label(job)}, {what}"
    notify(requester, kind, link=link, consultation=consultation.title, format=what)


# --- periodic upkeep --------------------------------------------------------------------


def check_export_jobs(now: datetime | None = None) -> dict[str, int]:
    """Take back jobs whose worker died and enqueue queued jobs nobody took; commits."""
    now = now or utcnow()
    config = current_app.config
    stalled_before = now - timedelta(seconds=config["EXPORT_STALL_SECONDS"])
    counts = {"requeued": 0, "failed": 0, "cancelled": 0, "enqueued": 0}
    stalled = db.session.scalars(
        select(ExportJob).where(
            ExportJob.state == JobState.RUNNING, ExportJob.heartbeat_at < stalled_before
        )
    ).all()
    return _take_back(stalled, now, counts, stalled_before)


def _take_back(stalled, now: datetime, counts: dict, stalled_before: datetime) -> dict:
    config = current_app.config
    for job in stalled:
        for leftover in export_folder().glob(f"{job.id}-*.part"):
            leftover.unlink(missing_ok=True)
        if job.cancel_requested:
            job.state, job.finished_at = JobState.CANCELLED, now
            counts["cancelled"] += 1
        elif job.attempts < config["EXPORT_MAX_ATTEMPTS"]:
            job.state, job.error = JobState.QUEUED, WORKER_LOST
            counts["requeued"] += 1
        else:
            job.state, job.finished_at = JobState.FAILED, now
            job.error = WORKER_LOST
            _tell(job, NotificationKind.EXPORT_FAILED)
            counts["failed"] += 1
    waiting = db.session.scalars(
        select(ExportJob.id).where(
            ExportJob.state == JobState.QUEUED, ExportJob.created_at < stalled_before
        )
    ).all()
    db.session.commit()
    for job in stalled:
        if job.finished:
            _ended(job)
    for job_id in {*waiting, *(job.id for job in stalled if job.state == JobState.QUEUED)}:
        enqueue_export(job_id)
        counts["enqueued"] += 1
    return counts


def _dead_here(worker: str) -> bool:
    """Whether `worker` ("host:pid") was a process on this host that no longer runs (or whose
    pid this very process now has: it started after the job was claimed)."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists (another user's process): not ours to judge
        return False
    return False


def recover_jobs_on_start(started_before: datetime, now: datetime | None = None) -> dict:
    """When a worker process starts: jobs left running by a worker process of this host that
    died (claimed before `started_before`, this process's start) are queued again, or failed
    after their last attempt, at once; jobs of other hosts wait for their heartbeat to go
    stale (check_export_jobs). Half-written files are removed. Commits."""
    now = now or utcnow()
    counts = {"requeued": 0, "failed": 0, "cancelled": 0, "enqueued": 0}
    running = db.session.scalars(
        select(ExportJob).where(
            ExportJob.state == JobState.RUNNING, ExportJob.started_at < started_before
        )
    ).all()
    lost = [job for job in running if _dead_here(job.worker)]
    stale = now - timedelta(seconds=current_app.config["EXPORT_STALL_SECONDS"])
    return _take_back(lost, now, counts, stale)


def expire_exports(now: datetime | None = None) -> int:
    """Delete the files of exports past their retention period; commits. Returns how many."""
    now = now or utcnow()
    expired = db.session.scalars(
        select(ExportJob).where(ExportJob.state == JobState.DONE, ExportJob.expires_at <= now)
    ).all()
    folder = export_folder()
    for job in expired:
        if job.stored_name:
            (folder / job.stored_name).unlink(missing_ok=True)
        job.state, job.stored_name = JobState.EXPIRED, ""
    # Temporary files of writers killed long ago (their jobs were taken back meanwhile).
    day_ago = time.time() - 86400
    for leftover in folder.glob("*.part"):
        with suppress(OSError):
            if leftover.stat().st_mtime < day_ago:
                leftover.unlink()
    db.session.commit()
    for kind in list(KINDS.values()):
        if kind.sweep is not None:
            kind.sweep()
    return len(expired)


def active_count(consultation: Consultation) -> int:
    return db.session.scalar(
        select(func.count(ExportJob.id)).where(
            ExportJob.consultation_id == consultation.id, ExportJob.state.in_(ACTIVE)
        )
    )
