"""Who is shown how in an export: real names, or pseudonyms when anonymised."""

import hashlib
import hmac

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from consult.extensions import db
from consult.plans.models import Consultation, MemberRole, Membership


class Identities:
    """Names as exported: real, or stable pseudonyms ("Peserta KADIN 3f9a2c") when anonymised."""

    def __init__(self, consultation: Consultation, anonymise: bool):
        self.consultation = consultation
        self.anonymise = anonymise
        self._key = str(current_app.config["SECRET_KEY"]).encode()
        self.organiser_ids = set(
            db.session.scalars(
                select(Membership.user_id).where(
                    Membership.consultation_id == consultation.id,
                    Membership.role == MemberRole.ORGANISER,
                )
            )
        )

    def code(self, user_id: int) -> str:
        message = f"{self.consultation.id}:{user_id}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:6]

    def person(
        self,
        user_id: int | None,
        name: str | None,
        organisation: str | None,
        email: str | None,
        group_name: str | None,
    ) -> tuple[str, str, str]:
        """(name, organisation, email) as this export may show them."""
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
