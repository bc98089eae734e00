"""The organiser's response to input: a disposition per comment, optionally shared by a group."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
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

    # A public page's Last-Modified reads the latest decision of the consultation.
    __table_args__ = (
        Index("ix_comment_response_consultation_decided", "consultation_id", "decided_at"),
    )

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


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # done, and its file deleted after the retention period


class ExportJob(db.Model):
    """A file made by the worker: an export (kind "export") or an official document (kind
    "rekapitulasi", "letter", "attendance", "minutes", "berita_acara"); its request, its
    progress and the file it left.

    The file lives in EXPORT_FOLDER under `stored_name` (random), written to a temporary
    name first and renamed only when complete, so a half-written file is never offered.
    """

    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # What is made; the writer of each kind is registered in consult/reports/export_jobs.py.
    kind: Mapped[str] = mapped_column(String(30), default="export", server_default="export")
    format: Mapped[str] = mapped_column(String(10))
    # An export's filters, or a document's choices (language, signatories, number ...).
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The organiser's language when asking: the export speaks it.
    locale: Mapped[str] = mapped_column(String(10), default="id")
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.QUEUED)
    # Progress: places of the plan written (done of total), and the stage in words.
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    stage: Mapped[str] = mapped_column(String(30), default="", server_default="")
    attempts: Mapped[int] = mapped_column(default=0)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    stored_name: Mapped[str] = mapped_column(String(100), default="")
    download_name: Mapped[str] = mapped_column(String(200), default="")
    file_size: Mapped[int | None]
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # Raised by the worker as it writes: a running job whose heartbeat stops was lost.
    heartbeat_at: Mapped[datetime | None]
    # "host:pid" of the worker process running it: one that died is recognised at the next
    # worker's start on that host without waiting for the heartbeat to go stale.
    worker: Mapped[str] = mapped_column(String(120), default="", server_default="")
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    requested_by: Mapped[User | None] = relationship(lazy="raise")

    __table_args__ = (
        Index("ix_export_job_consultation_id_created_at", "consultation_id", "created_at"),
        Index("ix_export_job_state", "state"),
    )

    @property
    def percent(self) -> int:
        if self.state in (JobState.DONE, JobState.EXPIRED):
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def finished(self) -> bool:
        return self.state not in (JobState.QUEUED, JobState.RUNNING)
