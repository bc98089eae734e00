"""One rule for running a consultation: can_manage and its SQL twins, at every place using it.

Admins and the organisers of a consultation manage it; an organiser of another consultation
and its participants do not.
"""

import json

import pytest
from flask_babel import gettext as _
from sqlalchemy import select

from consult.audit import record
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment
from consult.feedback.queries import visible_condition
from consult.moderation import services as moderation
from consult.permissions import can_manage, managed_consultation_ids, manager_ids
from consult.plans import services as plans
from consult.plans.models import CommentVisibility, ConsultationState, MemberRole, Membership
from consult.reports.exports import ExportFilters, Identities, run_export
from tests.conftest import first_strategy

MANAGE_PAGES = [
    "/c/{id}/manage",
    "/c/{id}/analysis",
    "/c/{id}/responses",
    "/c/{id}/export",
    "/c/{id}/participants",
    "/c/{id}/moderation/participants",
]


@pytest.fixture
def people(make_user, make_consultation):
    admin = make_user(role=Role.ADMIN)
    organiser = make_user(role=Role.ORGANISER)
    other_organiser = make_user(role=Role.ORGANISER)
    participant = make_user()
    consultation = make_consultation(organiser=organiser, participants=[participant])
    other = make_consultation(organiser=other_organiser)
    db.session.commit()
    return {
        "admin": admin,
        "organiser": organiser,
        "other_organiser": other_organiser,
        "participant": participant,
        "consultation": consultation,
        "other": other,
    }


MANAGERS = ("admin", "organiser")
NOT_MANAGERS = ("other_organiser", "participant")


def test_python_check_admits_admins_and_its_organisers_only(people):
    consultation = people["consultation"]
    for who in MANAGERS:
        assert can_manage(people[who], consultation), who
    for who in NOT_MANAGERS:
        assert not can_manage(people[who], consultation), who


def test_sql_twins_agree_with_the_python_check(people):
    consultation = people["consultation"]
    managers = set(db.session.scalars(manager_ids(consultation)))
    for who in (*MANAGERS, *NOT_MANAGERS):
        user = people[who]
        managed = set(db.session.scalars(managed_consultation_ids(user)))
        assert (consultation.id in managed) is can_manage(user, consultation), who
        assert (user.id in managers) is can_manage(user, consultation), who
    assert people["other"].id in set(db.session.scalars(managed_consultation_ids(people["admin"])))


@pytest.mark.parametrize("page", MANAGE_PAGES)
def test_manage_pages_open_to_admins_and_organisers_of_this_consultation(
    people, client, login, page
):
    url = page.format(id=people["consultation"].id)
    expected = {"admin": 200, "organiser": 200, "other_organiser": 404, "participant": 403}
    for who, status in expected.items():
        login(people[who])
        assert client.get(url).status_code == status, (who, url)


def test_draft_is_listed_and_offered_for_managing_to_admins_and_its_organisers(
    people, make_consultation
):
    draft = make_consultation(organiser=people["organiser"], state=ConsultationState.DRAFT)
    db.session.commit()
    for who in (*MANAGERS, *NOT_MANAGERS):
        user = people[who]
        listed = list(db.session.scalars(plans.visible_consultations_query(user)))
        assert (draft in listed) is (who in MANAGERS), who
        managed = plans.managed_ids([draft, people["consultation"]], user)
        assert (draft.id in managed) is (who in MANAGERS), who


def test_moderation_queue_and_audit_trail_cover_managed_consultations_only(people):
    consultation = people["consultation"]
    record("test.event", people["organiser"], consultation, consultation_id=consultation.id)
    db.session.flush()
    for who in (*MANAGERS, *NOT_MANAGERS):
        user = people[who]
        moderated = moderation.moderated_consultations(user)
        assert (consultation in moderated) is (who in MANAGERS), who
        events = db.session.scalars(moderation.audit_query(user, moderation.AuditFilters()))
        seen = {event.consultation_id for event in events}
        assert (consultation.id in seen) is (who in MANAGERS), who


def test_replies_of_admins_and_organisers_reach_the_author_of_a_confidential_comment(people):
    consultation = people["consultation"]
    consultation.comment_visibility = CommentVisibility.ORGANISERS
    strategy = first_strategy(consultation)
    question = Comment(
        consultation_id=consultation.id,
        strategy_id=strategy.id,
        author_id=people["participant"].id,
        body="Pertanyaan",
    )
    db.session.add(question)
    db.session.flush()
    replies = {}
    for who in (*MANAGERS, "other_organiser"):
        reply = Comment(
            consultation_id=consultation.id,
            strategy_id=strategy.id,
            author_id=people[who].id,
            parent_id=question.id,
            body=f"Jawaban {who}",
        )
        db.session.add(reply)
        replies[who] = reply
    db.session.flush()
    seen = set(
        db.session.scalars(
            select(Comment.id).where(visible_condition(people["participant"], consultation))
        )
    )
    assert replies["admin"].id in seen and replies["organiser"].id in seen
    assert replies["other_organiser"].id not in seen


def test_anonymised_export_shows_admins_and_organisers_as_organisers(people, app):
    consultation = people["consultation"]
    with app.test_request_context():
        identities = Identities(consultation, anonymise=True)
        organiser = str(_("Organiser"))
        for who in MANAGERS:
            name, _organisation, _email = identities.person(people[who].id, "X", "", "", None)
            assert name.startswith(organiser + " "), who
        for who in NOT_MANAGERS:
            name, _organisation, _email = identities.person(people[who].id, "X", "", "", None)
            assert not name.startswith(organiser), who
    result = run_export("json", consultation, ExportFilters(anonymise=True), people["admin"])
    assert json.loads(result.path.read_bytes())["schema"] == "rembuk-export/1"
    result.path.unlink()


def test_members_who_run_the_consultation_cannot_be_suspended(people):
    consultation = people["consultation"]
    membership = Membership(
        consultation_id=consultation.id, user_id=people["admin"].id, role=MemberRole.PARTICIPANT
    )
    db.session.add(membership)
    db.session.flush()
    with pytest.raises(moderation.ModerationError):
        moderation.suspend_participant(membership, people["organiser"], "Kasar")
    participant = db.session.scalar(
        select(Membership).where(Membership.user_id == people["participant"].id)
    )
    moderation.suspend_participant(participant, people["organiser"], "Kasar")
    assert participant.suspended_at is not None
