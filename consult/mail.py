"""The mail outbox: mails are queued in the database and sent by `flask send-mail`.

An SMTP failure leaves the mail queued with a back-off, so nothing is lost. With no
MAIL_SERVER configured the worker writes mails to the log instead, so invitations work
on a laptop, and organisers can read the outbox in the app.
"""

import enum
import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

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


def send_queued_mail(
    limit: int = 100, now: datetime | None = None, retry_now: bool = False
) -> dict[str, int]:
    """Send or log due mails; on failure retry later with exponential back-off.

    retry_now also takes the mails still waiting out their back-off (the SMTP server is
    known to be back).
    """
    now = now or utcnow()
    config = current_app.config
    query = select(OutboxMail).where(OutboxMail.status == MailStatus.QUEUED)
    if not retry_now:
        query = query.where(OutboxMail.next_attempt_at <= now)
    due = db.session.scalars(
        query.order_by(OutboxMail.id).limit(limit).with_for_update(skip_locked=True)
    ).all()
    counts = {"sent": 0, "logged": 0, "retry": 0, "failed": 0}
    for mail in due:
        mail.attempts += 1
        if not config["MAIL_SERVER"]:
            log.info("Mail (no SMTP configured) to=%s subject=%r", mail.recipient, mail.subject)
            mail.status = MailStatus.LOGGED
            mail.sent_at = now
            counts["logged"] += 1
            continue
        try:
            _smtp_send(mail)
        except (OSError, smtplib.SMTPException) as error:
            mail.last_error = f"{type(error).__name__}: {error}"[:1000]
            if mail.attempts >= config["MAIL_MAX_ATTEMPTS"]:
                mail.status = MailStatus.FAILED
                counts["failed"] += 1
            else:
                mail.next_attempt_at = now + timedelta(minutes=2**mail.attempts)
                counts["retry"] += 1
        else:
            mail.status = MailStatus.SENT
            mail.sent_at = now
            counts["sent"] += 1
    return counts
