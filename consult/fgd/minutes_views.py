"""The note-taker's page: minutes per agenda item, agreements and actions, speaking log."""

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.auth.services import ordered_groups
from consult.extensions import db
from consult.fgd import attendance, live, minutes, services
from consult.fgd.forms import MinutesForm, OutcomeForm, TurnForm
from consult.fgd.views import _confirmed, _managed_session, bp
from consult.timeutil import utcnow


def _minutes_url(session, anchor: str = "") -> str:
    url = url_for(
        "fgd.show_minutes", consultation_id=session.consultation_id, session_id=session.id
    )
    return f"{url}#{anchor}" if anchor else url


def _page(consultation, session, outcome_form=None, status=200):
    attendees = attendance.attendees_of(session)
    return render_template(
        "fgd/minutes.html",
        consultation=consultation,
        session=session,
        agenda=services.agenda_of(session),
        current=live.current_item(session),
        outcomes=minutes.outcomes_of(session),
        outcome_form=outcome_form or OutcomeForm(prefix="outcome"),
        turn_form=TurnForm(prefix="turn", attendees=attendees),
        groups=ordered_groups(active_only=True),
        turns=minutes.turns_of(session),
        shares=minutes.speaking_shares(session),
        MinutesForm=MinutesForm,
    ), status


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/minutes")
@login_required
def show_minutes(consultation_id: int, session_id: int):
    """Minutes, agreements, actions and the speaking log of a session (organisers)."""
    consultation, session = _managed_session(consultation_id, session_id)
    return _page(consultation, session)


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/minutes/<int:item_id>")
@login_required
def save_minutes(consultation_id: int, session_id: int, item_id: int):
    """Save one item's minutes: JSON for the autosave, a redirect for the button."""
    _consultation, session = _managed_session(consultation_id, session_id)
    item = services.get_agenda_item(session, item_id)
    form = MinutesForm(prefix=f"m{item.id}")
    wants_json = request.accept_mimetypes.best == "application/json"
    if not form.validate_on_submit():
        if wants_json:
            return jsonify({"ok": False}), 400
        flash(_("The minutes could not be saved: %(errors)s", errors=form.errors), "danger")
        return redirect(_minutes_url(session, f"minutes-{item.id}"))
    minutes.save_minutes(item, current_user, form.text.data or "", utcnow())
    db.session.commit()
    if wants_json:
        return jsonify({"ok": True, "saved_at": item.minutes_updated_at.isoformat()})
    flash(_("Minutes saved."), "success")
    return redirect(_minutes_url(session, f"minutes-{item.id}"))


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/outcomes")
@login_required
def add_outcome(consultation_id: int, session_id: int):
    """Record an agreement or a follow-up action; nothing typed is lost on an error."""
    consultation, session = _managed_session(consultation_id, session_id)
    form = OutcomeForm(prefix="outcome")
    if not form.validate_on_submit():
        return _page(consultation, session, outcome_form=form, status=422)
    minutes.add_outcome(session, current_user, form.to_data())
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(_minutes_url(session, "outcomes"))


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/turns")
@login_required
def add_turn(consultation_id: int, session_id: int):
    """One tap: someone of this group takes the floor (on the item on screen)."""
    _consultation, session = _managed_session(consultation_id, session_id)
    form = TurnForm(prefix="turn", attendees=attendance.attendees_of(session))
    if not form.validate_on_submit():
        flash(_("Choose who spoke from the list."), "danger")
        return redirect(_minutes_url(session, "speaking"))
    data = form.to_data(ordered_groups())
    current = live.current_item(session)
    data["agenda_item_id"] = current.id if current else None
    minutes.add_turn(session, current_user, data, utcnow())
    db.session.commit()
    return redirect(_minutes_url(session, "speaking"))


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/turns/<int:turn_id>/input")
@login_required
def turn_to_input(consultation_id: int, session_id: int, turn_id: int):
    """Record what was said as FGD input (a comment, source FGD) in one step."""
    _consultation, session = _managed_session(consultation_id, session_id)
    turn = minutes.get_turn(session, turn_id)
    _confirmed()
    try:
        minutes.turn_to_input(turn, current_user)
    except services.FgdRuleError as error:
        flash(str(error), "warning")
    else:
        db.session.commit()
        flash(_("Recorded as FGD input."), "success")
    return redirect(_minutes_url(session, "speaking"))
