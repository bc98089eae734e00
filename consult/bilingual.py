"""Names and labels organisers type in two languages (stakeholder groups, rating criteria and
their scale labels): Indonesian always, English optionally. `localized(obj, "name")` is the one
place that picks the text to show: the English one (column `<field>_en`) when the language is
English and it is filled in, otherwise the Indonesian one. The language is the current Babel
locale, so mail (the recipient's), exports and documents (their own, under force_locale) need
nothing else; a locale may also be given explicitly."""

from typing import Any

from flask_babel import get_locale


def language(locale: Any = None) -> str:
    """ "id" or "en": the given locale's language, else the current one's (Indonesian outside
    a request)."""
    locale = locale if locale is not None else _current_locale()
    return getattr(locale, "language", None) or str(locale or "id").split("_")[0] or "id"


def _current_locale():
    try:
        return get_locale()
    except (RuntimeError, AttributeError):  # outside an application context
        return None


def pick(indonesian: str | None, english: str | None, locale: Any = None) -> str:
    """The English text when the language is English and it is not blank, else the
    Indonesian one: the rule itself, for values read as columns rather than objects."""
    if language(locale) != "id":
        english = (english or "").strip()
        if english:
            return english
    return indonesian or ""


def localized(obj: Any, field: str, locale: Any = None) -> str:
    """obj.<field>_en when the language is English and it is not blank, else obj.<field>."""
    return pick(getattr(obj, field), getattr(obj, f"{field}_en", None), locale)


def lines(text: str | None) -> list[str]:
    """Non-blank lines, stripped: how scale labels are stored (one per line)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def localized_lines(obj: Any, field: str, locale: Any = None) -> list[str]:
    """A list stored one item per line, in the reader's language. The English list counts
    only when it has as many items as the Indonesian one (a scale's labels), so a half-typed
    translation never shifts labels onto the wrong points."""
    own = lines(getattr(obj, field))
    if language(locale) != "id":
        english = lines(getattr(obj, f"{field}_en", None))
        if english and len(english) == len(own):
            return english
    return own
