"""What a request brings, read one safe way: ids in URLs, numbers in query strings, typed text.

Hostile values (a NUL, a number beyond 64 bits, an unknown choice) must never reach the
database as they are: PostgreSQL refuses a NUL in text and an integer beyond its column, SQLite
cannot take an integer beyond 64 bits, and both turned such values into 500s. The rules:

- ids in a URL (`<int:...>`) are whole numbers from 1 to MAX_ID; anything else matches no
  route (404). No row has a larger id (the columns are PostgreSQL `integer`).
- `page` (and `rpage`): missing or empty is the first page; anything that is not a whole
  number from 1 to MAX_ID is 404 ("no such page"), as is Flask-SQLAlchemy's own rule for 0.
  A page past the last one shows an empty list.
- other numbers in the query string (`reply_to`, `paragraph`, `chapter`, `from`, `to`) are
  hints: a value that is not a whole number in range counts as absent.
- text in the query string (`q`, filters) with control characters is refused with 400, or,
  in a filter form, with a field error that leaves the filter off.
- forms: every form derives from `Form` (below), whose fields refuse control characters
  with a translated field error (the page shows the text again without them, so nothing
  typed is lost and the person can send it again), and whole numbers beyond MAX_ID.
"""

import re

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter
from wtforms.validators import StopValidation

MAX_ID = 2**31 - 1  # PostgreSQL `integer`, the type of every id column

# C0 control characters except tab, line feed and carriage return, and DEL. PostgreSQL cannot
# store NUL in text; the others cannot be written to XML (DOCX, XLSX) and hide text on screen.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTER_MESSAGE = _l(
    "The text contained invisible control characters (such as NUL) that cannot be saved. "
    "They have been removed: please check the text and send it again."
)


def has_control_characters(text: str) -> bool:
    """Whether text holds a character Rembuk never stores (NUL and other C0 controls, DEL)."""
    return bool(CONTROL_CHARACTERS.search(text))


def without_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


class IdConverter(IntegerConverter):
    """`<int:...>` in URLs: a whole number from 1 to MAX_ID, else no route matches (404)."""

    def __init__(self, url_map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def parse_id(value, minimum: int = 1) -> int | None:
    """A whole number from minimum to MAX_ID, from text or a number; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        text = value.strip()
        if len(text) > len(str(MAX_ID)):
            return None
        number = int(text)
    else:
        return None
    return number if minimum <= number <= MAX_ID else None


def coerce_id(value) -> int:
    """WTForms coerce for id choices (0 for "none chosen"): ValueError for anything else."""
    number = parse_id(value, minimum=0)
    if number is None:
        raise ValueError(value)
    return number


def int_arg(name: str, minimum: int = 1) -> int | None:
    """An optional whole number from the query string; absent when it is not one in range."""
    return parse_id(request.args.get(name, ""), minimum)


def page_arg(name: str = "page") -> int:
    """The page number from the query string: 1 when absent, 404 when it is no page number."""
    value = request.args.get(name, "")
    if value == "":
        return 1
    page = parse_id(value)
    if page is None:
        abort(404)
    return page


def text_arg(name: str, max_length: int = 200) -> str:
    """Text from the query string, stripped; 400 when it holds control characters."""
    value = request.args.get(name, "").strip()
    if has_control_characters(value):
        abort(400)
    return value[:max_length]


def is_local_path(target: str) -> bool:
    """A path on this site to send the browser back to (no other host, no header splitting)."""
    return (
        target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not re.search(r"[\x00-\x1f\x7f]", target)
    )


def refuse_unstorable(form, field) -> None:
    """Field validator, first of every field: what no column can hold is refused.

    Control characters: the text is shown again without them. Whole numbers beyond the
    range of an id column (no number Rembuk keeps is larger)."""
    raw = [value for value in (field.raw_data or ()) if isinstance(value, str)]
    if any(has_control_characters(value) for value in raw):
        if isinstance(field.data, str):
            field.data = without_control_characters(field.data)
        field.errors[:] = []  # one clear message, not also "not a valid choice" for the text
        raise StopValidation(CONTROL_CHARACTER_MESSAGE)
    number = field.data
    if isinstance(number, int) and not isinstance(number, bool) and abs(number) > MAX_ID:
        raise StopValidation(field.gettext("Number must be at most %(max)s.") % {"max": MAX_ID})


class _Meta(FlaskForm.Meta):
    def bind_field(self, form, unbound_field, options):
        field = super().bind_field(form, unbound_field, options)
        # First in the chain: no other check (and no query in a validate_<field>) sees the text.
        field.validators = [refuse_unstorable, *field.validators]
        return field


class Form(FlaskForm):
    """The base of every form: text fields refuse control characters (see the module)."""

    Meta = _Meta


class FilterForm(Form):
    """GET filters (no CSRF: they change nothing). Once validated, a refused value is shown
    with its error and not applied (see `value`)."""

    class Meta:
        csrf = False

    def value(self, name: str):
        """The field's value, or None when it was refused."""
        field = self[name]
        return None if field.errors else field.data
