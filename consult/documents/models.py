"""What official documents are made from: a consultation's letterhead, its signatories, and
the documents issued under a number (frozen once issued)."""

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from consult.extensions import db
from consult.timeutil import utcnow


class DocumentSettings(db.Model):
    """The letterhead (kop surat) and paper of one consultation's documents."""

    __tablename__ = "document_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), unique=True)
    # Used in file names: "RPIK Palangka Raya" -> Rekapitulasi-Masukan-RPIK-Palangka-Raya-...
    short_name: Mapped[str] = mapped_column(String(80), default="")
    institution: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(300), default="")
    place: Mapped[str] = mapped_column(String(100), default="")  # "Palangka Raya"
    paper: Mapped[str] = mapped_column(String(4), default="A4")  # A4 or F4
    # Re-encoded by Pillow as PNG (consult/documents/services.py), never the uploaded bytes.
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Signatory(db.Model):
    """Someone who signs a consultation's documents: chosen per document."""

    __tablename__ = "signatory"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200), default="")  # jabatan
    rank: Mapped[str] = mapped_column(String(120), default="")  # pangkat/golongan
    nip: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuedDocument(db.Model):
    """A numbered document as issued: its PDF and DOCX are kept and never change. Re-issuing makes a
    new version; the earlier one stays downloadable."""

    __tablename__ = "issued_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # berita_acara
    # What it records, e.g. an FGD session's id; the kind says what the id is of.
    subject_id: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)
    number: Mapped[str] = mapped_column(String(120))
    filename: Mapped[str] = mapped_column(String(255))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    # The same document as issued, in Word (issued before revision 0014: none).
    docx: Mapped[bytes | None] = mapped_column(LargeBinary)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("consultation_id", "kind", "subject_id", "version"),)
