"""On a phone: the key pages fit the screen, the menu opens, and axe finds no serious problem."""

import pytest

from .conftest import assert_accessible, log_in, screenshot, switch_language

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_key_pages_fit_a_phone_and_are_accessible(live_server, new_page, demo, lang):
    base = live_server.url
    cid = demo["consultation"]
    page = new_page("phone")

    page.goto(f"{base}/login")
    assert page.evaluate(OVERFLOW) <= 0
    log_in(page, base, "kadin@example.org")
    switch_language(page, lang)

    # The collapsed menu opens from its toggle button and leads to "My input".
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    assert not page.locator("#main-nav a[href='/my-input']").is_visible()
    toggler.click()
    assert toggler.get_attribute("aria-expanded") == "true"
    my_input = page.locator("#main-nav a[href='/my-input']")
    my_input.wait_for(state="visible")
    with page.expect_navigation():
        my_input.click()

    pages = {
        "my-input": "/my-input",
        "consultations": "/c/",
        "overview": f"/c/{cid}",
        "section": f"/c/{cid}/sections/{demo['section']}",
        "strategy": f"/c/{cid}/strategies/{demo['strategy']}",
        "notifications": "/notifications",
    }
    for name, path in pages.items():
        page.goto(base + path)
        assert page.locator("html").get_attribute("lang") == lang
        assert page.evaluate(OVERFLOW) <= 0, f"{name} scrolls sideways on a phone"
        screenshot(page, f"{lang}-phone-{name}")
        assert_accessible(page, f"{name} on a phone")
