"""Public registration and input: verification by a link, the general public's group,
pre-moderation, duplicate texts, and the defences (honeypot, time on the form, blocked
domains, rate limits), each refusal keeping what was typed and saying why at the field."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from conftest import first_strategy
from sqlalchemy import func, select

from consult.auth.models import Invitation, User
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus
from consult.feedback.services import add_comment, text_key
from consult.mail import OutboxMail
from consult.plans.models import Membership, Phase, Visibility
from consult.public.services import PUBLIC_GROUP_NAME, join_publicly
from consult.timeutil import utcnow

PASSWORD = "kopi-susu-pagi-hari"


@pytest.fixture
def consultation(make_consultation, make_user):
    consultation = make_consultation(participants=[make_user()], title="RPIK terbuka")
    consultation.visibility = Visibility.INPUT
    db.session.commit()
    return consultation


def _register(client, consultation, **data):
    page = client.get(f"/p/{consultation.id}/register").get_data(as_text=True)
    stamp = re.search(r'name="stamp" type="hidden" value="([^"]+)"', page)
    stamp = stamp or re.search(r'id="stamp" name="stamp" type="hidden" value="([^"]+)"', page)
    form = {
        "name": "Rina Warga",
        "email": "rina@warga.example.org",
        "city": "Kota Palangka Raya",
        "organisation": "",
        "website": "",
        "stamp": stamp.group(1),
        **data,
    }
    return client.post(f"/p/{consultation.id}/register", data=form)


def _link(mail: OutboxMail) -> str:
    return urlsplit(re.search(r"https?://\S+/invitation/\S+", mail.body).group(0)).path


def _verify(client, mail):
    data = {"new_password": PASSWORD, "confirm": PASSWORD, "privacy_accepted": "y"}
    return client.post(_link(mail), data=data)


def test_register_verify_comment_pending(client, consultation):
    response = _register(client, consultation, organisation="Forum Warga")
    assert response.status_code == 200
    assert "rina@warga.example.org" in response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "rina@warga.example.org"))
    assert user.group.name == PUBLIC_GROUP_NAME
    assert (user.city, user.organisation, user.password_hash) == (
        "Kota Palangka Raya",
        "Forum Warga",
        None,
    )
    membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.is_public and membership.consultation_id == consultation.id
    invitation = db.session.scalar(select(Invitation).where(Invitation.user_id == user.id))
    assert invitation.expires_at <= utcnow() + timedelta(hours=48, minutes=1)
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == user.email))
    assert mail.kind == "public_verification" and mail.sensitive
    assert _verify(client, mail).status_code == 302
    strategy = first_strategy(consultation)
    response = client.post(
        f"/c/{consultation.id}/strategies/{strategy.id}/comments",
        data={"type": "support", "body": "Saya setuju.", "submission_key": ""},
    )
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment).where(Comment.author_id == user.id))
    assert comment.status == CommentStatus.PENDING
    # Not shown to the public until approved.
    client.post("/logout")
    html = client.get(f"/p/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    assert "Saya setuju." not in html


def test_existing_account_gets_the_same_answer_and_no_second_account(
    client, consultation, make_user
):
    make_user(email="ada@example.org", password=PASSWORD)
    response = _register(client, consultation, email="ADA@example.org")
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(User.id)).where(User.email.ilike("ada@%"))) == 1
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == "ada@example.org"))
    assert mail.kind == "public_existing_account"


def test_blocked_domain_is_refused_at_the_field_keeping_the_text(client, consultation):
    response = _register(client, consultation, email="x@mailinator.com", name="Nama Saya")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html and "Nama Saya" in html and "x@mailinator.com" in html
    assert (
        db.session.scalar(select(func.count(User.id)).where(User.email == "x@mailinator.com")) == 0
    )


def test_subdomain_of_a_blocked_domain_is_refused(client, consultation):
    assert _register(client, consultation, email="x@mx.yopmail.com").status_code == 422


def test_honeypot_filled_is_refused(client, consultation):
    response = _register(client, consultation, website="http://spam.example")
    assert response.status_code == 422
    assert "Rina Warga" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id)).where(User.name == "Rina Warga")) == 0


def test_form_sent_too_fast_is_refused_with_text_kept(app, client, consultation):
    app.config["PUBLIC_FORM_MIN_SECONDS"] = 60
    response = _register(client, consultation, name="Cepat Sekali")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Cepat Sekali" in html and 'id="stamp-error"' in html


def test_altered_stamp_is_refused(client, consultation):
    assert _register(client, consultation, stamp="palsu").status_code == 422


def test_signed_in_non_member_joins_and_is_in_the_public(client, consultation, make_user, login):
    person = make_user(password=PASSWORD)
    login(person)
    response = client.post(f"/p/{consultation.id}/join")
    assert response.status_code == 302
    membership = db.session.scalar(select(Membership).where(Membership.user_id == person.id))
    assert membership.is_public
    assert client.get(f"/c/{consultation.id}").status_code == 200


def test_join_needs_input_visibility(client, consultation, make_user, login):
    consultation.visibility = Visibility.READ
    db.session.commit()
    login(make_user())
    assert client.post(f"/p/{consultation.id}/join").status_code == 404


def _public_member(make_user, consultation, **kw):
    person = make_user(**kw)
    join_publicly(person, consultation)
    return person


def test_same_text_from_several_new_accounts_is_held(app, consultation, make_user):
    consultation.public_premoderation = False
    db.session.flush()
    strategy = first_strategy(consultation)
    statuses = []
    for _ in range(3):
        person = _public_member(make_user, consultation)
        comment = add_comment(strategy, person, {"body": "Tolak  RPIK ini!!"}, phase=Phase.PRE)
        statuses.append(comment.status)
    assert statuses == [CommentStatus.PUBLISHED, CommentStatus.PUBLISHED, CommentStatus.PENDING]
    assert text_key("tolak rpik ini") == text_key("Tolak  RPIK ini!!")


def test_invited_participants_are_not_held_for_the_same_text(app, consultation, make_user):
    consultation.public_premoderation = False
    db.session.flush()
    strategy = first_strategy(consultation)
    for _ in range(3):
        _public_member(make_user, consultation)
    invited = make_user()
    db.session.add(Membership(consultation_id=consultation.id, user_id=invited.id))
    db.session.flush()
    comment = add_comment(strategy, invited, {"body": "Tolak RPIK ini"}, phase=Phase.PRE)
    assert comment.status == CommentStatus.PUBLISHED


def test_public_comment_is_premoderated_by_default(app, consultation, make_user):
    person = _public_member(make_user, consultation)
    comment = add_comment(first_strategy(consultation), person, {"body": "Usul."}, phase=Phase.PRE)
    assert comment.status == CommentStatus.PENDING


def test_analysis_counts_invited_and_public_apart(app, consultation, make_user, make_comment):
    from consult.reports.services import build_analysis

    public_person = _public_member(make_user, consultation)
    make_comment(consultation, public_person, "Dari warga.")
    make_comment(consultation, public_person, "Dari warga lagi.")
    db.session.flush()
    origins = build_analysis(consultation).origins
    assert (origins["public"].members, origins["public"].active, origins["public"].comments) == (
        1,
        1,
        2,
    )
    assert origins["invited"].members == 1 and origins["invited"].comments == 0


def test_analysis_page_shows_the_split(client, consultation, make_user, make_comment, login):
    from consult.auth.models import Role

    public_person = _public_member(make_user, consultation)
    make_comment(consultation, public_person, "Dari warga.")
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    login(admin)
    html = client.get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    assert 'class="origin-public"' in html


def test_queue_groups_the_same_text_for_the_moderator(client, consultation, make_user, login):
    from consult.auth.models import Role

    strategy = first_strategy(consultation)
    for _ in range(3):
        person = _public_member(make_user, consultation)
        add_comment(strategy, person, {"body": "Tolak RPIK ini!"}, phase=Phase.PRE)
    add_comment(
        strategy, _public_member(make_user, consultation), {"body": "Lain."}, phase=Phase.PRE
    )
    admin = make_user(role=Role.ADMIN)
    db.session.commit()
    login(admin)
    html = client.get("/moderation").get_data(as_text=True)
    assert html.count("Same text from 3 accounts") + html.count("Teks sama dari 3 akun") == 3
    assert "text=Tolak+RPIK+ini" in html or "text=Tolak%20RPIK%20ini" in html


def test_the_public_group_is_named_in_both_languages(app):
    from flask_babel import force_locale

    from consult.public.services import public_group

    group = public_group()
    with force_locale("en"):
        assert group.display_name == "General public"
    with force_locale("id"):
        assert group.display_name == "Masyarakat umum"
