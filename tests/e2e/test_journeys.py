"""The whole consultation in a real browser, in Indonesian and in English, on a desktop and on a
phone-sized screen.

An organiser sets up a consultation from a Markdown outline, invites a participant and
publishes; the participant accepts the invitation, rates and comments (on a paragraph, with a
PDF attached), edits and replies; the organiser moderates, answers, publishes "you said, we
did", revises the strategy and downloads every export; the participant then sees what became
of their input. Every key page is screenshotted and checked with axe-core, and no page may
scroll sideways: on a phone the menu, forms and buttons must all be usable at 390 px.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from consult.timeutil import utc_to_local, utcnow

from .conftest import VIEWPORTS, assert_accessible, log_in, screenshot, switch_language

PASSWORD = "rotan-kahayan-2042"  # nosec B105 - test account only
OUTLINE = """# Bab I Strategi Pembangunan Industri

Bab ini memuat strategi pembangunan industri kota.

## 1.1 Hilirisasi Komoditas Unggulan

Palangka Raya memiliki rotan, karet dan hasil hutan bukan kayu.

### 1.1.1 Pengembangan sentra kerajinan rotan

Sentra kerajinan rotan di Kelurahan Pahandut diperkuat dengan peralatan dan pelatihan.

Bahan baku rotan dijamin melalui kemitraan dengan petani di Kabupaten Katingan.

Pemasaran dibantu melalui katalog elektronik dan pameran.

Target: 50 perajin baru bersertifikat pada tahun 2027.
Jangka waktu: 2025-2030

### 1.1.2 Pengolahan karet rakyat

Unit pengolahan karet rakyat dibangun bersama koperasi.
"""
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

TEXT = {
    "id": {
        "question": "Apakah target 50 perajin sudah memperhitungkan pelatihan lanjutan?",
        "comment": "Kemitraan bahan baku perlu kontrak jangka panjang dengan petani.",
        "edited": "Kemitraan bahan baku perlu kontrak jangka panjang dan harga dasar.",
        "reply": "Pelatihan lanjutan sebaiknya bekerja sama dengan SMK setempat.",
        "spam": "Jual rotan murah, hubungi nomor saya sekarang juga!",
        "rationale": "Kontrak jangka panjang dimasukkan ke rencana aksi tahun 2026.",
        "revision": "Perubahan: kontrak kemitraan bahan baku minimal lima tahun.",
        "export_ready": "Siap",
    },
    "en": {
        "question": "Does the target of 50 craftspeople include follow-up training?",
        "comment": "The raw material partnership needs long-term contracts with farmers.",
        "edited": "The raw material partnership needs long-term contracts and a floor price.",
        "reply": "Follow-up training could be run with the local vocational school.",
        "spam": "Cheap rattan for sale, call my number right now!",
        "rationale": "Long-term contracts are added to the 2026 action plan.",
        "revision": "Changed: raw material partnerships get contracts of five years or more.",
        "export_ready": "Ready",
    },
}


SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# The innermost elements reaching past the right edge, to name the culprit in a failure.
TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(
    e => e.getBoundingClientRect().right > width + 1);
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    [...e.classList].map(c => '.' + c).join('');
  return wide.filter(e => !wide.some(o => o !== e && e.contains(o))).slice(0, 5).map(name);
}"""


def _fits(page) -> None:
    """The page does not scroll sideways (checked after every step, on every screen)."""
    overflow = page.evaluate(SIDEWAYS)
    if overflow > 0:
        culprits = page.evaluate(TOO_WIDE)
        path = urlsplit(page.url).path
        raise AssertionError(f"{path} scrolls sideways by {overflow}px: {culprits}")


def _check(page, name: str) -> None:
    """Every key page: a screenshot for the record and no serious accessibility problem."""
    _fits(page)
    screenshot(page, name)
    assert_accessible(page, name)


def _goto(page, url: str) -> None:
    page.goto(url)
    _fits(page)


def _follow(page, link) -> None:
    """Click a link and wait for the page it leads to."""
    with page.expect_navigation():
        link.click()
    _fits(page)


def _menu(page, href: str) -> None:
    """Go somewhere with the main menu, opening it first where it is collapsed (phones)."""
    toggler = page.locator(".navbar-toggler")
    # Bootstrap's navbar-expand-lg collapses the menu below 992 px: on a phone it must be opened.
    assert toggler.is_visible() == (page.viewport_size["width"] < 992)
    if toggler.is_visible():
        toggler.click()
        assert toggler.get_attribute("aria-expanded") == "true"
    link = page.locator(f"#main-nav a[href='{href}']")
    link.wait_for(state="visible")
    _follow(page, link)


def _tool(page, href: str) -> None:
    """Go to one of a consultation's organiser pages with the organiser tools on the page."""
    _follow(page, page.locator(f"nav.organiser-tools a[href='{href}']"))


def _wib(delta: timedelta) -> str:
    return utc_to_local(utcnow() + delta).strftime("%Y-%m-%dT%H:%M")


def _submit(page, form_selector: str) -> None:
    with page.expect_navigation():
        page.locator(f"{form_selector} [type=submit]").first.click()
    _fits(page)


def _comment_id(page, text: str) -> int:
    card = page.locator("article[id^=comment-]", has_text=text).first
    return int(card.get_attribute("id").removeprefix("comment-"))


@pytest.fixture(params=["id", "en"])
def lang(request):
    return request.param


@pytest.fixture(params=list(VIEWPORTS))
def screen(request):
    return request.param


def test_consultation_from_invitation_to_you_said_we_did(live_server, new_page, lang, screen):
    base = live_server.url
    words = TEXT[lang]
    shot = f"{lang}-{screen}"

    # 1. The organiser creates a consultation, imports the outline, invites and publishes.
    organiser = new_page(screen)
    log_in(organiser, base, "organiser@example.org")
    switch_language(organiser, lang)
    _menu(organiser, "/c/")
    _follow(organiser, organiser.locator("main a[href='/c/new']"))
    organiser.fill("#title", f"RPIK uji coba ({lang}, {screen})")
    organiser.fill("#summary", "Rancangan untuk uji perjalanan pengguna.")
    organiser.fill("#pre_opens_at", _wib(-timedelta(days=1)))
    organiser.fill("#pre_closes_at", _wib(timedelta(days=10)))
    _check(organiser, f"{shot}-01-new-consultation")
    _submit(organiser, "main form[method=post]")
    cid = int(re.search(r"/c/(\d+)/manage", organiser.url).group(1))

    _follow(organiser, organiser.locator(f"main a[href='/c/{cid}/import']"))
    organiser.set_input_files(
        "input[name=file]",
        files=[{"name": "rpik.md", "mimeType": "text/markdown", "buffer": OUTLINE.encode()}],
    )
    _submit(organiser, "main form[enctype='multipart/form-data']")
    assert "1.1.1" in organiser.locator(".import-tree").inner_text()
    _check(organiser, f"{shot}-02-import-preview")
    _submit(organiser, f"form[action='/c/{cid}/import/confirm']")
    assert "Pengembangan sentra kerajinan rotan" in organiser.locator("main").inner_text()
    _check(organiser, f"{shot}-03-manage")

    participant_email = f"peserta.{lang}.{screen}@example.org"
    _tool(organiser, f"/c/{cid}/participants")
    invite = f"form[action='/c/{cid}/participants/invite']"
    organiser.fill(f"{invite} [name=name]", "Siti Rahma")
    organiser.fill(f"{invite} [name=email]", participant_email)
    organiser.fill(f"{invite} [name=organisation]", "Universitas Palangka Raya")
    organiser.select_option(f"{invite} select[name=group]", index=1)
    _submit(organiser, invite)
    _check(organiser, f"{shot}-03b-participants")
    row = organiser.locator("tr", has_text=participant_email)
    _follow(organiser, row.locator("form[action$='/link'] button"))
    link = organiser.locator("#invitation-link").input_value()
    invitation_path = urlsplit(link).path
    assert invitation_path.startswith("/invitation/")

    _goto(organiser, f"{base}/c/{cid}/manage")
    _submit(organiser, f"form[action='/c/{cid}/publish']")
    assert organiser.locator(f"form[action='/c/{cid}/close']").count() == 1

    _follow(organiser, organiser.locator(f"main a[href='/c/{cid}']"))
    _follow(organiser, organiser.locator("main a[href*='/strategies/']").first)
    strategy_url = organiser.url.split("#")[0]
    organiser.fill("#body", words["question"])
    _submit(organiser, "#comment-form form")

    # 2. The participant accepts the invitation and takes part.
    participant = new_page(screen)
    _goto(participant, base + invitation_path)
    _check(participant, f"{shot}-00-set-password")
    switch_language(participant, lang)
    participant.fill("#new_password", PASSWORD)
    participant.fill("#confirm", PASSWORD)
    # The privacy notice is shown with the password and must be accepted (UU 27/2022).
    assert participant.locator(".privacy-notice").count() == 1
    participant.check("#privacy_accepted")
    _submit(participant, "main form")
    assert urlsplit(participant.url).path == "/c/"

    _follow(participant, participant.locator(f"main a[href='/c/{cid}']"))
    _check(participant, f"{shot}-04-overview")
    _follow(participant, participant.locator("main a[href*='/strategies/']").first)
    assert participant.url.split("#")[0] == strategy_url

    # Ratings: every criterion, saved without leaving the page (JavaScript enhancement).
    participant.evaluate("window.__samePage = true")
    for group in participant.locator("#ratings fieldset").all():
        group.locator("input[value='4']").check()
    participant.locator("#ratings [type=submit]").click()
    participant.locator("#ratings .js-status .alert-success").wait_for()
    assert participant.evaluate("window.__samePage === true")

    # A comment on the second paragraph, with a PDF.
    # Chosen in place (keep-text.js): no reload, the form's paragraph set.
    participant.locator("#p1 a[href*='paragraph=1']").click()
    paragraph = participant.locator("#comment-form select[name=paragraph_index]")
    participant.wait_for_function(
        "() => document.querySelector('#comment-form select[name=paragraph_index]').value === '1'"
    )
    assert paragraph.input_value() == "1"
    participant.check("input[name=type][value=change]")
    participant.fill("#body", words["comment"])
    participant.fill("#proposed_wording", "Kemitraan dengan kontrak lima tahun.")
    participant.set_input_files(
        "#attachment",
        files=[{"name": "usulan.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    _submit(participant, "#comment-form form")
    comment_id = _comment_id(participant, words["comment"])
    card = participant.locator(f"#comment-{comment_id}")
    assert card.locator("a[href*='/attachments/']", has_text="usulan.pdf").count() == 1
    assert card.locator(".badge", has_text="2").count() >= 1  # paragraph 2

    # Edit it; the earlier version is kept.
    _follow(participant, card.locator("a[href$='/edit']"))
    participant.fill("#body", words["edited"])
    _submit(participant, "main form[method=post]")
    card = participant.locator(f"#comment-{comment_id}")
    assert words["edited"] in card.inner_text()
    assert card.locator("a[href$='/history']").count() == 1

    # Reply to the organiser's question.
    question_id = _comment_id(participant, words["question"])
    # The reply form opens under the comment in place (keep-text.js): no reload.
    participant.locator(f"#comment-{question_id} a[href*='reply_to=']").click()
    participant.wait_for_function(
        "(id) => document.getElementById(id).nextElementSibling.id === 'comment-form'",
        arg=f"comment-{question_id}",
    )
    participant.fill("#body", words["reply"])
    _submit(participant, "#comment-form form")
    assert participant.locator("article.ms-4", has_text=words["reply"]).count() == 1

    _goto(participant, strategy_url)
    participant.fill("#body", words["spam"])
    _submit(participant, "#comment-form form")
    spam_id = _comment_id(participant, words["spam"])
    participant.reload()
    assert participant.locator("#ratings input[value='4']:checked").count() >= 1
    _check(participant, f"{shot}-05-strategy")

    # 3. The organiser moderates, answers, revises, publishes and exports.
    _goto(organiser, strategy_url)
    flag = organiser.locator(f"#comment-{spam_id} .flag-comment")
    flag.locator("summary").click()
    flag.locator("select").select_option(index=1)
    _follow(organiser, flag.locator("button"))

    _menu(organiser, "/moderation")
    item = organiser.locator(f"#queue-{spam_id}")
    item.locator(f"#reason-{spam_id}").select_option(index=1)
    item.locator(f"#note-{spam_id}").fill("Iklan")
    _check(organiser, f"{shot}-07-moderation")
    _follow(organiser, item.locator("button[name=action][value=hide]"))
    assert organiser.locator(f"#queue-{spam_id}").count() == 0

    _menu(organiser, "/c/")
    _follow(organiser, organiser.locator(f"main a[href='/c/{cid}/manage']").first)
    _tool(organiser, f"/c/{cid}/responses")
    response = organiser.locator(f"#response-{comment_id}")
    response.locator("summary").click()
    response.locator("select[name$=disposition]").select_option("accepted")
    response.locator("textarea[name$=rationale]").fill(words["rationale"])
    _follow(organiser, response.locator("[type=submit]"))
    _check(organiser, f"{shot}-08-responses")

    # The strategy's next version takes the participant's comment in.
    _goto(organiser, strategy_url)
    _follow(organiser, organiser.locator("main a.versions-link"))
    _follow(organiser, organiser.locator("main a[href$='/revise']"))
    body = organiser.locator("#body")
    body.fill(body.input_value() + "\n\nKontrak kemitraan bahan baku berlaku minimal lima tahun.")
    organiser.fill("#note", words["revision"])
    organiser.locator(f"input[name=comment_ids][value='{comment_id}']").check()
    _check(organiser, f"{shot}-12-revise")
    _submit(organiser, "main form[method=post]")
    assert organiser.locator(".linked-comments", has_text=words["edited"]).count() == 1
    _follow(organiser, organiser.locator(f".breadcrumb a[href='/c/{cid}']"))

    _tool(organiser, f"/c/{cid}/you-said-we-did")
    _submit(organiser, f"form[action='/c/{cid}/you-said-we-did/publish']")
    _tool(organiser, f"/c/{cid}/analysis")
    _check(organiser, f"{shot}-10-analysis")

    new_export = f"main a[href='/c/{cid}/export']"
    _tool(organiser, f"/c/{cid}/exports")
    _follow(organiser, organiser.locator(new_export))
    _check(organiser, f"{shot}-11-export")
    formats = organiser.locator("select[name=format] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    assert set(formats) == {"xlsx", "csv", "json"}
    for export_format in formats:
        organiser.select_option("select[name=format]", export_format)
        # The export is a job (run at once in tests): its page shows the state and progress,
        # then the download link.
        _submit(organiser, "main form[method=post]")
        assert organiser.locator("#export-state").inner_text() == words["export_ready"]
        with organiser.expect_download() as download_info:
            organiser.locator("main a[href$='/download']").click()
        download = download_info.value
        expected = "zip" if export_format == "csv" else export_format
        assert download.suggested_filename.endswith(f".{expected}")
        with open(download.path(), "rb") as exported:
            assert len(exported.read()) > 100
        _follow(organiser, organiser.locator(f"#export-job a[href='/c/{cid}/exports']"))
        _follow(organiser, organiser.locator(new_export))
    _tool(organiser, f"/c/{cid}/exports")
    # The exports, and the plan import of step 1 (a job too, shown by its preview link).
    assert organiser.locator("main table tbody tr").count() == len(formats) + 1
    assert organiser.locator(f"main table a[href^='/c/{cid}/import/']").count() == 1

    # 4. The participant sees what became of their input.
    _goto(participant, f"{base}/c/{cid}/you-said-we-did")
    mine = participant.locator(f"#ysd-{comment_id}")
    assert words["rationale"] in mine.inner_text()
    _check(participant, f"{shot}-09-you-said-we-did")

    _goto(participant, strategy_url)
    _follow(participant, participant.locator("main a.versions-link"))
    assert participant.locator("#version-2 .linked-comments", has_text=words["edited"]).count() == 1
    _check(participant, f"{shot}-13-versions")

    _menu(participant, "/c/")
    _follow(participant, participant.locator(f"main a[href='/c/{cid}']"))
    progress = participant.locator("progress.rembuk-progress")
    assert (progress.get_attribute("value"), progress.get_attribute("max")) == ("1", "2")

    _menu(participant, "/my-input")
    hidden = participant.locator("article.my-comment", has_text=words["spam"])
    assert hidden.locator(".status-hidden").count() == 1
    assert hidden.locator(".moderation-reason").count() == 1
    published = participant.locator("article.my-comment", has_text=words["edited"])
    assert published.locator(".status-published").count() == 1
    _check(participant, f"{shot}-06-my-input")
