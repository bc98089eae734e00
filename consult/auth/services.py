"""Accounts: sign-in with lockout, sessions, passwords, invitations, roles, stakeholder groups.

Every function flushes and records to the audit trail; the caller commits.
Passwords and tokens are never written to the audit trail.
"""

import enum
import hmac
import time
from datetime import datetime, timedelta

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from consult.audit import changes, record
from consult.auth.models import Invitation, Role, StakeholderGroup, User, new_session_token
from consult.auth.passwords import hash_password, password_problems, verify_password
from consult.auth.tokens import (
    TokenExpired,
    TokenInvalid,
    make_invitation_token,
    make_reset_token,
    password_fingerprint,
    read_invitation_token,
    read_reset_token,
)
from consult.bilingual import pick
from consult.extensions import db
from consult.mail import queue_mail
from consult.timeutil import utcnow
from consult.urls import public_url

DEFAULT_GROUPS = [
    "KADIN",
    "Pelaku industri",
    "Akademisi",
    "Instansi pemerintah",
    "Asosiasi",
    "Masyarakat",
    "Lainnya",
]
DEFAULT_GROUP_NAMES_EN = {
    "KADIN": "KADIN (Chamber of Commerce)",
    "Pelaku industri": "Industry",
    "Akademisi": "Academia",
    "Instansi pemerintah": "Government agencies",
    "Asosiasi": "Associations",
    "Masyarakat": "Public",
    "Lainnya": "Other",
}
LOCK_AFTER_FAILURES = 5
LOCK_FIRST = timedelta(minutes=1)
LOCK_LONGEST = timedelta(hours=24)


class AccountRuleError(Exception):
    """A business rule refused the change; str() is a translated message for the user."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this address, compared case-insensitively."""
    address = normalise_email(email)
    if not address:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == address))


def rotate_session(user: User) -> None:
    """End every session of this account (all cookies carry the old token)."""
    user.session_token = new_session_token()


# --- stakeholder groups ---------------------------------------------------------------------


def ensure_default_groups() -> list[StakeholderGroup]:
    """Create the default stakeholder groups that do not exist yet; return all groups."""
    existing = {g.name.lower(): g for g in db.session.scalars(select(StakeholderGroup))}
    next_position = max((g.position for g in existing.values()), default=0) + 1
    for name in DEFAULT_GROUPS:
        if name.lower() not in existing:
            group = StakeholderGroup(
                name=name, name_en=DEFAULT_GROUP_NAMES_EN.get(name, ""), position=next_position
            )
            next_position += 1
            db.session.add(group)
            existing[name.lower()] = group
    db.session.flush()
    return ordered_groups()


def ordered_groups(active_only: bool = False) -> list[StakeholderGroup]:
    query = select(StakeholderGroup).order_by(StakeholderGroup.position, StakeholderGroup.id)
    if active_only:
        query = query.where(StakeholderGroup.active.is_(True))
    return list(db.session.scalars(query))


def group_names() -> dict[int, str]:
    """Every group's name in the current language (consult.bilingual), by id; one query."""
    rows = db.session.execute(
        select(StakeholderGroup.id, StakeholderGroup.name, StakeholderGroup.name_en)
    )
    return {group_id: pick(name, name_en) for group_id, name, name_en in rows}


def group_usage() -> dict[int, int]:
    """Number of accounts in each group, by group id."""
    rows = db.session.execute(
        select(User.group_id, func.count(User.id))
        .where(User.group_id.is_not(None))
        .group_by(User.group_id)
    )
    return {group_id: count for group_id, count in rows}


def add_group(actor: User, name: str, name_en: str = "") -> StakeholderGroup:
    """A new group; its English name is optional (English pages show `name` without one)."""
    last = db.session.scalar(select(func.max(StakeholderGroup.position))) or 0
    group = StakeholderGroup(name=name.strip(), name_en=(name_en or "").strip(), position=last + 1)
    db.session.add(group)
    db.session.flush()
    record("groups.added", actor, group, name=group.name, name_en=group.name_en)
    return group


def rename_group(
    group: StakeholderGroup, actor: User, name: str, name_en: str | None = None
) -> StakeholderGroup:
    """Change the group's name, and its English name when given (None keeps it)."""
    values = {"name": name.strip()}
    if name_en is not None:
        values["name_en"] = name_en.strip()
    diff = changes(group, values)
    for key, value in values.items():
        setattr(group, key, value)
    db.session.flush()
    if diff:
        record("groups.renamed", actor, group, **diff)
    return group


def move_group(group: StakeholderGroup, actor: User, offset: int) -> StakeholderGroup:
    """Move a group up (offset -1) or down (+1) in the list; positions become 1..n."""
    groups = ordered_groups()
    index = groups.index(group)
    target = min(max(index + offset, 0), len(groups) - 1)
    groups.insert(target, groups.pop(index))
    for position, each in enumerate(groups, start=1):
        each.position = position
    db.session.flush()
    record("groups.moved", actor, group, position=group.position)
    return group


def set_group_active(group: StakeholderGroup, actor: User, active: bool) -> StakeholderGroup:
    """Deactivate (hidden from new invitations, kept on accounts) or reactivate a group."""
    group.active = active
    db.session.flush()
    record("groups.activated" if active else "groups.deactivated", actor, group)
    return group


# --- accounts -------------------------------------------------------------------------------


def create_admin_account(email: str, name: str, password: str) -> User:
    """Create an admin (or promote the existing account with that email) with this password."""
    problems = password_problems(password)
    if problems:
        raise AccountRuleError(" ".join(str(p) for p in problems))
    user = find_user_by_email(email)
    if user is None:
        user = User(email=normalise_email(email), name=name.strip())
        db.session.add(user)
    user.role = Role.ADMIN
    user.is_active_account = True
    user.password_hash = hash_password(password)
    rotate_session(user)
    db.session.flush()
    record("auth.admin_created", None, user, email=user.email)
    return user


def update_account(user: User, data: dict) -> User:
    """Update the profile fields a person may change about themselves."""
    fields = {key: data[key] for key in ("name", "organisation", "position", "locale")}
    diff = changes(user, fields)
    for key, value in fields.items():
        setattr(user, key, value)
    db.session.flush()
    if diff:
        record("auth.account_updated", user, user, **diff)
    return user


def change_role(user: User, actor: User, role: Role) -> User:
    """Change an account's role; an admin cannot change their own."""
    if user.id == actor.id:
        raise AccountRuleError(_l("You cannot change your own role."))
    before = user.role
    if before == role:
        return user
    user.role = role
    db.session.flush()
    record("auth.role_changed", actor, user, role=[before.value, Role(role).value])
    return user


def deactivate_user(user: User, actor: User) -> User:
    """Block the account and end all its sessions at once."""
    if user.id == actor.id:
        raise AccountRuleError(_l("You cannot deactivate your own account."))
    user.is_active_account = False
    rotate_session(user)
    db.session.flush()
    record("auth.user_deactivated", actor, user)
    return user


def reactivate_user(user: User, actor: User) -> User:
    if user.erased_at is not None:
        raise AccountRuleError(_l("An erased account cannot be opened again."))
    user.is_active_account = True
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    record("auth.user_reactivated", actor, user)
    return user


# --- signing in and out ---------------------------------------------------------------------


def _count_failure(user: User, now: datetime) -> None:
    """One more failed attempt (password or code); lock the account after too many."""
    user.failed_logins += 1
    if user.failed_logins >= LOCK_AFTER_FAILURES:
        extra = user.failed_logins - LOCK_AFTER_FAILURES
        user.locked_until = now + min(LOCK_FIRST * 2 ** min(extra, 20), LOCK_LONGEST)


def _is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def _login_succeeded(user: User, now: datetime) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record("auth.login", user, user)
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The account if email and password match and it is usable; None otherwise.

    Failures count per account; after LOCK_AFTER_FAILURES the account is locked for a
    minute, doubling with every further failure. Unknown addresses cost the same time.
    With two-step verification on, a right password only returns the account: the
    sign-in completes (and the failure count resets) in complete_totp_login.
    """
    now = utcnow()
    user = find_user_by_email(email)
    tried = normalise_email(email)[:254]
    if user is None:
        verify_password(None, password)
        record("auth.login_failed", None, email=tried)
        return None
    if _is_locked(user, now):
        verify_password(None, password)
        record("auth.login_failed", None, user, email=tried, locked=True)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active_account:
        _count_failure(user, now)
        record("auth.login_failed", None, user, email=tried)
        db.session.flush()
        return None
    if user.totp_secret:
        return user
    _login_succeeded(user, now)
    return user


def log_out_everywhere(user: User) -> None:
    """Rotate the session token: this and every other session of the account ends."""
    rotate_session(user)
    record("auth.logout", user, user)
    db.session.flush()


def change_password(user: User, new_password: str) -> User:
    """Set a new password and end every session (the caller logs this browser in again)."""
    user.password_hash = hash_password(new_password)
    rotate_session(user)
    db.session.flush()
    record("auth.password_changed", user, user)
    return user


def change_email(user: User, new_email: str) -> User:
    """Change the sign-in address; ends every session (the caller logs this browser in again).

    The old address gets a notice, so a taken-over account does not change hands silently.
    """
    before = user.email
    user.email = normalise_email(new_email)
    rotate_session(user)
    db.session.flush()
    record("auth.email_changed", user, user, email=[before, user.email])
    queue_mail(
        before,
        "email_changed",
        _l("The email address of your Rembuk account was changed"),
        "auth/mail_email_changed.txt",
        user=user,
    )
    return user


# --- two-step verification (TOTP) and re-authentication ------------------------------------

TOTP_ISSUER = "Rembuk"
# Codes from one step before or after the current one are accepted (clock drift).
TOTP_DRIFT_STEPS = 1


class CredentialProblem(enum.StrEnum):
    LOCKED = "locked"
    # The name of what was wrong, not a password (bandit B105 reads it as one).
    PASSWORD = "password"  # nosec B105
    CODE = "code"


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads (as text or from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def matching_totp_step(secret: str, code: str, after_step: int | None = None) -> int | None:
    """The time step a 6-digit code belongs to (now, or one step either side), or None.

    Steps up to and including after_step are refused: a code cannot be used twice.
    """
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(time.time()) // totp.interval
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_totp_code(user: User, code: str) -> bool:
    """Accept a code once: the step is claimed in one conditional UPDATE, so two requests
    racing with the same code cannot both succeed."""
    if not user.totp_secret:
        return False
    step = matching_totp_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    claimed = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def complete_totp_login(user: User, code: str) -> bool:
    """Second sign-in step: True (and signed in) if the code is right and unused.

    A wrong code counts towards the lockout like a wrong password.
    """
    now = utcnow()
    if _is_locked(user, now) or not user.is_active_account:
        record("auth.totp_failed", None, user, locked=True)
        db.session.flush()
        return False
    if not _use_totp_code(user, code):
        _count_failure(user, now)
        record("auth.totp_failed", None, user)
        db.session.flush()
        return False
    _login_succeeded(user, now)
    return True


def check_credentials(
    user: User, password: str, code: str | None = None
) -> CredentialProblem | None:
    """Check a signed-in person's password (and code, with two-step on) before a sensitive
    change; None if right. Wrong entries count towards the lockout like failed logins."""
    now = utcnow()
    if _is_locked(user, now):
        verify_password(None, password)
        return CredentialProblem.LOCKED
    problem = None
    if not verify_password(user.password_hash, password):
        problem = CredentialProblem.PASSWORD
    elif user.totp_secret and not _use_totp_code(user, code or ""):
        problem = CredentialProblem.CODE
        record("auth.totp_failed", user, user)
    if problem is not None:
        _count_failure(user, now)
        record("auth.reauth_failed", user, user, problem=problem.value)
    else:
        user.failed_logins = 0
        record("auth.reauthenticated", user, user)
    db.session.flush()
    return problem


def enable_totp(user: User, secret: str, code: str) -> bool:
    """Turn two-step verification on with a secret the person's app holds; False if the
    code (proving the app has it) is wrong."""
    step = matching_totp_step(secret, code)
    if step is None:
        return False
    user.totp_secret = secret
    user.totp_last_step = step
    db.session.flush()
    record("auth.totp_enabled", user, user)
    return True


def disable_totp(user: User, actor: User) -> User:
    """Turn two-step verification off: by the person (the caller checked password and code)
    or by an admin, for someone who lost their phone."""
    user.totp_secret = None
    user.totp_last_step = None
    db.session.flush()
    record("auth.totp_disabled", actor, user)
    return user


# --- password reset -------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if the account exists, is active and has a password; silent otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.password_hash or not user.is_active_account:
        return
    token = make_reset_token(user.id, user.password_hash)
    queue_mail(
        user,
        "password_reset",
        _l("Reset your Rembuk password"),
        "mail/password_reset.txt",
        sensitive=True,
        link=public_url("auth.reset_password", token=token),
        minutes=current_app.config["RESET_MAX_AGE_MINUTES"],
    )
    record("auth.password_reset_requested", None, user)
    db.session.flush()


def user_for_reset_token(token: str) -> User | None:
    """The account a reset link is for, if the link is genuine, fresh and not yet used."""
    try:
        user_id, fingerprint = read_reset_token(token)
    except (TokenInvalid, TokenExpired):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.password_hash or not user.is_active_account:
        return None
    if not hmac.compare_digest(password_fingerprint(user.password_hash), fingerprint):
        return None  # the password changed since: the link was used or is stale
    return user


def reset_password(user: User, new_password: str) -> User:
    """Set the password from a reset link; ends other sessions and lifts a lockout."""
    user.password_hash = hash_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    rotate_session(user)
    db.session.flush()
    record("auth.password_reset_completed", user, user)
    return user


# --- invitations ----------------------------------------------------------------------------


class InvitationState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"


class InvitationProblem(enum.StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


def invitation_url(invitation: Invitation) -> str:
    return public_url(
        "auth.accept_invitation", token=make_invitation_token(invitation.id, invitation.nonce)
    )


def create_invitation(
    user: User, actor: User | None, consultation_id: int | None = None
) -> Invitation:
    """A fresh invitation for an account without password; earlier ones stop working."""
    now = utcnow()
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.user_id == user.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session="fetch")
    )
    invitation = Invitation(
        user_id=user.id,
        consultation_id=consultation_id,
        created_by_id=actor.id if actor is not None else None,
        expires_at=now + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def send_invitation(user: User, actor: User | None, consultation=None, **details) -> Invitation:
    """Create an invitation and queue its mail (in the invitee's language).

    details: what mail/_consultation_details.txt shows (FGD sessions, deadline, contact).
    """
    invitation = create_invitation(user, actor, consultation.id if consultation else None)
    subject = (
        _l('Invitation to the consultation "%(title)s" on Rembuk', title=consultation.title)
        if consultation is not None
        else _l("Invitation to take part in a consultation on Rembuk")
    )
    queue_mail(
        user,
        "invitation",
        subject,
        "mail/invitation.txt",
        sensitive=True,
        link=invitation_url(invitation),
        consultation=consultation,
        inviter=actor,
        days=current_app.config["INVITATION_MAX_AGE_DAYS"],
        **details,
    )
    record(
        "invitation.sent",
        actor,
        invitation,
        consultation_id=invitation.consultation_id,
        email=user.email,
    )
    return invitation


def invitation_for_token(token: str) -> tuple[Invitation | None, InvitationProblem | None]:
    """The invitation a link names if it can still be accepted, else the reason why not."""
    try:
        invitation_id, nonce = read_invitation_token(token)
    except TokenExpired:
        return None, InvitationProblem.EXPIRED
    except TokenInvalid:
        return None, InvitationProblem.INVALID
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not hmac.compare_digest(invitation.nonce, nonce):
        return None, InvitationProblem.INVALID
    if not invitation.user.is_active_account:
        return None, InvitationProblem.INVALID
    if invitation.used_at is not None or invitation.user.password_hash:
        return None, InvitationProblem.USED
    if invitation.expires_at <= utcnow():
        return None, InvitationProblem.EXPIRED
    return invitation, None


def accept_invitation(invitation: Invitation, password: str, locale: str | None = None) -> User:
    """Set the invitee's first password and use up the invitation (and any other open one).

    A language chosen on the invitation page becomes the account's, for mails and notices.
    """
    now = utcnow()
    user = invitation.user
    user.password_hash = hash_password(password)
    if locale:
        user.locale = locale
    invitation.used_at = now
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.user_id == user.id,
            Invitation.id != invitation.id,
            Invitation.used_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session="fetch")
    )
    user.last_login_at = now
    db.session.flush()
    record("invitation.accepted", user, invitation, consultation_id=invitation.consultation_id)
    return user


def invitation_states(user_ids: list[int]) -> dict[int, InvitationState]:
    """For each account: accepted (has a password), pending (a live invitation) or expired."""
    if not user_ids:
        return {}
    now = utcnow()
    with_password = set(
        db.session.scalars(
            select(User.id).where(User.id.in_(user_ids), User.password_hash.is_not(None))
        )
    )
    live = set(
        db.session.scalars(
            select(Invitation.user_id).where(
                Invitation.user_id.in_(user_ids),
                Invitation.used_at.is_(None),
                Invitation.expires_at > now,
            )
        )
    )
    states = {}
    for user_id in user_ids:
        if user_id in with_password:
            states[user_id] = InvitationState.ACCEPTED
        elif user_id in live:
            states[user_id] = InvitationState.PENDING
        else:
            states[user_id] = InvitationState.EXPIRED
    return states
