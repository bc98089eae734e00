"""SMTP down: the mail stays queued with the failure recorded, and is delivered once a real
SMTP server (the fault runs' sink, on a loopback port) is back."""

import importlib.util
import socket
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from consult.extensions import db
from consult.mail import MailStatus, OutboxMail, queue_mail

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "faults.py"


@pytest.fixture(scope="module")
def faults():
    sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("faults", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["faults"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("faults", None)
    sys.path.remove(str(SCRIPT.parent))


def _closed_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return free.getsockname()[1]


def test_the_send_task_records_the_failure_then_send_mail_retry_now_delivers(
    app, make_user, faults
):
    port = _closed_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    user = make_user(locale="en")
    queue_mail(user, "test", "Subject", "mail/notification_reply.txt", author="A", target="B")
    db.session.commit()  # the send task runs after the commit (eagerly in tests) and fails
    runner = app.test_cli_runner()

    mail = db.session.scalar(select(OutboxMail))
    assert (mail.status, mail.attempts) == (MailStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in mail.last_error

    with faults.SmtpSink(port) as sink:
        # Still waiting out its back-off: a plain run leaves it alone.
        assert "sent=0" in runner.invoke(args=["send-mail"]).output
        assert sink.messages == []
        result = runner.invoke(args=["send-mail", "--retry-now"])
        assert "sent=1" in result.output
    db.session.refresh(mail)
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 2)
    [(recipients, data)] = sink.messages
    assert recipients == [user.email]
    assert b"Subject: Subject" in data


def test_faults_script_only_accepts_known_scenarios(faults, capsys):
    with pytest.raises(SystemExit) as stopped:
        faults.main(["reboot-the-machine"])
    assert stopped.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("option", [["--duration", "601"], ["--max-seconds", "3601"]])
def test_faults_script_is_bounded_in_time(faults, option, capsys):
    with pytest.raises(SystemExit) as stopped:
        faults.main(["load", *option])
    assert stopped.value.code == 2
    assert "must be between" in capsys.readouterr().err
