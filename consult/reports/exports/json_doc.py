"""The JSON writer: one document (see docs/export-json-schema.md), written piece by piece."""

import io
import json
from typing import Any, BinaryIO

from consult.fgd.services import sessions_of
from consult.plans.models import Consultation
from consult.reports.anonymity import min_group_size
from consult.reports.exports.options import ExportFilters, Progress, localised, rounded
from consult.reports.exports.ratings import RatingCell
from consult.reports.exports.rows import ExportRows
from consult.reports.exports.shift import shift_items
from consult.reports.services import criteria_of
from consult.reports.statistics import Summary

JSON_SCHEMA = "rembuk-export/1"


@localised
def write_json(
    consultation: Consultation,
    filters: ExportFilters,
    out_file: BinaryIO,
    progress: Progress | None = None,
) -> None:
    """Write the JSON document (UTF-8) to a writable binary file."""
    rows = ExportRows(consultation, filters, progress)
    summary_cells, group_cells, comment_counts = rows.ratings()
    minimum = min_group_size()

    def summary_dict(summary: Summary) -> dict[str, Any]:
        ci = summary.ci95
        return {
            "raters": summary.n,
            "cannot_judge": summary.cannot_judge,
            "mean": rounded(summary.mean),
            "median": rounded(summary.median),
            "ci95": [rounded(ci[0]), rounded(ci[1])] if ci else None,
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

    out = io.TextIOWrapper(out_file, encoding="utf-8")
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
    out.write(',"notes":' + json.dumps(rows.notes(), ensure_ascii=False))
    write_array(
        out,
        "criteria",
        (
            {"id": c.id, "key": c.key, "label": c.display_label, "scale_max": c.scale_max}
            for c in criteria_of(consultation)
        ),
    )
    write_array(
        out,
        "summary",
        (
            {
                **cell_head(cell),
                "suppressed": cell.suppressed,
                **({} if cell.suppressed else summary_dict(cell.summary)),
                "groups_disagree": cell.disagree,
                "comments": None
                if comment_counts is None
                else comment_counts.get(cell.strategy.id, 0),
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
    write_array(out, "fgd_shift", shift_items(consultation, filters))
    write_array(out, "comments", rows.comments())
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
            for row in rows.participants()
        ),
    )
    out.write("}")
    out.flush()
    out.detach()
    rows.finish()
