"""The tasks the worker runs, and the small functions features call to enqueue them.

Each task is idempotent: the outbox row, the reminder log and the export job hold the state,
and every task claims its row before working, so a task run twice (a retry, two workers, the
sweep and the after-commit task together) does the work once.
"""

import logging

from huey import crontab
from sqlalchemy.exc import IntegrityError

from consult.extensions import db
from consult.tasks import app_periodic_task, app_task

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


@app_periodic_task(crontab(minute="7"))
def expire_exports_task() -> int:
    """Hourly: delete export files past EXPORT_RETENTION_DAYS."""
    from consult.reports.export_jobs import expire_exports

    return expire_exports()


def queue_status() -> dict[str, int]:
    """What an operator watches (flask queue-status): the queue's length, what failed,
    what runs. Needs an application context."""
    from sqlalchemy import func, select

    from consult.mail import MailStatus, OutboxMail
    from consult.reports.models import ExportJob, JobState
    from consult.tasks import huey

    def count(model, column, value) -> int:
        return db.session.scalar(select(func.count(model.id)).where(column == value))

    return {
        "pending": huey.pending_count(),
        "scheduled": huey.scheduled_count(),
        "mails_queued": count(OutboxMail, OutboxMail.status, MailStatus.QUEUED),
        "mails_failed": count(OutboxMail, OutboxMail.status, MailStatus.FAILED),
        "exports_queued": count(ExportJob, ExportJob.state, JobState.QUEUED),
        "exports_running": count(ExportJob, ExportJob.state, JobState.RUNNING),
        "exports_failed": count(ExportJob, ExportJob.state, JobState.FAILED),
    }
