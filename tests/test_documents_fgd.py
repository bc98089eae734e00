"""The papers of an FGD session (daftar hadir, notulen, berita acara) and issued versions."""

import io
from datetime import date, datetime

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.documents.docx_writer import render_docx
from consult.documents.fgd import (
    ActionRecord,
    AgendaRecord,
    AttendeeRecord,
    MeetingRecord,
    PaperOptions,
    build_attendance,
    build_minutes,
    build_official_record,
)
from consult.documents.model import Letterhead, Signature
from consult.documents.pdf import render_html, render_pdf
from consult.documents.services import issue_document, issued_versions
from consult.extensions import db


@pytest.fixture
def config_overrides():
    return {}  # Indonesian, the default language


def _record(people=6) -> MeetingRecord:
    groups = ["KADIN", "Akademisi", "Pelaku industri"]
    return MeetingRecord(
        title="FGD Penyusunan RPIK Kota Palangka Raya",
        consultation_title="RPIK Kota Palangka Raya 2022-2042",
        starts_at=datetime(2022, 11, 30, 2, 0),  # 09.00 WIB
        ends_at=datetime(2022, 11, 30, 5, 30),
        venue="Aula Bappedalitbang Kota Palangka Raya",
        agenda=[
            AgendaRecord("Pembukaan"),
            AgendaRecord(
                "Bab 3 Strategi hilirisasi",
                minutes="Peserta **sepakat** rotan diprioritaskan.",
                turns=["KADIN (Siti): perlu insentif pajak daerah."],
            ),
        ],
        attendees=[
            AttendeeRecord(
                f"Peserta {n}",
                organisation=f"Organisasi {n}",
                position="Staf",
                group=groups[n % 3],
                checked_in_at=datetime(2022, 11, 30, 1, 45),
                walk_in=(n == 0),
            )
            for n in range(people)
        ],
        agreements=["Rotan menjadi komoditas prioritas.", "Data IKM dimutakhirkan."],
        actions=[ActionRecord("Memutakhirkan data IKM", "Bidang Industri", date(2022, 12, 15))],
    )


def _options(**extra) -> PaperOptions:
    return PaperOptions(
        letterhead=Letterhead("PEMERINTAH KOTA PALANGKA RAYA", "DINAS PERDAGANGAN"),
        place="Palangka Raya",
        chair=Signature(name="Ir. Hendra Gunawan", position="Kepala Bidang Industri"),
        note_taker=Signature(name="Rina Marlina, S.E."),
        acknowledged_by=Signature(
            name="Dr. Bambang Sutrisno", position="Kepala Dinas", nip="19700101 199503 1 001"
        ),
        **extra,
    )


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_official_record_opens_with_the_date_in_words_and_closes_with_the_formula(app):
    document = build_official_record(_record(), _options(number="005/BA/DPKUKMP/XI/2022"))
    text = _text(render_pdf(document))
    assert "BERITA ACARA" in text and "005/BA/DPKUKMP/XI/2022" in text
    assert "hari Rabu tanggal tiga puluh bulan November tahun dua ribu dua puluh dua" in text
    assert "Demikian Berita Acara ini dibuat untuk dipergunakan sebagaimana mestinya." in text
    assert "1. Rotan menjadi komoditas prioritas." in text
    for caption in ("Mengetahui", "Notulis", "Pimpinan Rapat"):
        assert caption in text
    assert "KADIN 2" in text and "Jumlah 6" in text
    assert "19700101 199503 1 001" in text and "Halaman 1 dari" in text


def test_attendance_list_has_walk_ins_and_alternating_signature_cells(app):
    document = build_attendance(_record(), _options())
    html = render_html(document)
    assert html.count('class="sig sig-left"') == 3 and html.count('class="sig sig-right"') == 3
    text = _text(render_pdf(document))
    assert "DAFTAR HADIR" in text and "Rabu, 30 November 2022" in text
    assert "08.45" in text and "tanpa undangan" in text
    assert "Tanda Tangan" in text


def test_attendance_list_grows_a_page_with_many_people(app):
    short = PdfReader(io.BytesIO(render_pdf(build_attendance(_record(5), _options()))))
    long = PdfReader(io.BytesIO(render_pdf(build_attendance(_record(60), _options()))))
    assert len(long.pages) > len(short.pages)
    assert "Halaman 1 dari" in long.pages[0].extract_text()


def test_minutes_hold_the_discussion_agreements_and_follow_ups(app):
    document = build_minutes(_record(), _options())
    text = _text(render_pdf(document))
    assert "NOTULEN RAPAT" in text and "Ir. Hendra Gunawan" in text
    assert "sepakat rotan diprioritaskan" in text and "**" not in text
    assert "Memutakhirkan data IKM" in text and "15 Desember 2022" in text
    word = WordDocument(io.BytesIO(render_docx(document)))
    texts = " ".join(c.text for t in word.tables for r in t.rows for c in r.cells)
    assert "Bidang Industri" in texts
    assert "sepakat" in " ".join(p.text for p in word.paragraphs)


def test_issued_record_is_frozen_and_reissue_keeps_the_earlier_version(
    app, make_user, make_consultation
):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    first = issue_document(
        consultation, organiser, "berita_acara", 7, "005/BA/1", "BA-1.pdf", b"%PDF-1"
    )
    second = issue_document(
        consultation, organiser, "berita_acara", 7, "005/BA/2", "BA-2.pdf", b"%PDF-2"
    )
    db.session.commit()
    versions = issued_versions(consultation, "berita_acara", 7)
    assert [(v.version, v.number, v.pdf) for v in versions] == [
        (2, "005/BA/2", b"%PDF-2"),
        (1, "005/BA/1", b"%PDF-1"),
    ]
    assert first.id != second.id
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "documents.berita_acara_issued")
    ).all()
    assert [e.data["version"] for e in events] == [1, 2]
