"""A section rated in one view (with and without JavaScript), and the participant pages
measured in the browser: target sizes (WCAG 2.2 AA 2.5.8), text sizes, width on a 360 px phone.
"""

import pytest
from sqlalchemy import select

from consult.extensions import db

from .conftest import VIEWPORTS, log_in, screenshot

# A 360 px phone as well as conftest's 390 px one (added here only: conftest's viewport
# fixture has already read its list).
VIEWPORTS.setdefault("phone-360", {"width": 360, "height": 740})

# What the page's boxes must measure, in CSS px, read from the rendered page.
#
# Counted: every visible link (a[href]), button (button, input[type=submit]), radio and
# <summary> (a disclosure button). Visible: laid out with a box larger than 1x1 px (so the
# skip link, visually hidden until focused, and links in the collapsed phone menu are not).
# Exempt, as 2.5.8 allows: a link INLINE IN RUNNING TEXT ("the target is in a sentence or its
# size is otherwise constrained by the line-height of non-target text"): a link displayed
# inline whose paragraph, list item, cell or comment text holds at least two other words
# besides the link's own. A radio is measured by its own box (not with its label), so a small
# radio beside a large label fails. Primary buttons (.btn-primary) must be 44 px high.
MEASURE = r"""
() => {
  const words = (text) => (text.match(/\p{L}{2,}/gu) || []).length;
  const inline = (el) => {
    if (el.tagName !== "A" || getComputedStyle(el).display !== "inline") return false;
    const block = el.closest("p, li, dd, td, .comment-body, .form-text, .alert, footer");
    if (!block) return false;
    return words(block.textContent) - words(el.textContent) >= 2;
  };
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    return box.width > 1 && box.height > 1 && style.visibility !== "hidden";
  };
  const name = (el) => (el.outerHTML || "").slice(0, 140);
  const small = [], primary = [], exempt = [];
  const targets = document.querySelectorAll(
    "a[href], button, input[type=submit], input[type=radio], summary"
  );
  for (const el of targets) {
    if (!visible(el)) continue;
    if (inline(el)) { exempt.push(name(el)); continue; }
    const box = el.getBoundingClientRect();
    if (box.width < 23.9 || box.height < 23.9) {
      small.push(`${Math.round(box.width)}x${Math.round(box.height)} ${name(el)}`);
    }
    if (el.matches(".btn-primary") && box.height < 43.9) {
      primary.push(`${Math.round(box.height)} ${name(el)}`);
    }
  }
  const tiny = [];
  const walker = document.createTreeWalker(document.querySelector("main"), NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || !visible(el)) continue;
    if (el.closest(".visually-hidden, script, style")) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 13.95) tiny.push(`${size}px ${node.textContent.trim().slice(0, 40)}`);
  }
  return {
    small, primary, exempt, tiny,
    count: targets.length,
    width: document.documentElement.scrollWidth,
  };
}
"""


@pytest.fixture(scope="module")
def section_ids(live_server, demo):
    """The section of the demo's last strategy (tests elsewhere write there too, with other
    accounts) and its strategies."""
    from consult.plans.models import Strategy

    with live_server.app.app_context():
        scratch = db.session.get(Strategy, demo["scratch_strategy"])
        section_id = scratch.section_id
        strategies = db.session.scalars(
            select(Strategy.id).where(Strategy.section_id == section_id)
        ).all()
        db.session.remove()
    return section_id, strategies


def _rate_url(live_server, demo, section_id):
    return f"{live_server.url}/c/{demo['consultation']}/sections/{section_id}/rate"


def _saved_values(live_server, email, strategy_ids):
    from consult.auth.models import User
    from consult.feedback.models import Rating

    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        values = db.session.scalars(
            select(Rating.value).where(
                Rating.user_id == user.id, Rating.strategy_id.in_(strategy_ids)
            )
        ).all()
        db.session.remove()
    return values


def test_a_section_is_rated_in_one_view_saved_as_you_go(live_server, new_page, demo, section_ids):
    section_id, strategies = section_ids
    page = new_page("phone")
    log_in(page, live_server.url, "industri@example.org")
    page.goto(_rate_url(live_server, demo, section_id))
    page.evaluate("window.__samePage = true")
    cards = page.locator(".strategy-rating").all()
    assert len(cards) == len(strategies)
    groups = page.locator(".strategy-rating fieldset").all()
    for group in groups:
        # One tap per criterion, on the point's label (the whole 44 px box).
        with page.expect_response(lambda r: r.request.method == "POST") as posted:
            group.locator(".rating-point", has_text="3").click()
        assert posted.value.ok and posted.value.json()["saved"] is True
    for card in cards:
        card.locator(".section-rating-status .rating-saved").wait_for()
    assert page.evaluate("window.__samePage === true")  # no reload
    values = _saved_values(live_server, "industri@example.org", strategies)
    assert values == [3] * len(groups)

    page.reload()
    assert page.locator(".strategy-rating input[value='3']:checked").count() == len(groups)
    screenshot(page, "id-phone-section-rating")


def test_a_section_is_rated_in_one_view_without_javascript(
    live_server, new_page, demo, section_ids
):
    section_id, strategies = section_ids
    page = new_page("phone-360", javascript=False)
    log_in(page, live_server.url, "akademisi@example.org")
    page.goto(_rate_url(live_server, demo, section_id))
    groups = page.locator(".strategy-rating fieldset").all()
    for group in groups:
        group.locator("input[value='4']").check()
    with page.expect_navigation():
        page.locator("form[data-section-rating] [type=submit]").click()
    assert page.locator(".flash-area .alert-success").count() == 1
    assert page.locator(".strategy-rating input[value='4']:checked").count() == len(groups)
    page.reload()
    assert page.locator(".strategy-rating input[value='4']:checked").count() == len(groups)
    assert _saved_values(live_server, "akademisi@example.org", strategies) == [4] * len(groups)


@pytest.mark.parametrize("viewport", ["phone", "phone-360", "desktop"])
def test_participant_pages_have_large_targets_readable_text_and_fit_the_phone(
    live_server, new_page, demo, section_ids, viewport
):
    section_id, _ = section_ids
    base, cid = live_server.url, demo["consultation"]
    page = new_page(viewport)
    log_in(page, base, "kadin@example.org")
    pages = {
        "overview": f"/c/{cid}",
        "section": f"/c/{cid}/sections/{demo['section']}",
        "strategy": f"/c/{cid}/strategies/{demo['strategy']}",
        "section-rating": f"/c/{cid}/sections/{section_id}/rate",
        "my-input": "/my-input",
    }
    problems = []
    for name, path in pages.items():
        page.goto(base + path)
        measured = page.evaluate(MEASURE)
        assert measured["count"] > 5, name
        problems += [f"{name}: small target {s}" for s in measured["small"]]
        problems += [f"{name}: primary button {s} px high" for s in measured["primary"]]
        problems += [f"{name}: text {s}" for s in measured["tiny"]]
        width = VIEWPORTS[viewport]["width"]
        if measured["width"] > width:
            problems.append(f"{name}: {measured['width']} px wide on a {width} px screen")
        if viewport == "phone-360":
            screenshot(page, f"id-phone360-{name}")
    assert not problems, "\n".join(problems)


def test_a_rating_scale_lays_out_on_one_row_on_a_360_px_phone(
    live_server, new_page, demo, section_ids
):
    page = new_page("phone-360")
    log_in(page, live_server.url, "kadin@example.org")
    for path in (
        f"/c/{demo['consultation']}/strategies/{demo['strategy']}",
        f"/c/{demo['consultation']}/sections/{section_ids[0]}/rate",
    ):
        page.goto(live_server.url + path)
        scales = page.locator(".rating-scale").all()
        assert scales
        for scale in scales:
            tops = {
                round(box["y"])
                for box in (point.bounding_box() for point in scale.locator(".rating-point").all())
            }
            assert len(tops) == 1, f"{path}: the points wrap onto {len(tops)} rows"
