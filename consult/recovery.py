"""Nothing typed is lost when a form cannot be accepted as sent.

Two failures happen before any view runs: an expired session or form (CSRFError, a 400) and a
request larger than MAX_CONTENT_LENGTH (a too-large attachment, a 413, raised by Werkzeug
before the form is parsed). Their pages say what happened in words, lead back to the form (or
to signing in again) and show what the person wrote, so it can be copied even without
JavaScript; with JavaScript, the browser's draft (static/js/rembuk.js) is kept and put back
into the form. A feature can do better for its own form (feedback shows the comment form again,
filled in): `text_of_too_large_request` reads the text fields of a too-large multipart body
while discarding its files. Low level: imports no feature.
"""

import io
from urllib.parse import urlsplit

from flask import current_app, g, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.formparser import FormDataParser
from werkzeug.wsgi import LimitedStream

from consult.errors import render_error
from consult.inputs import is_local_path

# What a person types and may lose, with its label; never a password, token or code.
KEPT_FIELDS = {
    "body": _l("Your comment"),
    "proposed_wording": _l("Proposed wording"),
    "reference": _l("Reference or evidence (optional)"),
    "note": _l("Note"),
}
MAX_KEPT_CHARS = 20_000
# A too-large body is read (and its files thrown away) up to this many times the limit, so the
# text can be given back; anything larger is refused unread.
RECOVERY_FACTOR = 4
MAX_FORM_PARTS = 50
MAX_FIELD_BYTES = 500_000


class _Discard(io.BytesIO):
    """Where the parser writes a file part: nowhere."""

    def write(self, data) -> int:
        return len(data)


def _discard(*_args, **_kwargs):
    return _Discard()


def text_of_too_large_request() -> MultiDict | None:
    """The text fields of a multipart body over MAX_CONTENT_LENGTH, files discarded; None
    when the body is not multipart, has no length, or is too large to read at all. Read once
    per request (the body cannot be read twice)."""
    if "_recovered_form" not in g:
        g._recovered_form = _read_too_large_request()
    return g._recovered_form


def _read_too_large_request() -> MultiDict | None:
    length, limit = request.content_length, current_app.config.get("MAX_CONTENT_LENGTH")
    if not length or not limit or length > limit * RECOVERY_FACTOR:
        return None
    if request.mimetype != "multipart/form-data":
        return None
    parser = FormDataParser(
        stream_factory=_discard,
        max_form_memory_size=MAX_FIELD_BYTES,
        max_form_parts=MAX_FORM_PARTS,
    )
    stream = LimitedStream(request.environ["wsgi.input"], length)
    try:
        _stream, form, _files = parser.parse(
            stream, request.mimetype, length, request.mimetype_params
        )
    except Exception:  # noqa: BLE001 - any malformed body: no text to give back, never a 500
        return None
    return form


def kept_texts(form: MultiDict | None) -> list[tuple[str, str]]:
    """(label, text) of the typed fields of a posted form, to show back to the person."""
    if not form:
        return []
    texts = []
    for name, label in KEPT_FIELDS.items():
        value = (form.get(name) or "").strip()
        if value:
            texts.append((str(label), value[:MAX_KEPT_CHARS]))
    return texts


def _posted_form() -> MultiDict | None:
    try:
        return request.form
    except Exception:  # noqa: BLE001 - an unreadable body has nothing to give back
        return None


def back_path(default: str | None = None) -> str:
    """Where the form was: the referring page when it is on this site, else default or home."""
    referrer = urlsplit(request.referrer or "")
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    if referrer.netloc == request.host and is_local_path(path):
        return path
    return default or url_for("core.index")


def kept_text_page(reason: str, code: int, texts, back: str | None = None):
    """The page of an expired session or a too-large request: what happened, the way back,
    and what was typed."""
    back = back or back_path()
    signed_in = current_user.is_authenticated
    return (
        render_template(
            "errors/kept_text.html",
            reason=reason,
            code=code,
            texts=texts,
            back_url=back,
            signed_in=signed_in,
            login_url=url_for("auth.login", next=back),
            limit=upload_limit(),
        ),
        code,
        {"Cache-Control": "no-store"},
    )


def human_size(size: int) -> str:
    """A size as a person reads it: "10 MB", "512 KB"."""
    if size >= 1024 * 1024:
        return f"{format_decimal(size / (1024 * 1024), '#,##0.#')} MB"
    return f"{format_decimal(size / 1024, '#,##0.#')} KB"


def upload_limit() -> str:
    """The attachment limit as a person reads it ("10 MB")."""
    return human_size(current_app.config["MAX_UPLOAD_BYTES"])


def session_expired(_error=None, back: str | None = None):
    """An expired session or form (CSRF): 400, with the text sent and a way to sign in again."""
    return kept_text_page("expired", 400, kept_texts(_posted_form()), back)


def too_large(error=None, back: str | None = None):
    """A request over MAX_CONTENT_LENGTH: 413, with the limit, the text sent, the way back."""
    if not request.content_length:  # nothing was sent (abort(413) in a view): the plain page
        return render_error(error)
    return kept_text_page("too_large", 413, kept_texts(text_of_too_large_request()), back)
