"""Check-in at the door: search, QR code token, walk-ins, counts per group."""

import re

import pytest
from sqlalchemy import select

from consult.auth.models import Role, User
from consult.auth.tokens import make_checkin_token
from consult.extensions import db
from consult.fgd import attendance
from consult.fgd.models import Attendee, CheckInMethod, FgdSession
from consult.plans.models import Membership
from consult.timeutil import utcnow


@pytest.fixture
def door(make_user, make_group, make_consultation):
    kadin, academics = make_group("KADIN"), make_group("Akademisi")
    organiser = make_user(role=Role.ORGANISER)
    siti = make_user(name="Siti Rahmah", organisation="KADIN Kota", group=kadin)
    budi = make_user(name="Budi Santoso", organisation="Universitas Palangka Raya", group=academics)
    consultation = make_consultation(organiser=organiser, participants=[siti, budi])
    session = db.session.scalar(select(FgdSession))
    return consultation, session, organiser, siti, budi, kadin


def test_search_by_organisation_then_tap_to_check_in_records_the_time(client, login, door):
    consultation, session, organiser, siti, budi, _k = door
    login(organiser)
    base = f"/c/{consultation.id}/fgd/{session.id}/checkin"
    html = client.get(f"{base}?q=universitas").get_data(as_text=True)
    assert "Budi Santoso" in html and "Siti Rahmah" not in html
    before = utcnow()
    client.post(f"{base}/{budi.id}", data={"q": "universitas"})
    attendee = db.session.scalar(select(Attendee))
    assert (attendee.user_id, attendee.method) == (budi.id, CheckInMethod.SEARCH)
    assert attendee.checked_in_at >= before.replace(microsecond=0)
    assert "Present since" in client.get(f"{base}?q=budi").get_data(as_text=True)


def test_search_treats_wildcards_as_text(door):
    _c, session, _o, _s, _b, _k = door
    assert attendance.search_people(session, "%") == []
    assert [c.user.name for c in attendance.search_people(session, "rahm")] == ["Siti Rahmah"]


def test_checking_in_twice_keeps_the_first_time(door):
    _c, session, organiser, siti, _b, _k = door
    first = attendance.check_in(session, siti, organiser, CheckInMethod.SEARCH, utcnow())
    again = attendance.check_in(session, siti, organiser, CheckInMethod.QR, utcnow())
    assert again.id == first.id and again.method == CheckInMethod.SEARCH
    assert len(attendance.attendees_of(session)) == 1


def test_qr_code_on_overview_opens_that_persons_check_in_for_the_organiser(client, login, door):
    consultation, session, organiser, siti, _b, _k = door
    login(siti)
    html = client.get(f"/c/{consultation.id}").get_data(as_text=True)
    assert "<svg" in html and "My check-in code" in html
    token = make_checkin_token(consultation.id, session.id, siti.id)
    url = f"/c/{consultation.id}/fgd/{session.id}/checkin/qr/{token}"
    assert client.get(url).status_code == 403  # the participant cannot check herself in
    login(organiser)
    page = client.get(url).get_data(as_text=True)
    assert "Siti Rahmah" in page and 'name="via" value="qr"' in page
    assert db.session.scalar(select(Attendee)) is None  # opening it changes nothing
    client.post(f"/c/{consultation.id}/fgd/{session.id}/checkin/{siti.id}", data={"via": "qr"})
    assert db.session.scalar(select(Attendee.method)) == CheckInMethod.QR


def test_qr_token_cannot_be_replayed_for_another_session_or_consultation(
    client, login, door, make_consultation
):
    consultation, session, organiser, siti, _b, _k = door
    other = make_consultation(organiser=organiser, participants=[siti])
    other_session = db.session.scalar(
        select(FgdSession).where(FgdSession.consultation_id == other.id)
    )
    login(organiser)
    token = make_checkin_token(consultation.id, session.id, siti.id)
    assert client.get(f"/c/{other.id}/fgd/{other_session.id}/checkin/qr/{token}").status_code == 404
    assert (
        client.get(f"/c/{consultation.id}/fgd/{session.id}/checkin/qr/{token}x").status_code == 404
    )
    stranger = db.session.get(User, organiser.id)  # not a participant: no check-in page
    forged = make_checkin_token(consultation.id, session.id, stranger.id + 999)
    assert (
        client.get(f"/c/{consultation.id}/fgd/{session.id}/checkin/qr/{forged}").status_code == 404
    )


def test_expired_qr_code_sends_the_organiser_to_the_search(client, login, door, app):
    consultation, session, organiser, siti, _b, _k = door
    app.config["FGD_CHECKIN_MAX_AGE_DAYS"] = -1
    login(organiser)
    token = make_checkin_token(consultation.id, session.id, siti.id)
    response = client.get(f"/c/{consultation.id}/fgd/{session.id}/checkin/qr/{token}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/checkin")


def test_walk_in_is_listed_counted_and_can_be_invited_later(client, login, door):
    consultation, session, organiser, siti, _b, kadin = door
    login(organiser)
    attendance.check_in(session, siti, organiser, CheckInMethod.SEARCH, utcnow())
    db.session.commit()
    client.post(
        f"/c/{consultation.id}/fgd/{session.id}/walk-in",
        data={
            "walkin-name": "Rudi Hartono",
            "walkin-organisation": "CV Rotan Kalteng",
            "walkin-position": "Pemilik",
            "walkin-group": str(kadin.id),
            "walkin-phone": "0812",
            "walkin-email": "rudi@example.org",
        },
    )
    walk_in = db.session.scalar(select(Attendee).where(Attendee.name == "Rudi Hartono"))
    assert walk_in.is_walk_in and walk_in.user_id is None
    assert attendance.counts_by_group(session) == [("KADIN", 2)]
    listing = client.get(f"/c/{consultation.id}/fgd/{session.id}/attendance").get_data(as_text=True)
    assert "Rudi Hartono" in listing and "Walk-in" in listing
    client.post(f"/c/{consultation.id}/fgd/{session.id}/attendance/{walk_in.id}/invite")
    user = db.session.scalar(select(User).where(User.email == "rudi@example.org"))
    assert user.organisation == "CV Rotan Kalteng" and user.group_id == kadin.id
    assert db.session.get(Attendee, walk_in.id).user_id == user.id
    assert db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.consultation_id == consultation.id
        )
    )


def test_walk_in_without_a_name_keeps_what_was_typed(client, login, door):
    consultation, session, organiser, *_ = door
    login(organiser)
    response = client.post(
        f"/c/{consultation.id}/fgd/{session.id}/walk-in",
        data={"walkin-name": "", "walkin-organisation": "CV Rotan Kalteng"},
    )
    assert response.status_code == 422
    assert 'value="CV Rotan Kalteng"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Attendee)) is None


def test_session_page_counts_attendees_per_group_and_polls_them(client, login, door):
    consultation, session, organiser, siti, budi, _k = door
    for person in (siti, budi):
        attendance.check_in(session, person, organiser, CheckInMethod.SEARCH, utcnow())
    db.session.commit()
    login(organiser)
    page = client.get(f"/c/{consultation.id}/fgd/{session.id}").get_data(as_text=True)
    assert "data-poll-url" in page and "2 people present" in page
    fragment = client.get(f"/c/{consultation.id}/fgd/{session.id}/attendance/counts")
    text = re.sub(r"\s+", " ", fragment.get_data(as_text=True))
    assert "KADIN: <strong>1</strong>" in text and "Akademisi: <strong>1</strong>" in text
