"""Forms of the revisions feature: one per action."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from consult.inputs import Form, coerce_id
from consult.plans.models import Section


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RevisionForm(Form):
    """Publish a revised text of one section or strategy as its next version."""

    code = StringField(_l("Code"), validators=[Optional(), Length(max=20)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(
        _l("Text"), validators=[Optional(), Length(max=100_000)], render_kw={"rows": 10}
    )
    targets = TextAreaField(
        _l("Targets and indicators"),
        validators=[Optional(), Length(max=20_000)],
        render_kw={"rows": 4},
    )
    time_horizon = StringField(_l("Time horizon"), validators=[Optional(), Length(max=120)])
    note = TextAreaField(
        _l("What changed and why"),
        validators=[
            DataRequired(message=_l("Please say what changed and why.")),
            Length(max=10_000),
        ],
        render_kw={"rows": 3},
    )
    comment_ids = MultiCheckboxField(_l("Comments that led to this change"), coerce=coerce_id)

    def __init__(self, item, comments, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(item, Section):
            del self.targets
            del self.time_horizon
        self.comment_ids.choices = [SelectChoice(c.id, str(c.id)) for c in comments]

    def revision_data(self) -> dict:
        names = ("code", "title", "body", "targets", "time_horizon", "note", "comment_ids")
        return {name: self[name].data for name in names if name in self}


class ReviseUploadForm(Form):
    """Upload a revised plan document to preview it as the next version."""

    file = FileField(
        _l("Revised plan (Markdown .md or Word .docx)"),
        validators=[FileRequired(_l("Choose a file."))],
    )
    note = TextAreaField(
        _l("What changed and why"),
        validators=[
            DataRequired(message=_l("Please say what changed and why.")),
            Length(max=10_000),
        ],
        render_kw={"rows": 3},
    )


class ReviseConfirmForm(Form):
    """Carries the previewed document, signed, so exactly that is saved."""

    payload = HiddenField(validators=[DataRequired()])


class CompareForm(Form):
    """Choose two versions to compare (GET; changes nothing, so no CSRF)."""

    class Meta:
        csrf = False

    from_ = SelectField(_l("From version"), coerce=coerce_id, validators=[Optional()], name="from")
    to = SelectField(_l("To version"), coerce=coerce_id, validators=[Optional()])

    def __init__(self, numbers, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(n, str(n)) for n in numbers]
        self.from_.choices = choices
        self.to.choices = choices
