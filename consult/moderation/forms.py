"""Forms for moderation decisions, flags, suspensions, notification settings, the audit log."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from consult.feedback.forms import COMMENT_TYPE_LABELS
from consult.inputs import FilterForm, Form, coerce_id
from consult.moderation.models import ModerationReason
from consult.moderation.services import ACTION_LABELS, DECISIONS, REASON_LABELS
from consult.notifications import KIND_LABELS, OPTIONAL_KINDS

NO_REASON = [SelectChoice("", _l("— choose a reason —"))]
REASON_CHOICES = [SelectChoice(reason.value, label) for reason, label in REASON_LABELS.items()]


def choices(pairs) -> list[SelectChoice]:
    """SelectChoices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _optional_int(value):
    """An id, or None for "all"; a value that is no id is refused (not a valid choice)."""
    return None if value in (None, "") else coerce_id(value)


class DecisionForm(Form):
    """One decision (approve, reject, hide, restore) on one comment, with a reason."""

    action = HiddenField(validators=[InputRequired()])
    reason = SelectField(_l("Reason"), choices=NO_REASON + REASON_CHOICES, default="")
    note = TextAreaField(
        _l("Note to the author (optional)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )

    def validate_action(self, field):
        if field.data not in DECISIONS:
            raise ValidationError(_l("Unknown action."))

    def validate_reason(self, field):
        decision = DECISIONS.get(self.action.data)
        if decision is not None and decision.needs_reason and not field.data:
            raise ValidationError(_l("Please choose a reason for this decision."))


class BulkDecisionForm(DecisionForm):
    """The same decision and reason for every selected comment."""

    action = SelectField(
        _l("Action for the selected comments"),
        choices=choices(ACTION_LABELS.items()),
        validators=[InputRequired()],
    )
    comment_ids = SelectMultipleField(
        _l("Selected comments"),
        coerce=coerce_id,
        validate_choice=False,
        validators=[DataRequired(message=_l("Select at least one comment."))],
    )


class FlagForm(Form):
    """A participant reports a comment: why, and optionally more."""

    reason = SelectField(
        _l("Why should a moderator look at this comment?"),
        choices=NO_REASON + REASON_CHOICES,
        default="",
    )
    note = TextAreaField(
        _l("More detail (optional)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )

    def validate_reason(self, field):
        if field.data not in {r.value for r in ModerationReason}:
            raise ValidationError(_l("Please choose a reason."))


class SuspendForm(Form):
    reason = StringField(
        _l("Reason for the suspension"),
        validators=[DataRequired(message=_l("Please give a reason.")), Length(max=500)],
    )


class QueueFilterForm(FilterForm):
    """GET filters of the moderation queue (no CSRF: it changes nothing)."""

    consultation = SelectField(_l("Consultation"), coerce=_optional_int, validate_choice=False)
    section = SelectField(_l("Section"), coerce=_optional_int, validate_choice=False)
    group = SelectField(_l("Stakeholder group"), coerce=_optional_int, validate_choice=False)
    type = SelectField(
        _l("Type"),
        choices=choices(
            [("", _l("All types"))] + [(t.value, label) for t, label in COMMENT_TYPE_LABELS.items()]
        ),
        default="",
    )
    view = SelectField(
        _l("Show"),
        choices=choices(
            [
                ("review", _l("Needs a decision")),
                ("published", _l("Published")),
                ("hidden", _l("Hidden")),
                ("rejected", _l("Not approved")),
            ]
        ),
        default="review",
    )
    text = StringField(_l("Text contains"), validators=[Optional(), Length(max=200)])
    author = StringField(_l("Author (name or e-mail)"), validators=[Optional(), Length(max=254)])


class AuditFilterForm(FilterForm):
    """GET filters of the audit log (no CSRF: it changes nothing)."""

    consultation = SelectField(_l("Consultation"), coerce=_optional_int, validate_choice=False)
    action = StringField(_l("Action"), validators=[Optional(), Length(max=80)])
    actor = StringField(_l("Actor (e-mail)"), validators=[Optional(), Length(max=254)])
    date_from = DateField(_l("From (date)"), validators=[Optional()])
    date_to = DateField(_l("To (date)"), validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


def notification_settings_form_class():
    """A form with one checkbox per optional notification kind."""

    class NotificationSettingsForm(Form):
        pass

    for kind in OPTIONAL_KINDS:
        setattr(NotificationSettingsForm, kind.value, BooleanField(KIND_LABELS[kind]))
    return NotificationSettingsForm
