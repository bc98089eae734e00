"""Rows of an export: one set that every format writes (comments, participants, tables).

Comments are read per place in the plan (yield_per CHUNK, authors by id), so memory stays
flat as the data grows.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.auth.models import StakeholderGroup, User, display_name_of
from consult.auth.services import group_names as localized_group_names
from consult.bilingual import pick
from consult.extensions import db
from consult.feedback.models import Comment
from consult.plans.models import Consultation, MemberRole, Membership
from consult.reports import anonymity
from consult.reports.anonymity import min_group_size
from consult.reports.exports.identities import Identities
from consult.reports.exports.options import ExportFilters, Progress, Steps
from consult.reports.exports.ratings import (
    SUMMARY_COLUMNS,
    RatingTables,
    group_columns,
    group_rows,
    rating_tables,
    summary_rows,
)
from consult.reports.exports.shift import SHIFT_COLUMNS, SHIFT_KINDS, shift_table_rows
from consult.reports.models import CommentResponse, ResponseGroup
from consult.reports.services import plan_targets, top_level_comments_of
from consult.timeutil import utc_to_local
from consult.urls import public_url

CHUNK = 500


def _when(value) -> str:
    return utc_to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _link(consultation_id: int, strategy_id, section_id) -> str:
    """The public address of a strategy's or section's page; a comment's link adds its anchor."""
    if strategy_id is not None:
        return public_url(
            "feedback.show_strategy", consultation_id=consultation_id, strategy_id=strategy_id
        )
    return public_url(
        "feedback.show_section", consultation_id=consultation_id, section_id=section_id
    )


def _authors(user_ids: set[int]) -> dict[int, tuple]:
    """(id, name, organisation, email) of these users, read by id CHUNK at a time; an erased
    account's name is its pseudonym in the export's language."""
    ids = sorted(user_ids)
    found = {}
    for start in range(0, len(ids), CHUNK):
        query = (
            select(
                User.id,
                User.name,
                User.organisation,
                User.email,
                User.erased_at,
                StakeholderGroup.name,
                StakeholderGroup.name_en,
            )
            .outerjoin(StakeholderGroup, User.group_id == StakeholderGroup.id)
            .where(User.id.in_(ids[start : start + CHUNK]))
        )
        for user_id, name, organisation, email, erased_at, group, group_en in db.session.execute(
            query
        ):
            name = _shown_name(name, erased_at, group, group_en)
            found[user_id] = (user_id, name, organisation, email)
    return found


def _shown_name(name: str, erased_at, group: str | None, group_en: str | None) -> str:
    """The stored name, or an erased account's pseudonym in the export's language (the stored
    one is Indonesian)."""
    return display_name_of(name, erased_at, pick(group, group_en) if group else None)


COMMENT_COLUMNS = [
    ("id", _l("ID")),
    ("parent_id", _l("Reply to")),
    ("chapter", _l("Chapter")),
    ("section", _l("Section")),
    ("strategy", _l("Strategy")),
    ("type", _l("Type")),
    ("status", _l("Status")),
    ("phase", _l("Phase")),
    ("source", _l("Source")),
    ("group", _l("Stakeholder group")),
    ("author", _l("Author")),
    ("organisation", _l("Organisation")),
    ("email", _l("E-mail")),
    ("created_at", _l("Written (WIB)")),
    ("body", _l("Comment")),
    ("proposed_wording", _l("Proposed wording")),
    ("reference", _l("Reference")),
    ("disposition", _l("Disposition")),
    ("rationale", _l("Rationale")),
    ("revision_ref", _l("Taken into revision")),
    ("content_version_id", _l("Published version id")),
    ("response_group_id", _l("Answered together (group id)")),
    ("url", _l("Link")),
]


def iter_comments(
    consultation: Consultation,
    filters: ExportFilters,
    identities: Identities,
    targets: list | None = None,
    steps: Steps | None = None,
) -> Iterator[dict[str, Any]]:
    """Every comment in thread order (a top-level comment, then its replies), as plain rows.

    Filters apply to top-level comments; replies follow their parent (status filter too).
    Hidden, rejected and withdrawn comments are included, marked by their status.
    `targets` are the plan's places (plan_targets) if already read; `steps` counts them.
    """
    group_names = localized_group_names()
    # Plain columns, not ORM objects: building objects was most of the time per comment.
    columns = (
        Comment.id,
        Comment.parent_id,
        Comment.strategy_id,
        Comment.type,
        Comment.status,
        Comment.phase,
        Comment.source,
        Comment.created_at,
        Comment.body,
        Comment.proposed_wording,
        Comment.reference,
        Comment.author_id,
        Comment.group_id,
        CommentResponse.id.label("response_id"),
        CommentResponse.disposition,
        CommentResponse.rationale,
        CommentResponse.revision_ref,
        CommentResponse.content_version_id,
        CommentResponse.response_group_id,
        ResponseGroup.id.label("group_response_id"),
        ResponseGroup.disposition.label("group_disposition"),
        ResponseGroup.rationale.label("group_rationale"),
        ResponseGroup.revision_ref.label("group_revision_ref"),
        ResponseGroup.content_version_id.label("group_content_version_id"),
    )

    def joined(query):
        return query.outerjoin(CommentResponse, CommentResponse.comment_id == Comment.id).outerjoin(
            ResponseGroup, CommentResponse.response_group_id == ResponseGroup.id
        )

    links: dict[tuple[int | None, int], str] = {}

    def row(comment, place: dict[str, Any], section_id: int, authors: dict) -> dict:
        group_name = identities.group_name(comment.group_id, group_names.get(comment.group_id))
        author = authors.get(comment.author_id)
        if author is None:
            name, organisation, email = identities.person(None, None, None, None, group_name)
        else:
            name, organisation, email = identities.person(*author, group_name)
        link = links.get((comment.strategy_id, section_id))
        if link is None:
            link = _link(consultation.id, comment.strategy_id, section_id)
            links[(comment.strategy_id, section_id)] = link
        # A grouped answer speaks for the comment; otherwise its own response, if any.
        if comment.group_response_id is not None:
            disposition = comment.group_disposition
            rationale = comment.group_rationale
            revision_ref = comment.group_revision_ref
            content_version_id = comment.group_content_version_id
        elif comment.response_id is not None:
            disposition = comment.disposition
            rationale = comment.rationale
            revision_ref = comment.revision_ref
            content_version_id = comment.content_version_id
        else:
            disposition, rationale, revision_ref, content_version_id = None, "", "", None
        return {
            "id": comment.id,
            "parent_id": comment.parent_id,
            **place,
            "type": comment.type.value,
            "status": comment.status.value,
            "phase": comment.phase.value if comment.phase else "",
            "source": comment.source.value,
            "group": group_name or "",
            "author": name,
            "organisation": organisation,
            "email": email,
            "created_at": _when(comment.created_at),
            "body": comment.body,
            "proposed_wording": comment.proposed_wording,
            "reference": comment.reference,
            "disposition": disposition.value if disposition else "",
            "rationale": rationale,
            "revision_ref": revision_ref,
            "content_version_id": content_version_id,
            "response_group_id": comment.response_group_id,
            "url": f"{link}#comment-{comment.id}",
        }

    # One query per section and strategy in plan order, not one over the whole consultation:
    # sorting every comment at once grows faster than the comments and spills to disk.
    if targets is None:
        targets = plan_targets(consultation)
    for strategy, section, chapter in _chosen(targets, filters):
        if withheld(filters, identities):
            if steps is not None:
                steps.step()
            continue
        place = {
            "chapter": chapter.label,
            "section": section.label,
            "strategy": strategy.label if strategy else "",
            "chapter_id": chapter.id,
            "section_id": section.id,
            "strategy_id": strategy.id if strategy else None,
        }
        query = joined(top_level_comments_of(section, strategy, *columns))
        if filters.phase is not None:
            query = query.where(Comment.phase == filters.phase)
        if filters.group_id is not None:
            query = query.where(Comment.group_id == filters.group_id)
        if filters.status is not None:
            query = query.where(Comment.status == filters.status)
        result = db.session.execute(query.execution_options(yield_per=CHUNK))
        for partition in result.partitions():
            replies = defaultdict(list)
            reply_query = joined(
                select(*columns)
                .select_from(Comment)
                .where(Comment.parent_id.in_([parent.id for parent in partition]))
                .order_by(Comment.created_at, Comment.id)
            )
            if filters.status is not None:
                reply_query = reply_query.where(Comment.status == filters.status)
            for reply in db.session.execute(reply_query):
                replies[reply.parent_id].append(reply)
            # Authors by their ids, not joined: PostgreSQL would hash every user for each query.
            author_ids = {parent.author_id for parent in partition}
            author_ids.update(r.author_id for thread in replies.values() for r in thread)
            author_ids.discard(None)
            authors = _authors(author_ids)
            for parent in partition:
                yield row(parent, place, section.id, authors)
                for reply in replies.get(parent.id, ()):
                    yield row(reply, place, section.id, authors)
        if steps is not None:
            steps.step()


def withheld(filters: ExportFilters, identities: Identities) -> bool:
    """Anonymised and filtered to a group too small to be named: the filter would name it."""
    return filters.group_id is not None and not identities.names_group(filters.group_id)


def _chosen(targets: list, filters: ExportFilters) -> list:
    """The plan's places an export covers: all, or those of the chosen section."""
    if filters.section_id is None:
        return targets
    return [target for target in targets if target[1].id == filters.section_id]


PARTICIPANT_COLUMNS = [
    _l("Name"),
    _l("Organisation"),
    _l("Position"),
    _l("E-mail"),
    _l("Stakeholder group"),
    _l("Role"),
]


def participant_rows(
    consultation: Consultation, filters: ExportFilters, identities: Identities
) -> Iterator[list]:
    """Members of the consultation by group (pseudonymised and without e-mail when anonymised).

    Anonymised, they are listed by shown group and pseudonym, so neither their names' order
    nor the place of a group too small to be named gives them away.
    """
    if withheld(filters, identities):
        return
    query = (
        select(
            User.id,
            User.name,
            User.organisation,
            User.position,
            User.email,
            StakeholderGroup.name,
            Membership.role,
            User.group_id,
            StakeholderGroup.name_en,
            User.erased_at,
        )
        .join(User, Membership.user_id == User.id)
        .outerjoin(StakeholderGroup, User.group_id == StakeholderGroup.id)
        .where(Membership.consultation_id == consultation.id)
        .order_by(StakeholderGroup.position, StakeholderGroup.name, User.name, User.id)
    )
    if filters.group_id is not None:
        query = query.where(User.group_id == filters.group_id)
    rows = db.session.execute(query.execution_options(yield_per=CHUNK))
    if not identities.anonymise:
        for user_id, name, organisation, position, email, indonesian, role, _g, en, erased in rows:
            group_name = pick(indonesian, en) if indonesian is not None else None
            name = _shown_name(name, erased, indonesian, en)
            name, organisation, email = identities.person(
                user_id, name, organisation, email, group_name
            )
            yield [name, organisation, position, email, group_name or "", MemberRole(role).value]
        return
    listed, ranks = [], {}
    for user_id, _name, _org, _position, _email, indonesian, role, group_id, en, _erased in rows:
        group_name = pick(indonesian, en) if indonesian is not None else None
        shown = identities.group_name(group_id, group_name)
        pseudonym = identities.person(user_id, "", "", "", shown)[0]
        rank = ranks.setdefault(group_id, len(ranks)) if shown else 0
        listed.append(((not shown, rank, pseudonym), pseudonym, shown, MemberRole(role).value))
    for _key, pseudonym, shown, role in sorted(listed):
        yield [pseudonym, "", "", "", shown, role]


# --- the response matrix ("Rekapitulasi Masukan") -------------------------------------

# --- tables shared by every format ----------------------------------------------------


@dataclass
class Table:
    sheet: str  # sheet / file name
    headers: list[str]
    rows: Callable[[], Iterator[list]]
    # How a spreadsheet for people shows a column: a label kind of consult.labels ("phase",
    # "type", ...) instead of the code, "datetime", "text" (long, wrapped) or "name" (wide).
    # CSV and JSON ignore it and keep the codes.
    kinds: dict[int, str] = field(default_factory=dict)


COMMENT_KINDS = {
    "type": "type",
    "status": "status",
    "phase": "phase",
    "source": "source",
    "disposition": "disposition",
    "created_at": "datetime",
    "body": "text",
    "proposed_wording": "text",
    "reference": "text",
    "rationale": "text",
    "chapter": "name",
    "section": "name",
    "strategy": "name",
    "group": "name",
    "author": "name",
    "organisation": "name",
    "email": "name",
    "revision_ref": "name",
    "url": "name",
}


class ExportRows:
    """The rows of one export, for any format; `progress(done, total)` hears of each place."""

    def __init__(
        self, consultation: Consultation, filters: ExportFilters, progress: Progress | None = None
    ):
        self.consultation = consultation
        self.filters = filters
        self.identities = Identities(consultation, filters.anonymise)
        self.targets = plan_targets(consultation)
        # One step per place in the plan whose comments are written, one for the participants.
        self.steps = Steps(len(_chosen(self.targets, filters)) + 1, progress)

    def comments(self) -> Iterator[dict[str, Any]]:
        return iter_comments(
            self.consultation, self.filters, self.identities, self.targets, self.steps
        )

    def participants(self) -> Iterator[list]:
        yield from participant_rows(self.consultation, self.filters, self.identities)
        self.steps.step()

    def ratings(self) -> RatingTables:
        """Summary cells, cells by group and comment counts per strategy, as shown."""
        return rating_tables(
            self.consultation,
            self.filters,
            withheld(self.filters, self.identities),
            self.identities.member_counts,
        )

    def notes(self) -> list[str]:
        """How an anonymised export hides people (nothing for a named one)."""
        return anonymity.notes(min_group_size()) if self.filters.anonymise else []

    def finish(self) -> None:
        self.steps.finish()

    def tables(self) -> list[Table]:
        """The tables of the spreadsheet formats: Ringkasan, Penilaian, Masukan, Peserta,
        Pergeseran (what the FGD changed, paired) and Catatan (the anonymity rules) when
        anonymised."""
        summary_cells, group_cells, comment_counts = self.ratings()
        scale_max = max((c.criterion.scale_max for c in summary_cells), default=5)

        def comment_rows():
            for item in self.comments():
                yield [item[key] for key, _label in COMMENT_COLUMNS]

        tables = [
            Table(
                "Ringkasan",
                [str(h) for h in SUMMARY_COLUMNS],
                lambda: summary_rows(summary_cells, comment_counts),
                {1: "name", 2: "name", 3: "phase"},
            ),
            Table(
                "Penilaian",
                [str(h) for h in group_columns(scale_max)],
                lambda: group_rows(group_cells, scale_max),
                {1: "name", 2: "name", 3: "phase", 4: "name"},
            ),
            Table(
                "Masukan",
                [str(label) for _key, label in COMMENT_COLUMNS],
                comment_rows,
                {
                    i: COMMENT_KINDS[key]
                    for i, (key, _l) in enumerate(COMMENT_COLUMNS)
                    if key in COMMENT_KINDS
                },
            ),
            Table(
                "Peserta",
                [str(h) for h in PARTICIPANT_COLUMNS],
                self.participants,
                {0: "name", 1: "name", 2: "name", 3: "name", 4: "name", 5: "role"},
            ),
        ]
        tables.append(
            Table(
                "Pergeseran",
                [str(h) for h in SHIFT_COLUMNS],
                lambda: shift_table_rows(self.consultation, self.filters),
                SHIFT_KINDS,
            )
        )
        notes = self.notes()
        if notes:
            tables.append(Table("Catatan", [_("Note")], lambda: ([note] for note in notes)))
        return tables
