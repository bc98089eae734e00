"""Forms for comments, ratings, on-behalf input and consultation documents."""

import uuid
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from consult.feedback.models import CommentType, InputSource
from consult.inputs import Form, parse_id
from consult.plans.models import Phase
from consult.uploads import UploadError, check_upload

MAX_COMMENT_CHARS = 20_000
CANNOT_JUDGE = "na"

COMMENT_TYPE_LABELS = {
    CommentType.SUPPORT: _l("Support"),
    CommentType.OBJECTION: _l("Objection"),
    CommentType.CHANGE: _l("Proposed change"),
    CommentType.QUESTION: _l("Question"),
    CommentType.OTHER: _l("Other"),
}
SOURCE_LABELS = {
    InputSource.ONLINE: _l("online"),
    InputSource.FGD: _l("the FGD"),
    InputSource.LETTER: _l("a letter"),
    InputSource.EMAIL: _l("an e-mail"),
}
PHASE_LABELS = {
    Phase.PRE: _l("Before the FGD"),
    Phase.FGD: _l("At the FGD"),
    Phase.POST: _l("After the FGD"),
}
DOCUMENT_KINDS = {
    "minutes": _l("FGD minutes"),
    "attendance": _l("Attendance list"),
    "other": _l("Other document"),
}


def _optional_int(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _paragraph_choice(value) -> int | None:
    """A paragraph choice's value as the field holds it: None for the whole text."""
    return None if value in (None, "") else int(value)


class ParagraphField(SelectField):
    """What a comment is about: the whole text ("") or one of its paragraphs (0 to N-1).

    The choices are set by the form (it is told how many paragraphs the text has). Anything
    else sent (out of range, "-1", "abc", a NUL) is refused at the field with one message, and
    the whole text is shown chosen again; the rest of what was typed stays in the form."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, coerce=_paragraph_choice, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = None if valuelist[0] == "" else parse_id(valuelist[0], minimum=0)

    def pre_validate(self, form):
        raw = self.raw_data[0] if self.raw_data else ""
        paragraphs = len(self.choices or ()) - 1  # the first choice is the whole text
        if raw != "" and (self.data is None or self.data >= paragraphs):
            self.data = None
            # StopValidation: this message only, not also refuse_unstorable's about the text.
            raise StopValidation(
                _l(
                    "There is no such paragraph. Choose the whole text or a paragraph from the"
                    " list."
                )
            )


class CommentFieldsMixin:
    type = RadioField(
        _l("Type of comment"),
        choices=[SelectChoice(t.value, label) for t, label in COMMENT_TYPE_LABELS.items()],
        default=CommentType.OTHER.value,
        validators=[InputRequired()],
    )
    body = TextAreaField(
        _l("Your comment"),
        validators=[
            DataRequired(message=_l("Please write your comment.")),
            Length(
                max=MAX_COMMENT_CHARS,
                message=_l("At most %(max)d characters, please.", max=MAX_COMMENT_CHARS),
            ),
        ],
        render_kw={"rows": 6},
    )
    proposed_wording = TextAreaField(
        _l("Proposed wording"),
        validators=[Length(max=MAX_COMMENT_CHARS)],
        render_kw={"rows": 3},
    )
    reference = TextAreaField(
        _l("Reference or evidence (optional)"),
        validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )

    def validate_proposed_wording(self, field):
        if self.type.data == CommentType.CHANGE.value and not (field.data or "").strip():
            raise ValidationError(_l("A proposed change needs the wording you propose."))

    def comment_data(self) -> dict:
        return {
            "type": CommentType(self.type.data),
            "body": self.body.data.strip(),
            "proposed_wording": (self.proposed_wording.data or "").strip(),
            "reference": (self.reference.data or "").strip(),
        }


def new_submission_key() -> str:
    return uuid.uuid4().hex


class CommentForm(CommentFieldsMixin, Form):
    """A new comment or reply; the submission key makes a repeated POST harmless.

    paragraphs: how many paragraphs the text commented on has, one choice each."""

    paragraph_index = ParagraphField(_l("About"))
    parent_id = HiddenField(filters=[_optional_int])
    submission_key = HiddenField(default=new_submission_key)
    attachment = FileField(_l("Attachment (PDF, DOCX, XLSX, PNG or JPEG; optional)"))

    def __init__(self, *args, paragraphs: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.paragraph_index.choices = [SelectChoice("", _("The whole text"))] + [
            SelectChoice(str(index), _("Paragraph %(n)s", n=index + 1))
            for index in range(paragraphs)
        ]
        # The browser checks the size before uploading (static/js/keep-text.js).
        self.attachment.render_kw = {
            "data-max-bytes": current_app.config["MAX_UPLOAD_BYTES"],
            "data-too-large": _(
                "The file is %(size)s, larger than the limit of %(limit)s. Choose a smaller"
                " file, or send your comment without it.",
                size="{size}",
                limit="{limit}",
            ),
            "data-summary-title": _("There is a problem"),
        }

    def validate_submission_key(self, field):
        if field.data and len(field.data) > 64:
            raise ValidationError(_l("Invalid form; please reload the page."))

    def validate_attachment(self, field):
        if field.data and getattr(field.data, "filename", ""):
            try:
                check_upload(field.data)
            except UploadError as error:
                raise ValidationError(str(error)) from error

    def comment_data(self) -> dict:
        data = super().comment_data()
        data["paragraph_index"] = self.paragraph_index.data
        data["submission_key"] = self.submission_key.data or None
        return data

    def uploaded_file(self):
        file = self.attachment.data
        return file if file and getattr(file, "filename", "") else None


class EditCommentForm(CommentFieldsMixin, Form):
    """Change the text of one's own comment; the earlier text is kept."""


class OnBehalfCommentForm(CommentForm):
    """A comment an organiser records for a participant or a whole stakeholder group."""

    on_behalf = SelectField(_l("On behalf of"), validators=[InputRequired()])
    source = SelectField(
        _l("Given at / by"),
        choices=[
            SelectChoice(s.value, SOURCE_LABELS[s]) for s in InputSource if s != InputSource.ONLINE
        ],
        default=InputSource.FGD.value,
    )
    phase = SelectField(
        _l("Phase"), choices=[SelectChoice(p.value, label) for p, label in PHASE_LABELS.items()]
    )

    def __init__(self, *args, members=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.on_behalf.choices = [
            SelectChoice(f"user:{m.id}", f"{m.name} ({m.email})") for m in members
        ] + [
            # gettext, not lazy_gettext: a lazy string counts as safe HTML (__html__), so a
            # group name interpolated into one would reach the page unescaped.
            SelectChoice(f"group:{g.id}", _("Group: %(name)s", name=g.display_name))
            for g in groups
        ]


class RatingForm(Form):
    """One radio group per criterion; built per consultation by rating_form_class()."""

    def rating_values(self, criteria) -> dict[int, int | None]:
        values = {}
        for criterion in criteria:
            raw = getattr(self, f"criterion_{criterion.id}").data
            if raw:
                values[criterion.id] = None if raw == CANNOT_JUDGE else int(raw)
        return values


class OnBehalfRatingForm(RatingForm):
    member = SelectField(_l("On behalf of"), validators=[InputRequired()])
    source = SelectField(
        _l("Given at / by"),
        choices=[
            SelectChoice(s.value, SOURCE_LABELS[s]) for s in InputSource if s != InputSource.ONLINE
        ],
        default=InputSource.FGD.value,
    )
    phase = SelectField(
        _l("Phase"), choices=[SelectChoice(p.value, label) for p, label in PHASE_LABELS.items()]
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.member.choices = [SelectChoice(str(m.id), f"{m.name} ({m.email})") for m in members]


def rating_form_class(criteria, base=RatingForm):
    """A form class with a radio group for each criterion of the consultation."""
    scales = tuple((c.id, c.display_label, c.scale_max, tuple(c.labels)) for c in criteria)
    return _rating_form_class(scales, base)


@lru_cache(maxsize=256)
def _rating_form_class(scales: tuple, base):
    # Made once per set of criteria as they are now (a class per request costs more than
    # the rest of the form).

    class _Form(base):
        pass

    for criterion_id, label, scale_max, labels in scales:
        choices = [
            SelectChoice(
                str(point), f"{point} – {labels[point - 1]}" if point <= len(labels) else str(point)
            )
            for point in range(1, scale_max + 1)
        ] + [SelectChoice(CANNOT_JUDGE, _l("Cannot judge"))]
        setattr(
            _Form,
            f"criterion_{criterion_id}",
            RadioField(label, choices=choices, validators=[Optional()]),
        )
    return _Form


class DocumentForm(Form):
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k, label) for k, label in DOCUMENT_KINDS.items()]
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    file = FileField(_l("File (PDF, DOCX, XLSX, PNG or JPEG)"))

    def validate_file(self, field):
        if not (field.data and getattr(field.data, "filename", "")):
            raise ValidationError(_l("Please choose a file."))
        try:
            check_upload(field.data)
        except UploadError as error:
            raise ValidationError(str(error)) from error
