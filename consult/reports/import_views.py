"""The plan import's pages: the upload (which becomes a job, import_jobs.py) and the preview of
what the job read, with the form that confirms it (plans.confirm_import saves it).

The upload page is for the consultation's organisers (403 for its other members, as before);
the preview, like every job's page, only for them and admins (404 for anyone else).
"""

from flask import abort, redirect, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from consult.extensions import db
from consult.permissions import can_manage
from consult.plans.forms import ImportConfirmForm, ImportUploadForm, read_outline_upload
from consult.plans.models import Consultation
from consult.plans.preview import IMPORT_PREVIEW
from consult.plans.services import get_managed_consultation
from consult.plans.views import import_page
from consult.reports import import_jobs
from consult.reports.export_jobs import enqueue_export
from consult.reports.models import ExportJob
from consult.reports.views import bp


def _job_page(job: ExportJob):
    return redirect(
        url_for("reports.export_job", consultation_id=job.consultation_id, job_id=job.id)
    )


@bp.route("/c/<int:consultation_id>/import", methods=["GET", "POST"])
@login_required
def import_plan(consultation_id: int):
    """Upload a Markdown or DOCX outline; the worker reads it (a job), then the preview shows."""
    consultation = get_managed_consultation(consultation_id, current_user)
    form = ImportUploadForm()
    upload = form.validate_on_submit() and read_outline_upload(form.file)
    if not upload:
        return import_page(consultation, form, status=422 if form.is_submitted() else 200)
    data, fmt = upload
    job = import_jobs.submit_import(
        consultation, current_user, data, fmt, form.file.data.filename, str(get_locale())
    )
    db.session.commit()
    enqueue_export(job.id)
    return _job_page(job)


@bp.get("/c/<int:consultation_id>/import/<int:job_id>")
@login_required
def import_preview(consultation_id: int, job_id: int):
    """What an import job read, and the form that confirms it."""
    consultation = db.session.get(Consultation, consultation_id)
    job = db.session.get(ExportJob, job_id)
    if consultation is None or not can_manage(current_user, consultation):
        abort(404)
    if job is None or job.consultation_id != consultation.id or job.kind != import_jobs.IMPORT:
        abort(404)
    result = import_jobs.import_result(job)
    if result is None:  # not read yet, failed or deleted: the job's page says which
        return _job_page(job)
    confirm_form = None
    if not result.outline.is_empty:
        token = IMPORT_PREVIEW.sign(consultation, current_user, result.outline)
        confirm_form = ImportConfirmForm(formdata=None, outline=token)
    return import_page(consultation, ImportUploadForm(formdata=None), result, confirm_form)
