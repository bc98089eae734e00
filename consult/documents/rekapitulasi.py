"""Rekapitulasi masukan (matriks tanggapan): every input with the response to it.

Per chapter one landscape table (no, strategy, group and source, the input with its proposed
wording and reference, disposition, rationale, the revision that took it in), then a summary
of ratings per strategy, group and phase. Published input only, unless the organiser includes
hidden and rejected items: they are marked, and their text is never printed (a comment is
hidden for abuse, defamation or personal data; the record says that it existed, not what
it said).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import itemgetter

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from consult.documents.model import (
    Column,
    Document,
    Fields,
    Links,
    MadeOnReading,
    Paragraph,
    Rich,
    Run,
    Signatures,
    Table,
    label_value,
    plain,
    rich,
)
from consult.documents.model import Para as RichPara
from consult.documents.services import (
    file_name,
    letterhead_of,
    settings_of,
    signatory_by_id,
    signature,
)
from consult.extensions import db
from consult.fgd.services import sessions_of
from consult.labels import label
from consult.plans.models import Consultation, ContentVersion
from consult.reports.exports import ExportFilters, ExportRows
from consult.timeutil import long_date, place_date

SHOWN = {"published"}
MARKED = {"hidden", "rejected"}  # only when the organiser asks for them, text withheld


@dataclass
class RekapOptions:
    lang: str = "id"
    include_withheld: bool = False  # hidden and rejected items, marked, without their text
    number: str = ""
    signatory_id: int | None = None
    phase: str | None = None
    anonymise: bool = False
    today: date | None = None


def _columns() -> list[Column]:
    return [
        Column(_("No."), 5, "center"),
        Column(_("Strategy"), 14),
        Column(_("Stakeholder group / source"), 13),
        Column(_("Input"), 30),
        Column(_("Response"), 9, "center"),
        Column(_("Rationale"), 19),
        Column(_("Taken into revision"), 10),
    ]


def _versions(consultation: Consultation) -> dict[int, str]:
    """Published versions referred to by responses: id -> "1.1.1 versi 3"."""
    rows = db.session.execute(
        select(ContentVersion.id, ContentVersion.code, ContentVersion.version)
    ).all()
    return {row.id: (row.code, row.version) for row in rows}


def _input_cell(item: dict, links: Links) -> Rich:
    status = item["status"]
    kind = Run(f"{label('type', item['type'])}", bold=True)
    if status not in SHOWN:
        note = _(
            "[%(status)s by a moderator: the text is not reproduced]",
            status=label("status", status),
        )
        return Rich([RichPara([kind]), RichPara([Run(note, italic=True)])])
    body = rich(item["body"], links)
    body.blocks.insert(0, RichPara([kind]))
    if item["proposed_wording"]:
        body.blocks.extend(
            label_value(_("Proposed wording"), item["proposed_wording"], links).blocks
        )
    if item["reference"]:
        body.blocks.extend(label_value(_("Reference"), item["reference"], links).blocks)
    return body


def _who_cell(item: dict) -> Rich:
    lines = []
    if item["author"]:
        lines.append(RichPara([Run(item["author"], bold=True)]))
    if item["organisation"]:
        lines.append(RichPara([Run(item["organisation"])]))
    if item["group"]:
        lines.append(RichPara([Run(item["group"])]))
    origin = label("source", item["source"])
    if item["phase"]:
        origin = f"{origin}, {label('phase', item['phase'])}"
    lines.append(RichPara([Run(origin, italic=True)]))
    return Rich(lines)


def _revision_cell(item: dict, versions: dict) -> Rich:
    parts = [item["revision_ref"]] if item["revision_ref"] else []
    version = versions.get(item["content_version_id"])
    if version:
        parts.append(_("%(code)s version %(n)s", code=version[0], n=version[1]).strip())
    return plain("; ".join(parts))


def comment_rows(
    consultation: Consultation, options: RekapOptions, links: Links
) -> Iterator[tuple[int, str, list[Rich]]]:
    """(chapter id, chapter title, cells) per input in plan and thread order."""
    allowed = SHOWN | (MARKED if options.include_withheld else set())
    filters = ExportFilters(phase=options.phase or None, anonymise=options.anonymise)
    if filters.phase:
        from consult.plans.models import Phase

        filters.phase = Phase(filters.phase)
    versions = _versions(consultation)
    number, reply, skipped_parent = 0, 0, None
    # The export's rows: the same names, pseudonyms and small-group rules as every export.
    for item in ExportRows(consultation, filters).comments():
        if item["parent_id"] is None:
            skipped_parent = None
            if item["status"] not in allowed:
                skipped_parent = item["id"]
                continue
            number, reply = number + 1, 0
            label_no = str(number)
        else:
            if item["parent_id"] == skipped_parent or item["status"] not in allowed:
                continue
            reply += 1
            label_no = f"{number}.{reply}"
        cells = [
            plain(label_no),
            plain(item["strategy"] or item["section"]),
            _who_cell(item),
            _input_cell(item, links),
            plain(label("disposition", item["disposition"]), bold=True),
            rich(item["rationale"], links),
            _revision_cell(item, versions),
        ]
        yield item["chapter_id"], item["chapter"], cells


def summary_table(consultation: Consultation, options: RekapOptions, decimal: str) -> Table:
    """Ratings per strategy and stakeholder group: for each criterion the mean before and
    after the FGD, with the number of raters ("4,20 (12)"); one row per strategy and group,
    so the table stays a few pages even for a large plan."""
    filters = ExportFilters(anonymise=options.anonymise)
    summary_cells, group_cells, _counts = ExportRows(consultation, filters).ratings()
    criteria = list({c.criterion.id: c.criterion for c in summary_cells}.values())
    phases = list(dict.fromkeys(c.phase for c in summary_cells))
    keys = [(criterion.id, phase) for criterion in criteria for phase in phases]

    def number(summary) -> str:
        if summary is None or summary.mean is None:
            return "–"
        return f"{summary.mean:.2f}".replace(".", decimal) + f" ({summary.n})"

    rows: dict[tuple, dict] = {}
    for cell, group_name, suppressed in group_cells:
        row = rows.setdefault((cell.strategy.id, group_name), {"cell": cell, "group": group_name})
        row[(cell.criterion.id, cell.phase)] = None if suppressed else cell.summary
    width = 52 / max(len(keys), 1)
    columns = [Column(_("Strategy"), 30), Column(_("Stakeholder group"), 18)] + [
        Column(f"{criterion.display_label}: {label('phase', phase)}", width, "right")
        for criterion in criteria
        for phase in phases
    ]
    body = [
        [
            plain(f"{row['cell'].strategy.code} {row['cell'].strategy.title}".strip()),
            plain(row["group"] or _("(no group)")),
            *[plain(number(row.get(key))) for key in keys],
        ]
        for row in rows.values()
    ]
    return Table(
        columns,
        body,
        landscape=True,
        empty_text=_("No ratings yet."),
        title=_("Ratings per strategy, stakeholder group and phase"),
    )


def build_rekapitulasi(consultation: Consultation, options: RekapOptions) -> Document:
    """The rekapitulasi as a Document, every fixed text in options.lang."""
    with force_locale(options.lang):
        return _build(consultation, options)


def _build(consultation: Consultation, options: RekapOptions) -> Document:
    settings = settings_of(consultation)
    today = options.today or date.today()
    document = Document(
        title=_("Summary of input and responses"),
        lang=options.lang,
        number=_("Number: %(number)s", number=options.number) if options.number else "",
        subtitle=consultation.title,
        letterhead=letterhead_of(settings),
        paper=settings.paper,
        page_label=_("Page {page} of {pages}"),
        links_title=_("Links"),
        meta_author=settings.unit or consultation.department,
    )
    fields = [(_("Consultation"), consultation.title)]
    if consultation.department:
        fields.append((_("Department"), consultation.department))
    sessions = sessions_of(consultation)
    if sessions:
        days = "; ".join(long_date(session.starts_at, options.lang) for session in sessions)
        fields.append((_("FGD"), days))
    fields.append((_("Made on"), long_date(today, options.lang)))
    scope = _("Published input only.")
    if options.include_withheld:
        scope = _(
            "Published input, and hidden or rejected input marked as such (without its text)."
        )
    fields.append((_("Scope"), scope))
    head: list = [Fields(fields)]
    # How an anonymised document hides people (the export's anonymity notes).
    for note in ExportRows(consultation, ExportFilters(anonymise=options.anonymise)).notes():
        head.append(Paragraph(plain(note, italic=True)))
    place = settings.place or ""
    when = place_date(today, options.lang)
    signatures = Signatures(
        [
            signature(
                signatory_by_id(consultation, options.signatory_id),
                place_date=f"{place}, {when}" if place else when,
            )
        ]
    )
    decimal = "," if options.lang == "id" else "."

    def blocks() -> Iterator:
        yield from head
        chapters = groupby(comment_rows(consultation, options, document.links), itemgetter(0))
        empty = True
        for _chapter_id, chapter in chapters:
            rows = list(chapter)
            yield Table(_columns(), [cells for *_, cells in rows], landscape=True, title=rows[0][1])
            empty = False
        if empty:
            yield Paragraph(plain(_("No input matches the chosen filters.")))
        yield summary_table(consultation, options, decimal)
        yield signatures

    # Made a chapter's table at a time, as the writer reads them: each step in the document's
    # language, since the reading comes after this function has returned.
    document.blocks = MadeOnReading(lambda: _in_language(options.lang, blocks()))
    return document


def _in_language(lang: str, blocks: Iterator) -> Iterator:
    """The blocks, each made with lang as the locale (not held between two blocks: the
    locale selector is the application's, and the reader renders in between)."""
    while True:
        with force_locale(lang):
            block = next(blocks, None)
        if block is None:
            return
        yield block


def rekap_filename(consultation: Consultation, options: RekapOptions, ext: str) -> str:
    with force_locale(options.lang):
        title = _("Summary of input")
    today = options.today or date.today()
    return file_name(title, settings_of(consultation), consultation, today, ext)
