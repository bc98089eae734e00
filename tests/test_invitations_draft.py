"""Inviting into a draft: the organiser is warned, invitees hear when it is published, and
the invitation mail names the consultation, its FGD, the deadline and a contact person."""

from datetime import datetime

import pytest
from sqlalchemy import select

from consult.auth.models import Role, StakeholderGroup, User
from consult.auth.services import ensure_default_groups
from consult.extensions import db
from consult.mail import OutboxMail
from consult.notifications import Notification, NotificationKind
from consult.plans.models import ConsultationState


@pytest.fixture
def draft(app, make_user, make_consultation, login):
    ensure_default_groups()
    db.session.commit()
    organiser = make_user(role=Role.ORGANISER, name="Rina Organiser", email="rina@example.org")
    consultation = make_consultation(
        organiser=organiser,
        state=ConsultationState.DRAFT,
        title="RPIK Palangka Raya",
        pre_opens_at=datetime(2030, 3, 1, 1),
        pre_closes_at=datetime(2030, 3, 15, 9),  # 16:00 WIB
        fgd_at=datetime(2030, 3, 20, 2),  # 09:00 WIB
        fgd_venue="Aula Bappeda",
    )
    db.session.commit()
    login(organiser)
    return consultation, organiser


def _invite(client, consultation, email="siti@example.org"):
    group = db.session.scalar(select(StakeholderGroup.id).where(StakeholderGroup.active))
    response = client.post(
        f"/c/{consultation.id}/participants/invite",
        data={"name": "Siti Rahma", "email": email, "organisation": "UPR", "group": group},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response


def test_inviting_into_a_draft_warns_the_organiser(client, draft):
    consultation, _ = draft
    page = client.get(f"/c/{consultation.id}/participants").get_data(as_text=True)
    assert 'id="draft-warning"' in page
    after = _invite(client, consultation).get_data(as_text=True)
    assert "alert-warning" in after and "draft" in after


def test_no_draft_warning_for_a_published_consultation(client, make_user, make_consultation, login):
    ensure_default_groups()
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    page = _invite(client, consultation).get_data(as_text=True)
    assert 'id="draft-warning"' not in page and "still a draft" not in page


@pytest.mark.parametrize(
    ("locale", "subject", "phrases"),
    [
        (
            "en",
            'Invitation to the consultation "RPIK Palangka Raya" on Rembuk',
            ["Aula Bappeda", "20 March 2030", "15 March 2030", "Rina Organiser", "published"],
        ),
        (
            "id",
            'Undangan konsultasi "RPIK Palangka Raya" di Rembuk',
            ["Aula Bappeda", "20 Maret 2030", "15 Maret 2030", "Rina Organiser", "diterbitkan"],
        ),
    ],
)
def test_invitation_mail_names_consultation_fgd_deadline_and_contact_in_the_invitees_language(
    client, draft, make_user, locale, subject, phrases
):
    consultation, _ = draft
    make_user(email="budi@example.org", password="sandi-lama-sekali", locale=locale)
    _invite(client, consultation, email="budi@example.org")  # an account: membership notice
    make_user(email="ani@example.org", locale=locale)  # no password yet: the invitation
    _invite(client, consultation, email="ani@example.org")
    for kind in ("membership", "invitation"):
        mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == kind))
        assert mail.subject == subject
        for phrase in phrases:
            assert phrase in mail.body, (kind, phrase)
        assert "rina@example.org" in mail.body


def test_publishing_a_draft_notifies_everyone_invited_in_app_and_by_mail(client, draft):
    consultation, _ = draft
    _invite(client, consultation, email="siti@example.org")
    _invite(client, consultation, email="budi@example.org")
    response = client.post(f"/c/{consultation.id}/publish")
    assert response.status_code == 302
    db.session.refresh(consultation)
    assert consultation.state == ConsultationState.PUBLISHED
    invitees = set(
        db.session.scalars(
            select(User.email)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.kind == NotificationKind.CONSULTATION_PUBLISHED)
        )
    )
    assert invitees == {"siti@example.org", "budi@example.org"}
    mails = db.session.scalars(
        select(OutboxMail).where(OutboxMail.kind == "notification_consultation_published")
    ).all()
    assert {m.recipient for m in mails} == invitees
    assert all("RPIK Palangka Raya" in m.body and "/c/" in m.body for m in mails)


def test_closing_and_reopening_does_not_notify_again(client, draft):
    consultation, _ = draft
    _invite(client, consultation)
    client.post(f"/c/{consultation.id}/publish")
    client.post(f"/c/{consultation.id}/close")
    client.post(f"/c/{consultation.id}/reopen")
    count = db.session.scalars(
        select(Notification).where(Notification.kind == NotificationKind.CONSULTATION_PUBLISHED)
    ).all()
    assert len(count) == 1
