"""Attachments and consultation documents: checked by content, stored safely, served carefully."""

import io
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import first_strategy
from sqlalchemy import func, select

from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Attachment, Comment
from consult.plans.models import ConsultationDocument
from consult.uploads import detect_kind, stored_path

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


def office(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def setup(make_user, make_consultation, login):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    strategy = first_strategy(consultation)
    login(participant)
    return consultation, strategy, participant


def post_with_file(client, consultation, strategy, content, name):
    return client.post(
        f"/c/{consultation.id}/strategies/{strategy.id}/comments",
        data={
            "type": "other",
            "body": "Lihat lampiran.",
            "attachment": (io.BytesIO(content), name),
        },
        content_type="multipart/form-data",
    )


def test_detect_kind_by_content():
    assert detect_kind(PDF) == "pdf"
    assert detect_kind(PNG) == "png"
    assert detect_kind(JPEG) == "jpeg"
    assert detect_kind(office("word/document.xml")) == "docx"
    assert detect_kind(office("xl/workbook.xml")) == "xlsx"
    assert detect_kind(office("other.xml")) is None
    assert detect_kind(EXE) is None


@pytest.mark.parametrize(
    "content, name",
    [
        (PDF, "kajian.pdf"),
        (PNG, "peta.png"),
        (JPEG, "foto.JPG"),
        (office("word/document.xml"), "usulan.docx"),
        (office("xl/workbook.xml"), "data.xlsx"),
    ],
)
def test_allowed_files_are_stored_under_a_random_name(setup, client, app, content, name):
    consultation, strategy, _ = setup
    assert post_with_file(client, consultation, strategy, content, name).status_code == 302
    attachment = db.session.scalar(select(Attachment))
    assert attachment.original_name == name
    assert name not in attachment.stored_name
    path = Path(app.config["UPLOAD_FOLDER"]) / attachment.stored_name
    assert path.read_bytes() == content


@pytest.mark.parametrize(
    "content, name",
    [(PNG, "laporan.pdf"), (EXE, "laporan.pdf"), (EXE, "setup.exe"), (PDF, "laporan.png")],
)
def test_type_is_checked_by_content_and_extension(setup, client, content, name):
    consultation, strategy, _ = setup
    response = post_with_file(client, consultation, strategy, content, name)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Lihat lampiran." in page
    assert "attachment-error" in page
    assert db.session.scalar(select(func.count(Comment.id))) == 0


def test_too_large_file_is_a_field_error(setup, client, app):
    consultation, strategy, _ = setup
    app.config["MAX_UPLOAD_BYTES"] = 1000
    response = post_with_file(client, consultation, strategy, PDF + b"0" * 1000, "besar.pdf")
    assert response.status_code == 422
    assert "too large" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_download_for_members_only_with_safe_headers(setup, client, login, make_user, app):
    consultation, strategy, participant = setup
    name = "Kajian 'akhir'; <Dinas> ü.pdf"
    post_with_file(client, consultation, strategy, PDF, name)
    attachment = db.session.scalar(select(Attachment))
    url = f"/c/{consultation.id}/attachments/{attachment.id}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    encoded = disposition.split("filename*=UTF-8''", 1)[1].split(";")[0]
    assert unquote(encoded) == name
    assert ";" not in encoded and " " not in encoded
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    assert "&lt;Dinas&gt;" in page and "<Dinas>" not in page

    outsider = make_user()
    login(outsider)
    assert client.get(url).status_code == 404


def test_path_traversal_names_are_refused():
    with pytest.raises(FileNotFoundError):
        stored_path("../../etc/passwd")


def test_original_name_loses_its_path(setup, client):
    consultation, strategy, _ = setup
    post_with_file(client, consultation, strategy, PDF, "../../etc/passwd.pdf")
    assert db.session.scalar(select(Attachment.original_name)) == "passwd.pdf"


def test_organisers_upload_documents_and_members_download(
    make_user, make_consultation, login, client
):
    organiser = make_user(role=Role.ORGANISER)
    participant = make_user()
    consultation = make_consultation(organiser=organiser, participants=[participant])
    url = f"/c/{consultation.id}/documents"
    login(participant)
    assert client.post(url, data={"kind": "minutes", "title": "x"}).status_code == 403
    login(organiser)
    response = client.post(
        url,
        data={"kind": "minutes", "title": "Notulen FGD", "file": (io.BytesIO(PDF), "notulen.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    document = db.session.scalar(select(ConsultationDocument))
    assert (document.kind, document.title, document.original_name) == (
        "minutes",
        "Notulen FGD",
        "notulen.pdf",
    )
    login(participant)
    assert "Notulen FGD" in client.get(url).get_data(as_text=True)
    download = client.get(f"{url}/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    login(make_user())
    assert client.get(f"{url}/{document.id}").status_code == 404
    assert client.get(url).status_code == 404


def test_document_of_wrong_type_is_refused(make_user, make_consultation, login, client):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    response = client.post(
        f"/c/{consultation.id}/documents",
        data={
            "kind": "attendance",
            "title": "Daftar hadir",
            "file": (io.BytesIO(EXE), "hadir.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Daftar hadir" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(ConsultationDocument.id))) == 0
