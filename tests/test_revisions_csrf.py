"""With CSRF switched on, publishing and revising need the form's token."""

import io
import re

import pytest
from conftest import first_strategy

from consult.auth.models import Role
from consult.extensions import db


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_publishing_a_version_needs_the_token(client, login, make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    strategy = first_strategy(consultation)
    login(organiser)
    url = f"/c/{consultation.id}/strategies/{strategy.id}/revise"
    data = {"title": "Judul baru", "body": "Teks baru.", "note": "Alasan"}
    assert client.post(url, data=data).status_code == 400
    db.session.expire_all()
    assert strategy.version == 1
    token = _token(client.get(url).get_data(as_text=True))
    assert client.post(url, data={**data, "csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert strategy.version == 2


def test_confirming_a_revised_document_needs_the_token(client, login, make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    strategy = first_strategy(consultation)
    login(organiser)
    token = _token(client.get(f"/c/{consultation.id}/revise").get_data(as_text=True))
    document = "# 1 Bab 1\n## 1.1 Sasaran\n### 1.1.1 Substitusi impor bahan baku\nBaru.\n"
    page = client.post(
        f"/c/{consultation.id}/revise",
        data={"file": (io.BytesIO(document.encode()), "r.md"), "note": "n", "csrf_token": token},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    payload = re.search(r'name="payload"[^>]*value="([^"]+)"', page).group(1)
    confirm = f"/c/{consultation.id}/revise/confirm"
    assert client.post(confirm, data={"payload": payload}).status_code == 400
    db.session.expire_all()
    assert strategy.version == 1
    response = client.post(confirm, data={"payload": payload, "csrf_token": _token(page)})
    assert response.status_code == 302
    db.session.expire_all()
    assert strategy.version == 2
