"""The mail outbox: the record of every mail; the task queue sends it.

A mail row is added in the same transaction as the change that caused it, so it exists
exactly when that change committed. After the commit, an event hook (registered in
create_app, `register_mail_dispatch`) enqueues one `deliver_mail` task per new mail; a
periodic sweep (every minute) also sends whatever is due, so a task lost with its queue
still gets its mail sent. Each send first claims the row (UPDATE ... WHERE status = queued
AND next_attempt_at <= now, pushing next_attempt_at past a lease), so a mail is sent once
even when two tasks run for it. An SMTP failure leaves the mail queued with an exponential
back-off (2, 4, 8 ... minutes), then FAILED after MAIL_MAX_ATTEMPTS, shown in the outbox.
With no MAIL_SERVER configured mails are written to the log instead, so invitations work on
a laptop, and organisers can read the outbox in the app.
"""

import enum
import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import ForeignKey, String, Text, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from consult.enums import enum_column
from consult.extensions import db
from consult.timeutil import utcnow

log = logging.getLogger(__name__)


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    LOGGED = "logged"  # no SMTP configured: written to the log
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS


class OutboxMail(db.Model):
    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(40), default="")
    # Whether the body holds a secret link (invitation, reset): the outbox page masks it.
    sensitive: Mapped[bool] = mapped_column(default=False)
    status: Mapped[MailStatus] = mapped_column(enum_column(MailStatus), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


def queue_mail(
    recipient,
    kind: str,
    subject: str,
    template: str,
    sensitive: bool = False,
    **context,
) -> OutboxMail:
    """Render a mail in the recipient's language and add it to the outbox.

    `recipient` is a User (its locale picks the language) or an email address.
    """
    address = getattr(recipient, "email", recipient)
    locale = getattr(recipient, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        body = render_template(template, recipient=recipient, **context)
        subject_text = str(subject)
    mail = OutboxMail(
        recipient=address,
        recipient_id=getattr(recipient, "id", None),
        subject=subject_text,
        body=body,
        kind=kind,
        sensitive=sensitive,
    )
    db.session.add(mail)
    return mail


def _smtp_send(mail: OutboxMail) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


# A claimed mail is left alone by other senders this long (a worker killed mid-send: the
# sweep takes it again afterwards).
CLAIM_LEASE = timedelta(minutes=10)


def _claim(mail_id: int, now: datetime, retry_now: bool) -> bool:
    """Take the mail for this sender, committed; False when it is not (or no longer) due."""
    query = update(OutboxMail).where(
        OutboxMail.id == mail_id, OutboxMail.status == MailStatus.QUEUED
    )
    if not retry_now:
        query = query.where(OutboxMail.next_attempt_at <= now)
    claimed = db.session.execute(
        query.values(
            attempts=OutboxMail.attempts + 1, next_attempt_at=now + CLAIM_LEASE
        ).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def deliver_mail(mail_id: int, now: datetime | None = None, retry_now: bool = False) -> str:
    """Send (or log) one queued mail if it is due; commits. Returns what happened.

    "skipped" when another sender has it or it is not due: safe to call twice.
    """
    now = now or utcnow()
    if not _claim(mail_id, now, retry_now):
        return "skipped"
    mail = db.session.get(OutboxMail, mail_id, populate_existing=True)
    config = current_app.config
    if not config["MAIL_SERVER"]:
        log.info("Mail (no SMTP configured) to=%s subject=%r", mail.recipient, mail.subject)
        mail.status, mail.sent_at, outcome = MailStatus.LOGGED, now, "logged"
    else:
        try:
            _smtp_send(mail)
        except (OSError, smtplib.SMTPException) as error:
            mail.last_error = f"{type(error).__name__}: {error}"[:1000]
            if mail.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                mail.status, outcome = MailStatus.FAILED, "failed"
                log.warning("Mail %s failed after %s attempts", mail.id, mail.attempts)
            else:
                mail.next_attempt_at = now + timedelta(minutes=2**mail.attempts)
                outcome = "retry"
        else:
            mail.status, mail.sent_at, outcome = MailStatus.SENT, now, "sent"
    db.session.commit()
    return outcome


def send_queued_mail(
    limit: int = 100, now: datetime | None = None, retry_now: bool = False
) -> dict[str, int]:
    """Send or log the due mails, each through deliver_mail (claimed, committed).

    retry_now also takes the mails still waiting out their back-off (the SMTP server is
    known to be back).
    """
    now = now or utcnow()
    query = select(OutboxMail.id).where(OutboxMail.status == MailStatus.QUEUED)
    if not retry_now:
        query = query.where(OutboxMail.next_attempt_at <= now)
    due = db.session.scalars(query.order_by(OutboxMail.id).limit(limit)).all()
    db.session.commit()  # end the read before claiming, row by row
    counts = {"sent": 0, "logged": 0, "retry": 0, "failed": 0}
    for mail_id in due:
        outcome = deliver_mail(mail_id, now=now, retry_now=retry_now)
        if outcome in counts:
            counts[outcome] += 1
    return counts


# --- dispatch after commit --------------------------------------------------------------

_PENDING = "rembuk_new_mail_ids"


def _collect_new_mails(session: Session, _flush_context) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxMail)]
    if ids:
        session.info.setdefault(_PENDING, []).extend(ids)


def _forget_new_mails(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _enqueue_new_mails(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if not ids:
        return
    from consult.tasks.definitions import enqueue_mail

    for mail_id in ids:
        enqueue_mail(mail_id)


def register_mail_dispatch() -> None:
    """After a commit that added mails, enqueue one send task each; a rollback drops them."""
    if not event.contains(Session, "after_commit", _enqueue_new_mails):
        event.listen(Session, "after_flush", _collect_new_mails)
        event.listen(Session, "after_rollback", _forget_new_mails)
        event.listen(Session, "after_commit", _enqueue_new_mails)
