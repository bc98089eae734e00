"""What the FGD changed, in the exports: the paired shift (pre -> FGD -> post) of every strategy
and criterion, overall and per stakeholder group, with the number of pairs and the 95% interval
of the mean paired difference (consult/fgd/shift.py computes it, as on the analysis page).

In an anonymised export a group with fewer than ANONYMITY_MIN_GROUP_SIZE pairs in a step is
suppressed: its row says so and carries no numbers. The phase filter does not apply (a shift
spans phases); the section and group filters do.
"""

from collections.abc import Iterator
from typing import Any

from flask_babel import lazy_gettext as _l

from consult.fgd.shift import STEPS, ShiftRow, what_changed
from consult.plans.models import Consultation
from consult.reports.anonymity import min_group_size
from consult.reports.exports.options import ExportFilters, rounded
from consult.reports.services import criteria_of, strategies_in_order

SHIFT_KEYS = (
    "strategy_code",
    "strategy_title",
    "criterion",
    "from_phase",
    "to_phase",
    "group",
    "suppressed",
    "pairs",
    "mean_before",
    "mean_after",
    "mean_difference",
    "ci95_low",
    "ci95_high",
)
SHIFT_COLUMNS = (
    _l("Strategy code"),
    _l("Strategy"),
    _l("Criterion"),
    _l("From phase"),
    _l("To phase"),
    _l("Stakeholder group"),
    _l("Suppressed (small group)"),
    _l("Pairs"),
    _l("Mean before"),
    _l("Mean after"),
    _l("Mean paired difference"),
    _l("95% CI low"),
    _l("95% CI high"),
)
# How the spreadsheet shows them (consult/reports/exports/rows.Table.kinds).
SHIFT_KINDS = {1: "name", 3: "phase", 4: "phase", 5: "name"}


def _shift_rows(consultation: Consultation, filters: ExportFilters) -> list[ShiftRow]:
    strategies = [
        strategy
        for strategy, section, _chapter in strategies_in_order(consultation)
        if filters.section_id is None or section.id == filters.section_id
    ]
    return what_changed(
        consultation,
        strategies,
        criteria_of(consultation),
        anonymised=filters.anonymise,
        min_group=min_group_size(),
    )


def _values(row: ShiftRow, step, group: str, shift, suppressed: bool) -> dict[str, Any]:
    hidden = suppressed or shift is None
    ci = None if hidden else shift.ci95
    return {
        "strategy_code": row.strategy.code,
        "strategy_title": row.strategy.title,
        "criterion": row.criterion.key,
        "from_phase": step[0].value,
        "to_phase": step[1].value,
        "group": group,
        "suppressed": suppressed,
        "pairs": None if hidden else shift.n,
        "mean_before": None if hidden else rounded(shift.mean_before),
        "mean_after": None if hidden else rounded(shift.mean_after),
        "mean_difference": None if hidden else rounded(shift.mean_difference),
        "ci95_low": rounded(ci[0]) if ci else None,
        "ci95_high": rounded(ci[1]) if ci else None,
    }


def shift_items(consultation: Consultation, filters: ExportFilters) -> Iterator[dict[str, Any]]:
    """One item per strategy, criterion, step and group ("" = everyone) with at least one pair
    (or suppressed); for the JSON document and, as rows, the spreadsheets."""
    chosen = filters.group_id
    for row in _shift_rows(consultation, filters):
        for step in STEPS:
            if chosen is None and row.shifts[step].n:
                yield _values(row, step, "", row.shifts[step], False)
            for group in row.groups:
                if chosen is not None and (group.group is None or group.group.id != chosen):
                    continue
                shift = group.shifts[step]
                if shift.n or group.suppressed:
                    known = group.group is not None
                    name = group.group.display_name if known else str(_l("No group"))
                    yield _values(row, step, name, shift, group.suppressed)


def shift_table_rows(consultation: Consultation, filters: ExportFilters) -> Iterator[list]:
    for item in shift_items(consultation, filters):
        yield [item[key] for key in SHIFT_KEYS]
