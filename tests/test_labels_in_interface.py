"""Organisers read labels, not codes: the outbox and the audit trail in both languages."""

import html
import re

import pytest
from sqlalchemy import select

from consult.audit import record
from consult.auth.models import Role
from consult.extensions import db
from consult.labels import AUDIT_ACTION, audit_details
from consult.mail import MailStatus, OutboxMail, queue_mail
from consult.plans.models import Criterion


def visible_text(page) -> str:
    """What a person reads: the page without tags, attributes and scripts."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page.get_data(as_text=True), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.mark.parametrize(
    ("locale", "labels"),
    [
        ("en", ["Added to a consultation", "Invitation", "Notification: reply", "Waiting"]),
        ("id", ["Ditambahkan ke konsultasi", "Undangan", "Notifikasi: balasan", "Menunggu"]),
    ],
)
def test_outbox_shows_mail_kinds_and_statuses_as_labels(client, login, make_user, locale, labels):
    for kind in ("membership", "invitation", "notification_reply"):
        queue_mail("b@example.org", kind, "Subject", "mail/password_reset.txt", link="x", minutes=5)
    db.session.commit()  # the test queue sends at once: make the first wait again
    first = db.session.scalar(select(OutboxMail).order_by(OutboxMail.id))
    first.status = MailStatus.QUEUED
    db.session.commit()
    text = visible_text(login(make_user(role=Role.ORGANISER, locale=locale)).get("/outbox"))
    for code in ("membership", "notification_reply", "queued", "logged"):
        assert code not in text
    for label in labels:
        assert label in text


@pytest.fixture
def rated_trail(make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    participant = make_user()
    consultation = make_consultation(organiser=organiser, participants=[participant])
    criteria = list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.consultation_id == consultation.id)
            .order_by(Criterion.position)
        )
    )[:3]
    values = {str(criteria[0].id): 5, str(criteria[1].id): 3, str(criteria[2].id): None}
    record("rating.set", participant, consultation_id=consultation.id, phase="pre", values=values)
    record(
        "comment.hide",
        organiser,
        consultation_id=consultation.id,
        before="published",
        after="hidden",
        reason="spam",
        note="",
    )
    db.session.commit()
    return organiser, criteria


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", ["Ratings given", "Comment hidden", "cannot judge", "Published", "Spam or"]),
        ("id", ["Penilaian diberikan", "Komentar disembunyikan", "tidak dapat menilai"]),
    ],
)
def test_audit_trail_shows_actions_and_values_readably(
    client, login, rated_trail, locale, expected
):
    organiser, criteria = rated_trail
    organiser.locale = locale
    db.session.commit()
    text = visible_text(login(organiser).get("/audit"))
    for code in ("rating.set", "comment.hide", "{'", "None", ": published", ": hidden", "spam"):
        assert code not in text
    for phrase in expected:
        assert phrase in text
    assert re.search(r"\w+ : \w+\s+\w+ : \w+", text)  # before and after, both words
    assert f"{criteria[0].label}: 5" in text and f"{criteria[1].label}: 3" in text


def test_audit_details_turn_pairs_and_nested_codes_into_words(app):
    with app.test_request_context():
        rows = dict(
            audit_details(
                "response.record",
                {
                    "before": None,
                    "after": {"disposition": "partly_accepted", "rationale": ""},
                    "changes": {"disposition": ["noted", "accepted"]},
                },
                {},
            )
        )
    assert rows["Before"] == "—"
    assert rows["After"] == "Disposition: Partly accepted; Rationale: —"
    assert rows["Changes"] == "Disposition: Noted → Accepted"


def test_every_audit_action_recorded_in_the_code_has_a_label():
    import pathlib

    source = "".join(p.read_text() for p in pathlib.Path("consult").rglob("*.py"))
    recorded = set(re.findall(r"record\(\s*\"([a-z_]+\.[a-z_]+)\"", source))
    assert recorded and recorded <= set(AUDIT_ACTION)
