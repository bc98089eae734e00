"""The live room: presenter view (projector), console (moderator), phones in the room.

Pages work without JavaScript; with it they poll a small JSON state with If-None-Match, and
the server answers 304 until the session's counters move (see consult/fgd/live.py).
"""

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.auth.tokens import TokenExpired, TokenInvalid, make_room_token, read_room_token
from consult.extensions import db
from consult.fgd import ballot, live, services
from consult.fgd.views import _confirmed, _managed_session, bp
from consult.inputs import parse_id
from consult.permissions import may_run_room, membership_of, require
from consult.plans.services import criteria_of, get_consultation
from consult.sessions import keep_session_cookie


def _not_modified(etag: str):
    """A 304 when the browser already has this state, else None."""
    if etag in request.if_none_match:
        response = current_app.response_class(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = "no-cache, private"
        return response
    return None


def _json(payload: dict, etag: str):
    response = jsonify(payload)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response


def _item_payload(item) -> dict | None:
    if item is None:
        return None
    target = item.strategy or item.section
    return {
        "id": item.id,
        "title": services.item_title(item),
        "text": (target.description if item.strategy else target.body) if target else "",
        "strategy": item.strategy_id,
    }


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/present")
@login_required
def present(consultation_id: int, session_id: int):
    """The projector: the item on screen and, when shown, the room's ratings; no names."""
    consultation, session = _managed_session(consultation_id, session_id)
    item = live.current_item(session)
    criteria = criteria_of(consultation)
    return render_template(
        "fgd/present.html",
        consultation=consultation,
        session=session,
        item=item,
        results=live.results(session, criteria, item.strategy_id)
        if item and item.strategy_id and session.results_visible
        else [],
    )


def _present_etag(consultation_id: int, session_id: int) -> str | None:
    """The projector's ETag from one statement (no ORM object): the step counter and, while
    results are shown, the input version every vote raises; None for anyone but its runners."""
    row = ballot.room_version(consultation_id, session_id, current_user)
    if row is None or not may_run_room(current_user, row.role):
        return None
    step, shown, version = row[0], row[1], row[2] or 0
    return f"p{session_id}-{step}-{version if shown else 0}"


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/present/state")
@login_required
def present_state(consultation_id: int, session_id: int):
    """The projector's state: 304 until the moderator steps or, results shown, someone votes."""
    keep_session_cookie()
    etag = _present_etag(consultation_id, session_id)
    if etag is not None and (cached := _not_modified(etag)) is not None:
        return cached
    consultation, session = _managed_session(consultation_id, session_id)
    item = live.current_item(session)
    shown = bool(item and item.strategy_id and session.results_visible)
    results = live.results(session, criteria_of(consultation), item.strategy_id) if shown else []
    payload = {
        "step": session.step_version,
        "item": _item_payload(item),
        "voting": session.voting_open,
        "results_visible": shown,
        "results": [r.as_dict() for r in results],
    }
    return _json(payload, etag or f"p{session.id}-{session.step_version}-0")


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/console")
@login_required
def console(consultation_id: int, session_id: int):
    """The moderator's console: step through the agenda, open and close voting, results."""
    consultation, session = _managed_session(consultation_id, session_id)
    return render_template(
        "fgd/console.html",
        consultation=consultation,
        session=session,
        agenda=services.agenda_of(session),
        item=live.current_item(session),
    )


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/console/<action>")
@login_required
def control(consultation_id: int, session_id: int, action: str):
    """One console action (POST): next, previous, open, close, show, hide."""
    _consultation, session = _managed_session(consultation_id, session_id)
    if action not in live.ACTIONS:
        abort(404)
    _confirmed()
    try:
        live.control(session, current_user, action)
    except services.FgdRuleError as error:
        flash(str(error), "warning")
    else:
        db.session.commit()
    return redirect(
        url_for("fgd.console", consultation_id=session.consultation_id, session_id=session.id)
    )


def _room(consultation_id: int, session_id: int):
    consultation = get_consultation(consultation_id, current_user)
    require(membership_of(current_user, consultation) is not None, 403)
    return consultation, services.get_session(consultation, session_id)


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/room")
@login_required
def room(consultation_id: int, session_id: int):
    """A participant's phone in the room: the item on screen and one tap per criterion."""
    consultation, session = _room(consultation_id, session_id)
    item = live.current_item(session)
    mine = {}
    if item is not None and item.strategy_id:
        mine = live.my_ratings(current_user, item.strategy_id)
    return render_template(
        "fgd/room.html",
        consultation=consultation,
        session=session,
        item=item,
        criteria=criteria_of(consultation),
        present=live.is_present(session, current_user),
        mine=mine,
        room_token=make_room_token(consultation.id, session.id, current_user.id),
    )


@bp.route("/c/<int:consultation_id>/fgd/<int:session_id>/room/state/<token>")
def room_state(consultation_id: int, session_id: int, token: str):
    """What phones follow: the step counter and whether voting is open, nothing personal.

    The signed token in the URL (given on the room page to a member) stands in for the login,
    so a poll costs no user or membership look-up; 304 until the moderator steps (votes do
    not wake phones), at most one small query per half second and worker."""
    keep_session_cookie()
    try:
        values = read_room_token(token)
    except (TokenInvalid, TokenExpired):
        abort(404)
    if values[:2] != (consultation_id, session_id):
        abort(404)
    state = live.room_step(session_id)
    if state is None:
        abort(404)
    etag = f"r{session_id}-{state[0]}"
    if (cached := _not_modified(etag)) is not None:
        return cached
    return _json({"step": state[0], "voting": state[1]}, etag)


def _vote_answer(consultation_id: int, session_id: int, result: dict | None, error: str = ""):
    if request.accept_mimetypes.best == "application/json":
        if result is not None:
            return jsonify({"ok": True, **result})
        return jsonify({"ok": False, "error": error}), 409
    if error:
        flash(error, "warning")
    return redirect(url_for("fgd.room", consultation_id=consultation_id, session_id=session_id))


def _tap() -> tuple[int | None, int | None]:
    """(criterion id, value) of a tap; value None is "cannot judge", -1 anything unreadable."""
    raw = request.form.get("value", "")
    readable = raw.isascii() and raw.isdigit() and len(raw) < 4  # not "²", not 10**5000
    value = None if raw == "none" else int(raw) if readable else -1
    return parse_id(request.form.get("criterion", "")), value


def _vote_slowly(consultation_id: int, session_id: int, criterion_id, value):
    """The ordinary path, for anything the quick one does not accept: says why."""
    consultation, session = _room(consultation_id, session_id)
    _confirmed()
    criterion = next((c for c in criteria_of(consultation) if c.id == criterion_id), None)
    try:
        if criterion is None:
            raise services.FgdRuleError(_("Unknown criterion."))
        live.vote(session, current_user, criterion, value)
    except services.FgdRuleError as error:
        db.session.rollback()
        return _vote_answer(consultation.id, session.id, None, str(error))
    db.session.commit()
    return _vote_answer(consultation.id, session.id, {"criterion": criterion.id, "value": value})


@bp.post("/c/<int:consultation_id>/fgd/<int:session_id>/room/vote")
@login_required
def vote(consultation_id: int, session_id: int):
    """One tap: a rating of one criterion of the item on screen (phase FGD); one statement
    checks it and one stores it (consult/fgd/ballot.py)."""
    keep_session_cookie()
    criterion_id, value = _tap()
    found = criterion_id and ballot.ballot_for(
        consultation_id, session_id, current_user, criterion_id
    )
    if not found or not ballot.accepts(found, value):
        return _vote_slowly(consultation_id, session_id, criterion_id, value)
    _confirmed()
    ballot.store(found, current_user, value)
    db.session.commit()
    return _vote_answer(consultation_id, session_id, {"criterion": criterion_id, "value": value})


@bp.route("/c/<int:consultation_id>/fgd/changes")
@login_required
def what_changed(consultation_id: int):
    """What the FGD changed: paired shifts before -> at -> after the FGD (organisers)."""
    from consult.fgd import shift
    from consult.fgd.views import _managed

    consultation = _managed(consultation_id)
    anonymised = request.args.get("anonymise") == "1"
    _sections, strategies = services.plan_targets(consultation)
    minimum = current_app.config["ANONYMITY_MIN_GROUP_SIZE"]
    return render_template(
        "fgd/changes.html",
        consultation=consultation,
        anonymised=anonymised,
        minimum=minimum,
        steps=shift.STEPS,
        rows=shift.what_changed(
            consultation,
            strategies,
            criteria_of(consultation),
            anonymised=anonymised,
            min_group=minimum,
        ),
    )
