"""Time helpers: the database stores naive UTC; people see Asia/Jakarta (WIB)."""

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_time as babel_format_time
from flask_babel import get_locale
from jinja2 import pass_context

LOCAL_TZ = ZoneInfo("Asia/Jakarta")


def utcnow() -> datetime:
    """The current time as naive UTC, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_to_utc(value: datetime) -> datetime:
    """Interpret a naive datetime typed by a person in WIB and return naive UTC."""
    return value.replace(tzinfo=LOCAL_TZ).astimezone(UTC).replace(tzinfo=None)


def utc_to_local(value: datetime) -> datetime:
    """Return a naive UTC datetime as a naive WIB datetime (for form fields)."""
    return value.replace(tzinfo=UTC).astimezone(LOCAL_TZ).replace(tzinfo=None)


# --- dates as people read them: one format per language, defined here only ----------------
#
# Every date a person reads (pages, mail, exports' text, documents' fields) comes from these
# patterns, through the `datetimeformat` filter or the functions below. Times are in WIB and
# always labelled "WIB" (never "Western Indonesia Time"); the two languages differ only in
# how they write the time ("09.00" / "09:00") and the comma before it.
#   medium (the default; "short" is the same): 30 Nov 2022 09.00 WIB / 30 Nov 2022, 09:00 WIB
#   full:      Rabu, 30 November 2022 09.00 WIB / Wednesday, 30 November 2022, 09:00 WIB
#   time:      09.00 WIB / 09:00 WIB
#   date:      30 Nov 2022 (both)
#   long_date: Rabu, 30 November 2022 / Wednesday, 30 November 2022
FORMATS = {
    "id": {
        "medium": "d MMM y HH.mm 'WIB'",
        "full": "EEEE, d MMMM y HH.mm 'WIB'",
        "time": "HH.mm 'WIB'",
        "date": "d MMM y",
        "long_date": "EEEE, d MMMM y",
    },
    "en": {
        "medium": "d MMM y, HH:mm 'WIB'",
        "full": "EEEE, d MMMM y, HH:mm 'WIB'",
        "time": "HH:mm 'WIB'",
        "date": "d MMM y",
        "long_date": "EEEE, d MMMM y",
    },
}
# The medium format as a spreadsheet's number format (the cell stays a real date; month
# names follow the reader's spreadsheet program).
SPREADSHEET_FORMATS = {
    "id": 'd mmm yyyy hh"."mm "WIB"',
    "en": 'd mmm yyyy, hh:mm "WIB"',
}
_ALIASES = {None: "medium", "short": "medium", "HH:mm": "time", "long": "long_date"}
DATE_ONLY = {"date", "long_date"}


def _language(locale) -> str:
    language = getattr(locale, "language", None) or str(locale or "id").split("_")[0]
    return language if language in FORMATS else "id"


def pattern_for(format: str | None, locale) -> tuple[str, str]:
    """(name, Babel pattern) of a named format in the locale's language; an unknown name is
    the default (medium), so no page can bring back a format of its own."""
    name = _ALIASES.get(format, format)
    if name not in FORMATS["id"]:
        name = "medium"
    return name, FORMATS[_language(locale)][name]


def spreadsheet_format(locale=None) -> str:
    """The medium format for a spreadsheet cell, in the given or current language."""
    return SPREADSHEET_FORMATS[_language(locale or get_locale())]


@lru_cache(maxsize=4096)
def _formatted(value: datetime | date, format: str | None, locale) -> str:
    # The locale is part of the key (the reader's, or a mail's, export's or document's).
    name, pattern = pattern_for(format, locale)
    if not isinstance(value, datetime):  # a date has no time: shown as a date
        pattern = FORMATS[_language(locale)][
            "long_date" if name in ("full", "long_date") else "date"
        ]
        return babel_format_date(value, pattern, locale=_language(locale))
    local = utc_to_local(value)
    if name in DATE_ONLY:
        return babel_format_date(local.date(), pattern, locale=_language(locale))
    return babel_format_datetime(local, pattern, locale=_language(locale))


def format_datetime_remembered(
    value: datetime | date | None, format: str | None = None, locale=None
) -> str:
    """A naive UTC datetime (or a date) in WIB, in one of the named formats above, in the
    reader's language (or the given locale), remembered: pages show the same dates over
    and over."""
    if value is None:
        return ""
    return _formatted(value, format, locale or get_locale())


@pass_context
def datetimeformat(context, value: datetime | date | None, format: str | None = None) -> str:
    """The datetimeformat filter: format_datetime_remembered in the locale the template is
    rendered in (looked up once per render, see consult/translations)."""
    return format_datetime_remembered(value, format, context.get("rembuk_locale"))


# --- official documents (tata naskah dinas): dates written out, times in WIB -------------

_ONES = (
    "",
    "satu",
    "dua",
    "tiga",
    "empat",
    "lima",
    "enam",
    "tujuh",
    "delapan",
    "sembilan",
    "sepuluh",
    "sebelas",
)


def indonesian_words(number: int) -> str:
    """A whole number written in Indonesian words ("dua ribu dua puluh dua"), as a berita
    acara writes its date."""
    if number < 0:
        return "minus " + indonesian_words(-number)
    if number < 12:
        return _ONES[number] or "nol"
    if number < 20:
        return f"{_ONES[number - 10]} belas"
    if number < 100:
        tens, rest = divmod(number, 10)
        return f"{_ONES[tens]} puluh" + (f" {_ONES[rest]}" if rest else "")
    for size, word in ((10**9, "miliar"), (10**6, "juta"), (1000, "ribu"), (100, "ratus")):
        if number >= size:
            head, rest = divmod(number, size)
            if head == 1 and size in (100, 1000):
                text = "seratus" if size == 100 else "seribu"
            else:
                text = f"{indonesian_words(head)} {word}"
            return text + (f" {indonesian_words(rest)}" if rest else "")
    return ""  # pragma: no cover - every number is covered above


def as_local(value: datetime | date) -> datetime | date:
    """A naive UTC datetime as WIB; a date stays as it is."""
    return utc_to_local(value) if isinstance(value, datetime) else value


def long_date(value: datetime | date | None, locale: str = "id") -> str:
    """ "Rabu, 30 November 2022" / "Wednesday, 30 November 2022" (a datetime is UTC, shown
    in WIB)."""
    if value is None:
        return ""
    return babel_format_date(
        as_local(value), FORMATS[_language(locale)]["long_date"], locale=locale
    )


def place_date(value: datetime | date | None, locale: str = "id") -> str:
    """The date under a place in a signature block: "30 November 2022"."""
    if value is None:
        return ""
    return babel_format_date(as_local(value), "d MMMM y", locale=locale)


def time_wib(value: datetime | None, locale: str = "id") -> str:
    """ "09.00 WIB" (Indonesian) or "09:00 WIB" (English) for a naive UTC datetime."""
    if value is None:
        return ""
    local = utc_to_local(value)
    return babel_format_time(local.time(), FORMATS[_language(locale)]["time"], locale=locale)


def date_in_words(value: datetime | date, locale: str = "id") -> str:
    """The opening of a berita acara: "hari Rabu tanggal tiga puluh bulan November tahun dua
    ribu dua puluh dua" (English: "Wednesday, the 30th of November 2022")."""
    local = as_local(value)
    day = babel_format_date(local, "EEEE", locale=locale)
    month = babel_format_date(local, "MMMM", locale=locale)
    if locale != "id":
        return f"{day}, {local.day} {month} {local.year}"
    return (
        f"hari {day} tanggal {indonesian_words(local.day)} bulan {month} "
        f"tahun {indonesian_words(local.year)}"
    )
