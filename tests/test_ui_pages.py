"""Page furniture shared by every feature: times, required marks, breadcrumbs, pagination."""

import re
from datetime import datetime

import pytest
from flask import render_template_string, session

from consult.auth.models import Role
from consult.extensions import db
from consult.feedback import services as feedback_services
from consult.plans.models import Criterion, Phase
from consult.timeutil import format_datetime_remembered, utcnow
from tests.conftest import first_strategy


def _breadcrumb(html: str) -> str:
    return html.split('class="breadcrumb"')[1].split("</ol>")[0]


@pytest.mark.parametrize(
    ("lang", "medium", "full"),
    [
        ("id", "2 Des 2026 23.59 WIB", "Rabu, 2 Desember 2026 23.59 WIB"),
        ("en", "2 Dec 2026, 23:59 WIB", "Wednesday, 2 December 2026, 23:59 WIB"),
    ],
)
def test_times_are_shown_to_the_minute_in_the_chosen_language(app, lang, medium, full):
    with app.test_request_context():
        session["lang"] = lang
        # 16:59:30 UTC is 23:59:30 WIB; seconds are noise to a reader.
        assert format_datetime_remembered(datetime(2026, 12, 2, 16, 59, 30)) == medium
        assert format_datetime_remembered(datetime(2026, 12, 2, 16, 59, 30), "full") == full
        # Templates show the same, through their filter.
        rendered = render_template_string(
            "{{ when|datetimeformat }}|{{ when|datetimeformat('full') }}",
            when=datetime(2026, 12, 2, 16, 59, 30),
        )
        assert rendered == f"{medium}|{full}"


def test_consultation_window_is_shown_without_seconds(client, login, make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER, locale="id")
    consultation = make_consultation(
        organiser=organiser,
        pre_opens_at=datetime(2042, 3, 1, 1, 0),
        pre_closes_at=datetime(2042, 3, 8, 16, 59, 59),
    )
    login(organiser)
    html = client.get(f"/c/{consultation.id}/manage").get_data(as_text=True)
    assert "1 Mar 2042 08.00 WIB – 8 Mar 2042 23.59 WIB" in html
    html = client.get(f"/c/{consultation.id}").get_data(as_text=True)
    assert not re.search(r"\d\d\.\d\d\.\d\d", html)


def test_required_mark_is_part_of_the_label(client):
    html = client.get("/login").get_data(as_text=True)
    label = re.search(r'<label class="form-label" for="email">(.*?)</label>', html, re.S)
    assert label, "the e-mail label"
    # Inside the label, after a non-breaking space: it cannot wrap onto a line of its own.
    assert '&nbsp;<span class="text-danger" aria-hidden="true">*</span>' in label.group(1)


def test_participants_page_leads_back_to_the_consultation(
    client, login, make_user, make_consultation
):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    html = client.get(f"/c/{consultation.id}/participants").get_data(as_text=True)
    crumbs = _breadcrumb(html)
    assert f'href="/c/{consultation.id}/manage"' in crumbs
    assert crumbs.count('aria-current="page"') == 1  # only the page itself
    # One page of participants needs no page links.
    assert 'class="pagination' not in html


@pytest.mark.parametrize("page", ["analysis", "responses", "you-said-we-did", "export"])
def test_report_pages_have_breadcrumbs_and_one_menu(
    client, login, make_user, make_consultation, page
):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    html = client.get(f"/c/{consultation.id}/{page}").get_data(as_text=True)
    assert f'href="/c/{consultation.id}/manage"' in _breadcrumb(html)
    # The organiser tools lead to every report; no second row of tabs repeats them.
    assert "organiser-tools" in html and "nav-tabs" not in html


def test_participant_finds_the_way_back_from_you_said_we_did(
    client, login, make_user, make_consultation
):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    consultation.response_published_at = utcnow()
    db.session.commit()
    login(participant)
    html = client.get(f"/c/{consultation.id}/you-said-we-did").get_data(as_text=True)
    crumbs = _breadcrumb(html)
    assert f'href="/c/{consultation.id}"' in crumbs
    assert "/manage" not in crumbs and "organiser-tools" not in html


def test_my_ratings_show_a_card_per_strategy_with_its_ratings_on_one_line(
    client, login, make_user, make_consultation
):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    strategy = first_strategy(consultation)
    criteria = db.session.scalars(
        db.select(Criterion)
        .where(Criterion.consultation_id == consultation.id)
        .order_by(Criterion.position)
    ).all()
    feedback_services.set_rating(strategy, criteria[0], participant, 4, Phase.PRE)
    feedback_services.set_rating(strategy, criteria[1], participant, None, Phase.PRE)
    db.session.commit()
    login(participant)
    html = client.get("/my-input").get_data(as_text=True)
    assert "<table" not in html  # no table to be cut off on a phone
    cards = html.split('class="card mb-2 my-rating"')[1:]
    assert len(cards) == 1  # one card for the strategy, not a row per criterion
    card = cards[0].split("</article>")[0]
    assert consultation.title in card and strategy.title in card
    line = card.split('class="list-unstyled rating-line"')[1]
    assert re.search(rf'{criteria[0].label}: <strong class="rating-value">4</strong>', line)
    assert re.search(
        rf'{criteria[1].label}: <strong class="rating-value">Cannot judge</strong>', line
    )
    assert '<span class="badge text-bg-secondary" title="Strategies rated">1<' in html
