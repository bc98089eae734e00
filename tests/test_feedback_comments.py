"""Comments: types, length, replies, edit history, withdrawal, double submit, paragraphs."""

import re

import pytest
from conftest import first_strategy
from sqlalchemy import func, select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback import services
from consult.feedback.models import Comment, CommentRevision, CommentStatus, CommentType
from consult.plans.models import Phase, Section


@pytest.fixture
def setup(make_user, make_consultation, login, client):
    participant = make_user(name="Budi Santoso")
    other = make_user(name="Siti Aminah")
    consultation = make_consultation(participants=[participant, other])
    strategy = first_strategy(consultation)
    login(participant)
    return consultation, strategy, participant, other


def post_comment(client, consultation, strategy, **data):
    form = {"type": "support", "body": "Setuju.", "submission_key": "", **data}
    return client.post(f"/c/{consultation.id}/strategies/{strategy.id}/comments", data=form)


def comment_count():
    return db.session.scalar(select(func.count(Comment.id)))


def test_participant_posts_comment_and_sees_it(setup, client):
    consultation, strategy, participant, _ = setup
    response = post_comment(client, consultation, strategy, body="Sangat **penting**.")
    assert response.status_code == 302
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    assert "Sangat <strong>penting</strong>." in page
    assert "Budi Santoso" in page
    comment = db.session.scalar(select(Comment))
    assert comment.phase == Phase.PRE
    assert comment.status == CommentStatus.PUBLISHED
    assert comment.group_id == participant.group_id


@pytest.mark.parametrize("ctype", [t.value for t in CommentType if t != CommentType.CHANGE])
def test_every_comment_type_is_accepted(setup, client, ctype):
    consultation, strategy, *_ = setup
    assert post_comment(client, consultation, strategy, type=ctype).status_code == 302
    assert db.session.scalar(select(Comment.type)) == CommentType(ctype)


def test_proposed_change_without_wording_is_an_error_keeping_text(setup, client):
    consultation, strategy, *_ = setup
    response = post_comment(client, consultation, strategy, type="change", body="Ubah target.")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A proposed change needs the wording you propose." in page
    assert "Ubah target." in page
    assert comment_count() == 0


def test_proposed_change_with_wording_is_stored(setup, client):
    consultation, strategy, *_ = setup
    post_comment(
        client,
        consultation,
        strategy,
        type="change",
        body="Target terlalu tinggi.",
        proposed_wording="Pertumbuhan 8% per tahun.",
        reference="BPS 2022",
    )
    comment = db.session.scalar(select(Comment))
    assert comment.type == CommentType.CHANGE
    assert comment.proposed_wording == "Pertumbuhan 8% per tahun."
    assert comment.reference == "BPS 2022"


def test_position_paper_of_20000_characters_is_accepted(setup, client):
    consultation, strategy, *_ = setup
    body = ("Kajian akademik. " * 2000)[:20000]
    assert post_comment(client, consultation, strategy, body=body).status_code == 302
    assert len(db.session.scalar(select(Comment.body))) == 20000


def test_20001_characters_is_a_field_error_and_text_is_kept(setup, client):
    consultation, strategy, *_ = setup
    body = "x" * 19990 + "PENANDA-AKHIR"
    assert len(body) == 20003
    body = body[2:]
    response = post_comment(client, consultation, strategy, body=body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "At most 20000 characters" in page or "20,000" in page or "20.000" in page
    assert "PENANDA-AKHIR" in page
    assert comment_count() == 0


def test_empty_comment_is_an_error(setup, client):
    consultation, strategy, *_ = setup
    response = post_comment(client, consultation, strategy, body="   ")
    assert response.status_code == 422
    assert "Please write your comment." in response.get_data(as_text=True)
    assert comment_count() == 0


def test_same_submission_key_twice_makes_one_comment(setup, client):
    consultation, strategy, *_ = setup
    first = post_comment(client, consultation, strategy, submission_key="k" * 32)
    second = post_comment(client, consultation, strategy, submission_key="k" * 32)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert comment_count() == 1


def test_comment_form_carries_a_fresh_submission_key(setup, client):
    consultation, strategy, *_ = setup
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    keys = re.findall(r'name="submission_key" type="hidden" value="([0-9a-f]{32})"', page)
    assert len(keys) == 1


def test_reply_to_a_reply_attaches_to_the_top_level_comment(setup, client):
    consultation, strategy, participant, other = setup
    post_comment(client, consultation, strategy, body="Komentar utama.")
    top = db.session.scalar(select(Comment))
    post_comment(client, consultation, strategy, body="Balasan.", parent_id=str(top.id))
    reply = db.session.scalar(select(Comment).where(Comment.parent_id.is_not(None)))
    post_comment(client, consultation, strategy, body="Balasan balasan.", parent_id=str(reply.id))
    replies = db.session.scalars(select(Comment).where(Comment.parent_id == top.id)).all()
    assert len(replies) == 2
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    assert page.index("Komentar utama.") < page.index("Balasan.") < page.index("Balasan balasan.")


def test_editing_keeps_earlier_versions_and_shows_history(setup, client):
    consultation, strategy, *_ = setup
    post_comment(client, consultation, strategy, body="Versi pertama.")
    comment = db.session.scalar(select(Comment))
    url = f"/c/{consultation.id}/comments/{comment.id}/edit"
    assert "Versi pertama." in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"type": "objection", "body": "Versi kedua."})
    assert response.status_code == 302
    db.session.expire_all()
    assert comment.body == "Versi kedua."
    assert comment.revision == 2
    revision = db.session.scalar(select(CommentRevision))
    assert (revision.revision, revision.body, revision.type) == (
        1,
        "Versi pertama.",
        CommentType.SUPPORT,
    )
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    assert "edited" in page or "diedit" in page
    history = client.get(f"/c/{consultation.id}/comments/{comment.id}/history")
    text = history.get_data(as_text=True)
    assert "Versi pertama." in text and "Versi kedua." in text


def test_only_the_author_may_edit(setup, client, login):
    consultation, strategy, participant, other = setup
    post_comment(client, consultation, strategy, body="Milik Budi.")
    comment = db.session.scalar(select(Comment))
    login(other)
    url = f"/c/{consultation.id}/comments/{comment.id}/edit"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"type": "other", "body": "Diubah"}).status_code == 403
    assert client.post(f"/c/{consultation.id}/comments/{comment.id}/withdraw").status_code == 403


def test_withdrawn_comment_is_kept_and_shown_as_withdrawn(setup, client, login):
    consultation, strategy, participant, other = setup
    post_comment(client, consultation, strategy, body="Saya tarik nanti.")
    comment = db.session.scalar(select(Comment))
    login(other)
    post_comment(client, consultation, strategy, body="Tanggapan Siti.", parent_id=str(comment.id))
    login(participant)
    assert client.post(f"/c/{consultation.id}/comments/{comment.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert comment.status == CommentStatus.WITHDRAWN
    assert comment.body == "Saya tarik nanti."
    login(other)
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    assert "Saya tarik nanti." not in page
    assert "Withdrawn by the author." in page or "Ditarik" in page
    assert "Tanggapan Siti." in page


def test_paragraph_anchors_and_counts(setup, client):
    consultation, strategy, *_ = setup
    post_comment(client, consultation, strategy, body="P2 a", paragraph_index="1")
    post_comment(client, consultation, strategy, body="P2 b", paragraph_index="1")
    post_comment(client, consultation, strategy, body="P1", paragraph_index="0")
    # No such paragraph: refused at the field (tests/test_feedback_paragraph_choice.py).
    refused = post_comment(client, consultation, strategy, body="Di luar", paragraph_index="9")
    assert refused.status_code == 422
    indexes = sorted(
        i for i in db.session.scalars(select(Comment.paragraph_index)) if i is not None
    )
    assert indexes == [0, 1, 1]
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)
    counts = re.findall(r'class="badge text-bg-light paragraph-count"[^>]*>([^<]*)<', page)
    assert [re.sub(r"\D", "", c) for c in counts] == ["1", "2"]
    link = client.get(f"/c/{consultation.id}/strategies/{strategy.id}?paragraph=1")
    assert '<option selected value="1">Paragraph 2</option>' in link.get_data(as_text=True)


def test_section_comment(setup, client):
    consultation, strategy, *_ = setup
    section = db.session.get(Section, strategy.section_id)
    response = client.post(
        f"/c/{consultation.id}/sections/{section.id}/comments",
        data={"type": "question", "body": "Apa indikatornya?", "paragraph_index": "0"},
    )
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment))
    assert (comment.section_id, comment.strategy_id, comment.paragraph_index) == (
        section.id,
        None,
        0,
    )
    page = client.get(f"/c/{consultation.id}/sections/{section.id}").get_data(as_text=True)
    assert "Apa indikatornya?" in page


def test_services_add_comment_records_audit(setup):
    consultation, strategy, participant, _ = setup
    comment = services.add_comment(
        strategy, participant, {"type": CommentType.SUPPORT, "body": "Oke"}, phase=Phase.PRE
    )
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "comment.add"))
    assert event.object_id == comment.id


def test_organiser_comment_is_published_under_pre_moderation(make_user, make_consultation):
    from consult.plans.models import ModerationMode

    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser, moderation_mode=ModerationMode.PRE)
    comment = services.add_comment(
        first_strategy(consultation), organiser, {"body": "Tanggapan panitia"}, phase=Phase.PRE
    )
    assert comment.status == CommentStatus.PUBLISHED


def test_a_comment_posted_to_a_long_thread_leads_to_the_page_showing_it(
    setup, client, make_comment, app
):
    consultation, strategy, _participant, other = setup
    per_page = app.config["PAGE_SIZE"]
    earlier = [make_comment(consultation, other, f"Masukan {n}.") for n in range(per_page + 1)]
    db.session.commit()
    response = post_comment(client, consultation, strategy, body="Komentar terbaru.")
    location = response.headers["Location"]
    assert location.endswith(f"?page=2#comment-{comment_id_of('Komentar terbaru.')}")
    assert "Komentar terbaru." in client.get(location.split("#")[0]).get_data(as_text=True)
    # A reply is on its comment's page: the first comment is on page 1.
    reply = post_comment(client, consultation, strategy, body="Balasan.", parent_id=earlier[0].id)
    assert "?page=" not in reply.headers["Location"]


def comment_id_of(body: str) -> int:
    return db.session.scalar(select(Comment.id).where(Comment.body == body))
