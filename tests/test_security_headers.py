"""Security headers, cookie flags, session lifetime and the production secret check."""

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from config import ProductionConfig
from consult import create_app

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    return directives


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    response = client.get("/does-not-exist")
    directives = _csp_directives(response)
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["default-src"] == "'self'"


def test_pages_forbid_framing_sniffing_and_leaking_referrers(client):
    response = client.get("/healthz")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_hsts_over_plain_http(client):
    response = client.get("/healthz")
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_when_served_over_https(client):
    response = client.get("/healthz", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize(
    ("config_overrides", "expect_hsts"),
    [({"TRUSTED_PROXY_COUNT": 1}, True), ({"TRUSTED_PROXY_COUNT": 0}, False)],
    indirect=["config_overrides"],
)
def test_hsts_behind_a_trusted_proxy_only(client, expect_hsts):
    response = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert ("Strict-Transport-Security" in response.headers) is expect_hsts


@pytest.fixture
def config_overrides(request):
    return getattr(request, "param", {})


def _seconds_until_expiry(cookie: str) -> float:
    expires = re.search(r"Expires=([^;]+)", cookie)
    assert expires, f"session cookie without expiry: {cookie}"
    return (parsedate_to_datetime(expires.group(1)) - datetime.now(UTC)).total_seconds()


def _set_cookie_for(response, name: str) -> str:
    headers = [value for value in response.headers.getlist("Set-Cookie") if value.startswith(name)]
    assert headers, f"no {name} cookie set"
    return headers[-1]


def test_session_cookie_is_httponly_lax_and_expires_with_the_session_lifetime(client, app):
    response = client.post("/language", data={"lang": "en", "next": "/"})
    cookie = _set_cookie_for(response, "session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    # A permanent session: the cookie expires after PERMANENT_SESSION_LIFETIME, not "never".
    lifetime = _seconds_until_expiry(cookie)
    expected = app.permanent_session_lifetime.total_seconds()
    assert expected - 60 <= lifetime <= expected
    assert lifetime <= 8 * 3600


def test_anonymous_probe_gets_no_session_cookie(client):
    response = client.get("/healthz")
    assert not response.headers.getlist("Set-Cookie")


@pytest.fixture
def production_app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-for-this-test")
    config = type(
        "ProductionTestConfig",
        (ProductionConfig,),
        {
            "SECRET_KEY": "a-long-random-production-secret-for-this-test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "RATELIMIT_STORAGE_URI": "memory://",
        },
    )
    app = create_app(config)
    yield app
    with app.app_context():
        from consult.extensions import db

        db.session.remove()
        db.engine.dispose()


def test_production_cookies_are_secure_httponly_and_lax(production_app):
    client = production_app.test_client()
    page = client.get("/does-not-exist", base_url="https://localhost")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token, "the error page renders the language form with a CSRF token"
    response = client.post(
        "/language",
        data={"lang": "en", "next": "/", "csrf_token": token.group(1)},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/does-not-exist"},
    )
    assert response.status_code == 302
    cookie = _set_cookie_for(response, "session=")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert 0 < _seconds_until_expiry(cookie) <= 8 * 3600
    assert production_app.config["REMEMBER_COOKIE_SECURE"] is True
    assert production_app.config["REMEMBER_COOKIE_HTTPONLY"] is True


def test_production_rejects_a_post_without_csrf_token(production_app):
    client = production_app.test_client()
    response = client.post("/language", data={"lang": "en"}, base_url="https://localhost")
    assert response.status_code == 400


def test_production_refuses_to_start_without_secret_key(monkeypatch, database_url):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    config = type(
        "ProductionNoSecret", (ProductionConfig,), {"SQLALCHEMY_DATABASE_URI": database_url}
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app(config)


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
_JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)


def test_templates_use_no_inline_script_that_the_policy_would_block():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for pattern in (_INLINE_SCRIPT, _EVENT_HANDLER, _JS_URL):
            for match in pattern.finditer(text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)[:60]}")
    assert not offenders, "CSP blocks inline scripts; move them to static/js: " + "; ".join(
        offenders
    )
