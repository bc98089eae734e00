"""The audit trail browser: who sees what, filters, CSV export, and append-only storage."""

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import delete, select, update

from consult.audit import AuditEvent, AuditTrailIsAppendOnly, record
from consult.auth.models import Role
from consult.extensions import db
from consult.moderation.services import neutralise_cell


def dated(action, actor, consultation_id, at):
    """An audit event recorded at a given moment (set before it is first flushed)."""
    with db.session.no_autoflush:
        event = record(action, actor, consultation_id=consultation_id)
        event.at = at
    db.session.flush()
    return event


@pytest.fixture
def trail(make_user, make_consultation):
    organiser, other_organiser = make_user(role=Role.ORGANISER), make_user(role=Role.ORGANISER)
    admin, participant = make_user(role=Role.ADMIN), make_user()
    mine = make_consultation(organiser=organiser, participants=[participant])
    theirs = make_consultation(organiser=other_organiser)
    events = {
        # 10:00 WIB on 1 March; 03:00 WIB on 6 March (20:00 UTC on the 5th); ...
        "mine_old": dated("comment.hide", organiser, mine.id, datetime(2030, 3, 1, 3, 0)),
        "mine_new": dated("membership.suspend", organiser, mine.id, datetime(2030, 3, 5, 20)),
        "theirs_event": dated(
            "comment.approve", other_organiser, theirs.id, datetime(2030, 3, 2, 3)
        ),
        "global": dated("user.deactivate", admin, None, datetime(2030, 3, 3, 3, 0)),
    }
    db.session.commit()
    return {
        "organiser": organiser,
        "other_organiser": other_organiser,
        "admin": admin,
        "participant": participant,
        "mine": mine,
        "theirs": theirs,
        **events,
    }


def shown_actions(client, query=""):
    import re

    page = client.get(f"/audit{query}")
    assert page.status_code == 200
    return re.findall(r"<td data-action=\"([^\"]+)\">", page.text)


def test_organiser_sees_only_events_of_consultations_they_organise(trail, client, login):
    login(trail["organiser"])
    assert shown_actions(client) == ["membership.suspend", "comment.hide"]


def test_admin_sees_every_event(trail, client, login):
    login(trail["admin"])
    assert set(shown_actions(client)) == {
        "comment.hide",
        "membership.suspend",
        "comment.approve",
        "user.deactivate",
    }


def test_participant_cannot_open_the_audit_trail(trail, client, login):
    login(trail["participant"])
    assert client.get("/audit").status_code == 403


@pytest.mark.parametrize("member", [False, True], ids=["stranger-404", "participant-403"])
def test_filtering_on_a_foreign_consultation_is_refused(trail, client, login, member):
    from consult.plans.models import Membership

    if member:
        db.session.add(
            Membership(consultation_id=trail["theirs"].id, user_id=trail["organiser"].id)
        )
        db.session.commit()
    login(trail["organiser"])
    assert client.get(f"/audit?consultation={trail['theirs'].id}").status_code == (
        403 if member else 404
    )


def test_filters_by_consultation_action_actor_and_dates(trail, client, login):
    login(trail["admin"])
    assert set(shown_actions(client, f"?consultation={trail['mine'].id}")) == {
        "comment.hide",
        "membership.suspend",
    }
    assert shown_actions(client, "?action=comment.") == ["comment.approve", "comment.hide"]
    email = trail["other_organiser"].email
    assert shown_actions(client, f"?actor={email.upper()}") == ["comment.approve"]
    # WIB calendar days: the 20:00 UTC event of 5 March is on 6 March in Palangka Raya.
    assert shown_actions(client, "?date_from=2030-03-02&date_to=2030-03-05") == [
        "user.deactivate",
        "comment.approve",
    ]
    assert shown_actions(client, "?date_from=2030-03-06") == ["membership.suspend"]


def test_audit_list_is_paginated(trail, client, login, app):
    app.config["PAGE_SIZE"] = 1  # two per page on the audit list
    login(trail["admin"])
    assert len(shown_actions(client)) == 2
    assert len(shown_actions(client, "?page=2")) == 2
    assert shown_actions(client, "?page=3") == []


def read_csv(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_export_has_a_bom_neutralised_cells_and_is_itself_audited(trail, client, login):
    record(
        "comment.hide",
        trail["organiser"],
        consultation_id=trail["mine"].id,
        note='=HYPERLINK("http://evil")',
    )
    db.session.commit()
    login(trail["organiser"])
    response = client.post(f"/audit/export?consultation={trail['mine'].id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    header, body = rows[0], rows[1:]
    assert header[0] == "id" and "action" in header
    actions = [row[header.index("action")] for row in body]
    # The export itself is recorded before the rows are read, so it is in the file too.
    assert set(actions) == {"audit.export", "comment.hide", "membership.suspend"}
    assert "comment.approve" not in actions
    data_cells = [row[header.index("data")] for row in body]
    assert any("HYPERLINK" in cell for cell in data_cells)
    export = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.export"))
    assert export.actor_id == trail["organiser"].id
    assert export.consultation_id == trail["mine"].id
    assert export.data["filters"]["consultation_id"] == trail["mine"].id


def test_export_cells_starting_a_formula_are_neutralised(trail, client, login, make_user):
    attacker = make_user(role=Role.ORGANISER, email="=cmd@example.org")
    record("comment.hide", attacker, consultation_id=None)
    db.session.commit()
    login(trail["admin"])
    rows = read_csv(client.post("/audit/export?action=comment.hide"))
    header = rows[0]
    emails = {row[header.index("actor_email")] for row in rows[1:]}
    assert "'=cmd@example.org" in emails
    assert "=cmd@example.org" not in emails


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (None, ""),
        (7, "7"),
    ],
)
def test_neutralise_cell(value, expected):
    assert neutralise_cell(value) == expected


def test_export_is_post_only(trail, client, login):
    login(trail["admin"])
    assert client.get("/audit/export").status_code == 405


def test_no_route_can_change_audit_events(app):
    """Only the export (which adds an event) accepts a POST under /audit; nothing edits."""
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) - {"GET", "HEAD", "OPTIONS"}
        if methods & {"PUT", "PATCH", "DELETE"}:
            assert "audit" not in rule.rule and "audit" not in rule.endpoint
        if "audit" in rule.rule or "audit" in rule.endpoint:
            assert rule.endpoint in {"moderation.audit_log", "moderation.export_audit"}
            if rule.endpoint == "moderation.audit_log":
                assert methods == set()


def test_audit_events_cannot_be_updated_or_deleted(trail):
    event = db.session.get(AuditEvent, trail["mine_old"].id)
    event.action = "comment.approve"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    event = db.session.get(AuditEvent, trail["mine_old"].id)
    db.session.delete(event)
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.execute(update(AuditEvent).values(action="x"))
    db.session.rollback()
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.execute(delete(AuditEvent))
    db.session.rollback()
    assert db.session.get(AuditEvent, trail["mine_old"].id).action == "comment.hide"
