"""Official documents: the rekapitulasi and the response letter, opened by their readers."""

import io
import re
from datetime import date

import pytest
from docx import Document as WordDocument
from pypdf import PdfReader
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.documents.docx_writer import render_docx
from consult.documents.models import DocumentSettings, Signatory
from consult.documents.pdf import render_pdf, render_pdf_in_parts
from consult.documents.rekapitulasi import RekapOptions, build_rekapitulasi, rekap_filename
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus, CommentType, InputSource, Rating
from consult.plans.models import Criterion, Phase
from consult.reports.models import CommentResponse, Disposition
from tests.conftest import first_strategy, made

A4 = (595.3, 841.9)
DEFAMATION = "Kepala dinas itu koruptor dan penipu"


@pytest.fixture
def world(make_user, make_group, make_consultation):
    kadin = make_group("KADIN")
    organiser = make_user(role=Role.ORGANISER, name="Ratna Organiser")
    siti = make_user(group=kadin, name="Siti Rahmawati", organisation="KADIN Kalteng")
    consultation = make_consultation(organiser=organiser, participants=[siti])
    strategy = first_strategy(consultation)
    db.session.add(
        DocumentSettings(
            consultation_id=consultation.id,
            short_name="RPIK Palangka Raya",
            institution="PEMERINTAH KOTA PALANGKA RAYA",
            unit="DINAS PERDAGANGAN, KOPERASI, UKM DAN PERINDUSTRIAN",
            address="Jl. Tjilik Riwut Km. 5,5 Palangka Raya",
            contact="Telp. (0536) 3221234 · dpkukmp@palangkaraya.go.id",
            place="Palangka Raya",
            paper="A4",
        )
    )
    signatory = Signatory(
        consultation_id=consultation.id,
        name="Dr. Ir. Bambang Sutrisno, M.Si.",
        position="Kepala Dinas",
        rank="Pembina Utama Muda (IV/c)",
        nip="19700101 199503 1 001",
    )
    db.session.add(signatory)
    published = Comment(
        consultation_id=consultation.id,
        section_id=strategy.section_id,
        strategy_id=strategy.id,
        author_id=siti.id,
        group_id=kadin.id,
        type=CommentType.CHANGE,
        body="Kami **mendukung** substitusi impor. Lihat https://example.org/" + "x" * 80,
        proposed_wording="Mengurangi impor bahan baku *secara bertahap*.",
        reference="Perda No. 5/2021",
        phase=Phase.PRE,
        source=InputSource.ONLINE,
    )
    hidden = Comment(
        consultation_id=consultation.id,
        section_id=strategy.section_id,
        strategy_id=strategy.id,
        author_id=siti.id,
        group_id=kadin.id,
        body=DEFAMATION,
        status=CommentStatus.HIDDEN,
        phase=Phase.PRE,
    )
    db.session.add_all([published, hidden])
    db.session.flush()
    db.session.add(
        CommentResponse(
            comment_id=published.id,
            consultation_id=consultation.id,
            disposition=Disposition.PARTLY_ACCEPTED,
            rationale="Sebagian diakomodasi pada **Bab 1.1**.",
            revision_ref="Bab 1.1 rev. 2",
        )
    )
    criterion = db.session.scalar(
        select(Criterion).where(Criterion.consultation_id == consultation.id)
    )
    db.session.add(
        Rating(
            consultation_id=consultation.id,
            strategy_id=strategy.id,
            criterion_id=criterion.id,
            user_id=siti.id,
            group_id=kadin.id,
            phase=Phase.PRE,
            value=4,
        )
    )
    db.session.commit()
    return consultation, organiser, siti, signatory


def _add_comments(consultation, author, count, strategy=None, numbered="Masukan nomor"):
    strategy = strategy or first_strategy(consultation)
    for n in range(count):
        db.session.add(
            Comment(
                consultation_id=consultation.id,
                section_id=strategy.section_id,
                strategy_id=strategy.id,
                author_id=author.id,
                body=f"{numbered} {n}: " + "perlu kajian lebih lanjut. " * 12,
                phase=Phase.PRE,
            )
        )
    db.session.commit()


def _pdf(document) -> PdfReader:
    return PdfReader(io.BytesIO(render_pdf(document)))


def _text(reader: PdfReader) -> str:
    # Words as a reader sees them: a cell's line breaks do not matter.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _size(page) -> tuple[float, float]:
    return (round(float(page.mediabox.width), 1), round(float(page.mediabox.height), 1))


def test_rekapitulasi_pdf_is_a4_with_landscape_tables_and_indonesian_labels(world):
    consultation, _organiser, _siti, signatory = world
    options = RekapOptions(lang="id", number="500/123/DPKUKMP/XI/2026", signatory_id=signatory.id)
    reader = _pdf(build_rekapitulasi(consultation, options))
    text = _text(reader)
    assert _size(reader.pages[0]) == A4
    assert any(_size(page) == (A4[1], A4[0]) for page in reader.pages[1:])
    assert "PEMERINTAH KOTA PALANGKA RAYA" in text
    assert "REKAPITULASI MASUKAN" in text
    assert "500/123/DPKUKMP/XI/2026" in text
    assert f"Halaman 1 dari {len(reader.pages)}" in text
    for expected in (
        "Siti Rahmawati",
        "KADIN",
        "Usulan rumusan",
        "Perda No. 5/2021",
        "Diterima sebagian",
        "Bab 1.1 rev. 2",
        "Sebelum FGD",
        "Daring",
        "Dr. Ir. Bambang Sutrisno, M.Si.",
        "19700101 199503 1 001",
    ):
        assert expected in text, expected
    for code in ("partly_accepted", "online", " pre", "published", "**"):
        assert code not in text, code
    # The summary: mean (raters) per criterion and phase, with a decimal comma.
    assert "4,00 (1)" in text
    # The long address is a short note, listed at the end, never inline in the table.
    assert "[1]" in text and "Daftar tautan" in text


def test_rekapitulasi_leaves_out_hidden_input_and_never_prints_its_text(world):
    consultation = world[0]
    plain = _text(_pdf(build_rekapitulasi(consultation, RekapOptions())))
    assert DEFAMATION not in plain and "Disembunyikan" not in plain
    marked = _text(_pdf(build_rekapitulasi(consultation, RekapOptions(include_withheld=True))))
    assert "Disembunyikan" in marked
    assert "koruptor" not in marked


def test_rekapitulasi_in_english_has_english_fixed_texts(world):
    consultation = world[0]
    text = _text(_pdf(build_rekapitulasi(consultation, RekapOptions(lang="en"))))
    assert "SUMMARY OF INPUT AND RESPONSES" in text
    assert "Page 1 of" in text
    assert "Partly accepted" in text and "Before the FGD" in text


def test_rekapitulasi_page_count_grows_with_input(world):
    consultation, _organiser, siti, _signatory = world
    before = len(_pdf(build_rekapitulasi(consultation, RekapOptions())).pages)
    _add_comments(consultation, siti, 40)
    after = len(_pdf(build_rekapitulasi(consultation, RekapOptions())).pages)
    assert after > before


def test_long_rekapitulasi_rendered_in_parts_is_numbered_across_all_pages(world):
    consultation, _organiser, siti, _signatory = world
    _add_comments(consultation, siti, 12)
    document = build_rekapitulasi(consultation, RekapOptions(lang="id"))
    reader = PdfReader(io.BytesIO(render_pdf_in_parts(document, rows_per_part=5)))
    total = len(reader.pages)
    assert total >= 4
    for number, page in enumerate(reader.pages, start=1):
        assert f"Halaman {number} dari {total}" in " ".join(page.extract_text().split())
    text = _text(reader)
    assert text.count("PEMERINTAH KOTA PALANGKA RAYA") == 1
    assert "Masukan nomor 11" in text and "Daftar tautan" in text
    assert _size(reader.pages[0]) == A4
    assert _size(reader.pages[1]) == (A4[1], A4[0])


def _pages_words(reader: PdfReader) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in reader.pages]


HEADER = ("Kelompok / sumber", "Tanggapan", "Pertimbangan", "Dimasukkan ke dalam revisi")


def test_long_table_repeats_its_header_row_on_every_page(world):
    consultation, _organiser, siti, _signatory = world
    _add_comments(consultation, siti, 30)
    reader = _pdf(build_rekapitulasi(consultation, RekapOptions(lang="id")))
    pages = [text for text in _pages_words(reader) if "Masukan nomor" in text]
    assert len(pages) >= 3
    for text in pages:
        assert all(title in text for title in HEADER), text[:300]


def test_parts_lose_no_row_repeat_the_header_and_number_pages_continuously(world):
    consultation, _organiser, siti, _signatory = world
    _add_comments(consultation, siti, 30)
    document = build_rekapitulasi(consultation, RekapOptions(lang="id"))
    reader = PdfReader(io.BytesIO(render_pdf_in_parts(document, rows_per_part=7)))
    pages = _pages_words(reader)
    total = len(pages)
    labels = [re.findall(r"Halaman (\d+) dari (\d+)", text) for text in pages]
    assert labels == [[(str(n), str(total))] for n in range(1, total + 1)]
    for text in pages:
        if "Masukan nomor" in text:
            assert all(title in text for title in HEADER), text[:300]
    text = " ".join(pages)
    # Every row once, in order, across the cuts between parts.
    found = [int(n) for n in re.findall(r"Masukan nomor (\d+):", text)]
    assert found == list(range(30))


def test_rekapitulasi_on_f4_paper_when_set(world):
    consultation = world[0]
    db.session.scalar(select(DocumentSettings)).paper = "F4"
    db.session.commit()
    reader = _pdf(build_rekapitulasi(consultation, RekapOptions()))
    assert _size(reader.pages[0]) == (609.4, 935.4)


def test_rekapitulasi_docx_has_landscape_section_repeated_header_and_no_markdown(world):
    consultation = world[0]
    word = WordDocument(io.BytesIO(render_docx(build_rekapitulasi(consultation, RekapOptions()))))
    orientations = [section.orientation for section in word.sections]
    assert 1 in orientations  # WD_ORIENT.LANDSCAPE
    assert round(word.sections[0].page_width.mm) == 210
    matrix = next(t for t in word.tables if len(t.columns) == 7)
    assert "w:tblHeader" in matrix.rows[0]._tr.xml
    texts = "\n".join(c.text for t in word.tables for r in t.rows for c in r.cells)
    assert "mendukung" in texts and "**" not in texts
    assert "Diterima sebagian" in texts and "partly_accepted" not in texts
    footer = word.sections[0].footer.paragraphs[0]._p.xml
    assert "NUMPAGES" in footer and "Halaman" in footer


def test_rekapitulasi_file_name_says_what_it_is(world):
    consultation = world[0]
    name = rekap_filename(consultation, RekapOptions(today=date(2026, 11, 29)), "pdf")
    assert name == "Rekapitulasi-Masukan-RPIK-Palangka-Raya-2026-11-29.pdf"


def test_organiser_downloads_rekapitulasi_and_it_is_audited(world, client, login):
    consultation, organiser, _siti, _signatory = world
    login(organiser)
    response = made(
        client,
        client.post(
            f"/c/{consultation.id}/official-documents/rekapitulasi",
            data={"format": "pdf", "lang": "id"},
        ),
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert re.search(r"Rekapitulasi-Masukan-RPIK-Palangka-Raya-\d{4}-\d\d-\d\d\.pdf", disposition)
    assert "no-store" in response.headers["Cache-Control"]
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "documents.rekapitulasi")
    )
    docx = made(
        client,
        client.post(
            f"/c/{consultation.id}/official-documents/rekapitulasi",
            data={"format": "docx", "lang": "en"},
        ),
    )
    assert docx.status_code == 200 and docx.data[:2] == b"PK"


def test_response_letter_in_the_participants_language(world, client, login):
    consultation, organiser, siti, signatory = world
    siti.locale = "en"
    db.session.commit()
    login(organiser)
    response = made(
        client,
        client.post(
            f"/c/{consultation.id}/official-documents/letter",
            data={"recipient": f"u{siti.id}", "signatory": str(signatory.id), "number": "005/77"},
        ),
    )
    assert response.status_code == 200
    assert "Siti-Rahmawati" in response.headers["Content-Disposition"]
    text = _text(PdfReader(io.BytesIO(response.data)))
    assert "RESPONSE TO YOUR INPUT" in text
    assert "Partly accepted" in text and "mendukung" in text
    assert DEFAMATION not in text
    assert "Dr. Ir. Bambang Sutrisno, M.Si." in text


def test_response_letter_to_an_organisation(world, client, login):
    consultation, organiser, siti, _signatory = world
    siti.locale = "id"
    db.session.commit()
    login(organiser)
    response = made(
        client,
        client.post(f"/c/{consultation.id}/official-documents/letter", data={"recipient": "o0"}),
    )
    text = _text(PdfReader(io.BytesIO(response.data)))
    assert "TANGGAPAN ATAS MASUKAN" in text and "KADIN Kalteng" in text


def test_anonymised_rekapitulasi_shows_no_names_or_organisations(world):
    consultation = world[0]
    text = _text(_pdf(build_rekapitulasi(consultation, RekapOptions(anonymise=True))))
    assert "Siti Rahmawati" not in text and "KADIN Kalteng" not in text
    assert "mendukung" in text


def test_parts_joined_are_about_as_compact_per_page_as_one_pass(world):
    # Stamping the page numbers left each page's content uncompressed (42 kB a page: 352 MB
    # for the 50,000-comment rekapitulasi).
    consultation, _organiser, siti, _signatory = world
    _add_comments(consultation, siti, 30)
    document = build_rekapitulasi(consultation, RekapOptions(lang="id"))
    one = render_pdf(document)
    parts = render_pdf_in_parts(document, rows_per_part=7)
    per_page_one = len(one) / len(PdfReader(io.BytesIO(one)).pages)
    per_page_parts = len(parts) / len(PdfReader(io.BytesIO(parts)).pages)
    assert per_page_parts < 2 * per_page_one


def test_page_footers_are_laid_out_part_by_part_not_for_the_whole_document(world, monkeypatch):
    # One WeasyPrint pass over 8,453 empty footer pages took about 1 GB: memory must follow a
    # part, not the document.
    from consult.documents import pdf

    consultation, _organiser, siti, _signatory = world
    _add_comments(consultation, siti, 30)
    document = build_rekapitulasi(consultation, RekapOptions(lang="id"))
    footer_runs = []
    lay_out_footers = pdf._footers

    def counted(document, sizes, first, total):
        footer_runs.append((first, len(sizes), total))
        return lay_out_footers(document, sizes, first, total)

    monkeypatch.setattr(pdf, "_footers", counted)
    reader = PdfReader(io.BytesIO(render_pdf_in_parts(document, rows_per_part=7)))
    total = len(reader.pages)
    assert len(footer_runs) > 1
    assert all(pages < total and of == total for _first, pages, of in footer_runs)
    # Consecutive: each run starts where the one before ended.
    starts = [first for first, _pages, _of in footer_runs]
    assert starts == [1] + [f + n for f, n, _ in footer_runs[:-1]]


def _add_chapter_with_comments(consultation, author, position, count):
    from consult.plans.models import Chapter, Section, Strategy

    chapter = Chapter(consultation_id=consultation.id, position=position, title=f"Bab {position}")
    db.session.add(chapter)
    db.session.flush()
    section = Section(chapter_id=chapter.id, position=1, title=f"Sasaran {position}")
    db.session.add(section)
    db.session.flush()
    strategy = Strategy(section_id=section.id, position=1, title=f"Strategi {position}")
    db.session.add(strategy)
    db.session.flush()
    _add_comments(consultation, author, count, strategy, f"Masukan bab {position} nomor")


def test_a_long_rekapitulasi_is_made_chapter_by_chapter_as_its_parts_are_laid_out(
    world, monkeypatch
):
    # 50,000 rows held at once before the first page is laid out were some 440 MB: the rows
    # are made as the parts are read.
    from consult.documents import pdf, rekapitulasi

    consultation, _organiser, siti, _signatory = world
    for position in range(2, 6):
        _add_chapter_with_comments(consultation, siti, position, 6)
    rows_made = []
    make_rows = rekapitulasi.comment_rows

    def counted(*args):
        for row in make_rows(*args):
            rows_made.append(row[0])
            yield row

    made_when_laid_out = []
    lay_out = pdf.render_html

    def counted_layout(part):
        made_when_laid_out.append(len(rows_made))
        return lay_out(part)

    monkeypatch.setattr(rekapitulasi, "comment_rows", counted)
    monkeypatch.setattr(pdf, "render_html", counted_layout)
    document = build_rekapitulasi(consultation, RekapOptions(lang="id"))
    assert rows_made == []  # nothing made before it is read
    text = _text(PdfReader(io.BytesIO(render_pdf_in_parts(document, rows_per_part=4))))
    assert len(rows_made) == 25  # the world's own comment, and 4 chapters of 6
    assert made_when_laid_out[0] < 25
    # Nothing lost by making them late: every chapter, in its language, numbered throughout.
    for position in range(2, 6):
        assert f"Masukan bab {position} nomor 5:" in text
    # The list of links, filled while the rows were made, closes the last part.
    assert "Halaman 1 dari" in text and "Daftar tautan" in text


def test_documents_made_in_one_thread_share_one_font_configuration(world, monkeypatch):
    # Each new WeasyPrint FontConfiguration leaves about 0.3 MB behind: the 330 parts of the
    # 50,000-comment rekapitulasi collected some 100 MB, and a worker would all day.
    import threading

    from weasyprint.text import fonts

    from consult.documents import pdf

    consultation, _organiser, siti, _signatory = world
    _add_comments(consultation, siti, 30)
    made = []
    make = fonts.FontConfiguration.__init__

    def counted(self, *args, **kwargs):
        made.append(self)
        make(self, *args, **kwargs)

    monkeypatch.setattr(fonts.FontConfiguration, "__init__", counted)
    monkeypatch.setattr(pdf, "_fonts", threading.local())  # a thread that has made none yet
    document = build_rekapitulasi(consultation, RekapOptions(lang="id"))
    assert len(PdfReader(io.BytesIO(render_pdf_in_parts(document, rows_per_part=7))).pages) > 3
    render_pdf(build_rekapitulasi(consultation, RekapOptions(lang="id")))
    assert len(made) == 1


def test_a_long_pdf_is_written_into_its_file_as_its_parts_are_laid_out(world, monkeypatch):
    # The worker's file takes each part as it comes: neither the joined pages nor the 36 MB
    # of the 50,000-comment rekapitulasi are held until the end.
    from consult.documents import pdf

    consultation, _organiser, siti, _signatory = world
    _add_comments(consultation, siti, 30)
    out = io.BytesIO()
    written_when_laid_out = []
    lay_out = pdf.render_html

    def counted_layout(part):
        written_when_laid_out.append(out.tell())
        return lay_out(part)

    monkeypatch.setattr(pdf, "render_html", counted_layout)
    pdf.write_pdf_in_parts(build_rekapitulasi(consultation, RekapOptions(lang="id")), out, 7)
    assert len(written_when_laid_out) > 3
    assert written_when_laid_out == sorted(written_when_laid_out)
    assert written_when_laid_out[-1] > len(out.getvalue()) / 2
    out.seek(0)
    pages = _pages_words(PdfReader(out))
    assert pages[-1].endswith(f"Halaman {len(pages)} dari {len(pages)}")
