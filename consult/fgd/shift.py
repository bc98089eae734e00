"""What the FGD changed: for each strategy and criterion, the shift of the same people from
before to at to after the FGD (paired), with unpaired means beside it for context.

One query reads the consultation's ratings; the arithmetic is in consult/reports/statistics.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from consult.auth.models import StakeholderGroup
from consult.extensions import db
from consult.feedback.models import Rating
from consult.plans.models import Consultation, Criterion, Phase, Strategy
from consult.reports.statistics import PairedShift, paired_shift

STEPS = ((Phase.PRE, Phase.FGD), (Phase.FGD, Phase.POST), (Phase.PRE, Phase.POST))


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
    with fewer than min_group pairs in a step is suppressed (shown as too small)."""
    rows = db.session.execute(
        select(
            Rating.strategy_id,
            Rating.criterion_id,
            Rating.user_id,
            Rating.group_id,
            Rating.phase,
            Rating.value,
        ).where(Rating.consultation_id == consultation.id, Rating.value.is_not(None))
    )
    values: dict = defaultdict(dict)  # (strategy, criterion) -> {(user, phase): value}
    group_of: dict[int, int | None] = {}
    for strategy_id, criterion_id, user_id, group_id, phase, value in rows:
        values[(strategy_id, criterion_id)][(user_id, Phase(phase))] = value
        group_of.setdefault(user_id, group_id)
    groups = {g.id: g for g in db.session.scalars(select(StakeholderGroup))}
    result = []
    for strategy in strategies:
        for criterion in criteria:
            cell = values.get((strategy.id, criterion.id))
            if not cell:
                continue
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
                small = anonymised and any(0 < s.n < min_group for s in shifts.values())
                row.groups.append(GroupShift(groups.get(group_id), shifts, small))
            result.append(row)
    return result
