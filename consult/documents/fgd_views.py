"""The papers of each FGD session on the official documents page: daftar hadir and notulen
to download, the berita acara issued under a number (frozen) and its earlier versions.

Only the consultation's organisers and admins: everyone else gets 404, so a session's
papers do not reveal that they exist.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.documents import fgd_papers, services
from consult.documents.forms import BeritaAcaraForm, FgdPapersForm
from consult.documents.views import bp, download
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
    options = fgd_papers.paper_options(consultation, form.lang.data, form.signatory_ids())
    content, name = fgd_papers.make_paper(
        consultation, session, current_user, form.paper.data, form.format.data, options
    )
    db.session.commit()
    return download(content, name, form.format.data)


@bp.route(SESSION_URL + "/berita-acara", methods=["POST"])
@login_required
def issue_berita_acara(consultation_id: int, session_id: int):
    consultation, session = _session(consultation_id, session_id)
    form = BeritaAcaraForm(services.signatories_of(consultation))
    if not form.validate_on_submit():
        return _page(consultation, session, 422, issue_form=form)
    number = form.number.data.strip()
    options = fgd_papers.paper_options(consultation, form.lang.data, form.signatory_ids(), number)
    issued = fgd_papers.issue_berita_acara(consultation, session, current_user, options)
    db.session.commit()
    flash(_("Official record version %(v)d was issued.", v=issued.version), "success")
    return redirect(
        url_for("documents.fgd_session", consultation_id=consultation.id, session_id=session.id)
        + "#issued"
    )


@bp.route(SESSION_URL + "/berita-acara/<int:version>")
@login_required
def issued_berita_acara(consultation_id: int, session_id: int, version: int):
    """An issued version exactly as it was issued (no state change: nothing is audited)."""
    consultation, session = _session(consultation_id, session_id)
    issued = fgd_papers.issued_version(consultation, session, version)
    if issued is None:
        abort(404)
    return download(issued.pdf, issued.filename, "pdf")
