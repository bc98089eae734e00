"""Re-authentication before sensitive changes: role changes, email change, sessions ending."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role, User
from consult.extensions import db
from consult.mail import OutboxMail

PASSWORD = "kopi-susu-pagi-hari"


@pytest.fixture
def admin(make_user):
    return make_user(role=Role.ADMIN, email="admin@example.org", password=PASSWORD)


def _later(minutes: float):
    return time_machine.travel(datetime.now(UTC) + timedelta(minutes=minutes), tick=False)


def _change_role(client, user, role="organiser"):
    return client.post(
        f"/admin/users/{user.id}/role",
        data={"role": role},
        headers={"Referer": "http://localhost/admin/users?q=User"},
    )


def _logged_in(client) -> bool:
    return client.get("/account").status_code == 200


# --- role changes ---------------------------------------------------------------------------


def test_role_change_within_the_window_needs_no_reauth(client, login, admin, make_user):
    user = make_user()
    login(admin)
    with _later(9):
        response = _change_role(client, user)
    assert response.headers["Location"] == "http://localhost/admin/users?q=User"
    db.session.refresh(user)
    assert user.role == Role.ORGANISER


def test_role_change_after_the_window_asks_for_the_password_first(client, login, admin, make_user):
    user = make_user()
    login(admin)
    with _later(11):
        response = _change_role(client, user)
        assert response.status_code == 302
        assert response.headers["Location"] == "/reauth?next=/admin/users?q%3DUser"
        db.session.refresh(user)
        assert user.role == Role.PARTICIPANT
        assert "auth.role_changed" not in set(db.session.scalars(select(AuditEvent.action)))

        wrong = client.post(
            "/reauth", data={"current_password": "not-my-password", "next": "/admin/users?q=User"}
        )
        assert wrong.status_code == 200
        assert b'id="current_password-error"' in wrong.data
        assert _change_role(client, user).headers["Location"].startswith("/reauth")

        right = client.post(
            "/reauth", data={"current_password": PASSWORD, "next": "/admin/users?q=User"}
        )
        assert right.status_code == 302
        assert right.headers["Location"] == "/admin/users?q=User"
        _change_role(client, user)
        db.session.refresh(user)
        assert user.role == Role.ORGANISER
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["auth.reauth_failed", "auth.reauthenticated", "auth.role_changed"]


def test_reauth_window_is_configurable(app, client, login, admin, make_user):
    app.config["REAUTH_MAX_AGE_SECONDS"] = 60
    user = make_user()
    login(admin)
    with _later(2):
        assert _change_role(client, user).headers["Location"].startswith("/reauth")


def test_session_without_a_password_time_must_reauth(client, admin, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    assert _change_role(client, user).headers["Location"].startswith("/reauth")


def test_logging_in_through_the_form_counts_as_fresh(client, admin, make_user):
    user = make_user()
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    _change_role(client, user)
    db.session.refresh(user)
    assert user.role == Role.ORGANISER


def test_non_admins_get_403_before_any_reauth(client, login, make_user):
    user = make_user()
    login(make_user(role=Role.ORGANISER))
    with _later(30):
        assert _change_role(client, user).status_code == 403


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_reauth_returns_to_local_pages_only(client, login, admin, target):
    login(admin)
    response = client.post("/reauth", data={"current_password": PASSWORD, "next": target})
    assert response.headers["Location"].endswith("/c/")


def test_reauth_with_two_step_needs_a_code_too(client, login, admin, make_user):
    admin.totp_secret = pyotp.random_base32()
    db.session.commit()
    login(admin)
    page = client.get("/reauth?next=/admin/users")
    assert b'name="code"' in page.data
    with _later(11):
        refused = client.post("/reauth", data={"current_password": PASSWORD, "code": "000000x"})
        assert b'id="code-error"' in refused.data
        assert _change_role(client, make_user()).headers["Location"].startswith("/reauth")
        code = pyotp.TOTP(admin.totp_secret).now()
        accepted = client.post(
            "/reauth", data={"current_password": PASSWORD, "code": code, "next": "/admin/users"}
        )
        assert accepted.headers["Location"] == "/admin/users"
        # The same code does not confirm a second time.
        again = client.post("/reauth", data={"current_password": PASSWORD, "code": code})
        assert again.status_code == 200


# --- email change ---------------------------------------------------------------------------


@pytest.fixture
def ani(make_user):
    return make_user(email="ani@example.org", name="Ani", password=PASSWORD)


def test_account_page_links_to_email_change(client, login, ani):
    login(ani)
    assert b"/account/email" in client.get("/account").data


def test_email_change_with_wrong_password_is_refused_at_the_field(client, login, ani):
    login(ani)
    token = ani.session_token
    response = client.post(
        "/account/email", data={"email": "ani.baru@example.org", "current_password": "nope-nope"}
    )
    assert response.status_code == 200
    assert b'id="current_password-error"' in response.data
    assert b'value="ani.baru@example.org"' in response.data  # what was typed stays
    db.session.refresh(ani)
    assert ani.email == "ani@example.org"
    assert ani.session_token == token
    assert ani.failed_logins == 1


def test_email_change_ends_other_sessions_keeps_this_one(app, client, login, ani):
    other = login(ani, app.test_client())
    login(ani)
    response = client.post(
        "/account/email",
        data={"email": " Ani.Baru@Example.org ", "current_password": PASSWORD},
    )
    assert response.status_code == 302
    db.session.refresh(ani)
    assert ani.email == "ani.baru@example.org"
    assert _logged_in(client)
    assert not _logged_in(other)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.email_changed"))
    assert event.data == {"email": ["ani@example.org", "ani.baru@example.org"]}
    notice = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == "email_changed"))
    assert notice.recipient == "ani@example.org"
    assert "ani.baru@example.org" in notice.body
    # The new address logs in; the old one no longer does.
    fresh = app.test_client()
    fresh.post("/login", data={"email": "ani@example.org", "password": PASSWORD})
    assert not _logged_in(fresh)
    fresh.post("/login", data={"email": "ani.baru@example.org", "password": PASSWORD})
    assert _logged_in(fresh)


@pytest.mark.parametrize("taken", ["budi@example.org", "BUDI@example.org", "ani@example.org"])
def test_email_change_to_an_address_in_use_is_refused(client, login, ani, make_user, taken):
    make_user(email="budi@example.org")
    login(ani)
    response = client.post("/account/email", data={"email": taken, "current_password": PASSWORD})
    assert response.status_code == 200
    assert b'id="email-error"' in response.data
    assert db.session.get(User, ani.id).email == "ani@example.org"


def test_email_change_with_two_step_needs_the_code(client, login, ani):
    ani.totp_secret = pyotp.random_base32()
    db.session.commit()
    login(ani)
    data = {"email": "ani.baru@example.org", "current_password": PASSWORD}
    response = client.post("/account/email", data=data)
    assert b'id="code-error"' in response.data
    code = pyotp.TOTP(ani.totp_secret).now()
    assert client.post("/account/email", data={**data, "code": code}).status_code == 302
    assert db.session.get(User, ani.id).email == "ani.baru@example.org"


# --- other changes that end sessions --------------------------------------------------------


def test_password_change_ends_other_sessions(app, client, login, ani):
    other = login(ani, app.test_client())
    login(ani)
    client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "teh-manis-sore-hari",
            "confirm": "teh-manis-sore-hari",
        },
    )
    assert _logged_in(client)
    assert not _logged_in(other)


def test_deactivation_ends_every_session_of_the_account(app, client, login, admin, ani):
    first, second = login(ani, app.test_client()), login(ani, app.test_client())
    assert _logged_in(first) and _logged_in(second)
    login(admin)
    client.post(f"/admin/users/{ani.id}/deactivate")
    assert not _logged_in(first)
    assert not _logged_in(second)
