"""The demo: an upcoming FGD session to try, and a finished one with its whole record."""

from sqlalchemy import func, select

from consult.demo import seed
from consult.extensions import db
from consult.feedback.models import Comment, InputSource, Rating
from consult.fgd.models import Attendee, CheckInMethod, FgdSession, Outcome, SpeakingTurn
from consult.fgd.services import agenda_of
from consult.plans.models import Phase
from consult.timeutil import utcnow


def test_demo_has_an_upcoming_session_and_a_finished_one_with_its_record(app):
    seed()
    db.session.commit()
    finished, upcoming = db.session.scalars(select(FgdSession).order_by(FgdSession.starts_at))
    assert finished.ends_at < utcnow() < upcoming.starts_at
    assert upcoming.rsvp_open and len(agenda_of(upcoming)) >= 3
    assert any(item.strategy_id for item in agenda_of(upcoming))  # something to vote on
    attendees = db.session.scalars(select(Attendee).where(Attendee.session_id == finished.id))
    methods = [a.method for a in attendees]
    assert methods.count(CheckInMethod.WALK_IN) == 2 and len(methods) == 6
    assert all(item.minutes for item in agenda_of(finished))
    kinds = sorted(o.kind.value for o in db.session.scalars(select(Outcome)))
    assert kinds == ["action", "action", "agreement"]
    assert db.session.scalar(select(func.count(SpeakingTurn.id))) >= 5
    assert db.session.scalar(select(func.count(Rating.id)).where(Rating.phase == Phase.FGD)) > 0
    fgd_input = db.session.scalar(
        select(Comment).where(Comment.source == InputSource.FGD, Comment.phase == Phase.FGD)
    )
    assert fgd_input is not None


def test_demo_pages_of_the_fgd_render(app, client, login):
    consultation = seed()
    db.session.commit()
    from consult.auth.models import User

    organiser = db.session.scalar(select(User).where(User.email == "organiser@example.org"))
    finished = db.session.scalars(select(FgdSession).order_by(FgdSession.starts_at)).first()
    login(organiser)
    base = f"/c/{consultation.id}/fgd/{finished.id}"
    for tail in ("", "/minutes", "/attendance", "/console", "/present", "/checkin?q=a"):
        assert client.get(base + tail).status_code == 200, tail
    assert client.get(f"/c/{consultation.id}/fgd/changes").status_code == 200
    participant = db.session.scalar(select(User).where(User.email == "kadin@example.org"))
    login(participant)
    assert 'class="segno"' in client.get(f"/c/{consultation.id}").get_data(as_text=True)
