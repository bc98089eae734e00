"""Forms of the consolidation pages: dispositions, publication, exports."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from consult.feedback.models import CommentStatus
from consult.inputs import FilterForm, Form, coerce_id
from consult.plans.models import Phase
from consult.reports.models import Disposition, JobState

DISPOSITION_LABELS = {
    Disposition.ACCEPTED: _l("Accepted"),
    Disposition.PARTLY_ACCEPTED: _l("Partly accepted"),
    Disposition.NOTED: _l("Noted"),
    Disposition.NOT_ACCEPTED: _l("Not accepted"),
    Disposition.OUT_OF_SCOPE: _l("Out of scope"),
}
STATUS_LABELS = {
    CommentStatus.PENDING: _l("Waiting for approval"),
    CommentStatus.PUBLISHED: _l("Published"),
    CommentStatus.HIDDEN: _l("Hidden"),
    CommentStatus.REJECTED: _l("Rejected"),
    CommentStatus.WITHDRAWN: _l("Withdrawn"),
}
PHASE_LABELS = {
    Phase.PRE: _l("Before the FGD"),
    Phase.FGD: _l("At the FGD"),
    Phase.POST: _l("After the FGD"),
}
EXPORT_FORMATS = {
    "xlsx": _l("Excel workbook (XLSX)"),
    "csv": _l("CSV files (ZIP)"),
    "json": _l("JSON document"),
}


class DispositionFieldsMixin:
    disposition = SelectField(
        _l("Disposition"),
        choices=[SelectChoice("", "—")]
        + [SelectChoice(d.value, label) for d, label in DISPOSITION_LABELS.items()],
        validators=[DataRequired(message=_l("Please choose a disposition."))],
    )
    rationale = TextAreaField(
        _l("Rationale"),
        validators=[
            DataRequired(message=_l("Please explain the decision.")),
            Length(max=10_000),
        ],
    )
    revision_ref = StringField(
        _l("Taken into revision (reference)"), validators=[Optional(), Length(max=300)]
    )
    content_version_id = IntegerField(
        _l("Published version number (id)"),
        validators=[Optional(), NumberRange(min=1)],
    )

    def validate_content_version_id(self, field):
        from consult.reports.services import content_version_belongs

        if field.data and not content_version_belongs(self._consultation, field.data):
            raise ValidationError(_l("No published version of this consultation has that id."))

    def response_data(self) -> dict:
        return {
            "disposition": self.disposition.data,
            "rationale": self.rationale.data,
            "revision_ref": self.revision_ref.data,
            "content_version_id": self.content_version_id.data,
        }


class DispositionForm(DispositionFieldsMixin, Form):
    """The response to one comment."""

    def __init__(self, consultation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._consultation = consultation


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class BulkResponseForm(DispositionFieldsMixin, Form):
    """One response for several selected comments (answered together)."""

    comment_ids = MultiCheckboxField(_l("Selected comments"), coerce=coerce_id)

    def __init__(self, consultation, comment_ids=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._consultation = consultation
        self.comment_ids.choices = [SelectChoice(i, str(i)) for i in comment_ids]

    def validate_comment_ids(self, field):
        if len(field.data or []) < 1:
            raise ValidationError(_l("Select at least one comment to answer together."))


JOB_STATE_LABELS = {
    JobState.QUEUED: _l("Waiting for the worker"),
    JobState.RUNNING: _l("Being made"),
    JobState.DONE: _l("Ready"),
    JobState.FAILED: _l("Failed"),
    JobState.CANCELLED: _l("Cancelled"),
    JobState.EXPIRED: _l("Deleted after the retention period"),
}


# The stages of a job that is not counted in rows (an official document).
JOB_STAGE_LABELS = {
    "collecting": _l("Gathering the input"),
    "rendering": _l("Laying out the pages"),
    "saving": _l("Saving the file"),
    "reading": _l("Reading the document"),  # a plan import
}
DOCUMENT_FORMATS = {"pdf": "PDF", "docx": _l("Word (DOCX)")}
IMPORT_FORMATS = {"md": "Markdown"}
LANGUAGE_LABELS = {"id": _l("Indonesian"), "en": _l("English")}


class ConfirmForm(Form):
    """A POST-only button (publish, unpublish)."""


class ExportForm(Form):
    format = SelectField(
        _l("Format"),
        choices=[SelectChoice(value, label) for value, label in EXPORT_FORMATS.items()],
        validators=[DataRequired()],
    )
    phase = SelectField(_l("Phase"), choices=[], validators=[Optional()])
    group = SelectField(_l("Stakeholder group"), choices=[], validators=[Optional()])
    status = SelectField(_l("Moderation status"), choices=[], validators=[Optional()])
    section = SelectField(_l("Section"), choices=[], validators=[Optional()])
    anonymise = BooleanField(
        _l("Anonymised: pseudonyms instead of names, no e-mails, small groups suppressed")
    )

    def __init__(self, groups, sections, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [SelectChoice("", _l("All"))]
        self.phase.choices = everything + [
            SelectChoice(p.value, label) for p, label in PHASE_LABELS.items()
        ]
        self.group.choices = everything + [SelectChoice(str(g.id), g.display_name) for g in groups]
        self.status.choices = everything + [
            SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()
        ]
        self.section.choices = everything + [SelectChoice(str(s.id), s.label) for s in sections]


class ResponseFilterForm(FilterForm):
    """The GET filter of the response matrix (no CSRF: it changes nothing)."""

    status = SelectField(_l("Moderation status"), choices=[], validators=[Optional()])
    undecided = BooleanField(_l("Only comments without a response"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [SelectChoice("", _l("All"))] + [
            SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()
        ]
