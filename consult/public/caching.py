"""HTTP caching of public pages for anonymous readers (ETag, Last-Modified, Cache-Control).

A page is cacheable when the reader is not signed in and has nothing personal waiting in the
session (a flashed message): it then holds no CSRF token, no name and no form, so browsers and
a reverse proxy may keep it for PUBLIC_CACHE_MAX_AGE seconds and revalidate it with a
conditional request. That request is answered 304 before the view runs, from one statement
read outside any transaction (services.page_validators). Signed-in readers get
`private, no-store`, as every signed-in page.
"""

from collections.abc import Callable

from flask import current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.http import is_resource_modified
from werkzeug.wrappers import Response

from consult.public.services import Validators, page_validators

# The public pages rendered through cached_page: only they carry validators.
CACHEABLE_ENDPOINTS = frozenset(
    {"public.overview", "public.show_item", "public.versions", "public.you_said_we_did"}
)


def is_cacheable() -> bool:
    return not current_user.is_authenticated and not session.get("_flashes")


def _validators() -> Validators | None:
    if "public_validators" not in g:
        args = request.view_args or {}
        g.public_validators = page_validators(
            args["consultation_id"],
            args.get("kind"),
            args.get("item_id"),
            request.full_path,
            str(get_locale()),
        )
    return g.public_validators


def _with_validators(response: Response, validators: Validators) -> Response:
    response.set_etag(validators.etag)
    response.last_modified = validators.last_modified
    response.headers["Cache-Control"] = (
        f"public, max-age={current_app.config['PUBLIC_CACHE_MAX_AGE']}"
    )
    response.vary.add("Cookie")  # a chosen language lives in the session cookie
    return response


def answer_conditional_request() -> Response | None:
    """304 for a reader whose copy is current, before the view loads anything (a
    before_request of the public pages); None to let the view answer, with the validators
    already read."""
    if request.endpoint not in CACHEABLE_ENDPOINTS or request.method not in ("GET", "HEAD"):
        return None
    if not is_cacheable():
        return None
    # Read before the view loads anything, conditional or not: input committed while the page
    # renders then gives the next request a new ETag, never the old content the new one.
    validators = _validators()
    if not (request.if_none_match or request.if_modified_since):
        return None
    if validators is None or is_resource_modified(
        request.environ, etag=validators.etag, last_modified=validators.last_modified
    ):
        return None
    return _with_validators(Response(status=304), validators)


def cached_page(render: Callable[[], str]) -> Response:
    """The response of a public page, with validators when the reader is anonymous."""
    validators = _validators() if is_cacheable() else None
    response = make_response(render() if validators is None else _render_public(render))
    if validators is None:
        response.headers["Cache-Control"] = "private, no-store"
        return response
    return _with_validators(response, validators)


def _render_public(render: Callable[[], str]) -> str:
    g.public_cache = True  # base.html then writes the language links without a CSRF token
    return render()
