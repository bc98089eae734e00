"""Versions of sections and strategies, their differences, and revising the plan."""

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
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from consult.extensions import db
from consult.feedback import queries as feedback_queries
from consult.inputs import int_arg, page_arg
from consult.permissions import can_revise_plan, require, require_manage
from consult.plans.forms import parse_uploaded_outline
from consult.plans.preview import OutlinePreview
from consult.revisions import services
from consult.revisions.diff import has_changed, word_diff
from consult.revisions.forms import CompareForm, ReviseConfirmForm, ReviseUploadForm, RevisionForm

bp = Blueprint("revisions", __name__)
KINDS = "any(sections,strategies)"
FIELD_LABELS = {
    "code": _l("Code"),
    "title": _l("Title"),
    "body": _l("Text"),
    "targets": _l("Targets and indicators"),
    "time_horizon": _l("Time horizon"),
}


@bp.app_context_processor
def revisions_helpers():
    return {"word_diff": word_diff, "has_changed": has_changed, "revision_fields": FIELD_LABELS}


def _require_revise(consultation) -> None:
    """404 unless visible, 403 unless the user may revise it (organisers, not archived)."""
    require_manage(current_user, consultation)
    require(can_revise_plan(current_user, consultation))


def _load(consultation_id: int, kind: str, item_id: int):
    """The consultation (404 unless visible) and the section or strategy of it (404)."""
    consultation = feedback_queries.get_consultation(consultation_id, current_user)
    if kind == "sections":
        return consultation, feedback_queries.get_section(consultation, item_id)
    return consultation, feedback_queries.get_strategy(consultation, item_id)


def _page() -> int:
    return page_arg()


@bp.get(f"/c/<int:consultation_id>/<{KINDS}:kind>/<int:item_id>/versions")
@login_required
def list_versions(consultation_id: int, kind: str, item_id: int):
    """Every version of an item; with ?from=&to= the word difference between two of them."""
    consultation, item = _load(consultation_id, kind, item_id)
    versions = services.versions_of(item)
    form = CompareForm([v.version for v in versions], request.args)
    older = services.find_version(versions, int_arg("from"))
    newer = services.find_version(versions, int_arg("to"))
    if older is None or newer is None:
        older = newer = None
    return render_template(
        "revisions/versions.html",
        consultation=consultation,
        item=item,
        kind=kind,
        versions=list(reversed(versions)),
        publishers=services.publishers_of(versions),
        linked=services.linked_comments(versions, current_user, consultation),
        form=form,
        older=older,
        newer=newer,
    )


@bp.get(f"/c/<int:consultation_id>/<{KINDS}:kind>/<int:item_id>/versions/<int:number>")
@login_required
def show_version(consultation_id: int, kind: str, item_id: int, number: int):
    """One version as it was published, the comments written on it and those it took in."""
    consultation, item = _load(consultation_id, kind, item_id)
    versions = services.versions_of(item)
    version = services.find_version(versions, number)
    if version is None:
        abort(404)
    comments = services.comments_on_version(
        item, number, current_user, consultation, _page(), current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "revisions/version.html",
        consultation=consultation,
        item=item,
        kind=kind,
        version=version,
        previous=services.find_version(versions, number - 1),
        publishers=services.publishers_of([version]),
        comments=comments,
        anchors=services.anchors_on_version(item, number, list(comments.items)),
        linked=services.linked_comments([version], current_user, consultation).get(version.id, []),
    )


@bp.route(f"/c/<int:consultation_id>/<{KINDS}:kind>/<int:item_id>/revise", methods=["GET", "POST"])
@login_required
def publish_revision(consultation_id: int, kind: str, item_id: int):
    """Organisers publish a revised text as the item's next version (403 for participants)."""
    consultation, item = _load(consultation_id, kind, item_id)
    _require_revise(consultation)
    comments = services.comment_choices(item, consultation)
    if request.method == "GET":
        form = RevisionForm(item, comments, formdata=None, data=services.text_of(item))
    else:
        form = RevisionForm(item, comments)
    if form.validate_on_submit():
        try:
            version = services.publish_revision(
                item, current_user, form.revision_data(), consultation_id=consultation.id
            )
        except services.RevisionError:
            form.body.errors.append(_("The text is unchanged: change it to publish a new version."))
        else:
            db.session.commit()
            flash(_("Version %(n)s is published.", n=version.version), "success")
            return redirect(
                url_for(
                    "revisions.show_version",
                    consultation_id=consultation.id,
                    kind=kind,
                    item_id=item.id,
                    number=version.version,
                )
            )
    return _revise_item_page(consultation, item, kind, form, comments)


def _revise_item_page(consultation, item, kind: str, form: RevisionForm, comments):
    return render_template(
        "revisions/revise_item.html",
        consultation=consultation,
        item=item,
        kind=kind,
        form=form,
        comments={c.id: c for c in comments},
    ), 422 if form.is_submitted() else 200


# --- a revised document for the whole plan ------------------------------------------------------


REVISE_PREVIEW = OutlinePreview(salt="plan-revise")


def _revise_page(consultation, form, result=None, plan=None, confirm_form=None, status=200):
    return render_template(
        "revisions/revise_plan.html",
        consultation=consultation,
        form=form,
        result=result,
        plan=plan,
        confirm_form=confirm_form,
    ), status


@bp.route("/c/<int:consultation_id>/revise", methods=["GET", "POST"])
@login_required
def revise_plan(consultation_id: int):
    """Upload a revised plan (Markdown or DOCX) and preview which items would change."""
    consultation = feedback_queries.get_consultation(consultation_id, current_user)
    _require_revise(consultation)
    form = ReviseUploadForm()
    if not form.validate_on_submit():
        return _revise_page(consultation, form, status=422 if form.is_submitted() else 200)
    result = parse_uploaded_outline(form.file)
    if result is None:
        return _revise_page(consultation, form, status=422)
    plan = services.plan_revision(consultation, result.outline)
    confirm_form = None
    if not result.outline.is_empty:
        token = REVISE_PREVIEW.sign(consultation, current_user, result.outline, note=form.note.data)
        confirm_form = ReviseConfirmForm(formdata=None, payload=token)
    return _revise_page(consultation, form, result, plan, confirm_form)


@bp.post("/c/<int:consultation_id>/revise/confirm")
@login_required
def confirm_revision(consultation_id: int):
    """Apply exactly the previewed document (signed in the form) as the next version."""
    consultation = feedback_queries.get_consultation(consultation_id, current_user)
    _require_revise(consultation)
    form = ReviseConfirmForm()
    previewed = form.validate_on_submit() and REVISE_PREVIEW.load(
        form.payload.data, consultation, current_user
    )
    if not previewed:
        flash(_("The preview could not be confirmed (changed or expired). Upload again."), "danger")
        return _revise_page(consultation, ReviseUploadForm(formdata=None), status=400)
    outline, extra = previewed
    note = str(extra.get("note") or "")
    plan = services.apply_revision(consultation, outline, current_user, note)
    db.session.commit()
    flash(
        _(
            "Revision saved: %(changed)s new versions, %(new)s new items, %(unchanged)s "
            "unchanged; %(missing)s items not in the document were kept.",
            **plan.counts,
        ),
        "success",
    )
    return redirect(url_for("plans.manage_consultation", consultation_id=consultation.id))
