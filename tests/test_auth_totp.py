"""Two-step verification (TOTP): enrolment, the second login step, reuse, expiry, turning off."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role, User
from consult.auth.services import LOCK_AFTER_FAILURES
from consult.extensions import db
from consult.mail import OutboxMail

PASSWORD = "kopi-susu-pagi-hari"
START = datetime(2026, 3, 2, 3, 0, 5, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def organiser(make_user):
    """An organiser with two-step verification on."""
    user = make_user(role=Role.ORGANISER, email="ani@example.org", password=PASSWORD)
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    return user


def _code(user, when=None):
    return pyotp.TOTP(user.totp_secret).at(when or datetime.now(UTC))


def _password_step(client, email="ani@example.org", password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def _logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- enrolment ------------------------------------------------------------------------------


def test_account_page_offers_two_step_to_organisers_not_participants(client, login, make_user):
    login(make_user(role=Role.ORGANISER))
    assert b"/account/two-step" in client.get("/account").data
    login(make_user(role=Role.PARTICIPANT))
    assert b"/account/two-step" not in client.get("/account").data


def test_enrolment_shows_secret_and_uri_and_needs_a_valid_code(client, login, make_user, clock):
    user = make_user(role=Role.ORGANISER, email="ani@example.org", password=PASSWORD)
    login(user)
    page = client.get("/account/two-step")
    assert page.status_code == 200
    with client.session_transaction() as session:
        secret = session["totp_enrol"]
    assert secret.encode() in page.data
    assert b"otpauth://totp/Rembuk:ani%40example.org?secret=" + secret.encode() in page.data
    # Reloading keeps the same secret (the app may already hold it).
    assert secret.encode() in client.get("/account/two-step").data

    wrong = client.post("/account/two-step", data={"code": "000000"})
    assert wrong.status_code == 200
    assert b'id="code-error"' in wrong.data
    db.session.refresh(user)
    assert user.totp_secret is None

    right = client.post("/account/two-step", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302
    db.session.refresh(user)
    assert user.totp_secret == secret
    assert "auth.totp_enabled" in _actions()
    with client.session_transaction() as session:
        assert "totp_enrol" not in session
    assert b"/account/two-step/off" in client.get("/account").data


def test_enrolment_code_cannot_be_used_again_to_log_in(app, client, login, make_user, clock):
    user = make_user(role=Role.ORGANISER, email="ani@example.org", password=PASSWORD)
    login(user)
    client.get("/account/two-step")
    with client.session_transaction() as session:
        code = pyotp.TOTP(session["totp_enrol"]).now()
    client.post("/account/two-step", data={"code": code})
    browser = app.test_client()
    _password_step(browser)
    browser.post("/login/code", data={"code": code})
    assert not _logged_in(browser)


# --- logging in -----------------------------------------------------------------------------


def test_right_password_leads_to_code_step_without_logging_in(client, organiser, clock):
    response = _password_step(client, next="/account")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login/code")
    assert not _logged_in(client)
    with client.session_transaction() as session:
        pending = session["pending_login"]
        assert pending["user_id"] == organiser.id
        assert pending["token"] == organiser.session_token
        assert "_user_id" not in session
    assert "auth.login" not in _actions()


def test_wrong_code_is_refused_and_counted_then_right_code_logs_in(client, organiser, clock):
    _password_step(client, next="/account")
    wrong = client.post(
        "/login/code", data={"code": "123456" if _code(organiser) != "123456" else "654321"}
    )
    assert wrong.status_code == 200
    assert b'id="code-error"' in wrong.data
    assert not _logged_in(client)
    db.session.refresh(organiser)
    assert organiser.failed_logins == 1
    assert "auth.totp_failed" in _actions()

    right = client.post("/login/code", data={"code": _code(organiser)})
    assert right.status_code == 302
    assert right.headers["Location"] == "/account"
    assert _logged_in(client)
    db.session.refresh(organiser)
    assert organiser.failed_logins == 0
    assert _actions()[-1] == "auth.login"
    with client.session_transaction() as session:
        assert "pending_login" not in session
        assert session["auth_at"] == pytest.approx(START.timestamp())


def test_code_from_the_previous_step_is_accepted_for_clock_drift(client, organiser, clock):
    _password_step(client)
    client.post("/login/code", data={"code": _code(organiser, START - timedelta(seconds=30))})
    assert _logged_in(client)


def test_code_from_two_minutes_ago_is_refused(client, organiser, clock):
    _password_step(client)
    client.post("/login/code", data={"code": _code(organiser, START - timedelta(minutes=2))})
    assert not _logged_in(client)


def test_a_code_cannot_be_used_twice_within_its_window(app, organiser, clock):
    first, second = app.test_client(), app.test_client()
    code = _code(organiser)
    _password_step(first)
    first.post("/login/code", data={"code": code})
    assert _logged_in(first)
    _password_step(second)
    response = second.post("/login/code", data={"code": code})
    assert response.status_code == 200
    assert not _logged_in(second)
    # Nor an older one once a newer was used.
    clock.shift(timedelta(seconds=30))
    second.post("/login/code", data={"code": code})
    assert not _logged_in(second)
    second.post("/login/code", data={"code": _code(organiser)})
    assert _logged_in(second)


def test_pending_login_expires_after_five_minutes(client, organiser, clock):
    _password_step(client)
    clock.shift(timedelta(minutes=5, seconds=1))
    response = client.post("/login/code", data={"code": _code(organiser)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert not _logged_in(client)
    with client.session_transaction() as session:
        assert "pending_login" not in session


def test_code_step_without_password_step_goes_back_to_login(client, organiser, clock):
    response = client.post("/login/code", data={"code": _code(organiser)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert not _logged_in(client)


def test_pending_login_ends_when_the_account_is_deactivated(client, organiser, make_user, clock):
    from consult.auth.services import deactivate_user

    _password_step(client)
    deactivate_user(organiser, make_user(role=Role.ADMIN))
    db.session.commit()
    client.post("/login/code", data={"code": _code(organiser)})
    assert not _logged_in(client)


def test_wrong_codes_lock_the_account_like_wrong_passwords(client, organiser, clock):
    _password_step(client)
    right = _code(organiser)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(LOCK_AFTER_FAILURES):
        client.post("/login/code", data={"code": wrong})
    db.session.refresh(organiser)
    assert organiser.locked_until is not None
    client.post("/login/code", data={"code": right})
    assert not _logged_in(client)
    # The password step is locked too, and a right password does not reset the count.
    clock.shift(timedelta(minutes=2))
    _password_step(client)
    db.session.refresh(organiser)
    assert organiser.failed_logins == LOCK_AFTER_FAILURES


def test_password_reset_link_does_not_skip_the_code(app, client, organiser, clock):
    client.post("/reset", data={"email": "ani@example.org"})
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "password_reset"))
    path = "/reset/" + mail.body.split("/reset/", 1)[1].split()[0]
    new = "teh-manis-sore-hari"
    response = client.post(path, data={"new_password": new, "confirm": new})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert not _logged_in(client)
    _password_step(client, password=new)
    client.post("/login/code", data={"code": _code(organiser)})
    assert _logged_in(client)


def test_accounts_without_two_step_log_in_with_the_password_alone(client, make_user, clock):
    make_user(role=Role.ORGANISER, email="budi@example.org", password=PASSWORD)
    response = _password_step(client, email="budi@example.org")
    assert response.headers["Location"].endswith("/c/")
    assert _logged_in(client)


# --- turning it off -------------------------------------------------------------------------


def test_turning_off_needs_password_and_code(client, login, organiser, clock):
    login(organiser)
    wrong_password = client.post(
        "/account/two-step/off",
        data={"current_password": "not-my-password", "code": _code(organiser)},
    )
    assert wrong_password.status_code == 200
    assert b'id="current_password-error"' in wrong_password.data
    wrong_code = client.post(
        "/account/two-step/off",
        data={"current_password": PASSWORD, "code": "12345x"},
    )
    assert b'id="code-error"' in wrong_code.data
    db.session.refresh(organiser)
    assert organiser.totp_secret is not None
    assert organiser.failed_logins == 2

    right = client.post(
        "/account/two-step/off", data={"current_password": PASSWORD, "code": _code(organiser)}
    )
    assert right.status_code == 302
    db.session.refresh(organiser)
    assert organiser.totp_secret is None
    assert organiser.totp_last_step is None
    assert organiser.failed_logins == 0
    assert "auth.totp_disabled" in _actions()
    # Now the password alone signs in.
    fresh = client.application.test_client()
    _password_step(fresh)
    assert _logged_in(fresh)


def test_two_step_pages_need_login(client):
    for path in ("/account/two-step", "/account/two-step/off", "/account/email", "/reauth"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_secret_never_reaches_the_audit_trail(client, login, organiser, clock):
    secret = organiser.totp_secret
    login(organiser)
    client.post(
        "/account/two-step/off", data={"current_password": PASSWORD, "code": _code(organiser)}
    )
    events = list(db.session.scalars(select(AuditEvent)))
    assert "auth.totp_disabled" in [event.action for event in events]
    assert all(secret not in str(event.data) for event in events)
    assert db.session.get(User, organiser.id).totp_secret is None


# --- administrators, CSRF -------------------------------------------------------------------


def test_admin_can_turn_off_someones_two_step_after_a_lost_phone(
    client, login, organiser, make_user
):
    admin = make_user(role=Role.ADMIN)
    login(admin)
    page = client.get("/admin/users")
    assert f"/admin/users/{organiser.id}/two-step/off".encode() in page.data
    response = client.post(f"/admin/users/{organiser.id}/two-step/off")
    assert response.status_code == 302
    db.session.refresh(organiser)
    assert organiser.totp_secret is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.totp_disabled"))
    assert event.actor_id == admin.id and event.object_id == organiser.id


def test_turning_off_someones_two_step_needs_a_fresh_password_entry(
    client, login, organiser, make_user
):
    login(make_user(role=Role.ADMIN))
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11), tick=False):
        response = client.post(f"/admin/users/{organiser.id}/two-step/off")
    assert response.headers["Location"].startswith("/reauth")
    db.session.refresh(organiser)
    assert organiser.totp_secret is not None


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ORGANISER])
def test_only_admins_turn_off_someone_elses_two_step(client, login, organiser, make_user, role):
    login(make_user(role=role))
    assert client.post(f"/admin/users/{organiser.id}/two-step/off").status_code == 403
    db.session.refresh(organiser)
    assert organiser.totp_secret is not None


@pytest.mark.parametrize("config_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_two_step_forms_refuse_posts_without_csrf_token(client, login, organiser, clock):
    page = client.get("/login").data.decode()
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    assert _password_step(client, csrf_token=token).headers["Location"].endswith("/login/code")
    assert b'name="csrf_token"' in client.get("/login/code").data
    assert client.post("/login/code", data={"code": _code(organiser)}).status_code == 400
    assert not _logged_in(client)
    login(organiser)
    page = client.get("/account/two-step/off")
    assert b'name="csrf_token"' in page.data
    response = client.post(
        "/account/two-step/off", data={"current_password": PASSWORD, "code": _code(organiser)}
    )
    assert response.status_code == 400
    db.session.refresh(organiser)
    assert organiser.totp_secret is not None
