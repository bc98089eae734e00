"""The moderation queue: modes, filters, decisions, bulk actions, access, audit records."""

import pytest
from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus, CommentType
from consult.mail import OutboxMail
from consult.moderation import services
from consult.notifications import Notification, NotificationKind
from consult.plans.models import Chapter, ModerationMode, Section, Strategy
from tests.conftest import first_strategy


@pytest.fixture
def setup(make_user, make_consultation, make_group):
    kadin, academia = make_group("KADIN"), make_group("Akademisi")
    organiser = make_user(role=Role.ORGANISER)
    alice = make_user(group=kadin, locale="en")
    bob = make_user(group=academia)
    consultation = make_consultation(
        organiser=organiser, participants=[alice, bob], moderation_mode=ModerationMode.PRE
    )
    return {
        "organiser": organiser,
        "alice": alice,
        "bob": bob,
        "kadin": kadin,
        "academia": academia,
        "consultation": consultation,
    }


def make_comment(consultation, author, status=CommentStatus.PENDING, **kw):
    values = {"strategy_id": first_strategy(consultation).id}
    values.update(kw)
    comment = Comment(
        consultation_id=consultation.id,
        author_id=author.id if author else None,
        group_id=author.group_id if author else None,
        body=kw.pop("body", "Komentar tentang strategi ini."),
        type=kw.pop("type", CommentType.OTHER),
        status=status,
        **{k: v for k, v in values.items() if k not in ("body", "type")},
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def audit_actions(comment=None):
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if comment is not None:
        query = query.where(AuditEvent.object_type == "comment", AuditEvent.object_id == comment.id)
    return list(db.session.scalars(query))


def test_pre_moderated_comment_stays_pending_until_approved(setup, client, login):
    comment = make_comment(setup["consultation"], setup["alice"])
    login(setup["organiser"])
    page = client.get("/moderation")
    assert page.status_code == 200
    assert f'id="queue-{comment.id}"' in page.text
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING

    response = client.post(f"/moderation/comments/{comment.id}/decide", data={"action": "approve"})
    assert response.status_code == 302
    db.session.expire_all()
    comment = db.session.get(Comment, comment.id)
    assert comment.status == CommentStatus.PUBLISHED
    assert comment.moderated_by_id == setup["organiser"].id
    assert comment.moderated_at is not None
    approved = db.session.scalar(select(Notification))
    assert approved.kind == NotificationKind.COMMENT_APPROVED
    assert approved.link.endswith(f"#comment-{comment.id}")
    assert f'id="queue-{comment.id}"' not in client.get("/moderation").text


def test_post_moderation_queue_shows_only_flagged_published_comments(setup, client, login):
    consultation = setup["consultation"]
    consultation.moderation_mode = ModerationMode.POST
    quiet = make_comment(consultation, setup["alice"], status=CommentStatus.PUBLISHED)
    flagged = make_comment(consultation, setup["alice"], status=CommentStatus.PUBLISHED)
    services.flag_comment(flagged, setup["bob"], "spam", "iklan")
    db.session.commit()
    login(setup["organiser"])
    page = client.get("/moderation").text
    assert f'id="queue-{flagged.id}"' in page
    assert f'id="queue-{quiet.id}"' not in page
    assert "iklan" in page


def test_reject_requires_a_reason_and_tells_the_author_why(setup, client, login):
    comment = make_comment(setup["consultation"], setup["alice"])
    login(setup["organiser"])
    client.post(f"/moderation/comments/{comment.id}/decide", data={"action": "reject"})
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING

    client.post(
        f"/moderation/comments/{comment.id}/decide",
        data={"action": "reject", "reason": "off_topic", "note": "Please comment on 1.1.1."},
    )
    db.session.expire_all()
    comment = db.session.get(Comment, comment.id)
    assert comment.status == CommentStatus.REJECTED
    # Alice reads English: the reason label is in her language.
    assert comment.moderation_reason == "Off-topic: Please comment on 1.1.1."
    notification = db.session.scalar(select(Notification))
    assert notification.user_id == setup["alice"].id
    assert notification.kind == NotificationKind.COMMENT_REJECTED
    assert notification.link == "/my-input"  # where the author still finds it, and why
    mail = db.session.scalar(select(OutboxMail))
    assert mail.recipient == setup["alice"].email
    assert "Off-topic: Please comment on 1.1.1." in mail.body


def test_every_decision_leaves_an_audit_record_with_before_and_after(setup):
    organiser = setup["organiser"]
    comment = make_comment(setup["consultation"], setup["alice"])
    services.approve_comment(comment, organiser)
    services.hide_comment(comment, organiser, "offensive", "kata kasar")
    services.restore_comment(comment, organiser)
    other = make_comment(setup["consultation"], setup["alice"])
    services.reject_comment(other, organiser, "duplicate")
    db.session.commit()
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "comment").order_by(AuditEvent.id)
    ).all()
    summary = [(e.action, e.object_id, e.data["before"], e.data["after"]) for e in events]
    assert summary == [
        ("comment.approve", comment.id, "pending", "published"),
        ("comment.hide", comment.id, "published", "hidden"),
        ("comment.restore", comment.id, "hidden", "published"),
        ("comment.reject", other.id, "pending", "rejected"),
    ]
    assert all(e.actor_id == organiser.id for e in events)
    assert events[1].data["reason"] == "offensive"
    assert events[1].data["note"] == "kata kasar"


def test_hidden_and_rejected_comments_are_kept_and_restorable(setup, client, login):
    comment = make_comment(setup["consultation"], setup["alice"], status=CommentStatus.PUBLISHED)
    services.hide_comment(comment, setup["organiser"], "personal_data")
    db.session.commit()
    login(setup["organiser"])
    assert f'id="queue-{comment.id}"' not in client.get("/moderation").text
    hidden_view = client.get("/moderation?view=hidden").text
    assert f'id="queue-{comment.id}"' in hidden_view
    assert db.session.scalar(select(func.count(Comment.id))) == 1
    client.post(f"/moderation/comments/{comment.id}/decide", data={"action": "restore"})
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PUBLISHED


def test_invalid_transition_is_refused_with_a_message(setup, client, login):
    comment = make_comment(setup["consultation"], setup["alice"], status=CommentStatus.WITHDRAWN)
    login(setup["organiser"])
    response = client.post(
        f"/moderation/comments/{comment.id}/decide",
        data={"action": "hide", "reason": "spam"},
        follow_redirects=True,
    )
    assert "cannot be hidden" in response.text
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.WITHDRAWN
    assert audit_actions(comment) == []


def _second_section(consultation):
    chapter = db.session.scalar(select(Chapter).where(Chapter.consultation_id == consultation.id))
    section = Section(chapter_id=chapter.id, position=2, code="1.2", title="Kedua", body="x")
    db.session.add(section)
    db.session.flush()
    strategy = Strategy(section_id=section.id, position=1, code="1.2.1", title="Lain")
    db.session.add(strategy)
    db.session.commit()
    return section, strategy


def queue_ids(client, query=""):
    import re

    return {int(m) for m in re.findall(r'id="queue-(\d+)"', client.get(f"/moderation{query}").text)}


def test_queue_filters_by_consultation_section_group_and_type(
    setup, client, login, make_consultation
):
    consultation = setup["consultation"]
    alice, bob = setup["alice"], setup["bob"]
    section, strategy = _second_section(consultation)
    first_section_id = first_strategy(consultation).section_id
    on_first = make_comment(consultation, alice, type=CommentType.SUPPORT)
    on_second_strategy = make_comment(consultation, bob, strategy_id=strategy.id)
    on_second_section = make_comment(
        consultation, bob, strategy_id=None, section_id=section.id, type=CommentType.QUESTION
    )
    other = make_consultation(
        organiser=setup["organiser"], participants=[alice], moderation_mode=ModerationMode.PRE
    )
    elsewhere = make_comment(other, alice)
    login(setup["organiser"])
    c = consultation.id
    assert queue_ids(client) == {
        on_first.id,
        on_second_strategy.id,
        on_second_section.id,
        elsewhere.id,
    }
    assert queue_ids(client, f"?consultation={other.id}") == {elsewhere.id}
    assert queue_ids(client, f"?consultation={c}&section={section.id}") == {
        on_second_strategy.id,
        on_second_section.id,
    }
    assert queue_ids(client, f"?consultation={c}&section={first_section_id}") == {on_first.id}
    assert queue_ids(client, f"?group={setup['academia'].id}") == {
        on_second_strategy.id,
        on_second_section.id,
    }
    assert queue_ids(client, "?type=question") == {on_second_section.id}
    assert queue_ids(client, f"?type=support&group={setup['kadin'].id}") == {on_first.id}


def test_queue_is_oldest_first_and_paginated(setup, client, login, app):
    app.config["PAGE_SIZE"] = 2
    comments = [make_comment(setup["consultation"], setup["alice"]) for _ in range(3)]
    login(setup["organiser"])
    import re

    first = re.findall(r'id="queue-(\d+)"', client.get("/moderation").text)
    second = re.findall(r'id="queue-(\d+)"', client.get("/moderation?page=2").text)
    assert [int(i) for i in first + second] == [c.id for c in comments]


def test_each_card_decides_on_its_own_comment(setup, client, login):
    import re

    comments = [make_comment(setup["consultation"], setup["alice"]) for _ in range(2)]
    login(setup["organiser"])
    page = client.get("/moderation").text
    for comment in comments:
        card = page[page.index(f'id="queue-{comment.id}"') :].split("</article>")[0]
        assert f'action="/moderation/comments/{comment.id}/decide"' in card
        assert f'<label class="form-label small" for="reason-{comment.id}">' in card
        assert re.search(rf'<select[^>]*id="reason-{comment.id}"', card)
        assert re.search(rf'<(input|textarea)[^>]*id="note-{comment.id}"', card)
        assert "918273645" not in card
    # The form as the card sends it decides on that comment only.
    client.post(
        f"/moderation/comments/{comments[1].id}/decide",
        data={"action": "reject", "reason": "off_topic", "note": ""},
    )
    db.session.expire_all()
    assert [c.status for c in comments] == [CommentStatus.PENDING, CommentStatus.REJECTED]


def test_queue_loads_in_a_fixed_number_of_queries(setup, client, login, count_queries):
    login(setup["organiser"])
    make_comment(setup["consultation"], setup["alice"])
    flagged = make_comment(setup["consultation"], setup["bob"], status=CommentStatus.PUBLISHED)
    services.flag_comment(flagged, setup["alice"], "spam")
    db.session.commit()
    with count_queries() as few:
        client.get("/moderation")
    for _ in range(6):
        comment = make_comment(setup["consultation"], setup["bob"], status=CommentStatus.PUBLISHED)
        services.flag_comment(comment, setup["alice"], "spam")
        db.session.commit()
    with count_queries() as many:
        client.get("/moderation")
    assert many.count == few.count


def test_bulk_action_applies_one_reason_to_the_whole_selection(setup, client, login):
    comments = [make_comment(setup["consultation"], setup["bob"]) for _ in range(3)]
    login(setup["organiser"])
    response = client.post(
        "/moderation/bulk",
        data={
            "comment_ids": [c.id for c in comments[:2]],
            "action": "reject",
            "reason": "spam",
            "note": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    statuses = [db.session.get(Comment, c.id).status for c in comments]
    assert statuses == [CommentStatus.REJECTED, CommentStatus.REJECTED, CommentStatus.PENDING]
    reasons = {db.session.get(Comment, c.id).moderation_reason for c in comments[:2]}
    assert len(reasons) == 1 and reasons != {""}
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "comment.reject"))
    assert sorted(e.object_id for e in events) == [comments[0].id, comments[1].id]


def test_bulk_with_an_invalid_transition_changes_nothing(setup, client, login):
    pending = make_comment(setup["consultation"], setup["bob"])
    published = make_comment(setup["consultation"], setup["bob"], status=CommentStatus.PUBLISHED)
    login(setup["organiser"])
    client.post(
        "/moderation/bulk",
        data={"comment_ids": [pending.id, published.id], "action": "reject", "reason": "spam"},
    )
    db.session.expire_all()
    assert db.session.get(Comment, pending.id).status == CommentStatus.PENDING
    assert audit_actions(pending) == []


@pytest.mark.parametrize("member", [False, True], ids=["not-member-404", "participant-403"])
def test_moderator_of_another_consultation_is_refused(
    setup, client, login, make_user, make_consultation, member
):
    stranger = make_user(role=Role.ORGANISER)
    make_consultation(organiser=stranger)  # they moderate their own consultation only
    if member:
        from consult.plans.models import Membership

        db.session.add(Membership(consultation_id=setup["consultation"].id, user_id=stranger.id))
        db.session.commit()
    status = 403 if member else 404
    comment = make_comment(setup["consultation"], setup["alice"])
    login(stranger)
    decide = client.post(
        f"/moderation/comments/{comment.id}/decide", data={"action": "reject", "reason": "spam"}
    )
    assert decide.status_code == status
    assert client.get(f"/moderation?consultation={setup['consultation'].id}").status_code == status
    assert f'id="queue-{comment.id}"' not in client.get("/moderation").text
    assert (
        client.get(f"/c/{setup['consultation'].id}/moderation/participants").status_code == status
    )
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING


def test_bulk_selection_with_a_foreign_comment_is_refused_entirely(
    setup, client, login, make_user, make_consultation
):
    stranger = make_user(role=Role.ORGANISER)
    theirs = make_consultation(organiser=stranger, moderation_mode=ModerationMode.PRE)
    own = make_comment(theirs, None)
    foreign = make_comment(setup["consultation"], setup["alice"])
    login(stranger)
    response = client.post(
        "/moderation/bulk",
        data={"comment_ids": [own.id, foreign.id], "action": "reject", "reason": "spam"},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Comment, own.id).status == CommentStatus.PENDING
    assert db.session.get(Comment, foreign.id).status == CommentStatus.PENDING


def test_participant_cannot_open_the_queue(setup, client, login):
    login(setup["alice"])
    assert client.get("/moderation").status_code == 403


def test_decisions_are_post_only(setup, client, login):
    comment = make_comment(setup["consultation"], setup["alice"])
    login(setup["organiser"])
    assert client.get(f"/moderation/comments/{comment.id}/decide").status_code == 405
    assert client.get("/moderation/bulk").status_code == 405


def test_anonymous_is_sent_to_login(client, setup):
    response = client.get("/moderation")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
