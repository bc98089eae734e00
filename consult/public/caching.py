"""HTTP caching of public pages for anonymous readers (ETag, Last-Modified, Cache-Control).

A page is cacheable when the reader is not signed in and has nothing personal waiting in the
session (a flashed message): it then holds no CSRF token, no name and no form, so browsers and
a reverse proxy may keep it for PUBLIC_CACHE_MAX_AGE seconds and revalidate it with a
conditional request, answered 304 before anything is rendered. Signed-in readers get
`private, no-store`, as every signed-in page.
"""

from collections.abc import Callable

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.http import is_resource_modified
from werkzeug.wrappers import Response

from consult.public.services import page_validators


def is_cacheable() -> bool:
    return not current_user.is_authenticated and not session.get("_flashes")


def cached_page(consultation, render: Callable[[], str]) -> Response:
    """The response of a public page: rendered, or 304 when the reader's copy is current."""
    if not is_cacheable():
        response = make_response(render())
        response.headers["Cache-Control"] = "private, no-store"
        return response
    g.public_cache = True  # base.html then writes the language links without a CSRF token
    validators = page_validators(consultation, request.full_path, str(get_locale()))
    if is_resource_modified(
        request.environ, etag=validators.etag, last_modified=validators.last_modified
    ):
        response = make_response(render())
    else:
        response = Response(status=304)
    response.set_etag(validators.etag)
    response.last_modified = validators.last_modified
    response.headers["Cache-Control"] = (
        f"public, max-age={current_app.config['PUBLIC_CACHE_MAX_AGE']}"
    )
    response.vary.add("Cookie")  # a chosen language lives in the session cookie
    return response
