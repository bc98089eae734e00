"""Translated labels for stored codes, as documents and spreadsheets show them.

Files for people (PDF, DOCX, XLSX) show these labels in the document's language, never the
codes; files for machines (CSV, JSON) keep the codes (see README, "Exports").
"""

from flask_babel import lazy_gettext as _l

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

KINDS = {
    "phase": PHASE,
    "type": COMMENT_TYPE,
    "status": STATUS,
    "source": SOURCE,
    "role": ROLE,
    "disposition": DISPOSITION,
}


def label(kind: str, code) -> str:
    """The label of a code in the current language; "" for none, the code if unknown."""
    if code is None or code == "":
        return ""
    value = getattr(code, "value", code)
    text = KINDS[kind].get(value)
    return str(text) if text is not None else str(value)
