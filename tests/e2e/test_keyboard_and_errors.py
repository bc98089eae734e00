"""Forms work with the keyboard alone, and their errors are announced and tied to the field."""

from urllib.parse import urlsplit

from .conftest import DEMO_PASSWORD, assert_accessible, log_in, screenshot, tab_to


def _focused(page, attribute: str = "name") -> str | None:
    return page.evaluate(f"document.activeElement.getAttribute('{attribute}')")


def _error_tied_to(page, field_id: str) -> str:
    """The field is marked invalid and described by an alert holding the message."""
    field = page.locator(f"#{field_id}")
    assert field.get_attribute("aria-invalid") == "true"
    described = (field.get_attribute("aria-describedby") or "").split()
    assert f"{field_id}-error" in described
    error = page.locator(f"#{field_id}-error")
    assert error.get_attribute("role") == "alert"
    assert error.is_visible()
    return error.inner_text().strip()


def test_login_form_works_with_the_keyboard_alone(live_server, new_page):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/login")
    tab_to(page, "input[name=email]")
    page.keyboard.type("dinas@example.org")
    page.keyboard.press("Tab")
    assert _focused(page) == "password"
    page.keyboard.type(DEMO_PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/c/"
    assert page.locator("form[action='/logout']").count() == 1


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(live_server, new_page):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/login")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert urlsplit(page.url).fragment == "main"


def test_failed_login_ties_the_error_to_the_field_and_keeps_the_email(live_server, new_page):
    page = new_page("desktop")
    page.goto(f"{live_server.url}/login")
    page.fill("#email", "dinas@example.org")
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    assert _error_tied_to(page, "password")
    assert page.locator("#email").input_value() == "dinas@example.org"
    screenshot(page, "id-desktop-login-error")
    assert_accessible(page, "login with an error")

    page.fill("#password", "not-the-password")
    with page.expect_navigation():
        page.locator("main form [type=submit]").click()
    alert = page.locator(".flash-area [role=alert]")
    assert alert.count() == 1 and alert.inner_text().strip()


def test_comment_form_works_with_the_keyboard_alone(live_server, new_page, demo):
    page = new_page("desktop")
    log_in(page, live_server.url, "industri@example.org")
    strategy = f"{live_server.url}/c/{demo['consultation']}/strategies/{demo['scratch_strategy']}"
    # The fragment moves the starting point of keyboard navigation to the form.
    page.goto(f"{strategy}#comment-form")
    tab_to(page, "#comment-form input[name=type]:checked")
    page.keyboard.press("ArrowLeft")  # "Other" -> "Question"
    assert page.evaluate("document.activeElement.value") == "question"
    tab_to(page, "#comment-form textarea[name=body]")
    text = "Dengan papan ketik saja: kapan pelatihan perajin dimulai?"
    page.keyboard.type(text)
    tab_to(page, "#comment-form [type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    card = page.locator("article[id^=comment-]", has_text=text)
    assert card.count() == 1
    assert page.locator("#comment-form textarea[name=body]").input_value() == ""


def test_empty_comment_shows_an_error_tied_to_the_comment_field(live_server, new_page, demo):
    page = new_page("desktop")
    log_in(page, live_server.url, "industri@example.org")
    strategy = f"{live_server.url}/c/{demo['consultation']}/strategies/{demo['scratch_strategy']}"
    page.goto(strategy)
    page.check("#comment-form input[name=type][value=change]")
    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    assert _error_tied_to(page, "body")
    assert _error_tied_to(page, "proposed_wording")
    assert page.locator("#comment-form .alert-danger[role=alert]").count() == 1
    # The choice made is kept.
    assert page.locator("#comment-form input[name=type][value=change]").is_checked()
    assert_accessible(page, "comment form with errors")
