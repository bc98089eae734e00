"""Time helpers: the database stores naive UTC; people see Asia/Jakarta (WIB)."""

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from flask_babel import format_datetime, get_locale
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


@lru_cache(maxsize=64)
def _readable(format: str | None, locale) -> str | None:
    """ "medium" and "full" as the language's own date formats, with hours and minutes only
    ("full" also names the time zone): seconds mean nothing to people reading when a comment
    was written, a window closes or the FGD starts."""
    if format in (None, "medium", "full") and locale is not None:
        format = format or "medium"
        time = locale.time_formats["short"].pattern + (" zzzz" if format == "full" else "")
        glue = str(locale.datetime_formats[format])
        return glue.replace("{1}", locale.date_formats[format].pattern).replace("{0}", time)
    return format


@lru_cache(maxsize=4096)
def _formatted_datetime(value: datetime, format: str | None, locale) -> str:
    # The locale is part of the key: format_datetime reads it from the request. The time zone
    # is not: it is the app's (BABEL_DEFAULT_TIMEZONE), the same for every reader.
    return format_datetime(value, _readable(format, locale))


def format_datetime_remembered(
    value: datetime | None, format: str | None = None, locale=None
) -> str:
    """A naive UTC datetime in WIB and the reader's language (or the given locale), without
    seconds (see _readable), remembered: pages show the same dates over and over."""
    locale = locale or get_locale()
    if value is None:
        return format_datetime(value, _readable(format, locale))
    return _formatted_datetime(value, format, locale)


@pass_context
def datetimeformat(context, value: datetime | None, format: str | None = None) -> str:
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
    return babel_format_date(as_local(value), "EEEE, d MMMM y", locale=locale)


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
    pattern = "HH.mm" if locale == "id" else "HH:mm"
    return f"{babel_format_time(local.time(), pattern, locale=locale)} WIB"


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
