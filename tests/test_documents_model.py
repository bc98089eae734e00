"""The document model: Markdown read once into runs, links as notes, tables kept as tables."""

import io

from docx import Document as WordDocument

from consult.documents.docx_writer import render_docx
from consult.documents.model import Document, Links, Para, Paragraph, RichTable, rich
from consult.documents.pdf import render_html
from consult.timeutil import date_in_words, indonesian_words, long_date, time_wib

TABLE = "Program:\n\n| Program | Target |\n| --- | --- |\n| Sentra **rotan** | 5 \\| 6 |"


def test_markdown_is_read_into_styled_runs_with_links_as_numbered_notes():
    links = Links()
    content = rich("Kami **mendukung** [usulan](https://example.org/a) dan https://x.id/b.", links)
    runs = content.blocks[0].runs
    assert [r.text for r in runs if r.bold] == ["mendukung"]
    assert [r.note for r in runs if r.note] == [1, 2]
    assert links.items() == [(1, "https://example.org/a"), (2, "https://x.id/b")]
    assert "https://" not in content.plain()


def test_lists_keep_their_bullets_and_numbers():
    content = rich("- satu\n- dua\n\n3. tiga\n4. empat", Links())
    styles = [(b.style, b.number) for b in content.blocks if isinstance(b, Para)]
    assert styles == [("li", None), ("li", None), ("oli", 3), ("oli", 4)]


def test_pipe_table_stays_a_table_in_pdf_and_docx(app):
    document = Document(title="Uji")
    document.add(Paragraph(rich(TABLE, document.links)))
    table = document.blocks[0].content.blocks[1]
    assert isinstance(table, RichTable)
    assert [r.text for r in table.rows[0][1]] == ["5 | 6"]
    html = render_html(document)
    assert '<table class="inner">' in html and "<strong>rotan</strong>" in html
    word = WordDocument(io.BytesIO(render_docx(document)))
    assert word.tables[0].rows[1].cells[0].text == "Sentra rotan"


def test_indonesian_dates_and_times_written_out():
    from datetime import date, datetime

    assert long_date(date(2022, 11, 30)) == "Rabu, 30 November 2022"
    assert long_date(date(2022, 11, 30), "en") == "Wednesday, 30 November 2022"
    # Stored as UTC, shown in WIB (UTC+7): 17:30 UTC is already the next day in Jakarta.
    assert long_date(datetime(2022, 11, 29, 17, 30)) == "Rabu, 30 November 2022"
    assert time_wib(datetime(2022, 11, 30, 2, 0)) == "09.00 WIB"
    assert date_in_words(date(2022, 11, 30)) == (
        "hari Rabu tanggal tiga puluh bulan November tahun dua ribu dua puluh dua"
    )
    assert indonesian_words(111) == "seratus sebelas"
    assert indonesian_words(1945) == "seribu sembilan ratus empat puluh lima"
