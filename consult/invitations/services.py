"""Inviting participants to a consultation: one by one, or a whole CSV file at once.

A new person gets an account without password, an invitation and an invitation mail; an
existing account just gets the membership and a notice. Callers commit.
"""

import csv
import enum
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select

from consult.audit import record
from consult.auth.models import Invitation, Role, StakeholderGroup, User
from consult.auth.services import (
    create_invitation,
    find_user_by_email,
    invitation_url,
    normalise_email,
    send_invitation,
)
from consult.extensions import db
from consult.fgd.services import sessions_of
from consult.inputs import has_control_characters
from consult.mail import queue_mail
from consult.plans.models import Consultation, ConsultationState, Membership
from consult.timeutil import utcnow
from consult.urls import public_url

MAX_FIELD_LENGTH = 200
COLUMN_NAMES = {
    "name": {"name", "nama", "nama lengkap"},
    "email": {"email", "e-mail", "surel", "alamat email"},
    "organisation": {"organisation", "organization", "organisasi", "instansi", "lembaga"},
    "group": {"group", "kelompok", "grup", "stakeholder group", "kelompok pemangku kepentingan"},
    "position": {"position", "jabatan"},
}
POSITIONAL_COLUMNS = ["name", "email", "organisation", "group", "position"]


class InviteOutcome(enum.StrEnum):
    INVITED = "invited"  # new account (or one still without password): invitation mailed
    ADDED = "added"  # existing account: membership added, notice mailed
    ALREADY = "already"  # already a member: nothing changed


@dataclass
class RowProblem:
    row: int
    messages: list = field(default_factory=list)
    unknown_group: str | None = None  # the row's only problem is this unknown group name


def only_unknown_groups(problems: list[RowProblem]) -> list[str]:
    """The unknown group names (first spelling, sorted) when they are every row's only
    problem, so mapping them to groups would make the file importable; else []."""
    if not problems or any(p.unknown_group is None for p in problems):
        return []
    names: dict[str, str] = {}
    for problem in problems:
        names.setdefault(problem.unknown_group.lower(), problem.unknown_group)
    return [names[key] for key in sorted(names)]


def csv_group_name(group, marked: bool = False) -> str:
    """How a group is named where a CSV file's group column is explained: in the reader's
    language, then the Indonesian name when that differs ("Academia / Akademisi"): the
    column takes either. `marked`: HTML, the Indonesian name marked as such (lang="id")."""
    shown = group.display_name
    if shown == group.name:
        return escape(shown) if marked else shown
    if marked:
        return Markup('{} / <span lang="id">{}</span>').format(shown, group.name)
    return f"{shown} / {group.name}"


def decode_csv(content: bytes) -> str | None:
    """The file's text (UTF-8 with or without BOM), or None when it is not UTF-8."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def invite_participant(
    consultation: Consultation, actor: User, data: dict
) -> tuple[Membership, InviteOutcome]:
    """Make someone a participant of the consultation and tell them by mail.

    data: name, email, organisation, position, group (a StakeholderGroup or None).
    """
    user = find_user_by_email(data["email"])
    if user is None:
        user = User(
            email=normalise_email(data["email"]),
            name=data["name"].strip(),
            organisation=(data.get("organisation") or "").strip(),
            position=(data.get("position") or "").strip(),
            group=data.get("group"),
            role=Role.PARTICIPANT,
        )
        db.session.add(user)
        db.session.flush()
    membership = db.session.scalar(
        select(Membership).where(
            Membership.consultation_id == consultation.id, Membership.user_id == user.id
        )
    )
    if membership is not None:
        return membership, InviteOutcome.ALREADY
    membership = Membership(consultation_id=consultation.id, user_id=user.id)
    db.session.add(membership)
    db.session.flush()
    if user.password_hash:
        queue_mail(
            user,
            "membership",
            _l('Invitation to the consultation "%(title)s" on Rembuk', title=consultation.title),
            "mail/membership_notice.txt",
            consultation=consultation,
            inviter=actor,
            link=public_url("auth.login"),
            **invitation_details(consultation, actor),
        )
        record(
            "invitation.member_added",
            actor,
            membership,
            consultation_id=consultation.id,
            email=user.email,
        )
        return membership, InviteOutcome.ADDED
    send_invitation(user, actor, consultation, **invitation_details(consultation, actor))
    return membership, InviteOutcome.INVITED


def invitation_details(consultation: Consultation, actor: User | None) -> dict:
    """What an invitation mail says beyond the title: FGD sessions (date, venue), the input
    deadline, the contact person (the consultation's creator, else the inviter), and whether
    it is still a draft."""
    creator = consultation.created_by_id
    contact = db.session.get(User, creator) if creator else None
    now = utcnow()
    closings = [consultation.pre_closes_at, consultation.post_closes_at]
    deadline = next((moment for moment in closings if moment and moment > now), None)
    return {
        "fgd_sessions": sessions_of(consultation),
        "input_deadline": deadline,
        "contact": contact or actor,
        "draft": consultation.state == ConsultationState.DRAFT,
    }


def parse_participants_csv(
    content: bytes | str,
    groups: list[StakeholderGroup],
    mapping: dict[str, StakeholderGroup] | None = None,
) -> tuple[list[dict], list[RowProblem]]:
    """Read name,email,organisation,group[,position] rows; report every bad row.

    UTF-8 with or without BOM; comma or semicolon separated; a header row is optional.
    Row numbers are those a spreadsheet shows (the header is row 1). mapping: unknown group
    names (any case) the organiser assigned to existing groups.
    """
    text = content if isinstance(content, str) else decode_csv(content)
    if text is None:
        return [], [RowProblem(0, [_l("The file is not UTF-8 text. Save it as “CSV UTF-8”.")])]
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    columns, start = _columns(records[0] if records else [])
    # A group is known by its Indonesian name and by its English one.
    by_name = {
        name.strip().lower(): group
        for group in groups
        if group.active
        for name in (group.name, group.name_en)
        if name and name.strip()
    }
    by_name.update({name.strip().lower(): group for name, group in (mapping or {}).items()})
    valid = ", ".join(csv_group_name(group) for group in groups if group.active)
    rows, problems, seen = [], [], {}
    for number, cells in enumerate(records[start:], start=start + 1):
        if not any(cell.strip() for cell in cells):
            continue
        values = {key: cells[i].strip() if i < len(cells) else "" for key, i in columns.items()}
        values.setdefault("position", "")
        unknown = values["group"] if values["group"].lower() not in by_name else None
        messages = _row_messages(values, by_name, seen, number, valid)
        if messages:
            only_group = unknown if unknown and len(messages) == 1 else None
            problems.append(RowProblem(number, messages, unknown_group=only_group))
        else:
            rows.append(values)
    if not rows and not problems:
        problems.append(RowProblem(0, [_l("The file has no participants.")]))
    return rows, problems


def _columns(first_row: list[str]) -> tuple[dict[str, int], int]:
    """Column positions from a header row (skipped), or the fixed order without one."""
    names = [cell.strip().lstrip("\ufeff").lower() for cell in first_row]
    if any(name in COLUMN_NAMES["email"] for name in names):
        columns = {}
        for index, name in enumerate(names):
            for key, aliases in COLUMN_NAMES.items():
                if name in aliases and key not in columns:
                    columns[key] = index
        for key in POSITIONAL_COLUMNS[:4]:
            columns.setdefault(key, len(names) + 100)  # missing column: always empty
        return columns, 1
    return {key: index for index, key in enumerate(POSITIONAL_COLUMNS)}, 0


def _row_messages(
    values: dict, groups: dict, seen: dict[str, int], number: int, valid: str
) -> list:
    messages = []
    if not values["name"]:
        messages.append(_l("The name is missing."))
    if not values["email"]:
        messages.append(_l("The email address is missing."))
    else:
        try:
            validate_email(values["email"], check_deliverability=False)
        except EmailNotValidError:
            # gettext, not lazy_gettext, whenever the file's text is interpolated: a lazy
            # string counts as safe HTML (__html__) and would reach the page unescaped.
            messages.append(_("“%(email)s” is not a valid email address.", email=values["email"]))
        else:
            address = normalise_email(values["email"])
            if address in seen:
                messages.append(
                    _l("Duplicate: the same email address as row %(row)d.", row=seen[address])
                )
            else:
                seen[address] = number
            values["email"] = address
    if not values["group"]:
        messages.append(_l("The stakeholder group is missing."))
    elif values["group"].lower() not in groups:
        messages.append(
            _(
                "Unknown stakeholder group “%(group)s”. Valid groups: %(groups)s.",
                group=values["group"],
                groups=valid,
            )
        )
    else:
        values["group"] = groups[values["group"].lower()]
    if any(has_control_characters(value) for value in values.values() if isinstance(value, str)):
        messages.append(
            _l("A value contains invisible control characters (such as NUL): remove them.")
        )
    for key in ("name", "organisation", "position"):
        if len(values[key]) > MAX_FIELD_LENGTH:
            messages.append(_l("A value is longer than %(max)d characters.", max=MAX_FIELD_LENGTH))
            break
    return messages


def import_participants(
    consultation: Consultation, actor: User, rows: list[dict]
) -> dict[InviteOutcome, int]:
    """Invite every row parsed by parse_participants_csv; counts per outcome."""
    counts = dict.fromkeys(InviteOutcome, 0)
    for values in rows:
        _, outcome = invite_participant(consultation, actor, values)
        counts[outcome] += 1
    record(
        "invitation.csv_imported",
        actor,
        consultation,
        consultation_id=consultation.id,
        **{outcome.value: count for outcome, count in counts.items()},
    )
    return counts


def resend_invitation(
    consultation: Consultation, membership: Membership, actor: User
) -> Invitation:
    """A new invitation mail; earlier links stop working. Only for accounts without password."""
    return send_invitation(
        membership.user, actor, consultation, **invitation_details(consultation, actor)
    )


def fresh_invitation_link(consultation: Consultation, membership: Membership, actor: User) -> str:
    """A new invitation link to hand over by other means (no SMTP); earlier links stop working."""
    invitation = create_invitation(membership.user, actor, consultation.id)
    record(
        "invitation.link_created",
        actor,
        invitation,
        consultation_id=consultation.id,
        email=membership.user.email,
    )
    return invitation_url(invitation)
