"""The signed cookie session, re-sent on every answer except where a view says it need not be.

Flask re-signs and re-sends a permanent session's cookie with every response (to slide its
expiry). For the room's polls and taps, hundreds a second at an FGD, that work buys nothing:
the phone keeps the cookie it has, which pages and every other request still refresh. A session
changed by such a request is still saved.
"""

from flask import g
from flask.sessions import SecureCookieSessionInterface


class CookieSessionInterface(SecureCookieSessionInterface):
    def should_set_cookie(self, app, session) -> bool:
        if g.get("keep_session_cookie") and not session.modified:
            return False
        return super().should_set_cookie(app, session)


def keep_session_cookie() -> None:
    """This answer does not re-send an unchanged session cookie."""
    g.keep_session_cookie = True
