"""Consolidation: the analysis dashboard's data, the response matrix and its publication.

The analysis loads in a fixed number of grouped queries whatever the number of ratings;
the statistics are computed from the value counts (consult.reports.statistics).
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from consult.audit import changes, record
from consult.auth.models import StakeholderGroup, User
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus, Rating
from consult.plans.models import (
    Chapter,
    Consultation,
    ContentVersion,
    Criterion,
    Phase,
    Section,
    Strategy,
)
from consult.reports.models import CommentResponse, Disposition, ResponseGroup
from consult.reports.participation import (
    COUNTED_STATUSES,
    GroupParticipation,
    Origin,
    participation_by_group,
    participation_by_origin,
)
from consult.reports.statistics import (
    PRIOR_WEIGHT,
    Summary,
    group_range,
    groups_disagree,
    pooled_mean,
    shift,
    shrunk_mean,
)
from consult.timeutil import utcnow

PRIORITY_KEY = "priority"


# --- analysis ------------------------------------------------------------------------


@dataclass
class CriterionStats:
    criterion: Criterion
    by_phase: dict[Phase, Summary]
    by_group: dict[Phase, dict[int | None, Summary]]

    @property
    def shift(self) -> float | None:
        return shift(self.by_phase.get(Phase.PRE), self.by_phase.get(Phase.POST))

    def group_range(self, phase: Phase) -> float | None:
        return group_range(self.by_group.get(phase, {}))

    @property
    def contention(self) -> float | None:
        """The larger group-mean range of the two phases (None when not measurable)."""
        ranges = [r for p in Phase if (r := self.group_range(p)) is not None]
        return max(ranges, default=None)

    @property
    def disagree(self) -> bool:
        return any(
            groups_disagree(self.by_group.get(p, {}), self.criterion.scale_max) for p in Phase
        )

    @property
    def answers(self) -> int:
        return sum(s.answers for s in self.by_phase.values())


@dataclass
class StrategyStats:
    strategy: Strategy
    section: Section
    chapter: Chapter
    criteria: list[CriterionStats]
    comment_count: int = 0

    @property
    def rating_answers(self) -> int:
        return sum(c.answers for c in self.criteria)

    @property
    def has_input(self) -> bool:
        return bool(self.comment_count or self.rating_answers)

    @property
    def disagree(self) -> bool:
        return any(c.disagree for c in self.criteria)

    @property
    def contention(self) -> float | None:
        """The largest group-mean range of its criteria; None unless two groups can be compared."""
        ranges = [c.contention for c in self.criteria if c.contention is not None]
        return max(ranges, default=None)

    @property
    def priority(self) -> Summary | None:
        """The "priority" criterion after the FGD if anyone rated it then, else before."""
        for stats in self.criteria:
            if stats.criterion.key == PRIORITY_KEY:
                post = stats.by_phase.get(Phase.POST)
                if post is not None and post.n:
                    return post
                pre = stats.by_phase.get(Phase.PRE)
                return pre if pre is not None and pre.n else None
        return None


@dataclass
class Analysis:
    consultation: Consultation
    criteria: list[Criterion]
    groups: dict[int | None, StakeholderGroup | None]
    strategies: list[StrategyStats]
    participation: list[GroupParticipation]
    section_comments: list[tuple[Chapter, Section, int]] = field(default_factory=list)
    # {"invited": Origin, "public": Origin}
    origins: dict[str, Origin] = field(default_factory=dict)

    @cached_property
    def priority_prior(self) -> float | None:
        """The mean of every priority rating that counts for the ranking (its prior mean)."""
        return pooled_mean(s.priority for s in self.strategies if s.priority is not None)

    prior_weight = PRIOR_WEIGHT

    def ranking_score(self, stats: StrategyStats) -> float | None:
        """The priority mean shrunk toward priority_prior by PRIOR_WEIGHT ratings."""
        prior = self.priority_prior
        if stats.priority is None or prior is None:
            return None
        return shrunk_mean(stats.priority, prior, self.prior_weight)

    @property
    def by_priority(self) -> list[StrategyStats]:
        """Rated strategies by shrunk priority mean, so few ratings cannot top the list."""
        rated = [s for s in self.strategies if s.priority is not None]
        prior = self.priority_prior
        if prior is None:
            return []
        scores = {s.strategy.id: shrunk_mean(s.priority, prior, self.prior_weight) for s in rated}
        return sorted(rated, key=lambda s: (-(scores[s.strategy.id] or 0), s.strategy.id))

    @property
    def by_contention(self) -> list[StrategyStats]:
        # Strategies whose groups cannot be compared yet come last.
        return sorted(
            self.strategies,
            key=lambda s: (s.contention is None, -(s.contention or 0.0), s.strategy.id),
        )

    @property
    def uncovered(self) -> list[StrategyStats]:
        return [s for s in self.strategies if not s.has_input]

    def group_name(self, group_id: int | None) -> str | None:
        group = self.groups.get(group_id)
        return group.display_name if group is not None else None


def strategies_in_order(consultation: Consultation) -> list[tuple[Strategy, Section, Chapter]]:
    """Every strategy of the consultation with its section and chapter, in plan order."""
    rows = db.session.execute(
        select(Strategy, Section, Chapter)
        .join(Section, Strategy.section_id == Section.id)
        .join(Chapter, Section.chapter_id == Chapter.id)
        .where(Chapter.consultation_id == consultation.id)
        .order_by(
            Chapter.position,
            Chapter.id,
            Section.position,
            Section.id,
            Strategy.position,
            Strategy.id,
        )
    )
    return [tuple(row) for row in rows]


def criteria_of(consultation: Consultation) -> list[Criterion]:
    return list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.consultation_id == consultation.id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


def rating_counts_query(consultation: Consultation) -> Select:
    """Ratings counted by strategy, criterion, phase, group and value (the only big scan)."""
    return (
        select(
            Rating.strategy_id,
            Rating.criterion_id,
            Rating.phase,
            Rating.group_id,
            Rating.value,
            func.count(Rating.id),
        )
        .where(Rating.consultation_id == consultation.id)
        .group_by(
            Rating.strategy_id, Rating.criterion_id, Rating.phase, Rating.group_id, Rating.value
        )
    )


def build_analysis(consultation: Consultation) -> Analysis:
    """Everything the analysis dashboard shows, in a fixed number of queries."""
    criteria = criteria_of(consultation)
    criteria_by_id = {c.id: c for c in criteria}
    groups: dict[int | None, StakeholderGroup | None] = {
        g.id: g
        for g in db.session.scalars(
            select(StakeholderGroup).order_by(StakeholderGroup.position, StakeholderGroup.name)
        )
    }
    groups.setdefault(None, None)

    overall: dict[tuple[int, int], dict[Phase, Summary]] = defaultdict(dict)
    by_group: dict[tuple[int, int], dict[Phase, dict[int | None, Summary]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for strategy_id, criterion_id, phase, group_id, value, count in db.session.execute(
        rating_counts_query(consultation)
    ):
        criterion = criteria_by_id.get(criterion_id)
        if criterion is None:
            continue
        key = (strategy_id, criterion_id)
        phase = Phase(phase)
        overall[key].setdefault(phase, Summary(criterion.scale_max)).add(value, count)
        by_group[key][phase].setdefault(group_id, Summary(criterion.scale_max)).add(value, count)

    comment_rows = db.session.execute(
        select(Comment.strategy_id, Comment.section_id, func.count(Comment.id))
        .where(
            Comment.consultation_id == consultation.id,
            Comment.status.in_(COUNTED_STATUSES),
        )
        .group_by(Comment.strategy_id, Comment.section_id)
    ).all()
    per_strategy: dict[int, int] = defaultdict(int)
    per_section: dict[int, int] = defaultdict(int)
    for strategy_id, section_id, count in comment_rows:
        if strategy_id is not None:
            per_strategy[strategy_id] += count
        elif section_id is not None:
            per_section[section_id] += count

    strategies = []
    sections: dict[int, tuple[Chapter, Section]] = {}
    for strategy, section, chapter in strategies_in_order(consultation):
        sections.setdefault(section.id, (chapter, section))
        per_section[section.id] += per_strategy.get(strategy.id, 0)
        strategies.append(
            StrategyStats(
                strategy=strategy,
                section=section,
                chapter=chapter,
                criteria=[
                    CriterionStats(
                        criterion=c,
                        by_phase=overall.get((strategy.id, c.id), {}),
                        by_group=dict(by_group.get((strategy.id, c.id), {})),
                    )
                    for c in criteria
                ],
                comment_count=per_strategy.get(strategy.id, 0),
            )
        )
    section_comments = [
        (chapter, section, per_section.get(section_id, 0))
        for section_id, (chapter, section) in sections.items()
    ]
    return Analysis(
        consultation=consultation,
        criteria=criteria,
        groups=groups,
        strategies=strategies,
        participation=participation_by_group(consultation, groups),
        section_comments=section_comments,
        origins=participation_by_origin(consultation),
    )


# --- the response matrix ---------------------------------------------------------------


def comments_in_plan_order(consultation: Consultation) -> Select:
    """Top-level comments of a consultation joined to their place in the plan, in plan order.

    Selects (Comment, CommentResponse | None, Strategy | None, Section, Chapter).
    """
    section_id = func.coalesce(Comment.section_id, Strategy.section_id)
    return (
        select(Comment, CommentResponse, Strategy, Section, Chapter)
        .outerjoin(CommentResponse, CommentResponse.comment_id == Comment.id)
        .outerjoin(Strategy, Comment.strategy_id == Strategy.id)
        .join(Section, Section.id == section_id)
        .join(Chapter, Section.chapter_id == Chapter.id)
        .where(Comment.consultation_id == consultation.id, Comment.parent_id.is_(None))
        .order_by(
            Chapter.position,
            Chapter.id,
            Section.position,
            Section.id,
            func.coalesce(Strategy.position, -1),
            Comment.strategy_id,
            Comment.created_at,
            Comment.id,
        )
    )


def plan_targets(consultation: Consultation) -> list[tuple[Strategy | None, Section, Chapter]]:
    """Every place comments are written, in the order of comments_in_plan_order.

    Each section (strategy None, for comments on the section itself), then its strategies.
    """
    sections = db.session.execute(
        select(Section, Chapter)
        .join(Chapter, Section.chapter_id == Chapter.id)
        .where(Chapter.consultation_id == consultation.id)
        .order_by(Chapter.position, Chapter.id, Section.position, Section.id)
    ).all()
    strategies = defaultdict(list)
    for strategy, section, _chapter in strategies_in_order(consultation):
        strategies[section.id].append(strategy)
    targets: list[tuple[Strategy | None, Section, Chapter]] = []
    for section, chapter in sections:
        targets.append((None, section, chapter))
        targets.extend((strategy, section, chapter) for strategy in strategies[section.id])
    return targets


def top_level_comments_of(section: Section, strategy: Strategy | None, *columns) -> Select:
    """The top-level comments on one section or strategy, oldest first (whole Comments unless
    columns are given).

    Each query reads one target through its index and sorts only that target's comments, so
    walking plan_targets costs time in proportion to the comments, where one query in plan
    order sorts them all (comments_in_plan_order).
    """
    # No condition on the consultation: the target already belongs to it, and SQLite would
    # then read the whole consultation through ix_comment_consultation_created for each.
    if strategy is not None:
        target = Comment.strategy_id == strategy.id
    else:
        target = and_(Comment.section_id == section.id, Comment.strategy_id.is_(None))
    return (
        select(*(columns or (Comment,)))
        .select_from(Comment)
        .where(target, Comment.parent_id.is_(None))
        .order_by(Comment.created_at, Comment.id)
    )


def response_list_query(
    consultation: Consultation, undecided_only: bool = False, status: str | None = None
) -> Select:
    """What the response-matrix page lists, with authors and groups loaded."""
    query = comments_in_plan_order(consultation).options(*_comment_loads())
    if undecided_only:
        query = query.where(
            or_(
                CommentResponse.id.is_(None),
                and_(
                    CommentResponse.disposition.is_(None),
                    CommentResponse.response_group_id.is_(None),
                ),
            )
        )
    if status:
        query = query.where(Comment.status == CommentStatus(status))
    return query


def _comment_loads():
    return selectinload(Comment.author), selectinload(Comment.group)


def _response_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "disposition": Disposition(data["disposition"]),
        "rationale": (data.get("rationale") or "").strip(),
        "revision_ref": (data.get("revision_ref") or "").strip(),
        "content_version_id": data.get("content_version_id") or None,
    }


def _response_for(comment: Comment) -> CommentResponse:
    response = db.session.scalar(
        select(CommentResponse).where(CommentResponse.comment_id == comment.id)
    )
    if response is None:
        response = CommentResponse(
            comment_id=comment.id, consultation_id=comment.consultation_id, rationale=""
        )
        db.session.add(response)
    return response


def _snapshot(response: CommentResponse) -> dict[str, Any]:
    disposition = response.effective_disposition
    return {
        "disposition": disposition.value if disposition else None,
        "rationale": response.effective_rationale or "",
        "revision_ref": response.effective_revision_ref or "",
        "content_version_id": response.effective_content_version_id,
        "response_group_id": response.response_group_id,
    }


def record_disposition(comment: Comment, actor: User, data: dict[str, Any]) -> CommentResponse:
    """Record (or change) the organiser's disposition of one comment; leaves any group."""
    response = _response_for(comment)
    before = _snapshot(response) if response.id else None
    values = _response_values(data)
    diff = changes(response, values) if response.id else {}
    for name, value in values.items():
        setattr(response, name, value)
    response.response_group_id = None
    response.group = None
    response.decided_by_id = actor.id
    response.decided_at = utcnow()
    db.session.flush()
    record(
        "response.record",
        actor,
        comment,
        consultation_id=comment.consultation_id,
        before=before,
        after=_snapshot(response),
        changes=diff,
    )
    return response


def answer_together(
    comments: Sequence[Comment], actor: User, data: dict[str, Any]
) -> ResponseGroup:
    """Answer several comments once: one ResponseGroup they all point to."""
    if not comments:
        raise ValueError("no comments to answer")
    consultation_id = comments[0].consultation_id
    if any(c.consultation_id != consultation_id for c in comments):
        raise ValueError("comments of different consultations")
    group = ResponseGroup(
        consultation_id=consultation_id, decided_by_id=actor.id, **_response_values(data)
    )
    db.session.add(group)
    db.session.flush()
    before = {}
    for comment in comments:
        response = _response_for(comment)
        before[comment.id] = _snapshot(response) if response.id else None
        response.disposition = None
        response.rationale = ""
        response.revision_ref = ""
        response.content_version_id = None
        response.response_group_id = group.id
        response.group = group
        response.decided_by_id = actor.id
        response.decided_at = utcnow()
    db.session.flush()
    record(
        "response.group",
        actor,
        group,
        consultation_id=consultation_id,
        comment_ids=[c.id for c in comments],
        before=before,
        after=_snapshot(response),
    )
    return group


def content_version_belongs(consultation: Consultation, version_id: int) -> bool:
    """True when a ContentVersion is of a section or strategy of this consultation."""
    version = db.session.get(ContentVersion, version_id)
    if version is None:
        return False
    if version.kind == "strategy":
        query = (
            select(Strategy.id)
            .join(Section, Strategy.section_id == Section.id)
            .join(Chapter)
            .where(Strategy.id == version.item_id)
        )
    elif version.kind == "section":
        query = select(Section.id).join(Chapter).where(Section.id == version.item_id)
    else:
        return False
    return db.session.scalar(query.where(Chapter.consultation_id == consultation.id)) is not None


def comments_by_ids(consultation: Consultation, ids: Sequence[int]) -> list[Comment]:
    """Top-level comments of this consultation among ids (others silently left out)."""
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(Comment)
            .where(
                Comment.id.in_(ids),
                Comment.consultation_id == consultation.id,
                Comment.parent_id.is_(None),
            )
            .order_by(Comment.id)
        )
    )


# --- "you said, we did" ---------------------------------------------------------------


def publish_responses(consultation: Consultation, actor: User) -> Consultation:
    """Make the "you said, we did" page visible to the consultation's participants."""
    before = consultation.response_published_at
    consultation.response_published_at = utcnow()
    db.session.flush()
    record(
        "response.publish",
        actor,
        consultation,
        consultation_id=consultation.id,
        before=before.isoformat() if before else None,
        after=consultation.response_published_at.isoformat(),
    )
    return consultation


def unpublish_responses(consultation: Consultation, actor: User) -> Consultation:
    """Withdraw the "you said, we did" page from participants (organisers still preview)."""
    before = consultation.response_published_at
    consultation.response_published_at = None
    db.session.flush()
    record(
        "response.unpublish",
        actor,
        consultation,
        consultation_id=consultation.id,
        before=before.isoformat() if before else None,
        after=None,
    )
    return consultation


def you_said_we_did_query(consultation: Consultation) -> Select:
    """Published top-level comments in plan order, with their responses."""
    return (
        comments_in_plan_order(consultation)
        .where(Comment.status == CommentStatus.PUBLISHED)
        .options(*_comment_loads())
    )


def versions_taking_in(responses: Sequence[CommentResponse | None]) -> dict[int, ContentVersion]:
    """The published versions these responses (or their groups) say took the input in, by id
    (one query). Only versions of the consultation's own plan are ever linked: see
    content_version_belongs and revisions.services.publish_revision."""
    ids = {r.effective_content_version_id for r in responses if r is not None} - {None}
    if not ids:
        return {}
    query = select(ContentVersion).where(ContentVersion.id.in_(sorted(ids)))
    return {version.id: version for version in db.session.scalars(query)}
