"""The XLSX writer: one worksheet per table (Ringkasan, Penilaian, Masukan, Peserta).

A workbook is for people: each sheet has a frozen header row, an autofilter, widths that fit
its columns, long text wrapped, dates as real dates, and translated labels where the rows
hold codes (phases, types, statuses, sources, dispositions, roles). CSV and JSON keep codes.
"""

import tempfile
from datetime import datetime
from typing import BinaryIO

from consult.labels import KINDS, label
from consult.plans.models import Consultation
from consult.reports.exports.options import ExportFilters, Progress, localised
from consult.reports.exports.rows import ExportRows, Table
from consult.spreadsheet import neutralise
from consult.timeutil import spreadsheet_format

WIDTHS = {"text": 60, "name": 28, "datetime": 22}


def _formats(workbook) -> dict:
    return {
        "header": workbook.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#E6E6E6"}
        ),
        "text": workbook.add_format({"text_wrap": True, "valign": "top"}),
        "datetime": workbook.add_format({"num_format": spreadsheet_format(), "valign": "top"}),
        "cell": workbook.add_format({"valign": "top"}),
    }


def _set_columns(sheet, table: Table, formats: dict) -> None:
    for col, header in enumerate(table.headers):
        kind = table.kinds.get(col, "")
        width = WIDTHS.get(kind) or min(max(len(str(header)) + 4, 12), 30)
        sheet.set_column(col, col, width, formats["text"] if kind == "text" else None)


def _write(sheet, row: int, col: int, value, kind: str, formats: dict) -> None:
    if kind in KINDS:
        value = label(kind, value)
    if kind == "datetime" and isinstance(value, str):
        try:
            value = datetime.strptime(value, "%Y-%m-%d %H:%M")
        except ValueError:
            pass
    if isinstance(value, datetime):
        sheet.write_datetime(row, col, value, formats["datetime"])
    elif isinstance(value, bool):
        sheet.write_string(row, col, str(value), formats["cell"])
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, formats["cell"])
    else:
        style = formats["text"] if kind == "text" else formats["cell"]
        sheet.write_string(row, col, neutralise(str(value)), style)


@localised
def write_xlsx(
    consultation: Consultation,
    filters: ExportFilters,
    out_file: BinaryIO,
    progress: Progress | None = None,
) -> None:
    """Write the workbook to a writable binary file, row by row (constant memory)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        out_file,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    formats = _formats(workbook)
    rows = ExportRows(consultation, filters, progress)
    for table in rows.tables():
        sheet = workbook.add_worksheet(table.sheet)
        _set_columns(sheet, table, formats)
        for col, header in enumerate(table.headers):
            sheet.write_string(0, col, neutralise(str(header)), formats["header"])
        last = 0
        for last, values in enumerate(table.rows(), start=1):
            for col, value in enumerate(values):
                if value is None or value == "":
                    continue
                _write(sheet, last, col, value, table.kinds.get(col, ""), formats)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(last, 1), len(table.headers) - 1)
    workbook.close()
    rows.finish()
