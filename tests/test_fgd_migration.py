"""Migration 0010_fgd: the FGD date and venue become a first session, and back again."""

from datetime import datetime

import pytest
from conftest import run_sql
from flask_migrate import downgrade, upgrade


def _seed_before(app):
    run_sql(
        app,
        'INSERT INTO "user" (id, email, name, organisation, position, role, '
        "is_active_account, session_token, failed_logins, created_at) VALUES "
        "(1, 'a@example.org', 'A', '', '', 'participant', 1, 't', 0, '2022-11-01 00:00:00')",
    )
    for cid, fgd_at, venue in (
        (1, "2022-11-30 02:00:00", "Ruang Peteng Karuhei II"),
        (2, None, ""),
    ):
        run_sql(
            app,
            "INSERT INTO consultation (id, title, summary, department, fgd_at, fgd_venue, "
            "state, comment_visibility, moderation_mode, show_author_names, created_at, "
            "updated_at) VALUES (:id, 'RPIK', '', '', :at, :venue, 'published', 'all', 'post', "
            "0, '2022-11-01 00:00:00', '2022-11-01 00:00:00')",
            id=cid,
            at=fgd_at,
            venue=venue,
        )


def test_upgrade_moves_fgd_date_and_venue_into_a_first_session(scratch_app):
    upgrade(revision="0009_drop_discussion_version")
    _seed_before(scratch_app)
    upgrade(revision="0010_fgd")
    sessions = run_sql(
        scratch_app, "SELECT consultation_id, title, starts_at, ends_at, venue FROM fgd_session"
    )
    assert len(sessions) == 1  # the consultation without a date gets none
    consultation_id, title, starts_at, ends_at, venue = sessions[0]
    assert (consultation_id, title, venue) == (1, "FGD", "Ruang Peteng Karuhei II")
    assert str(starts_at).startswith("2022-11-30 02:00")
    assert str(ends_at).startswith("2022-11-30 05:00")
    columns = [row[1] for row in run_sql(scratch_app, "PRAGMA table_info(consultation)")]
    assert "fgd_at" not in columns and "fgd_venue" not in columns


def test_fgd_phase_is_accepted_after_upgrade_and_removed_by_downgrade(scratch_app):
    upgrade(revision="0009_drop_discussion_version")
    _seed_before(scratch_app)
    upgrade(revision="0010_fgd")
    run_sql(
        scratch_app,
        "INSERT INTO stakeholder_group (id, name, position, active) VALUES (1, 'KADIN', 0, 1)",
    )
    run_sql(
        scratch_app,
        "INSERT INTO chapter (id, consultation_id, position, code, title, body) "
        "VALUES (1, 1, 1, '1', 'Bab', '')",
    )
    run_sql(
        scratch_app,
        "INSERT INTO section (id, chapter_id, position, code, title, body, version)"
        " VALUES (1, 1, 1, '1.1', 'S', '', 1)",
    )
    run_sql(
        scratch_app,
        "INSERT INTO strategy (id, section_id, position, code, title, description,"
        " targets, time_horizon, version) "
        "VALUES (1, 1, 1, '1.1.1', 'T', '', '', '', 1)",
    )
    run_sql(
        scratch_app,
        "INSERT INTO criterion (id, consultation_id, key, label, description, "
        "position, scale_max, scale_labels) VALUES (1, 1, 'r', 'R', '', 0, 5, '')",
    )
    for phase in ("pre", "fgd"):
        run_sql(
            scratch_app,
            "INSERT INTO rating (consultation_id, strategy_id, criterion_id, "
            "user_id, phase, value, source, created_at, updated_at) VALUES (1, 1, 1, 1, :phase,"
            " 4, 'online', '2022-11-30 03:00:00', '2022-11-30 03:00:00')",
            phase=phase,
        )
    with pytest.raises(Exception, match="(?i)check|constraint"):
        run_sql(
            scratch_app,
            "INSERT INTO rating (consultation_id, strategy_id, criterion_id, "
            "user_id, phase, value, source, created_at, updated_at) VALUES (1, 1, 1, 1, 'during',"
            " 4, 'online', '2022-11-30 03:00:00', '2022-11-30 03:00:00')",
        )

    downgrade(revision="0009_drop_discussion_version")
    assert run_sql(scratch_app, "SELECT phase FROM rating") == [("pre",)]
    back = run_sql(scratch_app, "SELECT id, fgd_at, fgd_venue FROM consultation ORDER BY id")
    assert back[0][0] == 1 and str(back[0][1]).startswith("2022-11-30 02:00")
    assert back[0][2] == "Ruang Peteng Karuhei II"
    assert back[1][1] is None
    tables = {row[0] for row in run_sql(scratch_app, "SELECT name FROM sqlite_master")}
    assert "fgd_session" not in tables
    with pytest.raises(Exception, match="(?i)check|constraint"):
        run_sql(
            scratch_app,
            "INSERT INTO rating (consultation_id, strategy_id, criterion_id, "
            "user_id, phase, value, source, created_at, updated_at) VALUES (1, 1, 1, 1, 'fgd',"
            " 4, 'online', '2022-11-30 03:00:00', '2022-11-30 03:00:00')",
        )
    assert datetime  # the module reads dates as text on SQLite
