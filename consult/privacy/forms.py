"""Accepting the privacy notice, publishing a new one, asking for erasure."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from consult.inputs import Form

NOTICE_MAX_LENGTH = 50000


def accept_field() -> BooleanField:
    return BooleanField(
        _l("I have read the privacy notice and agree to how my personal data are used."),
        validators=[DataRequired(message=_l("Please read and accept the privacy notice."))],
    )


class AcceptNoticeForm(Form):
    accepted = accept_field()
    next = HiddenField()


class PublishNoticeForm(Form):
    """A new version of the notice, in Markdown, in both languages."""

    body_id = TextAreaField(
        _l("Notice in Indonesian (Markdown)"),
        validators=[DataRequired(), Length(max=NOTICE_MAX_LENGTH)],
        render_kw={"rows": 14},
    )
    body_en = TextAreaField(
        _l("Notice in English (Markdown)"),
        validators=[DataRequired(), Length(max=NOTICE_MAX_LENGTH)],
        render_kw={"rows": 14},
    )
    note = TextAreaField(
        _l("What changed (shown to people asked to accept again)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 3},
    )


class ErasureRequestForm(Form):
    understood = BooleanField(
        _l(
            "I understand that my account will be closed for good and my name, email address, "
            "organisation and attachments removed, while my comments and ratings stay in the "
            "consultation's record without my name."
        ),
        validators=[DataRequired(message=_l("Please confirm that you understand."))],
    )
