"""The privacy notice: shown and accepted on invitation, re-accepted after a new version."""

import pytest
from flask_babel import refresh
from sqlalchemy import select

from consult.auth.models import Role, User
from consult.auth.services import create_invitation
from consult.auth.tokens import make_invitation_token
from consult.extensions import db
from consult.privacy.models import NoticeAcceptance, PrivacyNotice
from consult.privacy.notices import publish_notice

PASSWORD = "kopi-susu-pagi-hari"


@pytest.fixture
def admin(make_user):
    return make_user(role=Role.ADMIN, password="kunci-rahasia-admin")


@pytest.fixture
def notice(admin):
    notice = publish_notice(admin, "Data Anda dilindungi (v1).", "Your data are protected (v1).")
    admin.notice_version = notice.version
    db.session.commit()
    return notice


@pytest.fixture
def invitation_path(make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    newcomer = User(email="siti@example.org", name="Siti Rahma")
    db.session.add(newcomer)
    db.session.flush()
    invitation = create_invitation(newcomer, organiser, consultation.id)
    db.session.commit()
    return "/invitation/" + make_invitation_token(invitation.id, invitation.nonce)


def _acceptances(user_id):
    return db.session.scalars(
        select(NoticeAcceptance).where(NoticeAcceptance.user_id == user_id)
    ).all()


def test_invitation_page_shows_the_notice_and_refuses_without_acceptance(
    client, notice, invitation_path
):
    page = client.get(invitation_path).get_data(as_text=True)
    assert "Your data are protected (v1)." in page
    response = client.post(invitation_path, data={"new_password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 200
    assert "Please read and accept the privacy notice." in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "siti@example.org"))
    assert user.password_hash is None
    assert _acceptances(user.id) == []


def test_accepting_an_invitation_records_the_notice_version_and_time(
    client, notice, invitation_path
):
    response = client.post(
        invitation_path,
        data={"new_password": PASSWORD, "confirm": PASSWORD, "privacy_accepted": "y"},
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "siti@example.org"))
    (acceptance,) = _acceptances(user.id)
    assert (acceptance.version, acceptance.context) == (notice.version, "invitation")
    assert acceptance.accepted_at is not None
    assert user.notice_version == notice.version
    # Straight on to the consultations: nothing more to accept.
    assert client.get("/c/").status_code == 200


def test_a_new_version_is_accepted_again_before_going_on(client, login, admin, notice, make_user):
    person = make_user(notice_version=notice.version)
    login(person)
    assert client.get("/c/").status_code == 200
    new = publish_notice(admin, "Versi dua.", "Version two.", note="Retention added.")
    db.session.commit()
    response = client.get("/c/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/privacy/accept?next=/c/")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Version two." in page and "Retention added." in page
    refused = client.post("/privacy/accept?next=/c/", data={"next": "/c/"})
    assert refused.status_code == 200
    assert client.get("/c/").status_code == 302
    accepted = client.post("/privacy/accept", data={"accepted": "y", "next": "/c/"})
    assert accepted.headers["Location"] == "/c/"
    assert [a.version for a in _acceptances(person.id)] == [new.version]
    assert client.get("/c/").status_code == 200


def test_someone_asked_to_accept_may_read_the_notice_and_log_out(
    client, login, admin, notice, make_user
):
    person = make_user()  # an account from before the notice: never accepted one
    login(person)
    assert client.get("/c/").status_code == 302
    assert "Your data are protected (v1)." in client.get("/privacy").get_data(as_text=True)
    assert client.post("/logout").headers["Location"].endswith("/login")


def test_a_form_being_sent_is_not_lost_when_a_new_version_appears(
    client, login, admin, notice, make_user
):
    person = make_user()
    login(person)
    # POSTs pass (what was typed is kept); the next page asks.
    response = client.post("/account", data={"name": "Nama Baru", "locale": "en"})
    assert response.status_code == 302
    assert db.session.get(User, person.id).name == "Nama Baru"


def test_privacy_page_is_public_and_in_the_readers_language(client, notice):
    assert "Your data are protected (v1)." in client.get("/privacy").get_data(as_text=True)
    client.post("/language", data={"lang": "id"})
    refresh()  # the test's app context outlives requests: forget the cached locale
    assert "Data Anda dilindungi (v1)." in client.get("/privacy").get_data(as_text=True)


def test_admin_publishes_a_new_version_without_a_code_change(client, login, admin, notice):
    login(admin)
    form = client.get("/admin/privacy/notices").get_data(as_text=True)
    assert "Data Anda dilindungi (v1)." in form  # prefilled with the current text
    response = client.post(
        "/admin/privacy/notices",
        data={"body_id": "Teks baru.", "body_en": "New text.", "note": "Shorter."},
    )
    assert response.status_code == 302
    latest = db.session.scalar(select(PrivacyNotice).order_by(PrivacyNotice.version.desc()))
    assert (latest.version, latest.body_en) == (2, "New text.")
    assert "New text." in client.get("/privacy").get_data(as_text=True)


def test_publishing_an_empty_notice_keeps_what_was_typed(client, login, admin, notice):
    login(admin)
    response = client.post("/admin/privacy/notices", data={"body_id": "", "body_en": "Draft."})
    assert response.status_code == 200
    assert "Draft." in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(PrivacyNotice.version).order_by(PrivacyNotice.version.desc())) == 1
    )


def test_a_nul_character_in_the_notice_is_refused_at_the_field(client, login, admin, notice):
    login(admin)
    response = client.post(
        "/admin/privacy/notices", data={"body_id": "Teks\x00baru.", "body_en": "New text."}
    )
    assert response.status_code == 200
    assert "cannot be saved" in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(PrivacyNotice.version).order_by(PrivacyNotice.version.desc())) == 1
    )
