"""The section rating view: every strategy of a section with its criteria in one form.

Registered on the feedback blueprint (imported at the end of views.py). The rules are those of
the strategy page: the same loaders (404 outside one's consultations), the same permission
(`can_participate` while a window is open, else 403) and the same rating service.
"""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.extensions import db
from consult.feedback import queries, services
from consult.feedback.section_rating import SectionRatingForm, load_section_rating
from consult.feedback.section_rating import save_section_ratings as save_ratings
from consult.feedback.views import _may_post, bp
from consult.permissions import require


def _wants_json() -> bool:
    """The page's script posts one choice at a time and reads a short JSON answer."""
    return request.headers.get("X-Requested-With") == "fetch"


def _render(consultation, loaded, forms, status=200):
    phase = services.current_phase(consultation)
    return render_template(
        "feedback/rate_section.html",
        consultation=consultation,
        target=loaded.section,
        loaded=loaded,
        phase=phase,
        forms=forms,
        form=SectionRatingForm(formdata=None) if forms is not None else None,
    ), status


@bp.get("/c/<int:consultation_id>/sections/<int:section_id>/rate")
@login_required
def rate_section(consultation_id: int, section_id: int):
    """Rate every strategy of a section on one page (read-only while no window is open)."""
    consultation = queries.get_consultation(consultation_id, current_user)
    section = queries.get_section(consultation, section_id)
    phase = _may_post(consultation) or None
    shown = phase or queries.progress_phase(consultation)
    loaded = load_section_rating(consultation, section, current_user, shown)
    return _render(consultation, loaded, loaded.forms() if phase else None)


@bp.post("/c/<int:consultation_id>/sections/<int:section_id>/ratings")
@login_required
def save_section_ratings(consultation_id: int, section_id: int):
    """Save what was chosen: one criterion (the script) or the whole form (no script)."""
    consultation = queries.get_consultation(consultation_id, current_user)
    section = queries.get_section(consultation, section_id)
    require(bool(_may_post(consultation)))
    phase = services.current_phase(consultation)
    loaded = load_section_rating(consultation, section, current_user, phase)
    forms = loaded.forms(request.form)
    valid = [form.validate() for form in forms.values()]
    if not (SectionRatingForm().validate_on_submit() and all(valid)):
        if _wants_json():
            errors = {f.name: f.errors for form in forms.values() for f in form if f.errors}
            return jsonify(saved=False, errors=errors), 422
        return _render(consultation, loaded, forms, status=422)
    changed = save_ratings(loaded, forms, current_user, phase)
    db.session.commit()
    if _wants_json():
        return jsonify(saved=True, changed=changed, message=_("Saved"))
    flash(_("Your ratings have been saved."), "success")
    return redirect(
        url_for("feedback.rate_section", consultation_id=consultation.id, section_id=section.id)
    )
