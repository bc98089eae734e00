"""The export package's writers: any writable binary file, progress reported as they go."""

import io
import json
import zipfile

import openpyxl
import pytest

from consult.reports.exports import WRITERS, ExportFilters, ExportRows, write_json
from consult.reports.services import plan_targets
from tests.test_reports_exports import setting  # noqa: F401


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_each_writer_writes_to_a_binary_file_and_reports_progress_to_the_end(setting, fmt):  # noqa: F811
    consultation = setting[0]
    calls = []
    out = io.BytesIO()
    WRITERS[fmt](
        consultation, ExportFilters(), out, lambda done, total: calls.append((done, total))
    )
    total = len(plan_targets(consultation)) + 1
    assert calls and calls[-1] == (total, total)
    assert [done for done, _total in calls] == sorted(done for done, _total in calls)
    assert {t for _done, t in calls} == {total}
    data = out.getvalue()
    if fmt == "xlsx":
        assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames == [
            "Ringkasan",
            "Penilaian",
            "Masukan",
            "Peserta",
            "Pergeseran",
        ]
    elif fmt == "csv":
        assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 5
    else:
        assert json.loads(data)["schema"] == "rembuk-export/1"


def test_a_writer_leaves_the_file_open_for_its_caller(setting):  # noqa: F811
    out = io.BytesIO()
    write_json(setting[0], ExportFilters(), out)
    assert not out.closed
    out.write(b"")


def test_rows_of_a_chosen_section_count_only_its_places(setting):  # noqa: F811
    consultation, strategy = setting[0], setting[1]
    calls = []
    rows = ExportRows(
        consultation, ExportFilters(section_id=strategy.section_id), lambda d, t: calls.append(t)
    )
    places = [t for t in plan_targets(consultation) if t[1].id == strategy.section_id]
    list(rows.comments())
    assert calls == [len(places) + 1] * len(places)
