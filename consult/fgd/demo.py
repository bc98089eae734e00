"""The demo's FGD: an upcoming session (RSVP open, check-in and the live room ready to try)
and a finished one the day before yesterday with its record (attendance, minutes...)."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from consult.extensions import db
from consult.fgd.models import AgendaItem, FgdSession
from consult.plans.models import Chapter, Consultation, Section, Strategy
from consult.timeutil import local_to_utc, utc_to_local, utcnow

VENUE = "Ruang Peteng Karuhei II, Kantor Wali Kota Palangka Raya"
MODERATOR = "Zulhikmah Ravieq (Asisten Pemerintahan dan Kesra)"


def _wib(days: int, hour: int, minute: int = 0) -> datetime:
    today = utc_to_local(utcnow()).date()
    moment = datetime.combine(today + timedelta(days=days), time(hour)) + timedelta(minutes=minute)
    return local_to_utc(moment)


def _strategies(consultation: Consultation) -> list[Strategy]:
    return list(
        db.session.scalars(
            select(Strategy)
            .join(Section)
            .join(Chapter)
            .where(Chapter.consultation_id == consultation.id)
            .order_by(Chapter.position, Section.position, Strategy.position)
        )
    )


def _agenda(session: FgdSession, day: int, strategies: list[Strategy]) -> list[AgendaItem]:
    items = [
        AgendaItem(
            title="Pembukaan dan arahan",
            starts_at=_wib(day, 9),
            ends_at=_wib(day, 9, 30),
            moderator=MODERATOR,
        )
    ]
    start = _wib(day, 9, 30)
    for strategy in strategies:
        items.append(
            AgendaItem(
                strategy_id=strategy.id,
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                moderator=MODERATOR,
            )
        )
        start += timedelta(minutes=30)
    items.append(
        AgendaItem(
            title="Kesimpulan dan penutup",
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            moderator=MODERATOR,
        )
    )
    for position, item in enumerate(items, start=1):
        item.session_id = session.id
        item.position = position
        db.session.add(item)
    db.session.flush()
    return items


def seed_fgd(demo) -> list[FgdSession]:
    """The demo consultation's FGD sessions (a step of consult/demo; the caller commits)."""
    consultation = demo.consultation
    strategies = _strategies(consultation)
    upcoming = FgdSession(
        consultation_id=consultation.id,
        title="FGD Rencana Pembangunan Industri Kota 2022-2042",
        starts_at=_wib(5, 9),
        ends_at=_wib(5, 13),
        venue=VENUE,
        meeting_url="https://meet.example.org/rpik-palangka-raya",
        capacity=60,
    )
    db.session.add(upcoming)
    db.session.flush()
    _agenda(upcoming, 5, strategies[2:5] or strategies[:3])  # tahap II: the next strategies
    finished = _finished_session(consultation, strategies[:2])
    return [finished, upcoming]


# What was said and decided at the earlier session (tahap I), for the record.
MINUTES = [
    "Asisten Pemerintahan dan Kesra membuka FGD dan menegaskan bahwa sektor industri menjadi "
    "penggerak utama pembangunan ekonomi kota.",
    "Peserta menilai substitusi impor bahan baku relevan, tetapi target perlu bertahap karena "
    "bahan penolong masih didatangkan dari luar Kalimantan.",
    "Akademisi meminta indikator ketergantungan impor yang jelas; KADIN siap menyediakan data.",
    "FGD ditutup dengan kesepakatan dan tindak lanjut di bawah.",
]
TURNS = [
    ("kadin@example.org", "KADIN siap bermitra menyediakan bahan baku rotan dan kayu olahan."),
    ("industri@example.org", "Target pengurangan impor sebaiknya bertahap: 10 persen pada 2027."),
    ("kadin@example.org", ""),
    ("akademisi@example.org", "Perlu indikator impor per sektor dari data BPS."),
    ("dinas@example.org", ""),
    ("kadin@example.org", ""),
]
WALK_INS = [
    ("Rudi Hartono", "CV Rotan Kalteng", "Pemilik", "Pelaku industri", "0812-5500-1234"),
    ("Maria Ulfa", "Politeknik Negeri Palangka Raya", "Dosen", "Akademisi", ""),
]
# (email, per strategy (relevance, priority, feasibility)) given in the room.
ROOM_RATINGS = {
    "kadin@example.org": [(5, 5, 4), (4, 4, 3)],
    "industri@example.org": [(4, 4, 3), (4, 3, 3)],
    "akademisi@example.org": [(4, 3, 3), (5, 4, 3)],
    "dinas@example.org": [(5, 4, 4), (5, 5, 3)],
}


def _finished_session(consultation: Consultation, strategies: list[Strategy]) -> FgdSession:
    from consult.auth.models import StakeholderGroup, User
    from consult.feedback.services import set_ratings
    from consult.fgd import attendance, minutes
    from consult.fgd.models import CheckInMethod, Rsvp, RsvpAnswer
    from consult.plans.models import Criterion, MemberRole, Membership, Phase

    session = FgdSession(
        consultation_id=consultation.id,
        title="FGD tahap I: sasaran dan strategi bahan baku",
        starts_at=_wib(-2, 9),
        ends_at=_wib(-2, 12),
        venue=VENUE,
        capacity=40,
        rsvp_open=False,
    )
    db.session.add(session)
    db.session.flush()
    items = _agenda(session, -2, strategies)
    organiser = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.consultation_id == consultation.id,
            Membership.role == MemberRole.ORGANISER,
        )
    )
    people = {
        u.email: u
        for u in db.session.scalars(select(User).where(User.email.in_(list(ROOM_RATINGS))))
    }
    groups = {g.name: g for g in db.session.scalars(select(StakeholderGroup))}
    present = {}
    for minute, (email, person) in enumerate(sorted(people.items())):
        db.session.add(
            Rsvp(
                session_id=session.id,
                user_id=person.id,
                answer=RsvpAnswer.ATTENDING,
                answered_at=_wib(-4, 10),
            )
        )
        present[email] = attendance.check_in(
            session,
            person,
            organiser,
            CheckInMethod.QR if minute % 2 else CheckInMethod.SEARCH,
            _wib(-2, 8, 40 + minute),
        )
    for minute, (name, organisation, position, group, phone) in enumerate(WALK_INS):
        attendance.add_walk_in(
            session,
            organiser,
            {
                "name": name,
                "organisation": organisation,
                "position": position,
                "group": groups.get(group),
                "phone": phone,
            },
            _wib(-2, 8, 50 + minute),
        )
    for item, text in zip(items, MINUTES, strict=False):
        minutes.save_minutes(item, organiser, text, _wib(-2, 11, 45))
    criteria = list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.consultation_id == consultation.id)
            .order_by(Criterion.position)
        )
    )
    for email, per_strategy in ROOM_RATINGS.items():
        if email not in people:
            continue
        for strategy, values in zip(strategies, per_strategy, strict=False):
            given = {c.id: v for c, v in zip(criteria, values, strict=False)}
            set_ratings(strategy, criteria, people[email], given, Phase.FGD)
    turns = []
    for minute, (email, note) in enumerate(TURNS):
        if email not in present:
            continue
        item = items[1 + minute % len(strategies)] if len(items) > 2 else items[0]
        turns.append(
            minutes.add_turn(
                session,
                organiser,
                {"attendee": present[email], "note": note, "agenda_item_id": item.id},
                _wib(-2, 9, 35 + 7 * minute),
            )
        )
    if turns and turns[0].note:
        minutes.turn_to_input(turns[0], organiser)
    minutes.add_outcome(
        session,
        organiser,
        {
            "kind": "agreement",
            "text": "Target pengurangan impor bahan baku ditetapkan bertahap (10% pada 2027, "
            "25% pada 2032).",
        },
    )
    minutes.add_outcome(
        session,
        organiser,
        {
            "kind": "action",
            "text": "Menyampaikan data pembelian bahan baku anggota 2021-2022.",
            "owner": "KADIN Kota Palangka Raya",
            "due_on": _wib(12, 9).date(),
        },
    )
    minutes.add_outcome(
        session,
        organiser,
        {
            "kind": "action",
            "text": "Menyusun indikator ketergantungan impor per sektor.",
            "owner": "Tim penyusun RPIK (Disperindag)",
            "due_on": _wib(19, 9).date(),
        },
    )
    session.current_position = items[-1].position
    return session
