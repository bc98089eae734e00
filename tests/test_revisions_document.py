"""A revised plan document uploaded as the next version of the whole plan."""

import io
import re
from html import unescape

import docx
import pytest
from conftest import first_strategy
from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment
from consult.plans.importer import parse_markdown
from consult.plans.models import Chapter, ContentVersion, Section, Strategy
from consult.revisions import services

DOCUMENT = """# 1 Bab 1

## 1.1 Sasaran

Paragraf pertama.

Paragraf kedua.

### 1.1.1 Substitusi impor bahan baku

Paragraf sisipan tentang bahan baku.

Mengurangi ketergantungan impor.

Memperkuat rantai pasok lokal.

Target: Impor turun 20%

### 1.1.3 Strategi baru

Teks strategi baru.
"""


@pytest.fixture
def setup(make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    participant = make_user()
    consultation = make_consultation(organiser=organiser, participants=[participant])
    strategy = first_strategy(consultation)
    kept = Strategy(
        section_id=strategy.section_id,
        position=2,
        code="1.1.2",
        title="Promosi produk lokal",
        description="Pameran tahunan.",
    )
    db.session.add(kept)
    db.session.commit()
    return consultation, organiser, participant, strategy, kept


def _comment(consultation, strategy, author, paragraph):
    comment = Comment(
        consultation_id=consultation.id,
        strategy_id=strategy.id,
        author_id=author.id,
        body="Komentar",
        paragraph_index=paragraph,
        target_version=strategy.version,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def _upload(client, consultation, text, note="Revisi setelah FGD", name="rencana.md"):
    return client.post(
        f"/c/{consultation.id}/revise",
        data={"file": (io.BytesIO(text.encode()), name), "note": note},
        content_type="multipart/form-data",
    )


def _payload(page: str) -> str:
    return unescape(re.search(r'name="payload"[^>]*value="([^"]+)"', page).group(1))


def _counts():
    return (
        db.session.scalar(select(func.count(Section.id))),
        db.session.scalar(select(func.count(Strategy.id))),
        db.session.scalar(select(func.count(Chapter.id))),
    )


def test_preview_lists_changed_unchanged_new_and_missing(client, login, setup):
    consultation, organiser, _participant, _strategy, _kept = setup
    login(organiser)
    before = _counts()
    response = _upload(client, consultation, DOCUMENT)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'data-status="unchanged">\s*1.1 Sasaran', page)
    assert re.search(r'data-status="changed">\s*1.1.1 Substitusi impor bahan baku', page)
    assert re.search(r'data-status="new">\s*1.1.3 Strategi baru', page)
    assert "Not in the document" in page and "1.1.2 Promosi produk lokal" in page
    assert "<ins>Paragraf sisipan tentang bahan baku." in page
    assert _counts() == before  # a preview saves nothing


def test_confirming_makes_new_versions_of_the_same_items(client, login, setup):
    consultation, organiser, _participant, strategy, kept = setup
    section_id = strategy.section_id
    login(organiser)
    page = _upload(client, consultation, DOCUMENT).get_data(as_text=True)
    response = client.post(f"/c/{consultation.id}/revise/confirm", data={"payload": _payload(page)})
    assert response.status_code == 302
    db.session.expire_all()
    # The changed strategy: same row, next version, old text kept as version 1.
    assert strategy.version == 2
    assert strategy.targets == "Impor turun 20%"
    assert strategy.description.startswith("Paragraf sisipan")
    stored = db.session.scalars(
        select(ContentVersion.version).where(
            ContentVersion.kind == "strategy", ContentVersion.item_id == strategy.id
        )
    ).all()
    assert sorted(stored) == [1, 2]
    note = db.session.scalar(select(ContentVersion.note).where(ContentVersion.version == 2))
    assert note == "Revisi setelah FGD"
    # Unchanged section untouched, missing strategy kept as it was, new one added once.
    section = db.session.get(Section, section_id)
    assert section.version == 1
    assert kept.version == 1 and kept.description == "Pameran tahunan."
    titles = db.session.scalars(select(Strategy.title).order_by(Strategy.id)).all()
    assert titles == ["Substitusi impor bahan baku", "Promosi produk lokal", "Strategi baru"]
    assert db.session.scalar(select(func.count(Section.id))) == 1
    assert db.session.scalar(select(func.count(Chapter.id))) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.revised"))
    assert event.data["counts"] == {"changed": 1, "unchanged": 1, "new": 1, "missing": 1}
    assert event.data["missing"] == [["strategy", kept.id]]


def test_matching_by_title_when_the_code_changed(setup):
    consultation, organiser, _participant, strategy, _kept = setup
    outline = parse_markdown(
        "# 1 Bab 1\n## 1.1 Sasaran\nParagraf pertama.\n\nParagraf kedua.\n"
        "### 9.9 SUBSTITUSI   impor bahan-baku\nMengurangi ketergantungan impor.\n"
    ).outline
    plan = services.plan_revision(consultation, outline)
    entry = next(e for e in plan.entries if e.kind == "strategy")
    assert entry.item is strategy and entry.status == "changed"
    services.apply_revision(consultation, outline, organiser)
    db.session.commit()
    assert strategy.code == "9.9" and strategy.version == 2
    assert db.session.scalar(select(func.count(Strategy.id))) == 2


def test_a_second_upload_of_the_same_document_changes_nothing(setup):
    consultation, organiser, _participant, strategy, _kept = setup
    outline = parse_markdown(DOCUMENT).outline
    services.apply_revision(consultation, outline, organiser)
    db.session.commit()
    plan = services.apply_revision(consultation, outline, organiser)
    db.session.commit()
    assert plan.counts["changed"] == 0 and plan.counts["new"] == 0
    assert strategy.version == 2
    assert db.session.scalar(select(func.count(Strategy.id))) == 3


def test_new_chapter_and_section_are_added(setup):
    consultation, organiser, _participant, _strategy, _kept = setup
    outline = parse_markdown("# 2 Bab 2\n## 2.1 Baru\nTeks.\n### 2.1.1 Strategi\nIsi.\n").outline
    plan = services.apply_revision(consultation, outline, organiser)
    db.session.commit()
    assert plan.counts == {"changed": 0, "unchanged": 0, "new": 2, "missing": 3}
    chapter = db.session.scalar(select(Chapter).where(Chapter.code == "2"))
    section = db.session.scalar(select(Section).where(Section.chapter_id == chapter.id))
    assert section.title == "Baru"
    assert db.session.scalar(select(Strategy).where(Strategy.section_id == section.id)).title == (
        "Strategi"
    )


def test_anchored_comment_moves_with_its_paragraph(client, login, setup):
    consultation, organiser, participant, strategy, _kept = setup
    comment = _comment(consultation, strategy, participant, paragraph=1)
    services.apply_revision(consultation, parse_markdown(DOCUMENT).outline, organiser)
    db.session.commit()
    # A paragraph was inserted before "Memperkuat rantai pasok lokal.": index 1 -> 2.
    assert comment.paragraph_index == 2
    assert comment.target_version == 1
    # The version the comment was written on still shows it at its original paragraph.
    login(participant)
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}/versions/1").get_data(
        as_text=True
    )
    assert "Paragraph 2" in page and "Paragraph 3" not in page


def test_reworded_paragraph_keeps_its_comment(setup):
    consultation, organiser, participant, strategy, _kept = setup
    strategy.description = (
        "Mengurangi ketergantungan impor.\n\n"
        "Memperkuat rantai pasok lokal untuk industri kecil dan menengah di kota ini."
    )
    db.session.commit()
    comment = _comment(consultation, strategy, participant, paragraph=1)
    services.publish_revision(
        strategy,
        organiser,
        {
            "body": "Baru.\n\nMengurangi ketergantungan impor.\n\n"
            "Memperkuat rantai pasok lokal untuk industri kecil dan menengah di Palangka Raya."
        },
    )
    db.session.commit()
    assert comment.paragraph_index == 2


def test_anchor_is_dropped_when_the_paragraph_is_gone(setup):
    consultation, organiser, participant, strategy, _kept = setup
    comment = _comment(consultation, strategy, participant, paragraph=1)
    unanchored = _comment(consultation, strategy, participant, paragraph=None)
    document = DOCUMENT.replace("Memperkuat rantai pasok lokal.\n\n", "")
    services.apply_revision(consultation, parse_markdown(document).outline, organiser)
    db.session.commit()
    assert comment.paragraph_index is None
    assert comment.strategy_id == strategy.id  # still on the item, unanchored
    assert unanchored.paragraph_index is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "strategy.revised"))
    assert event.data["anchors"] == {str(comment.id): [1, None]}


def test_tampered_payload_is_rejected(client, login, setup):
    consultation, organiser, _participant, strategy, _kept = setup
    login(organiser)
    payload = _payload(_upload(client, consultation, DOCUMENT).get_data(as_text=True))
    tampered = payload[:-3] + ("AAA" if payload[-3:] != "AAA" else "BBB")
    response = client.post(f"/c/{consultation.id}/revise/confirm", data={"payload": tampered})
    assert response.status_code == 400
    assert "could not be confirmed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert strategy.version == 1
    assert db.session.scalar(select(func.count(Strategy.id))) == 2


def test_payload_of_another_consultation_is_rejected(client, login, setup, make_consultation):
    consultation, organiser, _participant, strategy, _kept = setup
    other = make_consultation(organiser=organiser)
    login(organiser)
    payload = _payload(_upload(client, other, DOCUMENT).get_data(as_text=True))
    response = client.post(f"/c/{consultation.id}/revise/confirm", data={"payload": payload})
    assert response.status_code == 400
    db.session.expire_all()
    assert strategy.version == 1


def test_upload_errors_are_shown_at_the_field(client, login, setup):
    consultation, organiser, _participant, _strategy, _kept = setup
    login(organiser)
    response = client.post(
        f"/c/{consultation.id}/revise",
        data={"file": (io.BytesIO(b"\xff\xfe\x00x"), "x.md"), "note": "Catatan saya"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "neither a Word (.docx) document nor Markdown" in page
    assert "Catatan saya" in page
    missing_note = _upload(client, consultation, DOCUMENT, note="")
    assert missing_note.status_code == 422
    assert "Please say what changed and why." in missing_note.get_data(as_text=True)


def test_docx_revision_is_read_like_the_import(client, login, setup):
    consultation, organiser, _participant, strategy, _kept = setup
    document = docx.Document()
    document.add_heading("1 Bab 1", level=1)
    document.add_heading("1.1 Sasaran", level=2)
    document.add_paragraph("Paragraf pertama.")
    document.add_paragraph("Paragraf kedua.")
    document.add_heading("1.1.1 Substitusi impor bahan baku", level=3)
    document.add_paragraph("Mengurangi ketergantungan impor secara bertahap.")
    buffer = io.BytesIO()
    document.save(buffer)
    login(organiser)
    response = client.post(
        f"/c/{consultation.id}/revise",
        data={"file": (io.BytesIO(buffer.getvalue()), "rencana.docx"), "note": "Revisi"},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert re.search(r'data-status="unchanged">\s*1.1 Sasaran', page)
    assert re.search(r'data-status="changed">\s*1.1.1 Substitusi', page)
