"""Replies notify the author of the comment they answer; flags are offered in the thread."""

from sqlalchemy import select

from consult.extensions import db
from consult.feedback.models import Comment
from consult.mail import OutboxMail
from consult.notifications import Notification
from tests.conftest import first_strategy


def _post_comment(client, consultation, strategy, body, parent_id=None):
    url = f"/c/{consultation.id}/strategies/{strategy.id}/comments"
    data = {"type": "other", "body": body}
    if parent_id:
        data["parent_id"] = str(parent_id)
    return client.post(url, data=data)


def test_reply_notifies_the_author_of_the_comment(client, login, make_user, make_consultation):
    author, replier = make_user(), make_user(name="Budi Santoso")
    consultation = make_consultation(participants=[author, replier])
    strategy = first_strategy(consultation)
    login(author)
    _post_comment(client, consultation, strategy, "Setuju dengan strategi ini.")
    parent = db.session.scalar(select(Comment))
    login(replier)
    _post_comment(client, consultation, strategy, "Saya menambahkan data.", parent.id)

    notifications = db.session.scalars(select(Notification)).all()
    assert [(n.user_id, n.kind.value) for n in notifications] == [(author.id, "reply")]
    assert notifications[0].link.endswith(f"/strategies/{strategy.id}#comment-{parent.id + 1}")
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == author.email))
    assert mail is not None and "Budi Santoso" in mail.body


def test_replying_to_yourself_notifies_nobody(client, login, make_user, make_consultation):
    author = make_user()
    consultation = make_consultation(participants=[author])
    strategy = first_strategy(consultation)
    login(author)
    _post_comment(client, consultation, strategy, "Komentar pertama.")
    parent = db.session.scalar(select(Comment))
    _post_comment(client, consultation, strategy, "Tambahan saya sendiri.", parent.id)
    assert db.session.scalars(select(Notification)).all() == []


def test_thread_offers_the_flag_form_on_others_comments_only(
    client, login, make_user, make_consultation
):
    author, reader = make_user(), make_user()
    consultation = make_consultation(participants=[author, reader])
    strategy = first_strategy(consultation)
    login(author)
    _post_comment(client, consultation, strategy, "Komentar untuk ditandai.")
    comment = db.session.scalar(select(Comment))
    flag_url = f"/c/{consultation.id}/comments/{comment.id}/flag"
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    assert flag_url not in page
    login(reader)
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    assert flag_url in page
