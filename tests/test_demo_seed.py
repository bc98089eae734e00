"""`flask seed-demo`: the Palangka Raya demo accounts and consultation."""

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from consult.auth.models import Role, StakeholderGroup, User
from consult.demo import DEMO_PASSWORD, seed
from consult.extensions import db
from consult.feedback.models import Comment, CommentType, InputSource, Rating
from consult.fgd.models import FgdSession
from consult.plans.models import (
    Chapter,
    CommentVisibility,
    Consultation,
    ConsultationState,
    Criterion,
    MemberRole,
    Membership,
    Phase,
    Section,
    Strategy,
)
from consult.timeutil import utcnow

DEMO_EMAILS = {
    "organiser@example.org": Role.ORGANISER,
    "kadin@example.org": Role.PARTICIPANT,
    "industri@example.org": Role.PARTICIPANT,
    "akademisi@example.org": Role.PARTICIPANT,
    "dinas@example.org": Role.PARTICIPANT,
    "admin@example.org": Role.ADMIN,
}


def test_seed_demo_command_creates_accounts_and_open_consultation(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo seeded." in result.output
    db.session.expire_all()

    users = {u.email: u for u in db.session.scalars(select(User))}
    for email, role in DEMO_EMAILS.items():
        assert users[email].role == role
        assert check_password_hash(users[email].password_hash, DEMO_PASSWORD)
    assert users["kadin@example.org"].group.name == "KADIN"
    assert users["industri@example.org"].group.name == "Pelaku industri"
    assert users["akademisi@example.org"].group.name == "Akademisi"
    assert "Universitas" in users["akademisi@example.org"].organisation
    assert users["dinas@example.org"].group.name == "Instansi pemerintah"
    groups = set(db.session.scalars(select(StakeholderGroup.name)))
    assert {"KADIN", "Pelaku industri", "Akademisi", "Instansi pemerintah", "Lainnya"} <= groups

    consultation = db.session.scalar(select(Consultation))
    assert consultation.title == "Rencana Pembangunan Industri Kota (RPIK) Palangka Raya 2022-2042"
    assert consultation.state == ConsultationState.PUBLISHED
    assert consultation.phase_at(utcnow()) == Phase.PRE
    assert consultation.comment_visibility == CommentVisibility.ALL
    upcoming = db.session.scalars(select(FgdSession).where(FgdSession.starts_at > utcnow())).one()
    assert "Peteng Karuhei II" in upcoming.venue
    assert consultation.pre_opens_at < utcnow() < upcoming.starts_at < consultation.post_opens_at
    assert consultation.pre_closes_at <= consultation.post_opens_at < consultation.post_closes_at

    members = {
        m.user.email: m.role
        for m in db.session.scalars(
            select(Membership).where(Membership.consultation_id == consultation.id)
        )
    }
    assert members["organiser@example.org"] == MemberRole.ORGANISER
    for email in ("kadin", "industri", "akademisi", "dinas"):
        assert members[f"{email}@example.org"] == MemberRole.PARTICIPANT

    chapters = db.session.scalar(
        select(func.count(Chapter.id)).where(Chapter.consultation_id == consultation.id)
    )
    sections = db.session.scalar(select(func.count(Section.id)))
    strategies = db.session.scalars(select(Strategy)).all()
    assert chapters == 4
    assert 8 <= sections <= 10
    assert 13 <= len(strategies) <= 17
    for strategy in strategies:
        assert strategy.code and strategy.targets and strategy.time_horizon
        assert strategy.description.count("\n\n") >= 1  # at least two paragraphs
    text = " ".join(s.description + s.targets for s in strategies) + " ".join(
        db.session.scalars(select(Section.body))
    )
    for term in ("dua digit", "30 persen", "impor", "ekspor", "IKM", "RIPIN", "3 Tahun 2014"):
        assert term in text
    criteria = db.session.scalars(select(Criterion.label).order_by(Criterion.position)).all()
    assert criteria == ["Relevansi", "Prioritas", "Kelayakan"]


def test_demo_accounts_can_log_in_through_the_form(app, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    response = client.post("/login", data={"email": "kadin@example.org", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "/login" not in response.headers["Location"]


def test_seed_twice_does_not_duplicate(app):
    from consult.public.demo import PUBLIC_COMMENTS

    seed()
    db.session.commit()
    seed()
    db.session.commit()
    assert db.session.scalar(select(func.count(Consultation.id))) == 1
    # The demo accounts, and the people of the city who registered for the public input.
    assert db.session.scalar(select(func.count(User.id))) == len(DEMO_EMAILS) + len(
        PUBLIC_COMMENTS
    )


def test_seed_demo_if_empty_leaves_existing_database_alone(app, make_user):
    make_user()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert "not seeded" in result.output
    assert db.session.scalar(select(func.count(Consultation.id))) == 0


def test_demo_example_input_covers_every_type_replies_and_ratings(app):
    seed()
    db.session.commit()
    stakeholders = db.session.scalars(select(User.id).where(User.role == Role.PARTICIPANT)).all()
    comments = db.session.scalars(select(Comment)).all()
    assert {c.type for c in comments} == set(CommentType)
    assert any(c.parent_id for c in comments)
    assert any(c.type == CommentType.CHANGE and c.proposed_wording for c in comments)
    assert any(c.source == InputSource.FGD and c.entered_by_id for c in comments)
    raters = set(db.session.scalars(select(Rating.user_id)))
    assert raters == set(stakeholders)
