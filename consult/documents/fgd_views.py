"""The papers of each FGD session on the official documents page: daftar hadir and notulen
to download, the berita acara issued under a number (frozen) and its earlier versions.

Only the consultation's organisers and admins: everyone else gets 404, so a session's
papers do not reveal that they exist.
"""

from flask import abort, render_template
from flask_babel import get_locale
from flask_login import current_user, login_required

from consult.documents import fgd_papers, jobs, services
from consult.documents.forms import BeritaAcaraForm, FgdPapersForm
from consult.documents.views import bp, download, start_job
from consult.extensions import db
from consult.fgd.services import get_session
from consult.permissions import can_manage
from consult.plans.models import Consultation

SESSION_URL = "/c/<int:consultation_id>/official-documents/fgd/<int:session_id>"


def _session(consultation_id: int, session_id: int):
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not can_manage(current_user, consultation):
        abort(404)
    return consultation, get_session(consultation, session_id)


def _page(consultation, session, status=200, **forms):
    signatories = services.signatories_of(consultation)
    forms.setdefault("papers_form", FgdPapersForm(signatories, formdata=None))
    forms.setdefault("issue_form", BeritaAcaraForm(signatories, formdata=None))
    issued = fgd_papers.issued_list(consultation, session)
    return render_template(
        "documents/fgd.html",
        consultation=consultation,
        session=session,
        issued=issued,
        with_docx=fgd_papers.with_docx(issued),
        **forms,
    ), status


@bp.route(SESSION_URL)
@login_required
def fgd_session(consultation_id: int, session_id: int):
    return _page(*_session(consultation_id, session_id))


@bp.route(SESSION_URL + "/papers", methods=["POST"])
@login_required
def fgd_paper(consultation_id: int, session_id: int):
    consultation, session = _session(consultation_id, session_id)
    form = FgdPapersForm(services.signatories_of(consultation))
    if not form.validate_on_submit():
        return _page(consultation, session, 422, papers_form=form)
    params = {"session_id": session.id, "lang": form.lang.data, "signers": form.signatory_ids()}
    job = jobs.submit_document(
        consultation, current_user, form.paper.data, form.format.data, params,
        str(get_locale()), {"lang": form.lang.data, "session_id": session.id},
    )  # fmt: skip
    return start_job(job)


@bp.route(SESSION_URL + "/berita-acara", methods=["POST"])
@login_required
def issue_berita_acara(consultation_id: int, session_id: int):
    """Issue the next version under the organiser's number: made by the worker, which keeps
    it frozen (PDF and DOCX) when done."""
    consultation, session = _session(consultation_id, session_id)
    form = BeritaAcaraForm(services.signatories_of(consultation))
    if not form.validate_on_submit():
        return _page(consultation, session, 422, issue_form=form)
    params = {
        "session_id": session.id,
        "lang": form.lang.data,
        "signers": form.signatory_ids(),
        "number": form.number.data.strip(),
    }
    job = jobs.submit_document(
        consultation, current_user, jobs.BERITA_ACARA, "pdf", params, str(get_locale()),
        {"session_id": session.id, "number": params["number"]},
    )  # fmt: skip
    return start_job(job)


@bp.route(SESSION_URL + "/berita-acara/<int:version>")
@login_required
def issued_berita_acara(consultation_id: int, session_id: int, version: int):
    """An issued version exactly as it was issued (no state change: nothing is audited)."""
    consultation, session = _session(consultation_id, session_id)
    issued = fgd_papers.issued_version(consultation, session, version)
    if issued is None:
        abort(404)
    return download(issued.pdf, issued.filename, "pdf")


@bp.route(SESSION_URL + "/berita-acara/<int:version>/docx")
@login_required
def issued_berita_acara_docx(consultation_id: int, session_id: int, version: int):
    """The Word file of an issued version (versions issued before Word files were kept: 404)."""
    consultation, session = _session(consultation_id, session_id)
    issued = fgd_papers.issued_version(consultation, session, version)
    if issued is None or issued.docx is None:
        abort(404)
    return download(issued.docx, issued.filename.removesuffix(".pdf") + ".docx", "docx")
