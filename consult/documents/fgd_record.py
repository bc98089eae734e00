"""Read an FGD session (consult/fgd) into the plain `MeetingRecord` its papers are built from.

A fixed number of queries whatever the size of the session: the agenda (with its sections
and strategies), the attendance, the speaking log and the outcomes, each in one statement.
The chair and the note-taker are not part of the FGD models: they are signatories chosen on
the official documents page and passed to the papers as `PaperOptions`.
"""

from collections import defaultdict

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from consult.auth.models import StakeholderGroup
from consult.bilingual import pick
from consult.documents.fgd import ActionRecord, AgendaRecord, AttendeeRecord, MeetingRecord
from consult.extensions import db
from consult.fgd.models import Attendee, FgdSession, Outcome, OutcomeKind, SpeakingTurn
from consult.fgd.services import agenda_of, item_title
from consult.plans.models import Consultation


def _attendees(session: FgdSession) -> list[AttendeeRecord]:
    rows = db.session.execute(
        select(Attendee, StakeholderGroup.name, StakeholderGroup.name_en)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Attendee.group_id)
        .where(Attendee.session_id == session.id)
        .order_by(Attendee.checked_in_at, Attendee.id)
    )
    return [
        AttendeeRecord(
            name=person.name,
            organisation=person.organisation,
            position=person.position,
            group=pick(group, english) if group else "",
            phone=person.phone,
            checked_in_at=person.checked_in_at,
            walk_in=person.is_walk_in,
        )
        for person, group, english in rows
    ]


def _turns(session: FgdSession) -> dict[int | None, list[str]]:
    """What was said, per agenda item, in the order it was said: "KADIN (Siti): ..."."""
    speaker = aliased(Attendee)
    rows = db.session.execute(
        select(
            SpeakingTurn.agenda_item_id,
            SpeakingTurn.note,
            StakeholderGroup.name,
            StakeholderGroup.name_en,
            speaker.name,
        )
        .outerjoin(StakeholderGroup, StakeholderGroup.id == SpeakingTurn.group_id)
        .outerjoin(speaker, speaker.id == SpeakingTurn.attendee_id)
        .where(SpeakingTurn.session_id == session.id)
        .order_by(SpeakingTurn.created_at, SpeakingTurn.id)
    )
    turns: dict[int | None, list[str]] = defaultdict(list)
    for item_id, note, group, english, person in rows:
        who = pick(group, english) if group else _("(no group)")
        if person:
            who = f"{who} ({person})"
        text = f"{who}: {note}" if note else _("%(who)s took the floor.", who=who)
        turns[item_id].append(text)
    return turns


def _outcomes(session: FgdSession) -> tuple[list[str], list[ActionRecord]]:
    agreements: list[str] = []
    actions: list[ActionRecord] = []
    outcomes = db.session.scalars(
        select(Outcome)
        .where(Outcome.session_id == session.id)
        .order_by(Outcome.created_at, Outcome.id)
    )
    for outcome in outcomes:
        if outcome.kind == OutcomeKind.AGREEMENT:
            agreements.append(outcome.text)
        else:
            actions.append(ActionRecord(outcome.text, outcome.owner, outcome.due_on))
    return agreements, actions


def meeting_record(fgd_session: FgdSession, language: str = "id") -> MeetingRecord:
    """The session as its papers need it: when and where, who came (walk-ins marked, with
    organisation, position, group and check-in time), the minutes and speaking turns per
    agenda item, the agreements and the follow-up actions (what, who, by when)."""
    with force_locale(language):
        consultation = db.session.get(Consultation, fgd_session.consultation_id)
        turns = _turns(fgd_session)
        agenda = [
            AgendaRecord(
                title=item_title(item) or _("Agenda item %(n)d", n=number),
                minutes=item.minutes or "",
                turns=turns.pop(item.id, []),
            )
            for number, item in enumerate(agenda_of(fgd_session), 1)
        ]
        if any(turns.values()):  # said outside any agenda item
            leftover = [text for texts in turns.values() for text in texts]
            agenda.append(AgendaRecord(title=_("Other matters"), turns=leftover))
        agreements, actions = _outcomes(fgd_session)
        return MeetingRecord(
            title=fgd_session.title,
            consultation_title=consultation.title if consultation else "",
            starts_at=fgd_session.starts_at,
            ends_at=fgd_session.ends_at,
            venue=fgd_session.venue,
            agenda=agenda,
            attendees=_attendees(fgd_session),
            agreements=agreements,
            actions=actions,
        )
