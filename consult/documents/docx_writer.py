"""A Document as DOCX (python-docx): the same blocks in the same order as the PDF, editable.

A4 (or F4) sections; a wide table gets a landscape section of its own; header rows are
marked to repeat on every page; the footer holds "Halaman {PAGE} dari {NUMPAGES}" fields.
"""

import io

from docx import Document as WordDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from consult.documents.model import (
    Document,
    Fields,
    Heading,
    PageBreak,
    Paragraph,
    Rich,
    RichTable,
    Run,
    Signatures,
    Table,
)

PAGE_SIZES = {"A4": (Mm(210), Mm(297)), "F4": (Mm(215), Mm(330))}
TABLE_STYLE = "Isi Tabel"
FONT = "Arial"  # Liberation Sans on systems without Arial: the same metrics
ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def _set_page(section, paper: str, landscape: bool) -> None:
    width, height = PAGE_SIZES.get(paper, PAGE_SIZES["A4"])
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (height, width) if landscape else (width, height)
    if landscape:
        section.left_margin = section.right_margin = Cm(1.5)
    else:
        section.left_margin, section.right_margin = Cm(2.5), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)


def _field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays the pages out."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, shown, end):
        run._r.append(element)


def _page_numbers(section, label: str) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    rest = label
    while rest:
        head, sep, tail = rest.partition("{")
        if head:
            paragraph.add_run(head).font.size = Pt(8.5)
        if not sep:
            break
        name, _, rest = tail.partition("}")
        _field(paragraph, "NUMPAGES" if name == "pages" else "PAGE")


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)
    cant_split = OxmlElement("w:cantSplit")
    properties.append(cant_split)


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _bottom_rule(paragraph) -> None:
    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "thickThinSmallGap")
    bottom.set(qn("w:sz"), "18")
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "000000")
    borders.append(bottom)
    properties.append(borders)


def _new_row(table) -> list:
    """Add a row and return its cells without python-docx's row.cells, which lays out the
    whole table's grid each time (quadratic in the rows of a long table)."""
    from docx.table import _Cell

    row = table.add_row()
    return [_Cell(tc, table) for tc in row._tr.tc_lst]


def _runs(paragraph, runs: list[Run], size: float | None = None) -> None:
    for item in runs:
        # Only what differs from the paragraph's style is set: each property is XML work,
        # and a long table has tens of thousands of runs.
        if item.note:
            run = paragraph.add_run(f"[{item.note}]")
            run.font.superscript = True
        else:
            run = paragraph.add_run(item.text)
            if item.bold:
                run.bold = True
            if item.italic:
                run.italic = True
            if item.code:
                run.font.name = "Courier New"
        if size:
            run.font.size = Pt(size)


def _rich(container, content: Rich, size: float | None = None, first=None) -> None:
    """Formatted text into a cell or the body; `first` is an empty paragraph to fill first."""
    for block in content.blocks:
        if isinstance(block, RichTable):
            _inner_table(container, block, size)
            first = None
            continue
        paragraph = first if first is not None else container.add_paragraph()
        first = None
        if size:
            paragraph.style = TABLE_STYLE  # 9 pt, little space after: set once, not per run
        else:
            paragraph.paragraph_format.space_after = Pt(2)
        if block.style in ("li", "oli"):
            bullet = "•" if block.style == "li" else f"{block.number}."
            paragraph.paragraph_format.left_indent = Cm(0.5)
            paragraph.paragraph_format.first_line_indent = Cm(-0.5)
            paragraph.add_run(f"{bullet}\t")
        elif block.style == "quote":
            paragraph.paragraph_format.left_indent = Cm(0.6)
        _runs(paragraph, block.runs)


def _inner_table(container, block: RichTable, size: float | None) -> None:
    columns = max([len(block.header), *[len(r) for r in block.rows]] or [1])
    table = container.add_table(rows=0, cols=columns)
    table.style = "Table Grid"
    for index, row in enumerate([block.header, *block.rows]):
        cells = _new_row(table)
        for cell, runs in zip(cells, row, strict=False):
            paragraph = cell.paragraphs[0]
            _runs(
                paragraph,
                [
                    Run(
                        r.text, bold=r.bold or index == 0, italic=r.italic, code=r.code, note=r.note
                    )
                    for r in runs
                ],
                size,
            )


class _Writer:
    def __init__(self, document: Document):
        self.doc = document
        self.word = WordDocument()
        style = self.word.styles["Normal"]
        style.font.name = FONT
        style.font.size = Pt(11)
        style.paragraph_format.space_after = Pt(4)
        from docx.enum.style import WD_STYLE_TYPE

        cells = self.word.styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        cells.base_style = style
        cells.font.size = Pt(9)
        cells.paragraph_format.space_after = Pt(2)
        section = self.word.sections[0]
        self.landscape = document.landscape
        _set_page(section, document.paper, self.landscape)
        _page_numbers(section, document.page_label)
        core = self.word.core_properties
        core.title = document.title
        core.author = document.meta_author or "Rembuk"
        core.language = document.lang

    def turn(self, landscape: bool) -> None:
        """Start a new section when the orientation changes."""
        if landscape == self.landscape:
            return
        section = self.word.add_section(WD_SECTION.NEW_PAGE)
        _set_page(section, self.doc.paper, landscape)
        self.landscape = landscape

    def letterhead(self) -> None:
        kop = self.doc.letterhead
        table = self.word.add_table(rows=1, cols=3)
        _no_borders(table)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        logo, text, _spacer = table.rows[0].cells
        for cell, width in ((logo, Cm(2.6)), (text, Cm(11.3)), (_spacer, Cm(2.6))):
            cell.width = width
        if kop.logo_png:
            logo.paragraphs[0].add_run().add_picture(io.BytesIO(kop.logo_png), width=Cm(2.2))
        lines = [
            (kop.institution.upper(), 14, True),
            (kop.unit.upper(), 16, True),
            (kop.address, 9.5, False),
            (kop.contact, 9.5, False),
        ]
        first = True
        for value, size, bold in lines:
            if not value:
                continue
            paragraph = text.paragraphs[0] if first else text.add_paragraph()
            first = False
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.space_after = Pt(0)
            run = paragraph.add_run(value)
            run.bold, run.font.size = bold or None, Pt(size)
        _bottom_rule(self.word.add_paragraph())

    def heading(self) -> None:
        title = self.word.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_after = Pt(0)
        run = title.add_run(self.doc.title.upper())
        run.bold, run.font.size = True, Pt(13)
        for text, bold in ((self.doc.number, False), (self.doc.subtitle, True)):
            if text:
                paragraph = self.word.add_paragraph()
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                paragraph.add_run(text).bold = bold or None

    def table(self, block: Table) -> None:
        self.turn(block.landscape)
        if block.title:
            self.word.add_heading(block.title, level=1)
        section = self.word.sections[-1]
        text_width = section.page_width - section.left_margin - section.right_margin
        table = self.word.add_table(rows=1, cols=len(block.columns))
        table.style = "Table Grid"
        table.autofit = False
        widths = [int(text_width * column.width / 100) for column in block.columns]
        header = table.rows[0]
        _repeat_header(header)
        for cell, column, width in zip(header.cells, block.columns, widths, strict=True):
            cell.width = width
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(column.title)
            run.bold, run.font.size = True, Pt(9)
            _shade(cell, "E6E6E6")
        if not block.rows and block.empty_text:
            cells = _new_row(table)
            merged = cells[0].merge(cells[-1])
            merged.paragraphs[0].add_run(block.empty_text)
        for number, row in enumerate(block.rows, start=1):
            cells = _new_row(table)
            for index, (cell, content) in enumerate(zip(cells, row, strict=True)):
                cell.width = widths[index]
                paragraph = cell.paragraphs[0]
                if index == block.signature_column:
                    paragraph.alignment = (
                        WD_ALIGN_PARAGRAPH.LEFT if number % 2 else WD_ALIGN_PARAGRAPH.CENTER
                    )
                    paragraph.add_run(f"{number}. ..........................")
                    continue
                paragraph.alignment = ALIGN.get(block.columns[index].align)
                _rich(cell, content, 9, first=paragraph)
        self.word.add_paragraph()

    def signatures(self, block: Signatures) -> None:
        """Blocks side by side, one row per kind of line so names and NIPs line up."""
        kinds = [
            k
            for k in ("place_date", "caption", "position")
            if any(getattr(s, k) for s in block.blocks)
        ]
        lines = [[getattr(s, k) for s in block.blocks] for k in kinds]
        lines += [[""] * len(block.blocks)] * 3
        names = [s.name or "(.................................)" for s in block.blocks]
        after = [
            [s.rank for s in block.blocks],
            [f"{s.nip_label}. {s.nip}" if s.nip else "" for s in block.blocks],
        ]
        after = [row for row in after if any(row)]
        table = self.word.add_table(rows=0, cols=len(block.blocks))
        _no_borders(table)
        for index, row in enumerate([*lines, names, *after]):
            for cell, value in zip(_new_row(table), row, strict=True):
                paragraph = cell.paragraphs[0]
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                paragraph.paragraph_format.space_after = Pt(0)
                run = paragraph.add_run(value)
                if index == len(lines):
                    run.bold, run.underline = True, True

    def write(self) -> bytes:
        if self.doc.letterhead:
            self.letterhead()
        self.heading()
        for block in self.doc.blocks:
            if isinstance(block, Heading):
                self.turn(self.doc.landscape)
                self.word.add_heading(block.text, level=min(block.level, 3))
            elif isinstance(block, Paragraph):
                self.turn(self.doc.landscape)
                before = len(self.word.paragraphs)
                _rich(self.word, block.content)
                for paragraph in self.word.paragraphs[before:]:
                    paragraph.alignment = ALIGN.get(block.align)
            elif isinstance(block, Fields):
                self._fields(block)
            elif isinstance(block, Table):
                self.table(block)
            elif isinstance(block, Signatures):
                self.turn(self.doc.landscape)
                self.signatures(block)
            elif isinstance(block, PageBreak):
                self.word.add_page_break()
        if self.doc.links.numbers:
            self.turn(self.doc.landscape)
            self.word.add_heading(self.doc.links_title, level=2)
            for number, url in self.doc.links.items():
                paragraph = self.word.add_paragraph(f"[{number}] {url}")
                paragraph.paragraph_format.space_after = Pt(0)
        buffer = io.BytesIO()
        self.word.save(buffer)
        return buffer.getvalue()

    def _fields(self, block: Fields) -> None:
        self.turn(self.doc.landscape)
        table = self.word.add_table(rows=0, cols=3)
        _no_borders(table)
        for label, value in block.items:
            cells = _new_row(table)
            cells[0].width, cells[1].width, cells[2].width = Cm(4.2), Cm(0.5), Cm(11)
            cells[0].paragraphs[0].add_run(label)
            cells[1].paragraphs[0].add_run(":")
            cells[2].paragraphs[0].add_run(value)


def render_docx(document: Document) -> bytes:
    """The document as DOCX bytes."""
    return _Writer(document).write()
