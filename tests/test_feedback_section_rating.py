"""The section rating view: every strategy of a section rated in one form, saved as you go;
and the previous/next links of a strategy page."""

import re
from datetime import timedelta

import pytest
from conftest import first_strategy
from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import User
from consult.extensions import db
from consult.feedback import services
from consult.feedback.models import Rating, RatingChange
from consult.plans.models import Criterion, Phase, Section, Strategy
from consult.timeutil import utcnow


@pytest.fixture
def setup(make_user, make_consultation, login):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    first = first_strategy(consultation)
    second = Strategy(section_id=first.section_id, position=2, code="1.1.2", title="Kedua")
    db.session.add(second)
    db.session.commit()
    criteria = db.session.scalars(
        select(Criterion).where(Criterion.consultation_id == consultation.id).order_by("position")
    ).all()
    login(participant)
    return consultation, first.section, [first, second], criteria, participant


def page_url(consultation, section):
    return f"/c/{consultation.id}/sections/{section.id}/rate"


def save_url(consultation, section):
    return f"/c/{consultation.id}/sections/{section.id}/ratings"


def field(strategy, criterion):
    return f"s{strategy.id}-criterion_{criterion.id}"


def values_of(participant, phase=Phase.PRE):
    return {
        (r.strategy_id, r.criterion_id): r.value
        for r in db.session.scalars(
            select(Rating).where(Rating.user_id == participant.id, Rating.phase == phase)
        )
    }


def checked(html):
    return set(re.findall(r'<input[^>]*checked[^>]*name="([^"]+)"[^>]*value="([^"]+)"', html))


def test_the_page_shows_every_strategy_with_every_criterion(setup, client):
    consultation, section, strategies, criteria, _ = setup
    html = client.get(page_url(consultation, section)).get_data(as_text=True)
    for strategy in strategies:
        assert strategy.title in html
        for criterion in criteria:
            # Five points and "Cannot judge" for each criterion of each strategy.
            assert html.count(f'name="{field(strategy, criterion)}"') == 6
    assert "Save all ratings" in html
    assert 'src="/static/js/section-rating.js"' in html


def test_one_submit_saves_everything_and_the_page_shows_it_again(setup, client):
    consultation, section, strategies, criteria, participant = setup
    data = {
        field(s, c): str(1 + (i + j) % 5)
        for i, s in enumerate(strategies)
        for j, c in enumerate(criteria)
    }
    data[field(strategies[1], criteria[2])] = "na"
    response = client.post(save_url(consultation, section), data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page_url(consultation, section))
    saved = values_of(participant)
    assert len(saved) == 6
    assert saved[(strategies[0].id, criteria[0].id)] == 1
    assert saved[(strategies[1].id, criteria[2].id)] is None
    html = client.get(page_url(consultation, section)).get_data(as_text=True)
    assert checked(html) == set(data.items())
    assert "You have given 6 of 6 ratings in this section." in html


def test_the_script_saves_one_choice_at_a_time_and_leaves_the_others(setup, client):
    consultation, section, strategies, criteria, participant = setup
    client.post(save_url(consultation, section), data={field(strategies[0], criteria[0]): "2"})
    response = client.post(
        save_url(consultation, section),
        data={field(strategies[1], criteria[1]): "5"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200
    assert response.json == {"saved": True, "changed": 1, "message": "Saved"}
    assert values_of(participant) == {
        (strategies[0].id, criteria[0].id): 2,
        (strategies[1].id, criteria[1].id): 5,
    }


def test_it_uses_the_rating_service_history_and_audit_for_changes_only(setup, client):
    consultation, section, strategies, criteria, participant = setup
    url = save_url(consultation, section)
    client.post(url, data={field(strategies[0], criteria[0]): "2"})
    events = db.session.scalar(select(func.count()).select_from(AuditEvent))
    # The same value again changes nothing and records nothing.
    client.post(url, data={field(strategies[0], criteria[0]): "2"})
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events
    client.post(url, data={field(strategies[0], criteria[0]): "4"})
    assert db.session.scalar(select(func.count()).select_from(RatingChange)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events + 1
    assert values_of(participant)[(strategies[0].id, criteria[0].id)] == 4


@pytest.mark.parametrize(
    "value", ["0", "6", "99", "-1", "x", "", "1\x00", "9" * 40, "na na", "<script>"]
)
def test_hostile_values_are_refused_with_the_form_again(setup, client, value):
    consultation, section, strategies, criteria, participant = setup
    data = {field(strategies[0], criteria[0]): value, field(strategies[1], criteria[0]): "3"}
    response = client.post(save_url(consultation, section), data=data)
    if value == "":
        assert response.status_code == 302  # nothing chosen: nothing to refuse
        return
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Please correct the marked fields." in html
    assert "<script>" not in html.split("<main")[1].split("</main>")[0].replace('<script src="', "")
    assert values_of(participant) == {}  # nothing saved from a form with an error
    fetched = client.post(
        save_url(consultation, section), data=data, headers={"X-Requested-With": "fetch"}
    )
    assert fetched.status_code == 422 and fetched.json["saved"] is False


def test_fields_of_strategies_outside_the_section_are_ignored(setup, client, make_consultation):
    consultation, section, strategies, criteria, participant = setup
    other = Section(chapter_id=section.chapter_id, position=2, code="1.2", title="Lain")
    db.session.add(other)
    db.session.flush()
    stranger = Strategy(section_id=other.id, position=1, code="1.2.1", title="Lain")
    db.session.add(stranger)
    db.session.commit()
    response = client.post(
        save_url(consultation, section), data={field(stranger, criteria[0]): "3"}
    )
    assert response.status_code == 302
    assert values_of(participant) == {}


def test_outside_ones_consultations_it_is_404(setup, client, make_consultation, make_user):
    consultation, section, strategies, criteria, _ = setup
    elsewhere = make_consultation(participants=[make_user()])
    foreign = first_strategy(elsewhere).section
    assert client.get(page_url(elsewhere, foreign)).status_code == 404
    assert client.post(save_url(elsewhere, foreign), data={}).status_code == 404
    # A section of another consultation under this consultation's id is 404 as well.
    assert client.get(f"/c/{consultation.id}/sections/{foreign.id}/rate").status_code == 404
    assert client.get(f"/c/{consultation.id}/sections/999999/rate").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(setup, client):
    consultation, section, *_ = setup
    client.post("/logout")
    response = client.get(page_url(consultation, section))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_with_no_window_open_the_page_is_read_only_and_saving_is_403(setup, client, login):
    consultation, section, strategies, criteria, participant = setup
    services.set_ratings(strategies[0], criteria, participant, {criteria[0].id: 4}, Phase.PRE)
    now = utcnow()
    consultation.pre_opens_at = now - timedelta(days=10)
    consultation.pre_closes_at = now - timedelta(days=1)
    db.session.commit()
    html = client.get(page_url(consultation, section)).get_data(as_text=True)
    assert "This page is read-only" in html
    assert 'type="radio"' not in html and "Save all ratings" not in html
    assert "Relevansi: <strong>4</strong>" in html  # the ratings given, shown
    response = client.post(
        save_url(consultation, section), data={field(strategies[0], criteria[0]): "1"}
    )
    assert response.status_code == 403
    assert values_of(participant)[(strategies[0].id, criteria[0].id)] == 4


def test_post_phase_ratings_are_kept_apart_from_pre_phase_ones(setup, client, login):
    consultation, section, strategies, criteria, participant = setup
    client.post(save_url(consultation, section), data={field(strategies[0], criteria[0]): "2"})
    now = utcnow()
    consultation.pre_opens_at, consultation.pre_closes_at = (
        now - timedelta(days=20),
        now - timedelta(days=10),
    )
    consultation.post_opens_at, consultation.post_closes_at = (
        now - timedelta(days=1),
        now + timedelta(days=5),
    )
    db.session.commit()
    html = client.get(page_url(consultation, section)).get_data(as_text=True)
    assert checked(html) == set()  # a new phase starts empty
    client.post(save_url(consultation, section), data={field(strategies[0], criteria[0]): "5"})
    assert values_of(participant, Phase.PRE) == {(strategies[0].id, criteria[0].id): 2}
    assert values_of(participant, Phase.POST) == {(strategies[0].id, criteria[0].id): 5}


def test_an_organiser_who_does_not_take_part_gets_no_form(setup, client, login):
    consultation, section, *_ = setup
    organiser = db.session.get(User, consultation.created_by_id)
    login(organiser)
    # Organisers view; whether they may rate is the strategy page's rule (can_participate).
    page = client.get(page_url(consultation, section))
    strategy_page = client.get(f"/c/{consultation.id}/strategies/{first_strategy(consultation).id}")
    assert ("Save all ratings" in page.text) == ("Save ratings" in strategy_page.text)


def _add_strategies(section, count):
    for number in range(count):
        db.session.add(
            Strategy(section_id=section.id, position=10 + number, code=f"S{number}", title="T")
        )
    db.session.commit()


def test_page_and_unchanged_submit_run_the_same_queries_for_2_and_40_strategies(
    make_user, make_consultation, client, login, count_queries
):
    counts = []
    for extra in (1, 39):
        participant = make_user()
        consultation = make_consultation(participants=[participant])
        section = first_strategy(consultation).section
        _add_strategies(section, extra)
        criteria = db.session.scalars(
            select(Criterion).where(Criterion.consultation_id == consultation.id)
        ).all()
        strategies = db.session.scalars(select(Strategy).where(Strategy.section_id == section.id))
        for strategy in strategies:
            services.set_ratings(
                strategy, criteria, participant, {c.id: 3 for c in criteria}, Phase.PRE
            )
        db.session.commit()
        login(participant)
        client.get(page_url(consultation, section))  # warm the session and the translations
        with count_queries() as page:
            html = client.get(page_url(consultation, section)).get_data(as_text=True)
        assert html.count('value="3" type="radio"') + html.count("checked") >= 3 * (extra + 1)
        first = first_strategy(consultation)
        data = {field(first, c): "3" for c in criteria}  # what is saved already
        with count_queries() as submit:
            response = client.post(save_url(consultation, section), data=data)
        assert response.status_code == 302
        counts.append((page.count, submit.count))
    assert counts[0] == counts[1], counts


def test_section_and_strategy_pages_link_to_the_view(setup, client):
    consultation, section, strategies, *_ = setup
    url = page_url(consultation, section)
    assert f'href="{url}"' in client.get(f"/c/{consultation.id}/sections/{section.id}").text
    strategy_page = client.get(f"/c/{consultation.id}/strategies/{strategies[0].id}").text
    assert f'href="{url}"' in strategy_page
    # The ratings are one tap away from the top, before the text and the comment form.
    jump = strategy_page.index('href="#ratings"')
    assert jump < strategy_page.index('id="comment-form"')


def test_strategy_pages_link_to_the_previous_and_next_strategy_and_section(setup, client):
    consultation, section, strategies, *_ = setup
    other = Section(chapter_id=section.chapter_id, position=2, code="1.2", title="Lain")
    db.session.add(other)
    db.session.flush()
    third = Strategy(section_id=other.id, position=1, code="1.2.1", title="Ketiga")
    db.session.add(third)
    db.session.commit()
    cid = consultation.id

    def nav(strategy):
        html = client.get(f"/c/{cid}/strategies/{strategy.id}").text
        return html.split('class="strategy-neighbours')[1].split("</nav>")[0]

    first = nav(strategies[0])
    assert f'rel="next" href="/c/{cid}/strategies/{strategies[1].id}"' in first
    assert 'rel="prev"' not in first
    assert f'href="/c/{cid}/sections/{other.id}"' in first and "Next section" in first
    middle = nav(strategies[1])
    assert f'rel="prev" href="/c/{cid}/strategies/{strategies[0].id}"' in middle
    assert f'rel="next" href="/c/{cid}/strategies/{third.id}"' in middle
    last = nav(third)
    assert 'rel="next"' not in last and "Next section" not in last
    assert f'href="/c/{cid}/sections/{section.id}"' in last and "Previous section" in last


def test_the_comment_count_in_the_heading_counts_replies_too(setup, client, make_comment):
    consultation, section, strategies, _criteria, participant = setup
    first = make_comment(consultation, participant, "Pertama", strategy=strategies[0])
    make_comment(consultation, participant, "Kedua", strategy=strategies[0])
    for body in ("Balasan satu", "Balasan dua", "Balasan tiga"):
        make_comment(consultation, participant, body, strategy=strategies[0], parent_id=first.id)
    db.session.commit()
    html = client.get(f"/c/{consultation.id}/strategies/{strategies[0].id}").text
    heading = html.split('id="comments-heading"')[1].split("</h2>")[0]
    # Two comments and three replies: five, as the cards below show, not "2".
    assert re.search(r'class="badge text-bg-secondary comment-count"[^>]*>5<', heading)
    assert "comments and replies" in heading
    assert html.count('<article class="card mb-2') == 5
