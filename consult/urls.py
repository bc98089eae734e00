"""Building links: an app path (also outside a request), a comment's link, a public URL.

Low level like audit.py and mail.py: any feature may use it, it imports no feature.
"""

from urllib.parse import urlencode, urlsplit

from flask import current_app, has_request_context, request, url_for
from werkzeug.exceptions import HTTPException


def app_path(endpoint: str, **values) -> str:
    """The path of an endpoint (/c/1/strategies/2), inside a request or not (CLI, queued work)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def comment_url(comment, page: int = 1) -> str:
    """The page showing a comment, with its anchor: /c/1/strategies/2#comment-3 (with
    ?page=N when the thread's page showing it is known and not the first)."""
    if comment.strategy_id:
        endpoint, args = "feedback.show_strategy", {"strategy_id": comment.strategy_id}
    else:
        endpoint, args = "feedback.show_section", {"section_id": comment.section_id}
    if page > 1:
        args["page"] = page
    path = app_path(endpoint, consultation_id=comment.consultation_id, **args)
    return f"{path}#comment-{comment.id}"


def public_url(target: str, **values) -> str:
    """An absolute URL under PUBLIC_BASE_URL, for mails and exports (outside a request too).

    `target` is an endpoint (with its values) or an app path starting with "/", such as a
    notification's link ("" is the site itself).
    """
    if not target or target.startswith("/"):
        return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + target
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(target, values, force_external=True)


def public_twin_of_request() -> str | None:
    """For a GET of a member's page (/c/...), the same page under /p/ with the same query,
    when the public pages have one; else None."""
    if request.method != "GET" or not request.path.startswith("/c/"):
        return None
    twin = "/p/" + request.path.removeprefix("/c/")
    try:
        current_app.url_map.bind("").match(twin, method="GET")
    except HTTPException:
        return None
    query = urlencode(request.args.to_dict(flat=False), doseq=True)
    return f"{twin}?{query}" if query else twin
