"""The privacy notice, one's own data, erasure requests and their confirmation."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.auth.views import _auth_is_fresh, _me, _reauth_redirect, _safe_next
from consult.core.forms import ConfirmForm
from consult.extensions import db
from consult.permissions import can_confirm_erasure, can_manage_accounts, require
from consult.privacy import erasure, notices
from consult.privacy.download import build_download
from consult.privacy.forms import AcceptNoticeForm, ErasureRequestForm, PublishNoticeForm
from consult.privacy.models import ErasureRequest, ErasureStatus
from consult.timeutil import utcnow

bp = Blueprint("privacy", __name__)

# Reachable while a new notice waits to be accepted: reading it, accepting it, leaving.
GATE_FREE = {
    "static",
    "bootstrap.static",
    "auth.logout",
    "core.set_language",
    "core.health",
    "privacy.show_notice",
    "privacy.accept_notice",
    # The FGD room's polls (JSON, hundreds a second): their pages ask, a poll costs no query.
    "fgd.room_state",
    "fgd.present_state",
}


@bp.before_app_request
def ask_to_accept_a_new_notice():
    """Signed-in people accept the current notice before going on (GET pages only, so that
    nothing being sent is lost; the next page asks)."""
    if request.endpoint in GATE_FREE or request.method not in ("GET", "HEAD"):
        return None
    if not current_user.is_authenticated or not notices.needs_acceptance(current_user):
        return None
    return redirect(url_for("privacy.accept_notice", next=request.full_path.rstrip("?")))


# --- the notice -------------------------------------------------------------------------------


@bp.route("/privacy")
def show_notice():
    """The current privacy notice, public."""
    notice = notices.current_notice() or abort(404)
    return render_template(
        "privacy/notice.html", notice=notice, body=notice.body_for(str(get_locale()))
    )


@bp.route("/privacy/accept", methods=["GET", "POST"])
@login_required
def accept_notice():
    """Accept the current notice (asked when it changed since one last accepted it)."""
    notice = notices.current_notice() or abort(404)
    form = AcceptNoticeForm(next=request.args.get("next", ""))
    if not notices.needs_acceptance(current_user):
        return redirect(_safe_next(form.next.data))
    if form.validate_on_submit():
        notices.accept_notice(_me(), notice, "update")
        db.session.commit()
        flash(_("Thank you. You accepted the privacy notice."), "success")
        return redirect(_safe_next(form.next.data))
    return render_template(
        "privacy/accept.html", form=form, notice=notice, body=notice.body_for(str(get_locale()))
    )


@bp.route("/admin/privacy/notices", methods=["GET", "POST"])
@login_required
def manage_notices():
    """Admins publish a new version (prefilled with the current text) and read the old ones."""
    require(can_manage_accounts(current_user))
    current = notices.current_notice()
    form = PublishNoticeForm(obj=current if request.method == "GET" else None)
    if request.method == "GET":
        form.note.data = ""
    if form.validate_on_submit():
        notice = notices.publish_notice(
            _me(), form.body_id.data, form.body_en.data, form.note.data or ""
        )
        db.session.commit()
        flash(
            _("Version %(version)d of the privacy notice is published.", version=notice.version),
            "success",
        )
        return redirect(url_for("privacy.manage_notices"))
    return render_template("privacy/manage_notices.html", form=form, notices=notices.notices())


# --- one's own data ---------------------------------------------------------------------------


@bp.post("/account/data")
@login_required
def download_data():
    """All of one's own data as a ZIP, built in memory (POST: the download is audited)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    content = build_download(_me())
    db.session.commit()
    g.no_store = True
    filename = f"rembuk-data-saya-{utcnow():%Y%m%d}.zip"
    return Response(
        content,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/account/erasure", methods=["GET", "POST"])
@login_required
def request_erasure():
    """Ask for one's account to be erased; needs the password entered again."""
    pending = erasure.pending_request(current_user)
    form = ErasureRequestForm()
    if request.method == "POST" and pending is None and not _auth_is_fresh():
        return _reauth_redirect(url_for("privacy.request_erasure"))
    if pending is None and form.validate_on_submit():
        try:
            erasure.request_erasure(_me())
        except erasure.ErasureError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(
                _("Your request is sent. An organiser or administrator will confirm it."), "success"
            )
        return redirect(url_for("privacy.request_erasure"))
    return render_template("privacy/erasure.html", form=form, pending=pending)


@bp.post("/account/erasure/cancel")
@login_required
def cancel_erasure():
    pending = erasure.pending_request(current_user)
    if pending is not None and ConfirmForm().validate_on_submit():
        erasure.cancel_erasure(pending, _me())
        db.session.commit()
        flash(_("Your request to erase your account is withdrawn."), "success")
    return redirect(url_for("privacy.request_erasure"))


# --- confirming erasure (organisers of the person's consultations, admins) ------------------


@bp.route("/privacy/erasure-requests")
@login_required
def list_erasure_requests():
    require(current_user.is_organiser)
    return render_template(
        "privacy/erasure_requests.html",
        requests=erasure.pending_requests_for(current_user),
        form=ConfirmForm(),
    )


@bp.post("/privacy/erasure-requests/<int:request_id>/confirm")
@login_required
def confirm_erasure(request_id: int):
    """Erase the account; 404 unless the request is for one's own participant (or admin)."""
    require(current_user.is_organiser)
    pending = db.session.get(ErasureRequest, request_id)
    if pending is None or not can_confirm_erasure(current_user, pending.user):
        abort(404)
    if pending.status == ErasureStatus.PENDING and ConfirmForm().validate_on_submit():
        erasure.confirm_erasure(pending, _me())
        db.session.commit()
        flash(_("The account is erased. Its input stays, under a pseudonym."), "success")
    return redirect(url_for("privacy.list_erasure_requests"))
