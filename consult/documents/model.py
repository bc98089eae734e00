"""The one data structure every official document is built from.

A builder (rekapitulasi.py, letters.py, fgd.py) makes a `Document`: letterhead, title, number
and its blocks (headings, paragraphs, tables, signature blocks): a list, or for a long
document blocks made as they are read (`MadeOnReading`). The PDF writer
(pdf.py) and the DOCX writer (docx_writer.py) render the same blocks in the same order, so
the two files always say the same thing.

Text written by people (comments, strategy texts) is Markdown; `rich()` parses it once into
paragraphs of styled runs, with every link turned into a short numbered note whose address
goes to the document's list of links: no long URL inside a table cell.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_URL = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")


# Slots: a long rekapitulasi holds a run per piece of text of every cell before its layout.
@dataclass(slots=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    note: int | None = None  # the number of a link in the document's list of links


@dataclass(slots=True)
class Para:
    runs: list[Run]
    style: str = "p"  # p, li (bulleted), oli (numbered), h (heading), quote
    number: int | None = None  # for oli


@dataclass(slots=True)
class RichTable:
    header: list[list[Run]]
    rows: list[list[list[Run]]]


RichBlock = Para | RichTable


@dataclass(slots=True)
class Rich:
    """Formatted text: paragraphs and tables of runs."""

    blocks: list[RichBlock] = field(default_factory=list)

    def plain(self) -> str:
        out = []
        for block in self.blocks:
            if isinstance(block, Para):
                out.append("".join(run.text for run in block.runs))
            else:
                for row in [block.header, *block.rows]:
                    out.append(" | ".join("".join(r.text for r in cell) for cell in row))
        return "\n".join(out)


class Links:
    """The document's numbered list of links; the same address gets the same number."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def number(self, url: str) -> int:
        return self.numbers.setdefault(url, len(self.numbers) + 1)

    def items(self) -> list[tuple[int, str]]:
        return [(number, url) for url, number in self.numbers.items()]


def plain(text: str, bold: bool = False, italic: bool = False) -> Rich:
    """Text as one or more paragraphs (blank lines split them), no Markdown read."""
    paras = [p for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]
    return Rich([Para([Run(p.strip(), bold=bold, italic=italic)]) for p in paras])


def label_value(label: str, text: str, links: Links) -> Rich:
    """A labelled piece of Markdown: "Usulan rumusan: ..." with the label in bold."""
    body = rich(text, links)
    if body.blocks and isinstance(body.blocks[0], Para):
        body.blocks[0].runs.insert(0, Run(f"{label}: ", bold=True))
    else:
        body.blocks.insert(0, Para([Run(f"{label}:", bold=True)]))
    return body


def _text_runs(text: str, style: dict, links: Links) -> list[Run]:
    """Plain text with any bare address replaced by a numbered note."""
    runs, last = [], 0
    for match in _URL.finditer(text):
        if match.start() > last:
            runs.append(Run(text[last : match.start()], **style))
        runs.append(Run("", note=links.number(match.group(0))))
        last = match.end()
    if last < len(text):
        runs.append(Run(text[last:], **style))
    return runs


def _inline(children, links: Links) -> list[Run]:
    runs: list[Run] = []
    style = {"bold": False, "italic": False}
    href = None
    for token in children or []:
        kind = token.type
        if kind == "text":
            runs.extend(_text_runs(token.content, dict(style), links))
        elif kind == "code_inline":
            runs.append(Run(token.content, code=True, **style))
        elif kind in ("softbreak", "hardbreak"):
            runs.append(Run(" " if kind == "softbreak" else "\n", **style))
        elif kind == "strong_open":
            style["bold"] = True
        elif kind == "strong_close":
            style["bold"] = False
        elif kind == "em_open":
            style["italic"] = True
        elif kind == "em_close":
            style["italic"] = False
        elif kind == "link_open":
            href = token.attrGet("href")
        elif kind == "link_close":
            if href and href.startswith(("http://", "https://", "mailto:")):
                runs.append(Run("", note=links.number(href)))
            href = None
        elif kind == "image":
            runs.append(Run(token.content or "", **style))
    return runs


def rich(text: str | None, links: Links) -> Rich:
    """Markdown as formatted text (bold, italic, lists, quotes, tables); links as notes."""
    if not text:
        return Rich()
    tokens = _md.parse(text)
    blocks: list[RichBlock] = []
    lists: list[list] = []  # stack of [ordered, next number]
    quote = 0
    table: RichTable | None = None
    row: list | None = None
    in_head = False
    for index, token in enumerate(tokens):
        kind = token.type
        if kind == "bullet_list_open":
            lists.append([False, 0])
        elif kind == "ordered_list_open":
            lists.append([True, int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "table_open":
            table = RichTable([], [])
        elif kind == "table_close":
            blocks.append(table)
            table = None
        elif kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and table is not None:
            if in_head:
                table.header = row
            else:
                table.rows.append(row)
        elif kind == "inline" and table is not None and row is not None:
            row.append(_inline(token.children, links))
        elif kind == "inline":
            runs = _inline(token.children, links)
            opener = tokens[index - 1].type if index else ""
            if opener == "heading_open":
                for run in runs:
                    run.bold = True
                blocks.append(Para(runs, "h"))
            elif lists and _in_list_item(tokens, index):
                ordered, number = lists[-1]
                if ordered:
                    blocks.append(Para(runs, "oli", number))
                    lists[-1][1] += 1
                else:
                    blocks.append(Para(runs, "li"))
            else:
                blocks.append(Para(runs, "quote" if quote else "p"))
        elif kind in ("fence", "code_block"):
            blocks.append(Para([Run(token.content.rstrip("\n"), code=True)]))
        elif kind == "hr":
            blocks.append(Para([Run("———")]))
    return Rich(blocks)


def _in_list_item(tokens, index: int) -> bool:
    """Whether this inline is the first paragraph of a list item (a continuation is not)."""
    before = tokens[index - 1] if index else None
    if before is None:
        return False
    if before.type == "paragraph_open":
        opener = tokens[index - 2] if index >= 2 else None
        return opener is not None and opener.type == "list_item_open"
    return before.type == "list_item_open"


# --- the document ----------------------------------------------------------------------


@dataclass
class Letterhead:
    institution: str = ""
    unit: str = ""
    address: str = ""
    contact: str = ""
    logo_png: bytes | None = None


@dataclass
class Signature:
    caption: str = ""  # "Mengetahui", "Notulis", "Pimpinan Rapat"
    place_date: str = ""  # "Palangka Raya, 30 November 2022"
    position: str = ""
    name: str = ""
    rank: str = ""  # pangkat/golongan
    nip: str = ""
    nip_label: str = "NIP"


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Paragraph:
    content: Rich
    align: str = "justify"  # justify, left, center


@dataclass
class Fields:
    """Label : value lines ("Hari/tanggal : Rabu, 30 November 2022")."""

    items: list[tuple[str, str]]


@dataclass
class Column:
    title: str
    width: float  # a share of the page's text width, in per cent
    align: str = "left"


@dataclass
class Table:
    columns: list[Column]
    rows: list[list[Rich]]
    landscape: bool = False
    signature_column: int | None = None  # a column whose cells alternate left and right
    empty_text: str = ""
    title: str = ""  # a heading kept on the table's own (landscape) page


@dataclass
class Signatures:
    blocks: list[Signature]


@dataclass
class PageBreak:
    pass


Block = Heading | Paragraph | Fields | Table | Signatures | PageBreak


class MadeOnReading:
    """A document's blocks made as they are read, so a long document (the rekapitulasi of
    50,000 comments) never holds all its rows at once. Each reading makes them again."""

    def __init__(self, make: Callable[[], Iterator[Block]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[Block]:
        return self._make()


@dataclass
class Document:
    """An official document: letterhead, title, number, blocks, links; A4 unless F4."""

    title: str
    lang: str = "id"
    number: str = ""
    subtitle: str = ""
    letterhead: Letterhead | None = None
    blocks: list[Block] | MadeOnReading = field(default_factory=list)
    links: Links = field(default_factory=Links)
    paper: str = "A4"  # A4 or F4
    landscape: bool = False  # the whole document; a Table may also turn its own pages
    page_label: str = "Halaman {page} dari {pages}"
    links_title: str = "Daftar tautan"
    meta_author: str = ""

    def add(self, block: Block) -> Block:
        self.blocks.append(block)
        return block
