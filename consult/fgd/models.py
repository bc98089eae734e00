"""FGD sessions with their agenda, RSVPs, attendance, speaking turns, minutes and agreements.

Times are stored as naive UTC and shown in WIB. A session's live state (the current agenda
item, voting, results) sits on the session row with two counters that pages poll as ETags:
`step_version` changes when the moderator steps; `vote_version` is no longer raised (the projector
follows the input version, see consult/fgd/ballot.py).
"""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import StakeholderGroup, User
from consult.enums import enum_column
from consult.extensions import db
from consult.plans.models import Consultation, Section, Strategy
from consult.timeutil import utcnow


class FgdSession(db.Model):
    __tablename__ = "fgd_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    venue: Mapped[str] = mapped_column(String(300), default="")
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None]
    rsvp_open: Mapped[bool] = mapped_column(default=True, server_default="1")
    # The live room: the agenda position shown, and whether votes and results are on.
    current_position: Mapped[int | None]
    voting_open: Mapped[bool] = mapped_column(default=False, server_default="0")
    results_visible: Mapped[bool] = mapped_column(default=False, server_default="0")
    step_version: Mapped[int] = mapped_column(default=0, server_default="0")
    vote_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    consultation: Mapped[Consultation] = relationship(lazy="raise")
    agenda: Mapped[list["AgendaItem"]] = relationship(
        back_populates="session", order_by="AgendaItem.position", lazy="raise"
    )

    def __repr__(self) -> str:
        return f"<FgdSession {self.id} {self.title!r}>"


class AgendaItem(db.Model):
    """One step of a session: a section or strategy of the plan, or a free item (opening)."""

    __tablename__ = "fgd_agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("fgd_session.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(300), default="")
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategy.id"))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    moderator: Mapped[str] = mapped_column(String(200), default="")
    # The minutes (notulen) of this item, autosaved by the note-taker.
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_updated_at: Mapped[datetime | None]
    minutes_updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    session: Mapped[FgdSession] = relationship(back_populates="agenda")
    section: Mapped[Section | None] = relationship(lazy="raise")
    strategy: Mapped[Strategy | None] = relationship(lazy="raise")


class RsvpAnswer(enum.StrEnum):
    ATTENDING = "attending"
    DECLINED = "declined"
    DELEGATE = "delegate"  # sends someone in their place


class Rsvp(db.Model):
    __tablename__ = "fgd_rsvp"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("fgd_session.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    answer: Mapped[RsvpAnswer] = mapped_column(enum_column(RsvpAnswer))
    delegate_name: Mapped[str] = mapped_column(String(200), default="")
    delegate_position: Mapped[str] = mapped_column(String(200), default="")
    # The delegate's own account, once an organiser invites them.
    delegate_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")

    __table_args__ = (UniqueConstraint("session_id", "user_id"),)


class CheckInMethod(enum.StrEnum):
    SEARCH = "search"  # found by name or organisation on the organiser's device
    QR = "qr"  # the participant's personal QR code
    WALK_IN = "walk_in"  # not invited, registered at the door


class Attendee(db.Model):
    """One person present at a session (daftar hadir): an invited member or a walk-in.

    Walk-ins have no account (user_id None) until an organiser invites them; their details
    are kept here, so the attendance list reads the same for both.
    """

    __tablename__ = "fgd_attendee"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("fgd_session.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholder_group.id"))
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    method: Mapped[CheckInMethod] = mapped_column(enum_column(CheckInMethod))
    checked_in_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="raise")
    group: Mapped[StakeholderGroup | None] = relationship(lazy="raise")

    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    @property
    def is_walk_in(self) -> bool:
        return self.method == CheckInMethod.WALK_IN


class SpeakingTurn(db.Model):
    """Someone took the floor: their group, optionally who, and optionally what they said."""

    __tablename__ = "fgd_speaking_turn"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("fgd_session.id"))
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("fgd_agenda_item.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholder_group.id"))
    attendee_id: Mapped[int | None] = mapped_column(ForeignKey("fgd_attendee.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # The FGD input (a comment with source FGD) made from this turn, if any.
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    group: Mapped[StakeholderGroup | None] = relationship(lazy="raise")
    attendee: Mapped[Attendee | None] = relationship(lazy="raise")

    __table_args__ = (Index("ix_fgd_speaking_turn_session_created", "session_id", "created_at"),)


class OutcomeKind(enum.StrEnum):
    AGREEMENT = "agreement"  # kesepakatan
    ACTION = "action"  # tindak lanjut: what, who, by when


class Outcome(db.Model):
    """An agreement reached or a follow-up action decided at a session."""

    __tablename__ = "fgd_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("fgd_session.id"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("fgd_agenda_item.id"))
    kind: Mapped[OutcomeKind] = mapped_column(enum_column(OutcomeKind))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200), default="")  # who (actions)
    due_on: Mapped[date | None]  # by when (actions)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
