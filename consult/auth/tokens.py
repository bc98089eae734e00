"""Signed, expiring tokens for invitation and password-reset links.

Both are single-use: an invitation token names an Invitation row and its nonce (the row is
marked used); a reset token carries a fingerprint of the current password hash, so it stops
working once the password changes.
"""

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

INVITATION_SALT = "rembuk.invitation"
RESET_SALT = "rembuk.password-reset"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def make_invitation_token(invitation_id: int, nonce: str) -> str:
    return _serializer(INVITATION_SALT).dumps({"i": invitation_id, "n": nonce})


class TokenExpired(Exception):
    """The signature is good but the token is older than allowed."""


class TokenInvalid(Exception):
    """The token was altered, truncated, or made for another purpose."""


def _load(token: str, salt: str, max_age: int) -> dict:
    try:
        payload = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
    if not isinstance(payload, dict):
        raise TokenInvalid
    return payload


def read_invitation_token(token: str) -> tuple[int, str]:
    """(invitation id, nonce); raises TokenInvalid or TokenExpired."""
    max_age = current_app.config["INVITATION_MAX_AGE_DAYS"] * 86400
    payload = _load(token, INVITATION_SALT, max_age)
    invitation_id, nonce = payload.get("i"), payload.get("n")
    if not isinstance(invitation_id, int) or not isinstance(nonce, str):
        raise TokenInvalid
    return invitation_id, nonce


def password_fingerprint(password_hash: str) -> str:
    """A short keyed digest of the password hash: changes whenever the password does."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, password_hash.encode(), hashlib.sha256).hexdigest()[:20]


def make_reset_token(user_id: int, password_hash: str) -> str:
    return _serializer(RESET_SALT).dumps({"u": user_id, "f": password_fingerprint(password_hash)})


def read_reset_token(token: str) -> tuple[int, str]:
    """(user id, password fingerprint); raises TokenInvalid or TokenExpired."""
    max_age = current_app.config["RESET_MAX_AGE_MINUTES"] * 60
    payload = _load(token, RESET_SALT, max_age)
    user_id, fingerprint = payload.get("u"), payload.get("f")
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        raise TokenInvalid
    return user_id, fingerprint


CHECKIN_SALT = "rembuk.fgd-checkin"


def make_checkin_token(consultation_id: int, session_id: int, user_id: int) -> str:
    """A participant's personal check-in code for one FGD session (shown as a QR code)."""
    return _serializer(CHECKIN_SALT).dumps({"c": consultation_id, "s": session_id, "u": user_id})


def read_checkin_token(token: str) -> tuple[int, int, int]:
    """(consultation id, session id, user id); raises TokenInvalid or TokenExpired."""
    max_age = current_app.config["FGD_CHECKIN_MAX_AGE_DAYS"] * 86400
    payload = _load(token, CHECKIN_SALT, max_age)
    values = payload.get("c"), payload.get("s"), payload.get("u")
    if not all(isinstance(value, int) for value in values):
        raise TokenInvalid
    return values


ROOM_SALT = "rembuk.fgd-room"


def make_room_token(consultation_id: int, session_id: int, user_id: int) -> str:
    """Lets a phone follow a session's live state without a database look-up per poll."""
    return _serializer(ROOM_SALT).dumps({"c": consultation_id, "s": session_id, "u": user_id})


def read_room_token(token: str, max_age: int = 86400) -> tuple[int, int, int]:
    """(consultation id, session id, user id); raises TokenInvalid or TokenExpired."""
    payload = _load(token, ROOM_SALT, max_age)
    values = payload.get("c"), payload.get("s"), payload.get("u")
    if not all(isinstance(value, int) for value in values):
        raise TokenInvalid
    return values


FORM_STAMP_SALT = "rembuk.form-stamp"


def make_form_stamp() -> str:
    """A signed timestamp put in a public form when it is shown (see consult/public)."""
    return _serializer(FORM_STAMP_SALT).dumps("f")


def form_stamp_age(stamp: str, max_age: int) -> float:
    """Seconds since the form holding this stamp was shown; raises TokenInvalid or
    TokenExpired."""
    import time

    try:
        _payload, signed_at = _serializer(FORM_STAMP_SALT).loads(
            stamp, max_age=max_age, return_timestamp=True
        )
    except SignatureExpired as error:
        raise TokenExpired from error
    except BadSignature as error:
        raise TokenInvalid from error
    return time.time() - signed_at.timestamp()
