"""Jobs (exports and official documents): the consultation's downloads page, a job's
progress, cancel, download.

Only the consultation's organisers (and admins) see them; anyone else gets 404.
"""

from flask import abort, flash, g, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from consult.auth.models import StakeholderGroup
from consult.extensions import db
from consult.permissions import can_manage
from consult.plans.models import Consultation, Section
from consult.reports import export_jobs
from consult.reports.forms import (
    DOCUMENT_FORMATS,
    EXPORT_FORMATS,
    IMPORT_FORMATS,
    JOB_STAGE_LABELS,
    JOB_STATE_LABELS,
    LANGUAGE_LABELS,
    PHASE_LABELS,
    STATUS_LABELS,
    ConfirmForm,
)
from consult.reports.models import ExportJob
from consult.reports.views import bp

MAX_PAGE = 10**6
DOCUMENT_MIMETYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _managed_or_404(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None or not can_manage(current_user, consultation):
        abort(404)
    return consultation


def _job(consultation_id: int, job_id: int) -> tuple[Consultation, ExportJob]:
    consultation = _managed_or_404(consultation_id)
    job = db.session.get(ExportJob, job_id)
    if job is None or job.consultation_id != consultation.id:
        abort(404)
    return consultation, job


def _document_choices(job: ExportJob) -> list[str]:
    """A document job's choices in words: language, number, version issued ..."""
    params, words = job.filters, []
    if params.get("name"):  # an import's uploaded file
        words.append(str(params["name"]))
    if params.get("lang") in LANGUAGE_LABELS:
        words.append(str(LANGUAGE_LABELS[params["lang"]]))
    if params.get("number"):
        words.append(_("number %(number)s", number=params["number"]))
    if params.get("version"):
        words.append(_("version %(version)d", version=params["version"]))
    if params.get("include_withheld"):
        words.append(_("hidden and rejected input marked"))
    if params.get("anonymise"):
        words.append(_("anonymised"))
    return words


def describe_filters(jobs: list[ExportJob]) -> dict[int, list[str]]:
    """{job id: the filters (an export's) or the choices (a document's) in words}, names
    looked up once for the page."""
    group_ids = {job.filters.get("group_id") for job in jobs} - {None}
    section_ids = {job.filters.get("section_id") for job in jobs} - {None}
    groups = {
        group.id: group.display_name
        for group in db.session.scalars(
            select(StakeholderGroup).where(StakeholderGroup.id.in_(group_ids))
        )
    }
    sections = {
        s.id: f"{s.code} {s.title}".strip()
        for s in db.session.scalars(select(Section).where(Section.id.in_(section_ids)))
    }
    described = {}
    for job in jobs:
        if job.kind != export_jobs.EXPORT:
            described[job.id] = _document_choices(job)
            continue
        f, words = job.filters, []
        if f.get("phase"):
            words.append(str(PHASE_LABELS.get(f["phase"], f["phase"])))
        if f.get("group_id"):
            words.append(groups.get(f["group_id"], _("removed group")))
        if f.get("status"):
            labels = {s.value: label for s, label in STATUS_LABELS.items()}
            words.append(str(labels.get(f["status"], f["status"])))
        if f.get("section_id"):
            words.append(sections.get(f["section_id"], _("removed section")))
        if f.get("anonymise"):
            words.append(_("anonymised"))
        described[job.id] = words
    return described


def _labels() -> dict:
    return {
        "state_labels": JOB_STATE_LABELS,
        "format_labels": {**IMPORT_FORMATS, **DOCUMENT_FORMATS, **EXPORT_FORMATS},
        "kind_label": export_jobs.kind_label,
        "result_url": result_url,
        "progress_detail": progress_detail,
        "failure_reason": failure_reason,
    }


def progress_detail(job: ExportJob) -> str:
    """ "3 of 12 parts written", or a document's stage in words; "" before it starts."""
    if job.finished:
        return ""
    if job.stage in JOB_STAGE_LABELS:
        return str(JOB_STAGE_LABELS[job.stage])
    if job.progress_total:
        return _(
            "%(done)d of %(total)d parts written", done=job.progress_done, total=job.progress_total
        )
    return ""


def result_url(job: ExportJob) -> str | None:
    """The page that shows a finished job's file (an import's preview), for kinds that are
    shown rather than downloaded; None for the others."""
    kind = export_jobs.KINDS.get(job.kind)
    if kind is None or not kind.result_endpoint:
        return None
    return url_for(kind.result_endpoint, consultation_id=job.consultation_id, job_id=job.id)


def failure_reason(job: ExportJob) -> str:
    """Why a job failed, in words the organiser can act on (the details are in the log)."""
    kind = export_jobs.KINDS.get(job.kind)
    if kind is not None and job.error in kind.failures:
        return str(kind.failures[job.error])
    if job.error == export_jobs.WORKER_LOST:
        return _(
            "The worker stopped while making this file, too many times. Try again; if it "
            "keeps failing, tell the administrator."
        )
    return _(
        "The file could not be made. Try again; if it keeps failing, tell the administrator "
        "(the worker log has the details)."
    )


@bp.route("/c/<int:consultation_id>/exports")
@login_required
def exports(consultation_id: int):
    consultation = _managed_or_404(consultation_id)
    page_number = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    page = export_jobs.jobs_of(consultation, page_number, per_page=20)
    return render_template(
        "reports/exports.html",
        consultation=consultation,
        page=page,
        filters=describe_filters(page.items),
        **_labels(),
    )


@bp.route("/c/<int:consultation_id>/exports/<int:job_id>")
@login_required
def export_job(consultation_id: int, job_id: int):
    consultation, job = _job(consultation_id, job_id)
    if result_url(job) and export_jobs.job_file(job):  # an import read: its preview
        return redirect(result_url(job))
    return render_template(
        "reports/export_job.html",
        consultation=consultation,
        job=job,
        filters=describe_filters([job])[job.id],
        cancel_form=ConfirmForm(),
        **_labels(),
    )


@bp.route("/c/<int:consultation_id>/exports/<int:job_id>/status")
@login_required
def export_job_status(consultation_id: int, job_id: int):
    _consultation, job = _job(consultation_id, job_id)
    g.no_store = True
    return jsonify(
        state=job.state.value,
        label=str(JOB_STATE_LABELS[job.state]),
        done=job.progress_done,
        total=job.progress_total,
        percent=job.percent,
        finished=job.finished,
        detail=progress_detail(job),
    )


@bp.route("/c/<int:consultation_id>/exports/<int:job_id>/cancel", methods=["POST"])
@login_required
def cancel_export_job(consultation_id: int, job_id: int):
    _consultation, job = _job(consultation_id, job_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if export_jobs.cancel_export(job, current_user):
        db.session.commit()
        flash(_("The job is cancelled."), "info")
    else:
        flash(_("The job had already finished."), "warning")
    return redirect(url_for("reports.export_job", consultation_id=consultation_id, job_id=job_id))


@bp.route("/c/<int:consultation_id>/exports/<int:job_id>/download")
@login_required
def download_export(consultation_id: int, job_id: int):
    _consultation, job = _job(consultation_id, job_id)
    path = export_jobs.job_file(job)
    if path is None or result_url(job):  # an import's outline is previewed, not downloaded
        abort(404)
    export_jobs.record_download(job, current_user)
    db.session.commit()
    from consult.reports.exports import MIMETYPES

    mimetype = {**MIMETYPES, **DOCUMENT_MIMETYPES}[job.format]
    response = send_file(
        path, mimetype=mimetype, as_attachment=True, download_name=job.download_name
    )
    response.headers["Cache-Control"] = "no-store"  # personal data: no copy in any cache
    return response
