"""Rate limits on login, reset and invitation acceptance (the limiter switched on)."""

import pytest

PASSWORD = "kopi-susu-pagi-hari"


@pytest.fixture
def config_overrides():
    return {"RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}


def test_login_is_limited_per_client_address(client, make_user):
    for number in range(3):
        response = client.post(
            "/login", data={"email": f"x{number}@example.org", "password": "wrong-password"}
        )
        assert response.status_code == 200
    response = client.post("/login", data={"email": "x9@example.org", "password": "wrong"})
    assert response.status_code == 429


def test_login_is_limited_per_account_across_addresses(client, make_user):
    make_user(email="ani@example.org", password=PASSWORD)
    for number in range(3):
        client.post(
            "/login",
            data={"email": "Ani@example.org", "password": "wrong-password"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{number}"},
        )
    response = client.post(
        "/login",
        data={"email": "ani@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert response.status_code == 429


def test_login_page_itself_is_not_limited(client):
    for _ in range(5):
        assert client.get("/login").status_code == 200


def test_reset_request_is_limited(client):
    for _ in range(3):
        assert client.post("/reset", data={"email": "a@example.org"}).status_code == 302
    assert client.post("/reset", data={"email": "a@example.org"}).status_code == 429


def test_invitation_acceptance_is_limited_per_address(client):
    for _ in range(3):
        assert client.get("/invitation/not-a-token").status_code == 400
    assert client.get("/invitation/not-a-token").status_code == 429
