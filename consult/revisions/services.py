"""Versions of sections and strategies: publishing a revised text, carrying comment anchors to
it, linking the comments that led to it, and revising the whole plan from a document.

Every function that changes something flushes and records to the audit trail; the caller
commits. `paragraph_index` of a comment always refers to the live text of its item: when a new
version is published the anchors are carried to the matching paragraph of the new text (or
dropped), and the anchor as it was is kept in the audit event ("anchors": {id: [old, new]}).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from consult.audit import AuditEvent, changes, record
from consult.auth.models import User
from consult.extensions import db
from consult.feedback import queries as feedback_queries
from consult.feedback.models import Comment, CommentStatus
from consult.markdown import split_paragraphs
from consult.plans import services as plans_services
from consult.plans.importer import ChapterNode, Outline, SectionNode, StrategyNode
from consult.plans.models import (
    Chapter,
    Consultation,
    ContentVersion,
    Section,
    Strategy,
    kind_of,
    text_of,
)
from consult.reports.models import CommentResponse, ResponseGroup
from consult.revisions.diff import carry_anchor

Item = Section | Strategy
TEXT_FIELDS = ("code", "title", "body", "targets", "time_horizon")


class RevisionError(ValueError):
    """A business rule refused the revision (the view turns it into a message)."""


# --- writing an item's text the same way for sections and strategies (plans.models reads it) --


def _write_text(item: Item, values: dict[str, str]) -> None:
    for name, value in values.items():
        is_description = name == "body" and isinstance(item, Strategy)
        setattr(item, "description" if is_description else name, value)


def consultation_id_of(item: Item) -> int:
    """The consultation of a section or strategy (through its chapter)."""
    section = item if isinstance(item, Section) else item.section
    return section.chapter.consultation_id


# --- versions ----------------------------------------------------------------------------------


def versions_of(item: Item) -> list[ContentVersion]:
    """Every version of an item, oldest first; the live text too when it is not stored yet
    (then as an unsaved ContentVersion without id)."""
    stored = list(
        db.session.scalars(
            select(ContentVersion)
            .where(ContentVersion.kind == kind_of(item), ContentVersion.item_id == item.id)
            .order_by(ContentVersion.version)
        )
    )
    if not any(v.version == item.version for v in stored):
        stored.append(ContentVersion.snapshot(item, None))
    return stored


def find_version(versions: list[ContentVersion], number: int | None) -> ContentVersion | None:
    return next((v for v in versions if v.version == number), None)


def publishers_of(versions: list[ContentVersion]) -> dict[int, User]:
    """Who published each version, by user id (one query)."""
    ids = {v.published_by_id for v in versions if v.published_by_id}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def _item_condition(item: Item):
    if isinstance(item, Section):
        return Comment.section_id == item.id
    return Comment.strategy_id == item.id


def _citable_conditions(item: Item) -> tuple:
    # Published comments only: one hidden, rejected, withdrawn or not yet approved is no
    # public reason for a change.
    return (
        _item_condition(item),
        Comment.parent_id.is_(None),
        Comment.status == CommentStatus.PUBLISHED,
    )


def comments_on_version(
    item: Item, number: int, user: User, consultation: Consultation, page: int, per_page: int
):
    """One page of the top-level comments written on version `number` that the user may see."""
    return db.paginate(
        select(Comment)
        .where(
            _item_condition(item),
            Comment.parent_id.is_(None),
            Comment.target_version == number,
            feedback_queries.visible_condition(user, consultation),
        )
        .order_by(Comment.created_at, Comment.id)
        .options(*feedback_queries.comment_options()),
        page=page,
        per_page=per_page,
        error_out=False,
        count=True,
    )


def linked_comments(
    versions: list[ContentVersion], user: User, consultation: Consultation
) -> dict[int, list[Comment]]:
    """The comments that led to each stored version (their response, or its group, points to
    it), by ContentVersion id, limited to what the user may see (one query)."""
    ids = [v.id for v in versions if v.id is not None]
    if not ids:
        return {}
    version_id = case(
        (CommentResponse.response_group_id.is_(None), CommentResponse.content_version_id),
        else_=ResponseGroup.content_version_id,
    )
    rows = db.session.execute(
        select(version_id, Comment)
        .join(CommentResponse, CommentResponse.comment_id == Comment.id)
        .outerjoin(ResponseGroup, CommentResponse.response_group_id == ResponseGroup.id)
        .where(
            version_id.in_(ids),
            Comment.consultation_id == consultation.id,
            feedback_queries.visible_condition(user, consultation),
        )
        .order_by(Comment.created_at, Comment.id)
        .options(*feedback_queries.comment_options())
    )
    found: dict[int, list[Comment]] = defaultdict(list)
    for cv_id, comment in rows:
        found[cv_id].append(comment)
    return dict(found)


def anchors_on_version(item: Item, number: int, comments: list[Comment]) -> dict[int, int | None]:
    """The paragraph each comment was anchored to on version `number` (anchors follow the live
    text; the audit events of later revisions keep where they were)."""
    anchors = {c.id: c.paragraph_index for c in comments}
    if not comments:
        return anchors
    events = db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.action == f"{kind_of(item)}.revised",
            AuditEvent.object_type == kind_of(item),
            AuditEvent.object_id == item.id,
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    # Newest first: the earliest revision from `number` on that moved an anchor wins.
    for event in events:
        versions = event.data.get("version") or [0, 0]
        if versions[0] < number:
            continue
        for comment_id, (before, _after) in (event.data.get("anchors") or {}).items():
            if int(comment_id) in anchors:
                anchors[int(comment_id)] = before
    return anchors


# --- publishing a revised text -----------------------------------------------------------------


def _clean(data: dict[str, Any], item: Item) -> dict[str, str]:
    names = TEXT_FIELDS if isinstance(item, Strategy) else TEXT_FIELDS[:3]
    return {name: (data.get(name) or "").strip() for name in names if name in data}


def _carry_anchors(item: Item, old_text: str, new_text: str) -> dict[str, list[int | None]]:
    """Move anchored comments to the matching paragraph of the new text; {id: [old, new]}."""
    old_paragraphs, new_paragraphs = split_paragraphs(old_text), split_paragraphs(new_text)
    if old_paragraphs == new_paragraphs:
        return {}
    moved: dict[str, list[int | None]] = {}
    for comment in db.session.scalars(
        select(Comment).where(_item_condition(item), Comment.paragraph_index.is_not(None))
    ):
        new_index = carry_anchor(comment.paragraph_index, old_paragraphs, new_paragraphs)
        if new_index != comment.paragraph_index:
            moved[str(comment.id)] = [comment.paragraph_index, new_index]
            comment.paragraph_index = new_index
    return moved


def _link_comments(
    item: Item, version: ContentVersion, comment_ids: list[int], actor: User
) -> list[int]:
    """Point the responses of these comments of the item to the new version; returns the ids
    linked. A comment without a response gets an undecided one (disposition left to the
    response matrix); a response answered in a group links the group if it has no version."""
    if not comment_ids:
        return []
    comments = list(
        db.session.scalars(
            select(Comment).where(Comment.id.in_(comment_ids), *_citable_conditions(item))
        )
    )
    responses = {
        r.comment_id: r
        for r in db.session.scalars(
            select(CommentResponse).where(CommentResponse.comment_id.in_([c.id for c in comments]))
        )
    }
    linked = []
    for comment in comments:
        response = responses.get(comment.id)
        if response is None:
            response = CommentResponse(
                comment_id=comment.id,
                consultation_id=comment.consultation_id,
                rationale="",
                decided_by_id=actor.id,
            )
            db.session.add(response)
        if response.group is not None:
            if response.group.content_version_id is not None:
                continue  # the group already went into another version: leave its decision
            response.group.content_version_id = version.id
        else:
            response.content_version_id = version.id
        linked.append(comment.id)
    return linked


def publish_revision(
    item: Item, actor: User, data: dict[str, Any], consultation_id: int | None = None
) -> ContentVersion:
    """Publish a revised text of a section or strategy as its next version.

    The current text is stored as version n first (if it is not yet), the live row gets the
    new text and version n + 1, anchored comments move with their paragraph, and the comments
    in data["comment_ids"] are linked to the new version. Raises RevisionError when the text
    is unchanged.
    """
    consultation_id = consultation_id or consultation_id_of(item)
    values = _clean(data, item)
    before = text_of(item)
    diff = changes(_TextView(before), values)
    if not diff:
        raise RevisionError("unchanged")
    exists = db.session.scalar(
        select(ContentVersion).where(
            ContentVersion.kind == kind_of(item),
            ContentVersion.item_id == item.id,
            ContentVersion.version == item.version,
        )
    )
    if exists is None:
        db.session.add(ContentVersion.snapshot(item, actor))
    _write_text(item, values)
    old_number = item.version
    item.version = old_number + 1
    version = ContentVersion.snapshot(item, actor, note=(data.get("note") or "").strip())
    db.session.add(version)
    db.session.flush()
    anchors = _carry_anchors(item, before["body"], text_of(item)["body"])
    linked = _link_comments(item, version, list(data.get("comment_ids") or []), actor)
    db.session.flush()
    record(
        f"{kind_of(item)}.revised",
        actor,
        item,
        consultation_id=consultation_id,
        version=[old_number, item.version],
        content_version_id=version.id,
        note=version.note,
        before=before,
        after=text_of(item),
        changes=diff,
        anchors=anchors,
        linked_comment_ids=linked,
        source=data.get("source", "form"),
    )
    return version


class _TextView:
    """Lets audit.changes compare against a plain dict of field values."""

    def __init__(self, values: dict[str, str]) -> None:
        self.__dict__.update(values)


def comment_choices(item: Item, consultation: Consultation) -> list[Comment]:
    """The item's top-level comments an organiser may cite as reasons for a revision."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(*_citable_conditions(item))
            .order_by(Comment.created_at, Comment.id)
            .options(selectinload(Comment.author), selectinload(Comment.group))
        )
    )


# --- revising the whole plan from a document ---------------------------------------------------


def normalise_title(title: str) -> str:
    """Case, punctuation and spacing do not make a title different."""
    return " ".join(re.sub(r"[^\w]+", " ", title.casefold()).split())


class _Matcher:
    """Finds existing items for outline nodes: by code first, then by normalised title; each
    existing item is matched at most once."""

    def __init__(self, items: list) -> None:
        self.items = items
        self.taken: set[int] = set()

    def take(self, node):
        for rule in (
            lambda item: node.code and item.code == node.code,
            lambda item: normalise_title(item.title) == normalise_title(node.title),
        ):
            for item in self.items:
                if item.id not in self.taken and rule(item):
                    self.taken.add(item.id)
                    return item
        return None

    def missing(self) -> list:
        return [item for item in self.items if item.id not in self.taken]


def node_text(node: SectionNode | StrategyNode, item: Item | None) -> dict[str, str]:
    """The text an outline node gives, under ContentVersion's names. An empty code in the
    document keeps the code the item has."""
    code = node.code or (item.code if item is not None else "")
    if isinstance(node, SectionNode):
        return {"code": code, "title": node.title, "body": node.body}
    return {
        "code": code,
        "title": node.title,
        "body": node.description,
        "targets": node.targets,
        "time_horizon": node.time_horizon,
    }


@dataclass
class Entry:
    """One section or strategy of the revised document and what would happen to it."""

    kind: str  # "section" or "strategy"
    node: SectionNode | StrategyNode
    item: Item | None
    status: str  # "changed", "unchanged" or "new"
    parent: int | None = None  # strategies: index of their section's entry
    chapter: int | None = None  # sections: index into RevisionPlan.chapters

    @property
    def before(self) -> dict[str, str]:
        return text_of(self.item) if self.item is not None else {}

    @property
    def after(self) -> dict[str, str]:
        return node_text(self.node, self.item)


@dataclass
class RevisionPlan:
    chapters: list[tuple[ChapterNode, Chapter | None]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    missing: list[Item] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "changed": self.count("changed"),
            "unchanged": self.count("unchanged"),
            "new": self.count("new"),
            "missing": len(self.missing),
        }


def plan_revision(consultation: Consultation, outline: Outline) -> RevisionPlan:
    """Match a revised outline against the plan: which items change, stay, are new, are
    missing. Reads only; nothing is changed."""
    chapters = plans_services.plan_structure(consultation)
    sections = [s for c in chapters for s in c.sections]
    strategies = [t for s in sections for t in s.strategies]
    chapter_matcher, section_matcher = _Matcher(chapters), _Matcher(sections)
    strategy_matcher = _Matcher(strategies)
    plan = RevisionPlan()
    for chapter_node in outline.chapters:
        plan.chapters.append((chapter_node, chapter_matcher.take(chapter_node)))
        for section_node in chapter_node.sections:
            section_entry = _entry("section", section_node, section_matcher.take(section_node))
            section_entry.chapter = len(plan.chapters) - 1
            plan.entries.append(section_entry)
            parent = len(plan.entries) - 1
            for strategy_node in section_node.strategies:
                entry = _entry("strategy", strategy_node, strategy_matcher.take(strategy_node))
                entry.parent = parent
                plan.entries.append(entry)
    plan.missing = section_matcher.missing() + strategy_matcher.missing()
    return plan


def _entry(kind: str, node, item: Item | None) -> Entry:
    if item is None:
        return Entry(kind, node, None, "new")
    status = "unchanged" if text_of(item) == node_text(node, item) else "changed"
    return Entry(kind, node, item, status)


def apply_revision(
    consultation: Consultation, outline: Outline, actor: User, note: str = ""
) -> RevisionPlan:
    """Apply a revised outline: changed items get a new version, new items are added (after
    the existing ones of their chapter or section), missing items are left as they are."""
    plan = plan_revision(consultation, outline)
    chapters: list[Chapter | None] = [chapter for _node, chapter in plan.chapters]
    for entry in plan.entries:
        if entry.status == "changed":
            publish_revision(
                entry.item,
                actor,
                {**entry.after, "note": note, "source": "document"},
                consultation_id=consultation.id,
            )
        elif entry.status == "new" and entry.kind == "section":
            chapter = chapters[entry.chapter]
            if chapter is None:
                chapter_node = plan.chapters[entry.chapter][0]
                chapter = plans_services.add_chapter(
                    consultation,
                    actor,
                    {
                        "code": chapter_node.code,
                        "title": chapter_node.title,
                        "body": chapter_node.body,
                    },
                )
                chapters[entry.chapter] = chapter
            entry.item = plans_services.add_section(chapter, actor, entry.after)
        elif entry.status == "new":
            parent = plan.entries[entry.parent].item
            values = entry.after
            values["description"] = values.pop("body")
            entry.item = plans_services.add_strategy(parent, actor, values)
    db.session.flush()
    record(
        "plan.revised",
        actor,
        consultation,
        consultation_id=consultation.id,
        note=note,
        counts=plan.counts,
        missing=[[kind_of(item), item.id] for item in plan.missing],
    )
    return plan
