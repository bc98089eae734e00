"""The participants page of a consultation: list, invite one, import a CSV, re-send."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from consult.auth.models import User
from consult.auth.services import InvitationState, invitation_states, ordered_groups
from consult.core.forms import ConfirmForm
from consult.extensions import db
from consult.invitations import services
from consult.invitations.forms import CsvImportForm, InviteForm, group_mapping_form_class
from consult.plans.models import Consultation, ConsultationState, Membership
from consult.plans.services import get_managed_consultation

bp = Blueprint("invitations", __name__)


def _managed_consultation(consultation_id: int) -> Consultation:
    """The consultation if this user runs it: 404 when not visible, 403 when not an organiser."""
    return get_managed_consultation(consultation_id, current_user)


def _membership_or_404(consultation: Consultation, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.consultation_id != consultation.id:
        abort(404)
    return membership


def _render_page(
    consultation, invite_form=None, csv_form=None, csv_problems=(), status=200, mapping=None
):
    page = db.paginate(
        select(Membership)
        .join(User, Membership.user_id == User.id)
        .where(Membership.consultation_id == consultation.id)
        .order_by(Membership.role, User.name, Membership.id),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    groups = ordered_groups(active_only=True)
    states = invitation_states([membership.user_id for membership in page.items])
    return render_template(
        "invitations/participants.html",
        consultation=consultation,
        page=page,
        states=states,
        InvitationState=InvitationState,
        invite_form=invite_form or InviteForm(groups, formdata=None),
        csv_form=csv_form or CsvImportForm(formdata=None),
        csv_problems=csv_problems,
        mapping=mapping,
        group_names=[services.csv_group_name(group, marked=True) for group in groups],
        example_group=groups[0].display_name if groups else "KADIN",
    ), status


@bp.route("/c/<int:consultation_id>/participants")
@login_required
def list_participants(consultation_id: int):
    return _render_page(_managed_consultation(consultation_id))


@bp.post("/c/<int:consultation_id>/participants/invite")
@login_required
def invite_one(consultation_id: int):
    consultation = _managed_consultation(consultation_id)
    form = InviteForm(ordered_groups(active_only=True))
    if not form.validate_on_submit():
        return _render_page(consultation, invite_form=form, status=400)
    data = {**form.data, "group": form.selected_group()}
    membership, outcome = services.invite_participant(consultation, current_user, data)
    db.session.commit()
    messages = {
        services.InviteOutcome.INVITED: _("Invitation sent to %(email)s."),
        services.InviteOutcome.ADDED: _("%(email)s has an account and is now a participant."),
        services.InviteOutcome.ALREADY: _("%(email)s is already taking part."),
    }
    flash(messages[outcome] % {"email": membership.user.email}, "success")
    _warn_if_draft(consultation)
    return redirect(url_for("invitations.list_participants", consultation_id=consultation.id))


@bp.post("/c/<int:consultation_id>/participants/import")
@login_required
def import_csv(consultation_id: int):
    """Invite everyone in a CSV file, or nobody if any row is wrong (each one reported)."""
    consultation = _managed_consultation(consultation_id)
    form = CsvImportForm()
    if not form.validate_on_submit():
        return _render_page(consultation, csv_form=form, status=400)
    groups = ordered_groups(active_only=True)
    content = form.file.data.read()
    rows, problems = services.parse_participants_csv(content, groups)
    unknown = services.only_unknown_groups(problems)
    if unknown:  # second step: map the unknown names, the file's text kept in the form
        mapping = group_mapping_form_class(unknown, groups)(formdata=None)
        mapping.csv_text.data = services.decode_csv(content)
        return _render_page(consultation, csv_problems=problems, mapping=(mapping, unknown))
    if problems:
        return _render_page(consultation, csv_form=form, csv_problems=problems, status=400)
    return _import_rows(consultation, rows)


@bp.post("/c/<int:consultation_id>/participants/import/map")
@login_required
def import_csv_mapped(consultation_id: int):
    """The CSV text again, with each unknown group name mapped to a group by the organiser."""
    consultation = _managed_consultation(consultation_id)
    groups = ordered_groups(active_only=True)
    text = request.form.get("csv_text", "")
    _rows, problems = services.parse_participants_csv(text, groups)
    unknown = services.only_unknown_groups(problems)
    form = group_mapping_form_class(unknown, groups)()
    if not form.validate_on_submit():
        mapping = (form, unknown) if unknown else None
        return _render_page(consultation, csv_problems=problems, mapping=mapping, status=400)
    rows, problems = services.parse_participants_csv(text, groups, form.mapping())
    if problems:
        return _render_page(consultation, csv_problems=problems, status=400)
    return _import_rows(consultation, rows)


def _import_rows(consultation: Consultation, rows: list[dict]):
    counts = services.import_participants(consultation, current_user, rows)
    db.session.commit()
    flash(
        _(
            "Imported: %(invited)d invited, %(added)d existing accounts added, "
            "%(already)d already taking part.",
            invited=counts[services.InviteOutcome.INVITED],
            added=counts[services.InviteOutcome.ADDED],
            already=counts[services.InviteOutcome.ALREADY],
        ),
        "success",
    )
    _warn_if_draft(consultation)
    return redirect(url_for("invitations.list_participants", consultation_id=consultation.id))


def _warn_if_draft(consultation: Consultation) -> None:
    if consultation.state == ConsultationState.DRAFT:
        flash(
            _(
                "The consultation is still a draft: the people you invited will see it once "
                "you publish it, and will be notified then."
            ),
            "warning",
        )


@bp.post("/c/<int:consultation_id>/participants/<int:membership_id>/resend")
@login_required
def resend_invitation(consultation_id: int, membership_id: int):
    consultation = _managed_consultation(consultation_id)
    membership = _membership_or_404(consultation, membership_id)
    if membership.user.password_hash:
        flash(_("%(email)s has already accepted.", email=membership.user.email), "info")
    elif ConfirmForm().validate_on_submit():
        services.resend_invitation(consultation, membership, current_user)
        db.session.commit()
        flash(_("A new invitation was sent to %(email)s.", email=membership.user.email), "success")
    return redirect(url_for("invitations.list_participants", consultation_id=consultation.id))


@bp.post("/c/<int:consultation_id>/participants/<int:membership_id>/link")
@login_required
def invitation_link(consultation_id: int, membership_id: int):
    """Show a fresh invitation link to hand over without mail; earlier links stop working."""
    consultation = _managed_consultation(consultation_id)
    membership = _membership_or_404(consultation, membership_id)
    back = url_for("invitations.list_participants", consultation_id=consultation.id)
    if membership.user.password_hash:
        flash(_("%(email)s has already accepted.", email=membership.user.email), "info")
        return redirect(back)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    g.no_store = True  # the page shows a secret link
    link = services.fresh_invitation_link(consultation, membership, current_user)
    db.session.commit()
    return render_template(
        "invitations/link.html", consultation=consultation, membership=membership, link=link
    )
