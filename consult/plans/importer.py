"""Reading a plan outline from Markdown or DOCX: pure functions, no database.

An outline has three levels: chapters (`#`, Heading 1), sections (`##`, Heading 2) and
strategies (`###`, Heading 3). Text under a heading is its body (a strategy's description).
A heading may begin with a code ("3.2", "Bab III", "BAB 3"), kept apart from the title.
Within a strategy, a line "Target: ..." (or "Indikator:") starts its targets/indicators and a
line "Jangka waktu: ..." (or "Time horizon:") gives its time horizon.

Whatever cannot be placed is not guessed at: it is reported as a Problem, so the organiser
sees it in the preview before anything is saved.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from consult.inputs import has_control_characters, without_control_characters

TITLE_MAX = 300
CODE_MAX = 20
HORIZON_MAX = 120

_HEADING = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?[ \t#]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE = re.compile(
    r"^(?P<code>(?:bab|chapter)\s+(?:[IVXLCDM]+|\d+)\b|\d{1,3}(?:\.\d{1,3})*)\.?(?:\s*[:.\-–—]\s*|\s+|$)"
    r"(?P<title>.*)$",
    re.IGNORECASE,
)
_TARGETS = re.compile(
    r"^\s*\**\s*(?:targets?(?:\s*/\s*indikator)?|indikator|indicators?|"
    r"targets?\s*/\s*indicators?|target dan indikator)\s*\**\s*:\s*\**\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_HORIZON = re.compile(
    r"^\s*\**\s*(?:jangka waktu|horizon waktu|time horizon)\s*\**\s*:\s*\**\s*(?P<rest>.*?)\s*$",
    re.IGNORECASE,
)
_DOCX_HEADING_STYLE = re.compile(
    r"^(?:heading|judul|kop|überschrift|titre|título|titolo|rubrik)\s*(\d)$", re.IGNORECASE
)

# Problem kinds, and how to tell the organiser about each.
PROBLEM_MESSAGES = {
    "text_before_heading": _l("Text before the first heading was not imported."),
    "section_without_chapter": _l("A section (##) before any chapter (#) was not imported."),
    "strategy_without_section": _l(
        "A strategy (###) that is not under a section (##) was not imported."
    ),
    "empty_heading": _l("A heading without a title was not imported."),
    "deep_heading": _l("A heading deeper than level 3 was kept as text of the item above it."),
    "title_too_long": _l("A title longer than 300 characters was shortened."),
    "horizon_too_long": _l("A time horizon longer than 120 characters was shortened."),
    "table_skipped": _l("Tables in the document were not imported."),
    "no_headings": _l("No headings were found: nothing to import."),
    "not_utf8": _l("The file is not UTF-8 text."),
    "control_characters": _l(
        "Invisible control characters (such as NUL) were removed: they cannot be saved."
    ),
    "not_docx": _l("The file is not a valid Word (.docx) document."),
}


@dataclass
class Problem:
    kind: str
    line: int | None = None
    text: str = ""

    @property
    def message(self):
        return PROBLEM_MESSAGES.get(self.kind, self.kind)


@dataclass
class StrategyNode:
    title: str
    code: str = ""
    description: str = ""
    targets: str = ""
    time_horizon: str = ""


@dataclass
class SectionNode:
    title: str
    code: str = ""
    body: str = ""
    strategies: list[StrategyNode] = field(default_factory=list)


@dataclass
class ChapterNode:
    title: str
    code: str = ""
    body: str = ""
    sections: list[SectionNode] = field(default_factory=list)


@dataclass
class Outline:
    chapters: list[ChapterNode] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        sections = [s for c in self.chapters for s in c.sections]
        return {
            "chapters": len(self.chapters),
            "sections": len(sections),
            "strategies": sum(len(s.strategies) for s in sections),
        }

    @property
    def is_empty(self) -> bool:
        return not self.chapters

    def to_data(self) -> list[dict[str, Any]]:
        """Plain data (for JSON, e.g. to carry a previewed outline in a signed field)."""
        return [asdict(chapter) for chapter in self.chapters]

    @classmethod
    def from_data(cls, data: Any) -> Outline:
        """Rebuild from to_data(); raises ValueError on anything malformed."""
        if not isinstance(data, list):
            raise ValueError("outline must be a list")
        try:
            return cls(
                chapters=[
                    ChapterNode(
                        title=_text(c["title"]),
                        code=_text(c["code"]),
                        body=_text(c["body"]),
                        sections=[
                            SectionNode(
                                title=_text(s["title"]),
                                code=_text(s["code"]),
                                body=_text(s["body"]),
                                strategies=[
                                    StrategyNode(
                                        **{k: _text(t[k]) for k in StrategyNode.__annotations__}
                                    )
                                    for t in s["strategies"]
                                ],
                            )
                            for s in c["sections"]
                        ],
                    )
                    for c in data
                ]
            )
        except (KeyError, TypeError) as error:
            raise ValueError("malformed outline") from error


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("text expected")
    return value


@dataclass
class ParseResult:
    outline: Outline
    problems: list[Problem]


def split_code(heading: str) -> tuple[str, str]:
    """("3.2 Hilirisasi") -> ("3.2", "Hilirisasi"); ("Bab III: Visi") -> ("Bab III", "Visi")."""
    heading = heading.strip()
    match = _CODE.match(heading)
    if not match or len(match.group("code")) > CODE_MAX:
        return "", heading
    code = match.group("code")
    title = match.group("title").strip()
    if not title:
        title = code
    return code, title


class _Builder:
    """Collects headings and body lines in order, for both Markdown and DOCX."""

    def __init__(self) -> None:
        self.outline = Outline()
        self.problems: list[Problem] = []
        self.current: ChapterNode | SectionNode | StrategyNode | None = None
        self.open_section: SectionNode | None = None  # where a ### would go
        self.lines: list[str] = []
        self.skipping = False  # body of a heading that was not imported
        self.preamble: list[str] = []
        self.preamble_line: int | None = None
        self.in_targets = False

    def _clean(self, value: str, line: int | None) -> str:
        """The text without control characters (which no column or export can hold), noted."""
        if not has_control_characters(value):
            return value
        cleaned = without_control_characters(value)
        self.problems.append(Problem("control_characters", line, cleaned.strip()[:80]))
        return cleaned

    def heading(self, level: int, text: str, line: int | None) -> None:
        text = self._clean(text, line)
        self._close()
        self.skipping = False
        code, title = split_code(text or "")
        if not title:
            self.problems.append(Problem("empty_heading", line, "#" * level))
            self.skipping = True
            self.current = None
            if level < 3:
                self.open_section = None
            return
        if len(title) > TITLE_MAX:
            self.problems.append(Problem("title_too_long", line, title[:80] + "…"))
            title = title[:TITLE_MAX]
        chapters = self.outline.chapters
        if level == 1:
            node = ChapterNode(title=title, code=code)
            chapters.append(node)
            self.open_section = None
        elif level == 2:
            if not chapters:
                self.problems.append(Problem("section_without_chapter", line, text))
                self.skipping = True
                self.current = None
                self.open_section = None
                return
            node = SectionNode(title=title, code=code)
            chapters[-1].sections.append(node)
            self.open_section = node
        else:
            if self.open_section is None:
                self.problems.append(Problem("strategy_without_section", line, text))
                self.skipping = True
                self.current = None
                return
            node = StrategyNode(title=title, code=code)
            self.open_section.strategies.append(node)
        self.current = node

    def text(self, value: str, line: int | None) -> None:
        value = self._clean(value, line)
        if self.skipping:
            return
        if self.current is None:
            if value.strip():
                if self.preamble_line is None:
                    self.preamble_line = line
                self.preamble.append(value)
            return
        if isinstance(self.current, StrategyNode):
            horizon = _HORIZON.match(value)
            if horizon:
                self._flush_part()
                rest = horizon.group("rest").strip("* ")
                if len(rest) > HORIZON_MAX:
                    self.problems.append(Problem("horizon_too_long", line, rest[:80] + "…"))
                    rest = rest[:HORIZON_MAX]
                self.current.time_horizon = rest
                self.in_targets = False
                return
            targets = _TARGETS.match(value)
            if targets and not self.in_targets:
                self._flush_part()
                self.in_targets = True
                rest = targets.group("rest").strip()
                if rest:
                    self.lines.append(rest)
                return
        self.lines.append(value)

    def _flush_part(self) -> None:
        text = _tidy(self.lines)
        self.lines = []
        node = self.current
        if node is None or not text:
            return
        if isinstance(node, StrategyNode):
            if self.in_targets:
                node.targets = _join(node.targets, text)
            else:
                node.description = _join(node.description, text)
        else:
            node.body = _join(node.body, text)

    def _close(self) -> None:
        self._flush_part()
        self.in_targets = False

    def finish(self) -> ParseResult:
        self._close()
        if self.preamble:
            snippet = " ".join(" ".join(self.preamble).split())
            self.problems.insert(
                0,
                Problem(
                    "text_before_heading",
                    self.preamble_line,
                    snippet[:120] + ("…" if len(snippet) > 120 else ""),
                ),
            )
        if self.outline.is_empty and not any(
            p.kind in ("section_without_chapter", "strategy_without_section", "empty_heading")
            for p in self.problems
        ):
            self.problems.append(Problem("no_headings"))
        return ParseResult(self.outline, self.problems)


def _tidy(lines: list[str]) -> str:
    """Join body lines, dropping blank lines at either end."""
    text = "\n".join(line.rstrip() for line in lines)
    return text.strip("\n").strip()


def _join(before: str, more: str) -> str:
    return f"{before}\n\n{more}" if before else more


def parse_markdown(text: str) -> ParseResult:
    """Read a Markdown outline (#, ##, ###); deeper headings stay text of the item above."""
    builder = _Builder()
    in_fence = False
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        if _FENCE.match(line):
            in_fence = not in_fence
            builder.text(line, number)
            continue
        match = None if in_fence else _HEADING.match(line)
        if match:
            level = len(match.group(1))
            if level <= 3:
                builder.heading(level, match.group(2) or "", number)
                continue
            builder.problems.append(Problem("deep_heading", number, line.strip()[:120]))
        builder.text(line, number)
    return builder.finish()


def is_docx(data: bytes) -> bool:
    """True when the bytes are a zip archive holding word/document.xml."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, ValueError, NotImplementedError, RuntimeError, EOFError, OSError):
        # A damaged archive can claim a newer zip version, encryption or a short entry.
        return False


def decode_text(data: bytes) -> str | None:
    """The bytes as UTF-8 text (a BOM is dropped), or None when they are not text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return text


def parse_outline(data: bytes) -> ParseResult:
    """Read an uploaded outline by its content: a Word document, else Markdown in UTF-8;
    an empty outline with the problem "not_docx" or "not_utf8" when it is neither."""
    if is_docx(data):
        return parse_docx(data)
    text = None if data.startswith(b"PK\x03\x04") else decode_text(data)
    if text is None:
        kind = "not_docx" if data.startswith(b"PK\x03\x04") else "not_utf8"
        return ParseResult(Outline(), [Problem(kind)])
    return parse_markdown(text)


def unreadable(result: ParseResult) -> str | None:
    """ "not_docx" or "not_utf8" when nothing of the file could be read at all, else None."""
    if not result.outline.is_empty:
        return None
    kinds = [problem.kind for problem in result.problems]
    return kinds[0] if kinds in (["not_docx"], ["not_utf8"]) else None


class _StyleNames:
    """A paragraph's style as (name, id), looked up in a table made once per document:
    python-docx's `paragraph.style` scans every style for the default one on each call, which
    made a 600-strategy plan take most of a minute to read."""

    def __init__(self, document):
        from docx.enum.style import WD_STYLE_TYPE

        paragraph_styles = [s for s in document.styles if s.type == WD_STYLE_TYPE.PARAGRAPH]
        self.by_id = {s.style_id: (s.name or "", s.style_id or "") for s in paragraph_styles}
        default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        self.default = (default.name or "", default.style_id or "") if default else ("", "")

    def of(self, paragraph) -> tuple[str, str]:
        return self.by_id.get(paragraph._p.style, self.default)


def _heading_level(style: tuple[str, str]) -> int | None:
    for name in style:
        match = _DOCX_HEADING_STYLE.match(name.strip())
        if match:
            return int(match.group(1))
        spaced = re.sub(r"(\D)(\d)$", r"\1 \2", name.strip())
        match = _DOCX_HEADING_STYLE.match(spaced)
        if match:
            return int(match.group(1))
    return None


def _list_marker(paragraph, style: tuple[str, str]) -> str | None:
    """ "- " or "1. " when the paragraph is a list item (by style or numbering), else None."""
    name = style[0].lower()
    ppr = paragraph._p.pPr
    numbered = ppr is not None and ppr.numPr is not None
    if "list number" in name or "daftar bernomor" in name:
        return "1. "
    if "list" in name or "daftar" in name or numbered:
        return "- "
    return None


def parse_docx(data: bytes) -> ParseResult:
    """Read a Word outline: Heading 1/2/3 (or "Judul 1/2/3") paragraphs, body paragraphs
    and tables (kept as Markdown pipe tables in the text they stand in)."""
    import docx  # python-docx; imported here so the Markdown path does not need it
    from docx.table import Table as DocxTable

    if not is_docx(data):
        return ParseResult(Outline(), [Problem("not_docx")])
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # python-docx raises many kinds on a broken package
        return ParseResult(Outline(), [Problem("not_docx")])
    builder = _Builder()
    styles = _StyleNames(document)
    previous_was_list = False
    for number, item in enumerate(document.iter_inner_content(), 1):
        if isinstance(item, DocxTable):
            # A table (a programme's activities, targets per year) stays a table: Markdown.
            builder.text("", number)
            for line in table_markdown(item):
                builder.text(line, number)
            previous_was_list = False
            continue
        paragraph = item
        text = paragraph.text.strip()
        style = styles.of(paragraph)
        level = _heading_level(style)
        if level is not None and level <= 3:
            builder.heading(level, text, number)
            previous_was_list = False
            continue
        if not text:
            continue
        marker = _list_marker(paragraph, style)
        if marker:
            # Consecutive list items form one Markdown list; a blank line starts a new block.
            if not previous_was_list:
                builder.text("", number)
            builder.text(marker + text, number)
            previous_was_list = True
            continue
        builder.text("", number)
        builder.text(text, number)
        previous_was_list = False
    return builder.finish()


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RUN_PARTS = "*[self::w:t or self::w:tab or self::w:br or self::w:cr or self::w:noBreakHyphen]"
_PARAGRAPH_TEXT = None


def _paragraph_text(p) -> str:
    """What python-docx's `Paragraph.text` gives (runs and hyperlinks: text, tabs and breaks
    as spaces), through one compiled XPath: python-docx compiles its XPath on each call, which
    was most of the time of reading a plan's tables."""
    global _PARAGRAPH_TEXT
    if _PARAGRAPH_TEXT is None:
        from lxml import etree

        _PARAGRAPH_TEXT = etree.XPath(
            f"./w:r/{_RUN_PARTS} | ./w:hyperlink/w:r/{_RUN_PARTS}", namespaces={"w": _W}
        )
    parts = []
    for element in _PARAGRAPH_TEXT(p):
        tag = element.tag.rpartition("}")[2]
        parts.append(element.text or "" if tag == "t" else "-" if tag == "noBreakHyphen" else " ")
    return "".join(parts)


def _cell_text(cell) -> str:
    """A cell's text on one line, with the pipe escaped so it stays inside its cell."""
    texts = (" ".join(_paragraph_text(p).split()) for p in cell._tc.p_lst)
    text = " ".join(t for t in texts if t)
    return text.replace("\\", "\\\\").replace("|", "\\|") or " "


def table_markdown(table) -> list[str]:
    """A Word table as a Markdown pipe table; the first row is the header row.

    Horizontally merged cells repeat in python-docx's row.cells: each is written once.
    """
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(_cell_text(cell))
        if any(c.strip() for c in cells):
            rows.append(cells)
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [" "] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return lines
