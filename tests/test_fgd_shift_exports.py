"""What the FGD changed, in the exports: the paired shift per strategy, criterion, step and
group with its pairs and 95% interval (hand-computed below), suppressed for small groups in
anonymised exports."""

import csv
import io
import json
import zipfile

import openpyxl
import pytest
from sqlalchemy import select
from test_fgd_changes import rated  # noqa: F401  (the fixture: 3 KADIN people, 1 academic)

from consult.auth.models import StakeholderGroup
from consult.extensions import db
from consult.plans.models import Phase
from consult.reports.exports import ExportFilters, write_csv, write_json, write_xlsx
from consult.reports.exports.shift import shift_items

PRE_FGD = ("pre", "fgd")


def _by(items, step, group=""):
    return next(
        i for i in items if (i["from_phase"], i["to_phase"]) == step and i["group"] == group
    )


def test_the_shift_items_match_hand_computed_values(app, rated):  # noqa: F811
    consultation, _o, strategy, criterion = rated
    items = list(shift_items(consultation, ExportFilters()))
    # pre -> FGD, everyone: differences 1, 2, 0, 2 -> mean 1.25; sd = sqrt(2.75 / 3) = 0.957427;
    # half-width t(0.975; 3) 3.182446 * 0.957427 / 2 = 1.523474.
    everyone = _by(items, PRE_FGD)
    assert everyone["strategy_code"] == strategy.code and everyone["criterion"] == criterion.key
    assert (everyone["pairs"], everyone["mean_difference"]) == (4, 1.25)
    assert (everyone["mean_before"], everyone["mean_after"]) == (2.5, 3.75)
    assert (everyone["ci95_low"], everyone["ci95_high"]) == (-0.273, 2.773)
    # KADIN: differences 1, 2, 0 -> mean 1, sd 1; 4.302653 / sqrt(3) = 2.484138.
    kadin = _by(items, PRE_FGD, "KADIN")
    assert (kadin["pairs"], kadin["ci95_low"], kadin["ci95_high"]) == (3, -1.484, 3.484)
    # FGD -> post: (3, 4) and (4, 4) -> mean 0.5, sd 0.707107; 12.706205 * 0.5 = 6.353102.
    after = _by(items, ("fgd", "post"))
    assert (after["pairs"], after["mean_difference"]) == (2, 0.5)
    assert (after["ci95_low"], after["ci95_high"]) == (-5.853, 6.853)
    # The academic alone: one pair, a difference but no interval.
    academic = _by(items, PRE_FGD, "Akademisi")
    assert (academic["pairs"], academic["mean_difference"], academic["ci95_low"]) == (1, 2, None)
    assert not any(i["suppressed"] for i in items)


def test_anonymised_exports_suppress_groups_below_the_threshold(app, rated):  # noqa: F811
    consultation = rated[0]
    app.config["ANONYMITY_MIN_GROUP_SIZE"] = 3
    items = list(shift_items(consultation, ExportFilters(anonymise=True)))
    kadin = _by(items, PRE_FGD, "KADIN")  # 3 pairs here, but 2 from FGD to post: hidden
    academic = _by(items, PRE_FGD, "Akademisi")
    for hidden in (kadin, academic):
        assert hidden["suppressed"] and hidden["pairs"] is None
        assert hidden["mean_difference"] is None and hidden["ci95_low"] is None
    assert _by(items, PRE_FGD)["pairs"] == 4  # everyone together stays
    app.config["ANONYMITY_MIN_GROUP_SIZE"] = 2
    items = list(shift_items(consultation, ExportFilters(anonymise=True)))
    assert _by(items, PRE_FGD, "KADIN")["pairs"] == 3
    assert _by(items, PRE_FGD, "Akademisi")["suppressed"]


def test_the_group_filter_keeps_only_that_groups_shift(app, rated):  # noqa: F811
    consultation = rated[0]
    kadin_id = db.session.scalar(
        select(StakeholderGroup.id).where(StakeholderGroup.name == "KADIN")
    )
    items = list(shift_items(consultation, ExportFilters(group_id=kadin_id)))
    assert items and {i["group"] for i in items} == {"KADIN"}


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "json"])
def test_every_format_carries_the_shift(app, rated, fmt):  # noqa: F811
    consultation = rated[0]
    out = io.BytesIO()
    {"xlsx": write_xlsx, "csv": write_csv, "json": write_json}[fmt](
        consultation, ExportFilters(), out
    )
    data = out.getvalue()
    if fmt == "json":
        everyone = _by(json.loads(data)["fgd_shift"], PRE_FGD)
        assert (everyone["pairs"], everyone["ci95_high"]) == (4, 2.773)
        return
    if fmt == "csv":
        text = zipfile.ZipFile(io.BytesIO(data)).read("pergeseran.csv").decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        first = rows[1]
        assert first[3:5] == ["pre", "fgd"] and first[7] == "4" and first[12] == "2.773"
        return
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Pergeseran"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows[0]) == 13
    first = rows[1]
    assert first[7] == 4 and first[10] == 1.25 and first[11] == -0.273
    assert first[3] != "pre"  # phases shown as labels for people
    assert Phase.PRE.value == "pre"
