"""A participant downloads all their own data as one ZIP, and nothing of anyone else's."""

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import pytest
from conftest import first_strategy
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from consult.audit import AuditEvent
from consult.extensions import db
from consult.feedback.services import add_attachment, add_comment, edit_comment, set_rating
from consult.notifications import NotificationKind, notify
from consult.plans.models import Criterion, Phase
from consult.privacy.notices import accept_notice, publish_notice

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(make_user, make_group, make_consultation):
    group = make_group("KADIN")
    siti = make_user(
        name="Siti Rahma",
        email="siti@example.org",
        group=group,
        organisation="Universitas Palangka Raya",
    )
    budi = make_user(name="Budi Santoso", email="budi@example.org", group=group)
    consultation = make_consultation(participants=[siti, budi])
    strategy = first_strategy(consultation)
    criterion = db.session.scalar(
        select(Criterion).where(Criterion.consultation_id == consultation.id)
    )
    mine = add_comment(strategy, siti, {"body": "Teks pertama Siti."}, phase=Phase.PRE)
    edit_comment(mine, siti, {"body": "Teks kedua Siti.", "type": "other"})
    add_attachment(mine, FileStorage(io.BytesIO(PDF), "surat-siti.pdf"), siti)
    theirs = add_comment(strategy, budi, {"body": "Komentar Budi."}, phase=Phase.PRE)
    add_attachment(theirs, FileStorage(io.BytesIO(PDF), "surat-budi.pdf"), budi)
    set_rating(strategy, criterion, siti, 4, Phase.PRE)
    set_rating(strategy, criterion, budi, 1, Phase.PRE)
    notify(siti, NotificationKind.REPLY, link="/", author="Budi Santoso", target="1.1.1")
    notify(budi, NotificationKind.REPLY, link="/", author="Siti Rahma", target="Rahasia Budi")
    notice = publish_notice(make_user(), "Pemberitahuan.", "Notice.")
    for person in (siti, budi):
        accept_notice(person, notice, "invitation")
    db.session.commit()
    return siti, budi


def _files_in(*folders: Path) -> set[str]:
    found = set()
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            found |= {os.path.join(root, name) for name in files}
    return found


def _download(client):
    response = client.post("/account/data")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_download_holds_the_participants_own_data_with_history(app, client, login, world):
    siti, _budi = world
    login(siti)
    archive = _download(client)
    data = json.loads(archive.read("data.json"))
    assert data["profile"]["email"] == "siti@example.org"
    assert data["profile"]["organisation"] == "Universitas Palangka Raya"
    (comment,) = data["comments"]
    assert comment["body"] == "Teks kedua Siti."
    assert [v["body"] for v in comment["earlier_versions"]] == ["Teks pertama Siti."]
    (rating,) = data["ratings"]
    assert rating["value"] == 4
    assert len(data["notifications"]) == 1
    assert data["consents"]["privacy_notice_acceptances"][0]["context"] == "invitation"
    assert [m["role"] for m in data["memberships"]] == ["participant"]
    (attachment,) = comment["attachments"]
    assert archive.read(attachment["file"]) == PDF


def test_download_holds_nothing_of_anyone_else(app, client, login, world):
    siti, budi = world
    login(siti)
    archive = _download(client)
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode("latin-1")
    # Budi's name appears only where Siti's own notification names him as the replier.
    for foreign in ("budi@example.org", "Komentar Budi", "surat-budi", "Rahasia Budi"):
        assert foreign not in everything
    assert [n for n in archive.namelist() if n.startswith("attachments/")] == [
        n for n in archive.namelist() if "surat-siti" in n
    ]


def test_download_leaves_no_file_on_disk_and_is_audited(
    app, client, login, world, tmp_path, monkeypatch
):
    siti, _budi = world
    login(siti)
    # A temp folder of this test's own, so that other processes' temp files do not count.
    own_tmp = tmp_path / "tmp"
    own_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(own_tmp))
    folders = (own_tmp, Path(app.config["UPLOAD_FOLDER"]), Path.cwd())
    before = _files_in(*folders)
    _download(client)
    assert _files_in(*folders) - before == set()
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "privacy.data_downloaded")
    )
    assert (event.actor_id, event.object_id) == (siti.id, siti.id)


def test_download_needs_a_post_and_a_signed_in_person(client):
    assert client.get("/account/data").status_code == 405
    assert client.post("/account/data").headers["Location"].startswith("/login")
