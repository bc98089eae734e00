"""Time helpers: the database stores naive UTC; people see Asia/Jakarta (WIB)."""

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

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
