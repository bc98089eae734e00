"""Flags: once per person (also in the database), auto-hide at the threshold; suspensions."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus
from consult.moderation import services
from consult.moderation.models import Flag, ModerationReason
from consult.permissions import can_participate
from consult.plans.models import CommentVisibility, Membership


@pytest.fixture
def world(make_user, make_consultation, make_comment):
    organiser = make_user(role=Role.ORGANISER)
    author, readers = make_user(), [make_user() for _ in range(3)]
    consultation = make_consultation(organiser=organiser, participants=[author, *readers])
    comment = make_comment(consultation, author, "Beli produk kami!")
    return {
        "organiser": organiser,
        "author": author,
        "readers": readers,
        "consultation": consultation,
        "comment": comment,
    }


def flag_url(world):
    return f"/c/{world['consultation'].id}/comments/{world['comment'].id}/flag"


def test_participant_flags_a_comment_once(world, client, login):
    login(world["readers"][0])
    response = client.post(flag_url(world), data={"reason": "spam", "note": "iklan"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#comment-{world['comment'].id}")
    again = client.post(flag_url(world), data={"reason": "offensive"}, follow_redirects=True)
    assert "You have already flagged this comment." in again.text
    db.session.expire_all()
    assert db.session.get(Comment, world["comment"].id).flag_count == 1
    flag = db.session.scalar(select(Flag))
    assert (flag.reason, flag.note) == (ModerationReason.SPAM, "iklan")
    assert db.session.scalar(select(func.count(Flag.id))) == 1


def test_database_refuses_a_second_flag_by_the_same_person(world):
    reader = world["readers"][0]
    db.session.add(Flag(comment_id=world["comment"].id, user_id=reader.id, reason="spam"))
    db.session.commit()
    db.session.add(Flag(comment_id=world["comment"].id, user_id=reader.id, reason="other"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_flag_form_needs_a_reason_and_keeps_the_note(world, client, login):
    login(world["readers"][0])
    response = client.post(flag_url(world), data={"reason": "", "note": "lihat ini"})
    assert response.status_code == 400
    assert "Please choose a reason." in response.text
    assert "lihat ini" in response.text
    assert client.get(flag_url(world)).status_code == 200


def test_author_cannot_flag_own_comment(world, client, login):
    login(world["author"])
    response = client.post(flag_url(world), data={"reason": "spam"}, follow_redirects=True)
    assert "This comment cannot be flagged." in response.text
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_non_member_gets_404_when_flagging(world, client, login, make_user):
    login(make_user())
    assert client.post(flag_url(world), data={"reason": "spam"}).status_code == 404


def test_hidden_comment_cannot_be_flagged(world, client, login):
    world["comment"].status = CommentStatus.HIDDEN
    db.session.commit()
    login(world["readers"][0])
    assert client.post(flag_url(world), data={"reason": "spam"}).status_code == 404


def test_confidential_comment_of_someone_else_is_404(world, client, login):
    world["consultation"].comment_visibility = CommentVisibility.ORGANISERS
    db.session.commit()
    login(world["readers"][0])
    assert client.post(flag_url(world), data={"reason": "spam"}).status_code == 404


def test_comment_is_hidden_for_review_after_n_flags(world):
    world["consultation"].auto_hide_flag_count = 2
    db.session.commit()
    comment = world["comment"]
    services.flag_comment(comment, world["readers"][0], "spam")
    db.session.commit()
    assert comment.status == CommentStatus.PUBLISHED
    services.flag_comment(comment, world["readers"][1], "offensive")
    db.session.commit()
    db.session.expire_all()
    comment = db.session.get(Comment, comment.id)
    assert comment.status == CommentStatus.HIDDEN
    assert comment.moderated_by_id is None
    assert comment.body == "Beli produk kami!"  # kept, only hidden
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "comment.auto_hide"))
    assert event.actor_id is None
    assert event.data["system"] is True
    assert event.data["before"] == "published" and event.data["after"] == "hidden"


def test_auto_hidden_comment_waits_in_the_queue_and_a_decision_resolves_flags(world, client, login):
    world["consultation"].auto_hide_flag_count = 1
    db.session.commit()
    services.flag_comment(world["comment"], world["readers"][0], "spam")
    db.session.commit()
    login(world["organiser"])
    assert f'id="queue-{world["comment"].id}"' in client.get("/moderation").text
    client.post(
        f"/moderation/comments/{world['comment'].id}/decide",
        data={"action": "restore"},
    )
    db.session.expire_all()
    comment = db.session.get(Comment, world["comment"].id)
    assert comment.status == CommentStatus.PUBLISHED
    assert comment.flag_count == 0
    assert db.session.scalar(select(Flag)).resolved_by_id == world["organiser"].id
    assert f'id="queue-{comment.id}"' not in client.get("/moderation").text


def test_no_auto_hide_when_threshold_is_off(world):
    for reader in world["readers"]:
        services.flag_comment(world["comment"], reader, "spam")
    db.session.commit()
    assert world["comment"].status == CommentStatus.PUBLISHED
    assert world["comment"].flag_count == 3


# --- suspensions ------------------------------------------------------------------------


def membership_of(world, user):
    return db.session.scalar(
        select(Membership).where(
            Membership.consultation_id == world["consultation"].id,
            Membership.user_id == user.id,
        )
    )


def test_suspension_blocks_posting_and_lifting_restores_it(world, client, login):
    author = world["author"]
    membership = membership_of(world, author)
    assert can_participate(author, world["consultation"])
    login(world["organiser"])
    base = f"/c/{world['consultation'].id}/moderation/participants/{membership.id}"
    client.post(f"{base}/suspend", data={"reason": "Berulang kali spam"})
    db.session.expire_all()
    author.__dict__.pop("_memberships", None)
    assert not can_participate(author, world["consultation"])
    # What they wrote stays as it was.
    assert db.session.get(Comment, world["comment"].id).status == CommentStatus.PUBLISHED
    page = client.get(f"/c/{world['consultation'].id}/moderation/participants").text
    assert "Berulang kali spam" in page

    client.post(f"{base}/lift")
    db.session.expire_all()
    author.__dict__.pop("_memberships", None)
    assert can_participate(author, world["consultation"])
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "membership")
            .order_by(AuditEvent.id)
        )
    )
    assert actions == ["membership.suspend", "membership.lift_suspension"]


def test_suspension_needs_a_reason(world, client, login):
    membership = membership_of(world, world["author"])
    login(world["organiser"])
    url = f"/c/{world['consultation'].id}/moderation/participants/{membership.id}/suspend"
    response = client.post(url, data={"reason": ""}, follow_redirects=True)
    assert "Please give a reason." in response.text
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).suspended_at is None


def test_organisers_cannot_be_suspended(world):
    organiser = world["organiser"]
    with pytest.raises(services.ModerationError):
        services.suspend_participant(membership_of(world, organiser), organiser, "x")


@pytest.mark.parametrize("member", [False, True], ids=["stranger-404", "participant-403"])
def test_only_organisers_suspend(world, client, login, make_user, member):
    actor = world["readers"][0] if member else make_user(role=Role.ORGANISER)
    membership = membership_of(world, world["author"])
    login(actor)
    url = f"/c/{world['consultation'].id}/moderation/participants/{membership.id}/suspend"
    assert client.post(url, data={"reason": "x"}).status_code == (403 if member else 404)
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).suspended_at is None
