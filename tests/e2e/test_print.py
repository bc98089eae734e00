"""Printing a strategy or a report gives the content, without the application around it."""

from .conftest import ARTIFACTS, log_in


def test_strategy_and_report_pages_print_without_navigation_or_forms(live_server, new_page, demo):
    base = live_server.url
    cid = demo["consultation"]
    page = new_page("desktop")
    log_in(page, base, "organiser@example.org")

    page.goto(f"{base}/c/{cid}/strategies/{demo['strategy']}")
    page.emulate_media(media="print")
    assert not page.locator("header").is_visible()
    assert not page.locator("#comment-form").is_visible()
    assert not page.locator(".organiser-tools").is_visible()
    assert page.locator(".plan-text").is_visible()
    assert page.locator("article[id^=comment-]").first.is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(ARTIFACTS / "print-strategy.pdf"))

    for report in ("you-said-we-did", "analysis"):
        page.emulate_media(media="screen")
        page.goto(f"{base}/c/{cid}/{report}")
        assert page.locator(".organiser-tools").is_visible()
        assert page.locator(".breadcrumb").is_visible()
        page.emulate_media(media="print")
        assert not page.locator(".organiser-tools").is_visible()
        assert not page.locator(".breadcrumb").is_visible()
        assert not page.locator("footer").is_visible()
        assert page.locator("main h1").is_visible()
        page.pdf(path=str(ARTIFACTS / f"print-{report}.pdf"))
