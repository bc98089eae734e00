"""The DOCX writer: "Rekapitulasi Masukan", the response matrix as a table per chapter.

python-docx keeps the whole document as an XML tree, far too big for 50,000 comments;
it builds only the styled skeleton, and the body is streamed into word/document.xml.
"""

import io
import re
import zipfile
from html import escape as html_escape
from typing import BinaryIO

from flask_babel import gettext as _

from consult.plans.models import Consultation
from consult.reports.exports.options import ExportFilters, Progress, localised
from consult.reports.exports.rows import MATRIX_COLUMNS, ExportRows

_DOCX_MARKER = "REMBUK-DOCX-BODY"
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Column widths in twentieths of a point, summing to the text width of an A4/Letter page.
_DOCX_WIDTHS = (600, 1500, 1300, 3000, 1100, 1300, 1000)


def _w_text(value: str) -> str:
    """Runs of text for a WordprocessingML paragraph; newlines become line breaks."""
    lines = _XML_INVALID.sub("", value).split("\n")
    parts = [f'<w:t xml:space="preserve">{html_escape(line, quote=False)}</w:t>' for line in lines]
    return "<w:br/>".join(parts)


def _w_cell(value: str, width: int, bold: bool = False) -> str:
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr>'
        f"<w:p><w:r>{props}{_w_text(value)}</w:r></w:p></w:tc>"
    )


def _w_table_start(headers: list[str]) -> str:
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in _DOCX_WIDTHS)
    head = "".join(_w_cell(h, w, bold=True) for h, w in zip(headers, _DOCX_WIDTHS, strict=True))
    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid><w:tr>{head}</w:tr>"
    )


def _w_heading(text: str) -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r>{_w_text(text)}</w:r></w:p>'


def _docx_skeleton(
    consultation: Consultation, notes: list[str]
) -> tuple[bytes, bytes, zipfile.ZipFile]:
    """The styled document from python-docx (title, notes), split where the body goes."""
    from docx import Document

    document = Document()
    document.add_heading("Rekapitulasi Masukan", level=0)
    document.add_paragraph(consultation.title)
    if consultation.department:
        document.add_paragraph(consultation.department)
    for note in notes:
        document.add_paragraph(note)
    document.add_paragraph(_DOCX_MARKER)
    buffer = io.BytesIO()
    document.save(buffer)
    skeleton = zipfile.ZipFile(buffer)
    xml = skeleton.read("word/document.xml")
    marker = xml.index(_DOCX_MARKER.encode())
    start = max(xml.rfind(b"<w:p>", 0, marker), xml.rfind(b"<w:p ", 0, marker))
    end = xml.index(b"</w:p>", marker) + len(b"</w:p>")
    return xml[:start], xml[end:], skeleton


@localised
def write_docx(
    consultation: Consultation,
    filters: ExportFilters,
    out_file: BinaryIO,
    progress: Progress | None = None,
) -> None:
    """Write the report to a writable binary file."""
    rows = ExportRows(consultation, filters, progress)
    head, tail, skeleton = _docx_skeleton(consultation, rows.notes())
    headers = [str(h) for h in MATRIX_COLUMNS]
    with zipfile.ZipFile(out_file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in skeleton.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, skeleton.read(info.filename))
        with (
            archive.open("word/document.xml", "w", force_zip64=True) as raw,
            io.BufferedWriter(raw, buffer_size=1 << 16) as out,
        ):
            out.write(head)
            chapter_id = None
            for row in rows.matrix():
                if row.chapter_id != chapter_id:
                    if chapter_id is not None:
                        out.write(b"</w:tbl>")
                    chapter_id = row.chapter_id
                    out.write(_w_heading(row.chapter).encode())
                    out.write(_w_table_start(headers).encode())
                cells = "".join(
                    _w_cell(v, w) for v, w in zip(row.values, _DOCX_WIDTHS, strict=True)
                )
                out.write(f"<w:tr>{cells}</w:tr>".encode())
            if chapter_id is not None:
                out.write(b"</w:tbl>")
            else:
                empty = _("No input matches the chosen filters.")
                out.write(f"<w:p><w:r>{_w_text(empty)}</w:r></w:p>".encode())
            out.write(tail)
    rows.finish()
