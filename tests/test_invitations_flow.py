"""Inviting participants (one, CSV), accepting invitation links, the participants page."""

import html
import io
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import Invitation, Role, User
from consult.auth.services import ensure_default_groups
from consult.extensions import db
from consult.mail import OutboxMail
from consult.plans.models import ConsultationState, Membership
from consult.timeutil import utcnow

NEW_PASSWORD = "kopi-susu-pagi-hari"


@pytest.fixture
def setup(app, make_user, make_consultation, login):
    ensure_default_groups()
    db.session.commit()
    organiser = make_user(role=Role.ORGANISER, password="kunci-rahasia-kantor")
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    return consultation, organiser


def _group_id(name):
    from consult.auth.models import StakeholderGroup

    return db.session.scalar(select(StakeholderGroup.id).where(StakeholderGroup.name == name))


def _invite(client, consultation, email="siti@example.org", **extra):
    data = {
        "name": "Siti Rahma",
        "email": email,
        "organisation": "Universitas Palangka Raya",
        "position": "Dosen",
        "group": _group_id("Akademisi"),
        **extra,
    }
    return client.post(f"/c/{consultation.id}/participants/invite", data=data)


def _invitation_path(email):
    mail = db.session.scalar(
        select(OutboxMail)
        .where(OutboxMail.recipient == email, OutboxMail.kind == "invitation")
        .order_by(OutboxMail.id.desc())
    )
    assert mail is not None and mail.sensitive
    return "/invitation/" + re.search(r"/invitation/(\S+)", mail.body).group(1)


def _accept(client, path, password=NEW_PASSWORD):
    return client.post(path, data={"new_password": password, "confirm": password})


def _logged_in_as(client):
    response = client.get("/account")
    return response.status_code == 200 and response.get_data(as_text=True)


# --- inviting --------------------------------------------------------------------------------


def test_inviting_a_new_person_creates_account_membership_invitation_and_mail(client, setup):
    consultation, organiser = setup
    response = _invite(client, consultation)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "siti@example.org"))
    assert user.password_hash is None
    assert user.group.name == "Akademisi"
    assert (user.organisation, user.position) == ("Universitas Palangka Raya", "Dosen")
    assert db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.consultation_id == consultation.id
        )
    )
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == user.id))
    assert invitation.consultation_id == consultation.id
    assert invitation.created_by_id == organiser.id
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "invitation"))
    assert mail.recipient == "siti@example.org" and mail.sensitive
    assert consultation.title in mail.body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.sent"))
    assert event.consultation_id == consultation.id


def test_inviting_an_existing_account_adds_membership_and_sends_notice(client, setup, make_user):
    consultation, _ = setup
    existing = make_user(email="budi@example.org", password="sandi-lama-sekali")
    response = _invite(client, consultation, email="BUDI@example.org", name="Other Name")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(User.id)).where(User.email.like("budi%"))) == 1
    db.session.refresh(existing)
    assert existing.name != "Other Name"
    assert db.session.scalar(select(Membership).where(Membership.user_id == existing.id))
    kinds = list(db.session.scalars(select(OutboxMail.kind)))
    assert kinds == ["membership"]
    assert db.session.scalar(select(Invitation)) is None


def test_invite_form_errors_keep_input(client, setup):
    consultation, _ = setup
    response = _invite(client, consultation, email="not-an-email", group=0)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and 'id="group-error"' in page
    assert 'value="Siti Rahma"' in page
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_participants_page_lists_group_and_invitation_state(client, setup, make_user):
    consultation, _ = setup
    _invite(client, consultation)
    _invite(client, consultation, email="lama@example.org", name="Lama Sekali")
    old = db.session.scalar(select(User).where(User.email == "lama@example.org"))
    db.session.execute(
        Invitation.__table__.update()
        .where(Invitation.user_id == old.id)
        .values(expires_at=utcnow() - timedelta(days=1))
    )
    db.session.commit()
    page = client.get(f"/c/{consultation.id}/participants").get_data(as_text=True)
    assert "Siti Rahma" in page and "Akademisi" in page
    assert "pending" in page or "tertunda" in page
    assert "expired" in page or "kedaluwarsa" in page
    assert "accepted" in page or "diterima" in page  # the organiser


# --- accepting -------------------------------------------------------------------------------


def test_valid_invitation_sets_password_and_logs_in(app, client, setup):
    consultation, _ = setup
    _invite(client, consultation)
    path = _invitation_path("siti@example.org")
    invitee = app.test_client()
    page = invitee.get(path)
    assert page.status_code == 200
    assert b"siti@example.org" in page.data
    response = _accept(invitee, path)
    assert response.status_code == 302
    assert "siti@example.org" in _logged_in_as(invitee)
    user = db.session.scalar(select(User).where(User.email == "siti@example.org"))
    assert user.password_hash.startswith("scrypt:")
    assert db.session.scalar(select(Invitation.used_at)) is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.accepted"))


@pytest.mark.parametrize("chosen", [None, "en"])
def test_language_chosen_on_the_invitation_page_becomes_the_accounts(app, client, setup, chosen):
    consultation, _ = setup
    _invite(client, consultation)
    path = _invitation_path("siti@example.org")
    invitee = app.test_client()
    if chosen:
        invitee.post("/language", data={"lang": chosen, "next": path})
    _accept(invitee, path)
    user = db.session.scalar(select(User).where(User.email == "siti@example.org"))
    db.session.refresh(user)
    assert user.locale == chosen  # mails and notices then come in that language


def test_invitation_link_is_single_use(app, client, setup):
    consultation, _ = setup
    _invite(client, consultation)
    path = _invitation_path("siti@example.org")
    _accept(app.test_client(), path)
    again = app.test_client()
    assert again.get(path).status_code == 410
    response = _accept(again, path, password="another-password-x")
    assert response.status_code == 410
    assert not _logged_in_as(again)


def test_expired_invitation_is_refused(app, client, setup):
    consultation, _ = setup
    _invite(client, consultation)
    path = _invitation_path("siti@example.org")
    invitee = app.test_client()
    with time_machine.travel(timedelta(days=app.config["INVITATION_MAX_AGE_DAYS"], hours=1)):
        assert invitee.get(path).status_code == 410
        assert _accept(invitee, path).status_code == 410
    user = db.session.scalar(select(User).where(User.email == "siti@example.org"))
    assert user.password_hash is None


def test_invitation_past_its_expiry_date_is_refused(app, client, setup):
    consultation, _ = setup
    _invite(client, consultation)
    path = _invitation_path("siti@example.org")
    db.session.execute(
        Invitation.__table__.update().values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 410


def test_tampered_invitation_token_is_refused(app, client, setup):
    consultation, _ = setup
    _invite(client, consultation)
    path = _invitation_path("siti@example.org")
    invitee = app.test_client()
    tampered = path[:-3] + ("xyz" if not path.endswith("xyz") else "abc")
    assert invitee.get(tampered).status_code == 400
    assert _accept(invitee, tampered).status_code == 400
    assert invitee.get("/invitation/garbage").status_code == 400
    assert not _logged_in_as(invitee)


def test_expired_invitation_cannot_be_revived_by_password_reset(app, client, setup):
    consultation, _ = setup
    _invite(client, consultation)
    db.session.execute(
        Invitation.__table__.update().values(expires_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    stranger = app.test_client()
    response = stranger.post("/reset", data={"email": "siti@example.org"})
    assert response.status_code == 302
    kinds = list(db.session.scalars(select(OutboxMail.kind)))
    assert "password_reset" not in kinds


def test_resend_invalidates_the_old_link(app, client, setup):
    consultation, _ = setup
    _invite(client, consultation)
    old_path = _invitation_path("siti@example.org")
    membership = db.session.scalar(
        select(Membership).join(User).where(User.email == "siti@example.org")
    )
    response = client.post(f"/c/{consultation.id}/participants/{membership.id}/resend")
    assert response.status_code == 302
    new_path = _invitation_path("siti@example.org")
    assert new_path != old_path
    invitee = app.test_client()
    assert invitee.get(old_path).status_code == 410
    assert invitee.get(new_path).status_code == 200


def test_invitation_link_page_gives_a_fresh_working_link(app, client, setup):
    consultation, _ = setup
    _invite(client, consultation)
    membership = db.session.scalar(
        select(Membership).join(User).where(User.email == "siti@example.org")
    )
    response = client.post(f"/c/{consultation.id}/participants/{membership.id}/link")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    path = "/invitation/" + re.search(
        r"/invitation/([^\"\s]+)", response.get_data(as_text=True)
    ).group(1)
    assert app.test_client().get(path).status_code == 200
    assert app.test_client().get(_invitation_path("siti@example.org")).status_code == 410
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "invitation.link_created")
    )


def test_accept_refuses_common_password_at_the_field(app, client, setup):
    consultation, _ = setup
    _invite(client, consultation)
    path = _invitation_path("siti@example.org")
    response = _accept(app.test_client(), path, password="sayang12345")
    assert response.status_code == 200
    assert b'id="new_password-error"' in response.data


# --- CSV import ------------------------------------------------------------------------------


def _upload(client, consultation, content: bytes, filename="peserta.csv"):
    return client.post(
        f"/c/{consultation.id}/participants/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_good_csv_with_bom_and_semicolons_invites_everyone(client, setup, make_user):
    consultation, _ = setup
    make_user(email="budi@example.org", password="sandi-lama-sekali")
    content = (
        "\ufeffnama;email;organisasi;kelompok;jabatan\n"
        "Siti Rahma;siti@example.org;Universitas Palangka Raya;Akademisi;Dosen\n"
        "Budi Santoso;Budi@Example.org;PT Sawit;pelaku industri;Direktur\n"
        "Agus;agus@example.org;KADIN Kalteng;KADIN;\n"
    ).encode()
    response = _upload(client, consultation, content)
    assert response.status_code == 302
    emails = set(
        db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.consultation_id == consultation.id)
        )
    )
    assert {"siti@example.org", "budi@example.org", "agus@example.org"} <= emails
    siti = db.session.scalar(select(User).where(User.email == "siti@example.org"))
    assert (siti.group.name, siti.position) == ("Akademisi", "Dosen")
    kinds = sorted(db.session.scalars(select(OutboxMail.kind)))
    assert kinds == ["invitation", "invitation", "membership"]


def test_csv_without_header_comma_separated(client, setup):
    consultation, _ = setup
    content = b"Siti Rahma,siti@example.org,UPR,Akademisi\n"
    assert _upload(client, consultation, content).status_code == 302
    assert db.session.scalar(select(User).where(User.email == "siti@example.org"))


def test_csv_with_bad_rows_imports_nothing_and_reports_each_row(client, setup):
    consultation, _ = setup
    content = (
        b"name,email,organisation,group\n"
        b"Siti Rahma,siti@example.org,UPR,Akademisi\n"
        b",nama@example.org,UPR,Akademisi\n"
        b"Budi,not-an-email,PT,KADIN\n"
        b"Agus,agus@example.org,PT,Astronot\n"
        b"Siti Dua,SITI@example.org,UPR,Akademisi\n"
    )
    users_before = db.session.scalar(select(func.count(User.id)))
    response = _upload(client, consultation, content)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == users_before
    assert db.session.scalar(select(OutboxMail)) is None
    reported = dict(re.findall(r"<li>(?:Row|Baris) (\d+):\s*(.*?)</li>", page, re.S))
    assert set(reported) == {"3", "4", "5", "6"}
    assert "name" in reported["3"].lower() or "nama" in reported["3"].lower()
    assert "not-an-email" in reported["4"]
    assert "Astronot" in reported["5"]
    assert "2" in reported["6"]  # duplicate of row 2


def test_csv_that_is_not_utf8_is_refused(client, setup):
    consultation, _ = setup
    response = _upload(client, consultation, "Siti,s@example.org,Ümit,KADIN\n".encode("utf-16"))
    assert response.status_code == 400
    assert db.session.scalar(select(OutboxMail)) is None


# --- who may open the pages ------------------------------------------------------------------

PARTICIPANT_PAGES = [
    ("get", "/c/{cid}/participants"),
    ("post", "/c/{cid}/participants/invite"),
    ("post", "/c/{cid}/participants/import"),
    ("post", "/c/{cid}/participants/{mid}/resend"),
    ("post", "/c/{cid}/participants/{mid}/link"),
]


@pytest.fixture
def other_consultation(make_user, make_consultation):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    membership = db.session.scalar(select(Membership).where(Membership.user_id == participant.id))
    return consultation, participant, membership


@pytest.mark.parametrize("method,path", PARTICIPANT_PAGES)
def test_anonymous_is_sent_to_login(app, other_consultation, method, path):
    consultation, _, membership = other_consultation
    url = path.format(cid=consultation.id, mid=membership.id)
    response = getattr(app.test_client(), method)(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("method,path", PARTICIPANT_PAGES)
def test_member_participant_is_forbidden(app, login, other_consultation, method, path):
    consultation, participant, membership = other_consultation
    browser = login(participant, app.test_client())
    url = path.format(cid=consultation.id, mid=membership.id)
    assert getattr(browser, method)(url).status_code == 403


@pytest.mark.parametrize("method,path", PARTICIPANT_PAGES)
def test_non_member_gets_404(app, login, make_user, other_consultation, method, path):
    consultation, _, membership = other_consultation
    url = path.format(cid=consultation.id, mid=membership.id)
    for outsider in (make_user(), make_user(role=Role.ORGANISER)):
        browser = login(outsider, app.test_client())
        assert getattr(browser, method)(url).status_code == 404


def test_organiser_of_a_draft_consultation_can_invite(app, login, make_user, make_consultation):
    ensure_default_groups()
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser, state=ConsultationState.DRAFT)
    browser = login(organiser, app.test_client())
    assert browser.get(f"/c/{consultation.id}/participants").status_code == 200


def test_admin_may_manage_any_consultation(app, login, make_user, other_consultation):
    consultation, _, _ = other_consultation
    browser = login(make_user(role=Role.ADMIN), app.test_client())
    assert browser.get(f"/c/{consultation.id}/participants").status_code == 200


def test_missing_consultation_is_404(client, setup):
    assert client.get("/c/99999/participants").status_code == 404


# --- unknown group names: listed, and mapped in a second step ---------------------------------

UNKNOWN_GROUP_CSV = (
    b"name,email,organisation,group\n"
    b"Siti Rahma,siti@example.org,UPR,Perguruan Tinggi\n"
    b"Dewi,dewi@example.org,UPR,perguruan tinggi\n"
    b"Budi,budi@example.org,PT Kayu,KADIN\n"
    b"Tono,tono@example.org,Koperasi,Usaha Kecil\n"
)


def _valid_group_names():
    from consult.auth.services import ordered_groups

    # English pages name a group in English, then by its Indonesian name (either is taken).
    return [
        f"{group.name_en} / {group.name}" if group.name_en else group.name
        for group in ordered_groups(active_only=True)
    ]


def test_csv_form_help_and_error_list_the_valid_group_names(client, setup):
    consultation, _ = setup
    names = _valid_group_names()
    page = client.get(f"/c/{consultation.id}/participants").get_data(as_text=True)
    # The Indonesian names are marked lang="id" in the help: compare the text, not the markup.
    assert ", ".join(names) in re.sub(r"<[^>]+>", "", page)
    content = b"name,email,organisation,group\nAgus,not-an-email,PT,Astronot\n"
    page = _upload(client, consultation, content).get_data(as_text=True)
    reported = dict(re.findall(r"<li>(?:Row|Baris) (\d+):\s*(.*?)</li>", page, re.S))
    assert "Astronot" in reported["2"] and ", ".join(names) in reported["2"]


def test_unknown_group_names_are_mapped_in_a_second_step_without_uploading_again(client, setup):
    consultation, _ = setup
    response = _upload(client, consultation, UNKNOWN_GROUP_CSV)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="group-mapping"' in page
    assert db.session.scalar(select(OutboxMail)) is None  # nothing imported yet
    # One question per unknown name (any case), in name order; the file travels in the form.
    labels = re.findall(r"“([^”]+)” is the group", page)
    assert labels == ["Perguruan Tinggi", "Usaha Kecil"]
    text = re.search(r'name="csv_text" type="hidden" value="([^"]*)"', page).group(1)
    assert "siti@example.org" in html.unescape(text)
    academics, umkm = _group_id("Akademisi"), _group_id("Masyarakat")
    response = client.post(
        f"/c/{consultation.id}/participants/import/map",
        data={"csv_text": html.unescape(text), "map_0": academics, "map_1": umkm},
    )
    assert response.status_code == 302
    groups = dict(db.session.execute(select(User.email, User.group_id)).all())
    assert groups["siti@example.org"] == groups["dewi@example.org"] == academics
    assert groups["tono@example.org"] == umkm
    assert groups["budi@example.org"] == _group_id("KADIN")


def test_group_mapping_must_choose_a_group_for_every_name_and_keeps_the_file(client, setup):
    consultation, _ = setup
    text = UNKNOWN_GROUP_CSV.decode()
    response = client.post(
        f"/c/{consultation.id}/participants/import/map",
        data={"csv_text": text, "map_0": _group_id("Akademisi"), "map_1": "0"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="group-mapping"' in page
    assert "tono@example.org" in html.unescape(page)  # the file's text is still in the form
    assert db.session.scalar(select(func.count(Membership.id))) == 1  # the organiser only


def test_no_mapping_offered_when_rows_have_other_problems(client, setup):
    consultation, _ = setup
    content = UNKNOWN_GROUP_CSV + b"Tanpa Surel,,UPR,Akademisi\n"
    page = _upload(client, consultation, content).get_data(as_text=True)
    assert 'id="group-mapping"' not in page and "Perguruan Tinggi" in page
