"""A full disk (or any failure to write) while saving an upload: a field error, the text kept,
nothing half-stored; and a stored file is only kept if its transaction commits."""

import errno
import io
from pathlib import Path

import pytest
from conftest import first_strategy
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Attachment, Comment
from consult.plans.models import ConsultationDocument
from consult.uploads import UploadStorageError, store_upload

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def full_disk(monkeypatch):
    """Writing works until the data has to reach the disk: then ENOSPC, as on a full disk."""
    import consult.uploads

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(consult.uploads.os, "fsync", no_space)
    return monkeypatch


@pytest.fixture
def setup(make_user, make_consultation, login):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    login(participant)
    return consultation, first_strategy(consultation)


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(folder.iterdir()) if folder.exists() else []


def post_comment(client, consultation, strategy, body="Usulan saya, dengan kajian terlampir."):
    return client.post(
        f"/c/{consultation.id}/strategies/{strategy.id}/comments",
        data={
            "type": "other",
            "body": body,
            "submission_key": "k" * 32,
            "attachment": (io.BytesIO(PDF), "kajian.pdf"),
        },
        content_type="multipart/form-data",
    )


def test_full_disk_gives_a_field_error_keeps_the_text_and_stores_nothing(
    app, client, setup, full_disk
):
    consultation, strategy = setup
    response = post_comment(client, consultation, strategy)
    assert response.status_code == 507
    page = response.get_data(as_text=True)
    assert "Usulan saya, dengan kajian terlampir." in page  # what the user typed is kept
    assert "attachment-error" in page
    assert "no room for it at the moment" in page
    assert "Traceback" not in page and "ENOSPC" not in page
    assert db.session.scalar(select(func.count(Comment.id))) == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0
    assert stored_files(app) == []  # no partial file either


def test_other_requests_keep_working_and_uploads_work_again_once_space_is_free(
    app, client, setup, full_disk
):
    consultation, strategy = setup
    assert post_comment(client, consultation, strategy).status_code == 507
    page_url = f"/c/{consultation.id}/strategies/{strategy.id}"
    assert client.get(page_url).status_code == 200
    plain = client.post(f"{page_url}/comments", data={"type": "other", "body": "Tanpa lampiran."})
    assert plain.status_code == 302
    full_disk.undo()  # space is free again
    assert post_comment(client, consultation, strategy).status_code == 302
    attachment = db.session.scalar(select(Attachment))
    assert [p.name for p in stored_files(app)] == [attachment.stored_name]
    assert (Path(app.config["UPLOAD_FOLDER"]) / attachment.stored_name).read_bytes() == PDF
    assert db.session.scalar(select(func.count(Comment.id))) == 2


def test_full_disk_on_a_document_upload_is_a_field_error(
    app, client, make_user, make_consultation, login, full_disk
):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    response = client.post(
        f"/c/{consultation.id}/documents",
        data={"kind": "minutes", "title": "Notulen FGD", "file": (io.BytesIO(PDF), "n.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 507
    page = response.get_data(as_text=True)
    assert "Notulen FGD" in page and "no room for it at the moment" in page
    assert db.session.scalar(select(func.count(ConsultationDocument.id))) == 0
    assert stored_files(app) == []


def _upload() -> FileStorage:
    return FileStorage(io.BytesIO(PDF), filename="kajian.pdf")


def test_a_stored_file_is_removed_when_its_transaction_rolls_back(app):
    with app.test_request_context():
        stored = store_upload(_upload())
        path = Path(app.config["UPLOAD_FOLDER"]) / stored.stored_name
        assert path.read_bytes() == PDF
        db.session.rollback()  # e.g. the database went away before the commit
        assert not path.exists()


def test_a_stored_file_is_kept_when_its_transaction_commits(app):
    with app.test_request_context():
        stored = store_upload(_upload())
        with db.session.begin_nested():  # a savepoint ending is not the transaction ending
            pass
        db.session.commit()
        db.session.rollback()  # a later transaction ending does not touch it
        assert (Path(app.config["UPLOAD_FOLDER"]) / stored.stored_name).read_bytes() == PDF


def test_an_unwritable_folder_is_a_storage_error(app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    app.config["UPLOAD_FOLDER"] = str(blocker / "uploads")
    with app.test_request_context(), pytest.raises(UploadStorageError):
        store_upload(_upload())
