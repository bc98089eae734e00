"""Exports of a consultation: XLSX, CSV (ZIP) and JSON.

The Word and PDF report (rekapitulasi masukan) is an official document: consult/documents/.

- `identities`: who is shown how (real names, or pseudonyms when anonymised);
- `ratings` and `rows`: one set of rows (`ExportRows`) that every format writes;
- `xlsx`, `csv_zip`, `json_doc`: one thin writer per format,
  `write_<format>(consultation, filters, out_file, progress=None)`, writing to any writable
  binary file and calling `progress(done, total)` as it goes, so a worker can run it.

`run_export("xlsx", consultation, filters, actor)` writes to a temporary file and audits the
export; the caller sends the file and then deletes it.
"""

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from consult.audit import record
from consult.auth.models import User
from consult.extensions import db
from consult.plans.models import Consultation
from consult.reports.anonymity import min_group_size
from consult.reports.exports.csv_zip import write_csv
from consult.reports.exports.identities import Identities
from consult.reports.exports.json_doc import JSON_SCHEMA, write_json
from consult.reports.exports.options import ExportFilters, Progress
from consult.reports.exports.rows import COMMENT_COLUMNS, ExportRows, iter_comments
from consult.reports.exports.xlsx import write_xlsx
from consult.spreadsheet import neutralise

__all__ = [
    "COMMENT_COLUMNS",
    "JSON_SCHEMA",
    "MIMETYPES",
    "SUFFIX",
    "WRITERS",
    "ExportFilters",
    "ExportResult",
    "ExportRows",
    "Identities",
    "Progress",
    "export_filename",
    "iter_comments",
    "min_group_size",
    "neutralise",
    "run_export",
    "write_csv",
    "write_json",
    "write_xlsx",
]

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "application/zip",
    "json": "application/json",
}
SUFFIX = {"xlsx": ".xlsx", "csv": ".zip", "json": ".json"}
WRITERS: dict[str, Callable[..., None]] = {
    "xlsx": write_xlsx,
    "csv": write_csv,
    "json": write_json,
}


@dataclass
class ExportResult:
    path: Path
    filename: str
    mimetype: str


def export_filename(fmt: str, consultation: Consultation, filters: ExportFilters) -> str:
    suffix = "-anonim" if filters.anonymise else ""
    return f"rembuk-{consultation.id}{suffix}{SUFFIX[fmt]}"


def record_export(
    fmt: str, consultation: Consultation, filters: ExportFilters, actor: User | None
) -> None:
    """Audit an export ("export", format, filters); flushes, the caller commits."""
    record(
        "export",
        actor,
        consultation,
        consultation_id=consultation.id,
        format=fmt,
        filters=filters.as_dict(),
    )
    db.session.flush()


def run_export(
    fmt: str,
    consultation: Consultation,
    filters: ExportFilters,
    actor: User | None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write an export to a temp file and audit it; the caller commits, sends and deletes it."""
    handle, name = tempfile.mkstemp(prefix="rembuk-export-", suffix=SUFFIX[fmt])
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out_file:
            WRITERS[fmt](consultation, filters, out_file, progress)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    record_export(fmt, consultation, filters, actor)
    return ExportResult(
        path=path, filename=export_filename(fmt, consultation, filters), mimetype=MIMETYPES[fmt]
    )
