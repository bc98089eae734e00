"""Plan content: chapters, sections, strategies, ordering, versions, criteria, Markdown safety."""

import re

import pytest
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.plans.models import (
    Chapter,
    ConsultationState,
    ContentVersion,
    Criterion,
    Section,
    Strategy,
)
from tests.conftest import first_strategy


@pytest.fixture
def organiser(make_user):
    return make_user(role=Role.ORGANISER)


@pytest.fixture
def consultation(make_consultation, organiser):
    return make_consultation(organiser=organiser)


def _chapters(consultation):
    db.session.expire_all()
    return db.session.scalars(
        select(Chapter).where(Chapter.consultation_id == consultation.id).order_by(Chapter.position)
    ).all()


def test_organiser_adds_chapter_section_and_strategy(client, login, organiser, consultation):
    login(organiser)
    cid = consultation.id
    assert client.get(f"/c/{cid}/chapters/new").status_code == 200
    response = client.post(
        f"/c/{cid}/chapters/new", data={"code": "Bab II", "title": "Sasaran", "body": "Isi."}
    )
    assert response.status_code == 302
    chapter = _chapters(consultation)[-1]
    assert (chapter.code, chapter.title, chapter.position) == ("Bab II", "Sasaran", 2)
    client.post(
        f"/c/{cid}/chapters/{chapter.id}/sections/new",
        data={"code": "2.1", "title": "Pertumbuhan", "body": "Dua digit."},
    )
    section = db.session.scalar(select(Section).where(Section.chapter_id == chapter.id))
    assert section.title == "Pertumbuhan"
    client.post(
        f"/c/{cid}/sections/{section.id}/strategies/new",
        data={
            "code": "2.1.1",
            "title": "Kawasan industri",
            "description": "Paragraf satu.\n\nParagraf dua.",
            "targets": "- 1 kawasan",
            "time_horizon": "2025-2030",
        },
    )
    strategy = db.session.scalar(select(Strategy).where(Strategy.section_id == section.id))
    assert (strategy.code, strategy.targets, strategy.time_horizon) == (
        "2.1.1",
        "- 1 kawasan",
        "2025-2030",
    )
    html = client.get(f"/c/{cid}/manage").get_data(as_text=True)
    assert "Kawasan industri" in html and "2025-2030" in html
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"chapter.added", "section.added", "strategy.added"} <= actions


def test_missing_title_is_a_field_error_and_input_kept(client, login, organiser, consultation):
    login(organiser)
    response = client.post(
        f"/c/{consultation.id}/chapters/new", data={"code": "Bab IX", "title": ""}
    )
    html = response.get_data(as_text=True)
    assert 'id="title-error"' in html
    assert 'value="Bab IX"' in html
    assert len(_chapters(consultation)) == 1


def test_editing_a_strategy_is_audited_and_versioned_once_published(
    client, login, organiser, consultation
):
    strategy = first_strategy(consultation)
    login(organiser)
    old_title = strategy.title
    response = client.post(
        f"/c/{consultation.id}/strategies/{strategy.id}/edit",
        data={
            "code": strategy.code,
            "title": "Substitusi impor bahan baku dan bahan penolong",
            "description": strategy.description,
            "targets": "",
            "time_horizon": "",
        },
    )
    assert response.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "strategy.updated"))
    assert event.data["changes"] == {
        "title": [old_title, "Substitusi impor bahan baku dan bahan penolong"]
    }
    db.session.expire_all()
    strategy = db.session.get(Strategy, strategy.id)
    assert strategy.version == 2
    versions = db.session.scalars(
        select(ContentVersion)
        .where(ContentVersion.kind == "strategy", ContentVersion.item_id == strategy.id)
        .order_by(ContentVersion.version)
    ).all()
    assert [(v.version, v.title) for v in versions] == [
        (1, old_title),
        (2, "Substitusi impor bahan baku dan bahan penolong"),
    ]


def test_editing_a_section_in_a_draft_keeps_its_version(
    client, login, organiser, make_consultation
):
    consultation = make_consultation(organiser=organiser, state=ConsultationState.DRAFT)
    section = db.session.scalar(select(Section))
    login(organiser)
    client.post(
        f"/c/{consultation.id}/sections/{section.id}/edit",
        data={"code": "1.1", "title": "Sasaran baru", "body": "Teks baru."},
    )
    db.session.expire_all()
    section = db.session.get(Section, section.id)
    assert (section.title, section.version) == ("Sasaran baru", 1)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "section.updated"))
    assert event.data["changes"]["body"][1] == "Teks baru."


def test_items_of_another_consultation_are_404(
    client, login, organiser, consultation, make_consultation
):
    other = make_consultation()
    strategy = first_strategy(other)
    login(organiser)
    assert client.get(f"/c/{consultation.id}/strategies/{strategy.id}/edit").status_code == 404


def test_reorder_chapters_with_post_buttons(client, login, organiser, consultation):
    login(organiser)
    for title in ("Dua", "Tiga"):
        client.post(f"/c/{consultation.id}/chapters/new", data={"title": title})
    first, second, third = _chapters(consultation)
    assert client.get(f"/c/{consultation.id}/chapters/{third.id}/move/up").status_code == 405
    assert client.post(f"/c/{consultation.id}/chapters/{third.id}/move/up").status_code == 302
    assert [c.title for c in _chapters(consultation)] == ["Bab 1", "Tiga", "Dua"]
    client.post(f"/c/{consultation.id}/chapters/{first.id}/move/down")
    assert [c.title for c in _chapters(consultation)] == ["Tiga", "Bab 1", "Dua"]
    # At the edge nothing moves.
    client.post(f"/c/{consultation.id}/chapters/{third.id}/move/up")
    assert [c.title for c in _chapters(consultation)] == ["Tiga", "Bab 1", "Dua"]


def test_reorder_strategies(client, login, organiser, consultation):
    strategy = first_strategy(consultation)
    login(organiser)
    client.post(
        f"/c/{consultation.id}/sections/{strategy.section_id}/strategies/new",
        data={"title": "Kedua"},
    )
    second = db.session.scalar(select(Strategy).where(Strategy.title == "Kedua"))
    client.post(f"/c/{consultation.id}/strategies/{second.id}/move/up")
    db.session.expire_all()
    titles = db.session.scalars(
        select(Strategy.title)
        .where(Strategy.section_id == strategy.section_id)
        .order_by(Strategy.position)
    ).all()
    assert titles == ["Kedua", strategy.title]
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "strategy.moved"))


XSS_PAYLOADS = [
    "<script>alert('xss')</script>",
    '<img src="x" onerror="alert(1)">',
    "[klik](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<iframe src="https://evil.example"></iframe>',
    "![x](data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+)",
    '<a href="javascript:alert(1)">x</a>',
]


def test_markdown_bodies_never_carry_scripts_to_the_page(client, login, organiser, consultation):
    section = db.session.scalar(select(Section))
    strategy = first_strategy(consultation)
    body = "Teks **aman**.\n\n" + "\n\n".join(XSS_PAYLOADS)
    section.body = body
    strategy.description = body
    strategy.targets = body
    db.session.get(Chapter, section.chapter_id).body = body
    db.session.commit()
    login(organiser)
    html = client.get(f"/c/{consultation.id}/manage").get_data(as_text=True).lower()
    assert "<strong>aman</strong>" in html
    assert "<script>alert" not in html
    # Escaped text ("&lt;img ... onerror=") is harmless; no real tag may carry a handler.
    assert not re.search(r"<[a-z][^>]*\son\w+\s*=", html)
    assert not re.search(r"<[a-z][^>]*(href|src)\s*=\s*\"?\s*(javascript|data):", html)
    assert "<iframe" not in html
    assert "<img" not in html
    # The payloads are there, but only as inert text.
    assert "&lt;iframe" in html


def test_title_with_html_is_escaped(client, login, organiser, consultation):
    login(organiser)
    client.post(f"/c/{consultation.id}/chapters/new", data={"title": "<script>alert(1)</script>"})
    html = client.get(f"/c/{consultation.id}/manage").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_criteria_add_edit_and_remove_while_unrated(client, login, organiser, consultation):
    login(organiser)
    cid = consultation.id
    assert client.get(f"/c/{cid}/criteria").status_code == 200
    client.post(
        f"/c/{cid}/criteria",
        data={"label": "Dampak lingkungan", "scale_labels": "Buruk\nNetral\nBaik"},
    )
    added = db.session.scalar(select(Criterion).where(Criterion.label == "Dampak lingkungan"))
    assert (added.scale_max, added.labels, added.key) == (
        3,
        ["Buruk", "Netral", "Baik"],
        "dampak-lingkungan",
    )
    client.post(
        f"/c/{cid}/criteria/{added.id}/edit",
        data={"label": "Dampak", "scale_labels": "Buruk\nBaik"},
    )
    db.session.expire_all()
    assert db.session.get(Criterion, added.id).scale_max == 2
    added_id = added.id
    assert client.post(f"/c/{cid}/criteria/{added_id}/remove").status_code == 302
    assert db.session.get(Criterion, added_id) is None
    assert {"criterion.added", "criterion.updated", "criterion.removed"} <= set(
        db.session.scalars(select(AuditEvent.action))
    )


def test_criterion_needs_two_to_ten_labels(client, login, organiser, consultation):
    login(organiser)
    response = client.post(
        f"/c/{consultation.id}/criteria", data={"label": "Satu", "scale_labels": "Hanya satu"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="scale_labels-error"' in html and "Hanya satu" in html


def test_rated_criterion_cannot_be_removed_or_rescaled(
    client, login, organiser, consultation, make_user, make_rating
):
    criterion = db.session.scalar(select(Criterion).where(Criterion.key == "relevance"))
    make_rating(first_strategy(consultation), criterion, make_user(), 4)
    login(organiser)
    client.post(f"/c/{consultation.id}/criteria/{criterion.id}/remove")
    assert db.session.get(Criterion, criterion.id) is not None
    response = client.post(
        f"/c/{consultation.id}/criteria/{criterion.id}/edit",
        data={"label": "Relevansi", "scale_labels": "Rendah\nTinggi"},
    )
    assert 'id="scale_labels-error"' in response.get_data(as_text=True)
    # Relabelling the same five points is allowed.
    client.post(
        f"/c/{consultation.id}/criteria/{criterion.id}/edit",
        data={"label": "Relevansi", "scale_labels": "1\n2\n3\n4\n5"},
    )
    db.session.expire_all()
    assert db.session.get(Criterion, criterion.id).labels == ["1", "2", "3", "4", "5"]
