"""The XLSX writer: one worksheet per table (Ringkasan, Penilaian, Masukan, Peserta)."""

import tempfile
from typing import BinaryIO

from consult.plans.models import Consultation
from consult.reports.exports.options import ExportFilters, Progress, localised
from consult.reports.exports.rows import ExportRows
from consult.spreadsheet import neutralise


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
    bold = workbook.add_format({"bold": True})
    rows = ExportRows(consultation, filters, progress)
    for table in rows.tables():
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
    rows.finish()
