"""Minutes: notes per item (autosave and button), agreements and actions, speaking log and
its shares, what was said turned into FGD input."""

import re

import pytest
from conftest import first_strategy
from sqlalchemy import select

from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment, InputSource
from consult.fgd import attendance, live, minutes
from consult.fgd.models import AgendaItem, CheckInMethod, FgdSession, Outcome, SpeakingTurn
from consult.plans.models import Phase
from consult.timeutil import utcnow


@pytest.fixture
def meeting(make_user, make_group, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    kadin, academics = make_group("KADIN"), make_group("Akademisi")
    siti = make_user(name="Siti", group=kadin)
    budi = make_user(name="Budi", group=academics)
    consultation = make_consultation(organiser=organiser, participants=[siti, budi])
    session = db.session.scalar(select(FgdSession))
    strategy = first_strategy(consultation)
    item = AgendaItem(session_id=session.id, position=1, strategy_id=strategy.id)
    db.session.add(item)
    db.session.flush()
    for person in (siti, budi):
        attendance.check_in(session, person, organiser, CheckInMethod.SEARCH, utcnow())
    live.control(session, organiser, "next")
    db.session.commit()
    return consultation, session, organiser, item, siti, budi, kadin, academics


def _url(consultation, session, tail=""):
    return f"/c/{consultation.id}/fgd/{session.id}/{tail}"


def test_minutes_autosave_answers_json_and_the_button_redirects(client, login, meeting):
    consultation, session, organiser, item, *_ = meeting
    login(organiser)
    url = _url(consultation, session, f"minutes/{item.id}")
    response = client.post(
        url, data={f"m{item.id}-text": "Peserta sepakat."}, headers={"Accept": "application/json"}
    )
    assert response.json["ok"] is True
    assert db.session.get(AgendaItem, item.id).minutes == "Peserta sepakat."
    response = client.post(url, data={f"m{item.id}-text": "Peserta sepakat bertahap."})
    assert response.status_code == 302 and f"#minutes-{item.id}" in response.headers["Location"]
    page = client.get(_url(consultation, session, "minutes")).get_data(as_text=True)
    assert "Peserta sepakat bertahap." in page and "data-autosave" in page


def test_agreements_and_actions_with_who_and_by_when(client, login, meeting):
    consultation, session, organiser, *_ = meeting
    login(organiser)
    url = _url(consultation, session, "outcomes")
    client.post(url, data={"outcome-kind": "agreement", "outcome-text": "Target bertahap."})
    client.post(
        url,
        data={
            "outcome-kind": "action",
            "outcome-text": "Kirim data impor",
            "outcome-owner": "Disperindag",
            "outcome-due_on": "2022-12-15",
        },
    )
    rows = db.session.scalars(select(Outcome).order_by(Outcome.id)).all()
    assert [(o.kind.value, o.owner, str(o.due_on)) for o in rows] == [
        ("agreement", "", "None"),
        ("action", "Disperindag", "2022-12-15"),
    ]
    page = client.get(_url(consultation, session, "minutes")).get_data(as_text=True)
    assert "Kirim data impor" in page and "Disperindag" in page


def test_action_without_who_is_refused_keeping_the_text(client, login, meeting):
    consultation, session, organiser, *_ = meeting
    login(organiser)
    response = client.post(
        _url(consultation, session, "outcomes"),
        data={"outcome-kind": "action", "outcome-text": "Kirim data impor"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Say who will do it" in html and "Kirim data impor" in html
    assert db.session.scalar(select(Outcome)) is None


def test_speaking_log_one_tap_per_group_and_shares_beside_attendance(client, login, meeting):
    consultation, session, organiser, item, siti, budi, kadin, academics = meeting
    login(organiser)
    url = _url(consultation, session, "turns")
    for _ in range(3):
        client.post(url, data={"turn-group_id": str(kadin.id)})
    client.post(url, data={"turn-group_id": str(academics.id)})
    turns = db.session.scalars(select(SpeakingTurn)).all()
    assert len(turns) == 4 and all(t.agenda_item_id == item.id for t in turns)
    shares = {s.group: s for s in minutes.speaking_shares(session)}
    assert (shares["KADIN"].turns_share, shares["KADIN"].attendees_share) == (0.75, 0.5)
    page = client.get(_url(consultation, session, "minutes")).get_data(as_text=True)
    assert re.search(r"KADIN</th>\s*<td>3 \(75%\)</td>\s*<td>1 \(50%\)</td>", page)


def test_what_a_named_person_said_becomes_fgd_input_in_their_name(client, login, meeting):
    consultation, session, organiser, item, siti, *_ = meeting
    login(organiser)
    siti_attendee = attendance.attendee_of(session, siti)
    client.post(
        _url(consultation, session, "turns"),
        data={"turn-attendee": str(siti_attendee.id), "turn-note": "Rotan lokal cukup."},
    )
    turn = db.session.scalar(select(SpeakingTurn))
    assert turn.group_id == siti.group_id  # the person's group, without a tap on it
    client.post(_url(consultation, session, f"turns/{turn.id}/input"))
    comment = db.session.scalar(select(Comment))
    assert (comment.body, comment.author_id, comment.source, comment.phase) == (
        "Rotan lokal cukup.",
        siti.id,
        InputSource.FGD,
        Phase.FGD,
    )
    assert comment.strategy_id == item.strategy_id
    assert db.session.get(SpeakingTurn, turn.id).comment_id == comment.id
    client.post(_url(consultation, session, f"turns/{turn.id}/input"))  # not twice
    assert len(db.session.scalars(select(Comment)).all()) == 1


def test_a_group_turn_without_a_note_cannot_become_input(app, meeting):
    _c, session, organiser, _i, _s, _b, kadin, _a = meeting
    turn = minutes.add_turn(session, organiser, {"group_id": kadin.id}, utcnow())
    with app.test_request_context(), pytest.raises(minutes.FgdRuleError, match="what was said"):
        minutes.turn_to_input(turn, organiser)
