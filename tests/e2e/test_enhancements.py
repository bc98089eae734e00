"""JavaScript only enhances: drafts survive a reload, ratings save without one, and every
essential action also works with JavaScript switched off."""

from .conftest import log_in

DRAFT_KEYS = "Object.keys(localStorage).filter(k => k.startsWith('rembuk-draft:'))"


def _strategy_url(live_server, demo):
    return f"{live_server.url}/c/{demo['consultation']}/strategies/{demo['scratch_strategy']}"


def _type_comment(page, text):
    page.locator("#comment-form textarea[name=body]").click()
    page.keyboard.type(text)
    # Polled from Python: wait_for_function would need eval, which the CSP forbids.
    for _ in range(50):
        if page.evaluate(DRAFT_KEYS):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the draft was not saved")


def test_comment_draft_survives_a_reload_and_is_cleared_once_posted(live_server, new_page, demo):
    page = new_page("desktop")
    log_in(page, live_server.url, "akademisi@example.org")
    page.goto(_strategy_url(live_server, demo))
    text = "Draf yang tidak boleh hilang: kajian kelayakan sentra rotan."
    _type_comment(page, text)

    page.reload()
    body = page.locator("#comment-form textarea[name=body]")
    assert body.input_value() == text
    assert page.locator("#comment-form .js-status [class*=alert]").is_visible()

    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    assert page.locator("article[id^=comment-]", has_text=text).count() == 1
    assert page.evaluate(DRAFT_KEYS) == []
    page.reload()
    assert page.locator("#comment-form textarea[name=body]").input_value() == ""


def test_comment_draft_is_kept_when_the_server_refuses_the_comment(live_server, new_page, demo):
    page = new_page("desktop")
    log_in(page, live_server.url, "akademisi@example.org")
    page.goto(_strategy_url(live_server, demo))
    page.check("#comment-form input[name=type][value=change]")
    _type_comment(page, "Usulan perubahan tanpa rumusan pengganti.")
    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    assert page.locator("#proposed_wording").get_attribute("aria-invalid") == "true"
    assert len(page.evaluate(DRAFT_KEYS)) == 1
    page.evaluate("localStorage.clear()")


def test_ratings_are_saved_without_reloading_the_page(live_server, new_page, demo):
    page = new_page("desktop")
    log_in(page, live_server.url, "dinas@example.org")
    page.goto(_strategy_url(live_server, demo))
    page.evaluate("window.__samePage = true")
    groups = page.locator("#ratings fieldset").all()
    assert groups
    for group in groups:
        group.locator("input[value='2']").check()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("#ratings [type=submit]").click()
    assert posted.value.request.headers.get("x-requested-with") == "fetch"
    status = page.locator("#ratings .js-status [role=status], #ratings .js-status[role=status]")
    status.first.wait_for()
    assert page.evaluate("window.__samePage === true")

    page.reload()
    assert page.locator("#ratings input[value='2']:checked").count() == len(groups)


def test_rating_and_commenting_work_without_javascript(live_server, new_page, demo):
    page = new_page("desktop", javascript=False)
    log_in(page, live_server.url, "kadin@example.org")
    page.goto(_strategy_url(live_server, demo))
    for group in page.locator("#ratings fieldset").all():
        group.locator("input[value='5']").check()
    with page.expect_navigation():
        page.locator("#ratings [type=submit]").click()
    assert page.locator(".flash-area .alert-success").count() == 1
    assert page.locator("#ratings input[value='5']:checked").count() >= 1

    page.fill("#comment-form textarea[name=body]", "Tanpa JavaScript pun komentar terkirim.")
    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    text = "Tanpa JavaScript pun komentar terkirim."
    assert page.locator("article[id^=comment-]", has_text=text).count() == 1
