"""The organiser's and participant's key pages on the full demo consultation, on a desktop:
no serious accessibility problem with real amounts of input (the README screenshots)."""

from .conftest import assert_accessible, log_in, screenshot


def test_key_pages_of_the_demo_consultation_are_accessible(live_server, new_page, demo):
    base = live_server.url
    cid = demo["consultation"]
    visits = {
        "kadin@example.org": {
            "overview": f"/c/{cid}",
            "strategy": f"/c/{cid}/strategies/{demo['strategy']}",
            "section": f"/c/{cid}/sections/{demo['section']}",
        },
        "organiser@example.org": {
            "manage": f"/c/{cid}/manage",
            "participants": f"/c/{cid}/participants",
            "moderation": f"/moderation?consultation={cid}",
            "analysis": f"/c/{cid}/analysis",
            "responses": f"/c/{cid}/responses",
            "you-said-we-did": f"/c/{cid}/you-said-we-did",
            "audit": "/audit",
        },
    }
    for email, pages in visits.items():
        page = new_page("desktop")
        log_in(page, base, email)
        for name, path in pages.items():
            response = page.goto(base + path)
            assert response.status == 200, f"{path}: {response.status}"
            screenshot(page, f"id-desktop-demo-{name}")
            assert_accessible(page, f"demo {name}")
