"""Forms of the plans feature: one per action."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from consult.bilingual import lines
from consult.inputs import Form
from consult.plans.importer import ParseResult, decode_text, is_docx, parse_outline
from consult.plans.models import CommentVisibility, ModerationMode, Visibility
from consult.timeutil import format_datetime_remembered, local_to_utc, utc_to_local

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
WINDOW_FIELDS = ("pre_opens_at", "pre_closes_at", "post_opens_at", "post_closes_at")


def _when(label):
    return DateTimeLocalField(
        label,
        format=DATETIME_FORMATS,
        validators=[Optional()],
        render_kw={"step": 60},
    )


class ConsultationForm(Form):
    """Create or edit a consultation; times are typed in WIB and stored as UTC."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    summary = TextAreaField(
        _l("Summary"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 5}
    )
    department = StringField(_l("Owning department"), validators=[Optional(), Length(max=300)])
    pre_opens_at = _when(_l("Input before the FGD opens"))
    pre_closes_at = _when(_l("Input before the FGD closes"))
    post_opens_at = _when(_l("Input after the FGD opens"))
    post_closes_at = _when(_l("Input after the FGD closes"))
    comment_visibility = RadioField(
        _l("Who sees comments"),
        choices=[
            SelectChoice(CommentVisibility.ALL.value, _l("All invited participants")),
            SelectChoice(
                CommentVisibility.ORGANISERS.value, _l("Organisers only (and the author)")
            ),
        ],
        default=CommentVisibility.ALL.value,
    )
    moderation_mode = RadioField(
        _l("Moderation"),
        choices=[
            SelectChoice(ModerationMode.POST.value, _l("Publish at once, hide later if needed")),
            SelectChoice(ModerationMode.PRE.value, _l("Organisers approve each comment first")),
        ],
        default=ModerationMode.POST.value,
    )
    visibility = RadioField(
        _l("Who may read it"),
        choices=[
            SelectChoice(Visibility.INVITED.value, _l("Invited participants only")),
            SelectChoice(
                Visibility.READ.value, _l("Anyone may read the plan and the published comments")
            ),
            SelectChoice(
                Visibility.INPUT.value,
                _l("Anyone may read, and anyone may register to give input"),
            ),
        ],
        default=Visibility.INVITED.value,
    )
    public_author_names = BooleanField(_l("Show authors' names to public readers"))
    public_premoderation = BooleanField(
        _l("Organisers approve each comment of a publicly registered person first"),
        default=True,
    )

    retention_months = IntegerField(
        _l("Keep participants' personal data after archiving (months)"),
        validators=[Optional(), NumberRange(min=0, max=600)],
    )

    # (first FGD session's start, last one's end) in naive UTC, set for an existing
    # consultation: input before the FGD must close by the first, input after open after the last.
    fgd_span: tuple = (None, None)

    @classmethod
    def for_consultation(cls, consultation, fgd_span=(None, None), **kw):
        """The form filled from a consultation, its UTC times shown in WIB."""
        form = cls(obj=consultation, **kw)
        form.fgd_span = fgd_span
        if not form.is_submitted():
            for name in WINDOW_FIELDS:
                value = getattr(consultation, name)
                getattr(form, name).data = utc_to_local(value) if value else None
            form.comment_visibility.data = consultation.comment_visibility.value
            form.moderation_mode.data = consultation.moderation_mode.value
            form.visibility.data = consultation.visibility.value
        return form

    def _pair(self, opens, closes, message, strict: bool = True) -> None:
        if (
            opens.data
            and closes.data
            and (closes.data < opens.data or strict and closes.data == opens.data)
        ):
            closes.errors.append(message)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        before = [len(getattr(self, name).errors) for name in WINDOW_FIELDS]
        self._pair(
            self.pre_opens_at,
            self.pre_closes_at,
            _l("The window must close after it opens."),
        )
        self._pair(
            self.post_opens_at,
            self.post_closes_at,
            _l("The window must close after it opens."),
        )
        self._pair(
            self.pre_closes_at,
            self.post_opens_at,
            _l("Input after the FGD must open after input before the FGD closes."),
            strict=False,
        )
        self._check_fgd_span()
        for opens, closes in (
            (self.pre_opens_at, self.pre_closes_at),
            (self.post_opens_at, self.post_closes_at),
        ):
            if bool(opens.data) != bool(closes.data) and not (opens.errors or closes.errors):
                (closes if opens.data else opens).errors.append(
                    _l("Give both the opening and the closing time, or neither.")
                )
        after = [len(getattr(self, name).errors) for name in WINDOW_FIELDS]
        return valid and before == after

    def _check_fgd_span(self) -> None:
        first_start, last_end = self.fgd_span
        closes, opens = self.pre_closes_at, self.post_opens_at
        if first_start and closes.data and not closes.errors:
            if local_to_utc(closes.data) > first_start:
                closes.errors.append(
                    _(
                        "Input before the FGD must close by the time the first FGD session "
                        "starts (%(date)s).",
                        date=format_datetime_remembered(first_start),
                    )
                )
        if last_end and opens.data and not opens.errors:
            if local_to_utc(opens.data) < last_end:
                opens.errors.append(
                    _(
                        "Input after the FGD must open after the last FGD session ends (%(date)s).",
                        date=format_datetime_remembered(last_end),
                    )
                )

    def to_data(self) -> dict:
        """Field values for the service, times converted to naive UTC."""
        data = {
            "title": self.title.data.strip(),
            "summary": (self.summary.data or "").strip(),
            "department": (self.department.data or "").strip(),
            "comment_visibility": CommentVisibility(self.comment_visibility.data),
            "moderation_mode": ModerationMode(self.moderation_mode.data),
            "retention_months": self.retention_months.data,
            "visibility": Visibility(self.visibility.data),
            "public_author_names": bool(self.public_author_names.data),
            "public_premoderation": bool(self.public_premoderation.data),
        }
        for name in WINDOW_FIELDS:
            value = getattr(self, name).data
            data[name] = local_to_utc(value) if value else None
        return data


class ChapterForm(Form):
    code = StringField(_l("Code"), validators=[Optional(), Length(max=20)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(
        _l("Text (Markdown)"), validators=[Optional(), Length(max=50000)], render_kw={"rows": 6}
    )


class SectionForm(ChapterForm):
    """Same fields as a chapter: code, title, body."""


class StrategyForm(Form):
    code = StringField(_l("Code"), validators=[Optional(), Length(max=20)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(
        _l("Description (Markdown)"),
        validators=[Optional(), Length(max=50000)],
        render_kw={"rows": 8},
    )
    targets = TextAreaField(
        _l("Targets and indicators (Markdown)"),
        validators=[Optional(), Length(max=20000)],
        render_kw={"rows": 4},
    )
    time_horizon = StringField(_l("Time horizon"), validators=[Optional(), Length(max=120)])


class CriterionForm(Form):
    label = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2}
    )
    scale_labels = TextAreaField(
        _l("Scale labels, one per line, from lowest to highest"),
        validators=[DataRequired()],
        render_kw={"rows": 5},
    )

    label_en = StringField(
        _l("Name in English (optional)"), validators=[Optional(), Length(max=120)]
    )
    description_en = TextAreaField(
        _l("Description in English (optional)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )
    scale_labels_en = TextAreaField(
        _l("Scale labels in English (optional), one per line, from lowest to highest"),
        validators=[Optional()],
        render_kw={"rows": 5},
    )

    def validate_scale_labels(self, field) -> None:
        labels = lines(field.data)
        if not 2 <= len(labels) <= 10:
            raise ValidationError(_l("Give between 2 and 10 labels, one per line."))
        if any(len(label) > 60 for label in labels):
            raise ValidationError(_l("Each label may have at most 60 characters."))

    def validate_scale_labels_en(self, field) -> None:
        english = lines(field.data)
        if english and len(english) != len(lines(self.scale_labels.data)):
            raise ValidationError(
                _l("Give as many English labels as Indonesian ones, or leave this empty.")
            )
        if any(len(label) > 60 for label in english):
            raise ValidationError(_l("Each label may have at most 60 characters."))


class ImportUploadForm(Form):
    file = FileField(
        _l("Outline file (Markdown .md or Word .docx)"),
        validators=[FileRequired(_l("Choose a file."))],
    )


class ImportConfirmForm(Form):
    """Carries the previewed outline, signed, so exactly that is saved."""

    outline = HiddenField(validators=[DataRequired()])


def read_outline_upload(field) -> tuple[bytes, str] | None:
    """The uploaded plan's bytes and format ("docx" or "md", by content); None, with a field
    error, when the file is too large or neither."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = field.data.read(limit + 1)
    if len(data) > limit:
        field.errors.append(
            _("The file is larger than %(size)s MB.", size=round(limit / 1024 / 1024, 1))
        )
        return None
    if is_docx(data):
        return data, "docx"
    name = (field.data.filename or "").lower()
    if name.endswith(".docx") or data.startswith(b"PK\x03\x04"):
        field.errors.append(_("This is not a valid Word (.docx) document."))
        return None
    if decode_text(data) is None:
        field.errors.append(NOT_DOCX_NOR_TEXT)
        return None
    return data, "md"


# The refusal of a file that is neither, in the request and from the import job.
NOT_DOCX_NOR_TEXT = _l("This file is neither a Word (.docx) document nor Markdown text in UTF-8.")


def parse_uploaded_outline(field) -> ParseResult | None:
    """Parse an uploaded plan (DOCX or Markdown) by its content; None, with a field error,
    when the file is too large or neither."""
    upload = read_outline_upload(field)
    return None if upload is None else parse_outline(upload[0])
