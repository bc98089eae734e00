"""Moderating from where one reads: the thread's hide/restore/reject form, and the queue's view
of published comments with search by text and author."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus
from consult.plans.models import ModerationMode
from tests.conftest import first_strategy
from tests.test_moderation_queue import make_comment


@pytest.fixture
def world(make_user, make_consultation, make_group):
    kadin = make_group("KADIN")
    organiser, admin = make_user(role=Role.ORGANISER), make_user(role=Role.ADMIN)
    other_organiser = make_user(role=Role.ORGANISER)
    alice = make_user(group=kadin, name="Alice Wijaya", email="alice@kadin.example")
    bob = make_user(group=kadin, name="Bob Santoso", email="bob@example.org")
    outsider = make_user(group=kadin)
    consultation = make_consultation(
        organiser=organiser, participants=[alice, bob], moderation_mode=ModerationMode.POST
    )
    make_consultation(organiser=other_organiser, title="Konsultasi lain")
    abusive = make_comment(
        consultation, bob, status=CommentStatus.PUBLISHED, body="Kata-kata kasar di sini."
    )
    return {
        "organiser": organiser,
        "admin": admin,
        "other_organiser": other_organiser,
        "alice": alice,
        "bob": bob,
        "outsider": outsider,
        "consultation": consultation,
        "comment": abusive,
        "page": f"/c/{consultation.id}/strategies/{first_strategy(consultation).id}",
    }


def _moderate_forms(html: str) -> list[str]:
    return re.findall(r'<details class="moderate-comment.*?</details>', html, re.DOTALL)


@pytest.mark.parametrize("role", ["organiser", "admin"])
def test_moderators_see_a_hide_form_on_an_unflagged_published_comment(world, client, login, role):
    login(world[role])
    html = client.get(world["page"]).text
    forms = _moderate_forms(html)
    assert len(forms) == 1
    form = forms[0]
    assert f'action="/moderation/comments/{world["comment"].id}/decide"' in form
    assert 'name="csrf_token"' in form and 'name="reason"' in form
    assert 'value="spam"' in form  # the queue's reasons
    assert re.findall(r'name="action" value="(\w+)"', form) == ["approve", "hide"]
    next_value = unescape(re.search(r'name="next" value="([^"]*)"', form).group(1))
    assert next_value.startswith(world["page"]) and next_value.endswith(
        f"#comment-{world['comment'].id}"
    )


def test_participants_never_see_the_moderation_form(world, client, login):
    login(world["alice"])
    html = client.get(world["page"]).text
    assert "Kata-kata kasar" in html
    assert not _moderate_forms(html)
    assert "/decide" not in html


def test_organiser_hides_a_comment_from_the_thread_with_a_reason(world, client, login):
    login(world["organiser"])
    comment = world["comment"]
    back = f"{world['page']}?page=1#comment-{comment.id}"
    response = client.post(
        f"/moderation/comments/{comment.id}/decide",
        data={"action": "hide", "reason": "offensive", "note": "Bahasa kasar.", "next": back},
    )
    assert response.status_code == 302
    assert response.location == back
    db.session.expire_all()
    hidden = db.session.get(Comment, comment.id)
    assert hidden.status == CommentStatus.HIDDEN
    assert hidden.moderated_by_id == world["organiser"].id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "comment.hide"))
    assert event.object_id == comment.id and event.actor_id == world["organiser"].id
    assert event.data["reason"] == "offensive"
    # Participants now see a placeholder; the organiser is offered to restore it.
    login(world["alice"])
    assert "Kata-kata kasar" not in client.get(world["page"]).text
    login(world["organiser"])
    form = _moderate_forms(client.get(world["page"]).text)[0]
    assert "restore" in re.findall(r'name="action" value="(\w+)"', form)


def test_hiding_needs_a_reason(world, client, login):
    login(world["organiser"])
    comment = world["comment"]
    response = client.post(
        f"/moderation/comments/{comment.id}/decide",
        data={"action": "hide", "reason": "", "next": world["page"]},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PUBLISHED


def test_organiser_restores_and_rejects_from_the_thread(world, client, login):
    hidden = make_comment(world["consultation"], world["alice"], status=CommentStatus.HIDDEN)
    pending = make_comment(world["consultation"], world["alice"], status=CommentStatus.PENDING)
    login(world["organiser"])
    forms = _moderate_forms(client.get(world["page"]).text)
    actions = {
        int(re.search(r"/comments/(\d+)/decide", f).group(1)): re.findall(
            r'name="action" value="(\w+)"', f
        )
        for f in forms
    }
    assert "restore" in actions[hidden.id] and "reject" in actions[pending.id]
    for comment, action in ((hidden, "restore"), (pending, "reject")):
        response = client.post(
            f"/moderation/comments/{comment.id}/decide",
            data={"action": action, "reason": "off_topic", "next": world["page"]},
        )
        assert response.status_code == 302 and response.location == world["page"]
    db.session.expire_all()
    assert db.session.get(Comment, hidden.id).status == CommentStatus.PUBLISHED
    assert db.session.get(Comment, pending.id).status == CommentStatus.REJECTED


@pytest.mark.parametrize(
    ("role", "status"), [("alice", 403), ("bob", 403), ("outsider", 404), ("other_organiser", 404)]
)
def test_others_cannot_moderate_from_the_thread(world, client, login, role, status):
    login(world[role])
    comment = world["comment"]
    response = client.post(
        f"/moderation/comments/{comment.id}/decide",
        data={"action": "hide", "reason": "spam", "next": world["page"]},
    )
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PUBLISHED
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "comment.hide")) is None


def test_a_get_changes_nothing(world, client, login):
    login(world["organiser"])
    comment = world["comment"]
    assert client.get(f"/moderation/comments/{comment.id}/decide").status_code == 405
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PUBLISHED


@pytest.mark.parametrize(
    "target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/c/1\r\nX: y"]
)
def test_the_way_back_stays_on_this_site(world, client, login, target):
    login(world["organiser"])
    response = client.post(
        f"/moderation/comments/{world['comment'].id}/decide",
        data={"action": "hide", "reason": "spam", "next": target},
    )
    assert response.status_code == 302
    assert response.location == "/moderation"


# --- the queue's view of published comments ---------------------------------------------------


def _queue_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="queue-(\d+)"', html)]


def test_queue_shows_published_comments_only_in_the_published_view(world, client, login):
    pending = make_comment(world["consultation"], world["alice"], status=CommentStatus.PENDING)
    login(world["organiser"])
    assert _queue_ids(client.get("/moderation").text) == [pending.id]
    published = _queue_ids(client.get("/moderation?view=published").text)
    assert published == [world["comment"].id]


def test_published_comments_are_searched_by_text_and_author(world, client, login):
    other = make_comment(
        world["consultation"], world["alice"], status=CommentStatus.PUBLISHED, body="Usul 100% baik"
    )
    login(world["organiser"])

    def search(query: str) -> list[int]:
        return _queue_ids(client.get(f"/moderation?view=published&{query}").text)

    assert search("text=kasar") == [world["comment"].id]
    assert search("text=KASAR") == [world["comment"].id]
    assert search("text=100%25") == [other.id]
    assert search("text=Usul%25baik") == []  # % is a character, not a wildcard
    assert search("author=santoso") == [world["comment"].id]
    assert search("author=kadin.example") == [other.id]
    assert search("author=wijaya&text=kasar") == []
    assert search("author=_") == []
    html = client.get("/moderation?view=published&text=kasar").text
    assert 'value="kasar"' in html  # the search stays in its field


def test_published_view_is_paginated_newest_first(world, client, login, app):
    app.config["PAGE_SIZE"] = 2
    comments = [
        make_comment(world["consultation"], world["alice"], status=CommentStatus.PUBLISHED)
        for _ in range(3)
    ]
    login(world["organiser"])
    first = _queue_ids(client.get("/moderation?view=published").text)
    second = _queue_ids(client.get("/moderation?view=published&page=2").text)
    newest_first = sorted([c.id for c in comments] + [world["comment"].id], reverse=True)
    assert first + second == newest_first
    assert client.get("/moderation?view=published&page=99999999999999999999").status_code == 404


def test_published_view_of_another_organisers_consultation_shows_nothing(world, client, login):
    login(world["other_organiser"])
    assert _queue_ids(client.get("/moderation?view=published").text) == []
    response = client.get(f"/moderation?view=published&consultation={world['consultation'].id}")
    assert response.status_code == 404


def test_participants_cannot_open_the_queue(world, client, login):
    login(world["alice"])
    assert client.get("/moderation?view=published&text=kasar").status_code == 403


def test_hostile_search_is_a_field_error_not_a_server_error(world, client, login):
    login(world["organiser"])
    response = client.get("/moderation?view=published&text=ka%00sar&author=%00")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    # The refused search is not applied: every published comment is listed.
    assert _queue_ids(response.text) == [world["comment"].id]
