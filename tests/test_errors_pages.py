"""Generic error pages: translated, and nothing internal leaks."""

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import abort
from sqlalchemy import func, select

from consult.auth.models import User
from consult.extensions import babel, db

# Indonesian strings for the test catalogue: proves the pages go through gettext, whatever
# the real catalogue holds at the moment.
INDONESIAN = {
    "Not found": "Tidak ditemukan",
    "Something went wrong": "Terjadi kesalahan",
    "File too large": "Berkas terlalu besar",
    "Not allowed": "Tidak diizinkan",
    "Bad request": "Permintaan tidak valid",
    "Too many attempts": "Terlalu banyak percobaan",
}
TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "File too large",
    429: "Too many attempts",
    500: "Something went wrong",
}


@pytest.fixture(autouse=True)
def fresh_translations_cache(app):
    """flask-babel caches catalogues per locale across apps: load (and forget) the test one."""
    babel.domain_instance.cache.clear()
    yield
    babel.domain_instance.cache.clear()


@pytest.fixture
def config_overrides(tmp_path):
    catalog = Catalog(locale="id", domain="messages")
    for english, indonesian in INDONESIAN.items():
        catalog.add(english, indonesian)
    folder = tmp_path / "translations" / "id" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    return {
        "PROPAGATE_EXCEPTIONS": False,
        "MAX_CONTENT_LENGTH": 2048,
        "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations"),
    }


@pytest.fixture
def error_routes(app):
    """Test-only routes that fail on purpose."""

    def abort_with(code):
        abort(code)

    def crash():
        raise RuntimeError("secret internal detail /srv/rembuk/consult/feedback/services.py")

    def crash_inside_transaction():
        existing = db.session.scalars(select(User)).first()
        db.session.add(User(email=existing.email, name="Duplicate"))
        db.session.flush()  # IntegrityError: the session must be rolled back

    app.add_url_rule("/_test/abort/<int:code>", view_func=abort_with)
    app.add_url_rule("/_test/crash", view_func=crash)
    app.add_url_rule("/_test/crash-db", view_func=crash_inside_transaction)
    return app


def _use_language(client, lang):
    with client.session_transaction() as session:
        session["lang"] = lang


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500])
def test_each_error_code_has_a_generic_page_in_english(client, error_routes, code):
    _use_language(client, "en")
    response = client.get(f"/_test/abort/{code}")
    assert response.status_code == code
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f"<title>{TITLES[code]} · Rembuk</title>" in page
    assert "Go to the start page" in page


@pytest.mark.parametrize("code", [400, 404, 413, 429, 500])
def test_error_pages_speak_indonesian_by_default(client, error_routes, code):
    response = client.get(f"/_test/abort/{code}")
    page = response.get_data(as_text=True)
    assert '<html lang="id">' in page
    assert f"<title>{INDONESIAN[TITLES[code]]} · Rembuk</title>" in page


def test_unknown_url_gets_the_not_found_page(client):
    _use_language(client, "en")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_wrong_method_gets_the_405_page(client):
    _use_language(client, "en")
    response = client.get("/language")
    assert response.status_code == 405
    assert "<title>Not allowed · Rembuk</title>" in response.get_data(as_text=True)


def test_request_larger_than_max_content_length_gets_413(client):
    _use_language(client, "en")
    response = client.post("/language", data={"lang": "en", "next": "x" * 10_000})
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_crash_shows_a_generic_page_without_internals(client, error_routes):
    _use_language(client, "en")
    response = client.get("/_test/crash")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    for leak in ("Traceback", "RuntimeError", "secret internal detail", "/srv/rembuk", ".py"):
        assert leak not in page


def test_crash_inside_a_transaction_is_rolled_back_and_the_page_still_renders(
    client, error_routes, make_user, login
):
    user = make_user(name="Siti Rahma")
    login(user)
    _use_language(client, "en")
    response = client.get("/_test/crash-db")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    # The page needs the database (it shows who is logged in): only works after a rollback.
    assert "Something went wrong" in page
    assert "Siti Rahma" in page
    for leak in ("IntegrityError", "UNIQUE", "duplicate key", "Traceback"):
        assert leak not in page
    db.session.remove()
    assert db.session.scalar(select(func.count(User.id))) == 1
