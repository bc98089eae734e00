"""Accepting the privacy notice, publishing a new one, asking for erasure."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

NOTICE_MAX_LENGTH = 50000


def storable(form, field) -> None:
    """Refuse text PostgreSQL cannot store (NUL), at the field, the same on every database."""
    if field.data and "\x00" in field.data:
        raise ValidationError(_l("The text contains a character (NUL) that cannot be stored."))


def accept_field() -> BooleanField:
    return BooleanField(
        _l("I have read the privacy notice and agree to how my personal data are used."),
        validators=[DataRequired(message=_l("Please read and accept the privacy notice."))],
    )


class AcceptNoticeForm(FlaskForm):
    accepted = accept_field()
    next = HiddenField()


class PublishNoticeForm(FlaskForm):
    """A new version of the notice, in Markdown, in both languages."""

    body_id = TextAreaField(
        _l("Notice in Indonesian (Markdown)"),
        validators=[DataRequired(), Length(max=NOTICE_MAX_LENGTH), storable],
        render_kw={"rows": 14},
    )
    body_en = TextAreaField(
        _l("Notice in English (Markdown)"),
        validators=[DataRequired(), Length(max=NOTICE_MAX_LENGTH), storable],
        render_kw={"rows": 14},
    )
    note = TextAreaField(
        _l("What changed (shown to people asked to accept again)"),
        validators=[Optional(), Length(max=2000), storable],
        render_kw={"rows": 3},
    )


class ErasureRequestForm(FlaskForm):
    understood = BooleanField(
        _l(
            "I understand that my account will be closed for good and my name, email address, "
            "organisation and attachments removed, while my comments and ratings stay in the "
            "consultation's record without my name."
        ),
        validators=[DataRequired(message=_l("Please confirm that you understand."))],
    )
