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
    return local_to_utc(datetime.combine(today + timedelta(days=days), time(hour, minute)))


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


def seed_fgd(consultation: Consultation) -> list[FgdSession]:
    """The demo consultation's FGD sessions (the caller commits)."""
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
    _agenda(upcoming, 5, strategies[:3])
    return [upcoming]
