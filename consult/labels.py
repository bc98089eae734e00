"""Translated labels for stored codes, as documents and spreadsheets show them.

Files for people (PDF, DOCX, XLSX) show these labels in the document's language, never the
codes; files for machines (CSV, JSON) keep the codes (see README, "Exports").
"""

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l

from consult.timeutil import format_datetime_remembered

PHASE = {"pre": _l("Before the FGD"), "fgd": _l("At the FGD"), "post": _l("After the FGD")}
COMMENT_TYPE = {
    "support": _l("Support"),
    "objection": _l("Objection"),
    "change": _l("Proposed change"),
    "question": _l("Question"),
    "other": _l("Other"),
}
STATUS = {
    "pending": _l("Waiting for approval"),
    "published": _l("Published"),
    "hidden": _l("Hidden"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}
SOURCE = {
    "online": _l("Online"),
    "fgd": _l("FGD"),
    "letter": _l("Letter"),
    "email": _l("E-mail"),
}
ROLE = {"organiser": _l("Organiser"), "participant": _l("Participant")}
DISPOSITION = {
    "accepted": _l("Accepted"),
    "partly_accepted": _l("Partly accepted"),
    "noted": _l("Noted"),
    "not_accepted": _l("Not accepted"),
    "out_of_scope": _l("Out of scope"),
}
# Moderation reasons (consult.moderation.models.ModerationReason).
REASON = {
    "off_topic": _l("Off-topic"),
    "offensive": _l("Offensive language"),
    "personal_data": _l("Contains personal data"),
    "duplicate": _l("Duplicate"),
    "spam": _l("Spam or advertising"),
    "other": _l("Other"),
}

KINDS = {
    "phase": PHASE,
    "type": COMMENT_TYPE,
    "status": STATUS,
    "source": SOURCE,
    "role": ROLE,
    "disposition": DISPOSITION,
    "reason": REASON,
}


def label(kind: str, code) -> str:
    """The label of a code in the current language; "" for none, the code if unknown."""
    if code is None or code == "":
        return ""
    value = getattr(code, "value", code)
    text = KINDS[kind].get(value)
    return str(text) if text is not None else str(value)


# --- the outbox --------------------------------------------------------------------------

MAIL_KIND = {
    "invitation": _l("Invitation"),
    "membership": _l("Added to a consultation"),
    "password_reset": _l("Password reset"),
    "email_changed": _l("E-mail address changed"),
    "consultation_published": _l("Consultation published"),
    "public_verification": _l("Public registration: e-mail confirmation"),
    "public_existing_account": _l("Public registration: account already exists"),
    "notification_invitation": _l("Notification: invitation"),
    "notification_comment_approved": _l("Notification: comment approved"),
    "notification_comment_rejected": _l("Notification: comment rejected"),
    "notification_comment_hidden": _l("Notification: comment hidden"),
    "notification_reply": _l("Notification: reply"),
    "notification_window_opening_soon": _l("Reminder: input window opens soon"),
    "notification_window_closing_tomorrow": _l("Reminder: input window closes tomorrow"),
    "notification_fgd_reminder": _l("Reminder: FGD"),
    "notification_export_ready": _l("Notification: export ready"),
    "notification_export_failed": _l("Notification: export failed"),
    "notification_consultation_published": _l("Notification: consultation published"),
}
MAIL_STATUS = {
    "queued": _l("Waiting to be sent"),
    "sent": _l("Sent"),
    "logged": _l("Written to the log (no mail server)"),
    "failed": _l("Failed"),
}

# --- the audit trail ---------------------------------------------------------------------

AUDIT_ACTION = {
    "attachment.add": _l("Attachment added"),
    "audit.export": _l("Audit trail exported"),
    "auth.account_updated": _l("Account updated"),
    "auth.admin_created": _l("Administrator created"),
    "auth.email_changed": _l("E-mail address changed"),
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Sign-in failed"),
    "auth.logout": _l("Signed out"),
    "auth.password_changed": _l("Password changed"),
    "auth.password_reset_completed": _l("Password reset completed"),
    "auth.password_reset_requested": _l("Password reset requested"),
    "auth.reauth_failed": _l("Password confirmation failed"),
    "auth.reauthenticated": _l("Password confirmed"),
    "auth.role_changed": _l("Role changed"),
    "auth.totp_disabled": _l("Two-step sign-in turned off"),
    "auth.totp_enabled": _l("Two-step sign-in turned on"),
    "auth.totp_failed": _l("Two-step sign-in code refused"),
    "auth.user_deactivated": _l("Account deactivated"),
    "auth.user_reactivated": _l("Account reactivated"),
    "chapter.added": _l("Chapter added"),
    "comment.add": _l("Comment added"),
    "comment.approve": _l("Comment approved"),
    "comment.auto_hide": _l("Comment hidden automatically"),
    "comment.edit": _l("Comment edited"),
    "comment.flag": _l("Comment reported"),
    "comment.hide": _l("Comment hidden"),
    "comment.record_on_behalf": _l("Comment recorded on someone's behalf"),
    "comment.reject": _l("Comment rejected"),
    "comment.restore": _l("Comment restored"),
    "comment.withdraw": _l("Comment withdrawn"),
    "consultation.archived": _l("Consultation archived"),
    "consultation.closed": _l("Consultation closed"),
    "consultation.created": _l("Consultation created"),
    "consultation.reopened": _l("Consultation reopened"),
    "consultation.published": _l("Consultation published"),
    "consultation.updated": _l("Consultation updated"),
    "criterion.added": _l("Criterion added"),
    "criterion.removed": _l("Criterion removed"),
    "criterion.updated": _l("Criterion updated"),
    "document.add": _l("Document added"),
    "documents.letter": _l("Response letter made"),
    "documents.rekapitulasi": _l("Summary document made"),
    "documents.settings": _l("Document settings changed"),
    "documents.signatory_added": _l("Signatory added"),
    "documents.signatory_removed": _l("Signatory removed"),
    "export.cancel": _l("Export cancelled"),
    "export.download": _l("Export downloaded"),
    "fgd_agenda.added": _l("FGD agenda item added"),
    "fgd_agenda.moved": _l("FGD agenda item moved"),
    "fgd_agenda.updated": _l("FGD agenda item changed"),
    "fgd_attendee.checked_in": _l("FGD attendee checked in"),
    "fgd_attendee.invited": _l("Invited to an FGD session"),
    "fgd_attendee.walk_in": _l("FGD walk-in registered"),
    "fgd_live.close": _l("FGD voting closed"),
    "fgd_live.hide": _l("FGD results hidden"),
    "fgd_live.next": _l("FGD moved to the next item"),
    "fgd_live.open": _l("FGD voting opened"),
    "fgd_live.previous": _l("FGD moved to the previous item"),
    "fgd_live.show": _l("FGD results shown"),
    "fgd_minutes.saved": _l("FGD minutes saved"),
    "fgd_outcome.action": _l("FGD follow-up action recorded"),
    "fgd_outcome.agreement": _l("FGD agreement recorded"),
    "fgd_rsvp.answered": _l("FGD attendance answered"),
    "fgd_rsvp.delegate_invited": _l("FGD delegate invited"),
    "fgd_session.added": _l("FGD session added"),
    "fgd_session.updated": _l("FGD session changed"),
    "fgd_turn.added": _l("FGD speaking turn recorded"),
    "groups.activated": _l("Stakeholder group activated"),
    "groups.added": _l("Stakeholder group added"),
    "groups.deactivated": _l("Stakeholder group deactivated"),
    "groups.moved": _l("Stakeholder group moved"),
    "groups.renamed": _l("Stakeholder group renamed"),
    "invitation.accepted": _l("Invitation accepted"),
    "invitation.csv_imported": _l("Invitations imported from CSV"),
    "invitation.link_created": _l("Invitation link created"),
    "invitation.member_added": _l("Added to the consultation"),
    "invitation.sent": _l("Invitation sent"),
    "public.joined": _l("Joined a public consultation"),
    "public.registered": _l("Registered publicly"),
    "membership.lift_suspension": _l("Suspension lifted"),
    "membership.suspend": _l("Participant suspended"),
    "plan.import_requested": _l("Plan import requested"),
    "plan.imported": _l("Plan imported"),
    "plan.revised": _l("Plan revised"),
    "privacy.account_erased": _l("Account erased"),
    "privacy.data_downloaded": _l("Own data downloaded"),
    "privacy.erasure_cancelled": _l("Erasure request cancelled"),
    "privacy.erasure_requested": _l("Erasure requested"),
    "privacy.notice_published": _l("Privacy notice published"),
    "rating.set": _l("Ratings given"),
    "response.group": _l("Comments answered together"),
    "response.publish": _l("Responses published"),
    "response.record": _l("Response recorded"),
    "response.unpublish": _l("Responses withdrawn"),
    "section.added": _l("Section added"),
    "strategy.added": _l("Strategy added"),
}
# Codes made at run time (f"documents.{kind}_issued") or added later fall back to their family.
AUDIT_FAMILY = {
    "documents": _l("Official document"),
    "fgd_live": _l("FGD live room"),
    "fgd_outcome": _l("FGD outcome"),
    "comment": _l("Comment"),
}
AUDIT_FIELD = {
    "before": _l("Before"),
    "after": _l("After"),
    "changes": _l("Changes"),
    "reason": _l("Reason"),
    "note": _l("Note"),
    "flags_resolved": _l("Reports resolved"),
    "values": _l("Ratings"),
    "phase": _l("Phase"),
    "source": _l("Source"),
    "rater_id": _l("Rater"),
    "email": _l("E-mail"),
    "role": _l("Role"),
    "comment_ids": _l("Comments"),
    "rows": _l("Rows"),
    "filters": _l("Filters"),
    "title": _l("Title"),
    "name": _l("Name"),
    "count": _l("Number"),
    "status": _l("Status"),
    "entered_by": _l("Entered by"),
}
# Fields whose stored values are codes of one of the families above.
_VALUE_KINDS = {
    "phase": "phase",
    "source": "source",
    "role": "role",
    "disposition": "disposition",
    "reason": "reason",
}
_STATUS_ACTIONS = ("comment.",)


def mail_kind_label(kind: str) -> str:
    """An outbox mail's kind as a person reads it."""
    text = MAIL_KIND.get(kind)
    return str(text) if text is not None else str(_l("Other mail"))


def mail_status_label(status) -> str:
    value = getattr(status, "value", status)
    text = MAIL_STATUS.get(value)
    return str(text) if text is not None else str(value)


def audit_action_label(action: str) -> str:
    """An audit action as a person reads it (its family's name for codes not listed)."""
    text = AUDIT_ACTION.get(action)
    if text is not None:
        return str(text)
    family = AUDIT_FAMILY.get(action.split(".", 1)[0])
    return str(family) if family is not None else action


def _field_label(key: str) -> str:
    text = AUDIT_FIELD.get(key)
    return str(text) if text is not None else key.replace("_", " ").capitalize()


def _plain(value, kind: str | None = None) -> str:
    """One stored value as text: None as a dash, booleans as yes/no, codes as labels."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if kind is not None and isinstance(value, str) and value in KINDS[kind]:
        return label(kind, value)
    if isinstance(value, dict):
        return "; ".join(
            f"{_field_label(str(k))}: {_plain(v, _VALUE_KINDS.get(str(k)))}"
            for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return ", ".join(_plain(v, kind) for v in value)
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        return _moment(value)
    return str(value)


# Times the audit trail stores (ISO, UTC; consult.audit) and dates, shown as every page does.
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?\Z")


def _moment(value: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return format_datetime_remembered(moment.date() if "T" not in value else moment)


def _ratings_text(values: dict, criteria: dict[int, str]) -> str:
    parts = []
    for key, value in values.items():
        name = criteria.get(int(key)) if str(key).isdigit() else None
        shown = str(_l("cannot judge")) if value is None else str(value)
        if name is None:  # a criterion removed since
            name = str(_l("criterion %(id)s", id=key))
        parts.append(f"{name}: {shown}")
    return "; ".join(parts)


def audit_details(action: str, data: dict | None, criteria: dict[int, str]) -> list[tuple]:
    """(label, text) pairs of an audit event's data, readable: criteria by name, None as a
    dash or "cannot judge", [before, after] pairs as "before → after", codes as labels."""
    status_kind = "status" if action.startswith(_STATUS_ACTIONS) else None
    rows = []
    order = {"before": 0, "after": 1}
    for key, value in sorted((data or {}).items(), key=lambda kv: (order.get(kv[0], 2), kv[0])):
        kind = _VALUE_KINDS.get(key) or (status_kind if key in ("before", "after") else None)
        if key == "values" and isinstance(value, dict):
            text = _ratings_text(value, criteria)
        elif key == "changes" and isinstance(value, dict):
            text = "; ".join(
                f"{_field_label(str(k))}: {_change(v, _VALUE_KINDS.get(str(k)))}"
                for k, v in value.items()
            )
        elif isinstance(value, list) and len(value) == 2 and key not in ("comment_ids",):
            text = _change(value, kind)
        else:
            text = _plain(value, kind)
        rows.append((_field_label(key), text))
    return rows


def _change(value, kind: str | None) -> str:
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{_plain(value[0], kind)} → {_plain(value[1], kind)}"
    return _plain(value, kind)
