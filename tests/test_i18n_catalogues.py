"""The Indonesian and English catalogues are complete, consistent and actually used.

A new user-visible string without an Indonesian translation fails
test_every_source_string_has_an_indonesian_translation with the list of missing msgids:
run `make extract-messages`, translate, `make translations` (see docs/translating.md).
"""

import os
import re
import shlex
from fnmatch import fnmatch
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext, refresh

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "consult" / "translations"
LANGS = ("id", "en")
# The same as scripts/translations.py: named and bare %-placeholders, a literal %%, {name}.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]?\d*(?:\.\d+)?[sdifrx]|%[sdifr]|%%|\{\w*\}")


def _read(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _po(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def _key(message_id) -> str:
    return message_id[0] if isinstance(message_id, (list, tuple)) else message_id


def _strings(message) -> list[str]:
    if isinstance(message.string, (list, tuple)):
        return list(message.string)
    return [message.string or ""]


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def template():
    return _read(TRANSLATIONS / "messages.pot")


@pytest.fixture(scope="module")
def catalogues():
    return {lang: _read(_po(lang)) for lang in LANGS}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """Compile a stale or missing .mo as `make translations` would, so the UI tests see it."""
    for lang in LANGS:
        po, mo = _po(lang), _po(lang).with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            catalog = _read(po)
            with mo.open("wb") as fh:
                write_mo(fh, catalog)


@pytest.fixture
def config_overrides():
    """The product's own default language (the shared default for feature tests is English)."""
    return {}


@pytest.fixture
def client(app):
    """A client whose every request chooses its locale anew.

    The test app context outlives requests, and Flask-Babel caches the locale on it; a real
    request has its own context, so the choice would never be stale in production.
    """
    app.before_request(refresh)
    return app.test_client()


def _source_msgids() -> dict[str, str]:
    """Extract msgids from the code and templates now, as `make extract-messages` does."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    declared = re.search(r"^BABEL_KEYWORDS := (.*)$", makefile, re.M).group(1)
    keywords = dict(DEFAULT_KEYWORDS)
    keywords.update(parse_keywords([word for word in shlex.split(declared) if word != "-k"]))
    ignored = re.search(r"^BABEL_IGNORE_DIRS := (.*)$", makefile, re.M).group(1).split()

    def directory_filter(path: str) -> bool:
        return not any(fnmatch(os.path.basename(path), pattern) for pattern in ignored)

    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords, directory_filter=directory_filter
    ):
        found.setdefault(_key(message), f"{filename}:{lineno}")
    return found


def test_extraction_covers_the_macros_folder():
    """Babel skips "_" folders by default; templates/_macros holds user-visible strings."""
    assert any(where.startswith("templates/_macros/") for where in _source_msgids().values())


def test_makefile_extracts_lazy_and_plural_keywords():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for keyword in ("_l", "lazy_gettext", "lazy_ngettext:1,2"):
        assert f"-k {keyword} " in makefile + " ", keyword
    cfg = (ROOT / "babel.cfg").read_text(encoding="utf-8")
    for pattern in ("consult/**.py", "templates/**.html", "templates/**.txt"):
        assert pattern in cfg


@pytest.mark.parametrize("lang", LANGS)
def test_every_template_entry_is_translated(template, catalogues, lang):
    catalog = catalogues[lang]
    missing = []
    for entry in template:
        if not entry.id:
            continue
        message = catalog.get(entry.id)
        if (
            message is None
            or "fuzzy" in message.flags
            or not all(s.strip() for s in _strings(message))
        ):
            missing.append(_key(entry.id))
    assert not missing, f"{lang}: untranslated or fuzzy msgids:\n" + "\n".join(missing)


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_the_placeholders_of_their_msgid(catalogues, lang):
    wrong = []
    for message in catalogues[lang]:
        if not message.id:
            continue
        ids = list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]
        for text in _strings(message):
            if _placeholders(text) not in [_placeholders(i) for i in ids]:
                wrong.append(f"{_key(message.id)!r} -> {text!r}")
    assert not wrong, f"{lang}: placeholders differ:\n" + "\n".join(wrong)


def test_indonesian_has_one_plural_form_and_english_two(catalogues):
    assert catalogues["id"].num_plurals == 1
    assert catalogues["en"].num_plurals == 2


def test_english_catalogue_is_the_source_text(catalogues):
    differing = [
        _key(m.id)
        for m in catalogues["en"]
        if m.id and _strings(m) != (list(m.id) if isinstance(m.id, (list, tuple)) else [m.id])
    ]
    assert not differing


def test_indonesian_catalogue_is_really_translated(catalogues):
    """Guard against an English copy: most entries (not all: FGD, Status) must differ."""
    entries = [m for m in catalogues["id"] if m.id]
    copied = [m for m in entries if _strings(m)[0] == _key(m.id)]
    assert len(copied) < len(entries) * 0.05, [_key(m.id) for m in copied]


def test_every_source_string_has_an_indonesian_translation(catalogues):
    translated = {
        _key(m.id) for m in catalogues["id"] if m.id and "fuzzy" not in m.flags and all(_strings(m))
    }
    missing = {msgid: where for msgid, where in _source_msgids().items() if msgid not in translated}
    assert not missing, (
        "Strings without an Indonesian translation (run `make extract-messages`, translate, "
        "see docs/translating.md):\n"
        + "\n".join(f"  {where}: {msgid!r}" for msgid, where in sorted(missing.items()))
    )


def test_anonymous_first_visit_is_in_indonesian(client):
    page = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="id"' in html
    assert "Lupa kata sandi?" in html
    assert "Forgot your password?" not in html


def test_language_switch_changes_the_interface(client):
    html_id = client.get("/login").get_data(as_text=True)
    assert "Lupa kata sandi?" in html_id and ">Masuk<" in html_id

    client.post("/language", data={"lang": "en", "next": "/login"})
    html_en = client.get("/login").get_data(as_text=True)
    assert '<html lang="en"' in html_en
    assert "Forgot your password?" in html_en and ">Log in<" in html_en
    assert "Lupa kata sandi?" not in html_en

    client.post("/language", data={"lang": "id", "next": "/login"})
    assert "Lupa kata sandi?" in client.get("/login").get_data(as_text=True)


def test_an_account_in_english_sees_english_after_login(client, login, make_user):
    login(make_user(locale="en"))
    html = client.get("/account").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Log out" in html


def test_plurals_and_formatting_follow_the_locale(app):
    with app.test_request_context():
        with force_locale("id"):
            assert ngettext("%(num)d comment", "%(num)d comments", 1) == "1 masukan"
            assert ngettext("%(num)d comment", "%(num)d comments", 3) == "3 masukan"
            assert gettext("Hello %(name)s,", name="Siti") == "Yth. Siti,"
        with force_locale("en"):
            assert ngettext("%(num)d comment", "%(num)d comments", 1) == "1 comment"
            assert ngettext("%(num)d comment", "%(num)d comments", 3) == "3 comments"


def test_wtforms_own_messages_are_translated_too(client):
    html_id = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "Isian ini wajib diisi." in html_id
    assert "This field is required." not in html_id

    client.post("/language", data={"lang": "en", "next": "/login"})
    html_en = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    assert "This field is required." in html_en
