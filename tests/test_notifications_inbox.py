"""Notifications: in-app list, unread count, mark read, e-mail opt-out, recipient's language."""

from datetime import datetime

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import CommentStatus
from consult.mail import OutboxMail
from consult.moderation import services
from consult.notifications import Notification, NotificationKind, mail_enabled, notify


def mails(kind=None):
    query = select(OutboxMail).order_by(OutboxMail.id)
    if kind:
        query = query.where(OutboxMail.kind == kind)
    return db.session.scalars(query).all()


def test_notify_adds_an_inbox_entry_and_queues_a_mail(app, make_user):
    user = make_user(locale="en")
    notify(user, "reply", link="/c/1/strategies/2#comment-3", author="Budi", target="1.1.1 X")
    db.session.commit()
    notification = db.session.scalar(select(Notification))
    assert notification.kind == NotificationKind.REPLY
    (mail,) = mails()
    assert mail.recipient == user.email
    assert mail.kind == "notification_reply"
    assert mail.subject == "Budi replied to your comment on 1.1.1 X."
    assert "http://127.0.0.1:5000/c/1/strategies/2#comment-3" in mail.body


def test_inbox_lists_notifications_with_unread_count_and_marks_read(client, login, make_user):
    user, other = make_user(locale="en"), make_user()
    notify(user, "reply", link="/my-input", author="Sari", target="1.1.1")
    notify(other, "reply", author="Hidden from user", target="1.1.1")
    db.session.commit()
    login(user)
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get("/notifications").text
    assert "Sari replied to your comment on 1.1.1." in page
    assert "Hidden from user" not in page
    assert "1 unread" in page
    notification = db.session.scalar(select(Notification).where(Notification.user_id == user.id))
    response = client.post(f"/notifications/{notification.id}/read", data={"open": "1"})
    assert response.headers["Location"] == "/my-input"
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is not None
    assert "unread" not in client.get("/notifications").text


def test_someone_elses_notification_cannot_be_marked(client, login, make_user):
    user, other = make_user(), make_user()
    notification = notify(other, "reply", author="A", target="B")
    db.session.commit()
    login(user)
    assert client.post(f"/notifications/{notification.id}/read").status_code == 404


def test_unread_count_is_a_template_global(app, client, login, make_user):
    user = make_user()
    notify(user, "fgd_reminder", consultation="RPIK", fgd_at=datetime(2030, 8, 15, 2))
    notify(user, "reply", author="A", target="B")
    db.session.commit()
    login(user)
    client.get("/notifications")  # logs the user in for this client
    with app.test_request_context():
        from flask_login import login_user

        login_user(user)
        assert render_template_string("{{ unread_notification_count() }}") == "2"


def test_turning_an_optional_kind_off_stops_the_mail_but_keeps_the_inbox_entry(
    client, login, make_user, make_consultation, make_comment
):
    organiser, author = make_user(role=Role.ORGANISER), make_user()
    consultation = make_consultation(organiser=organiser, participants=[author])
    login(author)
    settings = client.get("/notifications/settings")
    assert 'name="comment_approved"' in settings.text
    assert 'name="comment_rejected"' not in settings.text  # mandatory: no switch
    # Everything else stays on; only comment_approved is left unticked.
    client.post(
        "/notifications/settings",
        data={
            "reply": "y",
            "window_opening_soon": "y",
            "window_closing_tomorrow": "y",
            "fgd_reminder": "y",
        },
    )
    assert not mail_enabled(author, "comment_approved")
    assert mail_enabled(author, "reply")
    comment = make_comment(consultation, author, "x", status=CommentStatus.PENDING)
    services.approve_comment(comment, organiser)
    db.session.commit()
    assert mails() == []
    kinds = db.session.scalars(select(Notification.kind)).all()
    assert kinds == [NotificationKind.COMMENT_APPROVED]


def test_mandatory_kinds_are_always_mailed(
    client, login, make_user, make_consultation, make_comment
):
    organiser, author = make_user(role=Role.ORGANISER), make_user()
    consultation = make_consultation(organiser=organiser, participants=[author])
    login(author)
    # Trying to switch off a mandatory kind has no effect.
    client.post("/notifications/settings", data={"comment_rejected": ""})
    assert mail_enabled(author, "comment_rejected")
    comment = make_comment(consultation, author, "x", status=CommentStatus.PENDING)
    services.reject_comment(comment, organiser, "spam")
    db.session.commit()
    assert [m.kind for m in mails()] == ["notification_comment_rejected"]


def test_settings_page_shows_saved_choices(client, login, make_user):
    user = make_user()
    login(user)
    client.post("/notifications/settings", data={"reply": "y"})
    page = client.get("/notifications/settings").text
    assert 'id="reply" name="reply" type="checkbox" value="y"' in page
    checked = [
        line for line in page.splitlines() if 'type="checkbox"' in line and "checked" in line
    ]
    assert len(checked) == 1 and 'name="reply"' in checked[0]


@pytest.mark.parametrize(
    ("locale", "month"), [("en", "August"), ("id", "Agustus")], ids=["english", "indonesian"]
)
def test_mail_is_written_in_the_recipients_language(app, make_user, locale, month):
    # Month names come from the locale data, so this holds even before the catalogs are filled.
    user = make_user(locale=locale)
    closes = datetime(2030, 8, 15, 10, 0)
    notify(user, "window_closing_tomorrow", consultation="RPIK", closes_at=closes)
    db.session.commit()
    (mail,) = mails()
    assert month in mail.body
    assert {"en": "17:00 WIB", "id": "17.00 WIB"}[locale] in mail.body  # 10:00 UTC is 17:00 WIB
    other = {"en": "Agustus", "id": "August"}[locale]
    assert other not in mail.body
    short = {"en": "15 Aug 2030", "id": "15 Agu 2030"}[locale]
    assert short in mail.subject


def test_inbox_message_follows_the_readers_language(app, make_user):
    from flask_babel import force_locale

    user = make_user()
    notification = notify(user, "fgd_reminder", consultation="RPIK", fgd_at=datetime(2030, 8, 15))
    with force_locale("en"):
        assert "15 Aug 2030" in notification.message
    with force_locale("id"):
        assert "15 Agu 2030" in notification.message


def test_inactive_accounts_get_no_mail(app, make_user):
    user = make_user(is_active_account=False)
    notify(user, "comment_rejected", target="1.1", reason="spam")
    db.session.commit()
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0


def test_menu_shows_the_unread_count(client, login, make_user):
    user = make_user()
    notify(user, "comment_approved", link="/my-input")
    db.session.commit()
    login(user)
    page = client.get("/my-input").get_data(as_text=True)
    assert 'text-bg-warning">1<' in page
