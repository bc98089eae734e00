"""An FGD session's papers from its recorded data: daftar hadir, notulen, berita acara
issued under the organiser's number (frozen, re-issued as new versions), and who may."""

import io
from datetime import date, datetime

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader
from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.documents.fgd_record import meeting_record
from consult.documents.models import IssuedDocument, Signatory
from consult.extensions import db
from consult.fgd.models import (
    AgendaItem,
    Attendee,
    CheckInMethod,
    FgdSession,
    Outcome,
    OutcomeKind,
    SpeakingTurn,
)
from tests.conftest import first_strategy, made

A4 = (595, 842)  # points, rounded


@pytest.fixture
def config_overrides():
    return {}  # Indonesian, the default language


@pytest.fixture
def fgd(app, make_user, make_group, make_consultation):
    kadin, campus = make_group("KADIN"), make_group("Akademisi")
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    session = db.session.scalar(
        select(FgdSession).where(FgdSession.consultation_id == consultation.id)
    )
    session.title = "FGD Penyusunan RPIK"
    session.starts_at = datetime(2022, 11, 30, 2, 0)  # Rabu, 09.00 WIB
    session.ends_at = datetime(2022, 11, 30, 5, 0)
    opening = AgendaItem(session_id=session.id, position=1, title="Pembukaan")
    chapter = AgendaItem(
        session_id=session.id,
        position=2,
        strategy_id=first_strategy(consultation).id,
        minutes="Peserta **sepakat** rotan diprioritaskan.",
    )
    db.session.add_all([opening, chapter])
    people = [
        Attendee(
            session_id=session.id,
            name=name,
            organisation=org,
            position="Ketua",
            group_id=group.id,
            method=CheckInMethod.SEARCH,
            checked_in_at=datetime(2022, 11, 30, 1, 45),
        )
        for name, org, group in [
            ("Siti Aminah", "KADIN Kota", kadin),
            ("Budi Santoso", "Asosiasi Rotan", kadin),
            ("Dr. Yohana", "Universitas Palangka Raya", campus),
        ]
    ]
    walk_in = Attendee(
        session_id=session.id,
        name="Tamu Pintu",
        organisation="Koperasi Dayak",
        method=CheckInMethod.WALK_IN,
        checked_in_at=datetime(2022, 11, 30, 2, 10),
    )
    db.session.add_all([*people, walk_in])
    db.session.flush()
    db.session.add_all(
        [
            SpeakingTurn(
                session_id=session.id,
                agenda_item_id=chapter.id,
                group_id=kadin.id,
                attendee_id=people[0].id,
                note="Perlu insentif pajak daerah.",
            ),
            Outcome(session_id=session.id, kind=OutcomeKind.AGREEMENT, text="Rotan prioritas."),
            Outcome(
                session_id=session.id,
                kind=OutcomeKind.ACTION,
                text="Memutakhirkan data IKM",
                owner="Bidang Industri",
                due_on=date(2022, 12, 15),
            ),
        ]
    )
    chair = Signatory(consultation_id=consultation.id, name="Ir. Hendra Gunawan")
    note_taker = Signatory(consultation_id=consultation.id, name="Rina Marlina")
    db.session.add_all([chair, note_taker])
    db.session.commit()
    return consultation, session, organiser, chair, note_taker, chapter


def _url(consultation, session, tail=""):
    return f"/c/{consultation.id}/official-documents/fgd/{session.id}{tail}"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _size(pdf: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_meeting_record_reads_everything_in_a_fixed_number_of_queries(fgd, count_queries):
    consultation, session, *_ = fgd
    db.session.expire_all()
    session = db.session.get(FgdSession, session.id)
    with count_queries() as small:
        record = meeting_record(session, "id")
    for n in range(25):
        db.session.add(Attendee(session_id=session.id, name=f"P{n}", method=CheckInMethod.WALK_IN))
        db.session.add(SpeakingTurn(session_id=session.id, note=f"catatan {n}"))
    db.session.commit()
    db.session.expire_all()
    session = db.session.get(FgdSession, session.id)
    with count_queries() as large:
        meeting_record(session, "id")
    assert large.count == small.count <= 8
    names = [(a.name, a.group, a.walk_in) for a in record.attendees]
    assert ("Siti Aminah", "KADIN", False) in names and ("Tamu Pintu", "", True) in names
    assert record.agenda[0].title == "Pembukaan"
    assert record.agenda[1].minutes.startswith("Peserta")
    assert record.agenda[1].turns == ["KADIN (Siti Aminah): Perlu insentif pajak daerah."]
    assert record.agreements == ["Rotan prioritas."]
    assert [(a.text, a.owner, a.due_on) for a in record.actions] == [
        ("Memutakhirkan data IKM", "Bidang Industri", date(2022, 12, 15))
    ]
    assert record.consultation_title == consultation.title and record.venue


def test_attendance_list_pdf_is_a4_with_every_name_and_the_walk_in(fgd, login):
    consultation, session, organiser, chair, *_ = fgd
    client = login(organiser)
    response = made(
        client,
        client.post(
            _url(consultation, session, "/papers"),
            data={
                "paper-paper": "attendance",
                "paper-format": "pdf",
                "paper-lang": "id",
                "paper-chair": str(chair.id),
            },
        ),
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "filename=Daftar-Hadir-" in response.headers["Content-Disposition"]
    assert _size(response.data) == A4
    text = _text(response.data)
    assert "DAFTAR HADIR" in text and "Rabu, 30 November 2022" in text
    for name in ("Siti Aminah", "Budi Santoso", "Dr. Yohana", "Tamu Pintu"):
        assert name in text
    assert "tanpa undangan" in text and "08.45" in text and "Universitas Palangka Raya" in text
    assert "Halaman 1 dari" in text and "Ir. Hendra Gunawan" in text
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "documents.fgd_attendance")
    )
    assert event is not None and event.data["format"] == "pdf"


def test_minutes_pdf_and_docx_hold_discussion_agreements_and_follow_ups(fgd, login):
    consultation, session, organiser, chair, note_taker, _ = fgd
    client = login(organiser)
    data = {
        "paper-paper": "minutes",
        "paper-lang": "id",
        "paper-chair": str(chair.id),
        "paper-note_taker": str(note_taker.id),
    }
    pdf = made(
        client,
        client.post(_url(consultation, session, "/papers"), data={**data, "paper-format": "pdf"}),
    )
    text = _text(pdf.data)
    assert _size(pdf.data) == A4 and "NOTULEN RAPAT" in text
    assert "sepakat rotan diprioritaskan" in text and "**" not in text
    assert "KADIN (Siti Aminah): Perlu insentif pajak daerah." in text
    assert "Rotan prioritas." in text and "Memutakhirkan data IKM" in text
    assert "15 Desember 2022" in text and "Rina Marlina" in text and "Halaman 1 dari" in text
    word = made(
        client,
        client.post(_url(consultation, session, "/papers"), data={**data, "paper-format": "docx"}),
    )
    assert word.headers["Content-Disposition"].endswith(".docx")
    document = WordDocument(io.BytesIO(word.data))
    cells = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    paragraphs = " ".join(p.text for p in document.paragraphs)
    assert "Bidang Industri" in cells and "Rotan prioritas." in paragraphs
    assert "Perlu insentif pajak daerah" in paragraphs


def test_minutes_in_english_translate_the_fixed_text(fgd, login):
    consultation, session, organiser, *_ = fgd
    client = login(organiser)
    response = made(
        client,
        client.post(
            _url(consultation, session, "/papers"),
            data={"paper-paper": "minutes", "paper-format": "pdf", "paper-lang": "en"},
        ),
    )
    text = _text(response.data)
    assert "MINUTES OF THE MEETING" in text and "Page 1 of" in text


def _issue(client, consultation, session, number, chair=None):
    data = {"ba-number": number, "ba-lang": "id"}
    if chair is not None:
        data["ba-chair"] = str(chair.id)
    return client.post(_url(consultation, session, "/berita-acara"), data=data)


def test_issued_berita_acara_is_frozen_and_reissue_adds_version_two(fgd, login):
    consultation, session, organiser, chair, _, chapter = fgd
    client = login(organiser)
    response = _issue(client, consultation, session, "005/BA/DPKUKMP/XI/2022", chair)
    assert response.status_code == 302 and "/exports/" in response.headers["Location"]
    # The job's file is the issued PDF; the Word file is kept beside it.
    from_job = made(client, response)
    assert "filename=Berita-Acara-" in from_job.headers["Content-Disposition"]
    first = client.get(_url(consultation, session, "/berita-acara/1"))
    assert from_job.data == first.data
    word = client.get(_url(consultation, session, "/berita-acara/1/docx"))
    assert word.status_code == 200 and word.headers["Content-Disposition"].endswith('-v1.docx"')
    paragraphs = " ".join(p.text for p in WordDocument(io.BytesIO(word.data)).paragraphs)
    assert "005/BA/DPKUKMP/XI/2022" in paragraphs
    text = _text(first.data)
    assert _size(first.data) == A4 and "BERITA ACARA" in text
    assert "005/BA/DPKUKMP/XI/2022" in text and "Rotan prioritas." in text
    assert "KADIN 2" in text and "Akademisi 1" in text and "Jumlah 4" in text
    assert "Halaman 1 dari" in text
    # The minutes change after issuing: version 1 does not.
    db.session.add(
        Outcome(session_id=session.id, kind=OutcomeKind.AGREEMENT, text="Tambahan kesepakatan.")
    )
    chapter.minutes = "Diubah."
    db.session.commit()
    again = client.get(_url(consultation, session, "/berita-acara/1"))
    assert again.data == first.data and "Tambahan kesepakatan" not in _text(again.data)
    _issue(client, consultation, session, "005/BA/DPKUKMP/XII/2022")
    second = _text(client.get(_url(consultation, session, "/berita-acara/2")).data)
    assert "005/BA/DPKUKMP/XII/2022" in second and "Tambahan kesepakatan." in second
    assert client.get(_url(consultation, session, "/berita-acara/1")).data == first.data
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "documents.berita_acara_issued")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.data["version"], e.data["number"]) for e in events] == [
        (1, "005/BA/DPKUKMP/XI/2022"),
        (2, "005/BA/DPKUKMP/XII/2022"),
    ]
    page = client.get(_url(consultation, session)).get_data(as_text=True)
    assert "005/BA/DPKUKMP/XI/2022" in page and "005/BA/DPKUKMP/XII/2022" in page
    assert "/berita-acara/1" in page and "/berita-acara/2" in page
    assert "/berita-acara/2/docx" in page


def test_berita_acara_without_a_number_is_refused_keeping_the_choices(fgd, login):
    consultation, session, organiser, chair, *_ = fgd
    response = _issue(login(organiser), consultation, session, "   ", chair)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(IssuedDocument.id))) == 0
    html = response.get_data(as_text=True)
    assert f'<option selected value="{chair.id}">' in html or (
        f'value="{chair.id}" selected' in html
    )


def test_downloading_an_issued_version_changes_nothing(fgd, login):
    consultation, session, organiser, chair, *_ = fgd
    client = login(organiser)
    _issue(client, consultation, session, "1/BA")
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    assert client.get(_url(consultation, session, "/berita-acara/1")).status_code == 200
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before
    assert client.get(_url(consultation, session, "/berita-acara/9")).status_code == 404


def test_only_its_organisers_and_admins_reach_the_papers(
    fgd, login, app, make_user, make_consultation
):
    consultation, session, organiser, *_ = fgd
    member = make_user()
    other = make_user(role=Role.ORGANISER)
    make_consultation(organiser=other, participants=[member])
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    organiser_client = login(organiser, app.test_client())
    _issue(organiser_client, consultation, session, "1/BA")
    for person in (member, other):
        client = login(person, app.test_client())
        assert client.get(_url(consultation, session)).status_code == 404
        assert client.get(_url(consultation, session, "/berita-acara/1")).status_code == 404
        assert _issue(client, consultation, session, "2/BA").status_code == 404
    assert db.session.scalar(select(func.count(IssuedDocument.id))) == 1
    admin_client = login(admin, app.test_client())
    assert admin_client.get(_url(consultation, session, "/berita-acara/1")).status_code == 200
    # A session of another consultation is not found through this one.
    foreign = db.session.scalar(select(FgdSession).where(FgdSession.id != session.id))
    assert organiser_client.get(_url(consultation, foreign)).status_code == 404


def test_official_documents_page_links_each_fgd_session(fgd, login):
    consultation, session, organiser, *_ = fgd
    page = login(organiser).get(f"/c/{consultation.id}/official-documents")
    assert _url(consultation, session) in page.get_data(as_text=True)
