"""Sign-in, sign-out, passwords, invitations, the account page, accounts and groups admin."""

import re
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select

from consult.auth import services
from consult.auth.forms import (
    ROLE_LABELS,
    AccountForm,
    ChangePasswordForm,
    GroupForm,
    LoginForm,
    ResetRequestForm,
    RoleForm,
    SetPasswordForm,
)
from consult.auth.models import Role, StakeholderGroup, User
from consult.core.forms import ConfirmForm
from consult.extensions import db, limiter
from consult.mail import OutboxMail
from consult.permissions import can_manage_accounts, require
from consult.timeutil import utc_to_local

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _address_key() -> str:
    return "address:" + (request.remote_addr or "unknown")


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))


def _safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything else goes to the consultations."""
    target = (target or "").strip()
    parts = urlsplit(target)
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not parts.scheme
        and not parts.netloc
    ):
        return target
    return url_for("plans.list_consultations")


def _me() -> User:
    """The signed-in account itself (not the proxy), for services that record it."""
    return current_user._get_current_object()


def _require_admin() -> None:
    require(can_manage_accounts(current_user))


# --- signing in and out ---------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_address_key, methods=["POST"])
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        db.session.commit()
        if user is not None:
            login_user(user)
            return redirect(_safe_next(form.next.data))
        flash(
            _(
                "The email or password is not right, or there were too many attempts. "
                "Please check and try again in a few minutes."
            ),
            "error",
        )
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """End this and every other session of the account."""
    if ConfirmForm().validate_on_submit() and current_user.is_authenticated:
        services.log_out_everywhere(_me())
        db.session.commit()
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


# --- passwords ------------------------------------------------------------------------------


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_address_key, methods=["POST"])
@limiter.limit(_login_limit, key_func=_account_key, methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the account exists.
        flash(
            _(
                "If an account with a password exists for this address, we have sent it a "
                "link to choose a new password."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/request_reset.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_address_key)
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        return render_template("auth/link_invalid.html", kind="reset"), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.new_password.data)
        db.session.commit()
        login_user(user)
        flash(_("Your new password is set."), "success")
        return redirect(url_for("plans.list_consultations"))
    return render_template("auth/set_password.html", form=form, user=user, kind="reset")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm(current_user)
    if form.validate_on_submit():
        user = services.change_password(_me(), form.new_password.data)
        db.session.commit()
        login_user(user)  # the session token changed: sign this browser in again
        flash(_("Your password is changed. Other sessions have been logged out."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


# --- invitations ----------------------------------------------------------------------------


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_address_key)
def accept_invitation(token: str):
    """Choose a password from an invitation link; 400 or 410 for a bad, used or old link."""
    invitation, problem = services.invitation_for_token(token)
    if problem is not None:
        status = 400 if problem == services.InvitationProblem.INVALID else 410
        return render_template("auth/link_invalid.html", kind="invitation", problem=problem), status
    form = SetPasswordForm()
    if form.validate_on_submit():
        user = services.accept_invitation(invitation, form.new_password.data)
        db.session.commit()
        login_user(user)
        flash(_("Welcome to Rembuk. Your password is set."), "success")
        return redirect(url_for("plans.list_consultations"))
    return render_template(
        "auth/set_password.html", form=form, user=invitation.user, kind="invitation"
    )


# --- own account ----------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    languages = current_app.config["LANGUAGES"]
    form = AccountForm(languages, obj=current_user)
    if request.method == "GET" and current_user.locale not in languages:
        form.locale.data = current_app.config["BABEL_DEFAULT_LOCALE"]
    if form.validate_on_submit():
        services.update_account(_me(), form.data)
        db.session.commit()
        session["lang"] = current_user.locale
        flash(_("Your account is saved."), "success")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)


# --- outbox ---------------------------------------------------------------------------------

SECRET_LINK = re.compile(r"(/(?:invitation|reset)/)[A-Za-z0-9_\-.]+")


def masked_body(mail: OutboxMail) -> str:
    """The mail text, with the secret part of invitation and reset links hidden."""
    return SECRET_LINK.sub(r"\1…", mail.body) if mail.sensitive else mail.body


@bp.route("/outbox")
@login_required
def outbox():
    require(current_user.is_organiser)
    page = db.paginate(
        select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "auth/outbox.html", page=page, masked_body=masked_body, to_local=utc_to_local
    )


# --- accounts administration ----------------------------------------------------------------


@bp.route("/admin/users")
@login_required
def list_users():
    _require_admin()
    query = select(User).order_by(User.name, User.id)
    search = request.args.get("q", "").strip()
    if search:
        pattern = f"%{search}%"
        query = query.where(or_(User.name.ilike(pattern), User.email.ilike(pattern)))
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    role_forms = {user.id: RoleForm(formdata=None, role=user.role.value) for user in page.items}
    return render_template(
        "auth/users.html", page=page, role_forms=role_forms, search=search, role_labels=ROLE_LABELS
    )


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.post("/admin/users/<int:user_id>/role")
@login_required
def change_role(user_id: int):
    _require_admin()
    user = _user_or_404(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(user, current_user, Role(form.role.data))
        except services.AccountRuleError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The role of %(name)s is changed.", name=user.name), "success")
    return redirect(request.referrer or url_for("auth.list_users"))


@bp.post("/admin/users/<int:user_id>/deactivate")
@login_required
def deactivate_user(user_id: int):
    _require_admin()
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.deactivate_user(user, current_user)
        except services.AccountRuleError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("%(name)s can no longer log in.", name=user.name), "success")
    return redirect(url_for("auth.list_users"))


@bp.post("/admin/users/<int:user_id>/reactivate")
@login_required
def reactivate_user(user_id: int):
    _require_admin()
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        services.reactivate_user(user, current_user)
        db.session.commit()
        flash(_("%(name)s can log in again.", name=user.name), "success")
    return redirect(url_for("auth.list_users"))


# --- stakeholder groups ---------------------------------------------------------------------


def _group_or_404(group_id: int) -> StakeholderGroup:
    return db.session.get(StakeholderGroup, group_id) or abort(404)


@bp.route("/admin/groups", methods=["GET", "POST"])
@login_required
def list_groups():
    _require_admin()
    form = GroupForm()
    if form.validate_on_submit():
        services.add_group(current_user, form.name.data)
        db.session.commit()
        flash(_("The group is added."), "success")
        return redirect(url_for("auth.list_groups"))
    groups = services.ordered_groups()
    rename_forms = {
        group.id: GroupForm(formdata=None, obj=group, group=group, prefix=f"g{group.id}")
        for group in groups
    }
    return render_template(
        "auth/groups.html",
        form=form,
        groups=groups,
        rename_forms=rename_forms,
        usage=services.group_usage(),
    )


@bp.post("/admin/groups/<int:group_id>")
@login_required
def rename_group(group_id: int):
    _require_admin()
    group = _group_or_404(group_id)
    form = GroupForm(group=group, prefix=f"g{group.id}")
    if form.validate_on_submit():
        services.rename_group(group, current_user, form.name.data)
        db.session.commit()
        flash(_("The group is renamed."), "success")
    else:
        for message in form.name.errors:
            flash(message, "error")
    return redirect(url_for("auth.list_groups"))


@bp.post("/admin/groups/<int:group_id>/move/<any(up, down):direction>")
@login_required
def move_group(group_id: int, direction: str):
    _require_admin()
    group = _group_or_404(group_id)
    if ConfirmForm().validate_on_submit():
        services.move_group(group, current_user, -1 if direction == "up" else 1)
        db.session.commit()
    return redirect(url_for("auth.list_groups"))


@bp.post("/admin/groups/<int:group_id>/active/<any(on, off):state>")
@login_required
def set_group_active(group_id: int, state: str):
    _require_admin()
    group = _group_or_404(group_id)
    if ConfirmForm().validate_on_submit():
        services.set_group_active(group, current_user, state == "on")
        db.session.commit()
    return redirect(url_for("auth.list_groups"))
