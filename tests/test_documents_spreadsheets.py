"""The XLSX workbook is for people: frozen headers, filters, widths, labels, real dates.
CSV stays machine-readable with codes. Runs in the default language, Indonesian."""

import csv
import io
import zipfile
from datetime import datetime

import openpyxl
import pytest

from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus, InputSource
from consult.plans.models import Phase
from consult.reports.exports import ExportFilters, write_csv, write_xlsx
from consult.reports.models import CommentResponse, Disposition
from tests.conftest import first_strategy

CODES = {
    "pre",
    "post",
    "support",
    "objection",
    "change",
    "other",
    "published",
    "hidden",
    "online",
    "fgd",
    "participant",
    "organiser",
    "accepted",
    "partly_accepted",
    "noted",
}


@pytest.fixture
def config_overrides():
    return {}  # the real default language: Indonesian


@pytest.fixture
def consultation(make_user, make_group, make_consultation):
    group = make_group("KADIN")
    person = make_user(group=group, name="Siti Rahmawati", organisation="KADIN Kalteng")
    consultation = make_consultation(
        organiser=make_user(role=Role.ORGANISER), participants=[person]
    )
    strategy = first_strategy(consultation)
    comment = Comment(
        consultation_id=consultation.id,
        section_id=strategy.section_id,
        strategy_id=strategy.id,
        author_id=person.id,
        group_id=group.id,
        body="Masukan panjang. " * 40,
        phase=Phase.PRE,
        source=InputSource.FGD,
        status=CommentStatus.PUBLISHED,
        created_at=datetime(2026, 11, 20, 2, 30),
    )
    db.session.add(comment)
    db.session.flush()
    db.session.add(
        CommentResponse(
            comment_id=comment.id,
            consultation_id=consultation.id,
            disposition=Disposition.PARTLY_ACCEPTED,
            rationale="Sebagian.",
        )
    )
    db.session.commit()
    return consultation


def _workbook(consultation):
    out = io.BytesIO()
    write_xlsx(consultation, ExportFilters(), out)
    return openpyxl.load_workbook(io.BytesIO(out.getvalue()))


def test_every_sheet_has_frozen_header_autofilter_and_sensible_widths(consultation):
    book = _workbook(consultation)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
    comments = book["Masukan"]
    headers = [c.value for c in comments[1]]
    body = headers.index("Masukan") + 1
    letter = openpyxl.utils.get_column_letter(body)
    assert comments.column_dimensions[letter].width >= 50
    assert comments.cell(row=2, column=body).alignment.wrap_text


def test_indonesian_workbook_has_labels_not_codes_and_real_dates(consultation):
    book = _workbook(consultation)
    values = {
        str(cell.value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(min_row=2)
        for cell in row
        if cell.value is not None
    }
    assert not values & CODES
    assert {"Sebelum FGD", "Diterima sebagian", "Dipublikasikan", "Peserta"} <= values
    comments = book["Masukan"]
    headers = [c.value for c in comments[1]]
    written = comments.cell(row=2, column=headers.index("Ditulis (WIB)") + 1).value
    assert written == datetime(2026, 11, 20, 9, 30)  # 02:30 UTC is 09:30 WIB


def test_csv_keeps_the_codes_for_machines(consultation):
    out = io.BytesIO()
    write_csv(consultation, ExportFilters(), out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        text = archive.read("masukan.csv").decode("utf-8-sig")
    row = list(csv.DictReader(io.StringIO(text)))[0]
    assert {"pre", "fgd", "published", "partly_accepted"} <= set(row.values())
