"""FGD pages: sessions and agenda (organisers), RSVP and calendar file (participants)."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.auth.services import public_url
from consult.core.forms import ConfirmForm
from consult.extensions import db
from consult.fgd import calendar, services
from consult.fgd.forms import AgendaItemForm, RsvpForm, SessionForm
from consult.permissions import membership_of, require, require_manage
from consult.plans.services import get_consultation
from consult.timeutil import utcnow

bp = Blueprint("fgd", __name__)


@bp.app_context_processor
def fgd_helpers():
    return {
        "fgd_sessions_of": services.sessions_of,
        "fgd_sessions_by_consultation": services.sessions_by_consultation,
        "fgd_rsvps_of": services.rsvps_of_user,
        "fgd_item_title": services.item_title,
        "RsvpForm": RsvpForm,
        "fgd_now": utcnow,
    }


def _managed(consultation_id: int):
    consultation = get_consultation(consultation_id, current_user)
    require_manage(current_user, consultation)
    return consultation


def _managed_session(consultation_id: int, session_id: int):
    consultation = _managed(consultation_id)
    return consultation, services.get_session(consultation, session_id)


def _session_url(session) -> str:
    return url_for(
        "fgd.show_session", consultation_id=session.consultation_id, session_id=session.id
    )


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/c/<int:consultation_id>/fgd/")
@login_required
def list_sessions(consultation_id: int):
    """The consultation's FGD sessions (organisers)."""
    consultation = _managed(consultation_id)
    return render_template(
        "fgd/sessions.html",
        consultation=consultation,
        sessions=services.sessions_of(consultation),
    )


@bp.route("/c/<int:consultation_id>/fgd/new", methods=["GET", "POST"])
@login_required
def new_session(consultation_id: int):
    """Plan a new session."""
    consultation = _managed(consultation_id)
    form = SessionForm(consultation=consultation)
    if form.validate_on_submit():
        session = services.add_session(consultation, current_user, form.to_data())
        db.session.commit()
        flash(_("Session saved."), "success")
        return redirect(_session_url(session))
    return render_template(
        "fgd/session_form.html", form=form, consultation=consultation, session=None
    )


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(consultation_id: int, session_id: int):
    """Edit a session's time, venue, link, capacity."""
    consultation, session = _managed_session(consultation_id, session_id)
    form = SessionForm.for_session(session, consultation)
    if form.validate_on_submit():
        services.update_session(session, current_user, form.to_data())
        db.session.commit()
        flash(_("Session saved."), "success")
        return redirect(_session_url(session))
    return render_template(
        "fgd/session_form.html", form=form, consultation=consultation, session=session
    )


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>")
@login_required
def show_session(consultation_id: int, session_id: int):
    """A session for its organisers: agenda, answers and attendance per group."""
    consultation, session = _managed_session(consultation_id, session_id)
    from consult.fgd import attendance

    return render_template(
        "fgd/session.html",
        consultation=consultation,
        session=session,
        agenda=services.agenda_of(session),
        rsvp_groups=services.rsvp_list(session),
        counts=attendance.counts_by_group(session),
    )


def _agenda_form(consultation, item=None):
    sections, strategies = services.plan_targets(consultation)
    if item is None:
        return AgendaItemForm(sections=sections, strategies=strategies)
    return AgendaItemForm.for_item(item, sections=sections, strategies=strategies)


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/agenda/new", methods=["GET", "POST"])
@login_required
def new_agenda_item(consultation_id: int, session_id: int):
    """Add an item at the end of the agenda."""
    consultation, session = _managed_session(consultation_id, session_id)
    form = _agenda_form(consultation)
    if form.validate_on_submit():
        services.add_agenda_item(session, current_user, form.to_data())
        db.session.commit()
        flash(_("Agenda item saved."), "success")
        return redirect(_session_url(session) + "#agenda")
    return render_template(
        "fgd/agenda_form.html", form=form, consultation=consultation, session=session, item=None
    )


@bp.route(
    "/c/<int:consultation_id>/fgd/<int:session_id>/agenda/<int:item_id>/edit",
    methods=["GET", "POST"],
)
@login_required
def edit_agenda_item(consultation_id: int, session_id: int, item_id: int):
    """Edit an agenda item."""
    consultation, session = _managed_session(consultation_id, session_id)
    item = services.get_agenda_item(session, item_id)
    form = _agenda_form(consultation, item)
    if form.validate_on_submit():
        services.update_agenda_item(item, current_user, form.to_data())
        db.session.commit()
        flash(_("Agenda item saved."), "success")
        return redirect(_session_url(session) + "#agenda")
    return render_template(
        "fgd/agenda_form.html", form=form, consultation=consultation, session=session, item=item
    )


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/agenda/<int:item_id>/<any(up,down):way>")
@login_required
def move_agenda_item(consultation_id: int, session_id: int, item_id: int, way: str):
    """Move an agenda item up or down (POST only)."""
    _consultation, session = _managed_session(consultation_id, session_id)
    item = services.get_agenda_item(session, item_id)
    _confirmed()
    services.move_agenda_item(item, current_user, -1 if way == "up" else 1)
    db.session.commit()
    return redirect(_session_url(session) + "#agenda")


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/rsvp")
@login_required
def answer_rsvp(consultation_id: int, session_id: int):
    """A participant answers the invitation to a session (members only)."""
    consultation = get_consultation(consultation_id, current_user)
    require(membership_of(current_user, consultation) is not None, 403)
    session = services.get_session(consultation, session_id)
    form = RsvpForm(prefix=f"s{session.id}")
    overview = url_for("feedback.consultation_overview", consultation_id=consultation.id)
    if not form.validate_on_submit():
        return render_template(
            "fgd/rsvp_form.html", form=form, consultation=consultation, session=session
        ), 422
    try:
        services.answer_rsvp(session, current_user, form.to_data(), utcnow())
    except services.FgdRuleError as error:
        flash(str(error), "danger")
        return redirect(overview)
    db.session.commit()
    flash(_("Thank you, your answer is saved."), "success")
    return redirect(f"{overview}#fgd-session-{session.id}")


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/calendar.ics")
@login_required
def session_calendar(consultation_id: int, session_id: int):
    """The session as a calendar file (members of the consultation)."""
    consultation = get_consultation(consultation_id, current_user)
    session = services.get_session(consultation, session_id)
    url = public_url("feedback.consultation_overview", consultation_id=consultation.id)
    text = calendar.session_ics(
        uid=f"rembuk-fgd-session-{session.id}@{request.host}",
        title=f"{session.title} – {consultation.title}",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        venue=session.venue,
        description="\n".join(filter(None, [consultation.title, session.meeting_url, url])),
        url=url,
        stamp=utcnow(),
    )
    response = Response(text, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="fgd-{session.id}.ics"'
    return response


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/rsvps")
@login_required
def list_rsvps(consultation_id: int, session_id: int):
    """Who answered what, by stakeholder group (organisers)."""
    consultation, session = _managed_session(consultation_id, session_id)
    return render_template(
        "fgd/rsvps.html",
        consultation=consultation,
        session=session,
        groups=services.rsvp_list(session),
    )


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/rsvps/<int:rsvp_id>/invite")
@login_required
def invite_delegate(consultation_id: int, session_id: int, rsvp_id: int):
    """Invite the delegate someone sends, in one step (organisers)."""
    consultation, session = _managed_session(consultation_id, session_id)
    rsvp = services.get_rsvp(session, rsvp_id)
    from consult.fgd.forms import DelegateInviteForm

    form = DelegateInviteForm()
    back = url_for("fgd.list_rsvps", consultation_id=consultation.id, session_id=session.id)
    if not form.validate_on_submit():
        flash(_("Give the delegate's e-mail address."), "danger")
        return redirect(back)
    try:
        services.invite_delegate(consultation, rsvp, current_user, form.email.data)
    except services.FgdRuleError as error:
        flash(str(error), "danger")
        return redirect(back)
    db.session.commit()
    flash(_("The delegate is invited."), "success")
    return redirect(back)
