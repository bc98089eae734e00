"""The public registration form, with its defences: a honeypot field people never see, and a
signed timestamp (a form sent sooner than PUBLIC_FORM_MIN_SECONDS after it was shown, or with
a stamp altered or expired, is refused with a reason and everything typed kept)."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, StringField, ValidationError
from wtforms.validators import DataRequired, Email, Length, Optional

from consult.auth.tokens import TokenExpired, TokenInvalid, form_stamp_age, make_form_stamp
from consult.inputs import Form
from consult.public.services import email_domain_blocked


class RegistrationForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    city = StringField(_l("City or regency"), validators=[DataRequired(), Length(max=120)])
    organisation = StringField(
        _l("Organisation (optional)"), validators=[Optional(), Length(max=200)]
    )
    # The honeypot: hidden from people (and from screen readers); programs fill it in.
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])
    stamp = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.stamp.data:
            self.stamp.data = make_form_stamp()

    def validate_email(self, field) -> None:
        if email_domain_blocked(field.data or ""):
            raise ValidationError(
                _l(
                    "Addresses of this e-mail service cannot be used to register. Please use "
                    "another address you read regularly."
                )
            )

    def validate_website(self, field) -> None:
        if (field.data or "").strip():
            raise ValidationError(_l("This field must stay empty."))

    def validate_stamp(self, field) -> None:
        config = current_app.config
        try:
            age = form_stamp_age(field.data or "", config["PUBLIC_FORM_MAX_SECONDS"])
        except (TokenInvalid, TokenExpired):
            field.data = make_form_stamp()  # a fresh one: sending again works
            raise ValidationError(
                _l("This form was open too long or was altered. Please check it and send it again.")
            ) from None
        if age < config["PUBLIC_FORM_MIN_SECONDS"]:
            raise ValidationError(
                _l(
                    "The form was sent only seconds after it was shown. Please check what you "
                    "typed and send it again."
                )
            )

    def to_data(self) -> dict:
        return {
            "name": self.name.data,
            "email": self.email.data,
            "city": self.city.data,
            "organisation": self.organisation.data or "",
        }
