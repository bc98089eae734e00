"""The task queue: mail sent after commit (exactly once), never for a rolled-back change,
retried with back-off then failed; a real worker sends; reminders as a periodic task;
`make run`'s script stops the web server and the worker together."""

import os
import signal
import smtplib
import socket
import subprocess  # nosec B404
from pathlib import Path

import pytest
from huey import signals
from sqlalchemy import func, select

from consult.extensions import db
from consult.mail import MailStatus, OutboxMail, queue_mail
from consult.tasks import huey
from consult.tasks.definitions import deliver_mail_task, send_reminders_task, sweep_outbox
from tests.queue_worker import start_worker, use_storage, wait_for

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def enqueued():
    """Names of the tasks enqueued during the test."""
    names = []

    def handler(signal_name, task, *args):
        names.append(task.name)

    huey.signal(signals.SIGNAL_ENQUEUED)(handler)
    yield names
    huey.disconnect_signal(handler, signals.SIGNAL_ENQUEUED)


class CountingSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, *args):
        pass

    def send_message(self, message):
        CountingSMTP.sent.append(message)


def _queue(user):
    return queue_mail(
        user, "test", "Subject", "mail/notification_reply.txt", author="A", target="B"
    )


def test_a_rolled_back_change_leaves_no_mail_and_enqueues_nothing(app, make_user, enqueued):
    user = make_user()
    enqueued.clear()
    _queue(user)
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0
    assert enqueued == []


def test_a_committed_change_enqueues_exactly_one_send_per_mail(app, make_user, enqueued):
    user = make_user()
    enqueued.clear()
    mail = _queue(user)
    db.session.commit()
    db.session.commit()  # a later commit with nothing new enqueues nothing more
    assert enqueued == ["deliver_mail_task"]
    db.session.refresh(mail)
    assert mail.status == MailStatus.LOGGED  # no SMTP in tests: written to the log


def test_a_mail_is_sent_once_even_if_its_task_runs_twice(app, make_user, monkeypatch):
    app.config.update(MAIL_SERVER="smtp.example.org")
    CountingSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", CountingSMTP)
    mail = _queue(make_user())
    db.session.commit()
    deliver_mail_task(mail.id)
    sweep_outbox.call_local()
    assert len(CountingSMTP.sent) == 1
    db.session.refresh(mail)
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 1)


def test_the_periodic_reminder_task_sends_each_reminder_once(app, make_user, make_consultation):
    from datetime import timedelta

    from consult.notifications import Notification
    from consult.timeutil import utcnow

    participant = make_user()
    make_consultation(
        participants=[participant],
        pre_opens_at=utcnow() - timedelta(days=1),
        pre_closes_at=utcnow() + timedelta(hours=5),
    )
    assert send_reminders_task.call_local() == 1
    assert send_reminders_task.call_local() == 0
    assert db.session.scalar(select(func.count(Notification.id))) == 1
    # Scheduled by the worker every 15 minutes (and the outbox sweep every minute).
    from datetime import datetime

    due = {task.name for task in huey.read_periodic(datetime(2026, 12, 1, 10, 15))}
    assert due >= {"send_reminders_task", "sweep_outbox"}
    due = {task.name for task in huey.read_periodic(datetime(2026, 12, 1, 10, 16))}
    assert "send_reminders_task" not in due


def test_a_real_worker_sends_the_mail_committed_in_a_request(
    app, database_url, make_user, tmp_path
):
    storage = tmp_path / "huey.sqlite"
    with use_storage(storage), start_worker(database_url, storage, tmp_path / "worker.log"):
        mail = _queue(make_user())
        db.session.commit()
        mail_id = mail.id

        def delivered():
            db.session.rollback()
            return db.session.scalar(select(OutboxMail.status).where(OutboxMail.id == mail_id))

        status = wait_for(lambda: delivered() == MailStatus.LOGGED, timeout=40)
    assert status, (tmp_path / "worker.log").read_text()[-3000:]


def _free_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return free.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_script_starts_web_and_worker_and_ctrl_c_stops_both(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "BIN": str(Path(os.sys.executable).parent),
        "FLASK_APP": "wsgi",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite'}",
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite"),
        "HUEY_REDIS_URL": "",
    }
    log_path = tmp_path / "run.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # nosec B603
            ["bash", "scripts/run.sh"],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        def children():
            out = subprocess.run(  # nosec B603 B607
                ["pgrep", "-P", str(process.pid)], capture_output=True, text=True
            ).stdout
            return [int(pid) for pid in out.split()]

        def listening():
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", port)) == 0

        assert wait_for(listening, timeout=30)
        pids = children()
        assert len(pids) == 2
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        process.wait(timeout=20)
        assert wait_for(lambda: not any(_alive(pid) for pid in pids), timeout=10)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert "stopped (web server and worker)" in log_path.read_text()


def test_queue_status_counts_what_an_operator_watches(app, make_user, monkeypatch):
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_MAX_ATTEMPTS=1)

    class DownSMTP(CountingSMTP):
        def __init__(self, *args, **kwargs):
            raise smtplib.SMTPConnectError(421, "down")

    monkeypatch.setattr(smtplib, "SMTP", DownSMTP)
    _queue(make_user())
    db.session.commit()  # tried once, failed for good (MAIL_MAX_ATTEMPTS=1)
    result = app.test_cli_runner().invoke(args=["queue-status"])
    assert result.exit_code == 0, result.output
    assert "mails_queued=0 mails_failed=1" in result.output
    assert "pending=0" in result.output and "jobs_failed=0" in result.output
