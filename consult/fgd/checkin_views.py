"""Check-in at the door (daftar hadir): search, personal QR code, walk-ins (organisers)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.auth.services import ordered_groups
from consult.auth.tokens import TokenExpired, TokenInvalid, read_checkin_token
from consult.extensions import db
from consult.fgd import attendance, services
from consult.fgd.forms import WalkInForm
from consult.fgd.models import CheckInMethod
from consult.fgd.views import _confirmed, _managed_session, bp
from consult.inputs import text_arg
from consult.timeutil import utcnow


def _checkin_url(session, **args) -> str:
    return url_for(
        "fgd.check_in_desk",
        consultation_id=session.consultation_id,
        session_id=session.id,
        **args,
    )


def _walk_in_form() -> WalkInForm:
    return WalkInForm(prefix="walkin", groups=ordered_groups(active_only=True))


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/checkin")
@login_required
def check_in_desk(consultation_id: int, session_id: int):
    """The door: search by name or organisation, tap to check in; walk-ins below."""
    consultation, session = _managed_session(consultation_id, session_id)
    query = text_arg("q")
    return render_template(
        "fgd/checkin.html",
        consultation=consultation,
        session=session,
        query=query,
        candidates=attendance.search_people(session, query),
        counts=attendance.counts_by_group(session),
        form=_walk_in_form(),
    )


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/checkin/<int:user_id>")
@login_required
def check_in_person(consultation_id: int, session_id: int, user_id: int):
    """Check a participant in (POST); by search, or after scanning their QR code."""
    consultation, session = _managed_session(consultation_id, session_id)
    person = attendance.participant_of(consultation, user_id)
    _confirmed()
    method = CheckInMethod.QR if request.form.get("via") == "qr" else CheckInMethod.SEARCH
    attendance.check_in(session, person, current_user, method, utcnow())
    db.session.commit()
    flash(_("%(name)s is checked in.", name=person.name), "success")
    return redirect(_checkin_url(session, q=request.form.get("q", "")))


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/checkin/qr/<token>")
@login_required
def scan_qr(consultation_id: int, session_id: int, token: str):
    """What the organiser's phone opens from a participant's QR code: that person's check-in.

    The token names consultation, session and person; it works for no other (404)."""
    consultation, session = _managed_session(consultation_id, session_id)
    try:
        values = read_checkin_token(token)
    except TokenExpired:
        flash(_("This check-in code has expired; find the person by name."), "warning")
        return redirect(_checkin_url(session))
    except TokenInvalid:
        abort(404)
    if values[:2] != (consultation.id, session.id):
        abort(404)
    person = attendance.participant_of(consultation, values[2])
    return render_template(
        "fgd/checkin_person.html",
        consultation=consultation,
        session=session,
        person=person,
        attendee=attendance.attendee_of(session, person),
    )


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/walk-in")
@login_required
def add_walk_in(consultation_id: int, session_id: int):
    """Register a walk-in attendee (organisers); nothing typed is lost on an error."""
    consultation, session = _managed_session(consultation_id, session_id)
    form = _walk_in_form()
    if not form.validate_on_submit():
        return render_template(
            "fgd/checkin.html",
            consultation=consultation,
            session=session,
            query="",
            candidates=[],
            counts=attendance.counts_by_group(session),
            form=form,
        ), 422
    attendee = attendance.add_walk_in(session, current_user, form.to_data(), utcnow())
    db.session.commit()
    flash(_("%(name)s is registered as a walk-in.", name=attendee.name), "success")
    return redirect(_checkin_url(session))


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/attendance")
@login_required
def list_attendance(consultation_id: int, session_id: int):
    """The attendance list (daftar hadir): invited and walk-ins, in order of arrival."""
    consultation, session = _managed_session(consultation_id, session_id)
    return render_template(
        "fgd/attendance.html",
        consultation=consultation,
        session=session,
        attendees=attendance.attendees_of(session),
        counts=attendance.counts_by_group(session),
    )


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/attendance/counts")
@login_required
def attendance_counts(consultation_id: int, session_id: int):
    """The live counts per group, as an HTML fragment the session page polls."""
    _consultation, session = _managed_session(consultation_id, session_id)
    return render_template("fgd/_counts.html", counts=attendance.counts_by_group(session))


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/attendance/<int:attendee_id>/invite")
@login_required
def invite_walk_in(consultation_id: int, session_id: int, attendee_id: int):
    """Turn a walk-in into an invited participant with an account (organisers)."""
    consultation, session = _managed_session(consultation_id, session_id)
    attendee = attendance.get_attendee(session, attendee_id)
    _confirmed()
    try:
        attendance.invite_walk_in(consultation, attendee, current_user)
    except services.FgdRuleError as error:
        flash(str(error), "danger")
    else:
        db.session.commit()
        flash(_("%(name)s is invited to the consultation.", name=attendee.name), "success")
    return redirect(
        url_for("fgd.list_attendance", consultation_id=consultation.id, session_id=session.id)
    )
