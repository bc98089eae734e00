"""Delivery: mail retries after SMTP failures, and `flask send-reminders` sends each once."""

import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consult.auth.models import Role
from consult.extensions import db
from consult.fgd.models import FgdSession
from consult.mail import MailStatus, OutboxMail, queue_mail, send_queued_mail
from consult.moderation.models import ReminderLog
from consult.moderation.services import send_reminders
from consult.notifications import Notification, NotificationKind
from consult.plans.models import ConsultationState, Membership
from consult.timeutil import utcnow


class FakeSMTP:
    """Stands in for smtplib.SMTP; `failing` switches between a broken and a working server."""

    failing = True
    sent: list = []

    def __init__(self, host, port, timeout=None):
        if FakeSMTP.failing:
            raise smtplib.SMTPConnectError(421, "service not available")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def smtp(app, monkeypatch):
    app.config.update(MAIL_SERVER="smtp.example.org", MAIL_MAX_ATTEMPTS=3)
    FakeSMTP.failing, FakeSMTP.sent = True, []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def test_mail_stays_queued_after_an_smtp_failure_and_is_sent_on_a_later_run(smtp, make_user):
    user = make_user(locale="en")
    before_commit = utcnow()
    queue_mail(user, "test", "Subject", "mail/notification_reply.txt", author="A", target="B")
    db.session.commit()  # the send task runs after the commit (eagerly in tests) and fails
    mail = db.session.scalar(select(OutboxMail))
    assert mail.status == MailStatus.QUEUED
    assert mail.attempts == 1
    assert mail.next_attempt_at > before_commit + timedelta(minutes=1)
    assert "SMTPConnectError" in mail.last_error

    # Not due yet: the sweep right away leaves it alone.
    assert send_queued_mail(now=utcnow() + timedelta(seconds=1))["retry"] == 0
    smtp.failing = False
    counts = send_queued_mail(now=mail.next_attempt_at)
    assert counts["sent"] == 1
    db.session.refresh(mail)
    assert mail.status == MailStatus.SENT
    assert mail.attempts == 2
    assert smtp.sent[0]["To"] == user.email


def test_mail_fails_for_good_after_max_attempts(smtp, make_user):
    queue_mail(make_user(), "test", "Subject", "mail/notification_reply.txt")
    db.session.commit()  # attempt 1, by the send task
    mail = db.session.scalar(select(OutboxMail))
    for _ in range(2):
        db.session.refresh(mail)
        send_queued_mail(now=mail.next_attempt_at)
    db.session.refresh(mail)
    assert mail.status == MailStatus.FAILED
    assert mail.attempts == 3
    assert send_queued_mail(now=utcnow() + timedelta(days=1)) == {
        "sent": 0,
        "logged": 0,
        "retry": 0,
        "failed": 0,
    }


# --- reminders --------------------------------------------------------------------------


@pytest.fixture
def soon(make_user, make_consultation):
    """A consultation whose pre window closes in 12 h and whose FGD is in 36 h."""
    now = utcnow()
    organiser = make_user(role=Role.ORGANISER)
    participants = [make_user(), make_user()]
    consultation = make_consultation(
        organiser=organiser,
        participants=participants,
        pre_opens_at=now - timedelta(days=5),
        pre_closes_at=now + timedelta(hours=12),
        fgd_at=now + timedelta(hours=36),
        post_opens_at=now + timedelta(days=3),
        post_closes_at=now + timedelta(days=10),
    )
    return {"organiser": organiser, "participants": participants, "consultation": consultation}


def sent_kinds():
    rows = db.session.execute(select(Notification.user_id, Notification.kind)).all()
    return sorted((user_id, kind.value) for user_id, kind in rows)


def test_reminders_go_to_each_member_once(app, soon):
    p1, p2 = soon["participants"]
    organiser = soon["organiser"]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "reminders=5" in result.output
    expected = sorted(
        [
            (p1.id, "window_closing_tomorrow"),
            (p2.id, "window_closing_tomorrow"),
            (p1.id, "fgd_reminder"),
            (p2.id, "fgd_reminder"),
            (organiser.id, "fgd_reminder"),
        ]
    )
    assert sent_kinds() == expected
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 5

    # Running again (cron every hour) sends nothing new.
    again = runner.invoke(args=["send-reminders"])
    assert "reminders=0" in again.output
    assert sent_kinds() == expected
    assert db.session.scalar(select(func.count(ReminderLog.id))) == 5


def test_window_opening_soon_and_nothing_outside_the_horizon(app, soon):
    consultation = soon["consultation"]
    now = utcnow()
    consultation.pre_closes_at = now + timedelta(hours=30)  # not within 24 h
    session = db.session.scalar(select(FgdSession))
    session.starts_at = now + timedelta(hours=60)  # not within 48 h
    consultation.post_opens_at = now + timedelta(hours=20)
    db.session.commit()
    assert send_reminders(now) == 2
    kinds = {kind for _, kind in sent_kinds()}
    assert kinds == {NotificationKind.WINDOW_OPENING_SOON.value}


def test_member_invited_later_still_gets_the_reminder(app, soon, make_user):
    send_reminders()
    newcomer = make_user()
    db.session.add(Membership(consultation_id=soon["consultation"].id, user_id=newcomer.id))
    db.session.commit()
    assert send_reminders() == 2
    assert {kind for uid, kind in sent_kinds() if uid == newcomer.id} == {
        "window_closing_tomorrow",
        "fgd_reminder",
    }


def test_no_reminders_for_drafts_or_suspended_members(app, soon):
    p1 = soon["participants"][0]
    membership = db.session.scalar(select(Membership).where(Membership.user_id == p1.id))
    membership.suspended_at = utcnow()
    db.session.commit()
    send_reminders()
    assert all(uid != p1.id for uid, _ in sent_kinds())
    soon["consultation"].state = ConsultationState.DRAFT
    db.session.execute(Notification.__table__.delete())
    db.session.execute(ReminderLog.__table__.delete())
    db.session.commit()
    assert send_reminders() == 0
