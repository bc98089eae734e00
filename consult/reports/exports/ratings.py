"""Rating rows of an export: the summary per strategy and criterion, and its groups.

Ratings are read as grouped counts (the query the analysis uses), so this is bounded by the
plan's size, not by the number of raters.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.auth.models import StakeholderGroup
from consult.extensions import db
from consult.feedback.models import Comment, Rating
from consult.plans.models import Chapter, Consultation, Criterion, Phase, Section, Strategy
from consult.reports.exports.options import ExportFilters, min_group_size, rounded
from consult.reports.services import criteria_of, rating_counts_query, strategies_in_order
from consult.reports.statistics import Summary, groups_disagree, shift


@dataclass
class RatingCell:
    strategy: Strategy
    section: Section
    chapter: Chapter
    criterion: Criterion
    phase: Phase
    summary: Summary


def rating_tables(
    consultation: Consultation, filters: ExportFilters
) -> tuple[list[RatingCell], list[tuple[RatingCell, str, bool]], dict[int, int]]:
    """Summary cells, cells by group (with "suppressed") and comment counts per strategy."""
    criteria = {c.id: c for c in criteria_of(consultation)}
    groups = dict(db.session.execute(select(StakeholderGroup.id, StakeholderGroup.name)).all())
    query = rating_counts_query(consultation)
    if filters.phase is not None:
        query = query.where(Rating.phase == filters.phase)
    if filters.group_id is not None:
        query = query.where(Rating.group_id == filters.group_id)
    overall: dict[tuple, Summary] = {}
    by_group: dict[tuple, dict[int | None, Summary]] = defaultdict(dict)
    for strategy_id, criterion_id, phase, group_id, value, count in db.session.execute(query):
        criterion = criteria.get(criterion_id)
        if criterion is None:
            continue
        key = (strategy_id, criterion_id, Phase(phase))
        overall.setdefault(key, Summary(criterion.scale_max)).add(value, count)
        by_group[key].setdefault(group_id, Summary(criterion.scale_max)).add(value, count)

    comment_query = (
        select(Comment.strategy_id, func.count(Comment.id))
        .where(Comment.consultation_id == consultation.id, Comment.strategy_id.is_not(None))
        .group_by(Comment.strategy_id)
    )
    if filters.phase is not None:
        comment_query = comment_query.where(Comment.phase == filters.phase)
    if filters.group_id is not None:
        comment_query = comment_query.where(Comment.group_id == filters.group_id)
    if filters.status is not None:
        comment_query = comment_query.where(Comment.status == filters.status)
    comment_counts = dict(db.session.execute(comment_query).all())

    minimum = min_group_size()
    summary_cells, group_cells = [], []
    phases = [filters.phase] if filters.phase is not None else list(Phase)
    for strategy, section, chapter in strategies_in_order(consultation):
        if filters.section_id is not None and section.id != filters.section_id:
            continue
        for criterion in criteria.values():
            for phase in phases:
                key = (strategy.id, criterion.id, phase)
                cell = RatingCell(
                    strategy,
                    section,
                    chapter,
                    criterion,
                    phase,
                    overall.get(key, Summary(criterion.scale_max)),
                )
                summary_cells.append(cell)
                for group_id, summary in sorted(
                    by_group.get(key, {}).items(), key=lambda item: (item[0] is None, item[0])
                ):
                    suppressed = filters.anonymise and summary.answers < minimum
                    group_cells.append(
                        (
                            RatingCell(strategy, section, chapter, criterion, phase, summary),
                            groups.get(group_id, ""),
                            suppressed,
                        )
                    )
    # Disagreement is judged on the groups each cell breaks into.
    for cell in summary_cells:
        key = (cell.strategy.id, cell.criterion.id, cell.phase)
        cell.disagree = groups_disagree(by_group.get(key, {}), cell.criterion.scale_max)
    return summary_cells, group_cells, comment_counts


SUMMARY_COLUMNS = [
    _l("Code"),
    _l("Strategy"),
    _l("Criterion"),
    _l("Phase"),
    _l("Raters"),
    _l("Cannot judge"),
    _l("Mean"),
    _l("Median"),
    _l("95% CI low"),
    _l("95% CI high"),
    _l("Shift after FGD"),
    _l("Groups disagree"),
    _l("Comments"),
]


def summary_rows(cells: list[RatingCell], comment_counts: dict[int, int]) -> Iterator[list]:
    pre_means = {(c.strategy.id, c.criterion.id): c.summary for c in cells if c.phase == Phase.PRE}
    for cell in cells:
        ci = cell.summary.ci95
        moved = (
            shift(pre_means.get((cell.strategy.id, cell.criterion.id)), cell.summary)
            if cell.phase == Phase.POST
            else None
        )
        yield [
            cell.strategy.code,
            cell.strategy.title,
            cell.criterion.label,
            cell.phase.value,
            cell.summary.n,
            cell.summary.cannot_judge,
            rounded(cell.summary.mean),
            rounded(cell.summary.median),
            rounded(ci[0]) if ci else None,
            rounded(ci[1]) if ci else None,
            rounded(moved),
            _("yes") if getattr(cell, "disagree", False) else "",
            comment_counts.get(cell.strategy.id, 0),
        ]


def group_columns(scale_max: int) -> list[str]:
    return [
        _l("Code"),
        _l("Strategy"),
        _l("Criterion"),
        _l("Phase"),
        _l("Stakeholder group"),
        _l("Raters"),
        _l("Cannot judge"),
        _l("Mean"),
        _l("Median"),
        _l("95% CI low"),
        _l("95% CI high"),
        *[str(v) for v in range(1, scale_max + 1)],
        _l("Note"),
    ]


def group_rows(cells, scale_max: int) -> Iterator[list]:
    minimum = min_group_size()
    for cell, group_name, suppressed in cells:
        head = [
            cell.strategy.code,
            cell.strategy.title,
            cell.criterion.label,
            cell.phase.value,
            group_name or _("(no group)"),
        ]
        if suppressed:
            note = _("Suppressed: fewer than %(n)d people", n=minimum)
            yield head + [None] * (6 + scale_max) + [note]
            continue
        s = cell.summary
        ci = s.ci95
        counts = s.counts() + [None] * (scale_max - s.scale_max)
        yield head + [
            s.n,
            s.cannot_judge,
            rounded(s.mean),
            rounded(s.median),
            rounded(ci[0]) if ci else None,
            rounded(ci[1]) if ci else None,
            *counts[:scale_max],
            "",
        ]
