"""Forms of the FGD feature: one per action. Times are typed in WIB and stored as UTC."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from consult.fgd.models import OutcomeKind, RsvpAnswer
from consult.inputs import Form
from consult.timeutil import format_datetime_remembered, local_to_utc, utc_to_local

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def _when(label, required: bool = False):
    return DateTimeLocalField(
        label,
        format=DATETIME_FORMATS,
        validators=[DataRequired() if required else Optional()],
        render_kw={"step": 60},
    )


def _utc(value):
    return local_to_utc(value) if value else None


class SessionForm(Form):
    """Plan or edit an FGD session; checked against the consultation's input windows."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    starts_at = _when(_l("Starts (WIB)"), required=True)
    ends_at = _when(_l("Ends (WIB)"), required=True)
    venue = StringField(_l("Venue"), validators=[Optional(), Length(max=300)])
    meeting_url = URLField(
        _l("Online meeting link (for a hybrid FGD)"),
        validators=[Optional(), URL(require_tld=False), Length(max=500)],
    )
    capacity = IntegerField(
        _l("Capacity (seats)"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    rsvp_open = BooleanField(_l("Participants may answer the invitation (RSVP)"), default=True)

    def __init__(self, *args, consultation=None, **kw):
        super().__init__(*args, **kw)
        self.consultation = consultation

    @classmethod
    def for_session(cls, session, consultation):
        form = cls(obj=session, consultation=consultation)
        if not form.is_submitted():
            form.starts_at.data = utc_to_local(session.starts_at)
            form.ends_at.data = utc_to_local(session.ends_at)
        return form

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        starts, ends = self.starts_at.data, self.ends_at.data
        if starts and ends and ends <= starts:
            self.ends_at.errors.append(_l("The session must end after it starts."))
            valid = False
        consultation = self.consultation
        if starts and consultation is not None:
            start_utc = local_to_utc(starts)
            # The FGD falls between input before it (closed by then) and input after it.
            if consultation.pre_closes_at and start_utc < consultation.pre_closes_at:
                self.starts_at.errors.append(
                    _(
                        "The FGD session must start after input before the FGD closes (%(date)s).",
                        date=format_datetime_remembered(consultation.pre_closes_at),
                    )
                )
                valid = False
            elif consultation.pre_opens_at and start_utc <= consultation.pre_opens_at:
                self.starts_at.errors.append(
                    _l("The FGD must take place after input before the FGD opens.")
                )
                valid = False
        if ends and consultation is not None and consultation.post_opens_at:
            if local_to_utc(ends) > consultation.post_opens_at and not self.ends_at.errors:
                self.ends_at.errors.append(
                    _(
                        "The FGD session must end before input after the FGD opens (%(date)s).",
                        date=format_datetime_remembered(consultation.post_opens_at),
                    )
                )
                valid = False
        return valid

    def to_data(self) -> dict:
        return {
            "title": self.title.data,
            "starts_at": _utc(self.starts_at.data),
            "ends_at": _utc(self.ends_at.data),
            "venue": self.venue.data or "",
            "meeting_url": self.meeting_url.data or "",
            "capacity": self.capacity.data,
            "rsvp_open": bool(self.rsvp_open.data),
        }


class AgendaItemForm(Form):
    """An agenda item: a section or strategy of the plan, or a free title (opening, break)."""

    target = SelectField(_l("Part of the plan"), choices=[], validate_choice=True)
    title = StringField(
        _l("Title (if not a part of the plan)"), validators=[Optional(), Length(max=300)]
    )
    starts_at = _when(_l("Planned start (WIB)"))
    ends_at = _when(_l("Planned end (WIB)"))
    moderator = StringField(_l("Moderator (facilitator)"), validators=[Optional(), Length(max=200)])

    def __init__(self, *args, sections=(), strategies=(), **kw):
        super().__init__(*args, **kw)
        self.target.choices = (
            [SelectChoice("", _l("None (free item)"))]
            + [SelectChoice(f"section-{s.id}", f"{s.code} {s.title}".strip()) for s in sections]
            + [
                SelectChoice(f"strategy-{s.id}", f"\u2003{s.code} {s.title}".strip())
                for s in strategies
            ]
        )

    @classmethod
    def for_item(cls, item, **kw):
        form = cls(obj=item, **kw)
        if not form.is_submitted():
            if item.strategy_id:
                form.target.data = f"strategy-{item.strategy_id}"
            elif item.section_id:
                form.target.data = f"section-{item.section_id}"
            form.starts_at.data = utc_to_local(item.starts_at) if item.starts_at else None
            form.ends_at.data = utc_to_local(item.ends_at) if item.ends_at else None
        return form

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.target.data and not (self.title.data or "").strip():
            self.title.errors.append(_l("Choose a part of the plan or give a title."))
            valid = False
        starts, ends = self.starts_at.data, self.ends_at.data
        if starts and ends and ends <= starts:
            self.ends_at.errors.append(_l("The item must end after it starts."))
            valid = False
        return valid

    def to_data(self) -> dict:
        kind, _, raw_id = (self.target.data or "").partition("-")
        return {
            "title": self.title.data or "",
            "section_id": int(raw_id) if kind == "section" else None,
            "strategy_id": int(raw_id) if kind == "strategy" else None,
            "starts_at": _utc(self.starts_at.data),
            "ends_at": _utc(self.ends_at.data),
            "moderator": self.moderator.data or "",
        }


class RsvpForm(Form):
    """A participant's answer to the invitation to a session."""

    answer = RadioField(
        _l("Will you attend?"),
        choices=[
            SelectChoice(RsvpAnswer.ATTENDING.value, _l("I will attend")),
            SelectChoice(RsvpAnswer.DECLINED.value, _l("I will not attend")),
            SelectChoice(RsvpAnswer.DELEGATE.value, _l("I will send a delegate")),
        ],
        validators=[DataRequired()],
    )
    delegate_name = StringField(_l("Delegate's name"), validators=[Optional(), Length(max=200)])
    delegate_position = StringField(
        _l("Delegate's position"), validators=[Optional(), Length(max=200)]
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.answer.data == RsvpAnswer.DELEGATE.value:
            if not (self.delegate_name.data or "").strip():
                self.delegate_name.errors.append(_l("Give the delegate's name."))
                valid = False
        return valid

    def to_data(self) -> dict:
        delegate = self.answer.data == RsvpAnswer.DELEGATE.value
        return {
            "answer": RsvpAnswer(self.answer.data),
            "delegate_name": (self.delegate_name.data or "").strip() if delegate else "",
            "delegate_position": (self.delegate_position.data or "").strip() if delegate else "",
        }


class DelegateInviteForm(Form):
    """The delegate's e-mail address: the one thing the answer does not say."""

    email = EmailField(
        _l("Delegate's e-mail"), validators=[DataRequired(), Email(), Length(max=254)]
    )


class WalkInForm(Form):
    """Someone at the door who was not invited."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    group = SelectField(_l("Stakeholder group"), choices=[], default="", validate_choice=True)
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=40)])
    email = EmailField(_l("E-mail (optional)"), validators=[Optional(), Email(), Length(max=254)])

    def __init__(self, *args, groups=(), **kw):
        super().__init__(*args, **kw)
        self._groups = {str(g.id): g for g in groups}
        self.group.choices = [SelectChoice("", _l("No group"))] + [
            SelectChoice(str(g.id), g.display_name) for g in groups
        ]

    def to_data(self) -> dict:
        return {
            "name": self.name.data,
            "organisation": self.organisation.data,
            "position": self.position.data,
            "group": self._groups.get(self.group.data or ""),
            "phone": self.phone.data,
            "email": self.email.data,
        }


class MinutesForm(Form):
    """The minutes of one agenda item (autosaved; the button saves without JavaScript)."""

    text = TextAreaField(_l("Minutes"), validators=[Optional(), Length(max=100000)])


class OutcomeForm(Form):
    """An agreement (kesepakatan) or a follow-up action: what, who, by when."""

    kind = RadioField(
        _l("Kind"),
        choices=[
            SelectChoice(OutcomeKind.AGREEMENT.value, _l("Agreement")),
            SelectChoice(OutcomeKind.ACTION.value, _l("Follow-up action")),
        ],
        default=OutcomeKind.AGREEMENT.value,
        validators=[DataRequired()],
    )
    text = TextAreaField(_l("What"), validators=[DataRequired(), Length(max=5000)])
    owner = StringField(_l("Who (actions)"), validators=[Optional(), Length(max=200)])
    due_on = DateField(_l("By when (actions)"), validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.kind.data == OutcomeKind.ACTION.value and not (self.owner.data or "").strip():
            self.owner.errors.append(_l("Say who will do it."))
            valid = False
        return valid

    def to_data(self) -> dict:
        return {
            "kind": self.kind.data,
            "text": self.text.data,
            "owner": self.owner.data,
            "due_on": self.due_on.data,
        }


class TurnForm(Form):
    """Someone took the floor: one tap on their group; optionally who, and what they said."""

    group_id = HiddenField()
    attendee = SelectField(_l("Who (optional)"), choices=[], default="", validate_choice=True)
    note = TextAreaField(_l("What was said (optional)"), validators=[Optional(), Length(max=5000)])

    def __init__(self, *args, attendees=(), **kw):
        super().__init__(*args, **kw)
        self._attendees = {str(a.id): a for a in attendees}
        self.attendee.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(a.id), f"{a.name} ({a.organisation})" if a.organisation else a.name)
            for a in attendees
        ]

    def to_data(self, groups) -> dict:
        group_ids = {str(g.id) for g in groups}
        return {
            "attendee": self._attendees.get(self.attendee.data or ""),
            "group_id": int(self.group_id.data) if self.group_id.data in group_ids else None,
            "note": self.note.data,
        }
