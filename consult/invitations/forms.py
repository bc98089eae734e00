"""Forms for inviting participants to a consultation."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length, ValidationError

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
            SelectChoice(g.id, g.display_name) for g in groups
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


def group_mapping_form_class(unknown: list[str], groups: list[StakeholderGroup]):
    """A form that carries the uploaded CSV text and asks, for each unknown group name,
    which existing group it means (fields map_0, map_1, ... in the order of `unknown`)."""

    class GroupMappingForm(Form):
        csv_text = HiddenField(validators=[DataRequired()])

        def mapping(self) -> dict[str, StakeholderGroup]:
            by_id = {group.id: group for group in groups}
            return {name: by_id[self[f"map_{index}"].data] for index, name in enumerate(unknown)}

    choices = [SelectChoice(0, _l("Choose a group"))] + [
        SelectChoice(group.id, group.display_name) for group in groups
    ]
    ids = {group.id for group in groups}
    for index, name in enumerate(unknown):
        field = SelectField(
            # gettext: a lazy string with the file's text would count as safe HTML.
            _("“%(name)s” is the group", name=name),
            coerce=coerce_id,
            choices=choices,
            validators=[AnyOf(ids, message=_l("Choose a stakeholder group."))],
        )
        setattr(GroupMappingForm, f"map_{index}", field)
    return GroupMappingForm
