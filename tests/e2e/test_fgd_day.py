"""The FGD day in a browser: RSVP on a phone, check-in by search and by QR link (organiser's
phone), a walk-in, the console and the presenter view updating live after phone votes,
minutes with autosave, an agreement, the speaking log, and the analysis of what changed."""

import re

from sqlalchemy import select

from consult.extensions import db

from .conftest import log_in, screenshot


def _upcoming(live_server, consultation_id):
    from consult.auth.models import User
    from consult.auth.tokens import make_checkin_token
    from consult.fgd.models import FgdSession
    from consult.timeutil import utcnow

    app = live_server.app
    with app.app_context(), app.test_request_context():
        session = db.session.scalar(
            select(FgdSession)
            .where(FgdSession.consultation_id == consultation_id, FgdSession.ends_at > utcnow())
            .order_by(FgdSession.starts_at)
        )
        industri = db.session.scalar(select(User).where(User.email == "industri@example.org"))
        token = make_checkin_token(consultation_id, session.id, industri.id)
        session_id = session.id
        db.session.remove()
    return session_id, token


def test_the_fgd_day_from_rsvp_to_what_changed(live_server, new_page, demo):
    base = live_server.url
    cid = demo["consultation"]
    session_id, qr_token = _upcoming(live_server, cid)
    fgd = f"{base}/c/{cid}/fgd/{session_id}"

    # A participant answers the invitation on her phone and finds her check-in code.
    phone = new_page("phone", locale="en-GB")
    log_in(phone, base, "kadin@example.org")
    phone.goto(f"{base}/c/{cid}")
    card = phone.locator(f"#fgd-session-{session_id}")
    card.locator("input[value=attending]").check()
    card.locator(".rsvp-form button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.locator(f"#fgd-session-{session_id} .rsvp-status strong").inner_text() in (
        "Hadir",
        "Attending",
    )
    card = phone.locator(f"#fgd-session-{session_id}")
    card.locator(".fgd-checkin-code summary").click()
    assert card.locator("svg.segno").is_visible()
    screenshot(phone, "fgd-phone-rsvp-and-code")

    # At the door, on the organiser's phone: search and tap; the QR link; a walk-in.
    door = new_page("phone")
    log_in(door, base, "organiser@example.org")
    door.goto(f"{fgd}/checkin?q=KADIN")
    door.locator(".checkin-results button[type=submit]").first.click()
    door.wait_for_load_state()
    assert door.locator(".checkin-results .checked-in").count() >= 1
    door.goto(f"{fgd}/checkin/qr/{qr_token}")
    assert "Yohanes Dehen" in door.content()
    door.locator("button.btn-success").click()
    door.wait_for_load_state()
    door.fill("#walkin-name", "Rudi Pendatang")
    door.fill("#walkin-organisation", "CV Rotan Baru")
    door.locator("form[action$='/walk-in'] button[type=submit]").click()
    door.wait_for_load_state()
    door.goto(f"{fgd}/attendance")
    listing = door.content()
    assert "Rudi Pendatang" in listing and "Yohanes Dehen" in listing
    screenshot(door, "fgd-phone-attendance")

    # The console on a desktop steps to the first strategy and opens voting; the projector
    # shows the results, updating by itself.
    console = new_page("desktop")
    log_in(console, base, "organiser@example.org")
    console.goto(f"{fgd}/console")
    for label in ("next", "next", "open", "show"):
        console.locator(f"form[action$='/console/{label}'] button").click()
        console.wait_for_load_state()
    projector = new_page("desktop")
    log_in(projector, base, "organiser@example.org")
    projector.goto(f"{fgd}/present")
    assert projector.locator("nav.navbar").count() == 0
    counts = projector.locator(".live-count").first
    before = int(re.search(r"\d+", counts.inner_text()).group(0))

    # The participant, checked in, rates in one tap per criterion without reloading.
    phone.goto(f"{fgd}/room")
    for form in phone.locator("form.room-vote").all():
        form.locator("button[value='4']").click()
        form.locator("button[value='4'][aria-pressed=true]").wait_for()
    projector.wait_for_function(
        f"() => /\\b{before + 1}\\b/.test(document.querySelector('.live-count').textContent)",
        timeout=5_000,
    )
    assert "H. Ahmad Fauzi" not in projector.content()
    screenshot(projector, "fgd-desktop-presenter")

    # Minutes autosave, an agreement, a speaking turn.
    console.goto(f"{fgd}/minutes")
    box = console.locator(".minutes-form textarea").first
    box.fill("Peserta mendukung substitusi impor secara bertahap.")
    console.locator(".minutes-form .autosave-status").first.wait_for(state="visible")
    console.wait_for_function(
        "() => document.querySelector('.minutes-form .autosave-status').textContent.trim() !== ''"
    )
    console.fill("#outcome-text", "Target impor bertahap disepakati.")
    console.locator("form[action$='/outcomes'] button[type=submit]").click()
    console.wait_for_load_state()
    console.locator(".speaking-groups button").first.click()
    console.wait_for_load_state()
    page = console.content()
    assert "Target impor bertahap disepakati." in page
    assert console.locator(".speaking-log li").count() >= 1
    console.reload()
    assert "secara bertahap" in console.locator(".minutes-form textarea").first.input_value()

    # The analysis: the FGD phase and the paired shift.
    console.goto(f"{base}/c/{cid}/fgd/changes")
    assert console.locator(".shift-row").count() >= 1
    screenshot(console, "fgd-desktop-what-changed")
