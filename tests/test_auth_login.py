"""Signing in and out, sessions, lockout, password change and reset, the account page."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role, User
from consult.auth.services import LOCK_AFTER_FAILURES
from consult.extensions import db
from consult.mail import OutboxMail

PASSWORD = "kopi-susu-pagi-hari"


def _post_login(client, email, password, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def _logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_login_with_correct_password_redirects_to_consultations(client, make_user):
    make_user(email="ani@example.org", password=PASSWORD)
    response = _post_login(client, "ani@example.org", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/c/")
    assert _logged_in(client)


def test_login_email_is_case_insensitive(client, make_user):
    make_user(email="ani@example.org", password=PASSWORD)
    response = _post_login(client, "  Ani@Example.ORG ", PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)


def test_login_with_wrong_password_shows_generic_message(client, make_user):
    make_user(email="ani@example.org", password=PASSWORD)
    response = _post_login(client, "ani@example.org", "wrong-password-here")
    assert response.status_code == 200
    assert b"too many attempts" in response.data or b"terlalu banyak" in response.data
    assert not _logged_in(client)


def test_unknown_email_gets_the_same_answer_as_wrong_password(client, make_user):
    make_user(email="ani@example.org", password=PASSWORD)
    wrong = _post_login(client, "ani@example.org", "wrong-password-here")
    unknown = _post_login(client, "nobody@example.org", "wrong-password-here")
    assert wrong.status_code == unknown.status_code == 200
    # Only the echoed email differs (and the CSRF token's signature, which is timestamped
    # afresh for every request).
    assert _page_without_token(wrong.data).replace(b"ani@", b"x@") == _page_without_token(
        unknown.data
    ).replace(b"nobody@", b"x@")


def _page_without_token(html: bytes) -> bytes:
    return re.sub(rb'name="csrf_token" value="[^"]*"', b'name="csrf_token"', html)


def test_login_redirects_to_local_next_only(client, make_user):
    make_user(email="ani@example.org", password=PASSWORD)
    response = _post_login(client, "ani@example.org", PASSWORD, next="/account")
    assert response.headers["Location"] == "/account"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_login_ignores_external_next(client, make_user, target):
    make_user(email="ani@example.org", password=PASSWORD)
    response = _post_login(client, "ani@example.org", PASSWORD, next=target)
    assert response.headers["Location"].endswith("/c/")


def test_invited_account_without_password_cannot_log_in(client, make_user):
    make_user(email="ani@example.org")
    response = _post_login(client, "ani@example.org", "")
    assert not _logged_in(client)
    response = _post_login(client, "ani@example.org", "anything-at-all")
    assert response.status_code == 200
    assert not _logged_in(client)


def test_login_and_failed_login_are_audited_without_password(client, make_user):
    user = make_user(email="ani@example.org", password=PASSWORD)
    _post_login(client, "ani@example.org", "wrong-password-here")
    _post_login(client, "ani@example.org", PASSWORD)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["auth.login_failed", "auth.login"]
    failed, success = events
    assert failed.data["email"] == "ani@example.org"
    assert failed.object_id == user.id
    assert success.actor_id == user.id
    for event in events:
        assert "wrong-password-here" not in str(event.data)
        assert PASSWORD not in str(event.data)


def test_lockout_after_repeated_failures_even_with_right_password(client, make_user):
    user = make_user(email="ani@example.org", password=PASSWORD)
    for _ in range(LOCK_AFTER_FAILURES):
        _post_login(client, "ani@example.org", "wrong-password-here")
    db.session.refresh(user)
    assert user.locked_until is not None
    _post_login(client, "ani@example.org", PASSWORD)
    assert not _logged_in(client)
    with time_machine.travel(user.locked_until + timedelta(seconds=5)):
        _post_login(client, "ani@example.org", PASSWORD)
        assert _logged_in(client)
    db.session.refresh(user)
    assert user.failed_logins == 0


def test_lockout_doubles_with_each_further_failure(client, make_user):
    user = make_user(email="ani@example.org", password=PASSWORD)
    for _ in range(LOCK_AFTER_FAILURES):
        _post_login(client, "ani@example.org", "wrong-password-here")
    db.session.refresh(user)
    first_lock = user.locked_until
    with time_machine.travel(first_lock + timedelta(seconds=1)):
        _post_login(client, "ani@example.org", "wrong-password-here")
        db.session.refresh(user)
        assert user.locked_until - first_lock >= timedelta(minutes=1, seconds=59)


def test_deactivated_account_cannot_log_in(client, make_user):
    make_user(email="ani@example.org", password=PASSWORD, is_active_account=False)
    _post_login(client, "ani@example.org", PASSWORD)
    assert not _logged_in(client)


def test_logout_ends_every_session_of_the_account(app, make_user, login):
    user = make_user(password=PASSWORD)
    first, second = app.test_client(), app.test_client()
    login(user, first)
    login(user, second)
    assert _logged_in(first) and _logged_in(second)
    response = first.post("/logout")
    assert response.status_code == 302
    assert not _logged_in(first)
    assert not _logged_in(second)
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "auth.logout"))


def test_logout_is_post_only(client, make_user, login):
    login(make_user(password=PASSWORD))
    assert client.get("/logout").status_code == 405
    assert _logged_in(client)


def test_password_change_ends_other_sessions_but_keeps_this_one(app, make_user, login):
    user = make_user(password=PASSWORD)
    here, elsewhere = app.test_client(), app.test_client()
    login(user, here)
    login(user, elsewhere)
    response = here.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "teh-manis-sore-hari",
            "confirm": "teh-manis-sore-hari",
        },
    )
    assert response.status_code == 302
    assert _logged_in(here)
    assert not _logged_in(elsewhere)
    assert _post_login(app.test_client(), user.email, "teh-manis-sore-hari").status_code == 302


def test_password_change_requires_current_password(client, make_user, login):
    user = make_user(password=PASSWORD)
    login(user)
    response = client.post(
        "/account/password",
        data={
            "current_password": "not-my-password",
            "new_password": "teh-manis-sore-hari",
            "confirm": "teh-manis-sore-hari",
        },
    )
    assert response.status_code == 200
    assert b"current_password-error" in response.data
    token = user.session_token
    db.session.refresh(user)
    assert user.session_token == token


@pytest.mark.parametrize(
    "new_password", ["short1", "indonesia123", "Bismillah123", "qwertyuiop", "1234567890"]
)
def test_short_or_common_password_is_refused_at_the_field(client, make_user, login, new_password):
    login(make_user(password=PASSWORD))
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": new_password,
            "confirm": new_password,
        },
    )
    assert response.status_code == 200
    assert b'id="new_password-error"' in response.data


def test_password_hashes_use_scrypt(client, make_user, login):
    user = make_user(password=PASSWORD)
    login(user)
    client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "teh-manis-sore-hari",
            "confirm": "teh-manis-sore-hari",
        },
    )
    db.session.refresh(user)
    assert user.password_hash.startswith("scrypt:")


def _reset_link(email):
    mail = db.session.scalar(
        select(OutboxMail).where(OutboxMail.recipient == email, OutboxMail.kind == "password_reset")
    )
    assert mail is not None and mail.sensitive
    return re.search(r"https?://\S+/reset/\S+", mail.body).group(0)


def test_password_reset_end_to_end_and_link_is_single_use(app, client, make_user, login):
    user = make_user(email="ani@example.org", password=PASSWORD)
    other_session = login(user, app.test_client())
    response = client.post("/reset", data={"email": "ANI@example.org"})
    assert response.status_code == 302
    path = "/reset/" + _reset_link("ani@example.org").rsplit("/reset/", 1)[1]
    assert client.get(path).status_code == 200
    response = client.post(
        path, data={"new_password": "teh-manis-sore-hari", "confirm": "teh-manis-sore-hari"}
    )
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(other_session)
    # The same link again: refused, password unchanged.
    fresh = app.test_client()
    assert fresh.get(path).status_code == 400
    response = fresh.post(
        path, data={"new_password": "another-new-password", "confirm": "another-new-password"}
    )
    assert response.status_code == 400
    assert _post_login(fresh, "ani@example.org", "teh-manis-sore-hari").status_code == 302
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"auth.password_reset_requested", "auth.password_reset_completed"} <= actions


def test_password_reset_link_expires(client, make_user):
    make_user(email="ani@example.org", password=PASSWORD)
    client.post("/reset", data={"email": "ani@example.org"})
    path = "/reset/" + _reset_link("ani@example.org").rsplit("/reset/", 1)[1]
    with time_machine.travel(timedelta(hours=2)):
        assert client.get(path).status_code == 400


def test_password_reset_is_silent_for_unknown_and_passwordless_accounts(client, make_user):
    make_user(email="invited@example.org")  # invited, never accepted
    known = client.post("/reset", data={"email": "invited@example.org"}, follow_redirects=True)
    unknown = client.post("/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert _page_without_token(known.data) == _page_without_token(unknown.data)
    assert db.session.scalar(select(OutboxMail)) is None


def test_tampered_reset_token_is_refused(client, make_user):
    make_user(email="ani@example.org", password=PASSWORD)
    client.post("/reset", data={"email": "ani@example.org"})
    path = "/reset/" + _reset_link("ani@example.org").rsplit("/reset/", 1)[1]
    assert client.get(path[:-2] + ("AA" if not path.endswith("AA") else "BB")).status_code == 400


def test_account_page_saves_profile_and_language(client, make_user, login):
    user = make_user(password=PASSWORD)
    login(user)
    assert client.get("/account").status_code == 200
    response = client.post(
        "/account",
        data={"name": "Ani Lestari", "organisation": "UPR", "position": "Dosen", "locale": "en"},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.organisation, user.position, user.locale) == (
        "Ani Lestari",
        "UPR",
        "Dosen",
        "en",
    )


def test_account_page_keeps_input_on_error(client, make_user, login):
    login(make_user(password=PASSWORD))
    response = client.post(
        "/account", data={"name": "", "organisation": "Dinas X", "position": "", "locale": "id"}
    )
    assert response.status_code == 200
    assert b'value="Dinas X"' in response.data
    assert b'id="name-error"' in response.data


def test_account_pages_need_login(client):
    for path in ("/account", "/account/password"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_create_admin_cli(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "Admin@Example.org",
            "--name",
            "Admin",
            "--password",
            "kunci-rahasia-kantor",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "admin@example.org"))
    assert user.role == Role.ADMIN
    assert user.password_hash.startswith("scrypt:")


def test_create_admin_cli_refuses_common_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--password",
            "password123",
        ]
    )
    assert result.exit_code != 0
    assert db.session.scalar(select(User)) is None
