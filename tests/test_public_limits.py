"""Rate limits on public registration and public members' comments: per address and per
account, the refused form shown again with the text kept and the reason at the field."""

import pytest
from conftest import first_strategy
from test_public_registration import _public_member, _register
from test_public_registration import consultation as consultation  # noqa: F401 - a fixture

from consult.extensions import db
from consult.plans.models import Membership


@pytest.fixture
def config_overrides():
    return {
        "RATELIMIT_ENABLED": True,
        "PUBLIC_REGISTER_RATE_LIMIT": "2 per minute",
        "PUBLIC_COMMENT_RATE_LIMIT": "2 per minute",
    }


def test_registration_is_limited_per_address_keeping_the_text(client, consultation):
    for number in range(2):
        assert (
            _register(client, consultation, email=f"r{number}@warga.example.org").status_code == 200
        )
    response = _register(client, consultation, email="r9@warga.example.org", name="Ketiga")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Ketiga" in html and 'id="email-error"' in html


def test_public_members_comments_are_limited_invited_are_not(
    client, consultation, make_user, login
):
    strategy = first_strategy(consultation)
    url = f"/c/{consultation.id}/strategies/{strategy.id}/comments"
    person = _public_member(make_user, consultation)
    db.session.commit()
    login(person)
    for number in range(2):
        data = {"type": "other", "body": f"Komentar {number}", "submission_key": ""}
        assert client.post(url, data=data).status_code == 302
    response = client.post(url, data={"type": "other", "body": "Yang ketiga", "submission_key": ""})
    assert response.status_code == 429
    assert "Yang ketiga" in response.get_data(as_text=True)
    invited = make_user()
    db.session.add(Membership(consultation_id=consultation.id, user_id=invited.id))
    db.session.commit()
    login(invited)
    for number in range(3):
        data = {"type": "other", "body": f"Undangan {number}", "submission_key": ""}
        assert client.post(url, data=data).status_code == 302


def test_cancelling_a_reply_is_not_counted_as_a_comment(
    client, consultation, make_user, make_comment, login
):
    strategy = first_strategy(consultation)
    url = f"/c/{consultation.id}/strategies/{strategy.id}/comments"
    person = _public_member(make_user, consultation)
    answered = make_comment(consultation, make_user(), "Yang dijawab", strategy=strategy)
    login(person)
    cancel = {"type": "other", "body": "Bukan balasan", "parent_id": str(answered.id)}
    for _attempt in range(3):
        response = client.post(url, data={**cancel, "cancel_reply": "1"})
        assert response.status_code == 200
        assert "Bukan balasan" in response.get_data(as_text=True)
    for number in range(2):
        data = {"type": "other", "body": f"Komentar {number}", "submission_key": ""}
        assert client.post(url, data=data).status_code == 302
