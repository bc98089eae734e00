"""Browser journeys: Playwright drives Debian's Chromium against a real server on 127.0.0.1.

The server runs in a thread of this process, on its own SQLite file with the demo seeded.
Without a Chromium binary these tests are skipped, loudly (make test tries to install it).
"""

import functools
import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import make_server

from config import TestingConfig
from consult import create_app
from consult.extensions import db

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
# Copied to docs/screenshots by `make screenshots`, shown in the README.
README_SCREENSHOTS = {
    "id-desktop-demo-overview",
    "id-desktop-demo-strategy",
    "id-desktop-02-import-preview",
    "id-desktop-07-moderation",
    "id-desktop-demo-analysis",
    "id-desktop-demo-responses",
    "en-desktop-09-you-said-we-did",
    "en-desktop-06-my-input",
    "id-phone-strategy",
    "id-phone-06-my-input",
}
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
DEMO_PASSWORD = "rembuk-demo-2042"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    message = "Chromium is not installed: BROWSER TESTS SKIPPED (apt-get install chromium)"
    print(f"\n\n*** {message} ***\n")
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=message))


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    database = tmp_path_factory.mktemp("e2e") / "e2e.sqlite"
    uploads = tmp_path_factory.mktemp("e2e-uploads")
    config = type(
        "E2EConfig",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "UPLOAD_FOLDER": str(uploads),
            "EXPORT_FOLDER": str(tmp_path_factory.mktemp("e2e-exports")),
            "WTF_CSRF_ENABLED": True,
            "PUBLIC_BASE_URL": "http://127.0.0.1",
        },
    )
    app = create_app(config)
    with app.app_context():
        upgrade()
        from consult.demo import seed

        seed()
        db.session.commit()
        db.session.remove()
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport_name(request):
    return request.param


@pytest.fixture
def new_page(browser):
    """Open a fresh browser context (own cookies) in a language and viewport.

    Confirmation dialogs are accepted, as a user clicking "OK" would; a JavaScript error on
    any page fails the test.
    """
    contexts = []
    errors = []

    def _new_page(viewport="desktop", locale="id-ID", javascript=True):
        context = browser.new_context(
            viewport=VIEWPORTS[viewport],
            locale=locale,
            java_script_enabled=javascript,
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    yield _new_page
    for context in contexts:
        context.close()
    assert not errors, "JavaScript errors: " + "; ".join(errors)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact (test-artifacts/screenshots).

    With UPDATE_SCREENSHOTS=1 (make screenshots) the ones named in README_SCREENSHOTS are
    also copied to docs/screenshots for the README; of a phone page, the README gets the first
    screen, as the person holding the phone sees it (a whole page is many screens tall).
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" and name in README_SCREENSHOTS:
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        readme = DOCS_SCREENSHOTS / f"{name}.png"
        if "-phone-" in name:
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(readme), full_page=False)
        else:
            shutil.copyfile(path, readme)
    return path


def switch_language(page, code: str) -> None:
    """Choose the interface language with the switcher in the header; returns once the page
    that comes back is in that language."""
    from playwright.sync_api import expect

    html = page.locator("html")
    if html.get_attribute("lang") == code:
        return
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        # The phone menu slides open: clicked mid-slide, the button may not be hit at all.
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    # Not inside expect_navigation(): a click that cannot happen then says why, instead of
    # surfacing as "waiting for navigation" (and the wait below spans the navigation anyway).
    page.locator(f".lang-switch button[value={code}]").click()
    expect(html).to_have_attribute("lang", code)
    # The new page's lang is there as soon as it is parsed, its stylesheets maybe not: on a
    # busy machine the collapsed phone menu was still unstyled, and its links visible.
    page.wait_for_load_state("load")


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching selector has the keyboard focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


@functools.cache
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()  # reads the axe-core script once


def assert_accessible(page, name: str) -> None:
    """axe-core finds no serious or critical WCAG 2.1 AA violation on the page."""
    results = _axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
            # Only violations are read: details of passing checks would only cost time.
            "resultTypes": ["violations"],
        },
    )
    serious = [
        violation
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    summary = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}" for v in serious
    ]
    assert not serious, f"axe on {name}: " + "; ".join(summary)


def log_in(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


@pytest.fixture(autouse=True)
def demo_accounts_back_in_their_default_language(request):
    """After each browser test the demo accounts have no language of their own again: the
    choice is stored on the account, and a journey in English must not leave the next one,
    which reads Indonesian labels, an English page."""
    yield
    if "live_server" not in request.fixturenames:
        return
    from sqlalchemy import update

    from consult.auth.models import User

    with request.getfixturevalue("live_server").app.app_context():
        db.session.execute(update(User).values(locale=None))
        db.session.commit()


@pytest.fixture(scope="session")
def demo(live_server):
    """Ids of the seeded demo consultation, of its first section and strategy (shown in the
    README screenshots, so only looked at) and of its last strategy, where tests may write."""
    from sqlalchemy import select

    from consult.plans.models import Chapter, Consultation, Section, Strategy

    with live_server.app.app_context():
        consultation = db.session.scalars(select(Consultation).order_by(Consultation.id)).first()
        strategies = db.session.scalars(
            select(Strategy)
            .join(Section)
            .join(Chapter)
            .where(Chapter.consultation_id == consultation.id)
            .order_by(Chapter.position, Section.position, Strategy.position)
        ).all()
        ids = {
            "consultation": consultation.id,
            "section": strategies[0].section.id,
            "strategy": strategies[0].id,
            "scratch_strategy": strategies[-1].id,
        }
        db.session.remove()
    return ids
