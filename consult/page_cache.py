"""Rendered fragments kept in this worker's memory, keyed so that they are never stale.

A key holds everything that can change what the fragment shows (a data version read before
the data, the locale, the audience), so an entry is never updated, only left behind by a newer
key; the least recently used entries go first once a cache is full. Each app has its own
caches (one app per gunicorn worker; one app per test keeps tests apart).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

_EXTENSION = "rembuk_page_cache"
FORM_ENTRIES = 512
_CREATING = threading.Lock()
Value = TypeVar("Value")


def _store(name: str) -> tuple[OrderedDict, threading.Lock]:
    caches = current_app.extensions.setdefault(_EXTENSION, {})
    if name not in caches:
        with _CREATING:
            caches.setdefault(name, (OrderedDict(), threading.Lock()))
    return caches[name]


def cached(name: str, key: Hashable, render: Callable[[], Value], max_entries: int) -> Value:
    """The value cached under key in the cache called name, rendering it on a miss."""
    entries, lock = _store(name)
    with lock:
        value = entries.get(key)
        if value is not None:
            entries.move_to_end(key)
            return value
    value = render()
    with lock:
        entries[key] = value
        while len(entries) > max_entries:
            entries.popitem(last=False)
    return value


def clear(name: str) -> None:
    entries, lock = _store(name)
    with lock:
        entries.clear()


# Stand-ins for what must differ between readers of the same cached form (their CSRF token,
# a form's one-time submission key); no page text contains them.
_STAND_IN = "rembuk-stand-in-{}-7c1e9a"


def cached_for_reader(
    name: str, key: Hashable, render: Callable[[], str], max_entries: int, secrets: tuple
) -> str:
    """cached(), for HTML holding this reader's secrets (values that render() puts in it):
    stored with stand-ins, handed out with the current reader's values."""

    def render_without_secrets() -> str:
        html = render()
        for number, secret in enumerate(secrets):
            html = html.replace(secret, _STAND_IN.format(number))
        return html

    html = cached(name, key, render_without_secrets, max_entries)
    for number, secret in enumerate(secrets):
        html = html.replace(_STAND_IN.format(number), secret)
    return html


def cached_form(
    template: str, key: Hashable, make_form: Callable, secrets: tuple = (), **context
) -> Markup:
    """A form rendered by template, from the cache when it is fresh (a GET without errors);
    make_form() builds it, only when it must be rendered.

    key must hold whatever the form shows besides its template and the locale (the values it
    is filled with, what its labels and action depend on). The reader's CSRF token and the
    given secrets (values make_form() put in the form, such as a one-time submission key) are
    filled in for each reader.
    """
    if request.method != "GET":
        return Markup(render_template(template, form=make_form(), **context))  # nosec B704
    html = cached_for_reader(
        "forms",
        (template, str(get_locale()), key),
        lambda: render_template(template, form=make_form(), **context),
        max_entries=FORM_ENTRIES,
        secrets=(generate_csrf(), *secrets),
    )
    return Markup(html)  # nosec B704 - our own template, rendered with autoescape
