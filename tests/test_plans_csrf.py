"""With CSRF switched on, organiser actions need the form's token."""

import re

import pytest
from sqlalchemy import select

from consult.auth.models import Role
from consult.extensions import db
from consult.plans.models import Chapter, Consultation, ConsultationState


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def test_publish_without_token_is_refused_and_with_token_works(
    client, login, make_user, make_consultation
):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser, state=ConsultationState.DRAFT)
    login(organiser)
    assert client.post(f"/c/{consultation.id}/publish").status_code == 400
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).state == ConsultationState.DRAFT
    html = client.get(f"/c/{consultation.id}/manage").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post(f"/c/{consultation.id}/publish", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).state == ConsultationState.PUBLISHED


def test_moving_a_chapter_without_token_is_refused(client, login, make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    chapter_id = db.session.scalar(
        select(Chapter.id).where(Chapter.consultation_id == consultation.id)
    )
    assert client.post(f"/c/{consultation.id}/chapters/{chapter_id}/move/down").status_code == 400
