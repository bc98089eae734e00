"""With CSRF protection on (as in production), forms without a token are refused."""

import pytest


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def test_login_post_without_csrf_token_is_rejected(client, make_user):
    make_user(email="ani@example.org", password="kopi-susu-pagi-hari")
    response = client.post(
        "/login", data={"email": "ani@example.org", "password": "kopi-susu-pagi-hari"}
    )
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_login_form_carries_a_csrf_token(client):
    assert b'name="csrf_token"' in client.get("/login").data


def test_logout_without_csrf_token_is_rejected(client, make_user, login):
    login(make_user(password="kopi-susu-pagi-hari"))
    assert client.post("/logout").status_code == 400
