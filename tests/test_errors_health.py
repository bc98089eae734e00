"""The health check: 503 with a JSON error when the database is down; open and unlimited."""

import pytest
from sqlalchemy.exc import OperationalError

from config import TestingConfig
from consult import create_app
from consult.extensions import db


def test_health_answers_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_answers_503_when_the_database_fails(client, app, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.is_json
    assert response.get_json() == {"status": "error", "database": "unavailable"}
    assert "connection refused" not in response.get_data(as_text=True)


def test_health_answers_503_when_the_database_file_cannot_be_opened(tmp_path):
    missing = tmp_path / "no-such-folder" / "rembuk.sqlite"
    config = type(
        "UnreachableDbConfig",
        (TestingConfig,),
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}", "UPLOAD_FOLDER": str(tmp_path)},
    )
    app = create_app(config)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def config_overrides():
    # Rate limiting on, with a tiny default limit every other endpoint would hit.
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "3 per minute"}


def test_health_is_not_rate_limited(client):
    statuses = [client.get("/healthz").status_code for _ in range(10)]
    assert statuses == [200] * 10
    limited = [client.post("/language", data={"lang": "en"}).status_code for _ in range(5)]
    assert 429 in limited  # the default limit is really in force
