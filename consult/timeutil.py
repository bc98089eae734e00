"""Time helpers: the database stores naive UTC; people see Asia/Jakarta (WIB)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

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
