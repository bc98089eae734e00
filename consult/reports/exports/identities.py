"""Who is shown how in an export: real names, or pseudonyms when anonymised."""

import hashlib
import hmac
import secrets

from flask_babel import gettext as _

from consult.extensions import db
from consult.permissions import manager_ids
from consult.plans.models import Consultation
from consult.reports.anonymity import group_member_counts, min_group_size, named_groups

CODE_LENGTH = 6


class Identities:
    """Names as exported: real, or pseudonyms ("Peserta KADIN 3f9a2c") when anonymised.

    A pseudonym is stable within one export and differs between exports: it is keyed by a
    random salt drawn for each export, never by the user id alone, so two exports cannot be
    linked person by person. A group with fewer than k members is never named beside a person.
    """

    def __init__(self, consultation: Consultation, anonymise: bool):
        self.consultation = consultation
        self.anonymise = anonymise
        self._salt = secrets.token_bytes(32)
        self._codes: dict[int, str] = {}
        self._taken: set[str] = set()
        # Those who run the consultation (organisers and admins) are shown as organisers.
        self.organiser_ids = set(db.session.scalars(manager_ids(consultation)))
        self._named: set[int | None] | None = None
        self.member_counts: dict[int | None, int] | None = None
        if anonymise:
            self.member_counts = group_member_counts(consultation)
            self._named = named_groups(self.member_counts, min_group_size())

    def code(self, user_id: int) -> str:
        """This export's code for a person: random-keyed, unique within the export."""
        if user_id not in self._codes:
            attempt = 0
            while True:
                message = f"{user_id}:{attempt}".encode()
                code = hmac.new(self._salt, message, hashlib.sha256).hexdigest()[:CODE_LENGTH]
                if code not in self._taken:
                    break
                attempt += 1
            self._taken.add(code)
            self._codes[user_id] = code
        return self._codes[user_id]

    def names_group(self, group_id: int | None) -> bool:
        """May this group be named beside a person? Always, unless anonymised and small."""
        return self._named is None or group_id in self._named

    def group_name(self, group_id: int | None, name: str | None) -> str:
        """The group as shown beside a person: empty for a small group when anonymised."""
        return (name or "") if self.names_group(group_id) else ""

    def person(
        self,
        user_id: int | None,
        name: str | None,
        organisation: str | None,
        email: str | None,
        group_name: str | None,
    ) -> tuple[str, str, str]:
        """(name, organisation, email) as this export may show them (group_name as shown)."""
        if user_id is None:
            return ("", "", "")
        if not self.anonymise:
            return (name or "", organisation or "", email or "")
        if user_id in self.organiser_ids:
            return (f"{_('Organiser')} {self.code(user_id)}", "", "")
        label = _("Participant")
        if group_name:
            return (f"{label} {group_name} {self.code(user_id)}", "", "")
        return (f"{label} {self.code(user_id)}", "", "")
