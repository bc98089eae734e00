"""The organiser's response to input: a disposition per comment, optionally shared by a group."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.enums import enum_column
from consult.extensions import db
from consult.feedback.models import Comment
from consult.timeutil import utcnow


class Disposition(enum.StrEnum):
    ACCEPTED = "accepted"
    PARTLY_ACCEPTED = "partly_accepted"
    NOTED = "noted"
    NOT_ACCEPTED = "not_accepted"
    OUT_OF_SCOPE = "out_of_scope"


class ResponseGroup(db.Model):
    """Several similar comments answered once: one disposition and rationale for all of them."""

    __tablename__ = "response_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    disposition: Mapped[Disposition] = mapped_column(enum_column(Disposition))
    rationale: Mapped[str] = mapped_column(Text, default="")
    # Where the input went: a free reference ("Bab 2.1 rev. 3") and/or a published version.
    revision_ref: Mapped[str] = mapped_column(String(300), default="")
    content_version_id: Mapped[int | None] = mapped_column(ForeignKey("content_version.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    decided_by: Mapped[User | None] = relationship(lazy="raise")


class CommentResponse(db.Model):
    """The organiser's disposition of one comment, its own or through a ResponseGroup."""

    __tablename__ = "comment_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), unique=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    # Set when answered together with others; the group's values then apply.
    response_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("response_group.id"), index=True
    )
    disposition: Mapped[Disposition | None] = mapped_column(enum_column(Disposition))
    rationale: Mapped[str] = mapped_column(Text, default="")
    revision_ref: Mapped[str] = mapped_column(String(300), default="")
    content_version_id: Mapped[int | None] = mapped_column(ForeignKey("content_version.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    comment: Mapped[Comment] = relationship(lazy="raise")
    group: Mapped[ResponseGroup | None] = relationship(lazy="joined")

    def _source(self):
        return self.group if self.group is not None else self

    @property
    def effective_disposition(self) -> Disposition | None:
        return self._source().disposition

    @property
    def effective_rationale(self) -> str:
        return self._source().rationale

    @property
    def effective_revision_ref(self) -> str:
        return self._source().revision_ref

    @property
    def effective_content_version_id(self) -> int | None:
        return self._source().content_version_id


class DataVersion(db.Model):
    """One counter, raised in the same transaction as any write the analysis depends on.

    Cached analysis pages are keyed by it (consult/reports/analysis_cache.py), so a cached page is
    never served after new input has been committed, whichever worker serves it.
    """

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0, server_default="0")
