"""Consultations: list, create, edit, states, access."""

from datetime import datetime

import pytest
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.plans.models import (
    Consultation,
    ConsultationState,
    Criterion,
    MemberRole,
    Membership,
)

VALID = {
    "title": "RPIK Kota Palangka Raya",
    "summary": "Ringkasan **rencana**.",
    "department": "Dinas Perdagangan",
    "pre_opens_at": "2042-01-01T08:00",
    "pre_closes_at": "2042-01-10T17:00",
    "post_opens_at": "2042-01-13T08:00",
    "post_closes_at": "2042-01-25T17:00",
    "comment_visibility": "all",
    "moderation_mode": "post",
}


@pytest.fixture
def organiser(make_user):
    return make_user(role=Role.ORGANISER)


def test_organiser_creates_consultation_times_stored_as_utc(client, login, organiser):
    login(organiser)
    response = client.post("/c/new", data=VALID)
    assert response.status_code == 302
    consultation = db.session.scalar(select(Consultation))
    assert consultation.state == ConsultationState.DRAFT
    # 08:00 WIB is 01:00 UTC.
    assert consultation.pre_opens_at == datetime(2042, 1, 1, 1, 0)
    membership = db.session.scalar(select(Membership))
    assert (membership.user_id, membership.role) == (organiser.id, MemberRole.ORGANISER)
    criteria = db.session.scalars(select(Criterion).order_by(Criterion.position)).all()
    assert [c.label for c in criteria] == ["Relevansi", "Prioritas", "Kelayakan"]
    assert criteria[0].labels == ["Sangat rendah", "Rendah", "Sedang", "Tinggi", "Sangat tinggi"]
    assert db.session.scalar(select(AuditEvent.action)) == "consultation.created"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"pre_closes_at": "2041-12-31T08:00"}, "pre_closes_at", "must close after it opens"),
        ({"post_closes_at": "2042-01-13T07:00"}, "post_closes_at", "must close after it opens"),
        ({"post_opens_at": "2042-01-09T08:00"}, "post_opens_at", "must open after input before"),
        ({"pre_closes_at": ""}, "pre_closes_at", "Give both the opening and the closing"),
    ],
)
def test_bad_dates_show_field_errors_and_keep_typed_values(
    client, login, organiser, changes, field, message
):
    login(organiser)
    data = {**VALID, "pre_opens_at": "2042-01-01T08:00", **changes}
    data["title"] = "Judul yang saya ketik"
    response = client.post("/c/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in html
    assert message in html  # English msgids until the translator pass
    assert 'value="Judul yang saya ketik"' in html
    for value in changes.values():
        if value:
            assert f'value="{value}"' in html
    assert db.session.scalar(select(Consultation)) is None


def test_unreadable_date_is_an_error_at_the_field_and_kept(client, login, organiser):
    login(organiser)
    html = client.post("/c/new", data={**VALID, "pre_closes_at": "nonsense"}).get_data(as_text=True)
    assert 'id="pre_closes_at-error"' in html
    assert 'value="nonsense"' in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        # The FGD runs 11 January 2042, 09:00-12:00 WIB.
        ({"pre_closes_at": "2042-01-11T10:00"}, "pre_closes_at", "must close by the time"),
        ({"post_opens_at": "2042-01-11T11:00"}, "post_opens_at", "must open after the last"),
    ],
)
def test_windows_overlapping_the_fgd_are_refused_at_the_field_keeping_input(
    client, login, organiser, make_consultation, changes, field, message
):
    consultation = make_consultation(organiser=organiser, fgd_at=datetime(2042, 1, 11, 2))
    login(organiser)
    response = client.post(f"/c/{consultation.id}/edit", data={**VALID, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in html and message in html
    assert "11 Jan 2042" in html.split(f'id="{field}-error"')[1][:400]  # the FGD's date, in words
    assert list(changes.values())[0] in html
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).title != VALID["title"]


def test_window_message_is_translated(client, login, organiser, make_consultation):
    organiser.locale = "id"
    consultation = make_consultation(organiser=organiser, fgd_at=datetime(2042, 1, 11, 2))
    login(organiser)
    data = {**VALID, "pre_closes_at": "2042-01-11T10:00"}
    response = client.post(f"/c/{consultation.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "sesi FGD pertama" in html and "11 Jan 2042 09.00" in html


def test_participant_cannot_create_consultation(client, login, make_user):
    login(make_user(role=Role.PARTICIPANT))
    assert client.get("/c/new").status_code == 403
    assert client.post("/c/new", data=VALID).status_code == 403
    assert db.session.scalar(select(Consultation)) is None


def test_organiser_edits_consultation_and_extension_is_audited(
    client, login, organiser, make_consultation
):
    # Its FGD (11 January 2042, 09:00 WIB) lies between the windows VALID gives.
    consultation = make_consultation(organiser=organiser, fgd_at=datetime(2042, 1, 11, 2))
    login(organiser)
    form_html = client.get(f"/c/{consultation.id}/edit").get_data(as_text=True)
    assert consultation.title in form_html
    response = client.post(f"/c/{consultation.id}/edit", data=VALID)
    assert response.status_code == 302
    db.session.expire_all()
    consultation = db.session.get(Consultation, consultation.id)
    assert consultation.title == VALID["title"]
    assert consultation.post_closes_at == datetime(2042, 1, 25, 10, 0)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "consultation.updated"))
    before, after = event.data["changes"]["post_closes_at"]
    assert after == "2042-01-25T10:00:00"
    assert before != after
    assert event.consultation_id == consultation.id


def test_edit_form_shows_times_in_wib(client, login, organiser, make_consultation):
    consultation = make_consultation(
        organiser=organiser,
        pre_opens_at=datetime(2042, 1, 1, 1, 0),
        pre_closes_at=datetime(2042, 1, 10, 10, 0),
    )
    login(organiser)
    html = client.get(f"/c/{consultation.id}/edit").get_data(as_text=True)
    assert 'value="2042-01-01T08:00"' in html
    assert 'value="2042-01-10T17:00"' in html


def test_anonymous_is_sent_to_login(client, make_consultation):
    consultation = make_consultation()
    for path in ("/c/", "/c/new", f"/c/{consultation.id}/manage", f"/c/{consultation.id}/edit"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "path",
    [
        "/c/{id}/manage",
        "/c/{id}/edit",
        "/c/{id}/import",
        "/c/{id}/criteria",
        "/c/{id}/chapters/new",
    ],
)
def test_non_member_gets_404_and_participant_403_on_organiser_pages(
    client, login, make_user, make_consultation, path
):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    url = path.format(id=consultation.id)
    login(make_user())
    assert client.get(url).status_code == 404
    login(participant)
    assert client.get(url).status_code == 403
    login(make_user(role=Role.ORGANISER))  # an organiser of another consultation
    assert client.get(url).status_code == 404


def test_admin_manages_any_consultation(client, login, make_user, make_consultation):
    consultation = make_consultation()
    login(make_user(role=Role.ADMIN))
    assert client.get(f"/c/{consultation.id}/manage").status_code == 200


def test_list_shows_member_consultations_and_hides_drafts_from_participants(
    client, login, make_user, make_consultation
):
    participant = make_user()
    organiser = make_user(role=Role.ORGANISER)
    make_consultation(title="Terbit A", organiser=organiser, participants=[participant])
    draft = make_consultation(
        title="Draf B", organiser=organiser, participants=[participant], state="draft"
    )
    make_consultation(title="Lain C")
    login(participant)
    html = client.get("/c/").get_data(as_text=True)
    assert "Terbit A" in html
    assert "Draf B" not in html
    assert "Lain C" not in html
    assert "/c/new" not in html
    assert client.get(f"/c/{draft.id}").status_code == 404
    assert client.get(f"/c/{draft.id}/manage").status_code == 404
    login(organiser)
    html = client.get("/c/").get_data(as_text=True)
    assert "Terbit A" in html and "Draf B" in html and "Lain C" not in html
    assert "/c/new" in html
    login(make_user(role=Role.ADMIN))
    html = client.get("/c/").get_data(as_text=True)
    assert "Terbit A" in html and "Draf B" in html and "Lain C" in html


def test_list_shows_fgd_in_wib(client, login, make_user, make_consultation):
    participant = make_user()
    make_consultation(participants=[participant], fgd_at=datetime(2042, 3, 4, 2, 0))
    login(participant)
    html = client.get("/c/").get_data(as_text=True)
    # The same full form as on the overview, to the minute, naming the time zone.
    assert "Tuesday, 4 March 2042, 09:00 WIB" in html


def test_list_query_count_does_not_grow(client, login, make_user, make_consultation, count_queries):
    organiser = make_user(role=Role.ORGANISER)
    participant = make_user()
    make_consultation(organiser=organiser, participants=[participant])
    login(participant)
    with count_queries() as few:
        assert client.get("/c/").status_code == 200
    for _ in range(5):
        make_consultation(organiser=organiser, participants=[participant])
    with count_queries() as many:
        html = client.get("/c/").get_data(as_text=True)
    assert html.count("consultation-item") == 6
    assert many.count == few.count


def _state_of(consultation_id):
    db.session.expire_all()
    return db.session.get(Consultation, consultation_id).state


def test_state_transitions_are_post_only_and_audited(client, login, make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser, state=ConsultationState.DRAFT)
    cid = consultation.id
    login(organiser)
    assert client.get(f"/c/{cid}/publish").status_code == 405
    assert _state_of(cid) == ConsultationState.DRAFT
    steps = [
        ("publish", ConsultationState.PUBLISHED, "consultation.published"),
        ("close", ConsultationState.CLOSED, "consultation.closed"),
        ("reopen", ConsultationState.PUBLISHED, "consultation.reopened"),
        ("close", ConsultationState.CLOSED, "consultation.closed"),
        ("archive", ConsultationState.ARCHIVED, "consultation.archived"),
    ]
    for action, state, audit_action in steps:
        assert client.post(f"/c/{cid}/{action}").status_code == 302
        assert _state_of(cid) == state
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert event.action == audit_action
        assert event.actor_id == organiser.id
    assert client.get(f"/c/{cid}/archive").status_code == 405


def test_publish_records_before_and_after_state(client, login, make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser, state=ConsultationState.DRAFT)
    login(organiser)
    client.post(f"/c/{consultation.id}/publish")
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "consultation.published")
    )
    assert event.data["changes"] == {"state": ["draft", "published"]}


def test_impossible_transition_is_refused(client, login, make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser, state=ConsultationState.DRAFT)
    login(organiser)
    for action in ("archive", "close", "reopen"):
        response = client.post(f"/c/{consultation.id}/{action}", follow_redirects=True)
        assert response.status_code == 200
        assert _state_of(consultation.id) == ConsultationState.DRAFT


def test_participant_cannot_change_state(client, login, make_user, make_consultation):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    login(participant)
    assert client.post(f"/c/{consultation.id}/close").status_code == 403
    login(make_user())
    assert client.post(f"/c/{consultation.id}/close").status_code == 404
    assert _state_of(consultation.id) == ConsultationState.PUBLISHED
