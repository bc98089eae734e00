"""Organiser pages: the consultation list, creating and running a consultation, its plan."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.core.forms import ConfirmForm
from consult.extensions import db
from consult.inputs import page_arg
from consult.permissions import can_create_consultation, require
from consult.plans import services
from consult.plans.forms import (
    ChapterForm,
    ConsultationForm,
    CriterionForm,
    ImportConfirmForm,
    ImportUploadForm,
    SectionForm,
    StrategyForm,
)
from consult.plans.models import ConsultationState
from consult.plans.preview import IMPORT_PREVIEW

bp = Blueprint("plans", __name__)


@bp.app_context_processor
def plans_helpers():
    return {"ConsultationState": ConsultationState}


def _managed(consultation_id: int):
    """The consultation, 404 if not visible, 403 if the user may not manage it."""
    return services.get_managed_consultation(consultation_id, current_user)


def _manage_url(consultation, anchor: str = "") -> str:
    url = url_for("plans.manage_consultation", consultation_id=consultation.id)
    return f"{url}#{anchor}" if anchor else url


@bp.route("/c/")
@login_required
def list_consultations():
    """The consultations the user takes part in (organisers: also their drafts)."""
    page = db.paginate(
        services.visible_consultations_query(current_user),
        page=page_arg(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "plans/list.html",
        page=page,
        organised=services.managed_ids(page.items, current_user),
    )


@bp.route("/c/new", methods=["GET", "POST"])
@login_required
def new_consultation():
    """Organisers create a draft consultation (403 for participants)."""
    require(can_create_consultation(current_user))
    form = ConsultationForm()
    if form.validate_on_submit():
        consultation = services.create_consultation(current_user, form.to_data())
        db.session.commit()
        flash(_("Consultation created as a draft."), "success")
        return redirect(_manage_url(consultation))
    return render_template("plans/consultation_form.html", form=form, consultation=None)


@bp.route("/c/<int:consultation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_consultation(consultation_id: int):
    """Edit details, dates (extend a window here) and settings."""
    consultation = _managed(consultation_id)
    form = ConsultationForm.for_consultation(consultation, fgd_span=services.fgd_span(consultation))
    if form.validate_on_submit():
        services.update_consultation(consultation, current_user, form.to_data())
        db.session.commit()
        flash(_("Consultation saved."), "success")
        return redirect(_manage_url(consultation))
    return render_template("plans/consultation_form.html", form=form, consultation=consultation)


_TRANSITIONS = {
    "publish": (services.publish_consultation, ConsultationState.PUBLISHED),
    "reopen": (services.publish_consultation, ConsultationState.PUBLISHED),
    "close": (services.close_consultation, ConsultationState.CLOSED),
    "archive": (services.archive_consultation, ConsultationState.ARCHIVED),
}


@bp.post("/c/<int:consultation_id>/<any(publish,reopen,close,archive):action>")
@login_required
def change_state(consultation_id: int, action: str):
    """Publish, close, reopen or archive (POST only)."""
    consultation = _managed(consultation_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    service, target = _TRANSITIONS[action]
    if action == "reopen" and consultation.state != ConsultationState.CLOSED:
        target = None
    if target is None or target not in services.TRANSITIONS[consultation.state]:
        flash(_("This consultation cannot be changed that way in its current state."), "warning")
        return redirect(_manage_url(consultation))
    service(consultation, current_user)
    db.session.commit()
    messages = {
        "publish": _("The consultation is published: invited participants can see it."),
        "reopen": _("The consultation is open again."),
        "close": _("The consultation is closed: no more input."),
        "archive": _("The consultation is archived."),
    }
    flash(messages[action], "success")
    return redirect(_manage_url(consultation))


@bp.route("/c/<int:consultation_id>/manage")
@login_required
def manage_consultation(consultation_id: int):
    """The organiser's page: state, dates, criteria and the ordered plan with edit links."""
    consultation = _managed(consultation_id)
    return render_template(
        "plans/manage.html",
        consultation=consultation,
        chapters=services.plan_structure(consultation),
        criteria=services.criteria_of(consultation),
        confirm_form=ConfirmForm(formdata=None),
        can_list_participants="invitations.list_participants" in current_app.view_functions,
    )


# --- content ----------------------------------------------------------------------------------


def _item_page(consultation, form, heading: str, status: int = 200):
    return render_template(
        "plans/item_form.html", consultation=consultation, form=form, heading=heading
    ), status


@bp.route("/c/<int:consultation_id>/chapters/new", methods=["GET", "POST"])
@login_required
def add_chapter(consultation_id: int):
    consultation = _managed(consultation_id)
    form = ChapterForm()
    if form.validate_on_submit():
        chapter = services.add_chapter(consultation, current_user, form.data)
        db.session.commit()
        flash(_("Chapter added."), "success")
        return redirect(_manage_url(consultation, f"chapter-{chapter.id}"))
    return _item_page(consultation, form, _("New chapter"))


@bp.route("/c/<int:consultation_id>/chapters/<int:chapter_id>/edit", methods=["GET", "POST"])
@login_required
def edit_chapter(consultation_id: int, chapter_id: int):
    consultation = _managed(consultation_id)
    chapter = services.get_chapter(consultation, chapter_id)
    form = ChapterForm(obj=chapter)
    if form.validate_on_submit():
        services.update_chapter(chapter, current_user, form.data)
        db.session.commit()
        flash(_("Chapter saved."), "success")
        return redirect(_manage_url(consultation, f"chapter-{chapter.id}"))
    return _item_page(consultation, form, _("Edit chapter"))


@bp.route(
    "/c/<int:consultation_id>/chapters/<int:chapter_id>/sections/new", methods=["GET", "POST"]
)
@login_required
def add_section(consultation_id: int, chapter_id: int):
    consultation = _managed(consultation_id)
    chapter = services.get_chapter(consultation, chapter_id)
    form = SectionForm()
    if form.validate_on_submit():
        section = services.add_section(chapter, current_user, form.data)
        db.session.commit()
        flash(_("Section added."), "success")
        return redirect(_manage_url(consultation, f"section-{section.id}"))
    return _item_page(consultation, form, _("New section in %(chapter)s", chapter=chapter.title))


@bp.route("/c/<int:consultation_id>/sections/<int:section_id>/edit", methods=["GET", "POST"])
@login_required
def edit_section(consultation_id: int, section_id: int):
    consultation = _managed(consultation_id)
    section = services.get_section(consultation, section_id)
    form = SectionForm(obj=section)
    if form.validate_on_submit():
        services.update_section(section, current_user, form.data)
        db.session.commit()
        flash(_("Section saved."), "success")
        return redirect(_manage_url(consultation, f"section-{section.id}"))
    return _item_page(consultation, form, _("Edit section"))


@bp.route(
    "/c/<int:consultation_id>/sections/<int:section_id>/strategies/new", methods=["GET", "POST"]
)
@login_required
def add_strategy(consultation_id: int, section_id: int):
    consultation = _managed(consultation_id)
    section = services.get_section(consultation, section_id)
    form = StrategyForm()
    if form.validate_on_submit():
        strategy = services.add_strategy(section, current_user, form.data)
        db.session.commit()
        flash(_("Strategy added."), "success")
        return redirect(_manage_url(consultation, f"strategy-{strategy.id}"))
    return _item_page(consultation, form, _("New strategy in %(section)s", section=section.title))


@bp.route("/c/<int:consultation_id>/strategies/<int:strategy_id>/edit", methods=["GET", "POST"])
@login_required
def edit_strategy(consultation_id: int, strategy_id: int):
    consultation = _managed(consultation_id)
    strategy = services.get_strategy(consultation, strategy_id)
    form = StrategyForm(obj=strategy)
    if form.validate_on_submit():
        services.update_strategy(strategy, current_user, form.data)
        db.session.commit()
        flash(_("Strategy saved."), "success")
        return redirect(_manage_url(consultation, f"strategy-{strategy.id}"))
    return _item_page(consultation, form, _("Edit strategy"))


_LOADERS = {
    "chapters": (services.get_chapter, "chapter"),
    "sections": (services.get_section, "section"),
    "strategies": (services.get_strategy, "strategy"),
}


@bp.post(
    "/c/<int:consultation_id>/<any(chapters,sections,strategies):kind>/<int:item_id>"
    "/move/<any(up,down):direction>"
)
@login_required
def move_item(consultation_id: int, kind: str, item_id: int, direction: str):
    """Move a chapter, section or strategy one place up or down (POST only)."""
    consultation = _managed(consultation_id)
    loader, anchor = _LOADERS[kind]
    item = loader(consultation, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.move_item(item, current_user, -1 if direction == "up" else 1)
    db.session.commit()
    return redirect(_manage_url(consultation, f"{anchor}-{item.id}"))


# --- criteria ---------------------------------------------------------------------------------


def _criteria_page(consultation, form, status: int = 200):
    return render_template(
        "plans/criteria.html",
        consultation=consultation,
        criteria=services.criteria_of(consultation),
        rated=services.rated_criterion_ids(consultation),
        form=form,
        confirm_form=ConfirmForm(formdata=None),
    ), status


@bp.route("/c/<int:consultation_id>/criteria", methods=["GET", "POST"])
@login_required
def manage_criteria(consultation_id: int):
    """List the rating criteria and add one."""
    consultation = _managed(consultation_id)
    form = CriterionForm()
    if form.validate_on_submit():
        services.add_criterion(consultation, current_user, form.data)
        db.session.commit()
        flash(_("Criterion added."), "success")
        return redirect(url_for("plans.manage_criteria", consultation_id=consultation.id))
    if form.is_submitted():
        return _criteria_page(consultation, form, 422)
    return _criteria_page(consultation, form)


@bp.route("/c/<int:consultation_id>/criteria/<int:criterion_id>/edit", methods=["GET", "POST"])
@login_required
def edit_criterion(consultation_id: int, criterion_id: int):
    consultation = _managed(consultation_id)
    criterion = services.get_criterion(consultation, criterion_id)
    form = CriterionForm(obj=criterion)
    if form.validate_on_submit():
        try:
            services.update_criterion(criterion, current_user, form.data)
        except services.PlanRuleError:
            form.scale_labels.errors.append(
                _("Ratings were given on this scale: keep the same number of labels.")
            )
        else:
            db.session.commit()
            flash(_("Criterion saved."), "success")
            return redirect(url_for("plans.manage_criteria", consultation_id=consultation.id))
    return render_template(
        "plans/item_form.html", consultation=consultation, form=form, heading=_("Edit criterion")
    )


@bp.post("/c/<int:consultation_id>/criteria/<int:criterion_id>/remove")
@login_required
def remove_criterion(consultation_id: int, criterion_id: int):
    """Remove a criterion nobody has rated on yet (POST only)."""
    consultation = _managed(consultation_id)
    criterion = services.get_criterion(consultation, criterion_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.remove_criterion(criterion, current_user)
    except services.PlanRuleError:
        flash(_("Ratings were given on this criterion; it cannot be removed."), "warning")
    else:
        db.session.commit()
        flash(_("Criterion removed."), "success")
    return redirect(url_for("plans.manage_criteria", consultation_id=consultation.id))


# --- import -----------------------------------------------------------------------------------


def import_page(consultation, upload_form, result=None, confirm_form=None, status=200):
    """The import page: the upload form, and once a job has read the file its preview."""
    return render_template(
        "plans/import.html",
        consultation=consultation,
        upload_form=upload_form,
        result=result,
        confirm_form=confirm_form,
    ), status


@bp.post("/c/<int:consultation_id>/import/confirm")
@login_required
def confirm_import(consultation_id: int):
    """Save exactly the previewed outline (signed in the form), appended to the plan."""
    consultation = _managed(consultation_id)
    form = ImportConfirmForm()
    previewed = form.validate_on_submit() and IMPORT_PREVIEW.load(
        form.outline.data, consultation, current_user
    )
    if not previewed:
        flash(_("The preview could not be confirmed (changed or expired). Upload again."), "danger")
        return import_page(consultation, ImportUploadForm(formdata=None), status=400)
    outline, _extra = previewed
    counts = services.apply_outline(consultation, outline, current_user)
    db.session.commit()
    flash(
        _(
            "Imported %(chapters)s chapters, %(sections)s sections and %(strategies)s strategies.",
            **counts,
        ),
        "success",
    )
    return redirect(_manage_url(consultation))
