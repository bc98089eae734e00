"""With CSRF switched on (as in production), moderation forms need their token."""

import re

import pytest
from sqlalchemy import select

from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus
from consult.moderation.models import Flag


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def pending(make_user, make_consultation, make_comment):
    organiser, author, reader = make_user(role=Role.ORGANISER), make_user(), make_user()
    consultation = make_consultation(organiser=organiser, participants=[author, reader])
    comment = make_comment(consultation, author, "x")
    return organiser, reader, consultation, comment


def token_from(html):
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def test_decision_without_token_is_refused(pending, client, login):
    organiser, _, _, comment = pending
    login(organiser)
    response = client.post(
        f"/moderation/comments/{comment.id}/decide", data={"action": "hide", "reason": "spam"}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PUBLISHED


def test_flag_needs_the_token_from_the_strategy_page(pending, client, login):
    _, reader, consultation, comment = pending
    login(reader)
    url = f"/c/{consultation.id}/comments/{comment.id}/flag"
    assert client.post(url, data={"reason": "spam"}).status_code == 400
    # The flag form on the comment's card, as the strategy page renders it, works.
    page = client.get(f"/c/{consultation.id}/strategies/{comment.strategy_id}").text
    form = re.search(rf'<form method="post" action="{url}".*?</form>', page, re.S).group(0)
    assert 'name="reason"' in form
    response = client.post(url, data={"reason": "spam", "csrf_token": token_from(form)})
    assert response.status_code == 302
    assert db.session.scalar(select(Flag.comment_id)) == comment.id


def test_hiding_from_the_thread_works_with_the_token_of_the_page(pending, client, login):
    organiser, _, consultation, comment = pending
    login(organiser)
    url = f"/moderation/comments/{comment.id}/decide"
    page = client.get(f"/c/{consultation.id}/strategies/{comment.strategy_id}").text
    form = re.search(rf'<form method="post" action="{url}".*?</form>', page, re.DOTALL).group(0)
    data = {"action": "hide", "reason": "spam", "csrf_token": token_from(form)}
    assert (
        client.post(url, data={k: v for k, v in data.items() if k != "csrf_token"}).status_code
        == 400
    )
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.HIDDEN
