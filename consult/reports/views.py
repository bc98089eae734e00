"""Consolidation pages: analysis, response matrix, "you said, we did", exports."""

import math
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import Select, func, select

from consult.auth.models import StakeholderGroup
from consult.extensions import db
from consult.feedback.models import CommentStatus
from consult.inputs import int_arg, page_arg, parse_id
from consult.permissions import can_manage, require_view
from consult.plans.models import Chapter, CommentVisibility, Consultation, Phase, Section
from consult.plans.services import get_managed_consultation
from consult.reports import analysis_cache, charts, services
from consult.reports.export_jobs import enqueue_export, submit_export
from consult.reports.exports import ExportFilters
from consult.reports.forms import (
    DISPOSITION_LABELS,
    PHASE_LABELS,
    STATUS_LABELS,
    BulkResponseForm,
    ConfirmForm,
    DispositionForm,
    ExportForm,
    ResponseFilterForm,
)

bp = Blueprint("reports", __name__)


@dataclass
class Page:
    """One page of a multi-entity query (db.paginate only returns the first entity)."""

    rows: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _paginate(query: Select, per_page: int) -> Page:
    page = page_arg()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(rows, page, per_page, total or 0)


def _load(consultation_id: int) -> Consultation:
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        abort(404)
    return consultation


def _managed(consultation_id: int) -> Consultation:
    """The consultation, 404 if not visible, 403 unless the user runs it."""
    return get_managed_consultation(consultation_id, current_user)


def _template_labels() -> dict:
    return {
        "disposition_labels": {d.value: label for d, label in DISPOSITION_LABELS.items()},
        "status_labels": {s.value: label for s, label in STATUS_LABELS.items()},
        "phase_labels": PHASE_LABELS,
        "phases": list(Phase),
    }


# --- analysis -------------------------------------------------------------------------


@bp.route("/c/<int:consultation_id>/analysis")
@login_required
def analysis(consultation_id: int):
    """The dashboard; its body is cached until the next input (consult/reports/analysis_cache)."""
    consultation = _managed(consultation_id)
    chapter_id = int_arg("chapter")
    body = analysis_cache.cached_body(
        consultation.id, chapter_id, lambda: _analysis_body(consultation, chapter_id)
    )
    return render_template("reports/analysis.html", consultation=consultation, body=body)


def _analysis_body(consultation: Consultation, chapter_id: int | None) -> str:
    result = services.build_analysis(consultation)
    chapters = list({s.chapter.id: s.chapter for s in result.strategies}.values())
    chosen = chapter_id if chapter_id in {c.id for c in chapters} else None
    return render_template(
        "reports/_analysis_body.html",
        consultation=consultation,
        analysis=result,
        chapters=chapters,
        chapter_id=chosen or (chapters[0].id if chapters else None),
        strategy_chart=charts.strategy_chart,
        priority_chart=charts.priority_chart,
        distribution_chart=charts.distribution_chart,
        **_template_labels(),
    )


# --- response matrix ------------------------------------------------------------------


def _render_responses(consultation, failed_form=None, failed_id=None, bulk_form=None, status=200):
    filter_form = ResponseFilterForm(request.args)
    filter_form.validate()
    undecided = request.args.get("undecided") in {"1", "y"}
    status_filter = filter_form.status.data if not filter_form.status.errors else None
    status_filter = status_filter or None
    page = _paginate(
        services.response_list_query(consultation, undecided, status_filter),
        current_app.config["PAGE_SIZE"],
    )
    forms = {}
    for comment, response, *_rest in page.rows:
        if comment.id == failed_id:
            forms[comment.id] = failed_form
            continue
        data = {}
        if response is not None and response.response_group_id is None and response.disposition:
            data = {
                "disposition": response.disposition.value,
                "rationale": response.rationale,
                "revision_ref": response.revision_ref,
                "content_version_id": response.content_version_id,
            }
        forms[comment.id] = DispositionForm(
            consultation, formdata=None, prefix=f"c{comment.id}", data=data
        )
    bulk_form = bulk_form or BulkResponseForm(
        consultation, [row[0].id for row in page.rows], formdata=None, prefix="bulk"
    )
    return render_template(
        "reports/responses.html",
        consultation=consultation,
        page=page,
        forms=forms,
        bulk_form=bulk_form,
        undecided=undecided,
        status_filter=status_filter,
        filter_form=filter_form,
        **_template_labels(),
    ), status


@bp.route("/c/<int:consultation_id>/responses")
@login_required
def responses(consultation_id: int):
    consultation = _managed(consultation_id)
    return _render_responses(consultation)


@bp.route("/c/<int:consultation_id>/responses/<int:comment_id>", methods=["POST"])
@login_required
def record_response(consultation_id: int, comment_id: int):
    consultation = _managed(consultation_id)
    comments = services.comments_by_ids(consultation, [comment_id])
    if not comments:
        abort(404)
    form = DispositionForm(consultation, prefix=f"c{comment_id}")
    if not form.validate_on_submit():
        return _render_responses(consultation, form, comment_id, status=422)
    services.record_disposition(comments[0], current_user, form.response_data())
    db.session.commit()
    flash(_("The response was saved."), "success")
    return redirect(_back_to_responses(consultation, comment_id))


@bp.route("/c/<int:consultation_id>/responses/together", methods=["POST"])
@login_required
def answer_together(consultation_id: int):
    consultation = _managed(consultation_id)
    submitted = [parse_id(value) for value in request.form.getlist("bulk-comment_ids")]
    comments = services.comments_by_ids(consultation, [i for i in submitted if i])
    form = BulkResponseForm(consultation, [c.id for c in comments], prefix="bulk")
    if len(comments) != len(set(submitted)) or not form.validate_on_submit():
        return _render_responses(consultation, bulk_form=form, status=422)
    services.answer_together(comments, current_user, form.response_data())
    db.session.commit()
    flash(_("%(n)d comments were answered together.", n=len(comments)), "success")
    return redirect(_back_to_responses(consultation))


def _back_to_responses(consultation, comment_id=None) -> str:
    args = {k: v for k, v in request.args.items() if k in {"page", "undecided", "status"}}
    anchor = f"#response-{comment_id}" if comment_id else ""
    return url_for("reports.responses", consultation_id=consultation.id, **args) + anchor


# --- "you said, we did" ---------------------------------------------------------------


@bp.route("/c/<int:consultation_id>/you-said-we-did")
@login_required
def you_said_we_did(consultation_id: int):
    consultation = _load(consultation_id)
    require_view(current_user, consultation)
    manager = can_manage(current_user, consultation)
    if consultation.response_published_at is None and not manager:
        abort(404)
    page = _paginate(services.you_said_we_did_query(consultation), 50)
    return render_template(
        "reports/you_said_we_did.html",
        consultation=consultation,
        page=page,
        versions=services.versions_taking_in([response for _c, response, *_ in page.rows]),
        manager=manager,
        confidential=consultation.comment_visibility == CommentVisibility.ORGANISERS,
        form=ConfirmForm(),
        **_template_labels(),
    )


@bp.route("/c/<int:consultation_id>/you-said-we-did/publish", methods=["POST"])
@login_required
def publish_responses(consultation_id: int):
    consultation = _managed(consultation_id)
    if ConfirmForm().validate_on_submit():
        services.publish_responses(consultation, current_user)
        db.session.commit()
        flash(_("The responses are now visible to participants."), "success")
    return redirect(url_for("reports.you_said_we_did", consultation_id=consultation.id))


@bp.route("/c/<int:consultation_id>/you-said-we-did/unpublish", methods=["POST"])
@login_required
def unpublish_responses(consultation_id: int):
    consultation = _managed(consultation_id)
    if ConfirmForm().validate_on_submit():
        services.unpublish_responses(consultation, current_user)
        db.session.commit()
        flash(_("The responses are no longer visible to participants."), "info")
    return redirect(url_for("reports.you_said_we_did", consultation_id=consultation.id))


# --- exports --------------------------------------------------------------------------


def _export_form(consultation):
    groups = db.session.scalars(
        select(StakeholderGroup).order_by(StakeholderGroup.position, StakeholderGroup.name)
    ).all()
    sections = db.session.scalars(
        select(Section)
        .join(Chapter)
        .where(Chapter.consultation_id == consultation.id)
        .order_by(Chapter.position, Section.position)
    ).all()
    return ExportForm(groups, sections)


@bp.route("/c/<int:consultation_id>/export", methods=["GET", "POST"])
@login_required
def export(consultation_id: int):
    consultation = _managed(consultation_id)
    form = _export_form(consultation)
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("reports/export.html", consultation=consultation, form=form), status
    filters = ExportFilters(
        phase=Phase(form.phase.data) if form.phase.data else None,
        group_id=int(form.group.data) if form.group.data else None,
        status=CommentStatus(form.status.data) if form.status.data else None,
        section_id=int(form.section.data) if form.section.data else None,
        anonymise=form.anonymise.data,
    )
    locale = str(get_locale())
    job = submit_export(consultation, current_user, form.format.data, filters, locale)
    db.session.commit()
    enqueue_export(job.id)
    flash(_("The export is being prepared. You may leave this page and come back."), "info")
    return redirect(url_for("reports.export_job", consultation_id=consultation.id, job_id=job.id))


# The jobs' routes: exports and documents, and the plan import.
from consult.reports import export_views, import_views  # noqa: E402,F401
