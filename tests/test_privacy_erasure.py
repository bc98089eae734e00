"""Erasure: requested with a fresh password, confirmed by an organiser of the person's
consultation or an admin; the identity goes everywhere, the input stays under a pseudonym."""

import io
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import first_strategy
from flask_babel import refresh
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from consult.audit import AuditEvent, record
from consult.auth.models import Role, User
from consult.extensions import db
from consult.feedback.models import Attachment, Comment
from consult.feedback.services import add_attachment, add_comment
from consult.mail import OutboxMail, queue_mail
from consult.notifications import Notification, NotificationKind, notify
from consult.plans.models import Phase
from consult.privacy.models import ErasureRequest, ErasureStatus
from consult.reports.models import ExportJob, JobState
from consult.uploads import stored_path

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "kata-sandi-siti-panjang"
IDENTITY = (
    "Sri Wahyuni",
    "sri.wahyuni@example.org",
    "Universitas Muhammadiyah Palangkaraya",
    "Peneliti Utama",
)


@pytest.fixture
def world(make_user, make_group, make_consultation):
    kadin = make_group("KADIN")
    siti = make_user(
        name=IDENTITY[0],
        email=IDENTITY[1],
        organisation=IDENTITY[2],
        position=IDENTITY[3],
        group=kadin,
        password=PASSWORD,
        totp_secret="JBSWY3DPEHPK3PXP",
    )
    budi = make_user(name="Budi Santoso", group=kadin)
    organiser = make_user(role=Role.ORGANISER, name="Ratna Organiser")
    other_organiser = make_user(role=Role.ORGANISER)
    admin = make_user(role=Role.ADMIN)
    consultation = make_consultation(organiser=organiser, participants=[siti, budi])
    make_consultation(organiser=other_organiser, title="Konsultasi lain")
    strategy = first_strategy(consultation)
    comment = add_comment(strategy, siti, {"body": "Usulan Siti tetap tercatat."}, phase=Phase.PRE)
    attachment = add_attachment(comment, FileStorage(io.BytesIO(PDF), "CV Sri Wahyuni.pdf"), siti)
    reply = add_comment(
        strategy, budi, {"body": "Balasan Budi."}, phase=Phase.PRE, consultation=None
    )
    reply.parent_id = comment.id
    notify(siti, NotificationKind.REPLY, link="/", author="Budi Santoso", target="1.1.1")
    notify(budi, NotificationKind.REPLY, link="/", author=IDENTITY[0], target="1.1.1")
    queue_mail(siti, "test", "Halo", "mail/notification_reply.txt", message="Untuk Siti", link="/")
    queue_mail(
        budi,
        "test",
        "Balasan",
        "mail/notification_reply.txt",
        message="Sri Wahyuni membalas komentar Anda.",
        link="/",
    )
    # Earlier audit entries naming her, as an invitation records them.
    record(
        "invitation.sent",
        organiser,
        siti,
        consultation_id=consultation.id,
        email=IDENTITY[1],
        name=IDENTITY[0],
    )
    db.session.commit()
    return dict(
        siti=siti,
        budi=budi,
        organiser=organiser,
        other_organiser=other_organiser,
        admin=admin,
        consultation=consultation,
        strategy=strategy,
        comment=comment,
        attachment=attachment,
    )


def _request(client, login, siti):
    login(siti)
    response = client.post("/account/erasure", data={"understood": "y"})
    assert response.status_code == 302
    return db.session.scalar(select(ErasureRequest).where(ErasureRequest.user_id == siti.id))


def _erase(app, client, login, world):
    erasure = _request(client, login, world["siti"])
    other = app.test_client()
    login(world["organiser"], other)
    response = other.post(f"/privacy/erasure-requests/{erasure.id}/confirm")
    assert response.status_code == 302
    db.session.expire_all()
    return erasure, other


def test_request_needs_a_recent_password_entry(client, login, world):
    login(world["siti"])
    with client.session_transaction() as session:
        session["auth_at"] = time.time() - 3600
    response = client.post("/account/erasure", data={"understood": "y"})
    assert response.headers["Location"].startswith("/reauth")
    assert db.session.scalar(select(ErasureRequest)) is None


def test_request_needs_the_consequences_understood(client, login, world):
    login(world["siti"])
    response = client.post("/account/erasure", data={})
    assert response.status_code == 200
    assert "Please confirm that you understand." in response.get_data(as_text=True)
    assert db.session.scalar(select(ErasureRequest)) is None


def test_request_waits_for_confirmation_and_can_be_withdrawn(client, login, world):
    erasure = _request(client, login, world["siti"])
    assert erasure.status == ErasureStatus.PENDING
    assert "You asked for your account to be erased" in client.get("/account/erasure").get_data(
        as_text=True
    )
    client.post("/account/erasure/cancel")
    db.session.expire_all()
    assert db.session.get(ErasureRequest, erasure.id).status == ErasureStatus.CANCELLED
    assert db.session.get(User, world["siti"].id).erased_at is None


@pytest.mark.parametrize(("who", "status"), [("other_organiser", 404), ("budi", 403)])
def test_only_organisers_of_the_persons_consultation_or_admins_confirm(
    app, client, login, world, who, status
):
    erasure = _request(client, login, world["siti"])
    stranger = app.test_client()
    login(world[who], stranger)
    assert stranger.post(f"/privacy/erasure-requests/{erasure.id}/confirm").status_code == status
    assert "Sri Wahyuni" not in stranger.get("/privacy/erasure-requests").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ErasureRequest, erasure.id).status == ErasureStatus.PENDING
    assert db.session.get(User, world["siti"].id).erased_at is None


def test_organiser_sees_the_request_and_admin_may_confirm(app, client, login, world):
    erasure = _request(client, login, world["siti"])
    organiser = app.test_client()
    login(world["organiser"], organiser)
    assert "Sri Wahyuni" in organiser.get("/privacy/erasure-requests").get_data(as_text=True)
    admin = app.test_client()
    login(world["admin"], admin)
    assert admin.post(f"/privacy/erasure-requests/{erasure.id}/confirm").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world["siti"].id).erased_at is not None


def test_erased_person_cannot_log_in_and_their_sessions_end(app, client, login, world):
    _erase(app, client, login, world)
    assert client.get("/account").headers["Location"].startswith("/login")
    fresh = app.test_client()
    fresh.post("/login", data={"email": IDENTITY[1], "password": PASSWORD})
    assert fresh.get("/account").headers["Location"].startswith("/login")
    siti = db.session.get(User, world["siti"].id)
    assert not siti.is_active_account and siti.password_hash is None
    assert siti.totp_secret is None


def test_identity_is_gone_from_the_account_and_the_input_stays(app, client, login, world):
    _erase(app, client, login, world)
    siti = db.session.get(User, world["siti"].id)
    assert siti.name == "Peserta dihapus (KADIN)"
    assert siti.email.endswith("@rembuk.invalid")
    assert (siti.organisation, siti.position) == ("", "")
    comment = db.session.get(Comment, world["comment"].id)
    assert comment.body == "Usulan Siti tetap tercatat." and comment.author_id == siti.id


def test_attachments_their_files_and_names_are_removed(app, client, login, world):
    path = Path(stored_path(world["attachment"].stored_name))
    assert path.exists()
    _erase(app, client, login, world)
    assert not path.exists()
    assert db.session.scalar(select(Attachment)) is None


def test_notifications_and_mails_lose_the_persons_data(app, client, login, world):
    siti_id, budi_id = world["siti"].id, world["budi"].id
    _erase(app, client, login, world)
    own = select(Notification).where(Notification.user_id == siti_id)
    assert db.session.scalars(own).all() == []
    budi_note = db.session.scalar(select(Notification).where(Notification.user_id == budi_id))
    assert budi_note.params["author"] == "Peserta dihapus (KADIN)"
    for mail in db.session.scalars(select(OutboxMail)):
        assert IDENTITY[0] not in mail.body + mail.subject and IDENTITY[1] != mail.recipient


def _pages(world, other):
    consultation, strategy = world["consultation"], world["strategy"]
    urls = [
        f"/c/{consultation.id}/strategies/{strategy.id}",
        f"/c/{consultation.id}/participants",
        f"/c/{consultation.id}/moderation/participants",
        f"/c/{consultation.id}/responses",
        "/moderation",
        "/audit",
        "/outbox",
    ]
    return {url: other.get(url).get_data(as_text=True) for url in urls}


def test_pages_show_the_pseudonym_and_no_identity(app, client, login, world):
    _erase(app, client, login, world)
    admin = app.test_client()
    login(world["admin"], admin)
    pages = _pages(world, admin)
    strategy_page = pages[f"/c/{world['consultation'].id}/strategies/{world['strategy'].id}"]
    assert "Deleted participant (KADIN)" in strategy_page
    assert "Usulan Siti tetap tercatat." in strategy_page
    assert "Deleted participant (KADIN)" in pages[f"/c/{world['consultation'].id}/participants"]
    for url, html in pages.items():
        for text in IDENTITY:
            assert text not in html, f"{text!r} still on {url}"


def _export_text(client, consultation, fmt):
    job_page = client.post(f"/c/{consultation.id}/export", data={"format": fmt})
    assert job_page.status_code == 302  # to the export job's page; the job ran eagerly (tests)
    response = client.get(job_page.headers["Location"] + "/download")
    assert response.status_code == 200
    content = response.get_data()
    response.close()
    if fmt == "csv":
        archive = zipfile.ZipFile(io.BytesIO(content))
        return "".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    if fmt == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return " ".join(
            str(cell)
            for sheet in workbook
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return content.decode("utf-8")


def test_audit_export_names_no_one(app, client, login, world):
    _erase(app, client, login, world)
    admin = app.test_client()
    login(world["admin"], admin)
    text = admin.post("/audit/export").get_data(as_text=True)
    assert "privacy.account_erased" in text
    for identity in IDENTITY:
        assert identity not in text


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_exports_show_the_pseudonym_and_no_identity(app, client, login, world, fmt):
    _erase(app, client, login, world)
    organiser = app.test_client()
    login(world["organiser"], organiser)
    organiser.post("/language", data={"lang": "id"})
    refresh()  # the test's app context outlives requests: forget the cached locale
    text = _export_text(organiser, world["consultation"], fmt)
    assert "Peserta dihapus (KADIN)" in text
    assert "Usulan Siti tetap tercatat." in text
    for identity in IDENTITY:
        assert identity not in text


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_an_english_export_shows_the_pseudonym_in_english(app, client, login, world, fmt):
    _erase(app, client, login, world)
    organiser = app.test_client()
    login(world["organiser"], organiser)
    organiser.post("/language", data={"lang": "en"})
    refresh()
    text = _export_text(organiser, world["consultation"], fmt)
    assert "Deleted participant (KADIN)" in text
    assert "Peserta dihapus" not in text


def test_audit_trail_is_scrubbed_and_the_erasure_names_no_one(app, client, login, world):
    siti_id = world["siti"].id
    _erase(app, client, login, world)
    for event in db.session.scalars(select(AuditEvent)):
        flat = f"{event.actor_email} {event.data}"
        for identity in IDENTITY:
            assert identity not in flat, (event.action, flat)
    erased = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "privacy.account_erased")
    )
    assert (erased.object_type, erased.object_id) == ("user", siti_id)
    assert erased.data["pseudonym"] == "Peserta dihapus (KADIN)"
    own = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == siti_id)).all()
    assert own and all(e.ip_address == "" for e in own)


def test_erased_account_cannot_be_reactivated(app, client, login, world):
    _erase(app, client, login, world)
    admin = app.test_client()
    login(world["admin"], admin)
    admin.post(f"/admin/users/{world['siti'].id}/reactivate")
    db.session.expire_all()
    assert not db.session.get(User, world["siti"].id).is_active_account


def test_pseudonym_is_shown_in_indonesian_to_indonesian_readers(app, client, login, world):
    _erase(app, client, login, world)
    organiser = app.test_client()
    login(world["organiser"], organiser)
    organiser.post("/language", data={"lang": "id"})
    refresh()  # the test's app context outlives requests: forget the cached locale
    html = organiser.get(
        f"/c/{world['consultation'].id}/strategies/{world['strategy'].id}"
    ).get_data(as_text=True)
    assert "Peserta dihapus (KADIN)" in html


def test_stored_exports_made_before_the_erasure_are_withdrawn(app, client, login, world):
    organiser = app.test_client()
    login(world["organiser"], organiser)
    job_page = organiser.post(f"/c/{world['consultation'].id}/export", data={"format": "json"})
    job_url = job_page.headers["Location"]
    before = organiser.get(job_url + "/download")
    assert b"Siti" in before.get_data()
    before.close()
    job = db.session.scalar(select(ExportJob))
    stored = Path(app.config["EXPORT_FOLDER"]) / job.stored_name
    assert stored.exists()
    _erase(app, client, login, world)
    assert not stored.exists()
    db.session.refresh(job)
    assert job.state == JobState.EXPIRED and job.stored_name == ""
    assert organiser.get(job_url + "/download").status_code == 404
