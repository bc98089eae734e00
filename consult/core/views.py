"""Home page, language switch and the health check."""

from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from consult.core.forms import LanguageForm
from consult.extensions import csrf, db, limiter

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("plans.list_consultations"))
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():
    """Remember the chosen language in the session (and on the account)."""
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data
            db.session.commit()
    target = request.form.get("next") or ""
    # Only local paths: an absolute URL here would make this an open redirect.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("core.index")
    return redirect(target)


@bp.get("/healthz")
@csrf.exempt
@limiter.exempt  # probed every few seconds by load balancers
def health():
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
