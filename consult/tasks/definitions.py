"""The tasks the worker runs, and the small functions features call to enqueue them.

Each task is idempotent: the outbox row, the reminder log and the export job hold the state,
and every task claims its row before working, so a task run twice (a retry, two workers, the
sweep and the after-commit task together) does the work once.
"""

import logging
import threading

from huey import crontab
from sqlalchemy.exc import IntegrityError

from consult.extensions import db
from consult.tasks import PROCESS_STARTED, _in_app_context, app_periodic_task, app_task, huey

log = logging.getLogger(__name__)


# --- mail -------------------------------------------------------------------------------


@app_task()
def deliver_mail_task(mail_id: int) -> str:
    """Send one mail of the outbox right after the transaction that queued it committed."""
    from consult.mail import deliver_mail

    return deliver_mail(mail_id)


@app_periodic_task(crontab(minute="*"))
def sweep_outbox() -> dict[str, int]:
    """Every minute: send what is due (back-off over, or a task lost with its queue)."""
    from consult.mail import send_queued_mail

    return send_queued_mail()


def enqueue_mail(mail_id: int) -> None:
    """Enqueue the send of one committed mail; if the queue is down, the sweep sends it."""
    try:
        deliver_mail_task(mail_id)
    except Exception:  # the mail is in the outbox either way
        log.warning("Mail %s not enqueued; the outbox sweep will send it", mail_id, exc_info=True)


# --- reminders --------------------------------------------------------------------------


@app_periodic_task(crontab(minute="*/15"))
def send_reminders_task() -> int:
    """Every 15 minutes: window and FGD reminders, each member once (ReminderLog is unique)."""
    from consult.moderation.services import send_reminders

    try:
        sent = send_reminders()
        db.session.commit()
    except IntegrityError:  # another worker sent the same reminders first
        db.session.rollback()
        return 0
    return sent


# --- exports ----------------------------------------------------------------------------


@app_task()
def export_task(job_id: int) -> str:
    """Make one export job's file; a failure is rescheduled with back-off by the job's rules."""
    from huey.exceptions import RetryTask

    from consult.reports.export_jobs import ExportRetry, run_export_job

    try:
        return run_export_job(job_id)
    except ExportRetry as retry:
        raise RetryTask(delay=retry.delay) from None


@app_periodic_task(crontab(minute="*/2"))
def check_export_jobs_task() -> dict[str, int]:
    """Every 2 minutes: take back exports whose worker died, enqueue those nobody took."""
    from consult.reports.export_jobs import check_export_jobs

    return check_export_jobs()


_recovered = threading.Lock()
_recovery_done = False


@huey.on_startup()
def recover_jobs_at_start() -> None:
    """Once per worker process, as its first worker thread starts: take back the jobs that a
    dead worker process of this host left running (no waiting for their heartbeat to stop)."""
    global _recovery_done
    with _recovered:
        if _recovery_done or huey.immediate:
            return
        _recovery_done = True
        counts = _in_app_context(_recover)()
        log.info("Jobs taken back at the worker's start: %s", counts)


def _recover() -> dict[str, int]:
    from consult.reports.export_jobs import recover_jobs_on_start

    return recover_jobs_on_start(started_before=PROCESS_STARTED)


@app_periodic_task(crontab(minute="7"))
def expire_exports_task() -> int:
    """Hourly: delete export files past EXPORT_RETENTION_DAYS."""
    from consult.reports.export_jobs import expire_exports

    return expire_exports()


def queue_status() -> dict[str, int]:
    """What an operator watches (flask queue-status): the queue's length, what failed,
    what runs. Needs an application context."""
    from datetime import timedelta

    from flask import current_app
    from sqlalchemy import func, select

    from consult.mail import MailStatus, OutboxMail
    from consult.reports.models import ExportJob, JobState
    from consult.tasks import huey
    from consult.timeutil import utcnow

    def count(model, column, value) -> int:
        return db.session.scalar(select(func.count(model.id)).where(column == value))

    return {
        "pending": huey.pending_count(),
        "scheduled": huey.scheduled_count(),
        "mails_queued": count(OutboxMail, OutboxMail.status, MailStatus.QUEUED),
        "mails_failed": count(OutboxMail, OutboxMail.status, MailStatus.FAILED),
        "jobs_queued": count(ExportJob, ExportJob.state, JobState.QUEUED),
        "jobs_running": count(ExportJob, ExportJob.state, JobState.RUNNING),
        "jobs_failed": count(ExportJob, ExportJob.state, JobState.FAILED),
        # Running with a heartbeat older than EXPORT_STALL_SECONDS: a worker died or hangs.
        "jobs_stalled": db.session.scalar(
            select(func.count(ExportJob.id)).where(
                ExportJob.state == JobState.RUNNING,
                ExportJob.heartbeat_at
                < utcnow() - timedelta(seconds=current_app.config["EXPORT_STALL_SECONDS"]),
            )
        ),
    }
