"""Exports of a consultation: XLSX, CSV (ZIP), JSON and DOCX.

Each export streams its rows (yield_per over comments and participants, ratings read as
grouped counts) into a temporary file, so memory stays flat as the data grows, and is
callable outside a request: `run_export("xlsx", consultation, filters, actor)` returns an
ExportResult whose `path` the caller sends and then deletes.
"""

import csv
import hashlib
import hmac
import io
import json
import os
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from html import escape as html_escape
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.audit import record
from consult.auth.models import StakeholderGroup, User
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus, Rating
from consult.fgd.services import sessions_of
from consult.plans.models import (
    Chapter,
    Consultation,
    Criterion,
    MemberRole,
    Membership,
    Phase,
    Section,
    Strategy,
)
from consult.reports.models import CommentResponse, ResponseGroup
from consult.reports.services import (
    criteria_of,
    plan_targets,
    strategies_in_order,
    top_level_comments_of,
)
from consult.reports.statistics import Summary, groups_disagree, shift
from consult.timeutil import utc_to_local

CHUNK = 500
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SUFFIX = {"xlsx": ".xlsx", "csv": ".zip", "json": ".json", "docx": ".docx"}


@dataclass
class ExportFilters:
    phase: Phase | None = None
    group_id: int | None = None
    status: CommentStatus | None = None
    section_id: int | None = None
    anonymise: bool = False

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        for key in ("phase", "status"):
            if values[key] is not None:
                values[key] = values[key].value
        return values


@dataclass
class ExportResult:
    path: Path
    filename: str
    mimetype: str


def min_group_size() -> int:
    return int(current_app.config.setdefault("EXPORT_MIN_GROUP_SIZE", 3))


def neutralise(value: Any) -> Any:
    """Keep a text from being read as a formula by a spreadsheet: prefix it with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _when(value) -> str:
    return utc_to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


# --- identities -----------------------------------------------------------------------


class Identities:
    """Names as exported: real, or stable pseudonyms ("Peserta KADIN 3f9a2c") when anonymised."""

    def __init__(self, consultation: Consultation, anonymise: bool):
        self.consultation = consultation
        self.anonymise = anonymise
        self._key = str(current_app.config["SECRET_KEY"]).encode()
        self.organiser_ids = set(
            db.session.scalars(
                select(Membership.user_id).where(
                    Membership.consultation_id == consultation.id,
                    Membership.role == MemberRole.ORGANISER,
                )
            )
        )

    def code(self, user_id: int) -> str:
        message = f"{self.consultation.id}:{user_id}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:6]

    def person(
        self,
        user_id: int | None,
        name: str | None,
        organisation: str | None,
        email: str | None,
        group_name: str | None,
    ) -> tuple[str, str, str]:
        """(name, organisation, email) as this export may show them."""
        if user_id is None:
            return ("", "", "")
        if not self.anonymise:
            return (name or "", organisation or "", email or "")
        if user_id in self.organiser_ids:
            return (f"{_('Organiser')} {self.code(user_id)}", "", "")
        label = _("Participant")
        if group_name:
            return (f"{label} {group_name} {self.code(user_id)}", "", "")
        return (f"{label} {self.code(user_id)}", "", "")


# --- rows -----------------------------------------------------------------------------


def _link(base: str, consultation_id: int, strategy_id, section_id) -> str:
    """The address of a strategy's or section's page; a comment's link adds its anchor."""
    adapter = current_app.url_map.bind("localhost")
    if strategy_id is not None:
        path = adapter.build(
            "feedback.show_strategy",
            {"consultation_id": consultation_id, "strategy_id": strategy_id},
        )
    else:
        path = adapter.build(
            "feedback.show_section", {"consultation_id": consultation_id, "section_id": section_id}
        )
    return f"{base.rstrip('/')}{path}"


def _authors(user_ids: set[int]) -> dict[int, tuple]:
    """(id, name, organisation, email) of these users, read by id CHUNK at a time."""
    ids = sorted(user_ids)
    found = {}
    for start in range(0, len(ids), CHUNK):
        query = select(User.id, User.name, User.organisation, User.email).where(
            User.id.in_(ids[start : start + CHUNK])
        )
        found.update((row[0], tuple(row)) for row in db.session.execute(query))
    return found


COMMENT_COLUMNS = [
    ("id", _l("ID")),
    ("parent_id", _l("Reply to")),
    ("chapter", _l("Chapter")),
    ("section", _l("Section")),
    ("strategy", _l("Strategy")),
    ("type", _l("Type")),
    ("status", _l("Status")),
    ("phase", _l("Phase")),
    ("source", _l("Source")),
    ("group", _l("Stakeholder group")),
    ("author", _l("Author")),
    ("organisation", _l("Organisation")),
    ("email", _l("E-mail")),
    ("created_at", _l("Written (WIB)")),
    ("body", _l("Comment")),
    ("proposed_wording", _l("Proposed wording")),
    ("reference", _l("Reference")),
    ("disposition", _l("Disposition")),
    ("rationale", _l("Rationale")),
    ("revision_ref", _l("Taken into revision")),
    ("content_version_id", _l("Published version id")),
    ("response_group_id", _l("Answered together (group id)")),
    ("url", _l("Link")),
]


def iter_comments(
    consultation: Consultation, filters: ExportFilters, identities: Identities
) -> Iterator[dict[str, Any]]:
    """Every comment in thread order (a top-level comment, then its replies), as plain rows.

    Filters apply to top-level comments; replies follow their parent (status filter too).
    Hidden, rejected and withdrawn comments are included, marked by their status.
    """
    base = current_app.config["PUBLIC_BASE_URL"]
    group_names = dict(db.session.execute(select(StakeholderGroup.id, StakeholderGroup.name)).all())
    # Plain columns, not ORM objects: building objects was most of the time per comment.
    columns = (
        Comment.id,
        Comment.parent_id,
        Comment.strategy_id,
        Comment.type,
        Comment.status,
        Comment.phase,
        Comment.source,
        Comment.created_at,
        Comment.body,
        Comment.proposed_wording,
        Comment.reference,
        Comment.author_id,
        Comment.group_id,
        CommentResponse.id.label("response_id"),
        CommentResponse.disposition,
        CommentResponse.rationale,
        CommentResponse.revision_ref,
        CommentResponse.content_version_id,
        CommentResponse.response_group_id,
        ResponseGroup.id.label("group_response_id"),
        ResponseGroup.disposition.label("group_disposition"),
        ResponseGroup.rationale.label("group_rationale"),
        ResponseGroup.revision_ref.label("group_revision_ref"),
        ResponseGroup.content_version_id.label("group_content_version_id"),
    )

    def joined(query):
        return query.outerjoin(CommentResponse, CommentResponse.comment_id == Comment.id).outerjoin(
            ResponseGroup, CommentResponse.response_group_id == ResponseGroup.id
        )

    links: dict[tuple[int | None, int], str] = {}

    def row(comment, place: dict[str, Any], section_id: int, authors: dict) -> dict:
        group_name = group_names.get(comment.group_id)
        author = authors.get(comment.author_id)
        if author is None:
            name, organisation, email = identities.person(None, None, None, None, group_name)
        else:
            name, organisation, email = identities.person(*author, group_name)
        link = links.get((comment.strategy_id, section_id))
        if link is None:
            link = _link(base, consultation.id, comment.strategy_id, section_id)
            links[(comment.strategy_id, section_id)] = link
        # A grouped answer speaks for the comment; otherwise its own response, if any.
        if comment.group_response_id is not None:
            disposition = comment.group_disposition
            rationale = comment.group_rationale
            revision_ref = comment.group_revision_ref
            content_version_id = comment.group_content_version_id
        elif comment.response_id is not None:
            disposition = comment.disposition
            rationale = comment.rationale
            revision_ref = comment.revision_ref
            content_version_id = comment.content_version_id
        else:
            disposition, rationale, revision_ref, content_version_id = None, "", "", None
        return {
            "id": comment.id,
            "parent_id": comment.parent_id,
            **place,
            "type": comment.type.value,
            "status": comment.status.value,
            "phase": comment.phase.value if comment.phase else "",
            "source": comment.source.value,
            "group": group_name or "",
            "author": name,
            "organisation": organisation,
            "email": email,
            "created_at": _when(comment.created_at),
            "body": comment.body,
            "proposed_wording": comment.proposed_wording,
            "reference": comment.reference,
            "disposition": disposition.value if disposition else "",
            "rationale": rationale,
            "revision_ref": revision_ref,
            "content_version_id": content_version_id,
            "response_group_id": comment.response_group_id,
            "url": f"{link}#comment-{comment.id}",
        }

    # One query per section and strategy in plan order, not one over the whole consultation:
    # sorting every comment at once grows faster than the comments and spills to disk.
    for strategy, section, chapter in plan_targets(consultation):
        if filters.section_id is not None and section.id != filters.section_id:
            continue
        place = {
            "chapter": f"{chapter.code} {chapter.title}".strip(),
            "section": f"{section.code} {section.title}".strip(),
            "strategy": f"{strategy.code} {strategy.title}".strip() if strategy else "",
            "chapter_id": chapter.id,
            "section_id": section.id,
            "strategy_id": strategy.id if strategy else None,
        }
        query = joined(top_level_comments_of(section, strategy, *columns))
        if filters.phase is not None:
            query = query.where(Comment.phase == filters.phase)
        if filters.group_id is not None:
            query = query.where(Comment.group_id == filters.group_id)
        if filters.status is not None:
            query = query.where(Comment.status == filters.status)
        result = db.session.execute(query.execution_options(yield_per=CHUNK))
        for partition in result.partitions():
            replies = defaultdict(list)
            reply_query = joined(
                select(*columns)
                .select_from(Comment)
                .where(Comment.parent_id.in_([parent.id for parent in partition]))
                .order_by(Comment.created_at, Comment.id)
            )
            if filters.status is not None:
                reply_query = reply_query.where(Comment.status == filters.status)
            for reply in db.session.execute(reply_query):
                replies[reply.parent_id].append(reply)
            # Authors by their ids, not joined: PostgreSQL would hash every user for each query.
            author_ids = {parent.author_id for parent in partition}
            author_ids.update(r.author_id for thread in replies.values() for r in thread)
            author_ids.discard(None)
            authors = _authors(author_ids)
            for parent in partition:
                yield row(parent, place, section.id, authors)
                for reply in replies.get(parent.id, ()):
                    yield row(reply, place, section.id, authors)


@dataclass
class RatingCell:
    strategy: Strategy
    section: Section
    chapter: Chapter
    criterion: Criterion
    phase: Phase
    summary: Summary


def rating_tables(
    consultation: Consultation, filters: ExportFilters
) -> tuple[list[RatingCell], list[tuple[RatingCell, str, bool]], dict[int, int]]:
    """Summary cells, cells by group (with "suppressed") and comment counts per strategy.

    Ratings are read as grouped counts, so this is bounded by the plan's size, not by raters.
    """
    criteria = {c.id: c for c in criteria_of(consultation)}
    groups = dict(db.session.execute(select(StakeholderGroup.id, StakeholderGroup.name)).all())
    query = (
        select(
            Rating.strategy_id,
            Rating.criterion_id,
            Rating.phase,
            Rating.group_id,
            Rating.value,
            func.count(Rating.id),
        )
        .where(Rating.consultation_id == consultation.id)
        .group_by(
            Rating.strategy_id, Rating.criterion_id, Rating.phase, Rating.group_id, Rating.value
        )
    )
    if filters.phase is not None:
        query = query.where(Rating.phase == filters.phase)
    if filters.group_id is not None:
        query = query.where(Rating.group_id == filters.group_id)
    overall: dict[tuple, Summary] = {}
    by_group: dict[tuple, dict[int | None, Summary]] = defaultdict(dict)
    for strategy_id, criterion_id, phase, group_id, value, count in db.session.execute(query):
        criterion = criteria.get(criterion_id)
        if criterion is None:
            continue
        key = (strategy_id, criterion_id, Phase(phase))
        overall.setdefault(key, Summary(criterion.scale_max)).add(value, count)
        by_group[key].setdefault(group_id, Summary(criterion.scale_max)).add(value, count)

    comment_query = (
        select(Comment.strategy_id, func.count(Comment.id))
        .where(Comment.consultation_id == consultation.id, Comment.strategy_id.is_not(None))
        .group_by(Comment.strategy_id)
    )
    if filters.phase is not None:
        comment_query = comment_query.where(Comment.phase == filters.phase)
    if filters.group_id is not None:
        comment_query = comment_query.where(Comment.group_id == filters.group_id)
    if filters.status is not None:
        comment_query = comment_query.where(Comment.status == filters.status)
    comment_counts = dict(db.session.execute(comment_query).all())

    minimum = min_group_size()
    summary_cells, group_cells = [], []
    phases = [filters.phase] if filters.phase is not None else list(Phase)
    for strategy, section, chapter in strategies_in_order(consultation):
        if filters.section_id is not None and section.id != filters.section_id:
            continue
        for criterion in criteria.values():
            for phase in phases:
                key = (strategy.id, criterion.id, phase)
                cell = RatingCell(
                    strategy,
                    section,
                    chapter,
                    criterion,
                    phase,
                    overall.get(key, Summary(criterion.scale_max)),
                )
                summary_cells.append(cell)
                for group_id, summary in sorted(
                    by_group.get(key, {}).items(), key=lambda item: (item[0] is None, item[0])
                ):
                    suppressed = filters.anonymise and summary.answers < minimum
                    group_cells.append(
                        (
                            RatingCell(strategy, section, chapter, criterion, phase, summary),
                            groups.get(group_id, ""),
                            suppressed,
                        )
                    )
    # Disagreement is judged on the groups each cell breaks into.
    for cell in summary_cells:
        key = (cell.strategy.id, cell.criterion.id, cell.phase)
        cell.disagree = groups_disagree(by_group.get(key, {}), cell.criterion.scale_max)
    return summary_cells, group_cells, comment_counts


SUMMARY_COLUMNS = [
    _l("Code"),
    _l("Strategy"),
    _l("Criterion"),
    _l("Phase"),
    _l("Raters"),
    _l("Cannot judge"),
    _l("Mean"),
    _l("Median"),
    _l("95% CI low"),
    _l("95% CI high"),
    _l("Shift after FGD"),
    _l("Groups disagree"),
    _l("Comments"),
]


def summary_rows(cells: list[RatingCell], comment_counts: dict[int, int]) -> Iterator[list]:
    pre_means = {(c.strategy.id, c.criterion.id): c.summary for c in cells if c.phase == Phase.PRE}
    for cell in cells:
        ci = cell.summary.ci95
        moved = (
            shift(pre_means.get((cell.strategy.id, cell.criterion.id)), cell.summary)
            if cell.phase == Phase.POST
            else None
        )
        yield [
            cell.strategy.code,
            cell.strategy.title,
            cell.criterion.label,
            cell.phase.value,
            cell.summary.n,
            cell.summary.cannot_judge,
            _round(cell.summary.mean),
            _round(cell.summary.median),
            _round(ci[0]) if ci else None,
            _round(ci[1]) if ci else None,
            _round(moved),
            _("yes") if getattr(cell, "disagree", False) else "",
            comment_counts.get(cell.strategy.id, 0),
        ]


def group_columns(scale_max: int) -> list[str]:
    return [
        _l("Code"),
        _l("Strategy"),
        _l("Criterion"),
        _l("Phase"),
        _l("Stakeholder group"),
        _l("Raters"),
        _l("Cannot judge"),
        _l("Mean"),
        _l("Median"),
        _l("95% CI low"),
        _l("95% CI high"),
        *[str(v) for v in range(1, scale_max + 1)],
        _l("Note"),
    ]


def group_rows(cells, scale_max: int) -> Iterator[list]:
    minimum = min_group_size()
    for cell, group_name, suppressed in cells:
        head = [
            cell.strategy.code,
            cell.strategy.title,
            cell.criterion.label,
            cell.phase.value,
            group_name or _("(no group)"),
        ]
        if suppressed:
            note = _("Suppressed: fewer than %(n)d people", n=minimum)
            yield head + [None] * (6 + scale_max) + [note]
            continue
        s = cell.summary
        ci = s.ci95
        counts = s.counts() + [None] * (scale_max - s.scale_max)
        yield head + [
            s.n,
            s.cannot_judge,
            _round(s.mean),
            _round(s.median),
            _round(ci[0]) if ci else None,
            _round(ci[1]) if ci else None,
            *counts[:scale_max],
            "",
        ]


PARTICIPANT_COLUMNS = [
    _l("Name"),
    _l("Organisation"),
    _l("Position"),
    _l("E-mail"),
    _l("Stakeholder group"),
    _l("Role"),
]


def participant_rows(
    consultation: Consultation, filters: ExportFilters, identities: Identities
) -> Iterator[list]:
    """Members of the consultation by group (pseudonymised and without e-mail when anonymised)."""
    query = (
        select(
            User.id,
            User.name,
            User.organisation,
            User.position,
            User.email,
            StakeholderGroup.name,
            Membership.role,
        )
        .join(User, Membership.user_id == User.id)
        .outerjoin(StakeholderGroup, User.group_id == StakeholderGroup.id)
        .where(Membership.consultation_id == consultation.id)
        .order_by(StakeholderGroup.position, StakeholderGroup.name, User.name, User.id)
    )
    if filters.group_id is not None:
        query = query.where(User.group_id == filters.group_id)
    for user_id, name, organisation, position, email, group_name, role in db.session.execute(
        query.execution_options(yield_per=CHUNK)
    ):
        name, organisation, email = identities.person(
            user_id, name, organisation, email, group_name
        )
        if identities.anonymise:
            position = ""
        yield [name, organisation, position, email, group_name or "", MemberRole(role).value]


# --- tables shared by every format ----------------------------------------------------


@dataclass
class Table:
    sheet: str  # sheet / file name
    headers: list[str]
    rows: Callable[[], Iterator[list]]


def _tables(consultation: Consultation, filters: ExportFilters) -> list[Table]:
    identities = Identities(consultation, filters.anonymise)
    summary_cells, group_cells, comment_counts = rating_tables(consultation, filters)
    scale_max = max((c.criterion.scale_max for c in summary_cells), default=5)

    def comment_rows():
        for item in iter_comments(consultation, filters, identities):
            yield [item[key] for key, _label in COMMENT_COLUMNS]

    return [
        Table(
            "Ringkasan",
            [str(h) for h in SUMMARY_COLUMNS],
            lambda: summary_rows(summary_cells, comment_counts),
        ),
        Table(
            "Penilaian",
            [str(h) for h in group_columns(scale_max)],
            lambda: group_rows(group_cells, scale_max),
        ),
        Table("Masukan", [str(label) for _key, label in COMMENT_COLUMNS], comment_rows),
        Table(
            "Peserta",
            [str(h) for h in PARTICIPANT_COLUMNS],
            lambda: participant_rows(consultation, filters, identities),
        ),
    ]


# --- formats --------------------------------------------------------------------------


def _temp_path(fmt: str) -> Path:
    handle, name = tempfile.mkstemp(prefix="rembuk-export-", suffix=SUFFIX[fmt])
    os.close(handle)
    return Path(name)


def export_xlsx(consultation: Consultation, filters: ExportFilters, actor=None) -> Path:
    """Write the workbook (sheets Ringkasan, Penilaian, Masukan, Peserta) to a temp file."""
    import xlsxwriter

    path = _temp_path("xlsx")
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    bold = workbook.add_format({"bold": True})
    for table in _tables(consultation, filters):
        sheet = workbook.add_worksheet(table.sheet)
        for col, header in enumerate(table.headers):
            sheet.write_string(0, col, neutralise(str(header)), bold)
        for row_number, values in enumerate(table.rows(), start=1):
            for col, value in enumerate(values):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    sheet.write_string(row_number, col, str(value))
                elif isinstance(value, int | float):
                    sheet.write_number(row_number, col, value)
                else:
                    sheet.write_string(row_number, col, neutralise(str(value)))
    workbook.close()
    return path


def export_csv(consultation: Consultation, filters: ExportFilters, actor=None) -> Path:
    """A ZIP with one UTF-8 (BOM) CSV per table, written row by row."""
    path = _temp_path("csv")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in _tables(consultation, filters):
            with archive.open(f"{table.sheet.lower()}.csv", "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                writer = csv.writer(text)
                writer.writerow([neutralise(str(h)) for h in table.headers])
                for values in table.rows():
                    writer.writerow(["" if v is None else neutralise(v) for v in values])
                text.flush()
                text.detach()
    return path


JSON_SCHEMA = "rembuk-export/1"


def export_json(consultation: Consultation, filters: ExportFilters, actor=None) -> Path:
    """One JSON document (see docs/export-json-schema.md), written piece by piece."""
    identities = Identities(consultation, filters.anonymise)
    summary_cells, group_cells, comment_counts = rating_tables(consultation, filters)
    minimum = min_group_size()
    path = _temp_path("json")

    def summary_dict(summary: Summary) -> dict[str, Any]:
        ci = summary.ci95
        return {
            "raters": summary.n,
            "cannot_judge": summary.cannot_judge,
            "mean": _round(summary.mean),
            "median": _round(summary.median),
            "ci95": [_round(ci[0]), _round(ci[1])] if ci else None,
            "distribution": summary.counts(),
        }

    def cell_head(cell: RatingCell) -> dict[str, Any]:
        return {
            "strategy_id": cell.strategy.id,
            "strategy_code": cell.strategy.code,
            "strategy_title": cell.strategy.title,
            "section_id": cell.section.id,
            "criterion": cell.criterion.key,
            "phase": cell.phase.value,
        }

    def write_array(out, name: str, items, first: bool = False) -> None:
        out.write(("" if first else ",") + json.dumps(name) + ":[")
        for index, item in enumerate(items):
            if index:
                out.write(",")
            out.write(json.dumps(item, ensure_ascii=False))
        out.write("]")

    with path.open("w", encoding="utf-8") as out:
        out.write("{")
        out.write(f'"schema":{json.dumps(JSON_SCHEMA)}')
        out.write(
            ',"consultation":'
            + json.dumps(
                {
                    "id": consultation.id,
                    "title": consultation.title,
                    "department": consultation.department,
                    "fgd_sessions": [
                        {
                            "title": session.title,
                            "starts_at": session.starts_at.isoformat(),
                            "ends_at": session.ends_at.isoformat(),
                            "venue": session.venue,
                        }
                        for session in sessions_of(consultation)
                    ],
                },
                ensure_ascii=False,
            )
        )
        out.write(',"filters":' + json.dumps(filters.as_dict()))
        out.write(',"min_group_size":' + json.dumps(minimum))
        write_array(
            out,
            "criteria",
            (
                {"id": c.id, "key": c.key, "label": c.label, "scale_max": c.scale_max}
                for c in criteria_of(consultation)
            ),
        )
        write_array(
            out,
            "summary",
            (
                {
                    **cell_head(cell),
                    **summary_dict(cell.summary),
                    "groups_disagree": bool(getattr(cell, "disagree", False)),
                    "comments": comment_counts.get(cell.strategy.id, 0),
                }
                for cell in summary_cells
            ),
        )
        write_array(
            out,
            "ratings_by_group",
            (
                {
                    **cell_head(cell),
                    "group": group_name or None,
                    "suppressed": suppressed,
                    **({} if suppressed else summary_dict(cell.summary)),
                }
                for cell, group_name, suppressed in group_cells
            ),
        )
        write_array(out, "comments", iter_comments(consultation, filters, identities))
        write_array(
            out,
            "participants",
            (
                dict(
                    zip(
                        ("name", "organisation", "position", "email", "group", "role"),
                        row,
                        strict=True,
                    )
                )
                for row in participant_rows(consultation, filters, identities)
            ),
        )
        out.write("}")
    return path


DISPOSITION_TEXT = {
    "accepted": _l("Accepted"),
    "partly_accepted": _l("Partly accepted"),
    "noted": _l("Noted"),
    "not_accepted": _l("Not accepted"),
    "out_of_scope": _l("Out of scope"),
}
STATUS_TEXT = {
    "pending": _l("Waiting for approval"),
    "published": _l("Published"),
    "hidden": _l("Hidden"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}


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


def _docx_skeleton(consultation: Consultation) -> tuple[bytes, bytes, zipfile.ZipFile]:
    """The styled document from python-docx, split around the place where the body goes."""
    from docx import Document

    document = Document()
    document.add_heading("Rekapitulasi Masukan", level=0)
    document.add_paragraph(consultation.title)
    if consultation.department:
        document.add_paragraph(consultation.department)
    document.add_paragraph(_DOCX_MARKER)
    buffer = io.BytesIO()
    document.save(buffer)
    skeleton = zipfile.ZipFile(buffer)
    xml = skeleton.read("word/document.xml")
    marker = xml.index(_DOCX_MARKER.encode())
    start = max(xml.rfind(b"<w:p>", 0, marker), xml.rfind(b"<w:p ", 0, marker))
    end = xml.index(b"</w:p>", marker) + len(b"</w:p>")
    return xml[:start], xml[end:], skeleton


def export_docx(consultation: Consultation, filters: ExportFilters, actor=None) -> Path:
    """A formatted report "Rekapitulasi Masukan": the response matrix as a table per chapter.

    python-docx keeps the whole document as an XML tree, far too big for 50,000 comments;
    it builds only the styled skeleton, and the body is streamed into word/document.xml.
    """
    identities = Identities(consultation, filters.anonymise)
    head, tail, skeleton = _docx_skeleton(consultation)
    headers = [
        _("No."),
        _("Section / strategy"),
        _("Stakeholder group"),
        _("Input"),
        _("Disposition"),
        _("Rationale"),
        _("Taken into revision"),
    ]
    path = _temp_path("docx")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in skeleton.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, skeleton.read(info.filename))
        with (
            archive.open("word/document.xml", "w", force_zip64=True) as raw,
            io.BufferedWriter(raw, buffer_size=1 << 16) as out,
        ):
            out.write(head)
            in_table = False
            chapter_id = None
            number = 0
            for item in iter_comments(consultation, filters, identities):
                if item["chapter_id"] != chapter_id:
                    chapter_id = item["chapter_id"]
                    if in_table:
                        out.write(b"</w:tbl>")
                    out.write(_w_heading(item["chapter"]).encode())
                    out.write(_w_table_start([str(h) for h in headers]).encode())
                    in_table = True
                if item["parent_id"] is None:
                    number += 1
                    label = str(number)
                else:
                    label = f"{number} ↳"
                who = item["group"] or ""
                if item["author"]:
                    who = f"{item['author']} ({who})" if who else item["author"]
                body = item["body"]
                if item["status"] != CommentStatus.PUBLISHED.value:
                    body = f"[{STATUS_TEXT[item['status']]}] {body}"
                disposition = item["disposition"]
                values = [
                    label,
                    item["strategy"] or item["section"] or "",
                    who,
                    f"{body}\n{item['url']}",
                    str(DISPOSITION_TEXT[disposition]) if disposition else "",
                    item["rationale"] or "",
                    item["revision_ref"] or "",
                ]
                cells = "".join(
                    _w_cell(str(v), w) for v, w in zip(values, _DOCX_WIDTHS, strict=True)
                )
                out.write(f"<w:tr>{cells}</w:tr>".encode())
            if in_table:
                out.write(b"</w:tbl>")
            else:
                empty = _("No input matches the chosen filters.")
                out.write(f"<w:p><w:r>{_w_text(empty)}</w:r></w:p>".encode())
            out.write(tail)
    return path


EXPORTERS = {"xlsx": export_xlsx, "csv": export_csv, "json": export_json, "docx": export_docx}


@contextmanager
def _locale():
    if has_request_context():
        yield
    else:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            yield


def run_export(
    fmt: str, consultation: Consultation, filters: ExportFilters, actor: User | None
) -> ExportResult:
    """Write an export to a temp file and audit it ("export", format, filters); caller commits."""
    exporter = EXPORTERS[fmt]
    with _locale():
        path = exporter(consultation, filters, actor)
    record(
        "export",
        actor,
        consultation,
        consultation_id=consultation.id,
        format=fmt,
        filters=filters.as_dict(),
    )
    db.session.flush()
    suffix = "-anonim" if filters.anonymise else ""
    filename = f"rembuk-{consultation.id}{suffix}{SUFFIX[fmt]}"
    return ExportResult(path=path, filename=filename, mimetype=MIMETYPES[fmt])
