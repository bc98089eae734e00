"""Ratings: phases and windows, upsert with history, the unique constraint under concurrency."""

import os
import re
import threading
from datetime import UTC, datetime

import pytest
import time_machine
from conftest import first_strategy
from sqlalchemy import func, select

from consult.extensions import db
from consult.feedback import services
from consult.feedback.models import Comment, Rating, RatingChange
from consult.plans.models import Criterion, Phase

# Windows (naive UTC): pre 1-10 Nov, FGD 30 Nov, post 1-15 Dec 2022.
WINDOWS = {
    "pre_opens_at": datetime(2022, 11, 1, 1, 0),
    "pre_closes_at": datetime(2022, 11, 10, 17, 0),
    "fgd_at": datetime(2022, 11, 30, 2, 0),
    "post_opens_at": datetime(2022, 12, 1, 1, 0),
    "post_closes_at": datetime(2022, 12, 15, 17, 0),
}


_current = {}


class at:  # noqa: N801 - reads as a phrase: with at(2022, 11, 5):
    """Freeze time and log the participant in again (a session signed in the future is void)."""

    def __init__(self, *args):
        self.traveller = time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)

    def __enter__(self):
        self.traveller.__enter__()
        if _current:
            _current["login"](_current["user"])
        return self

    def __exit__(self, *exc):
        return self.traveller.__exit__(*exc)


@pytest.fixture
def setup(make_user, make_consultation, login):
    participant = make_user()
    consultation = make_consultation(participants=[participant], **WINDOWS)
    strategy = first_strategy(consultation)
    criteria = db.session.scalars(
        select(Criterion).where(Criterion.consultation_id == consultation.id).order_by("position")
    ).all()
    login(participant)
    _current.update(login=login, user=participant)
    yield consultation, strategy, criteria, participant
    _current.clear()


def strategy_url(consultation, strategy):
    return f"/c/{consultation.id}/strategies/{strategy.id}"


def rate(client, consultation, strategy, criteria, values):
    data = {f"criterion_{c.id}": v for c, v in zip(criteria, values, strict=False) if v}
    return client.post(f"{strategy_url(consultation, strategy)}/ratings", data=data)


def comment(client, consultation, strategy):
    return client.post(
        f"{strategy_url(consultation, strategy)}/comments", data={"type": "other", "body": "Isi"}
    )


@pytest.mark.parametrize(
    "moment, expected_phase, message",
    [
        ((2022, 10, 20, 3), None, "Input opens on"),
        ((2022, 11, 5, 3), Phase.PRE, "Input before the FGD is open until"),
        ((2022, 11, 20, 3), None, "input after the FGD opens on"),
        ((2022, 12, 5, 3), Phase.POST, "Input after the FGD is open until"),
        ((2022, 12, 20, 3), None, "Input closed on"),
    ],
)
def test_input_windows(setup, client, moment, expected_phase, message):
    consultation, strategy, criteria, _ = setup
    with at(*moment):
        page = client.get(strategy_url(consultation, strategy)).get_data(as_text=True)
        assert message in page
        rated = rate(client, consultation, strategy, criteria, ["3", "4", "na"])
        commented = comment(client, consultation, strategy)
    if expected_phase is None:
        assert 'name="criterion_' not in page
        assert 'id="comment-form"' not in page
        assert rated.status_code == commented.status_code == 403
        assert db.session.scalar(select(func.count(Rating.id))) == 0
        assert db.session.scalar(select(func.count(Comment.id))) == 0
    else:
        assert 'name="criterion_' in page and 'id="comment-form"' in page
        assert rated.status_code == commented.status_code == 302
        assert set(db.session.scalars(select(Rating.phase))) == {expected_phase}
        assert db.session.scalar(select(Comment.phase)) == expected_phase


def test_window_dates_are_shown_in_wib(setup, client):
    consultation, strategy, *_ = setup
    with at(2022, 10, 20, 3):
        page = client.get(strategy_url(consultation, strategy)).get_data(as_text=True)
    # 1 Nov 2022 01:00 UTC is 08:00 WIB.
    assert "08.00" in page or "08:00" in page or "8:00" in page


def test_changing_a_rating_updates_the_row_and_keeps_history(setup, client):
    consultation, strategy, criteria, participant = setup
    with at(2022, 11, 2, 3):
        rate(client, consultation, strategy, criteria, ["2", "3", "4"])
    with at(2022, 11, 3, 3):
        rate(client, consultation, strategy, criteria, ["5", "3", "na"])
    ratings = {r.criterion_id: r for r in db.session.scalars(select(Rating))}
    assert len(ratings) == 3
    assert [ratings[c.id].value for c in criteria] == [5, 3, None]
    changes = db.session.scalars(select(RatingChange).order_by(RatingChange.id)).all()
    assert [(c.rating_id, c.value) for c in changes] == [
        (ratings[criteria[0].id].id, 2),
        (ratings[criteria[2].id].id, 4),
    ]
    assert changes[0].valid_from == datetime(2022, 11, 2, 3)
    with at(2022, 11, 3, 4):
        page = client.get(strategy_url(consultation, strategy)).get_data(as_text=True)
    checked = re.findall(r"<input[^>]*checked[^>]*>", page)
    assert any(f'name="criterion_{criteria[0].id}"' in i and 'value="5"' in i for i in checked)
    assert any(f'name="criterion_{criteria[2].id}"' in i and 'value="na"' in i for i in checked)


def test_pre_and_post_ratings_are_separate_rows(setup, client):
    consultation, strategy, criteria, _ = setup
    with at(2022, 11, 2, 3):
        rate(client, consultation, strategy, criteria, ["2"])
    with at(2022, 12, 2, 3):
        rate(client, consultation, strategy, criteria, ["4"])
    rows = db.session.execute(select(Rating.phase, Rating.value).order_by(Rating.id)).all()
    assert rows == [(Phase.PRE, 2), (Phase.POST, 4)]


def test_closed_page_shows_each_phases_own_ratings_of_each_criterion(setup, client):
    # The page loads the criteria and the reader's ratings with the strategy: a row per
    # criterion and phase rated, which must come back as one criterion each.
    consultation, strategy, criteria, _ = setup
    with at(2022, 11, 2, 3):
        rate(client, consultation, strategy, criteria, ["2", "3"])
    with at(2022, 12, 2, 3):
        rate(client, consultation, strategy, criteria, ["4"])
    with at(2022, 12, 20, 3):
        page = client.get(strategy_url(consultation, strategy)).get_data(as_text=True)
    table = page[page.index('id="ratings"') :]
    rows = re.findall(r"<tr><td>([^<]+)</td>\s*<td>([^<]*)</td>\s*<td>([^<]*)</td></tr>", table)
    assert rows[:2] == [(criteria[0].label, "2", "4"), (criteria[1].label, "3", "—")]
    assert len(rows) == len(criteria)


def test_a_consultation_without_criteria_shows_its_strategies(setup, client):
    consultation, strategy, criteria, _ = setup
    for criterion in criteria:
        db.session.delete(criterion)
    db.session.commit()
    with at(2022, 11, 2, 3):
        response = client.get(strategy_url(consultation, strategy))
    assert response.status_code == 200
    assert 'name="criterion_' not in response.get_data(as_text=True)


def test_out_of_scale_rating_is_refused(setup, client):
    consultation, strategy, criteria, _ = setup
    with at(2022, 11, 2, 3):
        response = rate(client, consultation, strategy, criteria, ["9"])
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Rating.id))) == 0


def test_conflicting_insert_updates_the_winning_row(setup, monkeypatch):
    """The IntegrityError path: another request inserted the row after our look-up."""
    consultation, strategy, criteria, participant = setup
    services.set_rating(strategy, criteria[0], participant, 2, Phase.PRE)
    db.session.commit()
    real_find = services._find_rating
    calls = []

    def stale_find(*args):
        calls.append(args)
        return None if len(calls) == 1 else real_find(*args)

    monkeypatch.setattr(services, "_find_rating", stale_find)
    rating = services.set_rating(strategy, criteria[0], participant, 4, Phase.PRE)
    db.session.commit()
    assert len(calls) == 2
    assert db.session.scalar(select(func.count(Rating.id))) == 1
    assert rating.value == 4
    assert db.session.scalar(select(RatingChange.value)) == 2


def test_simultaneous_ratings_make_one_row(setup, app):
    """Real threads with their own sessions on PostgreSQL; sequential sessions on SQLite."""
    consultation, strategy, criteria, participant = setup
    ids = (strategy.id, [c.id for c in criteria], participant.id)
    db.session.commit()
    is_postgres = db.engine.dialect.name == "postgresql"
    workers = 8 if is_postgres else 2
    barrier = threading.Barrier(workers)
    errors = []

    def submit(value):
        from consult.auth.models import User
        from consult.plans.models import Strategy

        with app.app_context():
            try:
                strategy_, user = db.session.get(Strategy, ids[0]), db.session.get(User, ids[2])
                crits = [db.session.get(Criterion, cid) for cid in ids[1]]
                if is_postgres:
                    barrier.wait(timeout=10)
                for crit in crits:
                    services.set_rating(strategy_, crit, user, value, Phase.PRE)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    if is_postgres:
        threads = [threading.Thread(target=submit, args=(1 + i % 5,)) for i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    else:
        for i in range(workers):
            submit(1 + i % 5)
    assert errors == []
    db.session.expire_all()
    rows = db.session.execute(
        select(Rating.criterion_id, func.count(Rating.id)).group_by(Rating.criterion_id)
    ).all()
    assert sorted(rows) == sorted((cid, 1) for cid in ids[1])
    # Every value but the final one is kept as history.
    changes = db.session.scalar(select(func.count(RatingChange.id)))
    assert changes <= (workers - 1) * len(criteria)


def test_simultaneous_posts_through_the_client_never_fail(setup, app, login):
    """Two participants' browsers posting the same form at once get no 500."""
    consultation, strategy, criteria, participant = setup
    db.session.commit()
    is_postgres = db.engine.dialect.name == "postgresql"
    workers = 6 if is_postgres else 2
    barrier = threading.Barrier(workers)
    statuses = []
    url = f"{strategy_url(consultation, strategy)}/ratings"
    data = {f"criterion_{c.id}": "3" for c in criteria}
    clients = [app.test_client() for _ in range(workers)]

    def post(test_client):
        with app.app_context():
            if is_postgres:
                barrier.wait(timeout=10)
            statuses.append(test_client.post(url, data=data).status_code)
            db.session.remove()

    with at(2022, 11, 2, 3):
        for c in clients:
            login(participant, c)
        if is_postgres:
            threads = [threading.Thread(target=post, args=(c,)) for c in clients]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        else:
            for c in clients:
                post(c)
    assert statuses == [302] * workers
    assert db.session.scalar(select(func.count(Rating.id))) == len(criteria)


def test_runs_against_the_configured_database():
    """Documents which database the concurrency tests above exercised."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    assert url == "" or url.startswith(("postgresql", "sqlite"))
