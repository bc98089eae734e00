"""The live room: console steps, voting in the room (phase FGD), presenter results, ETags."""

import re

import pytest
from conftest import first_strategy
from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.auth.tokens import make_room_token
from consult.extensions import db
from consult.feedback.models import Rating, RatingChange
from consult.fgd import attendance, live
from consult.fgd.models import AgendaItem, CheckInMethod, FgdSession
from consult.fgd.services import FgdRuleError
from consult.plans.models import Criterion, Phase
from consult.timeutil import utcnow


@pytest.fixture
def room(make_user, make_group, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    kadin = make_group("KADIN")
    voters = [make_user(group=kadin, name=f"Pemilih {i}") for i in range(3)]
    consultation = make_consultation(organiser=organiser, participants=voters)
    session = db.session.scalar(select(FgdSession))
    strategy = first_strategy(consultation)
    opening = AgendaItem(session_id=session.id, position=1, title="Pembukaan")
    rated = AgendaItem(session_id=session.id, position=2, strategy_id=strategy.id)
    db.session.add_all([opening, rated])
    db.session.flush()
    for voter in voters[:2]:
        attendance.check_in(session, voter, organiser, CheckInMethod.SEARCH, utcnow())
    db.session.commit()
    criteria = db.session.scalars(select(Criterion).order_by(Criterion.position)).all()
    return consultation, session, organiser, voters, strategy, criteria


def _url(consultation, session, tail):
    return f"/c/{consultation.id}/fgd/{session.id}/{tail}"


def test_console_steps_through_the_agenda_and_opens_voting_only_on_a_strategy(room):
    _c, session, organiser, *_ = room
    live.control(session, organiser, "next")
    assert live.current_item(session).title == "Pembukaan"
    with pytest.raises(FgdRuleError):
        live.control(session, organiser, "open")
    live.control(session, organiser, "next")
    live.control(session, organiser, "open")
    assert session.voting_open
    live.control(session, organiser, "next")  # already the last: stays, voting closes
    assert session.current_position == 2 and not session.voting_open
    live.control(session, organiser, "previous")
    assert session.current_position == 1


def test_each_console_action_raises_the_step_version(client, login, room):
    consultation, session, organiser, *_ = room
    login(organiser)
    before = session.step_version
    client.post(_url(consultation, session, "console/next"))
    client.post(_url(consultation, session, "console/show"))
    db.session.expire_all()
    assert session.step_version == before + 2 and session.results_visible


def test_checked_in_participant_votes_in_one_tap_as_phase_fgd(client, login, room):
    consultation, session, organiser, voters, strategy, criteria = room
    live.control(session, organiser, "next")
    live.control(session, organiser, "next")
    live.control(session, organiser, "open")
    db.session.commit()
    login(voters[0])
    page = client.get(_url(consultation, session, "room")).get_data(as_text=True)
    assert strategy.title in page and 'name="value" value="5"' in page
    response = client.post(
        _url(consultation, session, "room/vote"),
        data={"criterion": criteria[0].id, "value": "4"},
        headers={"Accept": "application/json"},
    )
    assert response.json == {"ok": True, "criterion": criteria[0].id, "value": 4}
    rating = db.session.scalar(select(Rating))
    assert (rating.phase, rating.value, rating.strategy_id) == (Phase.FGD, 4, strategy.id)


def test_only_people_in_the_room_vote_and_only_while_voting_is_open(app, room):
    _c, session, organiser, voters, _s, criteria = room
    with app.test_request_context():  # the refusals are translated messages
        live.control(session, organiser, "next")
        live.control(session, organiser, "next")
        with pytest.raises(FgdRuleError, match="closed"):
            live.vote(session, voters[0], criteria[0], 3)
        live.control(session, organiser, "open")
        with pytest.raises(FgdRuleError, match="Check in"):
            live.vote(session, voters[2], criteria[0], 3)  # invited, not checked in
        with pytest.raises(FgdRuleError):
            live.vote(session, voters[0], criteria[0], 9)
        assert db.session.scalar(select(Rating)) is None


def test_out_of_scale_vote_over_http_is_refused_not_an_error(client, login, room):
    consultation, session, organiser, voters, _s, criteria = room
    for action in ("next", "next", "open"):
        live.control(session, organiser, action)
    db.session.commit()
    login(voters[0])
    for value in ("9", "abc", "", "²", "9" * 5000):
        response = client.post(
            _url(consultation, session, "room/vote"),
            data={"criterion": criteria[0].id, "value": value},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 409
    bad = client.post(_url(consultation, session, "room/vote"), data={"criterion": "x"})
    assert bad.status_code == 302


def test_presenter_shows_counts_means_and_distribution_without_names(client, login, room):
    consultation, session, organiser, voters, _s, criteria = room
    for action in ("next", "next", "open", "show"):
        live.control(session, organiser, action)
    live.vote(session, voters[0], criteria[0], 4)
    live.vote(session, voters[1], criteria[0], 2)
    live.vote(session, voters[1], criteria[1], None)  # cannot judge: answered, not in the mean
    db.session.commit()
    login(organiser)
    state = client.get(_url(consultation, session, "present/state")).json
    first, second = state["results"][0], state["results"][1]
    assert (first["count"], first["mean"], first["distribution"]) == (2, 3.0, [0, 1, 0, 1, 0])
    assert (second["count"], second["answered"], second["mean"]) == (0, 1, None)
    page = client.get(_url(consultation, session, "present")).get_data(as_text=True)
    assert "3.00" in page and "navbar" not in page
    for voter in voters:
        assert voter.name not in page and voter.name not in str(state)


def test_state_answers_304_until_the_counters_move(client, login, room, count_queries):
    consultation, session, organiser, voters, _s, criteria = room
    login(organiser)
    url = _url(consultation, session, "present/state")
    first = client.get(url)
    etag = first.headers["ETag"]
    with count_queries() as counter:
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert counter.count <= 3
    for action in ("next", "next", "open"):
        live.control(session, organiser, action)
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_phones_are_not_woken_by_votes_only_by_steps(client, login, room):
    consultation, session, organiser, voters, _s, criteria = room
    for action in ("next", "next", "open"):
        live.control(session, organiser, action)
    db.session.commit()
    login(voters[0])
    page = client.get(_url(consultation, session, "room")).get_data(as_text=True)
    url = re.search(r'data-live-url="([^"]+)"', page).group(1)
    etag = client.get(url).headers["ETag"]  # the token in the URL is the credential
    live._STEP_CACHE.clear()
    live.vote(session, voters[1], criteria[0], 5)
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    live.control(session, organiser, "close")
    db.session.commit()
    live._STEP_CACHE.clear()  # as half a second later
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_room_state_token_is_bound_to_its_session(client, login, room, make_consultation):
    consultation, session, _o, voters, *_ = room
    token = make_room_token(consultation.id, session.id, voters[0].id)
    other = make_consultation()
    assert client.get(f"/c/{other.id}/fgd/{session.id}/room/state/{token}").status_code == 404
    assert client.get(_url(consultation, session, f"room/state/{token}x")).status_code == 404
    assert client.get(_url(consultation, session, f"room/state/{token}")).status_code == 200


def test_a_304_poll_costs_no_query_within_the_cache_time(client, login, room, count_queries):
    consultation, session, _o, voters, *_ = room
    login(voters[0])  # the phone sends its session cookie: still no user look-up
    url = _url(
        consultation,
        session,
        f"room/state/{make_room_token(consultation.id, session.id, voters[0].id)}",
    )
    etag = client.get(url).headers["ETag"]
    with count_queries() as counter:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert counter.count == 0


def test_a_tap_costs_the_login_one_check_and_one_insert(client, login, room, count_queries):
    consultation, session, organiser, voters, strategy, criteria = room
    for action in ("next", "next", "open"):
        live.control(session, organiser, action)
    db.session.commit()
    login(voters[0])
    url, criterion_id = _url(consultation, session, "room/vote"), criteria[0].id
    json = {"Accept": "application/json"}
    with count_queries() as first:
        assert client.post(url, data={"criterion": criterion_id, "value": "4"}, headers=json).json[
            "ok"
        ]
    # the user (Flask-Login), the check, the INSERT ... ON CONFLICT, the input version
    assert first.count == 4, first.statements
    assert "ON CONFLICT" in first.statements[2].upper()
    assert not any("audit_event" in s or "vote_version" in s for s in first.statements)
    with count_queries() as changed:
        client.post(url, data={"criterion": criterion_id, "value": "2"}, headers=json)
    assert changed.count == 6, changed.statements  # + the earlier value kept, the update
    rating = db.session.scalar(select(Rating))
    assert rating.value == 2
    assert [c.value for c in db.session.scalars(select(RatingChange))] == [4]
    client.post(url, data={"criterion": criterion_id, "value": "2"}, headers=json)
    assert db.session.scalar(select(func.count(RatingChange.id))) == 1  # no change, no history


def test_the_tap_keeps_its_refusals_on_the_ordinary_path(client, login, room, make_user):
    consultation, session, organiser, voters, strategy, criteria = room
    for action in ("next", "next", "open"):
        live.control(session, organiser, action)
    db.session.commit()
    url, json = _url(consultation, session, "room/vote"), {"Accept": "application/json"}
    login(voters[2])  # invited, not checked in
    refused = client.post(url, data={"criterion": criteria[0].id, "value": "3"}, headers=json)
    assert refused.status_code == 409 and "Check in" in refused.json["error"]
    login(make_user(name="Orang luar"))
    assert client.post(url, data={"criterion": criteria[0].id, "value": "3"}).status_code == 404
    assert db.session.scalar(select(Rating)) is None


def test_closing_the_vote_records_how_many_ratings_the_room_gave(room):
    _c, session, organiser, voters, _s, criteria = room
    for action in ("next", "next", "open"):
        live.control(session, organiser, action)
    live.vote(session, voters[0], criteria[0], 4)
    live.vote(session, voters[1], criteria[1], 2)
    live.control(session, organiser, "close")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "fgd_live.close"))
    assert event.data["ratings"] == 2


def test_the_projectors_304_costs_the_login_and_one_statement(client, login, room, count_queries):
    consultation, session, organiser, voters, _s, criteria = room
    for action in ("next", "next", "open", "show"):
        live.control(session, organiser, action)
    db.session.commit()
    login(organiser)
    url = _url(consultation, session, "present/state")
    etag = client.get(url).headers["ETag"]
    with count_queries() as counter:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert counter.count == 2, counter.statements
    live.vote(session, voters[0], criteria[0], 5)  # shown results: a vote wakes the projector
    db.session.commit()
    fresh = client.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.json["results"][0]["count"] == 1
    live.control(session, organiser, "hide")
    db.session.commit()
    hidden = client.get(url).headers["ETag"]
    live.vote(session, voters[1], criteria[0], 3)  # hidden results: votes do not
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": hidden}).status_code == 304


def test_taps_and_polls_do_not_resend_the_session_cookie(client, login, room):
    consultation, session, organiser, voters, _s, criteria = room
    for action in ("next", "next", "open"):
        live.control(session, organiser, action)
    db.session.commit()
    login(voters[0])
    page = client.get(_url(consultation, session, "room"))
    assert "Set-Cookie" in page.headers  # pages still slide the session's expiry
    tap = client.post(
        _url(consultation, session, "room/vote"),
        data={"criterion": criteria[0].id, "value": "3"},
        headers={"Accept": "application/json"},
    )
    assert tap.json["ok"] and "Set-Cookie" not in tap.headers
    poll = re.search(r'data-live-url="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert "Set-Cookie" not in client.get(poll).headers
    login(organiser)
    client.get(_url(consultation, session, "console"))  # the first request after a login saves it
    assert "Set-Cookie" not in client.get(_url(consultation, session, "present/state")).headers


def test_the_phones_poll_does_not_read_the_session_cookie(app, client, login, room):
    from flask import request

    consultation, session, _o, voters, *_ = room
    login(voters[0])
    client.get(_url(consultation, session, "room"))
    cookie = client.get_cookie("session").value
    token = make_room_token(consultation.id, session.id, voters[0].id)
    for tail, read in (("room", True), (f"room/state/{token}", False)):
        with app.test_request_context(
            _url(consultation, session, tail), headers={"Cookie": f"session={cookie}"}
        ):
            opened = app.session_interface.open_session(app, request)
            assert ("_user_id" in opened) is read
