"""Letterhead, logo and signatories of a consultation's official documents."""

import io

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.documents.model import Document, Letterhead, Paragraph, plain
from consult.documents.models import DocumentSettings, Signatory
from consult.documents.pdf import FetchRefused, local_fetcher, render_html, render_pdf
from consult.documents.services import LogoError, clean_logo
from consult.extensions import db


def _image(fmt: str, size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (180, 20, 20)).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def organiser_and_consultation(make_user, make_consultation, login):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    return organiser, consultation


def _post_letterhead(client, consultation, **extra):
    data = {
        "institution": "PEMERINTAH KOTA PALANGKA RAYA",
        "unit": "DINAS PERDAGANGAN, KOPERASI, UKM DAN PERINDUSTRIAN",
        "address": "Jl. Tjilik Riwut Km. 5,5",
        "contact": "Telp. (0536) 3221234",
        "place": "Palangka Raya",
        "short_name": "RPIK Palangka Raya",
        "paper": "F4",
        **extra,
    }
    return client.post(
        f"/c/{consultation.id}/official-documents/letterhead",
        data=data,
        content_type="multipart/form-data",
    )


def test_organiser_saves_letterhead_with_a_jpeg_logo_stored_as_reencoded_png(
    client, organiser_and_consultation
):
    _organiser, consultation = organiser_and_consultation
    response = _post_letterhead(client, consultation, logo=(io.BytesIO(_image("JPEG")), "logo.jpg"))
    assert response.status_code == 302
    settings = db.session.scalar(select(DocumentSettings))
    assert settings.institution == "PEMERINTAH KOTA PALANGKA RAYA"
    assert settings.paper == "F4"
    assert settings.logo_png.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(settings.logo_png)) as logo:
        assert max(logo.size) <= 600
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "documents.settings"))


@pytest.mark.parametrize(
    "content, name",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png"),
        (b"\x89PNG\r\n\x1a\n" + b"not really an image", "logo.png"),
        (b"GIF89a" + b"\x00" * 20, "logo.gif"),
    ],
)
def test_logo_that_is_not_a_real_png_or_jpeg_is_refused_and_typed_fields_kept(
    client, organiser_and_consultation, content, name
):
    _organiser, consultation = organiser_and_consultation
    response = _post_letterhead(client, consultation, logo=(io.BytesIO(content), name))
    assert response.status_code == 422
    assert "PEMERINTAH KOTA PALANGKA RAYA" in response.get_data(as_text=True)
    assert db.session.scalar(select(DocumentSettings)) is None


def test_logo_over_the_size_limit_is_refused():
    with pytest.raises(LogoError):
        clean_logo(b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024 + 1))


def test_reencoding_drops_bytes_appended_to_an_image():
    payload = _image("PNG", (50, 50)) + b"<script>alert(1)</script>"
    assert b"<script>" not in clean_logo(payload)


def test_signatories_added_and_removed_by_organiser(client, organiser_and_consultation):
    _organiser, consultation = organiser_and_consultation
    response = client.post(
        f"/c/{consultation.id}/official-documents/signatories",
        data={"name": "Dra. Sri Wahyuni", "position": "Sekretaris", "nip": "1971"},
    )
    assert response.status_code == 302
    signatory = db.session.scalar(select(Signatory))
    page = client.get(f"/c/{consultation.id}/official-documents").get_data(as_text=True)
    assert "Dra. Sri Wahyuni" in page
    client.post(f"/c/{consultation.id}/official-documents/signatories/{signatory.id}/remove")
    assert db.session.scalar(select(Signatory)) is None


def test_signatory_without_a_name_is_refused_with_typed_text_kept(
    client, organiser_and_consultation
):
    _organiser, consultation = organiser_and_consultation
    response = client.post(
        f"/c/{consultation.id}/official-documents/signatories",
        data={"name": "", "position": "Kepala Bidang Industri"},
    )
    assert response.status_code == 422
    assert "Kepala Bidang Industri" in response.get_data(as_text=True)


def test_signatory_of_another_consultation_cannot_be_removed(
    client, organiser_and_consultation, make_consultation
):
    _organiser, consultation = organiser_and_consultation
    other = make_consultation()
    foreign = Signatory(consultation_id=other.id, name="Orang Lain")
    db.session.add(foreign)
    db.session.commit()
    response = client.post(
        f"/c/{consultation.id}/official-documents/signatories/{foreign.id}/remove"
    )
    assert response.status_code == 404
    assert db.session.get(Signatory, foreign.id) is not None


def test_pdf_embeds_the_logo_and_fetches_nothing_from_outside(app):
    logo = clean_logo(_image("PNG", (80, 80)))
    document = Document(title="Uji", letterhead=Letterhead("PEMERINTAH", "DINAS", logo_png=logo))
    document.add(Paragraph(plain("Isi.")))
    html = render_html(document)
    assert 'src="data:image/png;base64,' in html
    reader = PdfReader(io.BytesIO(render_pdf(document)))
    assert list(reader.pages[0].images)
    fetcher = local_fetcher()
    for url in ("http://169.254.169.254/latest/meta-data", "file:///etc/passwd"):
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)


def test_pdf_with_a_remote_image_renders_without_fetching_it(app):
    document = Document(title="Uji")
    html = render_html(document).replace(
        "</body>",
        '<img src="http://127.0.0.1:9/x.png"><link rel=stylesheet href="file:///etc/x"></body>',
    )
    from weasyprint import HTML

    pdf = HTML(string=html, url_fetcher=local_fetcher(), base_url="data:,").write_pdf()
    assert pdf.startswith(b"%PDF")


def test_document_text_is_escaped_in_the_html(app):
    document = Document(title="<script>x</script>")
    document.add(Paragraph(plain('<img src="http://evil.example/x.png">')))
    html = render_html(document)
    assert "<script>x" not in html and '<img src="http://evil' not in html
