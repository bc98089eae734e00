"""Time helpers: the database stores naive UTC; people see Asia/Jakarta (WIB)."""

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import format_datetime, get_locale, get_timezone

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


@lru_cache(maxsize=4096)
def _formatted_datetime(value: datetime, format: str | None, _locale: str, _timezone: str) -> str:
    # Locale and timezone are part of the key: format_datetime reads them from the request.
    return format_datetime(value, format)


def format_datetime_remembered(value: datetime | None, format: str | None = None) -> str:
    """Flask-Babel's datetimeformat filter, remembered: pages show the same dates over and over."""
    if value is None:
        return format_datetime(value, format)
    return _formatted_datetime(value, format, str(get_locale()), str(get_timezone()))
