"""The organiser's official documents page: letterhead, signatories, and the documents to
ask for (rekapitulasi masukan, response letters; FGD papers in fgd_views.py). Documents are
made by the task worker (consult/documents/jobs.py): the form's view records the job and
shows its progress on the downloads page of the consultation."""

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.documents import fgd_papers, jobs, letters, services
from consult.documents.forms import (
    ConfirmForm,
    LetterForm,
    LetterheadForm,
    RekapForm,
    SignatoryForm,
)
from consult.extensions import db
from consult.permissions import require_manage
from consult.plans.models import Consultation
from consult.reports.export_jobs import enqueue_export

bp = Blueprint("documents", __name__)
MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _managed(consultation_id: int) -> Consultation:
    """The consultation: 404 if not visible, 403 unless the user runs it."""
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        abort(404)
    require_manage(current_user, consultation)
    return consultation


def _forms(consultation, **overrides) -> dict:
    settings = services.settings_of(consultation)
    signatories = services.signatories_of(consultation)
    forms = {
        "letterhead_form": LetterheadForm(obj=settings, formdata=None),
        "signatory_form": SignatoryForm(formdata=None),
        "rekap_form": RekapForm(signatories, formdata=None),
        "letter_form": LetterForm(
            signatories,
            letters.authors(consultation),
            letters.organisations(consultation),
            formdata=None,
        ),
    }
    forms.update(overrides)
    return {
        "settings": settings,
        "signatories": signatories,
        "fgd_sessions": fgd_papers.sessions_of(consultation),
        "confirm": ConfirmForm(),
        **forms,
    }


def _page(consultation, status=200, **overrides):
    return render_template(
        "documents/index.html", consultation=consultation, **_forms(consultation, **overrides)
    ), status


def _locale() -> str:
    return str(get_locale())


def start_job(job) -> Response:
    """Commit the document's job, hand it to the worker and show its progress."""
    db.session.commit()
    enqueue_export(job.id)
    flash(_("The document is being made. You may leave this page and come back."), "info")
    return redirect(
        url_for("reports.export_job", consultation_id=job.consultation_id, job_id=job.id)
    )


def download(content: bytes, filename: str, fmt: str) -> Response:
    """A rendered document as an attachment, never cached."""
    g.no_store = True
    response = Response(content, mimetype=MIMETYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/c/<int:consultation_id>/official-documents")
@login_required
def index(consultation_id: int):
    return _page(_managed(consultation_id))


@bp.route("/c/<int:consultation_id>/official-documents/letterhead", methods=["POST"])
@login_required
def save_letterhead(consultation_id: int):
    consultation = _managed(consultation_id)
    form = LetterheadForm()
    if not form.validate_on_submit():
        return _page(consultation, 422, letterhead_form=form)
    services.save_settings(consultation, current_user, form.data, form.logo_bytes)
    db.session.commit()
    flash(_("The letterhead was saved."), "success")
    return redirect(url_for("documents.index", consultation_id=consultation.id))


@bp.route("/c/<int:consultation_id>/official-documents/signatories", methods=["POST"])
@login_required
def add_signatory(consultation_id: int):
    consultation = _managed(consultation_id)
    form = SignatoryForm()
    if not form.validate_on_submit():
        return _page(consultation, 422, signatory_form=form)
    services.add_signatory(consultation, current_user, form.data)
    db.session.commit()
    flash(_("The signatory was added."), "success")
    return redirect(url_for("documents.index", consultation_id=consultation.id) + "#signatories")


@bp.route(
    "/c/<int:consultation_id>/official-documents/signatories/<int:signatory_id>/remove",
    methods=["POST"],
)
@login_required
def remove_signatory(consultation_id: int, signatory_id: int):
    consultation = _managed(consultation_id)
    signatory = services.signatory_by_id(consultation, signatory_id)
    if signatory is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.remove_signatory(signatory, current_user, consultation)
        db.session.commit()
        flash(_("The signatory was removed."), "info")
    return redirect(url_for("documents.index", consultation_id=consultation.id) + "#signatories")


@bp.route("/c/<int:consultation_id>/official-documents/rekapitulasi", methods=["POST"])
@login_required
def rekapitulasi(consultation_id: int):
    consultation = _managed(consultation_id)
    form = RekapForm(services.signatories_of(consultation))
    if not form.validate_on_submit():
        return _page(consultation, 422, rekap_form=form)
    params = {
        "lang": form.lang.data,
        "include_withheld": form.include_withheld.data,
        "number": form.number.data or "",
        "signatory_id": int(form.signatory.data) if form.signatory.data else None,
        "anonymise": form.anonymise.data,
    }
    audit = {"lang": form.lang.data, "withheld": form.include_withheld.data}
    job = jobs.submit_document(
        consultation, current_user, jobs.REKAPITULASI, form.format.data, params, _locale(), audit
    )
    return start_job(job)


@bp.route("/c/<int:consultation_id>/official-documents/letter", methods=["POST"])
@login_required
def response_letter(consultation_id: int):
    consultation = _managed(consultation_id)
    signatories = services.signatories_of(consultation)
    people, organisations = letters.authors(consultation), letters.organisations(consultation)
    form = LetterForm(signatories, people, organisations)
    if not form.validate_on_submit():
        return _page(consultation, 422, letter_form=form)
    user_id, organisation = form.chosen()
    recipients = letters.recipients(consultation, user_id, organisation)
    params = {
        "user_id": user_id,
        "organisation": organisation,
        "number": form.number.data or "",
        "signatory_id": int(form.signatory.data) if form.signatory.data else None,
    }
    audit = {"recipients": [p.id for p in recipients]}
    job = jobs.submit_document(
        consultation, current_user, jobs.LETTER, "pdf", params, _locale(), audit
    )
    return start_job(job)


# The FGD papers' routes live on this blueprint too.
from consult.documents import fgd_views  # noqa: E402, F401
