"""Forms of the official documents page: letterhead, signatories, the documents to make."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from consult.documents.services import MAX_LOGO_BYTES, LogoError, clean_logo
from consult.inputs import Form

LANGUAGE_CHOICES = [SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")]
FORMAT_CHOICES = [SelectChoice("pdf", "PDF"), SelectChoice("docx", _l("Word (DOCX)"))]


class LetterheadForm(Form):
    short_name = StringField(
        _l("Short name (used in file names)"),
        validators=[Optional(), Length(max=80)],
        description=_l("For example: RPIK Palangka Raya"),
    )
    institution = StringField(
        _l("Government (first line)"),
        validators=[Optional(), Length(max=200)],
        description=_l("For example: PEMERINTAH KOTA PALANGKA RAYA"),
    )
    unit = StringField(_l("Unit (second line)"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    contact = StringField(
        _l("Telephone, e-mail, website"), validators=[Optional(), Length(max=300)]
    )
    place = StringField(
        _l("Place written above signatures"), validators=[Optional(), Length(max=100)]
    )
    paper = SelectField(
        _l("Paper"),
        choices=[SelectChoice("A4", "A4"), SelectChoice("F4", _l("F4 / folio (215 × 330 mm)"))],
        default="A4",
    )
    logo = FileField(_l("Logo (PNG or JPEG, at most 2 MB)"))
    remove_logo = BooleanField(_l("Remove the logo"))

    def validate_logo(self, field):
        self.logo_bytes = None
        if not field.data or not getattr(field.data, "filename", ""):
            return
        data = field.data.stream.read(MAX_LOGO_BYTES + 1)
        try:
            self.logo_bytes = clean_logo(data)
        except LogoError as error:
            raise ValidationError(str(error)) from error


class SignatoryForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    rank = StringField(_l("Rank / grade (optional)"), validators=[Optional(), Length(max=120)])
    nip = StringField(_l("NIP (civil-servant number)"), validators=[Optional(), Length(max=40)])


class ConfirmForm(Form):
    """A POST-only button."""


def _signatory_choices(signatories) -> list[SelectChoice]:
    return [SelectChoice("", _l("— sign by hand —"))] + [
        SelectChoice(str(s.id), f"{s.name} ({s.position})" if s.position else s.name)
        for s in signatories
    ]


class RekapForm(Form):
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, default="pdf")
    lang = SelectField(_l("Language of the document"), choices=LANGUAGE_CHOICES, default="id")
    number = StringField(_l("Number (optional)"), validators=[Optional(), Length(max=120)])
    signatory = SelectField(_l("Signed by"), choices=[], validators=[Optional()])
    include_withheld = BooleanField(
        _l("Also list hidden and rejected input (marked, without its text)")
    )
    anonymise = BooleanField(_l("Anonymised: pseudonyms instead of names"))

    def __init__(self, signatories, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.signatory.choices = _signatory_choices(signatories)


class LetterForm(Form):
    recipient = SelectField(_l("Recipient"), choices=[], validators=[DataRequired()])
    number = StringField(_l("Number (optional)"), validators=[Optional(), Length(max=120)])
    signatory = SelectField(_l("Signed by"), choices=[], validators=[Optional()])

    def __init__(self, signatories, people, organisations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.signatory.choices = _signatory_choices(signatories)
        self.recipient.choices = [SelectChoice("", "—")] + [
            SelectChoice(f"u{p.id}", f"{p.name} — {p.organisation}" if p.organisation else p.name)
            for p in people
        ]
        self.recipient.choices += [
            # gettext, not lazy_gettext: a lazy string is rendered as safe HTML, and the
            # organisation's name is typed by a participant.
            SelectChoice(f"o{i}", gettext("Everyone from %(org)s", org=o))
            for i, o in enumerate(organisations)
        ]
        self._organisations = organisations

    def chosen(self) -> tuple[int | None, str | None]:
        """(user id, None) or (None, organisation)."""
        value = self.recipient.data or ""
        if value.startswith("u"):
            return int(value[1:]), None
        return None, self._organisations[int(value[1:])]


PAPER_CHOICES = [
    SelectChoice("attendance", _l("Attendance list (daftar hadir)")),
    SelectChoice("minutes", _l("Minutes (notulen)")),
]


class FgdSignersForm(Form):
    """Who signs an FGD session's papers: the FGD models do not record them."""

    lang = SelectField(_l("Language of the document"), choices=LANGUAGE_CHOICES, default="id")
    chair = SelectField(_l("Chair of the meeting"), choices=[], validators=[Optional()])
    note_taker = SelectField(_l("Note-taker"), choices=[], validators=[Optional()])
    acknowledged_by = SelectField(
        _l("Acknowledged by (head of the unit)"), choices=[], validators=[Optional()]
    )

    def __init__(self, signatories, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("chair", "note_taker", "acknowledged_by"):
            getattr(self, name).choices = _signatory_choices(signatories)

    def signatory_ids(self) -> dict[str, int | None]:
        return {
            name: int(getattr(self, name).data) if getattr(self, name).data else None
            for name in ("chair", "note_taker", "acknowledged_by")
        }


class FgdPapersForm(FgdSignersForm):
    def __init__(self, signatories, *args, **kwargs):
        kwargs.setdefault("prefix", "paper")
        super().__init__(signatories, *args, **kwargs)

    paper = SelectField(_l("Document"), choices=PAPER_CHOICES, default="attendance")
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, default="pdf")


class BeritaAcaraForm(FgdSignersForm):
    def __init__(self, signatories, *args, **kwargs):
        kwargs.setdefault("prefix", "ba")
        super().__init__(signatories, *args, **kwargs)

    number = StringField(
        _l("Number"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("For example: 500/123/DPKUKMP/XI/2022"),
    )
