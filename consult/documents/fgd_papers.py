"""The papers of one FGD session as files: daftar hadir and notulen (PDF or DOCX) made on
request, and the berita acara issued under the organiser's number and kept frozen."""

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import defer

from consult.audit import record
from consult.auth.models import User
from consult.documents import services
from consult.documents.docx_writer import render_docx
from consult.documents.fgd import (
    PaperOptions,
    build_attendance,
    build_minutes,
    build_official_record,
)
from consult.documents.fgd_record import meeting_record
from consult.documents.models import IssuedDocument
from consult.documents.pdf import render_pdf
from consult.extensions import db
from consult.fgd.models import FgdSession
from consult.plans.models import Consultation

BERITA_ACARA = "berita_acara"
BUILDERS = {
    "attendance": build_attendance,
    "minutes": build_minutes,
    BERITA_ACARA: build_official_record,
}


def sessions_of(consultation: Consultation) -> list[FgdSession]:
    return list(
        db.session.scalars(
            select(FgdSession)
            .where(FgdSession.consultation_id == consultation.id)
            .order_by(FgdSession.starts_at, FgdSession.id)
        )
    )


def paper_options(
    consultation: Consultation, lang: str, signers: dict[str, int | None], number: str = ""
) -> PaperOptions:
    """Letterhead, paper and place from the consultation's settings; the chosen signatories
    (a chosen id of another consultation counts as none)."""
    settings = services.settings_of(consultation)

    def signer(key: str):
        chosen = services.signatory_by_id(consultation, signers.get(key))
        return services.signature(chosen) if chosen else None

    chair = signer("chair")
    return PaperOptions(
        lang=lang,
        letterhead=services.letterhead_of(settings),
        paper=settings.paper or "A4",
        place=settings.place,
        number=number,
        chair=chair,
        note_taker=signer("note_taker"),
        acknowledged_by=signer("acknowledged_by"),
        organiser=chair,
    )


def build_paper(session: FgdSession, kind: str, options: PaperOptions):
    """The daftar hadir, the notulen or the berita acara of a session as a Document."""
    return BUILDERS[kind](meeting_record(session, options.lang), options)


def paper_file_name(
    kind: str, consultation: Consultation, session: FgdSession, lang: str, ext: str
) -> str:
    titles = {
        "attendance": lambda: _("Attendance list"),
        "minutes": lambda: _("Minutes of the meeting"),
        BERITA_ACARA: lambda: _("Official record"),
    }
    with force_locale(lang):
        title = titles[kind]()
    settings = services.settings_of(consultation)
    return services.file_name(title, settings, consultation, session.starts_at.date(), ext)


def make_paper(
    consultation: Consultation,
    session: FgdSession,
    actor: User,
    paper: str,
    fmt: str,
    options: PaperOptions,
) -> tuple[bytes, str]:
    """The daftar hadir or the notulen of a session, rendered now; the download audited."""
    document = build_paper(session, paper, options)
    content = render_pdf(document) if fmt == "pdf" else render_docx(document)
    record(
        f"documents.fgd_{paper}",
        actor,
        session,
        consultation_id=consultation.id,
        format=fmt,
        lang=options.lang,
    )
    return content, paper_file_name(paper, consultation, session, options.lang, fmt)


def issue_berita_acara(
    consultation: Consultation, session: FgdSession, actor: User, options: PaperOptions
) -> IssuedDocument:
    """Render the berita acara under the organiser's number and keep the PDF and DOCX as
    issued: a new version each time, the earlier ones untouched; audited by issue_document.
    (The organiser's pages issue it through a job: consult/documents/jobs.py.)"""
    document = build_paper(session, BERITA_ACARA, options)
    pdf, docx = render_pdf(document), render_docx(document)
    version = len(issued_list(consultation, session)) + 1
    name = paper_file_name(BERITA_ACARA, consultation, session, options.lang, "pdf")
    name = name.removesuffix(".pdf") + f"-v{version}.pdf"
    return services.issue_document(
        consultation, actor, BERITA_ACARA, session.id, options.number, name, pdf, docx=docx
    )


def issued_version(
    consultation: Consultation, session: FgdSession, version: int
) -> IssuedDocument | None:
    return db.session.scalar(
        select(IssuedDocument).where(
            IssuedDocument.consultation_id == consultation.id,
            IssuedDocument.kind == BERITA_ACARA,
            IssuedDocument.subject_id == session.id,
            IssuedDocument.version == version,
        )
    )


def issued_list(consultation: Consultation, session: FgdSession) -> list[IssuedDocument]:
    """The session's issued berita acara, newest first, without their files."""
    return list(
        db.session.scalars(
            select(IssuedDocument)
            .where(
                IssuedDocument.consultation_id == consultation.id,
                IssuedDocument.kind == BERITA_ACARA,
                IssuedDocument.subject_id == session.id,
            )
            .options(defer(IssuedDocument.pdf), defer(IssuedDocument.docx))
            .order_by(IssuedDocument.version.desc())
        )
    )


def with_docx(issued: list[IssuedDocument]) -> set[int]:
    """The ids of these issued documents that have their Word file (without loading files)."""
    ids = [doc.id for doc in issued]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(IssuedDocument.id).where(
                IssuedDocument.id.in_(ids), IssuedDocument.docx.is_not(None)
            )
        )
    )
