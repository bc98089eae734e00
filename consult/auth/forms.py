"""Forms for signing in, passwords, the account page and account administration."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from consult.auth.models import Role, StakeholderGroup, User
from consult.auth.passwords import password_problems, verify_password
from consult.extensions import db
from consult.inputs import Form

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.ORGANISER: _l("Organiser"),
    Role.PARTICIPANT: _l("Participant"),
}


class LoginForm(Form):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class NewPasswordMixin:
    """A new password typed twice, checked against the length and common-password rules."""

    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )

    def validate_new_password(self, field):
        problems = password_problems(field.data or "")
        if problems:
            raise ValidationError(" ".join(str(p) for p in problems))


class SetPasswordForm(NewPasswordMixin, Form):
    """Choosing the first password (invitation) or a new one (reset link)."""


class InvitationPasswordForm(SetPasswordForm):
    """The first password, with the privacy notice accepted (UU 27/2022)."""

    privacy_accepted = BooleanField(
        _l("I have read the privacy notice and agree to how my personal data are used."),
        validators=[DataRequired(message=_l("Please read and accept the privacy notice."))],
    )


class ChangePasswordForm(NewPasswordMixin, Form):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1024)]
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_current_password(self, field):
        if not verify_password(self.user.password_hash, field.data or ""):
            raise ValidationError(_l("This is not your current password."))


class ResetRequestForm(Form):
    email = StringField(
        _l("Email"),
        validators=[
            DataRequired(),
            Email(message=_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )


class AccountForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Length(max=200)])
    position = StringField(_l("Position"), validators=[Length(max=200)])
    locale = SelectField(_l("Language"))

    def __init__(self, languages: dict[str, str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = [SelectChoice(code, name) for code, name in languages.items()]


class CodeMixin:
    """A 6-digit code from the authenticator app."""

    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[DataRequired(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class TotpLoginForm(CodeMixin, Form):
    """The second sign-in step."""


class EnableTotpForm(CodeMixin, Form):
    """Confirm two-step enrolment with a code the app shows."""


class CredentialsForm(Form):
    """The current password, and the code when two-step verification is on."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=1024)]
    )
    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[DataRequired(), Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.totp_secret:
            del self.code


class ReauthForm(CredentialsForm):
    next = HiddenField()


class DisableTotpForm(CredentialsForm):
    """Turning two-step verification off takes the password and a code."""


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ChangeEmailForm(CredentialsForm):
    email = StringField(
        _l("New email address"),
        filters=[_strip],
        validators=[
            DataRequired(),
            Email(message=_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )

    def validate_email(self, field):
        address = (field.data or "").strip().lower()
        if address == self.user.email.lower():
            raise ValidationError(_l("This is already your email address."))
        taken = db.session.scalar(select(User.id).where(func.lower(User.email) == address))
        if taken is not None:
            raise ValidationError(_l("Another account uses this email address."))


class RoleForm(Form):
    role = SelectField(
        _l("Role"), choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]
    )


class GroupForm(Form):
    name = StringField(_l("Group name"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(
        _l("Name in English (optional)"), validators=[Optional(), Length(max=120)]
    )

    def __init__(self, *args, group: StakeholderGroup | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group

    def validate_name(self, field):
        query = select(StakeholderGroup.id).where(
            func.lower(StakeholderGroup.name) == field.data.strip().lower()
        )
        if self.group is not None:
            query = query.where(StakeholderGroup.id != self.group.id)
        if db.session.scalar(query) is not None:
            raise ValidationError(_l("A group with this name exists already."))


class MoveForm(Form):
    direction = HiddenField()
