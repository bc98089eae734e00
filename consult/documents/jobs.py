"""Official documents as jobs of the task worker, like exports (consult/reports/export_jobs.py).

The organiser's form is checked in the request; `submit_document` records the job with the
choices made (language, signatories, number ...) and audits the request; the view commits,
enqueues and shows the job's page, whose progress bar follows the stages below. The worker
renders the document with the same builders and writers as before (rekapitulasi.py, letters.py,
fgd.py, pdf.py, docx_writer.py), writes it to a temporary name and renames it into place, so
only a whole file is ever offered; the download is audited and limited to the consultation's
organisers like an export's.

A berita acara is issued when its job is done: its PDF and its DOCX are kept frozen as a new
numbered version (IssuedDocument) in the transaction that marks the job done, so a job that
fails or is retried never issues a version twice.
"""

from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

from consult.audit import record
from consult.auth.models import User
from consult.documents import fgd_papers, letters
from consult.documents.docx_writer import render_docx
from consult.documents.pdf import render_pdf, write_pdf_in_parts
from consult.documents.rekapitulasi import RekapOptions, build_rekapitulasi, rekap_filename
from consult.documents.services import issue_document
from consult.extensions import db
from consult.fgd.models import FgdSession
from consult.plans.models import Consultation
from consult.reports.export_jobs import JobKind, JobOutput, register_kind
from consult.reports.models import ExportJob

REKAPITULASI, LETTER = "rekapitulasi", "letter"
ATTENDANCE, MINUTES, BERITA_ACARA = "attendance", "minutes", fgd_papers.BERITA_ACARA
# The audit action of each document's request (the names used since documents were made in
# the request, so the audit trail reads the same).
AUDIT_ACTIONS = {
    REKAPITULASI: "documents.rekapitulasi",
    LETTER: "documents.letter",
    ATTENDANCE: "documents.fgd_attendance",
    MINUTES: "documents.fgd_minutes",
    BERITA_ACARA: "documents.berita_acara_requested",
}
# Its progress is in stages (labels: consult/reports/forms.py JOB_STAGE_LABELS).
STAGES = ("collecting", "rendering", "saving")


class DocumentGone(Exception):
    """What the document was about (an FGD session, the recipients) no longer exists."""


def submit_document(
    consultation: Consultation,
    actor: User,
    kind: str,
    fmt: str,
    params: dict[str, Any],
    locale: str,
    audit: dict[str, Any] | None = None,
) -> ExportJob:
    """Record a document job for the worker and audit the request; flushes."""
    job = ExportJob(
        consultation_id=consultation.id,
        requested_by_id=actor.id,
        kind=kind,
        format=fmt,
        filters=params,
        locale=locale,
    )
    db.session.add(job)
    db.session.flush()
    record(
        AUDIT_ACTIONS[kind],
        actor,
        consultation,
        consultation_id=consultation.id,
        format=fmt,
        job_id=job.id,
        **(audit or {}),
    )
    return job


def _stage(progress, stage: str) -> None:
    progress(STAGES.index(stage), len(STAGES), stage)


def _write(out_file, progress, content: bytes) -> None:
    _stage(progress, "saving")
    out_file.write(content)


def _rekapitulasi(job: ExportJob, consultation: Consultation, out_file, progress) -> JobOutput:
    params = job.filters
    options = RekapOptions(
        lang=params.get("lang", "id"),
        include_withheld=bool(params.get("include_withheld")),
        number=params.get("number", ""),
        signatory_id=params.get("signatory_id"),
        anonymise=bool(params.get("anonymise")),
    )
    _stage(progress, "collecting")
    document = build_rekapitulasi(consultation, options)
    _stage(progress, "rendering")
    if job.format == "pdf":  # written into the file part by part: a long one is never held
        write_pdf_in_parts(document, out_file)
        _stage(progress, "saving")
    else:
        _write(out_file, progress, render_docx(document))
    return JobOutput(rekap_filename(consultation, options, job.format))


def _letter(job: ExportJob, consultation: Consultation, out_file, progress) -> JobOutput:
    params = job.filters
    _stage(progress, "collecting")
    people = letters.recipients(consultation, params.get("user_id"), params.get("organisation"))
    if not people:
        raise DocumentGone("no recipient left")
    options = letters.LetterOptions(
        number=params.get("number", ""), signatory_id=params.get("signatory_id")
    )
    document = letters.build_letter(consultation, people, options)
    _stage(progress, "rendering")
    _write(out_file, progress, render_pdf(document))
    return JobOutput(letters.letter_filename(consultation, people, options, "pdf"))


def _session(job: ExportJob, consultation: Consultation) -> FgdSession:
    session = db.session.get(FgdSession, job.filters.get("session_id"))
    if session is None or session.consultation_id != consultation.id:
        raise DocumentGone("FGD session removed")
    return session


def _paper_options(job: ExportJob, consultation: Consultation, number: str = ""):
    params = job.filters
    signers = {key: value for key, value in (params.get("signers") or {}).items()}
    return fgd_papers.paper_options(consultation, params.get("lang", "id"), signers, number)


def _fgd_paper(job: ExportJob, consultation: Consultation, out_file, progress) -> JobOutput:
    _stage(progress, "collecting")
    session = _session(job, consultation)
    options = _paper_options(job, consultation)
    document = fgd_papers.build_paper(session, job.kind, options)
    _stage(progress, "rendering")
    pdf = job.format == "pdf"
    _write(out_file, progress, render_pdf(document) if pdf else render_docx(document))
    name = fgd_papers.paper_file_name(job.kind, consultation, session, options.lang, job.format)
    return JobOutput(name)


def _berita_acara(job: ExportJob, consultation: Consultation, out_file, progress) -> JobOutput:
    _stage(progress, "collecting")
    session = _session(job, consultation)
    number = job.filters.get("number", "")
    options = _paper_options(job, consultation, number)
    document = fgd_papers.build_paper(session, BERITA_ACARA, options)
    _stage(progress, "rendering")
    pdf, docx = render_pdf(document), render_docx(document)
    _write(out_file, progress, pdf)

    def issue(done_job: ExportJob, path: Path) -> None:
        """Keep both files as the next numbered version; audited by issue_document."""
        actor = db.session.get(User, done_job.requested_by_id)
        version = len(fgd_papers.issued_list(consultation, session)) + 1
        name = fgd_papers.paper_file_name(BERITA_ACARA, consultation, session, options.lang, "")
        issued = issue_document(
            consultation,
            actor,
            BERITA_ACARA,
            session.id,
            number,
            f"{name.removesuffix('.')}-v{version}.pdf",
            path.read_bytes(),
            docx=docx,
        )
        done_job.download_name = issued.filename
        done_job.filters = {**done_job.filters, "version": issued.version}

    return JobOutput(f"berita-acara-{job.id}.pdf", on_done=issue)


register_kind(REKAPITULASI, JobKind(_rekapitulasi, _l("Summary of input (rekapitulasi)")))
register_kind(LETTER, JobKind(_letter, _l("Response letter")))
register_kind(ATTENDANCE, JobKind(_fgd_paper, _l("Attendance list")))
register_kind(MINUTES, JobKind(_fgd_paper, _l("Minutes of the meeting")))
register_kind(BERITA_ACARA, JobKind(_berita_acara, _l("Official record")))
