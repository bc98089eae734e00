"""Retention: `flask retention` lists (dry run, the default) or pseudonymises, with --apply,
the participants of consultations archived longer than their retention period."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role, User
from consult.extensions import db
from consult.plans.models import Consultation, ConsultationState
from consult.privacy.retention import add_months
from consult.timeutil import utcnow


@pytest.fixture
def world(make_user, make_group, make_consultation):
    kadin = make_group("KADIN")
    only_due = make_user(name="Hanya Arsip", group=kadin)
    also_open = make_user(name="Masih Aktif", group=kadin)
    also_kept = make_user(name="Arsip Tanpa Batas", group=kadin)
    not_yet = make_user(name="Belum Waktunya", group=kadin)
    long_ago = utcnow() - timedelta(days=7 * 31)

    def archived(participants, months, title):
        consultation = make_consultation(
            participants=participants, state=ConsultationState.ARCHIVED, title=title
        )
        consultation.archived_at, consultation.retention_months = long_ago, months
        return consultation

    due = archived([only_due, also_open, also_kept], 6, "Lama")
    make_consultation(participants=[also_open], title="Berjalan")
    archived([also_kept], None, "Disimpan")
    archived([not_yet], 12, "Belum")
    db.session.commit()
    return dict(
        due=due, only_due=only_due, also_open=also_open, also_kept=also_kept, not_yet=not_yet
    )


def _names():
    db.session.expire_all()
    return {u.id: (u.name, u.email, u.erased_at) for u in db.session.scalars(select(User))}


def test_dry_run_is_the_default_lists_and_changes_nothing(app, world):
    before = _names()
    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert f"pseudonymise user {world['only_due'].id}" in result.output
    assert f"keep user {world['also_open'].id}" in result.output
    assert "Dry run: 1 account(s) would be pseudonymised" in result.output
    assert _names() == before
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.account_erased"))
        is None
    )


def test_apply_pseudonymises_only_people_with_no_other_active_consultation(app, world):
    result = app.test_cli_runner().invoke(args=["retention", "--apply"])
    assert result.exit_code == 0, result.output
    names = _names()
    assert names[world["only_due"].id][0] == "Peserta dihapus (KADIN)"
    assert names[world["only_due"].id][2] is not None
    for kept in ("also_open", "also_kept", "not_yet"):
        assert names[world[kept].id][2] is None, kept
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "privacy.account_erased")
    )
    assert event.object_id == world["only_due"].id and event.data["reason"] == "retention"
    assert event.actor_id is None
    # A second run finds nobody left to do.
    again = app.test_cli_runner().invoke(args=["retention", "--apply"])
    assert "0 account(s) pseudonymised" in again.output


def test_organisers_of_an_archived_consultation_are_not_pseudonymised(app, world):
    organiser_id = db.session.get(Consultation, world["due"].id).created_by_id
    app.test_cli_runner().invoke(args=["retention", "--apply"])
    assert _names()[organiser_id][2] is None


def test_archiving_starts_the_retention_clock_and_the_form_sets_the_months(
    client, login, make_user, make_consultation
):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser, state=ConsultationState.CLOSED)
    login(organiser)
    form = client.get(f"/c/{consultation.id}/edit").get_data(as_text=True)
    assert 'name="retention_months"' in form
    client.post(f"/c/{consultation.id}/archive")
    db.session.expire_all()
    archived = db.session.get(Consultation, consultation.id)
    assert archived.state == ConsultationState.ARCHIVED
    assert abs(archived.archived_at - utcnow()) < timedelta(minutes=1)


def test_edit_form_saves_the_retention_months(client, login, make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    response = client.post(
        f"/c/{consultation.id}/edit",
        data={
            "title": consultation.title,
            "comment_visibility": "all",
            "moderation_mode": "post",
            "retention_months": "24",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Consultation, consultation.id).retention_months == 24


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2025-11-15", 3, "2026-02-15"),
        ("2024-02-29", 12, "2025-02-28"),
    ],
)
def test_months_are_added_by_the_calendar(start, months, end):
    from datetime import datetime

    assert add_months(datetime.fromisoformat(start), months) == datetime.fromisoformat(end)
