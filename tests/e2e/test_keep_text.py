"""Nothing typed is lost, errors are in sight, replies keep their context: on a phone and at a
desk, with and without JavaScript. Every test runs in both viewports (the viewport_name fixture)."""

from sqlalchemy import select

from consult.extensions import db
from consult.feedback.models import Comment

from .conftest import DEMO_PASSWORD, assert_accessible, log_in, screenshot

DRAFT_KEYS = "Object.keys(localStorage).filter(k => k.startsWith('rembuk-draft:'))"
LIMIT = 10 * 1024 * 1024  # MAX_UPLOAD_BYTES of the test server (the default)


def _strategy_url(live_server, demo):
    return f"{live_server.url}/c/{demo['consultation']}/strategies/{demo['scratch_strategy']}"


def _open(new_page, viewport, live_server, demo, email="akademisi@example.org", **kw):
    page = new_page(viewport, **kw)
    log_in(page, live_server.url, email)
    page.goto(_strategy_url(live_server, demo))
    return page


def _type_comment(page, text):
    page.locator("#comment-form textarea[name=body]").click()
    page.keyboard.type(text)
    # Polled from Python: wait_for_function would need eval, which the CSP forbids.
    for _ in range(50):
        if page.evaluate(DRAFT_KEYS):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the draft was not saved")


def _body(page):
    return page.locator("#comment-form textarea[name=body]")


def _about(page):
    """The comment form's "About" select: the whole text or one paragraph."""
    return page.locator("#comment-form select[name=paragraph_index]")


def _at_least_24px(locator):
    box = locator.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24, box


def _stored(live_server, text):
    with live_server.app.app_context():
        comment = db.session.scalar(select(Comment).where(Comment.body == text))
        found = (comment.body, comment.paragraph_index, comment.parent_id) if comment else None
        db.session.remove()
    return found


def _focused(page, selector):
    return page.evaluate("(s) => document.activeElement.matches(s)", selector)


def _pdf(folder, size):
    # A file on disk: the browser reads it itself (a buffer this large is slow to hand over).
    path = folder / f"besar-{size}.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"0" * size)
    return str(path)


def test_choosing_a_paragraph_keeps_the_text_and_shows_the_number(
    live_server, new_page, demo, viewport_name
):
    page = _open(new_page, viewport_name, live_server, demo)
    text = f"Paragraf dipilih setelah menulis ({viewport_name})."
    _type_comment(page, text)
    page.evaluate("window.__samePage = true")
    link = page.locator(".js-choose-paragraph").last
    index = int(link.get_attribute("data-paragraph"))
    number = page.locator(f"#p{index}-number")
    assert number.is_visible() and str(index + 1) in number.inner_text()
    link.click()

    assert page.evaluate("window.__samePage === true")  # no reload
    assert _body(page).input_value() == text
    assert _about(page).input_value() == str(index)
    assert f"paragraf {index + 1}" in page.locator("#comment-form-heading").inner_text().lower()
    assert _focused(page, "#comment-form textarea[name=body]")
    # No "Cancel" for a paragraph: the select changes it.
    assert page.locator("#comment-form .js-cancel-context").is_hidden()

    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    card = page.locator("article[id^=comment-]", has_text=text)
    assert card.count() == 1
    assert f"Paragraf {index + 1}" in card.inner_text()
    assert page.evaluate(DRAFT_KEYS) == []


def test_the_about_select_changes_the_paragraph_and_the_heading_in_place(
    live_server, new_page, demo, viewport_name
):
    page = _open(new_page, viewport_name, live_server, demo)
    text = f"Paragraf dipilih di formulir ({viewport_name})."
    _type_comment(page, text)
    page.evaluate("window.__samePage = true")
    about = _about(page)
    assert page.locator("#comment-form label[for=paragraph_index]").count() == 1
    _at_least_24px(about)
    assert about.input_value() == ""  # the whole text
    about.focus()
    about.select_option("0")
    assert page.evaluate("window.__samePage === true")  # no reload
    assert "paragraf 1" in page.locator("#comment-form-heading").inner_text().lower()
    assert _focused(page, "#paragraph_index")  # the focus stays where the person is
    about.select_option("")
    assert page.locator("#comment-form-heading").inner_text().strip() == "Tambahkan masukan"
    about.select_option("0")
    assert _body(page).input_value() == text
    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    assert _stored(live_server, text) == (text, 0, None)
    assert page.evaluate(DRAFT_KEYS) == []


def test_without_javascript_the_paragraph_is_chosen_in_the_form_and_kept_with_the_text(
    live_server, new_page, demo, viewport_name
):
    page = _open(new_page, viewport_name, live_server, demo, javascript=False)
    text = f"Tanpa JavaScript, tentang paragraf terakhir ({viewport_name})."
    page.fill("#comment-form textarea[name=body]", text)
    about = _about(page)
    _at_least_24px(about)
    last = about.locator("option").last.get_attribute("value")
    about.select_option(last)
    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    card = page.locator("article[id^=comment-]", has_text=text)
    assert card.count() == 1
    assert f"Paragraf {int(last) + 1}" in card.inner_text()
    assert _stored(live_server, text) == (text, int(last), None)


def test_too_large_attachment_is_refused_before_upload_and_the_error_is_in_sight(
    live_server, new_page, demo, viewport_name, tmp_path
):
    page = _open(new_page, viewport_name, live_server, demo)
    hint = page.locator("#attachment-hint")
    assert "10 MB" in hint.inner_text()
    text = "Lampiran terlalu besar, tulisan tetap ada."
    _type_comment(page, text)
    page.set_input_files("#attachment", files=[_pdf(tmp_path, LIMIT + 1)])
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    page.locator("#comment-form [type=submit]").click()
    page.wait_for_timeout(300)

    assert posts == []  # nothing was uploaded
    assert _focused(page, "#comment-form [data-error-summary]")
    assert page.locator("#attachment").get_attribute("aria-invalid") == "true"
    assert "10 MB" in page.locator("#attachment-client-error").inner_text()
    screenshot(page, f"id-{viewport_name}-attachment-too-large")
    page.locator("#comment-form [data-error-summary] a[href='#attachment']").click()
    assert _focused(page, "#attachment")
    assert _body(page).input_value() == text

    # A smaller file clears the error.
    page.set_input_files("#attachment", files=[_pdf(tmp_path, 1000)])
    assert page.locator("#attachment-client-error").count() == 0
    page.evaluate("localStorage.clear()")


def test_too_large_attachment_without_javascript_gives_the_form_back(
    live_server, new_page, demo, viewport_name, tmp_path
):
    page = _open(new_page, viewport_name, live_server, demo, javascript=False)
    text = f"Tanpa JavaScript, berkas terlalu besar ({viewport_name})."
    page.fill("#comment-form textarea[name=body]", text)
    page.set_input_files("#attachment", files=[_pdf(tmp_path, LIMIT + 2 * 1024 * 1024)])
    with page.expect_navigation() as navigation:
        page.locator("#comment-form [type=submit]").click()
    assert navigation.value.status == 413
    assert _body(page).input_value() == text
    error = page.locator("#attachment-error")
    assert error.is_visible() and "10 MB" in error.inner_text()
    assert page.locator("#comment-form [data-error-summary] a[href='#attachment']").count() == 1


def test_expired_session_says_so_and_the_text_returns_after_signing_in(
    live_server, new_page, demo, viewport_name
):
    page = _open(new_page, viewport_name, live_server, demo)
    link = page.locator(".js-choose-paragraph").first
    link.click()
    index = link.get_attribute("data-paragraph")
    text = f"Sesi berakhir, tulisan kembali ({viewport_name})."
    _type_comment(page, text)
    page.context.clear_cookies()  # the session has expired
    with page.expect_navigation() as navigation:
        page.locator("#comment-form [type=submit]").click()
    assert navigation.value.status == 400
    assert page.locator("h1").inner_text() == "Sesi Anda telah berakhir"
    assert page.locator("textarea.kept-text").first.input_value().strip() == text
    screenshot(page, f"id-{viewport_name}-session-expired")
    assert_accessible(page, "session expired")

    page.get_by_role("link", name="Masuk kembali").click()
    page.fill("input[name=email]", "akademisi@example.org")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()
    assert page.url.startswith(_strategy_url(live_server, demo))
    assert _body(page).input_value() == text
    assert _about(page).input_value() == index
    page.evaluate("localStorage.clear()")


def test_expired_form_while_signed_in_gives_the_form_back_ready_to_send(
    live_server, new_page, demo, viewport_name
):
    page = _open(new_page, viewport_name, live_server, demo)
    text = f"Formulir kedaluwarsa, tetap terkirim ({viewport_name})."
    _type_comment(page, text)
    page.evaluate("document.querySelector('#comment-form input[name=csrf_token]').value = 'lama'")
    with page.expect_navigation() as navigation:
        page.locator("#comment-form [type=submit]").click()
    assert navigation.value.status == 400
    assert _body(page).input_value() == text
    assert _focused(page, "#comment-form [data-error-summary]")
    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    assert page.locator("article[id^=comment-]", has_text=text).count() == 1


def test_focus_lands_on_the_error_summary_and_its_links_reach_the_fields(
    live_server, new_page, demo, viewport_name
):
    page = _open(new_page, viewport_name, live_server, demo)
    page.check("#comment-form input[name=type][value=change]")
    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    summary = page.locator("#comment-form [data-error-summary]")
    assert _focused(page, "#comment-form [data-error-summary]")
    box = summary.bounding_box()
    viewport = page.viewport_size
    assert -1 <= box["y"] < viewport["height"]  # in sight
    screenshot(page, f"id-{viewport_name}-error-summary")
    assert_accessible(page, "comment form with an error summary")
    summary.locator("a[href='#proposed_wording']").click()
    assert _focused(page, "#proposed_wording")
    summary.locator("a[href='#body']").click()
    assert _focused(page, "#body")
    page.evaluate("localStorage.clear()")


def test_reply_form_opens_under_the_comment_it_answers(live_server, new_page, demo, viewport_name):
    page = _open(new_page, viewport_name, live_server, demo, email="kadin@example.org")
    question = f"Siapa yang membina sentra ini? ({viewport_name})"
    _type_comment(page, question)
    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    article = page.locator("article[id^=comment-]", has_text=question)
    comment_id = article.get_attribute("id")

    page.evaluate("window.__samePage = true")
    article.locator("a[href^='?reply_to=']").click()
    assert page.evaluate("window.__samePage === true")
    assert page.evaluate(
        "(id) => document.getElementById(id).nextElementSibling.id === 'comment-form'", comment_id
    )
    assert "Balas" in page.locator("#comment-form-heading").inner_text()
    assert _focused(page, "#comment-form textarea[name=body]")
    assert _about(page).is_hidden()  # a reply is about the comment it answers
    screenshot(page, f"id-{viewport_name}-reply-under-comment")
    answer = f"Dinas membina sentra bersama KADIN ({viewport_name})."
    page.keyboard.type(answer)
    # "Cancel" stops replying in place, text kept; "Reply" again answers.
    cancel = page.locator("#comment-form .js-cancel-context")
    _at_least_24px(cancel)
    cancel.click()
    assert page.evaluate("window.__samePage === true")
    assert page.locator("#comment-form-heading").inner_text().strip() == "Tambahkan masukan"
    assert _about(page).is_visible() and cancel.is_hidden()
    assert _body(page).input_value() == answer
    article.locator("a[href^='?reply_to=']").click()
    assert _body(page).input_value() == answer
    with page.expect_navigation():
        page.locator("#comment-form [type=submit]").click()
    reply = page.locator("article[id^=comment-].ms-4", has_text=answer)
    assert reply.count() == 1

    # Without JavaScript, the form at the bottom quotes what is answered.
    plain = new_page(viewport_name, javascript=False)
    log_in(plain, live_server.url, "kadin@example.org")
    plain.goto(_strategy_url(live_server, demo) + f"#{comment_id}")
    plain.locator(f"#{comment_id} a[href^='?reply_to=']").click()
    assert question in plain.locator("#reply-quote").inner_text()
    assert _about(plain).is_hidden()
    # Its "Cancel" sends the form back: the text is kept, no longer a reply, nothing saved.
    kept = f"Tanpa JavaScript, bukan balasan lagi ({viewport_name})."
    plain.fill("#comment-form textarea[name=body]", kept)
    cancel = plain.locator("#comment-form .js-cancel-context")
    _at_least_24px(cancel)
    with plain.expect_navigation():
        cancel.click()
    assert _body(plain).input_value() == kept
    assert plain.locator("#reply-quote").count() == 0 and cancel.count() == 0
    assert plain.locator("#comment-form-heading").inner_text().strip() == "Tambahkan masukan"
    assert _about(plain).is_visible()
    assert _stored(live_server, kept) is None
    with plain.expect_navigation():
        plain.locator("#comment-form [type=submit]").click()
    assert _stored(live_server, kept) == (kept, None, None)
