"""What the FGD changed: for each strategy and criterion, the shift of the same people from
before to at to after the FGD (paired), with unpaired means beside it for context.

One query streams the consultation's ratings; the arithmetic is in consult/reports/statistics.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import select

from consult.auth.models import StakeholderGroup
from consult.extensions import db
from consult.feedback.models import Rating
from consult.plans.models import Consultation, Criterion, Phase, Strategy
from consult.reports.statistics import PairedShift, paired_shift

STEPS = ((Phase.PRE, Phase.FGD), (Phase.FGD, Phase.POST), (Phase.PRE, Phase.POST))
CHUNK = 10_000  # ratings fetched at a time


@dataclass
class GroupShift:
    group: StakeholderGroup | None
    shifts: dict[tuple[Phase, Phase], PairedShift]
    suppressed: bool = False


@dataclass
class ShiftRow:
    strategy: Strategy
    criterion: Criterion
    means: dict[Phase, tuple[float | None, int]]  # unpaired: mean and raters per phase
    shifts: dict[tuple[Phase, Phase], PairedShift]
    groups: list[GroupShift] = field(default_factory=list)


def _pairs(values: dict, before: Phase, after: Phase, users) -> list[tuple[int, int]]:
    return [
        (values[(u, before)], values[(u, after)])
        for u in users
        if (u, before) in values and (u, after) in values
    ]


def _shifts(values: dict, users) -> dict:
    return {step: paired_shift(_pairs(values, *step, users)) for step in STEPS}


def what_changed(
    consultation: Consultation,
    strategies: list[Strategy],
    criteria: list[Criterion],
    *,
    anonymised: bool,
    min_group: int,
) -> list[ShiftRow]:
    """Rows for every strategy and criterion rated in any phase; in anonymised views a group
    with fewer than min_group pairs in a step is suppressed (shown as too small).

    The ratings are streamed in (strategy, criterion) order and each cell is reduced to its
    row before the next is read: memory holds one cell's ratings, not the consultation's
    (4,000,000 at the benchmark's 16x, which took the export worker to 1.6 GB)."""
    groups = {g.id: g for g in db.session.scalars(select(StakeholderGroup))}
    wanted_strategies = {strategy.id: strategy for strategy in strategies}
    wanted_criteria = {criterion.id: criterion for criterion in criteria}
    rows = db.session.execute(
        select(
            Rating.strategy_id,
            Rating.criterion_id,
            Rating.user_id,
            Rating.group_id,
            Rating.phase,
            Rating.value,
        )
        .where(Rating.consultation_id == consultation.id, Rating.value.is_not(None))
        .order_by(Rating.strategy_id, Rating.criterion_id)
        .execution_options(yield_per=CHUNK)
    )
    found: dict[tuple[int, int], ShiftRow] = {}
    group_of: dict[int, int | None] = {}
    for (strategy_id, criterion_id), ratings in groupby(rows, key=lambda row: row[:2]):
        cell = {}  # (user, phase) -> value
        for _strategy, _criterion, user_id, group_id, phase, value in ratings:
            cell[(user_id, Phase(phase))] = value
            group_of.setdefault(user_id, group_id)
        if strategy_id in wanted_strategies and criterion_id in wanted_criteria:
            found[(strategy_id, criterion_id)] = _row(
                wanted_strategies[strategy_id],
                wanted_criteria[criterion_id],
                cell,
                group_of,
                groups,
                anonymised and min_group,
            )
    return [
        found[(strategy.id, criterion.id)]
        for strategy in strategies
        for criterion in criteria
        if (strategy.id, criterion.id) in found
    ]


def _row(strategy, criterion, cell: dict, group_of: dict, groups: dict, min_group) -> ShiftRow:
    """One strategy and criterion: unpaired means, the paired shifts overall and per group;
    min_group is 0 unless groups with fewer pairs are suppressed (anonymised)."""
    users = sorted({u for u, _ in cell})
    means = {}
    for phase in Phase:
        given = [v for (u, p), v in cell.items() if p == phase]
        means[phase] = (sum(given) / len(given) if given else None, len(given))
    row = ShiftRow(strategy, criterion, means, _shifts(cell, users))
    by_group = defaultdict(list)
    for user in users:
        by_group[group_of.get(user)].append(user)
    for group_id in sorted(
        by_group, key=lambda g: (g is None, groups[g].position if g in groups else 0)
    ):
        shifts = _shifts(cell, by_group[group_id])
        small = bool(min_group) and any(0 < s.n < min_group for s in shifts.values())
        row.groups.append(GroupShift(groups.get(group_id), shifts, small))
    return row
