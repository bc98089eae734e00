"""Upload → preview → confirm, for a plan outline (plans import, revisions of the whole plan).

The preview page carries what was read, signed, in its confirm form; the confirm step saves
exactly that, for the same consultation and user, within an hour. The templates' side is the
`upload_preview` macro in templates/_macros/preview.html.
"""

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from consult.auth.models import User
from consult.plans.importer import Outline
from consult.plans.models import Consultation

PREVIEW_MAX_AGE = 3600  # a preview may be confirmed within the hour


class OutlinePreview:
    """Signs a previewed outline (and a few extra values) and reads it back on confirm."""

    def __init__(self, salt: str, max_age: int = PREVIEW_MAX_AGE):
        self.salt = salt
        self.max_age = max_age

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    def sign(self, consultation: Consultation, user: User, outline: Outline, **extra: Any) -> str:
        """The token for the confirm form."""
        payload = {"c": consultation.id, "u": user.id, "o": outline.to_data(), "x": extra}
        return self._serializer().dumps(payload)

    def load(
        self, token: str, consultation: Consultation, user: User
    ) -> tuple[Outline, dict[str, Any]] | None:
        """The outline and extra values signed for this consultation and user; None when the
        token was changed, expired, made for someone else or holds nothing to save."""
        try:
            payload = self._serializer().loads(token, max_age=self.max_age)
            if payload.get("c") != consultation.id or payload.get("u") != user.id:
                return None
            outline = Outline.from_data(payload.get("o"))
            extra = dict(payload.get("x") or {})
        except (BadSignature, ValueError, AttributeError, TypeError):
            return None
        return None if outline.is_empty else (outline, extra)


# The plan import's preview (reports/import_views.py) and its confirmation (plans.confirm_import).
IMPORT_PREVIEW = OutlinePreview(salt="plan-import")
