"""What participants submit: comments (with history and attachments) and ratings."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import StakeholderGroup, User
from consult.enums import enum_column
from consult.extensions import db
from consult.plans.models import Criterion, Phase, Section, Strategy
from consult.timeutil import utcnow


class CommentType(enum.StrEnum):
    SUPPORT = "support"
    OBJECTION = "objection"
    CHANGE = "change"  # a proposed change, with proposed wording
    QUESTION = "question"
    OTHER = "other"


class CommentStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for approval (pre-moderation)
    PUBLISHED = "published"
    HIDDEN = "hidden"  # hidden by a moderator, kept for the record
    REJECTED = "rejected"  # refused in pre-moderation, kept for the record
    WITHDRAWN = "withdrawn"  # withdrawn by its author, kept for the record


class InputSource(enum.StrEnum):
    ONLINE = "online"  # typed by the participant in Rembuk
    FGD = "fgd"  # said at the FGD, recorded by an organiser
    LETTER = "letter"
    EMAIL = "email"


class Comment(db.Model):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    strategy_id: Mapped[int | None] = mapped_column(ForeignKey("strategy.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    # The author: a participant, or None when recorded for a whole stakeholder group.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # The author's group at the time of writing, so analysis by group stays stable.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholder_group.id"))
    # 0-based paragraph of the section or strategy text this comment is anchored to.
    paragraph_index: Mapped[int | None]
    # Which version of the section or strategy the comment was written on.
    target_version: Mapped[int] = mapped_column(default=1)
    type: Mapped[CommentType] = mapped_column(enum_column(CommentType), default=CommentType.OTHER)
    body: Mapped[str] = mapped_column(Text)
    proposed_wording: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CommentStatus] = mapped_column(
        enum_column(CommentStatus), default=CommentStatus.PUBLISHED
    )
    phase: Mapped[Phase | None] = mapped_column(enum_column(Phase, length=10))
    source: Mapped[InputSource] = mapped_column(
        enum_column(InputSource), default=InputSource.ONLINE
    )
    # The organiser who typed it in, when recorded on someone's behalf.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    moderated_at: Mapped[datetime | None]
    moderated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    moderation_reason: Mapped[str] = mapped_column(Text, default="")
    flag_count: Mapped[int] = mapped_column(default=0)
    # A client-made token: the same form posted twice (double click, retry) makes one comment.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # A digest of the normalised body: the same text from several new accounts is held and
    # grouped for the moderator (feedback.services.text_key).
    text_key: Mapped[str | None] = mapped_column(String(64))

    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise")
    group: Mapped[StakeholderGroup | None] = relationship(lazy="raise")
    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id], lazy="raise")
    section: Mapped[Section | None] = relationship(lazy="raise")
    strategy: Mapped[Strategy | None] = relationship(lazy="raise")
    parent: Mapped["Comment | None"] = relationship(
        remote_side=[id], back_populates="replies", lazy="raise"
    )
    replies: Mapped[list["Comment"]] = relationship(
        back_populates="parent", order_by="Comment.created_at", lazy="raise"
    )
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="comment", lazy="raise")

    __table_args__ = (
        Index("ix_comment_strategy_status", "strategy_id", "status"),
        Index("ix_comment_section_status", "section_id", "status"),
        Index("ix_comment_consultation_status", "consultation_id", "status"),
        Index("ix_comment_consultation_created", "consultation_id", "created_at"),
        Index("ix_comment_consultation_flags", "consultation_id", "flag_count"),
        Index("ix_comment_parent_id", "parent_id"),
        Index("ix_comment_consultation_text_key", "consultation_id", "text_key"),
        # A public page's validators (consult/public/services.page_validators) read these maxima.
        Index("ix_comment_consultation_updated", "consultation_id", "updated_at"),
        Index("ix_comment_consultation_moderated", "consultation_id", "moderated_at"),
    )


class CommentRevision(db.Model):
    """An earlier text of a comment, kept when its author edits it."""

    __tablename__ = "comment_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    revision: Mapped[int]
    type: Mapped[CommentType] = mapped_column(enum_column(CommentType))
    body: Mapped[str] = mapped_column(Text)
    proposed_wording: Mapped[str] = mapped_column(Text, default="")
    reference: Mapped[str] = mapped_column(Text, default="")
    written_at: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("comment_id", "revision"),)


class Attachment(db.Model):
    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    comment: Mapped[Comment] = relationship(back_populates="attachments")


class Rating(db.Model):
    """The current rating of one rater for one strategy, criterion and phase."""

    __tablename__ = "rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategy.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholder_group.id"))
    phase: Mapped[Phase] = mapped_column(enum_column(Phase, length=10))
    # None means "cannot judge": counted as an answer, not in the mean.
    value: Mapped[int | None]
    source: Mapped[InputSource] = mapped_column(
        enum_column(InputSource), default=InputSource.ONLINE
    )
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    criterion: Mapped[Criterion] = relationship(lazy="raise")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise")

    __table_args__ = (
        UniqueConstraint("user_id", "strategy_id", "criterion_id", "phase"),
        Index("ix_rating_strategy_phase", "strategy_id", "phase"),
    )


class RatingChange(db.Model):
    """An earlier value of a rating, kept when the rater changes it."""

    __tablename__ = "rating_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("rating.id"), index=True)
    value: Mapped[int | None]
    valid_from: Mapped[datetime]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)
