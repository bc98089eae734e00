"""Letterhead, logo, signatories and issued documents of a consultation's official papers."""

import io
import re
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.audit import record
from consult.auth.models import User
from consult.documents.model import Letterhead, Signature
from consult.documents.models import DocumentSettings, IssuedDocument, Signatory
from consult.extensions import db
from consult.plans.models import Consultation
from consult.timeutil import utcnow

MAX_LOGO_BYTES = 2 * 1024 * 1024
MAX_LOGO_PIXELS = 600  # the longer side after re-encoding: 2.2 cm at about 700 dpi
PAPERS = ("A4", "F4")


class LogoError(ValueError):
    """The logo is refused; str(error) is a translated message for the field."""


def settings_of(consultation: Consultation) -> DocumentSettings:
    """The consultation's document settings, or unsaved defaults."""
    settings = db.session.scalar(
        select(DocumentSettings).where(DocumentSettings.consultation_id == consultation.id)
    )
    if settings is None:
        settings = DocumentSettings(
            consultation_id=consultation.id,
            short_name="",
            institution="",
            unit=consultation.department or "",
            address="",
            contact="",
            place="",
            paper="A4",
        )
    return settings


def clean_logo(data: bytes) -> bytes:
    """A PNG or JPEG checked by its content, decoded and re-encoded as PNG by Pillow.

    Anything else (SVG, GIF, a script renamed .png) is refused; so is a file over 2 MB or an
    image Pillow cannot decode. Re-encoding drops metadata and anything appended to the file.
    """
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_LOGO_BYTES:
        raise LogoError(_l("The logo is too large (at most 2 MB)."))
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise LogoError(_l("The logo must be a PNG or JPEG image."))
    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as image:
            if image.width * image.height > 40_000_000:
                raise LogoError(_l("The logo is too large (at most 2 MB)."))
            image.load()
            image = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise LogoError(_l("The logo could not be read as an image.")) from error
    image.thumbnail((MAX_LOGO_PIXELS, MAX_LOGO_PIXELS))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def save_settings(
    consultation: Consultation, actor: User, data: dict, logo: bytes | None = None
) -> DocumentSettings:
    """Store the letterhead and paper; a new logo replaces the old; audited."""
    settings = settings_of(consultation)
    for key in ("short_name", "institution", "unit", "address", "contact", "place"):
        setattr(settings, key, (data.get(key) or "").strip())
    settings.paper = data.get("paper") if data.get("paper") in PAPERS else "A4"
    if data.get("remove_logo"):
        settings.logo_png = None
    if logo is not None:
        settings.logo_png = clean_logo(logo)
    settings.updated_at = utcnow()
    db.session.add(settings)
    db.session.flush()
    record("documents.settings", actor, consultation, consultation_id=consultation.id)
    return settings


def letterhead_of(settings: DocumentSettings) -> Letterhead | None:
    if not (settings.institution or settings.unit or settings.logo_png):
        return None
    return Letterhead(
        institution=settings.institution,
        unit=settings.unit,
        address=settings.address,
        contact=settings.contact,
        logo_png=settings.logo_png,
    )


def signatories_of(consultation: Consultation) -> list[Signatory]:
    return list(
        db.session.scalars(
            select(Signatory)
            .where(Signatory.consultation_id == consultation.id)
            .order_by(Signatory.name, Signatory.id)
        )
    )


def add_signatory(consultation: Consultation, actor: User, data: dict) -> Signatory:
    """Add someone who may sign this consultation's documents; audited."""
    signatory = Signatory(
        consultation_id=consultation.id,
        **{k: (data.get(k) or "").strip() for k in ("name", "position", "rank", "nip")},
    )
    db.session.add(signatory)
    db.session.flush()
    record(
        "documents.signatory_added",
        actor,
        consultation,
        consultation_id=consultation.id,
        signatory_id=signatory.id,
    )
    return signatory


def remove_signatory(signatory: Signatory, actor: User, consultation: Consultation) -> None:
    """Remove a signatory (documents already issued keep their name); audited."""
    record(
        "documents.signatory_removed",
        actor,
        consultation,
        consultation_id=consultation.id,
        signatory_id=signatory.id,
    )
    db.session.delete(signatory)
    db.session.flush()


def signatory_by_id(consultation: Consultation, signatory_id: int | None) -> Signatory | None:
    if not signatory_id:
        return None
    return db.session.scalar(
        select(Signatory).where(
            Signatory.id == signatory_id, Signatory.consultation_id == consultation.id
        )
    )


def signature(
    signatory: Signatory | None, caption: str = "", place_date: str = "", nip_label: str = "NIP"
) -> Signature:
    """A signature block for a signatory, or an empty one to sign by hand."""
    if signatory is None:
        return Signature(caption=caption, place_date=place_date)
    return Signature(
        caption=caption,
        place_date=place_date,
        position=signatory.position,
        name=signatory.name,
        rank=signatory.rank,
        nip=signatory.nip,
        nip_label=nip_label,
    )


def slug(text: str) -> str:
    """ "RPIK Palangka Raya" -> "RPIK-Palangka-Raya": ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-")[:80]


def file_name(kind_title: str, settings: DocumentSettings, consultation, day: date, ext: str):
    """ "Rekapitulasi-Masukan-RPIK-Palangka-Raya-2026-11-29.pdf"."""
    name = slug(settings.short_name) or slug(consultation.title) or f"konsultasi-{consultation.id}"
    return f"{slug(kind_title)}-{name}-{day.isoformat()}.{ext}"


# --- issued documents (berita acara): frozen once issued --------------------------------


def issued_versions(consultation: Consultation, kind: str, subject_id: int | None):
    """Every issued version of a document, newest first."""
    query = select(IssuedDocument).where(
        IssuedDocument.consultation_id == consultation.id, IssuedDocument.kind == kind
    )
    query = query.where(
        IssuedDocument.subject_id == subject_id
        if subject_id is not None
        else IssuedDocument.subject_id.is_(None)
    )
    return list(db.session.scalars(query.order_by(IssuedDocument.version.desc())))


def issue_document(
    consultation: Consultation,
    actor: User | None,
    kind: str,
    subject_id: int | None,
    number: str,
    filename: str,
    pdf: bytes,
    docx: bytes | None = None,
) -> IssuedDocument:
    """Keep a numbered document (its PDF, and its DOCX when given) as issued: a new version
    each time, the earlier ones stay; audited with its number and version."""
    latest = db.session.scalar(
        select(func.max(IssuedDocument.version)).where(
            IssuedDocument.consultation_id == consultation.id,
            IssuedDocument.kind == kind,
            IssuedDocument.subject_id == subject_id,
        )
    )
    issued = IssuedDocument(
        consultation_id=consultation.id,
        kind=kind,
        subject_id=subject_id,
        version=(latest or 0) + 1,
        number=number,
        filename=filename,
        pdf=pdf,
        docx=docx,
        issued_by_id=actor.id if actor else None,
        note="",
    )
    db.session.add(issued)
    db.session.flush()
    record(
        f"documents.{kind}_issued",
        actor,
        consultation,
        consultation_id=consultation.id,
        subject_id=subject_id,
        version=issued.version,
        number=number,
    )
    return issued
