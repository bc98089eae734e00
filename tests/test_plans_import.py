"""Importing a plan outline from Markdown or DOCX: the parser, the preview, the confirmation."""

import io
import re
from html import unescape

import docx
import pytest
from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.markdown import render_markdown
from consult.plans.importer import _W, parse_docx, parse_markdown, split_code, table_markdown
from consult.plans.models import Chapter, Section, Strategy

OUTLINE_MD = """\
Catatan penyusun: draf kedua.

# Bab III Strategi Pembangunan Industri
Strategi dikelompokkan menurut sasaran.

## 3.1 Penguatan Rantai Pasok
Struktur industri yang kuat.

### 3.1.1 Substitusi impor bahan baku
Mengurangi ketergantungan impor.

Memperkuat pemasok lokal.
Target: porsi impor turun 25%
- peta kebutuhan bahan baku
Jangka waktu: 2023-2032

### 3.1.2 Kawasan industri
Kawasan di setiap kecamatan.

# BAB 4 Pelaksanaan
### 9.9 Strategi yatim
Tidak punya bagian.

## 4.1 Pemantauan
```
# bukan judul
```
##
"""


@pytest.fixture
def organiser(make_user):
    return make_user(role=Role.ORGANISER)


@pytest.fixture
def consultation(make_consultation, organiser):
    return make_consultation(organiser=organiser)


# --- the parser ---------------------------------------------------------------------------------


def test_split_code_recognises_numbers_and_bab():
    assert split_code("3.2 Hilirisasi") == ("3.2", "Hilirisasi")
    assert split_code("3.2. Hilirisasi") == ("3.2", "Hilirisasi")
    assert split_code("Bab III: Visi dan Misi") == ("Bab III", "Visi dan Misi")
    assert split_code("BAB 3 Sasaran") == ("BAB 3", "Sasaran")
    assert split_code("2035 sebagai tahun sasaran") == ("", "2035 sebagai tahun sasaran")
    assert split_code("Babak baru") == ("", "Babak baru")


def test_markdown_outline_keeps_codes_bodies_targets_and_horizon():
    result = parse_markdown(OUTLINE_MD)
    chapters = result.outline.chapters
    assert [(c.code, c.title) for c in chapters] == [
        ("Bab III", "Strategi Pembangunan Industri"),
        ("BAB 4", "Pelaksanaan"),
    ]
    assert chapters[0].body == "Strategi dikelompokkan menurut sasaran."
    section = chapters[0].sections[0]
    assert (section.code, section.title, section.body) == (
        "3.1",
        "Penguatan Rantai Pasok",
        "Struktur industri yang kuat.",
    )
    first, second = section.strategies
    assert (first.code, first.title) == ("3.1.1", "Substitusi impor bahan baku")
    assert first.description == "Mengurangi ketergantungan impor.\n\nMemperkuat pemasok lokal."
    assert first.targets == "porsi impor turun 25%\n- peta kebutuhan bahan baku"
    assert first.time_horizon == "2023-2032"
    assert second.description == "Kawasan di setiap kecamatan."
    # A "#" inside a code block is text, not a heading.
    assert "# bukan judul" in chapters[1].sections[0].body
    assert result.outline.counts == {"chapters": 2, "sections": 2, "strategies": 2}


def test_markdown_outline_reports_what_it_could_not_place():
    problems = parse_markdown(OUTLINE_MD).problems
    kinds = [(p.kind, p.line) for p in problems]
    assert ("text_before_heading", 1) in kinds
    assert ("strategy_without_section", 21) in kinds
    assert ("empty_heading", 28) in kinds
    orphan = next(p for p in problems if p.kind == "strategy_without_section")
    assert "Strategi yatim" in orphan.text
    assert all(str(p.message) for p in problems)


def test_section_before_any_chapter_is_reported():
    result = parse_markdown("## 1.1 Tanpa bab\nteks\n")
    assert result.outline.is_empty
    assert [p.kind for p in result.problems] == ["section_without_chapter"]


def test_text_without_headings_is_reported():
    result = parse_markdown("Hanya teks biasa.\n")
    assert {p.kind for p in result.problems} == {"text_before_heading", "no_headings"}


def _docx_bytes(heading_style_names=("Heading 1", "Heading 2", "Heading 3")) -> bytes:
    document = docx.Document()
    h1, h2, h3 = heading_style_names
    document.add_paragraph("Kata pengantar sebelum judul.")
    document.add_paragraph("Bab I Pendahuluan", style=h1)
    document.add_paragraph("Latar belakang bab.")
    document.add_paragraph("1.1 Sasaran", style=h2)
    document.add_paragraph("Pertumbuhan dua digit pada 2035.")
    document.add_paragraph("Kontribusi industri 30 persen PDB.")
    document.add_paragraph("1.1.1 Substitusi impor", style=h3)
    document.add_paragraph("Mengurangi impor bahan baku.")
    document.add_paragraph("bahan baku", style="List Bullet")
    document.add_paragraph("barang modal", style="List Bullet")
    document.add_paragraph("Penutup strategi.")
    document.add_table(rows=1, cols=2)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_outline_from_heading_styles_with_lists():
    result = parse_docx(_docx_bytes())
    chapter = result.outline.chapters[0]
    assert (chapter.code, chapter.title, chapter.body) == (
        "Bab I",
        "Pendahuluan",
        "Latar belakang bab.",
    )
    section = chapter.sections[0]
    assert section.body == "Pertumbuhan dua digit pada 2035.\n\nKontribusi industri 30 persen PDB."
    strategy = section.strategies[0]
    assert (strategy.code, strategy.title) == ("1.1.1", "Substitusi impor")
    assert strategy.description == (
        "Mengurangi impor bahan baku.\n\n- bahan baku\n- barang modal\n\nPenutup strategi."
    )
    # The empty table adds nothing; no problem is reported for it.
    kinds = {p.kind for p in result.problems}
    assert kinds == {"text_before_heading"}


def _docx_with_programme_table() -> bytes:
    document = docx.Document()
    document.add_heading("Bab III Strategi", level=1)
    document.add_heading("3.1 Hilirisasi", level=2)
    document.add_heading("3.1.1 Pengolahan rotan", level=3)
    document.add_paragraph("Program prioritas:")
    table = document.add_table(rows=3, cols=3)
    for row, values in zip(
        table.rows,
        [
            ("Program", "Target 2030", "Pelaksana"),
            ("Sentra rotan", "5 sentra", "Dinas | UPT"),
            ("Pelatihan", "200 orang", ""),
        ],
        strict=True,
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    merged = table.rows[2].cells[1].merge(table.rows[2].cells[2])
    merged.text = "200 orang"
    document.add_paragraph("Penutup.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_table_under_a_strategy_becomes_a_markdown_table_in_its_text():
    result = parse_docx(_docx_with_programme_table())
    strategy = result.outline.chapters[0].sections[0].strategies[0]
    assert strategy.description == (
        "Program prioritas:\n\n"
        "| Program | Target 2030 | Pelaksana |\n"
        "| --- | --- | --- |\n"
        "| Sentra rotan | 5 sentra | Dinas \\| UPT |\n"
        "| Pelatihan | 200 orang |   |\n\n"
        "Penutup."
    )
    assert not result.problems
    html = str(render_markdown(strategy.description))
    assert "<table>" in html and "<th>Target 2030</th>" in html
    assert "<td>Dinas | UPT</td>" in html


def test_docx_with_localised_heading_style_names():
    document = docx.Document()
    for level in (1, 2, 3):
        document.styles.add_style(f"Judul {level}", docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Bab II Visi", style="Judul 1")
    document.add_paragraph("2.1 Misi", style="Judul 2")
    document.add_paragraph("2.1.1 Strategi", style="Judul 3")
    buffer = io.BytesIO()
    document.save(buffer)
    result = parse_docx(buffer.getvalue())
    assert result.outline.counts == {"chapters": 1, "sections": 1, "strategies": 1}
    assert result.outline.chapters[0].sections[0].strategies[0].code == "2.1.1"


def test_parse_docx_refuses_bytes_that_are_not_docx():
    result = parse_docx(b"# Bab I\nteks")
    assert result.outline.is_empty
    assert [p.kind for p in result.problems] == ["not_docx"]


# --- the pages ----------------------------------------------------------------------------------


def _upload(client, consultation, data: bytes, filename: str):
    """The upload, followed to where it leads: the import job's page, which (the worker runs
    eagerly in tests) sends on to the preview of what the job read."""
    return client.post(
        f"/c/{consultation.id}/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _token(html: str) -> str:
    match = re.search(r'name="outline"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="outline"', html
    )
    return unescape(match.group(1))


def _count(model, consultation):
    if model is Chapter:
        where = Chapter.consultation_id == consultation.id
        return db.session.scalar(select(func.count(Chapter.id)).where(where))
    query = select(func.count(model.id)).select_from(model)
    if model is Strategy:
        query = query.join(Section)
    return db.session.scalar(
        query.join(Chapter, Chapter.id == Section.chapter_id).where(
            Chapter.consultation_id == consultation.id
        )
    )


def test_markdown_preview_then_confirm_appends_the_previewed_outline(
    client, login, organiser, consultation
):
    login(organiser)
    assert client.get(f"/c/{consultation.id}/import").status_code == 200
    response = _upload(client, consultation, OUTLINE_MD.encode(), "rpik.md")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Substitusi impor bahan baku" in html
    assert 'data-problem="strategy_without_section"' in html
    assert 'data-problem="text_before_heading"' in html
    assert _count(Chapter, consultation) == 1  # nothing saved by the preview
    response = client.post(f"/c/{consultation.id}/import/confirm", data={"outline": _token(html)})
    assert response.status_code == 302
    assert _count(Chapter, consultation) == 3
    assert _count(Section, consultation) == 3
    assert _count(Strategy, consultation) == 3
    chapters = db.session.scalars(
        select(Chapter).where(Chapter.consultation_id == consultation.id).order_by(Chapter.position)
    ).all()
    assert [c.code for c in chapters] == ["1", "Bab III", "BAB 4"]
    strategy = db.session.scalar(select(Strategy).where(Strategy.code == "3.1.1"))
    assert strategy.time_horizon == "2023-2032"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.imported"))
    assert (event.data["chapters"], event.data["strategies"]) == (2, 2)


def test_docx_upload_preview_and_confirm(client, login, organiser, consultation):
    login(organiser)
    html = _upload(client, consultation, _docx_bytes(), "rpik.docx").get_data(as_text=True)
    assert "Pendahuluan" in html
    client.post(f"/c/{consultation.id}/import/confirm", data={"outline": _token(html)})
    assert db.session.scalar(select(Strategy).where(Strategy.code == "1.1.1")) is not None


def test_tampered_outline_is_rejected(client, login, organiser, consultation):
    login(organiser)
    html = _upload(client, consultation, OUTLINE_MD.encode(), "rpik.md").get_data(as_text=True)
    token = _token(html)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.post(f"/c/{consultation.id}/import/confirm", data={"outline": tampered})
    assert response.status_code == 400
    assert _count(Chapter, consultation) == 1


def test_outline_signed_for_another_consultation_is_rejected(
    client, login, organiser, consultation, make_consultation
):
    other = make_consultation(organiser=organiser)
    login(organiser)
    html = _upload(client, other, OUTLINE_MD.encode(), "rpik.md").get_data(as_text=True)
    response = client.post(f"/c/{consultation.id}/import/confirm", data={"outline": _token(html)})
    assert response.status_code == 400
    assert _count(Chapter, consultation) == 1


def test_docx_that_is_really_text_is_rejected_with_a_message(
    client, login, organiser, consultation
):
    login(organiser)
    response = _upload(client, consultation, b"PK\x03\x04 not really a zip", "rpik.docx")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="file-error"' in html
    assert "not a valid Word" in html


def test_docx_named_file_holding_markdown_is_read_by_content(
    client, login, organiser, consultation
):
    login(organiser)
    response = _upload(client, consultation, b"# Bab I Teks\n", "rpik.docx")
    assert response.status_code == 422
    assert 'id="file-error"' in response.get_data(as_text=True)


def test_binary_file_is_rejected(client, login, organiser, consultation):
    login(organiser)
    response = _upload(client, consultation, b"\x89PNG\r\n\x1a\n\x00\x00\xff", "plan.md")
    assert response.status_code == 422
    assert 'id="file-error"' in response.get_data(as_text=True)


def test_upload_over_the_size_limit_is_rejected(app, client, login, organiser, consultation):
    app.config["MAX_UPLOAD_BYTES"] = 100
    login(organiser)
    response = _upload(client, consultation, b"# Bab\n" + b"x" * 200, "plan.md")
    assert response.status_code == 422
    assert 'id="file-error"' in response.get_data(as_text=True)


def test_participant_cannot_import(client, login, make_user, make_consultation):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    login(participant)
    assert _upload(client, consultation, OUTLINE_MD.encode(), "a.md").status_code == 403
    assert client.post(f"/c/{consultation.id}/import/confirm").status_code == 403


def test_a_damaged_word_file_claiming_a_newer_zip_version_is_refused_not_raised():
    # Found by the property test: a central directory entry saying "needs zip 6.4" made
    # zipfile raise NotImplementedError (a 500) instead of the importer's own refusal.
    out = io.BytesIO()
    document = docx.Document()
    document.add_heading("Bab 1 Visi", level=1)
    document.save(out)
    data = bytearray(out.getvalue())
    entry = data.index(b"PK\x01\x02")
    data[entry + 6] = 64  # version needed to extract: 6.4
    result = parse_docx(bytes(data))
    assert [problem.kind for problem in result.problems] == ["not_docx"]


def test_table_cell_text_is_read_as_python_docx_reads_it_only_faster():
    """The compiled-XPath reading of a cell's paragraphs gives python-docx's text."""
    import docx

    from consult.plans.importer import _paragraph_text

    document = docx.Document()
    table = document.add_table(rows=1, cols=1)
    paragraph = table.rows[0].cells[0].paragraphs[0]
    paragraph.add_run("Target ")
    run = paragraph.add_run("2026")
    run.add_tab()
    run.add_text("baris")
    run.add_break()
    paragraph.add_run("akhir | pipa")
    for p in document.element.body.iter(f"{{{_W}}}p"):
        wrapped = docx.text.paragraph.Paragraph(p, None)
        assert " ".join(_paragraph_text(p).split()) == " ".join(wrapped.text.split())
    assert "Target 2026 baris akhir \\| pipa" in "\n".join(table_markdown(table))


def test_a_large_plan_looks_its_styles_up_once_not_per_paragraph(monkeypatch):
    """python-docx's default-style lookup scans every style: once per paragraph made a
    600-strategy plan take 48 s to read (bench/plan_import.py); once per document, 5 s."""
    from docx.styles.styles import Styles

    from bench.plan_import import plan_docx

    data = plan_docx(40)
    calls = []
    real_default = Styles.default

    def counted(self, style_type):
        calls.append(style_type)
        return real_default(self, style_type)

    monkeypatch.setattr(Styles, "default", counted)
    result = parse_docx(data)
    assert sum(len(x.strategies) for c in result.outline.chapters for x in c.sections) == 40
    assert len(calls) == 1
