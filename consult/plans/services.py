"""Consultations and their plan: create, edit, publish, content, criteria, import.

Every function flushes and records to the audit trail; the caller commits.
"""

import re
from typing import Any

from flask import abort, redirect
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager, lazyload, selectinload

from consult.audit import changes, record
from consult.auth.models import User
from consult.extensions import db
from consult.notifications import NotificationKind, notify
from consult.permissions import (
    can_read_publicly,
    can_view,
    is_admin,
    managed_consultation_ids,
    remember_membership,
    require_manage,
    require_view,
)
from consult.plans.importer import Outline
from consult.plans.models import (
    Chapter,
    Consultation,
    ConsultationState,
    ContentVersion,
    Criterion,
    MemberRole,
    Membership,
    Section,
    Strategy,
)
from consult.timeutil import utcnow
from consult.urls import app_path, public_twin_of_request

DEFAULT_SCALE_LABELS = "Sangat rendah\nRendah\nSedang\nTinggi\nSangat tinggi"
DEFAULT_SCALE_LABELS_EN = "Very low\nLow\nMedium\nHigh\nVery high"
DEFAULT_CRITERIA = [  # (key, Indonesian name, English name)
    ("relevance", "Relevansi", "Relevance"),
    ("priority", "Prioritas", "Priority"),
    ("feasibility", "Kelayakan", "Feasibility"),
]
CONSULTATION_FIELDS = (
    "title",
    "summary",
    "department",
    "pre_opens_at",
    "pre_closes_at",
    "post_opens_at",
    "post_closes_at",
    "comment_visibility",
    "moderation_mode",
    "retention_months",
    "visibility",
    "public_author_names",
    "public_premoderation",
)
CHAPTER_FIELDS = ("code", "title", "body")
SECTION_FIELDS = ("code", "title", "body")
STRATEGY_FIELDS = ("code", "title", "description", "targets", "time_horizon")
# Which states a consultation may move to from each state.
TRANSITIONS = {
    ConsultationState.DRAFT: {ConsultationState.PUBLISHED},
    ConsultationState.PUBLISHED: {ConsultationState.CLOSED},
    ConsultationState.CLOSED: {ConsultationState.PUBLISHED, ConsultationState.ARCHIVED},
    ConsultationState.ARCHIVED: set(),
}


class PlanRuleError(Exception):
    """A business rule refused the change; str() is a translated message for the user."""


# --- loading ----------------------------------------------------------------------------------


def _with_membership(consultation_id: int, user: User) -> Select:
    # The user's membership comes with it: every permission check on the page needs it. Its
    # user is the one already loaded, found in the session when asked for, not joined again.
    return (
        select(Consultation, Membership)
        .outerjoin(
            Membership,
            and_(Membership.consultation_id == Consultation.id, Membership.user_id == user.id),
        )
        .where(Consultation.id == consultation_id)
        .options(lazyload(Membership.user))
    )


def admitted(row, user: User) -> Consultation:
    """The consultation of a row loaded with the user's membership; 404 unless visible."""
    if row is None:
        abort(404)
    consultation, membership = row[0], row[1]
    remember_membership(user, consultation, membership)
    if not can_view(user, consultation) and can_read_publicly(consultation):
        # A signed-in outsider following a member's link: the same page under /p/, if any.
        twin = public_twin_of_request()
        if twin is not None:
            abort(redirect(twin))
    require_view(user, consultation)
    return consultation



def get_consultation(consultation_id: int, user: User) -> Consultation:
    """The consultation, or 404 when it does not exist or the user may not see it."""
    if getattr(user, "is_authenticated", False):
        return admitted(db.session.execute(_with_membership(consultation_id, user)).first(), user)
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        abort(404)
    require_view(user, consultation)
    return consultation


def get_managed_consultation(consultation_id: int, user: User) -> Consultation:
    """The consultation the user runs: 404 when they cannot see it, 403 when they only take part."""
    consultation = get_consultation(consultation_id, user)
    require_manage(user, consultation)
    return consultation


def visible_consultations_query(user: User) -> Select:
    """Consultations in the user's list: member of (drafts only as organiser); admins all."""
    query = select(Consultation).order_by(Consultation.created_at.desc(), Consultation.id.desc())
    if is_admin(user):
        return query
    membership = select(Membership.consultation_id, Membership.role).where(
        Membership.user_id == user.id
    )
    mine = membership.subquery()
    return query.join(mine, mine.c.consultation_id == Consultation.id).where(
        or_(
            Consultation.state != ConsultationState.DRAFT,
            Consultation.id.in_(managed_consultation_ids(user)),
        )
    )


def managed_ids(consultations: list[Consultation], user: User) -> set[int]:
    """Ids of those consultations the user runs (organises, or any as an admin; one query)."""
    if not consultations:
        return set()
    return set(
        db.session.scalars(
            select(Consultation.id).where(
                Consultation.id.in_([c.id for c in consultations]),
                Consultation.id.in_(managed_consultation_ids(user)),
            )
        )
    )


def plan_structure(consultation: Consultation) -> list[Chapter]:
    """Chapters with their sections and strategies, in order, in three queries."""
    return list(
        db.session.scalars(
            select(Chapter)
            .where(Chapter.consultation_id == consultation.id)
            .order_by(Chapter.position, Chapter.id)
            .options(selectinload(Chapter.sections).selectinload(Section.strategies))
        )
    )


def get_chapter(consultation: Consultation, chapter_id: int) -> Chapter:
    chapter = db.session.get(Chapter, chapter_id)
    if chapter is None or chapter.consultation_id != consultation.id:
        abort(404)
    return chapter


def get_section(consultation: Consultation, section_id: int) -> Section:
    """A section of this consultation (with its chapter), or 404."""
    section = db.session.scalar(
        select(Section)
        .join(Chapter)
        .where(Section.id == section_id, Chapter.consultation_id == consultation.id)
        .options(contains_eager(Section.chapter))
    )
    if section is None:
        abort(404)
    return section


def get_strategy(consultation: Consultation, strategy_id: int) -> Strategy:
    """A strategy of this consultation (with its section and chapter), or 404."""
    strategy = db.session.scalar(
        select(Strategy)
        .join(Section)
        .join(Chapter)
        .where(Strategy.id == strategy_id, Chapter.consultation_id == consultation.id)
        .options(contains_eager(Strategy.section).contains_eager(Section.chapter))
    )
    if strategy is None:
        abort(404)
    return strategy


def criteria_of(consultation: Consultation) -> list[Criterion]:
    return list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.consultation_id == consultation.id)
            .order_by(Criterion.position, Criterion.id)
        )
    )


def get_criterion(consultation: Consultation, criterion_id: int) -> Criterion:
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None or criterion.consultation_id != consultation.id:
        abort(404)
    return criterion


def rated_criterion_ids(consultation: Consultation) -> set[int]:
    """Criteria somebody has already rated on (they may no longer be removed)."""
    # The rating table belongs to the feedback feature, which sits above plans: reach it
    # through the shared metadata rather than importing that feature's models.
    rating = db.metadata.tables["rating"]
    return set(
        db.session.scalars(
            select(rating.c.criterion_id)
            .where(rating.c.consultation_id == consultation.id)
            .distinct()
        )
    )


# --- consultations ----------------------------------------------------------------------------


def _consultation_values(data: dict[str, Any]) -> dict[str, Any]:
    return {key: data[key] for key in CONSULTATION_FIELDS if key in data}


def create_consultation(actor: User, data: dict[str, Any]) -> Consultation:
    """A draft consultation with the default criteria; the creator becomes its organiser."""
    consultation = Consultation(created_by_id=actor.id, **_consultation_values(data))
    db.session.add(consultation)
    db.session.flush()
    for position, (key, label, label_en) in enumerate(DEFAULT_CRITERIA):
        db.session.add(
            Criterion(
                consultation_id=consultation.id,
                key=key,
                label=label,
                label_en=label_en,
                position=position,
                scale_max=5,
                scale_labels=DEFAULT_SCALE_LABELS,
                scale_labels_en=DEFAULT_SCALE_LABELS_EN,
            )
        )
    db.session.add(
        Membership(consultation_id=consultation.id, user_id=actor.id, role=MemberRole.ORGANISER)
    )
    db.session.flush()
    record(
        "consultation.created",
        actor,
        consultation,
        consultation_id=consultation.id,
        title=consultation.title,
    )
    return consultation


def update_consultation(
    consultation: Consultation, actor: User, data: dict[str, Any]
) -> Consultation:
    """Edit the details and windows (extending a window is just this); audited before/after."""
    values = _consultation_values(data)
    diff = changes(consultation, values)
    if not diff:
        return consultation
    for key, value in values.items():
        setattr(consultation, key, value)
    db.session.flush()
    record(
        "consultation.updated", actor, consultation, consultation_id=consultation.id, changes=diff
    )
    return consultation


def _move_to(consultation: Consultation, actor: User, state: ConsultationState, action: str):
    if state not in TRANSITIONS[consultation.state]:
        raise PlanRuleError(state)
    before = consultation.state
    consultation.state = state
    db.session.flush()
    record(
        action,
        actor,
        consultation,
        consultation_id=consultation.id,
        changes={"state": [before.value, state.value]},
    )
    return consultation


def fgd_span(consultation: Consultation) -> tuple:
    """(start of the first FGD session, end of the last) in naive UTC, or (None, None).

    Read through the table, not consult.fgd's model: FGD sessions build on plans, not the
    other way round.
    """
    table = db.metadata.tables["fgd_session"]
    row = db.session.execute(
        select(func.min(table.c.starts_at), func.max(table.c.ends_at)).where(
            table.c.consultation_id == consultation.id
        )
    ).one()
    return row[0], row[1]


def publish_consultation(consultation: Consultation, actor: User) -> Consultation:
    """Draft (or closed, to reopen) → published; the current texts become published versions."""
    _snapshot_versions(consultation, actor)
    first_time = consultation.state == ConsultationState.DRAFT
    action = (
        "consultation.reopened"
        if consultation.state == ConsultationState.CLOSED
        else "consultation.published"
    )
    _move_to(consultation, actor, ConsultationState.PUBLISHED, action)
    if first_time:
        notify_participants_of_publication(consultation)
    return consultation


def notify_participants_of_publication(consultation: Consultation) -> int:
    """Tell every participant invited while it was a draft that it is open (in-app and mail)."""
    members = db.session.scalars(
        select(Membership)
        .where(
            Membership.consultation_id == consultation.id,
            Membership.role == MemberRole.PARTICIPANT,
        )
        .options(selectinload(Membership.user))
    ).all()
    link = app_path("feedback.consultation_overview", consultation_id=consultation.id)
    told = 0
    for member in members:
        if member.user.is_active_account:
            notify(
                member.user,
                NotificationKind.CONSULTATION_PUBLISHED,
                link=link,
                consultation=consultation.title,
            )
            told += 1
    return told


def close_consultation(consultation: Consultation, actor: User) -> Consultation:
    """Published → closed: no more input."""
    return _move_to(consultation, actor, ConsultationState.CLOSED, "consultation.closed")


def archive_consultation(consultation: Consultation, actor: User) -> Consultation:
    """Closed → archived: kept read-only for the record; retention counts from now."""
    _move_to(consultation, actor, ConsultationState.ARCHIVED, "consultation.archived")
    consultation.archived_at = utcnow()
    db.session.flush()
    return consultation


def _snapshot_versions(consultation: Consultation, actor: User) -> None:
    """Store a ContentVersion for every section and strategy text not stored yet."""
    chapters = plan_structure(consultation)
    sections = [s for c in chapters for s in c.sections]
    strategies = [t for s in sections for t in s.strategies]
    existing = set(
        db.session.execute(
            select(ContentVersion.kind, ContentVersion.item_id, ContentVersion.version).where(
                or_(
                    and_(
                        ContentVersion.kind == "section",
                        ContentVersion.item_id.in_([s.id for s in sections] or [0]),
                    ),
                    and_(
                        ContentVersion.kind == "strategy",
                        ContentVersion.item_id.in_([t.id for t in strategies] or [0]),
                    ),
                )
            )
        ).tuples()
    )
    for item in sections + strategies:
        kind = "section" if isinstance(item, Section) else "strategy"
        if (kind, item.id, item.version) not in existing:
            db.session.add(ContentVersion.snapshot(item, actor))
    db.session.flush()


# --- content ----------------------------------------------------------------------------------


def _next_position(column, *where) -> int:
    return (db.session.scalar(select(func.max(column)).where(*where)) or 0) + 1


def _values(data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {key: (data.get(key) or "").strip() for key in fields if key in data}


def add_chapter(consultation: Consultation, actor: User, data: dict[str, Any]) -> Chapter:
    """Append a chapter at the end of the plan."""
    chapter = Chapter(
        consultation_id=consultation.id,
        position=_next_position(Chapter.position, Chapter.consultation_id == consultation.id),
        **_values(data, CHAPTER_FIELDS),
    )
    db.session.add(chapter)
    db.session.flush()
    record("chapter.added", actor, chapter, consultation_id=consultation.id, title=chapter.title)
    return chapter


def add_section(chapter: Chapter, actor: User, data: dict[str, Any]) -> Section:
    """Append a section at the end of a chapter."""
    section = Section(
        chapter_id=chapter.id,
        position=_next_position(Section.position, Section.chapter_id == chapter.id),
        **_values(data, SECTION_FIELDS),
    )
    db.session.add(section)
    db.session.flush()
    record(
        "section.added",
        actor,
        section,
        consultation_id=chapter.consultation_id,
        title=section.title,
    )
    return section


def add_strategy(section: Section, actor: User, data: dict[str, Any]) -> Strategy:
    """Append a strategy at the end of a section."""
    strategy = Strategy(
        section_id=section.id,
        position=_next_position(Strategy.position, Strategy.section_id == section.id),
        **_values(data, STRATEGY_FIELDS),
    )
    db.session.add(strategy)
    db.session.flush()
    record(
        "strategy.added",
        actor,
        strategy,
        consultation_id=section.chapter.consultation_id,
        title=strategy.title,
    )
    return strategy


def _update_item(item, actor: User, values: dict[str, Any], consultation: Consultation, kind: str):
    diff = changes(item, values)
    if not diff:
        return item
    versioned = consultation.state != ConsultationState.DRAFT and isinstance(
        item, Section | Strategy
    )
    if versioned:
        # Participants may have commented on the old text: keep it, number the new one.
        _keep_version(item, actor)
    for key, value in values.items():
        setattr(item, key, value)
    if versioned:
        item.version += 1
        db.session.add(ContentVersion.snapshot(item, actor))
    db.session.flush()
    record(f"{kind}.updated", actor, item, consultation_id=consultation.id, changes=diff)
    return item


def _keep_version(item: Section | Strategy, actor: User) -> None:
    """Store the text as it was before this edit, unless it is stored already."""
    kind = "section" if isinstance(item, Section) else "strategy"
    exists = db.session.scalar(
        select(ContentVersion.id).where(
            ContentVersion.kind == kind,
            ContentVersion.item_id == item.id,
            ContentVersion.version == item.version,
        )
    )
    if exists is None:
        db.session.add(ContentVersion.snapshot(item, actor))


def update_chapter(chapter: Chapter, actor: User, data: dict[str, Any]) -> Chapter:
    """Edit a chapter's code, title and body; audited before/after."""
    consultation = chapter.consultation
    return _update_item(chapter, actor, _values(data, CHAPTER_FIELDS), consultation, "chapter")


def update_section(section: Section, actor: User, data: dict[str, Any]) -> Section:
    """Edit a section; audited before/after, a new version once the plan is published."""
    consultation = section.chapter.consultation
    return _update_item(section, actor, _values(data, SECTION_FIELDS), consultation, "section")


def update_strategy(strategy: Strategy, actor: User, data: dict[str, Any]) -> Strategy:
    """Edit a strategy; audited before/after, a new version once the plan is published."""
    consultation = strategy.section.chapter.consultation
    return _update_item(strategy, actor, _values(data, STRATEGY_FIELDS), consultation, "strategy")


def move_item(item: Chapter | Section | Strategy, actor: User, offset: int) -> bool:
    """Swap an item with its neighbour above (offset -1) or below (+1); False at the edge."""
    model = type(item)
    if isinstance(item, Chapter):
        siblings_of = Chapter.consultation_id == item.consultation_id
        consultation_id = item.consultation_id
    elif isinstance(item, Section):
        siblings_of = Section.chapter_id == item.chapter_id
        consultation_id = item.chapter.consultation_id
    else:
        siblings_of = Strategy.section_id == item.section_id
        consultation_id = item.section.chapter.consultation_id
    siblings = list(
        db.session.scalars(select(model).where(siblings_of).order_by(model.position, model.id))
    )
    index = siblings.index(item)
    target = index + (1 if offset > 0 else -1)
    if not 0 <= target < len(siblings):
        return False
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings, 1):
        sibling.position = position
    db.session.flush()
    record(
        f"{model.__tablename__}.moved",
        actor,
        item,
        consultation_id=consultation_id,
        direction="up" if offset < 0 else "down",
    )
    return True


# --- criteria ---------------------------------------------------------------------------------


def _criterion_key(consultation: Consultation, label: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:30] or "criterion"
    taken = set(
        db.session.scalars(
            select(Criterion.key).where(Criterion.consultation_id == consultation.id)
        )
    )
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


def _labels(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _english_criterion_values(data: dict[str, Any]) -> dict[str, str]:
    """The optional English name, description and scale labels given in data (blank: the
    Indonesian ones are shown in English too; absent: left as they are)."""
    values = {
        "label_en": (data.get("label_en") or "").strip(),
        "description_en": (data.get("description_en") or "").strip(),
        "scale_labels_en": "\n".join(_labels(data.get("scale_labels_en") or "")),
    }
    return {key: value for key, value in values.items() if key in data}


def add_criterion(consultation: Consultation, actor: User, data: dict[str, Any]) -> Criterion:
    """Add a rating criterion; its scale has as many points as labels given."""
    labels = _labels(data["scale_labels"])
    criterion = Criterion(
        consultation_id=consultation.id,
        key=_criterion_key(consultation, data["label"]),
        label=data["label"].strip(),
        description=(data.get("description") or "").strip(),
        position=_next_position(Criterion.position, Criterion.consultation_id == consultation.id),
        scale_max=len(labels),
        scale_labels="\n".join(labels),
        **_english_criterion_values(data),
    )
    db.session.add(criterion)
    db.session.flush()
    record(
        "criterion.added",
        actor,
        criterion,
        consultation_id=consultation.id,
        label=criterion.label,
    )
    return criterion


def update_criterion(criterion: Criterion, actor: User, data: dict[str, Any]) -> Criterion:
    """Edit a criterion's label, description and scale labels; audited before/after.

    The number of scale points may only change while nobody has rated on the criterion.
    """
    labels = _labels(data["scale_labels"])
    values = {
        "label": data["label"].strip(),
        "description": (data.get("description") or "").strip(),
        "scale_labels": "\n".join(labels),
        "scale_max": len(labels),
        **_english_criterion_values(data),
    }
    if values["scale_max"] != criterion.scale_max and criterion.id in rated_criterion_ids(
        criterion.consultation
    ):
        raise PlanRuleError("scale_in_use")
    diff = changes(criterion, values)
    if diff:
        for key, value in values.items():
            setattr(criterion, key, value)
        db.session.flush()
        record(
            "criterion.updated",
            actor,
            criterion,
            consultation_id=criterion.consultation_id,
            changes=diff,
        )
    return criterion


def remove_criterion(criterion: Criterion, actor: User) -> None:
    """Remove a criterion nobody has rated on yet (raises PlanRuleError otherwise)."""
    if criterion.id in rated_criterion_ids(criterion.consultation):
        raise PlanRuleError("criterion_in_use")
    record(
        "criterion.removed",
        actor,
        criterion,
        consultation_id=criterion.consultation_id,
        key=criterion.key,
        label=criterion.label,
    )
    db.session.delete(criterion)
    db.session.flush()


# --- import -----------------------------------------------------------------------------------


def apply_outline(consultation: Consultation, outline: Outline, actor: User) -> dict[str, int]:
    """Append an imported outline after the existing chapters; returns the counts added."""
    position = _next_position(Chapter.position, Chapter.consultation_id == consultation.id)
    for chapter_position, node in enumerate(outline.chapters, position):
        chapter = Chapter(
            consultation_id=consultation.id,
            position=chapter_position,
            code=node.code,
            title=node.title,
            body=node.body,
        )
        db.session.add(chapter)
        db.session.flush()
        for section_position, section_node in enumerate(node.sections, 1):
            section = Section(
                chapter_id=chapter.id,
                position=section_position,
                code=section_node.code,
                title=section_node.title,
                body=section_node.body,
            )
            db.session.add(section)
            db.session.flush()
            for strategy_position, strategy_node in enumerate(section_node.strategies, 1):
                db.session.add(
                    Strategy(
                        section_id=section.id,
                        position=strategy_position,
                        code=strategy_node.code,
                        title=strategy_node.title,
                        description=strategy_node.description,
                        targets=strategy_node.targets,
                        time_horizon=strategy_node.time_horizon,
                    )
                )
    db.session.flush()
    counts = outline.counts
    record("plan.imported", actor, consultation, consultation_id=consultation.id, **counts)
    return counts
