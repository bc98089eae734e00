"""FGD sessions: planning and agenda (organisers), RSVP, calendar file and reminders."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from consult.auth.models import Role, User
from consult.extensions import db
from consult.fgd import calendar
from consult.fgd.models import AgendaItem, FgdSession, Rsvp, RsvpAnswer
from consult.fgd.services import FgdRuleError, answer_rsvp, rsvp_list
from consult.moderation.services import send_reminders
from consult.notifications import Notification
from consult.plans.models import Membership
from consult.timeutil import utcnow


@pytest.fixture
def setup(make_user, make_group, make_consultation):
    kadin = make_group("KADIN")
    organiser = make_user(role=Role.ORGANISER)
    participant = make_user(group=kadin, organisation="KADIN Kota")
    consultation = make_consultation(organiser=organiser, participants=[participant])
    session = db.session.scalar(select(FgdSession))
    return consultation, session, organiser, participant


def _session_form(**changes):
    data = {
        "title": "FGD RPIK",
        "starts_at": "",
        "ends_at": "",
        "venue": "Ruang Peteng Karuhei II",
        "meeting_url": "https://meet.example.org/rpik",
        "capacity": "60",
        "rsvp_open": "y",
    }
    data.update(changes)
    return data


def _wib(moment: datetime) -> str:
    return (moment + timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M")


def test_organiser_plans_a_session_stored_in_utc(client, login, setup):
    consultation, _session, organiser, _p = setup
    login(organiser)
    # Between input before the FGD (closes in 7 days) and input after it (opens in 9).
    start = utcnow().replace(second=0, microsecond=0) + timedelta(days=7, hours=12)
    response = client.post(
        f"/c/{consultation.id}/fgd/new",
        data=_session_form(starts_at=_wib(start), ends_at=_wib(start + timedelta(hours=4))),
    )
    assert response.status_code == 302
    new = db.session.scalar(select(FgdSession).where(FgdSession.title == "FGD RPIK"))
    assert (new.starts_at, new.ends_at - new.starts_at) == (start, timedelta(hours=4))
    assert new.capacity == 60 and new.meeting_url == "https://meet.example.org/rpik"


@pytest.mark.parametrize(
    ("offsets", "field", "message"),
    [
        ((3, 2), "ends_at", "must end after it starts"),
        ((-3, -2), "starts_at", "start after input before the FGD closes"),
        ((3, 4), "starts_at", "start after input before the FGD closes"),
        ((8, 10), "ends_at", "end before input after the FGD opens"),
        ((15, 16), "ends_at", "end before input after the FGD opens"),
    ],
)
def test_session_outside_the_windows_is_refused_keeping_what_was_typed(
    client, login, setup, offsets, field, message
):
    consultation, _session, organiser, _p = setup
    login(organiser)
    now = utcnow()
    starts, ends = (_wib(now + timedelta(days=d)) for d in offsets)
    response = client.post(
        f"/c/{consultation.id}/fgd/new", data=_session_form(starts_at=starts, ends_at=ends)
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert starts in html and "Ruang Peteng Karuhei II" in html


def test_agenda_items_point_at_the_plan_and_can_be_reordered(client, login, setup):
    consultation, session, organiser, _p = setup
    login(organiser)
    from conftest import first_strategy

    strategy = first_strategy(consultation)
    base = f"/c/{consultation.id}/fgd/{session.id}/agenda"
    client.post(f"{base}/new", data={"target": "", "title": "Pembukaan", "moderator": "Asisten"})
    client.post(f"{base}/new", data={"target": f"strategy-{strategy.id}", "moderator": "Kadis"})
    items = db.session.scalars(select(AgendaItem).order_by(AgendaItem.position)).all()
    assert [(i.title, i.strategy_id) for i in items] == [("Pembukaan", None), ("", strategy.id)]
    html = client.get(f"/c/{consultation.id}/fgd/{session.id}").get_data(as_text=True)
    assert strategy.title in html and "Kadis" in html
    client.post(f"{base}/{items[1].id}/up")
    db.session.expire_all()
    assert [i.position for i in (items[1], items[0])] == [1, 2]


def test_agenda_item_needs_a_plan_part_or_a_title(client, login, setup):
    consultation, session, organiser, _p = setup
    login(organiser)
    response = client.post(
        f"/c/{consultation.id}/fgd/{session.id}/agenda/new",
        data={"target": "", "title": "", "moderator": "Bu Rina"},
    )
    assert "Choose a part of the plan or give a title" in response.get_data(as_text=True)
    assert "Bu Rina" in response.get_data(as_text=True)
    assert db.session.scalar(select(AgendaItem)) is None


def test_agenda_item_of_another_session_is_404(client, login, setup, make_consultation):
    consultation, session, organiser, _p = setup
    other = make_consultation(organiser=organiser)
    other_session = db.session.scalar(
        select(FgdSession).where(FgdSession.consultation_id == other.id)
    )
    item = AgendaItem(session_id=other_session.id, position=1, title="X")
    db.session.add(item)
    db.session.commit()
    login(organiser)
    url = f"/c/{consultation.id}/fgd/{session.id}/agenda/{item.id}/edit"
    assert client.get(url).status_code == 404


def test_participant_answers_with_a_delegate_and_sees_it_on_the_overview(client, login, setup):
    consultation, session, _o, participant = setup
    login(participant)
    overview = client.get(f"/c/{consultation.id}").get_data(as_text=True)
    assert "Answer the invitation" in overview and "calendar.ics" in overview
    response = client.post(
        f"/c/{consultation.id}/fgd/{session.id}/rsvp",
        data={
            f"s{session.id}-answer": "delegate",
            f"s{session.id}-delegate_name": "Budi Santoso",
            f"s{session.id}-delegate_position": "Sekretaris",
        },
    )
    assert response.status_code == 302
    rsvp = db.session.scalar(select(Rsvp))
    assert (rsvp.answer, rsvp.delegate_name, rsvp.delegate_position) == (
        RsvpAnswer.DELEGATE,
        "Budi Santoso",
        "Sekretaris",
    )
    overview = client.get(f"/c/{consultation.id}").get_data(as_text=True)
    assert "Sends a delegate" in overview and "Budi Santoso" in overview


def test_delegate_without_a_name_is_refused_keeping_the_position(client, login, setup):
    consultation, session, _o, participant = setup
    login(participant)
    response = client.post(
        f"/c/{consultation.id}/fgd/{session.id}/rsvp",
        data={f"s{session.id}-answer": "delegate", f"s{session.id}-delegate_position": "Staf"},
    )
    assert response.status_code == 422
    assert "Give the delegate" in response.get_data(as_text=True)
    assert 'value="Staf"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Rsvp)) is None


def test_answers_close_with_the_session(setup):
    _c, session, _o, participant = setup
    session.rsvp_open = False
    with pytest.raises(FgdRuleError):
        answer_rsvp(session, participant, {"answer": RsvpAnswer.ATTENDING}, utcnow())
    session.rsvp_open = True
    with pytest.raises(FgdRuleError):
        answer_rsvp(session, participant, {"answer": RsvpAnswer.ATTENDING}, session.ends_at)


def test_rsvp_list_groups_answers_by_stakeholder_group(setup, make_user, make_group):
    consultation, session, _o, participant = setup
    academic = make_user(group=make_group("Akademisi"))
    db.session.add(Membership(consultation_id=consultation.id, user_id=academic.id))
    answer_rsvp(session, participant, {"answer": RsvpAnswer.ATTENDING}, utcnow())
    groups = {g.group.name: g for g in rsvp_list(session)}
    assert groups["KADIN"].count(RsvpAnswer.ATTENDING) == 1
    assert groups["Akademisi"].count(None) == 1


def test_organiser_invites_the_delegate_in_one_step(client, login, setup):
    consultation, session, organiser, participant = setup
    rsvp = answer_rsvp(
        session,
        participant,
        {"answer": RsvpAnswer.DELEGATE, "delegate_name": "Budi", "delegate_position": "Staf"},
        utcnow(),
    )
    db.session.commit()
    login(organiser)
    page = client.get(f"/c/{consultation.id}/fgd/{session.id}/rsvps").get_data(as_text=True)
    assert "Invite the delegate" in page
    client.post(
        f"/c/{consultation.id}/fgd/{session.id}/rsvps/{rsvp.id}/invite",
        data={"email": "budi@example.org"},
    )
    delegate = db.session.scalar(select(User).where(User.email == "budi@example.org"))
    assert (delegate.name, delegate.position, delegate.group_id) == (
        "Budi",
        "Staf",
        participant.group_id,
    )
    assert db.session.get(Rsvp, rsvp.id).delegate_user_id == delegate.id
    assert db.session.scalar(
        select(Membership).where(
            Membership.user_id == delegate.id, Membership.consultation_id == consultation.id
        )
    )


def test_calendar_file_escapes_text_and_gives_utc_times(client, login, setup):
    consultation, session, _o, participant = setup
    session.venue = "Ruang Peteng Karuhei II, Lt. 2; Kantor Wali Kota"
    session.starts_at = datetime(2022, 11, 30, 2, 0)
    session.ends_at = datetime(2022, 11, 30, 6, 0)
    db.session.commit()
    login(participant)
    response = client.get(f"/c/{consultation.id}/fgd/{session.id}/calendar.ics")
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert "DTSTART:20221130T020000Z\r\n" in text and "DTEND:20221130T060000Z\r\n" in text
    assert "LOCATION:Ruang Peteng Karuhei II\\, Lt. 2\\; Kantor Wali Kota\r\n" in text
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")


def test_calendar_lines_fold_at_75_octets_without_splitting_characters():
    long_title = "Diskusi kelompok terfokus rencana pembangunan industri — " * 4
    text = calendar.session_ics(
        uid="x@y",
        title=long_title,
        starts_at=datetime(2022, 11, 30, 2),
        ends_at=datetime(2022, 11, 30, 6),
        venue="",
        description="baris satu\nbaris dua, dan \\ tiga",
        url="",
        stamp=datetime(2022, 11, 1),
    )
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    unfolded = text.replace("\r\n ", "")
    assert f"SUMMARY:{long_title}" in unfolded
    assert "DESCRIPTION:baris satu\\nbaris dua\\, dan \\\\ tiga" in unfolded


def test_reminder_per_session_skips_those_who_will_not_come(setup, make_user):
    consultation, session, organiser, participant = setup
    now = utcnow()
    session.starts_at = now + timedelta(hours=30)
    later = FgdSession(
        consultation_id=consultation.id,
        title="Sesi 2",
        starts_at=now + timedelta(hours=40),
        ends_at=now + timedelta(hours=42),
    )
    db.session.add(later)
    db.session.flush()
    answer_rsvp(later, participant, {"answer": RsvpAnswer.DECLINED}, now)
    db.session.commit()
    send_reminders(now)
    got = db.session.execute(select(Notification.user_id, Notification.params)).all()
    to_participant = [p["session"] for uid, p in got if uid == participant.id]
    to_organiser = sorted(p["session"] for uid, p in got if uid == organiser.id)
    assert to_participant == ["FGD"]
    assert to_organiser == ["FGD", "Sesi 2"]
