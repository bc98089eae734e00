"""Hostile input on every route: never a 5xx, never a traceback, nothing half-stored.

The routes come from app.url_map and the way to reach each one (URL values, who may call it)
from the authorisation matrix (tests/test_security_matrix.py). Each route is called by a
person the matrix lets through, so that forms are really processed, with hostile values in:

- its path parameters (ids: zero, negative, beyond 64 bits, not a number, NUL; text: NUL,
  control characters, invalid UTF-8, an overlong segment);
- its query parameters (every name the views read; see QUERY_PARAMETERS);
- its form fields (the names and kinds read from the forms the app renders, see
  _discover_forms), one field at a time, the others as the page filled them in;
- its body as a whole: empty, JSON, plain text, raw invalid UTF-8.

Expected: a 4xx, or a page (200) or redirect that refused the value; never a 5xx or a
traceback. A refused request (4xx, or a form shown again with a field error) changes no row.
Payloads are chosen per kind of parameter (text, number, choice) rather than the whole product,
so one run stays within the CI budget on SQLite and on PostgreSQL.
"""

import io
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from flask import url_for
from sqlalchemy import func, select, union_all
from test_security_matrix import (
    MATRIX,
    _matrix_endpoints,
    _methods,
    build_world,
)
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from consult.extensions import db

# --- payloads, per kind of parameter -------------------------------------------------------

NUL_TEXT = "Teks aman\x00=1+1"
CONTROL_TEXT = "Teks\x01\x08\x0b\x0c\x1b[31m\x7f aman"
OVERLONG = "x" * 20_000
HUGE_INT = "99999999999999999999"

TEXT_PAYLOADS = {"nul": NUL_TEXT, "control": CONTROL_TEXT, "overlong": OVERLONG}
NUMBER_PAYLOADS = {
    "zero": "0",
    "negative": "-1",
    "huge": HUGE_INT,
    "not-a-number": "abc",
    "nul": "1\x00",
    "empty": "",
}
CHOICE_PAYLOADS = {"unknown": "tidak-ada", "negative": "-1", "huge": HUGE_INT, "nul": "\x00"}
DATE_PAYLOADS = {"nonsense": "2024-13-45", "huge": "99999-01-01", "nul": "2024-01-01\x00"}

# Raw (already percent-encoded) path segments.
INT_SEGMENTS = {"zero": "0", "negative": "-1", "huge": HUGE_INT, "not-a-number": "abc"}
TEXT_SEGMENTS = {
    "nul": "a%00b",
    "control": "a%01%1Bb",
    "invalid-utf8": "%FF%FEa",
    "overlong": "x" * 3000,
}

# Every query parameter a view reads, by kind. test_every_query_parameter_is_covered keeps the
# list complete: it reads the views for request.args and the GET filter forms.
QUERY_PARAMETERS = {
    "page": "number",
    "rpage": "number",
    "paragraph": "number",
    "reply_to": "number",
    "from": "number",
    "to": "number",
    "chapter": "number",
    "consultation": "number",
    "section": "number",
    "group": "number",
    "criterion": "number",
    "type": "choice",
    "view": "choice",
    "status": "choice",
    "disposition": "choice",
    "undecided": "choice",
    "phase": "choice",
    "anonymise": "choice",
    "lang": "choice",
    "q": "text",
    "next": "text",
    "action": "text",
    "actor": "text",
    "author": "text",
    "text": "text",
    "date_from": "date",
    "date_to": "date",
}
KIND_PAYLOADS = {
    "number": NUMBER_PAYLOADS,
    "choice": CHOICE_PAYLOADS,
    "text": TEXT_PAYLOADS,
    "date": DATE_PAYLOADS,
}

TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "psycopg")
# The roles tried, in order of preference, for a route the matrix lets them call.
REACHING_ROLES = ("organiser", "invited", "admin", "anonymous")


def _role_for(endpoint: str, method: str) -> str | None:
    rule = MATRIX[endpoint]
    expected = rule.get if method == "GET" else rule.post
    if not expected:
        return None
    for role in REACHING_ROLES:
        if expected.get(role) == "ok":
            return role
    return "anonymous"  # routes that end on the login page whoever calls them


def _client(app, login, world, role):
    client = app.test_client()
    if role != "anonymous":
        login(world.users[role], client)
    return client


def _url(app, world, endpoint: str, **values) -> str:
    rule = MATRIX[endpoint]
    with app.test_request_context():
        return url_for(endpoint, **{**rule.url_values(world), **values})


class _RecordingParameters(ImmutableMultiDict):
    """Query and form parameters that remember which names the app looked up."""

    read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):
        self.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.read.add(key)
        return super().getlist(key, type)


def _query_names_read(app, client, url) -> set[str]:
    """The query parameter names a GET of the route reads (from the app itself)."""
    original = app.request_class
    app.request_class = type(
        "Recording", (original,), {"parameter_storage_class": _RecordingParameters}
    )
    _RecordingParameters.read = set()
    try:
        client.get(url).close()
    finally:
        app.request_class = original
    return set(_RecordingParameters.read)


def _row_count() -> int:
    """All rows of every table but the audit trail (refusals are audited), in one query."""
    counts = [
        select(func.count().label("n")).select_from(table)
        for table in db.metadata.sorted_tables
        if table.name != "audit_event"
    ]
    subquery = union_all(*counts).subquery()
    total = db.session.execute(select(func.sum(subquery.c.n))).scalar_one()
    db.session.rollback()
    return int(total)


def _problem(response, what: str) -> str | None:
    body = response.get_data().decode("utf-8", "replace")
    response.close()
    if response.status_code >= 500:
        return f"{what}: {response.status_code}"
    for marker in TRACEBACK_MARKERS:
        if marker in body:
            return f"{what}: traceback marker {marker!r} in the body"
    return None


def _refused(response) -> bool:
    if response.status_code in (200, 400, 422) and response.mimetype == "text/html":
        if 'aria-invalid="true"' in response.get_data(as_text=True):
            return True
    return 400 <= response.status_code < 500


def _check(client, method, url, what, problems, **kwargs):
    before = _row_count() if method == "POST" else None
    try:
        response = client.open(url, method=method, **kwargs)
    except Exception as error:  # noqa: BLE001 - the test client re-raises what became a 500
        db.session.rollback()
        problems.append(f"{what}: {type(error).__name__}: {str(error)[:200]}")
        return None
    problem = _problem(response, what)
    if problem:
        problems.append(problem)
    elif before is not None and _refused(response) and _row_count() != before:
        problems.append(f"{what}: refused ({response.status_code}) but rows changed")
    return response


# --- discovering the forms the app renders ---------------------------------------------------


class _FormParser(HTMLParser):
    """Forms of a page: action, method and fields (name, kind, the value the page set)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {
                "action": attrs.get("action") or "",
                "method": (attrs.get("method") or "get").upper(),
                "fields": {},
                "values": [],
                "shown": set(),  # fields whose typed text a refused page must show again
            }
            self.forms.append(self._form)
            return
        if self._form is None or not attrs.get("name"):
            return
        name = attrs["name"]
        if name == "csrf_token":
            return
        fields, values = self._form["fields"], self._form["values"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                fields.setdefault(name, "choice")
                if not any(n == name for n, _ in values):
                    values.append((name, attrs.get("value", "")))
                return
            fields.setdefault(name, _input_kind(kind))
            if kind in ("text", "email", "search", "url", "tel"):
                self._form["shown"].add(name)
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    values.append((name, attrs.get("value", "y")))
            elif kind != "file":
                values.append((name, attrs.get("value", "")))
        elif tag == "textarea":
            fields.setdefault(name, "text")
            self._form["shown"].add(name)
            self._textarea = [name, ""]
            values.append(self._textarea)
        elif tag == "select":
            fields.setdefault(name, "choice")
            self._select = [name, None, "multiple" in attrs]
        elif tag == "button" and attrs.get("type", "submit") == "submit":
            fields.setdefault(name, "choice")
        elif tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in attrs:
                self._select[1] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            self._form["values"][-1] = tuple(self._textarea)
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, value, multiple = self._select
            if value is not None and (not multiple or value):
                self._form["values"].append((name, value))
            self._select = None


def _input_kind(kind: str) -> str:
    if kind == "number":
        return "number"
    if kind in ("date", "datetime-local", "time"):
        return "date"
    if kind in ("checkbox", "radio"):
        return "choice"
    if kind == "file":
        return "file"
    return "text"


def _forms_of(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def _endpoint_of(app, path: str, method: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _ = adapter.match(path, method=method)
    except Exception:  # noqa: BLE001 - not a route of this app (or another method)
        return None
    return endpoint


def _discover_forms(app, login, world, endpoint: str) -> list[dict]:
    """The forms that post to this route, as rendered by the pages that offer them."""
    found = []
    for page_endpoint in _form_pages(endpoint):
        role = _role_for(page_endpoint, "GET")
        client = _client(app, login, world, role)
        response = client.get(_url(app, world, page_endpoint))
        html = response.get_data(as_text=True)
        for form in _forms_of(html):
            action = urlsplit(form["action"]).path or _url(app, world, page_endpoint)
            if form["method"] == "POST" and _endpoint_of(app, action, "POST") == endpoint:
                form["action"] = form["action"] or _url(app, world, page_endpoint)
                found.append(form)
    return found


# Where a POST-only route's form is rendered (a route with a GET shows its own form).
FORM_PAGES = {
    "feedback.add_comment": ["feedback.show_strategy"],
    "feedback.rate_strategy": ["feedback.show_strategy"],
    "feedback.withdraw_comment": ["feedback.show_strategy"],
    "feedback.record_ratings": ["feedback.record_input"],
    "moderation.decide_comment": ["moderation.queue", "feedback.show_strategy"],
    "moderation.bulk_decide": ["moderation.queue"],
    "moderation.suspend_participant": ["moderation.participants"],
    "moderation.export_audit": ["moderation.audit_log"],
    "invitations.invite_one": ["invitations.list_participants"],
    "invitations.import_csv": ["invitations.list_participants"],
    "reports.record_response": ["reports.responses"],
    "reports.answer_together": ["reports.responses"],
    "auth.change_role": ["auth.list_users"],
    "auth.rename_group": ["auth.list_groups"],
    "core.set_language": ["core.index"],
}


def _form_pages(endpoint: str) -> list[str]:
    if endpoint in FORM_PAGES:
        return FORM_PAGES[endpoint]
    return [endpoint] if MATRIX[endpoint].get else []


# --- the tests -----------------------------------------------------------------------------


def _routes(method: str) -> list:
    from conftest import _config_for

    from consult import create_app

    app = create_app(_config_for("sqlite://"))
    return [
        e for e in _matrix_endpoints(app) if method in _methods(app, e) and _role_for(e, method)
    ]


GET_ROUTES = _routes("GET")
POST_ROUTES = _routes("POST")


@pytest.fixture
def world(app, make_user, make_group, make_consultation):
    return build_world(make_user, make_group, make_consultation)


def _path_variants(app, world, endpoint: str):
    """(label, url) for each hostile value in each path parameter of the route."""
    rule = next(app.url_map.iter_rules(endpoint))
    values = MATRIX[endpoint].url_values(world)
    for argument, converter in rule._converters.items():
        is_int = isinstance(converter, IntegerConverter)
        if is_int:
            sentinel = "987654321"
            url = _url(app, world, endpoint, **{argument: int(sentinel)})
        else:  # a choice of words (any) or text: the real value, replaced in the URL
            sentinel = str(values[argument])
            url = _url(app, world, endpoint)
        segments = INT_SEGMENTS if is_int else TEXT_SEGMENTS
        for label, raw in segments.items():
            yield is_int, f"{argument}={label}", url.replace(f"/{sentinel}", f"/{raw}", 1)


def _query_variants(names):
    for name in sorted(names):
        for label, value in KIND_PAYLOADS[QUERY_PARAMETERS[name]].items():
            yield f"{name}={label}", urlencode({name: value})
        yield f"{name}=repeated", urlencode([(name, "1"), (name, "2")])
    if names:
        # Raw bytes that are not UTF-8, and a NUL as it comes from a URL, everywhere at once.
        yield "all=invalid-utf8", "&".join(f"{quote(n)}=%FF%FE" for n in sorted(names))
        yield "all=nul", "&".join(f"{quote(n)}=%00" for n in sorted(names))


def _by_blueprint(endpoints) -> list:
    """Routes grouped by blueprint: one fixture world per group keeps the run short."""
    groups: dict[str, list[str]] = {}
    for endpoint in endpoints:
        groups.setdefault(endpoint.split(".", 1)[0], []).append(endpoint)
    return [pytest.param(sorted(group), id=name) for name, group in sorted(groups.items())]


def _hostile_url_problems(app, login, world, endpoint: str) -> list[str]:
    method = "GET" if endpoint in GET_ROUTES else "POST"
    client = _client(app, login, world, _role_for(endpoint, method))
    problems = []
    for is_int, label, url in _path_variants(app, world, endpoint):
        what = f"{method} {url[:80]} ({label})"
        response = _check(client, method, url, what, problems)
        if is_int and response is not None and response.status_code < 400:
            problems.append(f"{what}: {response.status_code}, expected a 4xx for a missing id")
    if method == "GET":
        url = _url(app, world, endpoint)
        names = _query_names_read(app, client, url)
        unknown = names - set(QUERY_PARAMETERS)
        assert not unknown, f"{endpoint} reads {unknown}: add them to QUERY_PARAMETERS"
        for label, query in _query_variants(names):
            joined = f"{url}{'&' if '?' in url else '?'}{query}"
            _check(client, "GET", joined, f"GET {url} ({label})", problems)
    return problems


@pytest.mark.parametrize("endpoints", _by_blueprint({*GET_ROUTES, *POST_ROUTES}))
def test_hostile_url_never_gives_a_server_error(app, login, world, endpoints):
    """Path parameters of every route, query parameters of every page (those it reads)."""
    problems = []
    for endpoint in endpoints:
        problems += _hostile_url_problems(app, login, world, endpoint)
    assert not problems, "\n".join(problems)


def _field_variants(form: dict):
    base = [tuple(pair) for pair in form["values"]]
    for name, kind in form["fields"].items():
        if kind == "file":
            continue
        others = [(n, v) for n, v in base if n != name]
        for label, value in KIND_PAYLOADS[kind].items():
            yield name, label, [*others, (name, value)]
        if kind != "text":
            # A text payload in a number or choice field, too.
            yield name, "nul-text", [*others, (name, NUL_TEXT)]
        yield name, "repeated", [*others, (name, "1"), (name, "2")]


def _post(client, url, pairs, what, problems):
    return _check(
        client,
        "POST",
        url,
        what,
        problems,
        data=urlencode(pairs).encode(),
        content_type="application/x-www-form-urlencoded",
    )


def _typed_text_kept(response, value: str) -> bool:
    """The page shows the typed text again (control characters removed)."""
    from html import unescape

    visible = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value)
    return visible.strip() in unescape(response.get_data(as_text=True))


BODIES = {
    "empty": (b"", "application/x-www-form-urlencoded"),
    "json": (b'{"body": "x\\u0000", "page": 99999999999999999999}', "application/json"),
    "text": (b"body=x", "text/plain"),
    "invalid-utf8": (
        b"body=\xff\xfe\x00&title=\xc3\x28&email=\xed\xa0\x80",
        "application/x-www-form-urlencoded",
    ),
    "broken-multipart": (b"--x\r\nContent-Disposition: form-data\r\n", "multipart/form-data"),
}


def _forms_to_try(app, login, world, endpoint: str) -> list[dict]:
    forms = _discover_forms(app, login, world, endpoint)
    default_url = _url(app, world, endpoint)
    if not forms:
        forms = [{"action": default_url, "fields": {}, "values": [], "shown": set()}]
    for form in forms:
        form["action"] = form["action"] or default_url
        for name, value in MATRIX[endpoint].post_data(world).items():
            if isinstance(value, str):
                form["fields"].setdefault(name, "text")
                form["values"] = [(n, v) for n, v in form["values"] if n != name]
                form["values"].append((name, value))
    return forms


def _hostile_form_problems(app, login, world, endpoint: str) -> list[str]:
    role = _role_for(endpoint, "POST")
    forms = _forms_to_try(app, login, world, endpoint)
    client = _client(app, login, world, role)
    problems = []
    url = _url(app, world, endpoint)
    for label, (body, content_type) in BODIES.items():
        what = f"POST {url} ({label} body)"
        _check(client, "POST", url, what, problems, data=body, content_type=content_type)
    for form in forms:
        for name, label, pairs in _field_variants(form):
            what = f"POST {form['action']} {name}={label}"
            response = _post(client, form["action"], pairs, what, problems)
            if response is None:
                continue
            if name in form["shown"] and label in ("nul", "control") and _refused(response):
                if not _typed_text_kept(response, dict(pairs)[name]):
                    problems.append(f"{what}: refused without keeping the typed text")
            if response.status_code in (301, 302, 303) and "/login" in response.location:
                client = _client(app, login, world, role)  # the request ended the session
    return problems


@pytest.mark.parametrize("endpoints", _by_blueprint(POST_ROUTES))
def test_hostile_forms_and_bodies_never_give_a_server_error(app, login, world, endpoints):
    """Every field of every form, one at a time; empty, JSON, text and broken bodies."""
    problems = []
    for endpoint in endpoints:
        problems += _hostile_form_problems(app, login, world, endpoint)
    assert not problems, "\n".join(problems)


def test_hostile_headers_never_give_a_server_error(app, login, world):
    client = _client(app, login, world, "organiser")
    problems = []
    headers = {
        "Accept-Language": "id\x00en;q=abc",
        "X-Forwarded-For": "1.2.3.4\x00, ::::",
        "Referer": "http://x/\x00",
        "Cookie": "session=\x00\xff",
        "Host": "localhost",
    }
    for endpoint in ("core.index", "feedback.consultation_overview", "plans.list_consultations"):
        url = _url(app, world, endpoint)
        for name, value in headers.items():
            response = client.get(url, headers={name: value})
            problem = _problem(response, f"GET {url} with {name}")
            if problem:
                problems.append(problem)
    assert not problems, "\n".join(problems)


def test_discovery_finds_the_fields_of_the_comment_form(app, login, world):
    """The suite really fills in forms: the comment form's fields are found on its page."""
    forms = _discover_forms(app, login, world, "feedback.add_comment")
    fields = set().union(*(f["fields"] for f in forms))
    assert {"body", "type"} <= fields


def test_refused_nul_comment_keeps_the_text_and_stores_nothing(app, login, world):
    client = _client(app, login, world, "invited")
    url = _url(app, world, "feedback.add_comment")
    before = _row_count()
    response = client.post(url, data={"type": "other", "body": "Ini komentar\x00 saya"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html
    assert "Ini komentar saya" in html
    assert _row_count() == before


# --- the 500s reported on PostgreSQL, one by one --------------------------------------------


def test_nul_in_the_login_email_is_a_field_error(app, client, world):
    response = client.post("/login", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code in (200, 400, 422)
    assert 'aria-invalid="true"' in response.text
    assert "a@example.org" in response.text  # what was typed, without the NUL


@pytest.mark.parametrize("page", ["99999999999999999999", "0", "-1", "abc", "2147483648"])
def test_a_page_number_that_is_no_page_is_404(app, login, world, page):
    client = _client(app, login, world, "organiser")
    for url in ("/c/", "/moderation", "/audit", "/my-input", "/notifications", "/outbox"):
        assert client.get(f"{url}?page={page}").status_code == 404, url
    assert client.get("/my-input?rpage=" + page).status_code == 404


def test_a_page_past_the_last_is_an_empty_list(app, login, world):
    client = _client(app, login, world, "organiser")
    assert client.get("/moderation?page=2147483647").status_code == 200


@pytest.mark.parametrize(
    "query", ["actor=%00", "action=%00", "actor=a%01b", "consultation=" + HUGE_INT]
)
def test_audit_filters_refuse_hostile_values_with_a_field_error(app, login, world, query):
    client = _client(app, login, world, "organiser")
    response = client.get(f"/audit?{query}")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text


@pytest.mark.parametrize(
    "query", ["type=-1", "type=tidak-ada", "view=%00", "group=" + HUGE_INT, "section=-5"]
)
def test_queue_filters_refuse_hostile_values_with_a_field_error(app, login, world, query):
    client = _client(app, login, world, "organiser")
    response = client.get(f"/moderation?{query}")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text


def test_huge_ids_in_urls_are_404(app, login, world):
    client = _client(app, login, world, "organiser")
    assert client.get(f"/c/{HUGE_INT}").status_code == 404
    assert client.get("/c/2147483648").status_code == 404
    assert client.get(f"/c/{world.a.id}/strategies/{HUGE_INT}").status_code == 404


def test_every_form_refuses_control_characters(app):
    """Every form class of the app derives from consult.inputs.Form (and so gets its check)."""
    import importlib
    import pkgutil

    from flask_wtf import FlaskForm

    import consult
    from consult.inputs import Form

    for module in pkgutil.walk_packages(consult.__path__, "consult."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = [c for c in subclasses(FlaskForm) if c.__module__.startswith("consult.")]
    assert len(ours) > 20
    strays = [f"{c.__module__}.{c.__name__}" for c in ours if not issubclass(c, Form)]
    assert not strays, f"forms not derived from consult.inputs.Form: {strays}"


# --- files whose text reaches the database ---------------------------------------------------


def _upload_file(client, url: str, content: bytes, filename: str):
    return client.post(
        url, data={"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data"
    )


@pytest.mark.parametrize("cell", [b"Siti\x00 Rahma", b"Siti\x1b[31m Rahma"])
def test_a_participant_csv_with_control_characters_imports_nobody(app, login, world, cell):
    client = _client(app, login, world, "organiser")
    before = _row_count()
    content = b"name,email,organisation,group\n" + cell + b",siti@example.org,UPR,KADIN\n"
    response = _upload_file(client, f"/c/{world.a.id}/participants/import", content, "p.csv")
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)
    assert _row_count() == before


def test_an_imported_plan_loses_its_control_characters_and_says_so(app, login, world):
    from html import unescape

    client = _client(app, login, world, "organiser")
    content = b"# 9 Bab\x01 baru\n\n## 9.1 Sasaran\x1b baru\n\nIsi\x7f bab.\n"
    response = _upload_file(client, f"/c/{world.a.id}/import", content, "rencana.md")
    response = client.get(response.headers["Location"], follow_redirects=True)  # the preview
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert 'data-problem="control_characters"' in html
    assert "Bab baru" in html and "Sasaran baru" in html
    assert "\x01" not in html and "\x1b" not in html
