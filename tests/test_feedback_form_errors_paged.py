"""A comment form error on a strategy whose thread has several pages renders the page again
(with working page links) instead of failing: the pager builds its links for the strategy
page, not for the comment endpoint that answered."""

import io

from conftest import first_strategy
from flask import current_app


def test_form_error_on_a_paged_thread_renders_with_links_to_the_strategy_page(
    client, make_user, make_consultation, make_comment, login
):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    strategy = first_strategy(consultation)
    for n in range(current_app.config["PAGE_SIZE"] + 1):
        make_comment(consultation, participant, f"Komentar {n}", section_id=strategy.section_id)
    login(participant)
    page_url = f"/c/{consultation.id}/strategies/{strategy.id}"
    response = client.post(
        f"{page_url}/comments",
        data={"type": "other", "body": "Lihat.", "attachment": (io.BytesIO(b"MZ"), "x.exe")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Lihat." in page
    assert f'href="{page_url}?page=2#comments-heading"' in page
