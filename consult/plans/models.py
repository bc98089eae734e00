"""Consultations and the plan they publish: chapters, sections, strategies."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.bilingual import localized, localized_lines
from consult.enums import enum_column
from consult.extensions import db
from consult.timeutil import utcnow


class ConsultationState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"


class Phase(enum.StrEnum):
    PRE = "pre"
    FGD = "fgd"  # rated in the room, during an FGD session
    POST = "post"


class CommentVisibility(enum.StrEnum):
    ALL = "all"  # every invited participant sees every published comment
    ORGANISERS = "organisers"  # confidential input: only organisers and the author


class ModerationMode(enum.StrEnum):
    POST = "post"  # published at once, may be hidden later
    PRE = "pre"  # waits for an organiser's approval


class Visibility(enum.StrEnum):
    """Who may read a published consultation (consult/permissions.py decides)."""

    INVITED = "invited"  # only its members: everyone else gets a 404
    READ = "read"  # anyone reads the plan, its versions, published comments, "you said, we did"
    INPUT = "input"  # as READ, and anyone may register and give input


class MemberRole(enum.StrEnum):
    ORGANISER = "organiser"
    PARTICIPANT = "participant"


class Consultation(db.Model):
    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(300), default="")
    pre_opens_at: Mapped[datetime | None]
    pre_closes_at: Mapped[datetime | None]
    post_opens_at: Mapped[datetime | None]
    post_closes_at: Mapped[datetime | None]
    state: Mapped[ConsultationState] = mapped_column(
        enum_column(ConsultationState), default=ConsultationState.DRAFT
    )
    comment_visibility: Mapped[CommentVisibility] = mapped_column(
        enum_column(CommentVisibility), default=CommentVisibility.ALL
    )
    moderation_mode: Mapped[ModerationMode] = mapped_column(
        enum_column(ModerationMode), default=ModerationMode.POST
    )
    # Hide a comment for review after this many flags; None switches it off.
    auto_hide_flag_count: Mapped[int | None]
    # On the "you said, we did" page: show authors' names, or only their group.
    show_author_names: Mapped[bool] = mapped_column(default=False)
    visibility: Mapped[Visibility] = mapped_column(
        enum_column(Visibility), default=Visibility.INVITED, server_default="invited"
    )
    # Public readers (not signed in, not invited) see authors' names; otherwise only a label.
    public_author_names: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Comments of people who joined through public registration wait for an organiser.
    public_premoderation: Mapped[bool] = mapped_column(default=True, server_default=true())
    response_published_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    # Months after archiving until its participants' personal data are pseudonymised by
    # `flask retention`; None keeps them.
    retention_months: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    chapters: Mapped[list["Chapter"]] = relationship(
        back_populates="consultation", order_by="Chapter.position", lazy="raise"
    )
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="consultation", order_by="Criterion.position", lazy="raise"
    )
    members: Mapped[list["Membership"]] = relationship(back_populates="consultation", lazy="raise")

    def phase_at(self, moment: datetime) -> Phase | None:
        """Which input window is open at a (naive UTC) moment, if any."""
        if self.pre_opens_at and self.pre_closes_at:
            if self.pre_opens_at <= moment < self.pre_closes_at:
                return Phase.PRE
        if self.post_opens_at and self.post_closes_at:
            if self.post_opens_at <= moment < self.post_closes_at:
                return Phase.POST
        return None

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.title!r}>"


class Criterion(db.Model):
    """A rating criterion, e.g. relevance, on a 1..scale_max scale with a label per point."""

    __tablename__ = "criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    scale_max: Mapped[int] = mapped_column(default=5)
    # Labels for 1..scale_max, one per line ("Sangat rendah" ... "Sangat tinggi").
    scale_labels: Mapped[str] = mapped_column(Text, default="")
    # The same in English, optional: blank (or a scale of another length) shows the above.
    label_en: Mapped[str] = mapped_column(String(120), default="", server_default="")
    description_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    scale_labels_en: Mapped[str] = mapped_column(Text, default="", server_default="")

    consultation: Mapped[Consultation] = relationship(back_populates="criteria")

    __table_args__ = (UniqueConstraint("consultation_id", "key"),)

    @property
    def labels(self) -> list[str]:
        """The scale's labels in the reader's language (see consult.bilingual)."""
        return localized_lines(self, "scale_labels")

    @property
    def display_label(self) -> str:
        """The criterion's name in the reader's language."""
        return localized(self, "label")

    @property
    def display_description(self) -> str:
        return localized(self, "description")


class Membership(db.Model):
    """Who takes part in a consultation, and as what. No membership: the consultation is 404."""

    __tablename__ = "membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(
        enum_column(MemberRole), default=MemberRole.PARTICIPANT
    )
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the participant last opened the overview; "what changed since" is measured from it.
    last_visit_at: Mapped[datetime | None]
    previous_visit_at: Mapped[datetime | None]
    # An organiser may stop someone posting without hiding what they already wrote.
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str] = mapped_column(Text, default="")
    # Joined through public registration (consult/public), not invited by an organiser.
    is_public: Mapped[bool] = mapped_column(default=False, server_default=false())

    consultation: Mapped[Consultation] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("consultation_id", "user_id"),)


class Labelled:
    """Shown as "code title", e.g. "1.1.1 Substitusi impor bahan baku" (no code: the title)."""

    code: str
    title: str

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}".strip()


class Chapter(Labelled, db.Model):
    __tablename__ = "chapter"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")

    consultation: Mapped[Consultation] = relationship(back_populates="chapters")
    sections: Mapped[list["Section"]] = relationship(
        back_populates="chapter", order_by="Section.position", lazy="raise"
    )


class Section(Labelled, db.Model):
    __tablename__ = "section"

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("chapter.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    chapter: Mapped[Chapter] = relationship(back_populates="sections")
    strategies: Mapped[list["Strategy"]] = relationship(
        back_populates="section", order_by="Strategy.position", lazy="raise"
    )


class Strategy(Labelled, db.Model):
    __tablename__ = "strategy"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    code: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    targets: Mapped[str] = mapped_column(Text, default="")
    time_horizon: Mapped[str] = mapped_column(String(120), default="")
    version: Mapped[int] = mapped_column(default=1)

    section: Mapped[Section] = relationship(back_populates="strategies")


def kind_of(item: Section | Strategy) -> str:
    """ "section" or "strategy": the ContentVersion.kind of an item."""
    return "section" if isinstance(item, Section) else "strategy"


def text_of(item: Section | Strategy) -> dict[str, str]:
    """The item's versioned text under ContentVersion's names (body = a strategy's description)."""
    if isinstance(item, Section):
        return {"code": item.code, "title": item.title, "body": item.body}
    return {
        "code": item.code,
        "title": item.title,
        "body": item.description,
        "targets": item.targets,
        "time_horizon": item.time_horizon,
    }


class ContentVersion(Labelled, db.Model):
    """A published text of a section or strategy; the live row holds the newest."""

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "section" or "strategy"
    item_id: Mapped[int]
    version: Mapped[int]
    code: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    targets: Mapped[str] = mapped_column(Text, default="")
    time_horizon: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    # Indexed: a public page's Last-Modified reads the latest.
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (UniqueConstraint("kind", "item_id", "version"),)

    @classmethod
    def snapshot(
        cls, item: Section | Strategy, actor: User | None, note: str = ""
    ) -> "ContentVersion":
        """The item's current text as a version row (not added to the session)."""
        return cls(
            kind=kind_of(item),
            item_id=item.id,
            version=item.version,
            note=note,
            published_by_id=actor.id if actor is not None else None,
            **text_of(item),
        )


class ConsultationDocument(db.Model):
    """A file organisers attach to a consultation: FGD minutes, attendance list, the plan."""

    __tablename__ = "consultation_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # minutes, attendance, other
    title: Mapped[str] = mapped_column(String(300))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
