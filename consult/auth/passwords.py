"""Password rules and hashing: at least 10 characters, not a common password, scrypt hashes."""

from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the commonest passwords, lower-cased."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as handle:
        return frozenset(
            line.strip().lower() for line in handle if line.strip() and not line.startswith("#")
        )


def password_problems(password: str) -> list:
    """Why a new password is refused (translated messages); empty when it is acceptable."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_l("Use at least %(count)d characters.", count=MIN_LENGTH))
    if password.strip().lower() in common_passwords():
        problems.append(_l("This password is too common. Choose one that is harder to guess."))
    return problems


def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug's default method)."""
    return generate_password_hash(password)


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password-only-for-timing")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; without a hash, spend the same time on a dummy one and fail."""
    if not password_hash:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
