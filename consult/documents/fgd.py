"""The papers of an FGD session: daftar hadir, notulen (minutes) and berita acara.

They are built from a `MeetingRecord`, plain data read from the FGD feature (sessions,
attendance with walk-ins, agenda minutes, agreements and follow-ups), so the documents do
not depend on how the FGD pages store them.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from consult.documents.model import (
    Column,
    Document,
    Fields,
    Heading,
    Letterhead,
    Paragraph,
    Signature,
    Signatures,
    Table,
    plain,
    rich,
)
from consult.timeutil import date_in_words, long_date, place_date, time_wib


@dataclass
class AttendeeRecord:
    name: str
    organisation: str = ""
    position: str = ""
    group: str = ""
    phone: str = ""
    checked_in_at: datetime | None = None
    walk_in: bool = False


@dataclass
class AgendaRecord:
    title: str
    minutes: str = ""  # Markdown, written by the note-taker
    turns: list[str] = field(default_factory=list)  # "KADIN (Siti): ..." in order


@dataclass
class ActionRecord:
    text: str
    owner: str = ""
    due_on: date | None = None


@dataclass
class MeetingRecord:
    title: str
    consultation_title: str
    starts_at: datetime  # naive UTC
    ends_at: datetime | None = None
    venue: str = ""
    agenda: list[AgendaRecord] = field(default_factory=list)
    attendees: list[AttendeeRecord] = field(default_factory=list)
    agreements: list[str] = field(default_factory=list)
    actions: list[ActionRecord] = field(default_factory=list)


@dataclass
class PaperOptions:
    lang: str = "id"
    letterhead: Letterhead | None = None
    paper: str = "A4"
    place: str = ""
    number: str = ""
    # Signature blocks: "Mengetahui" (the head of the unit), the chair, the note-taker.
    acknowledged_by: Signature | None = None
    chair: Signature | None = None
    note_taker: Signature | None = None
    organiser: Signature | None = None  # under the attendance list
    show_phone: bool = False


def _document(title: str, record: MeetingRecord, options: PaperOptions, number="") -> Document:
    return Document(
        title=title,
        lang=options.lang,
        number=_("Number: %(number)s", number=number) if number else "",
        subtitle=record.title,
        letterhead=options.letterhead,
        paper=options.paper,
        page_label=_("Page {page} of {pages}"),
        links_title=_("Links"),
    )


def _when(record: MeetingRecord, lang: str) -> list[tuple[str, str]]:
    until = f" – {time_wib(record.ends_at, lang)}" if record.ends_at else ""
    start = time_wib(record.starts_at, lang)
    if until:
        start = start.removesuffix(" WIB")
    return [
        (_("Day, date"), long_date(record.starts_at, lang)),
        (_("Time"), f"{start}{until}"),
        (_("Place"), record.venue or "–"),
    ]


def _place_date(record: MeetingRecord, options: PaperOptions) -> str:
    when = place_date(record.starts_at, options.lang)
    return f"{options.place}, {when}" if options.place else when


def _signature(given: Signature | None, caption: str, place_date: str = "") -> Signature:
    signature = Signature(**vars(given)) if given else Signature()
    signature.caption = caption
    signature.place_date = place_date or signature.place_date
    return signature


def group_counts(record: MeetingRecord) -> list[tuple[str, int]]:
    """Attendees per stakeholder group, in order of first appearance; walk-ins counted in."""
    counts = Counter(a.group or _("(no group)") for a in record.attendees)
    return list(counts.items())


def build_attendance(record: MeetingRecord, options: PaperOptions) -> Document:
    """Daftar hadir: one row per person present (walk-ins marked), an empty signature column
    whose numbered cells alternate left and right, the organiser's signature."""
    with force_locale(options.lang):
        document = _document(_("Attendance list"), record, options)
        document.add(Fields([(_("Activity"), record.title), *_when(record, options.lang)]))
        columns = [
            Column(_("No."), 5, "center"),
            Column(_("Name"), 19),
            Column(_("Institution / organisation"), 19),
            Column(_("Position"), 14),
            Column(_("Stakeholder group"), 13),
            Column(_("Check-in"), 8, "center"),
        ]
        if options.show_phone:
            columns.append(Column(_("Phone"), 10))
        columns.append(Column(_("Signature"), 22 - (10 if options.show_phone else 0)))
        rows = []
        for number, person in enumerate(record.attendees, start=1):
            group = person.group or "–"
            if person.walk_in:
                walk_in = _("walk-in")
                group = f"{group} ({walk_in})"
            row = [
                plain(str(number)),
                plain(person.name, bold=True),
                plain(person.organisation),
                plain(person.position),
                plain(group),
                plain(time_wib(person.checked_in_at, options.lang).removesuffix(" WIB")),
            ]
            if options.show_phone:
                row.append(plain(person.phone))
            row.append(plain(""))
            rows.append(row)
        document.add(
            Table(
                columns,
                rows,
                landscape=options.show_phone,
                signature_column=len(columns) - 1,
                empty_text=_("Nobody has checked in yet."),
            )
        )
        document.add(
            Signatures(
                [_signature(options.organiser, _("Organiser"), _place_date(record, options))]
            )
        )
        return document


def build_minutes(record: MeetingRecord, options: PaperOptions) -> Document:
    """Notulen rapat: the meeting, chair and note-taker, participants, agenda, the discussion
    per agenda item, agreements, follow-ups; signed by the chair and the note-taker."""
    with force_locale(options.lang):
        document = _document(_("Minutes of the meeting"), record, options)
        chair = options.chair.name if options.chair else ""
        note_taker = options.note_taker.name if options.note_taker else ""
        count = len(record.attendees)
        document.add(
            Fields(
                [
                    (_("Activity"), record.title),
                    *_when(record, options.lang),
                    (_("Chair"), chair or "–"),
                    (_("Note-taker"), note_taker or "–"),
                    (_("Participants"), _("%(n)d people (see the attendance list)", n=count)),
                ]
            )
        )
        document.add(Heading(_("Agenda")))
        agenda = "\n".join(f"{i}. {item.title}" for i, item in enumerate(record.agenda, 1))
        document.add(Paragraph(rich(agenda or "–", document.links), align="left"))
        document.add(Heading(_("Discussion")))
        for number, item in enumerate(record.agenda, 1):
            document.add(Heading(f"{number}. {item.title}", level=2))
            if item.minutes:
                document.add(Paragraph(rich(item.minutes, document.links)))
            if item.turns:
                bullets = "\n".join(f"- {turn}" for turn in item.turns)
                document.add(Paragraph(rich(bullets, document.links), align="left"))
            if not item.minutes and not item.turns:
                document.add(Paragraph(plain(_("No notes were taken."), italic=True)))
        _agreements(document, record)
        _actions(document, record, options)
        document.add(
            Signatures(
                [
                    _signature(options.chair, _("Chair of the meeting")),
                    _signature(options.note_taker, _("Note-taker"), _place_date(record, options)),
                ]
            )
        )
        return document


def _agreements(document: Document, record: MeetingRecord) -> None:
    document.add(Heading(_("Conclusions and agreements")))
    if not record.agreements:
        document.add(Paragraph(plain(_("No agreements were recorded."), italic=True)))
        return
    points = "\n".join(f"{i}. {text}" for i, text in enumerate(record.agreements, 1))
    document.add(Paragraph(rich(points, document.links)))


def _actions(document: Document, record: MeetingRecord, options: PaperOptions) -> None:
    document.add(Heading(_("Follow-up actions")))
    rows = [
        [
            plain(str(i)),
            rich(action.text, document.links),
            plain(action.owner or "–"),
            plain(place_date(action.due_on, options.lang) if action.due_on else "–"),
        ]
        for i, action in enumerate(record.actions, 1)
    ]
    document.add(
        Table(
            [
                Column(_("No."), 6, "center"),
                Column(_("Action"), 54),
                Column(_("Responsible"), 22),
                Column(_("Due"), 18),
            ],
            rows,
            empty_text=_("No follow-up actions were recorded."),
        )
    )


def build_official_record(record: MeetingRecord, options: PaperOptions) -> Document:
    """Berita acara: title and number, the opening with the day and date written out, what
    was done, attendance per group, the agreements in numbered points, the closing formula,
    the signature blocks and the attachments."""
    with force_locale(options.lang):
        document = _document(_("Official record"), record, options, options.number)
        opening = _(
            "On %(day)s, at %(place)s, a Focus Group Discussion (FGD) on %(title)s was held "
            "as part of the public consultation on %(consultation)s.",
            day=date_in_words(record.starts_at, options.lang),
            place=record.venue or "–",
            title=record.title,
            consultation=record.consultation_title,
        )
        document.add(Paragraph(plain(opening)))
        agenda = "; ".join(item.title for item in record.agenda)
        if agenda:
            document.add(Paragraph(plain(_("The meeting discussed: %(agenda)s.", agenda=agenda))))
        counts = group_counts(record)
        document.add(
            Paragraph(
                plain(
                    _(
                        "The FGD was attended by %(n)d people, as follows:",
                        n=len(record.attendees),
                    )
                )
            )
        )
        rows = [[plain(str(i)), plain(g), plain(str(n))] for i, (g, n) in enumerate(counts, 1)]
        rows.append([plain(""), plain(_("Total"), bold=True), plain(str(len(record.attendees)))])
        document.add(
            Table(
                [
                    Column(_("No."), 8, "center"),
                    Column(_("Stakeholder group"), 67),
                    Column(_("Number of people"), 25, "center"),
                ],
                rows,
            )
        )
        document.add(Paragraph(plain(_("The meeting reached the following agreements:"))))
        points = "\n".join(f"{i}. {text}" for i, text in enumerate(record.agreements, 1))
        document.add(Paragraph(rich(points or "–", document.links)))
        document.add(Paragraph(plain(_("This official record is made to be used as required."))))
        document.add(
            Signatures(
                [
                    _signature(options.note_taker, _("Note-taker")),
                    _signature(
                        options.chair, _("Chair of the meeting"), _place_date(record, options)
                    ),
                ]
            )
        )
        document.add(Signatures([_signature(options.acknowledged_by, _("Acknowledged by"))]))
        document.add(Heading(_("Attachments")))
        document.add(
            Paragraph(
                rich(
                    "\n".join(
                        f"{i}. {text}"
                        for i, text in enumerate(
                            [_("Attendance list"), _("Minutes of the meeting"), _("Photos")], 1
                        )
                    ),
                    document.links,
                ),
                align="left",
            )
        )
        return document
