"""The signed cookie session, re-sent on every answer except where a view says it need not be.

Flask re-signs and re-sends a permanent session's cookie with every response (to slide its
expiry). For the room's polls and taps, hundreds a second at an FGD, that work buys nothing:
the phone keeps the cookie it has, which pages and every other request still refresh. A session
changed by such a request is still saved.

The phones' poll of the room state (/c/<c>/fgd/<s>/room/state/<token>) does not read the session
at all: its signed token is its credential, and checking the cookie's signature and decoding it
was a good part of what a 304 cost. (The session is opened before the URL is matched, hence
the path.)
"""

import re

from flask import g
from flask.sessions import SecureCookieSessionInterface

_SESSIONLESS = re.compile(r"/c/\d+/fgd/\d+/room/state/[^/]+")


class CookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app, request):
        if _SESSIONLESS.fullmatch(request.path):
            return self.session_class()  # empty, never saved
        return super().open_session(app, request)

    def should_set_cookie(self, app, session) -> bool:
        if g.get("keep_session_cookie") and not session.modified:
            return False
        return super().should_set_cookie(app, session)


def keep_session_cookie() -> None:
    """This answer does not re-send an unchanged session cookie."""
    g.keep_session_cookie = True
