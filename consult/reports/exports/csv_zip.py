"""The CSV writer: a ZIP with one UTF-8 (BOM) CSV per table, written row by row."""

import csv
import io
import zipfile
from typing import BinaryIO

from consult.plans.models import Consultation
from consult.reports.exports.options import ExportFilters, Progress, localised
from consult.reports.exports.rows import ExportRows
from consult.spreadsheet import neutralise


@localised
def write_csv(
    consultation: Consultation,
    filters: ExportFilters,
    out_file: BinaryIO,
    progress: Progress | None = None,
) -> None:
    """Write the ZIP of CSV files to a writable binary file."""
    rows = ExportRows(consultation, filters, progress)
    with zipfile.ZipFile(out_file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in rows.tables():
            with archive.open(f"{table.sheet.lower()}.csv", "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                writer = csv.writer(text)
                writer.writerow([neutralise(str(h)) for h in table.headers])
                for values in table.rows():
                    writer.writerow(["" if v is None else neutralise(v) for v in values])
                text.flush()
                text.detach()
    rows.finish()
