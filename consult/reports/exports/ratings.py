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

from consult.auth.services import group_names as localized_group_names
from consult.extensions import db
from consult.feedback.models import Comment, Rating
from consult.plans.models import Chapter, Consultation, Criterion, Phase, Section, Strategy
from consult.reports.anonymity import (
    SUPPRESSED,
    Suppression,
    group_member_counts,
    min_group_size,
    suppress_breakdown,
)
from consult.reports.exports.options import ExportFilters, rounded
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
    suppressed: bool = False  # anonymised, and too few people (see consult.reports.anonymity)
    disagree: bool = False


@dataclass
class RatingTables:
    summary: list[RatingCell]
    by_group: list[tuple[RatingCell, str, bool]]  # (cell, group name, suppressed)
    comment_counts: dict[int, int] | None  # per strategy; None when withheld

    def __iter__(self):
        return iter((self.summary, self.by_group, self.comment_counts))


def _ratings_by_group(consultation: Consultation, filters: ExportFilters, criteria: dict):
    """{(strategy, criterion, phase): {group: Summary}}, every group when anonymised.

    An anonymised export judges each breakdown on all its groups (a filter must not reveal
    what the whole breakdown hides), so it filters by group after reading, not in SQL.
    """
    query = rating_counts_query(consultation)
    if filters.phase is not None:
        query = query.where(Rating.phase == filters.phase)
    if filters.group_id is not None and not filters.anonymise:
        query = query.where(Rating.group_id == filters.group_id)
    by_group: dict[tuple, dict[int | None, Summary]] = defaultdict(dict)
    for strategy_id, criterion_id, phase, group_id, value, count in db.session.execute(query):
        criterion = criteria.get(criterion_id)
        if criterion is None:
            continue
        key = (strategy_id, criterion_id, Phase(phase))
        by_group[key].setdefault(group_id, Summary(criterion.scale_max)).add(value, count)
    return by_group


def _comment_counts(consultation: Consultation, filters: ExportFilters) -> dict[int, int]:
    query = (
        select(Comment.strategy_id, func.count(Comment.id))
        .where(Comment.consultation_id == consultation.id, Comment.strategy_id.is_not(None))
        .group_by(Comment.strategy_id)
    )
    if filters.phase is not None:
        query = query.where(Comment.phase == filters.phase)
    if filters.group_id is not None:
        query = query.where(Comment.group_id == filters.group_id)
    if filters.status is not None:
        query = query.where(Comment.status == filters.status)
    return dict(db.session.execute(query).all())


def _merged(summaries, scale_max: int) -> Summary:
    merged = Summary(scale_max)
    for summary in summaries:
        for value, count in summary.distribution.items():
            merged.add(value, count)
        merged.add(None, summary.cannot_judge)
    return merged


def rating_tables(
    consultation: Consultation,
    filters: ExportFilters,
    withheld: bool = False,
    member_counts: dict[int | None, int] | None = None,
) -> RatingTables:
    """Summary cells, cells by group and comment counts per strategy, suppressed as the
    anonymity rules say when the export is anonymised; `withheld`: the filtered group is
    too small to be named, so its comments are not counted either; `member_counts`:
    participants per group (group_member_counts), read here when not given."""
    criteria = {c.id: c for c in criteria_of(consultation)}
    groups = localized_group_names()
    by_group = _ratings_by_group(consultation, filters, criteria)
    comment_counts = None if withheld else _comment_counts(consultation, filters)
    k = min_group_size()
    chosen = filters.group_id
    if filters.anonymise and member_counts is None:
        member_counts = group_member_counts(consultation)

    summary_cells, group_cells = [], []
    phases = [filters.phase] if filters.phase is not None else list(Phase)
    for strategy, section, chapter in strategies_in_order(consultation):
        if filters.section_id is not None and section.id != filters.section_id:
            continue
        for criterion in criteria.values():
            for phase in phases:
                place = (strategy, section, chapter, criterion, phase)
                breakdown = by_group.get((strategy.id, criterion.id, phase), {})
                hidden = Suppression(frozenset(), False)
                if filters.anonymise:
                    # Every group of the consultation, so that a row's presence says nothing.
                    breakdown = {
                        **{g: Summary(criterion.scale_max) for g in member_counts},
                        **breakdown,
                    }
                    small = {g for g in breakdown if member_counts.get(g, 0) < k}
                    hidden = suppress_breakdown(
                        {group: s.answers for group, s in breakdown.items()}, k, small
                    )
                    if chosen is not None:
                        breakdown = {g: s for g, s in breakdown.items() if g == chosen}
                cell = RatingCell(*place, _merged(breakdown.values(), criterion.scale_max))
                cell.suppressed = hidden.total if chosen is None else hidden.hides(chosen)
                shown = {g: s for g, s in breakdown.items() if not hidden.hides(g)}
                # Disagreement is judged on the groups the cell breaks into (those shown).
                cell.disagree = not cell.suppressed and groups_disagree(shown, criterion.scale_max)
                summary_cells.append(cell)
                for group_id, summary in sorted(
                    breakdown.items(), key=lambda item: (item[0] is None, item[0])
                ):
                    group_cells.append(
                        (
                            RatingCell(*place, summary),
                            groups.get(group_id, ""),
                            hidden.hides(group_id),
                        )
                    )
    return RatingTables(summary_cells, group_cells, comment_counts)


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


def summary_rows(cells: list[RatingCell], comment_counts: dict[int, int] | None) -> Iterator[list]:
    """Rows of the summary sheet; suppressed figures show the marker."""
    marker = str(SUPPRESSED)
    pre = {(c.strategy.id, c.criterion.id): c for c in cells if c.phase == Phase.PRE}
    for cell in cells:
        head = [
            cell.strategy.code,
            cell.strategy.title,
            cell.criterion.display_label,
            cell.phase.value,
        ]
        comments = marker if comment_counts is None else comment_counts.get(cell.strategy.id, 0)
        if cell.suppressed:
            yield head + [marker] * 7 + ["", comments]
            continue
        before = pre.get((cell.strategy.id, cell.criterion.id))
        moved = None
        if cell.phase == Phase.POST:
            moved = (
                marker
                if before and before.suppressed
                else rounded(shift(before and before.summary, cell.summary))
            )
        ci = cell.summary.ci95
        yield head + [
            cell.summary.n,
            cell.summary.cannot_judge,
            rounded(cell.summary.mean),
            rounded(cell.summary.median),
            rounded(ci[0]) if ci else None,
            rounded(ci[1]) if ci else None,
            moved,
            _("yes") if cell.disagree else "",
            comments,
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
    """Rows of the breakdown by stakeholder group; suppressed figures show the marker."""
    minimum = min_group_size()
    for cell, group_name, suppressed in cells:
        head = [
            cell.strategy.code,
            cell.strategy.title,
            cell.criterion.display_label,
            cell.phase.value,
            group_name or _("(no group)"),
        ]
        if suppressed:
            if cell.summary.answers < minimum:
                note = _("Suppressed: fewer than %(n)d people", n=minimum)
            else:
                note = _("Suppressed: would reveal a smaller group through the total")
            yield head + [str(SUPPRESSED)] * (6 + scale_max) + [note]
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
