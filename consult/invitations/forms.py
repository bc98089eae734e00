"""Forms for inviting participants to a consultation."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from consult.auth.models import StakeholderGroup
from consult.inputs import Form, coerce_id


class InviteForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    email = StringField(
        _l("Email"),
        validators=[
            DataRequired(),
            Email(message=_l("Enter a valid email address.")),
            Length(max=254),
        ],
    )
    organisation = StringField(_l("Organisation"), validators=[Length(max=200)])
    position = StringField(_l("Position"), validators=[Length(max=200)])
    group = SelectField(
        _l("Stakeholder group"),
        coerce=coerce_id,
        validators=[DataRequired(message=_l("Choose a stakeholder group."))],
    )

    def __init__(self, groups: list[StakeholderGroup], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = {group.id: group for group in groups}
        self.group.choices = [SelectChoice(0, _l("Choose a group"))] + [
            SelectChoice(g.id, g.name) for g in groups
        ]

    def selected_group(self) -> StakeholderGroup | None:
        return self.groups.get(self.group.data)

    def validate_group(self, field):
        if field.data not in self.groups:
            raise ValidationError(_l("Choose a stakeholder group."))


class CsvImportForm(Form):
    file = FileField(
        _l("CSV file"),
        validators=[
            FileRequired(message=_l("Choose a CSV file.")),
            FileAllowed(["csv", "txt"], message=_l("The file must be a .csv file.")),
        ],
    )
