"""Sign-in, sign-out, passwords, invitations, the account page, accounts and groups admin."""

import re
import time
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
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_, select

from consult.auth import services
from consult.auth.forms import (
    ROLE_LABELS,
    AccountForm,
    ChangeEmailForm,
    ChangePasswordForm,
    DisableTotpForm,
    EnableTotpForm,
    GroupForm,
    InvitationPasswordForm,
    LoginForm,
    ReauthForm,
    ResetRequestForm,
    RoleForm,
    SetPasswordForm,
    TotpLoginForm,
)
from consult.auth.models import Role, StakeholderGroup, User
from consult.core.forms import ConfirmForm
from consult.extensions import db, limiter
from consult.inputs import text_arg
from consult.labels import mail_kind_label, mail_status_label
from consult.mail import OutboxMail
from consult.permissions import can_manage_accounts, require
from consult.privacy import notices

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


PENDING_LOGIN_SECONDS = 300


def _signed_in(user: User) -> None:
    """Log this browser in after the person entered their password (and code) just now."""
    session.pop("pending_login", None)
    login_user(user)
    session["auth_at"] = time.time()


def _auth_is_fresh() -> bool:
    """Whether the password was entered recently enough for a sensitive change."""
    entered = session.get("auth_at")
    max_age = current_app.config["REAUTH_MAX_AGE_SECONDS"]
    return isinstance(entered, int | float) and 0 <= time.time() - entered <= max_age


def _reauth_redirect(back_to: str):
    flash(_("Please confirm it is you: enter your password again."), "info")
    return redirect(url_for("auth.reauth", next=back_to))


def _referrer_path(default_endpoint: str) -> str:
    """The page the request came from, if it is on this site; else a default page."""
    parts = urlsplit(request.referrer or "")
    if parts.netloc == request.host and parts.path.startswith("/"):
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return url_for(default_endpoint)


def _pending_user() -> User | None:
    """The account half-way through a two-step sign-in, if still valid (5 minutes)."""
    pending = session.get("pending_login")
    if not isinstance(pending, dict):
        return None
    started = pending.get("at")
    if not isinstance(started, int | float) or not 0 <= time.time() - started <= (
        PENDING_LOGIN_SECONDS
    ):
        return None
    user = db.session.get(User, pending.get("user_id")) if pending.get("user_id") else None
    if (
        user is None
        or user.session_token != pending.get("token")
        or not user.is_active_account
        or not user.totp_secret
    ):
        return None
    return user


def _pending_key() -> str:
    pending = session.get("pending_login")
    user_id = pending.get("user_id") if isinstance(pending, dict) else None
    return f"pending:{user_id}"


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
        if user is not None and user.totp_secret:
            # Not logged in yet: the code from the authenticator app comes next.
            session.pop("auth_at", None)
            session["pending_login"] = {
                "user_id": user.id,
                "token": user.session_token,
                "at": time.time(),
                "next": form.next.data or "",
            }
            return redirect(url_for("auth.login_code"))
        if user is not None:
            _signed_in(user)
            return redirect(_safe_next(form.next.data))
        flash(
            _(
                "The email or password is not right, or there were too many attempts. "
                "Please check and try again in a few minutes."
            ),
            "error",
        )
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_address_key, methods=["POST"])
@limiter.limit(_login_limit, key_func=_pending_key, methods=["POST"])
def login_code():
    """Second sign-in step for accounts with two-step verification."""
    if current_user.is_authenticated:
        return redirect(url_for("plans.list_consultations"))
    user = _pending_user()
    if user is None:
        session.pop("pending_login", None)
        flash(_("Your sign-in took too long or is no longer valid. Please log in again."), "info")
        return redirect(url_for("auth.login"))
    form = TotpLoginForm()
    if form.validate_on_submit():
        accepted = services.complete_totp_login(user, form.code.data)
        db.session.commit()
        if accepted:
            next_page = session["pending_login"].get("next")
            _signed_in(user)
            return redirect(_safe_next(next_page))
        form.code.errors.append(
            _(
                "The code is not right or was used already, or there were too many attempts. "
                "Please check and try again."
            )
        )
    return render_template("auth/login_code.html", form=form)


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
        if user.totp_secret:
            # A reset link proves only the mailbox: the code is still needed to sign in.
            flash(_("Your new password is set. Log in with it and your code."), "success")
            return redirect(url_for("auth.login"))
        _signed_in(user)
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
        _signed_in(user)  # the session token changed: sign this browser in again
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
    notice = notices.current_notice()
    form = InvitationPasswordForm()
    if notice is None:
        del form.privacy_accepted
    if form.validate_on_submit():
        chosen = session.get("lang")
        locale = chosen if chosen in current_app.config["LANGUAGES"] else None
        user = services.accept_invitation(invitation, form.new_password.data, locale)
        if notice is not None:
            notices.accept_notice(user, notice, "invitation")
        db.session.commit()
        _signed_in(user)
        flash(_("Welcome to Rembuk. Your password is set."), "success")
        return redirect(url_for("plans.list_consultations"))
    return render_template(
        "auth/set_password.html",
        form=form,
        user=invitation.user,
        kind="invitation",
        notice=notice,
        notice_body=notice.body_for(str(get_locale())) if notice else "",
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


def _credential_error(form, problem: services.CredentialProblem) -> None:
    """Show why the password or code was refused, at the field it concerns."""
    if problem == services.CredentialProblem.CODE:
        form.code.errors.append(_("The code is not right or was used already."))
    elif problem == services.CredentialProblem.LOCKED:
        form.current_password.errors.append(
            _("There were too many attempts. Please try again in a few minutes.")
        )
    else:
        form.current_password.errors.append(_("This is not your current password."))


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, key_func=_address_key, methods=["POST"])
def change_email():
    """Change the sign-in address: needs the password (and code); ends other sessions."""
    form = ChangeEmailForm(current_user)
    if form.validate_on_submit():
        problem = services.check_credentials(
            _me(), form.current_password.data, form.code.data if "code" in form else None
        )
        if problem is None:
            user = services.change_email(_me(), form.email.data)
            db.session.commit()
            _signed_in(user)
            flash(
                _("Your email address is changed. Other sessions have been logged out."),
                "success",
            )
            return redirect(url_for("auth.account"))
        db.session.commit()  # the failed attempt counts towards the lockout
        _credential_error(form, problem)
    return render_template("auth/change_email.html", form=form)


@bp.route("/account/two-step", methods=["GET", "POST"])
@login_required
def enable_totp():
    """Set up two-step verification: show a new secret, confirm it with a code."""
    if current_user.totp_secret:
        return redirect(url_for("auth.account"))
    # The secret waits in this browser's session until a code confirms the app has it.
    secret = session.get("totp_enrol")
    if not isinstance(secret, str) or not secret:
        secret = session["totp_enrol"] = services.new_totp_secret()
    form = EnableTotpForm()
    if form.validate_on_submit():
        if services.enable_totp(_me(), secret, form.code.data):
            db.session.commit()
            session.pop("totp_enrol", None)
            flash(_("Two-step verification is on."), "success")
            return redirect(url_for("auth.account"))
        form.code.errors.append(_("The code is not right. Check the time on your phone."))
    return render_template(
        "auth/enable_totp.html",
        form=form,
        secret=secret,
        uri=services.totp_uri(current_user, secret),
    )


@bp.route("/account/two-step/off", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, key_func=_address_key, methods=["POST"])
def disable_totp():
    """Turn two-step verification off: needs the password and a code."""
    if not current_user.totp_secret:
        return redirect(url_for("auth.account"))
    form = DisableTotpForm(current_user)
    if form.validate_on_submit():
        problem = services.check_credentials(_me(), form.current_password.data, form.code.data)
        if problem is None:
            services.disable_totp(_me(), _me())
            db.session.commit()
            flash(_("Two-step verification is off."), "success")
            return redirect(url_for("auth.account"))
        db.session.commit()
        _credential_error(form, problem)
    return render_template("auth/disable_totp.html", form=form)


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, key_func=_address_key, methods=["POST"])
def reauth():
    """Enter the password (and code) again before a sensitive change, then go back."""
    form = ReauthForm(current_user, next=request.args.get("next", ""))
    if form.validate_on_submit():
        problem = services.check_credentials(
            _me(), form.current_password.data, form.code.data if "code" in form else None
        )
        db.session.commit()
        if problem is None:
            session["auth_at"] = time.time()
            flash(_("Thank you. You can now make the change."), "success")
            return redirect(_safe_next(form.next.data))
        _credential_error(form, problem)
    return render_template("auth/reauth.html", form=form)


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
        "auth/outbox.html",
        page=page,
        masked_body=masked_body,
        mail_kind_label=mail_kind_label,
        mail_status_label=mail_status_label,
    )


# --- accounts administration ----------------------------------------------------------------


@bp.route("/admin/users")
@login_required
def list_users():
    _require_admin()
    query = select(User).order_by(User.name, User.id)
    search = text_arg("q")
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
    """Change an account's role; needs a password entered in the last REAUTH_MAX_AGE_SECONDS."""
    _require_admin()
    user = _user_or_404(user_id)
    if not _auth_is_fresh():
        return _reauth_redirect(_referrer_path("auth.list_users"))
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


@bp.post("/admin/users/<int:user_id>/two-step/off")
@login_required
def reset_totp(user_id: int):
    """Turn off someone's two-step verification (lost phone); needs a fresh password entry."""
    _require_admin()
    user = _user_or_404(user_id)
    if not _auth_is_fresh():
        return _reauth_redirect(_referrer_path("auth.list_users"))
    if ConfirmForm().validate_on_submit() and user.totp_secret:
        services.disable_totp(user, _me())
        db.session.commit()
        flash(_("Two-step verification of %(name)s is off.", name=user.name), "success")
    return redirect(url_for("auth.list_users"))


@bp.post("/admin/users/<int:user_id>/reactivate")
@login_required
def reactivate_user(user_id: int):
    _require_admin()
    user = _user_or_404(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.reactivate_user(user, current_user)
        except services.AccountRuleError as error:
            flash(str(error), "error")
        else:
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
        services.add_group(current_user, form.name.data, form.name_en.data)
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
        services.rename_group(group, current_user, form.name.data, form.name_en.data)
        db.session.commit()
        flash(_("The group is renamed."), "success")
    else:
        for message in [*form.name.errors, *form.name_en.errors]:
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
