"""A public consultation on a phone: an anonymous visitor reads the plan, registers, confirms
the e-mail address with the link from the outbox, comments and sees it pending; the organiser
approves it, and it appears for everyone, the anonymous included."""

import re
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select

from consult.extensions import db
from consult.mail import OutboxMail

from .conftest import assert_accessible, log_in, screenshot

OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
PASSWORD = "warga-kota-cantik-2042"
EMAIL = "budi.warga@example.net"
TEXT = "Mohon ada pelatihan desain produk rotan untuk pemuda di kelurahan."


def _verification_path(live_server) -> str:
    with live_server.app.app_context():
        mail = db.session.scalars(
            select(OutboxMail)
            .where(OutboxMail.recipient == EMAIL, OutboxMail.kind == "public_verification")
            .order_by(OutboxMail.id.desc())
        ).first()
        body = mail.body
        db.session.remove()
    return urlsplit(re.search(r"https?://\S+/invitation/\S+", body).group(0)).path


def _public_page_of(live_server, comment_id: int) -> int:
    """The page of the public thread that shows this comment."""
    from consult.feedback.models import Comment
    from consult.feedback.thread import page_of
    from consult.plans.models import Consultation
    from consult.public.services import public_comment_condition

    with live_server.app.app_context():
        comment = db.session.get(Comment, comment_id)
        page = page_of(
            comment,
            public_comment_condition(db.session.get(Consultation, comment.consultation_id)),
            live_server.app.config["PAGE_SIZE"],
        )
        db.session.remove()
    return page


def _fits(page) -> None:
    assert page.evaluate(OVERFLOW) <= 0, f"{page.url} scrolls sideways on a phone"


def test_public_reader_registers_comments_and_is_published(live_server, new_page, demo):
    base, cid, strategy = live_server.url, demo["consultation"], demo["scratch_strategy"]

    # 1. Anonymous, on a phone: the plan, then a strategy with its published comments.
    visitor = new_page("phone")
    visitor.goto(f"{base}/p/{cid}")
    _fits(visitor)
    assert visitor.locator("meta[property='og:title']").count() == 1
    assert visitor.locator(".take-part .register-link").is_visible()
    assert_accessible(visitor, "public overview on a phone")
    screenshot(visitor, "id-phone-public-overview")
    with visitor.expect_navigation():
        visitor.locator(f"main a[href='/p/{cid}/strategies/{strategy}']").click()
    _fits(visitor)
    assert_accessible(visitor, "public strategy on a phone")

    # 2. Registration: name, e-mail, city (organisation left out).
    with visitor.expect_navigation():
        visitor.locator(".take-part .register-link").click()
    visitor.fill("#name", "Budi Warga")
    visitor.fill("#email", EMAIL)
    visitor.fill("#city", "Kota Palangka Raya")
    assert_accessible(visitor, "public registration on a phone")
    with visitor.expect_navigation():
        visitor.locator("form.public-register [type=submit]").click()
    assert visitor.locator(".registered-message").is_visible()

    # 3. The link from the outbox confirms the address; a password is chosen.
    visitor.goto(base + _verification_path(live_server))
    visitor.fill("#new_password", PASSWORD)
    visitor.fill("#confirm", PASSWORD)
    if visitor.locator("#privacy_accepted").count():
        visitor.check("#privacy_accepted")
    with visitor.expect_navigation():
        visitor.locator("main form [type=submit]").first.click()
    assert urlsplit(visitor.url).path == "/c/"

    # 4. The comment waits for the organiser.
    visitor.goto(f"{base}/c/{cid}/strategies/{strategy}")
    _fits(visitor)
    visitor.fill("#body", TEXT)
    with visitor.expect_navigation():
        visitor.locator("#comment-form form [type=submit]").first.click()
    card = visitor.locator("article[id^=comment-]", has_text=TEXT).first
    card.wait_for()
    comment_id = int(card.get_attribute("id").removeprefix("comment-"))
    assert visitor.locator(".alert", has_text="disetujui").count() >= 1
    anonymous = new_page("phone")
    anonymous.goto(f"{base}/p/{cid}/strategies/{strategy}")
    assert anonymous.locator("main", has_text=TEXT).count() == 0

    # 5. The organiser approves it from the queue.
    organiser = new_page("desktop")
    log_in(organiser, base, "organiser@example.org")
    # Oldest first: earlier journeys may have filled page 1, so the queue is searched.
    organiser.goto(f"{base}/moderation?{urlencode({'text': TEXT})}")
    item = organiser.locator(f"#queue-{comment_id}")
    assert (
        item.locator(".badge", has_text="Masyarakat umum").count()
        + item.locator("label", has_text="Masyarakat umum").count()
        >= 1
    )
    with organiser.expect_navigation():
        item.locator("button[name=action][value=approve]").click()

    assert organiser.locator(f"#queue-{comment_id}").count() == 0

    # 6. Everyone sees it, the anonymous too, without the author's name or e-mail address.
    # Their browser may keep the page PUBLIC_CACHE_MAX_AGE seconds; reloading revalidates it
    # (a conditional request, whose ETag changed with the approval).
    page = _public_page_of(live_server, comment_id)  # oldest first: earlier journeys wrote here
    anonymous.goto(f"{base}/p/{cid}/strategies/{strategy}?page={page}")
    anonymous.reload()
    comment = anonymous.locator(f"#comment-{comment_id}")
    assert TEXT in comment.inner_text()
    assert "Budi Warga" not in comment.inner_text() and EMAIL not in anonymous.content()
    assert "Masyarakat umum" in comment.inner_text()
    screenshot(anonymous, "id-phone-public-strategy")
