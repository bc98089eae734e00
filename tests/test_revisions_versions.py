"""Publishing a revised text of a section or strategy, and reading its versions."""

import pytest
from conftest import first_strategy
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus
from consult.plans.models import ConsultationState, ContentVersion, Section
from consult.reports.models import CommentResponse, Disposition, ResponseGroup
from consult.revisions import services


@pytest.fixture
def setup(make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    participant = make_user()
    consultation = make_consultation(organiser=organiser, participants=[participant])
    return consultation, organiser, participant, first_strategy(consultation)


def _comment(consultation, strategy, author, body="Komentar", paragraph=None, **kw):
    comment = Comment(
        consultation_id=consultation.id,
        strategy_id=strategy.id,
        author_id=author.id,
        body=body,
        paragraph_index=paragraph,
        target_version=strategy.version,
        **kw,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def _revise_url(consultation, strategy):
    return f"/c/{consultation.id}/strategies/{strategy.id}/revise"


REVISED = {
    "code": "1.1.1",
    "title": "Substitusi impor bahan baku",
    "body": "Mengurangi ketergantungan impor bahan baku.\n\nMemperkuat rantai pasok lokal.",
    "targets": "Impor turun 20%",
    "time_horizon": "2025-2030",
    "note": "Menambah target sesuai masukan KADIN.",
}


def test_publishing_stores_old_text_and_new_version(client, login, setup):
    consultation, organiser, _participant, strategy = setup
    login(organiser)
    response = client.post(_revise_url(consultation, strategy), data=REVISED)
    assert response.status_code == 302
    db.session.expire_all()
    assert strategy.version == 2
    assert strategy.targets == "Impor turun 20%"
    assert strategy.description.startswith("Mengurangi ketergantungan impor bahan baku.")
    versions = db.session.scalars(
        select(ContentVersion)
        .where(ContentVersion.kind == "strategy", ContentVersion.item_id == strategy.id)
        .order_by(ContentVersion.version)
    ).all()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].body == "Mengurangi ketergantungan impor.\n\nMemperkuat rantai pasok lokal."
    assert versions[1].note == "Menambah target sesuai masukan KADIN."
    assert versions[1].published_by_id == organiser.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "strategy.revised"))
    assert event.object_id == strategy.id and event.actor_id == organiser.id
    assert event.data["version"] == [1, 2]
    assert event.data["before"]["targets"] == ""
    assert event.data["after"]["targets"] == "Impor turun 20%"
    assert event.data["changes"]["targets"] == ["", "Impor turun 20%"]


def test_unchanged_text_is_refused_at_the_field(client, login, setup):
    consultation, organiser, _participant, strategy = setup
    login(organiser)
    data = {**services.text_of(strategy), "note": "Tidak ada"}
    response = client.post(_revise_url(consultation, strategy), data=data)
    assert response.status_code == 422
    assert "The text is unchanged" in response.get_data(as_text=True)
    db.session.expire_all()
    assert strategy.version == 1


def test_note_is_required_and_typed_text_is_kept(client, login, setup):
    consultation, organiser, _participant, strategy = setup
    login(organiser)
    response = client.post(_revise_url(consultation, strategy), data={**REVISED, "note": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please say what changed and why." in page
    assert "Impor turun 20%" in page


def test_existing_stored_version_is_not_stored_twice(setup):
    consultation, organiser, _participant, strategy = setup
    db.session.add(ContentVersion.snapshot(strategy, organiser))
    db.session.flush()
    services.publish_revision(strategy, organiser, REVISED)
    db.session.commit()
    count = db.session.scalar(
        select(db.func.count(ContentVersion.id)).where(ContentVersion.item_id == strategy.id)
    )
    assert count == 2


def test_sections_are_versioned_too(client, login, setup):
    consultation, organiser, _participant, strategy = setup
    section = db.session.get(Section, strategy.section_id)
    login(organiser)
    response = client.post(
        f"/c/{consultation.id}/sections/{section.id}/revise",
        data={"code": "1.1", "title": "Sasaran", "body": "Paragraf baru.", "note": "Ringkas"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert section.version == 2 and section.body == "Paragraf baru."
    page = client.get(f"/c/{consultation.id}/sections/{section.id}/versions/1").get_data(True)
    assert "Paragraf kedua." in page


def test_comments_that_led_to_a_change_are_linked_and_shown(client, login, setup):
    consultation, organiser, participant, strategy = setup
    asked = _comment(consultation, strategy, participant, body="Tambahkan target impor")
    answered = _comment(consultation, strategy, participant, body="Sebut bahan baku")
    other = _comment(consultation, strategy, participant, body="Tidak terkait")
    db.session.add(
        CommentResponse(
            comment_id=answered.id,
            consultation_id=consultation.id,
            disposition=Disposition.ACCEPTED,
            rationale="Setuju",
        )
    )
    db.session.commit()
    login(organiser)
    form = client.get(_revise_url(consultation, strategy)).get_data(as_text=True)
    assert "Tambahkan target impor" in form
    client.post(
        _revise_url(consultation, strategy),
        data={**REVISED, "comment_ids": [str(asked.id), str(answered.id)]},
    )
    version = db.session.scalar(select(ContentVersion).where(ContentVersion.version == 2))
    responses = {r.comment_id: r for r in db.session.scalars(select(CommentResponse)).all()}
    assert responses[answered.id].content_version_id == version.id
    assert responses[answered.id].disposition == Disposition.ACCEPTED  # decision kept
    assert responses[asked.id].content_version_id == version.id
    assert responses[asked.id].disposition is None  # left to the response matrix
    assert other.id not in responses

    login(participant)
    listing = client.get(f"/c/{consultation.id}/strategies/{strategy.id}/versions")
    page = listing.get_data(as_text=True)
    assert "Comments that led to this version" in page
    assert "Tambahkan target impor" in page and "Sebut bahan baku" in page
    assert "Tidak terkait" not in page
    detail = client.get(f"/c/{consultation.id}/strategies/{strategy.id}/versions/2")
    assert "Sebut bahan baku" in detail.get_data(as_text=True)


def test_grouped_response_links_through_its_group(setup):
    consultation, organiser, participant, strategy = setup
    comment = _comment(consultation, strategy, participant)
    group = ResponseGroup(consultation_id=consultation.id, disposition=Disposition.NOTED)
    db.session.add(group)
    db.session.flush()
    db.session.add(
        CommentResponse(
            comment_id=comment.id, consultation_id=consultation.id, response_group_id=group.id
        )
    )
    db.session.flush()
    version = services.publish_revision(
        strategy, organiser, {**REVISED, "comment_ids": [comment.id]}
    )
    db.session.commit()
    assert group.content_version_id == version.id
    linked = services.linked_comments([version], organiser, consultation)
    assert [c.id for c in linked[version.id]] == [comment.id]


def test_comment_of_another_item_cannot_be_linked(setup, make_consultation, make_user):
    consultation, organiser, participant, strategy = setup
    elsewhere = make_consultation(participants=[participant])
    foreign = _comment(elsewhere, first_strategy(elsewhere), participant)
    services.publish_revision(strategy, organiser, {**REVISED, "comment_ids": [foreign.id]})
    db.session.commit()
    assert db.session.scalar(select(CommentResponse)) is None


def test_only_published_comments_are_offered_as_reasons(client, login, setup):
    consultation, organiser, participant, strategy = setup
    shown = _comment(consultation, strategy, participant, body="Masukan terbuka")
    kept_back = [
        _comment(consultation, strategy, participant, body=f"Masukan {status}", status=status)
        for status in (
            CommentStatus.HIDDEN,
            CommentStatus.WITHDRAWN,
            CommentStatus.REJECTED,
            CommentStatus.PENDING,
        )
    ]
    login(organiser)
    form = client.get(_revise_url(consultation, strategy)).get_data(as_text=True)
    assert f'value="{shown.id}"' in form
    for comment in kept_back:
        assert f'value="{comment.id}"' not in form
    # Nor linked when the id is posted anyway.
    version = services.publish_revision(
        strategy, organiser, {**REVISED, "comment_ids": [c.id for c in (shown, *kept_back)]}
    )
    db.session.commit()
    linked = db.session.scalars(
        select(CommentResponse.comment_id).where(CommentResponse.content_version_id == version.id)
    )
    assert list(linked) == [shown.id]


def test_old_versions_and_their_comments_stay_readable(client, login, setup):
    consultation, organiser, participant, strategy = setup
    _comment(consultation, strategy, participant, body="Komentar pada versi satu", paragraph=1)
    services.publish_revision(strategy, organiser, REVISED)
    db.session.commit()
    _comment(consultation, strategy, participant, body="Komentar pada versi dua")
    login(participant)
    old = client.get(f"/c/{consultation.id}/strategies/{strategy.id}/versions/1")
    assert old.status_code == 200
    page = old.get_data(as_text=True)
    assert "Mengurangi ketergantungan impor." in page
    assert "Komentar pada versi satu" in page and "Komentar pada versi dua" not in page
    assert "Paragraph 2" in page
    new = client.get(f"/c/{consultation.id}/strategies/{strategy.id}/versions/2")
    page = new.get_data(as_text=True)
    assert "Komentar pada versi dua" in page and "Komentar pada versi satu" not in page
    assert "Menambah target sesuai masukan KADIN." in page
    missing = client.get(f"/c/{consultation.id}/strategies/{strategy.id}/versions/3")
    assert missing.status_code == 404


def test_hidden_comment_shows_as_placeholder_on_a_version(client, login, setup, make_user):
    consultation, organiser, participant, strategy = setup
    _comment(consultation, strategy, participant, body="Rahasia", status=CommentStatus.HIDDEN)
    other = make_user()
    from consult.plans.models import Membership

    db.session.add(Membership(consultation_id=consultation.id, user_id=other.id))
    db.session.commit()
    login(other)
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}/versions/1").get_data(True)
    assert "Rahasia" not in page and "Moderated." in page


def test_diff_between_two_versions_is_shown_word_by_word(client, login, setup):
    consultation, organiser, participant, strategy = setup
    services.publish_revision(strategy, organiser, {**REVISED, "title": "Substitusi <impor>"})
    db.session.commit()
    login(participant)
    response = client.get(f"/c/{consultation.id}/strategies/{strategy.id}/versions?from=1&to=2")
    page = response.get_data(as_text=True)
    assert "Mengurangi ketergantungan <del>impor.</del><ins>impor bahan baku.</ins>" in page
    assert 'data-field="targets"><ins>Impor turun 20%</ins>' in page
    assert "Substitusi <del>impor bahan baku</del><ins>&lt;impor&gt;</ins>" in page
    assert "&lt;impor&gt;" in page and "<impor>" not in page


def test_strategy_page_links_to_versions_once_revised(client, login, setup):
    consultation, organiser, participant, strategy = setup
    login(participant)
    url = f"/c/{consultation.id}/strategies/{strategy.id}"
    assert "versions-link" not in client.get(url).get_data(as_text=True)
    services.publish_revision(strategy, organiser, REVISED)
    db.session.commit()
    assert "Versions (2)" in client.get(url).get_data(as_text=True)


def test_anchored_comment_follows_its_paragraph_on_publish(setup):
    consultation, organiser, participant, strategy = setup
    comment = _comment(consultation, strategy, participant, paragraph=1)
    services.publish_revision(
        strategy,
        organiser,
        {**REVISED, "body": "Paragraf baru.\n\n" + strategy.description},
    )
    db.session.commit()
    assert comment.paragraph_index == 2
    assert comment.target_version == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "strategy.revised"))
    assert event.data["anchors"] == {str(comment.id): [1, 2]}


# --- access -------------------------------------------------------------------------------


def _urls(consultation, strategy):
    base = f"/c/{consultation.id}/strategies/{strategy.id}"
    return [
        ("get", f"{base}/versions"),
        ("get", f"{base}/versions/1"),
        ("get", f"{base}/revise"),
        ("post", f"{base}/revise"),
        ("get", f"/c/{consultation.id}/revise"),
        ("post", f"/c/{consultation.id}/revise"),
        ("post", f"/c/{consultation.id}/revise/confirm"),
    ]


def test_anonymous_is_sent_to_login(client, setup):
    consultation, _organiser, _participant, strategy = setup
    for method, url in _urls(consultation, strategy):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url


def test_non_member_gets_404_everywhere(client, login, setup, make_user):
    consultation, _organiser, _participant, strategy = setup
    login(make_user())
    for method, url in _urls(consultation, strategy):
        assert getattr(client, method)(url).status_code == 404, url


def test_organiser_of_another_consultation_gets_404(client, login, setup, make_user):
    consultation, _organiser, _participant, strategy = setup
    login(make_user(role=Role.ORGANISER))
    for method, url in _urls(consultation, strategy):
        assert getattr(client, method)(url).status_code == 404, url


def test_participant_may_read_but_not_publish_or_revise(client, login, setup):
    consultation, _organiser, participant, strategy = setup
    login(participant)
    for method, url in _urls(consultation, strategy):
        expected = 200 if "/versions" in url else 403
        assert getattr(client, method)(url).status_code == expected, url


def test_participant_cannot_see_versions_of_a_draft(client, login, make_user, make_consultation):
    participant = make_user()
    consultation = make_consultation(participants=[participant], state=ConsultationState.DRAFT)
    strategy = first_strategy(consultation)
    login(participant)
    url = f"/c/{consultation.id}/strategies/{strategy.id}/versions"
    assert client.get(url).status_code == 404


def test_strategy_of_another_consultation_is_404(client, login, setup, make_consultation):
    consultation, organiser, _participant, _strategy = setup
    elsewhere = first_strategy(make_consultation())
    login(organiser)
    url = f"/c/{consultation.id}/strategies/{elsewhere.id}/versions"
    assert client.get(url).status_code == 404


def test_archived_consultation_cannot_be_revised(client, login, setup):
    consultation, organiser, _participant, strategy = setup
    consultation.state = ConsultationState.ARCHIVED
    db.session.commit()
    login(organiser)
    assert client.post(_revise_url(consultation, strategy), data=REVISED).status_code == 403
    assert client.get(f"/c/{consultation.id}/revise").status_code == 403
    page = client.get(f"/c/{consultation.id}/strategies/{strategy.id}/versions")
    assert page.status_code == 200
    assert "Publish a revised text" not in page.get_data(as_text=True)


def test_section_page_links_to_its_versions_once_revised(client, login, setup):
    consultation, organiser, participant, strategy = setup
    section = db.session.get(Section, strategy.section_id)
    services.publish_revision(section, organiser, {"body": "Teks baru.", "note": "x"})
    db.session.commit()
    login(participant)
    page = client.get(f"/c/{consultation.id}/sections/{section.id}").get_data(as_text=True)
    assert "Versions (2)" in page


def test_versions_page_queries_do_not_grow_with_linked_comments(
    client, login, setup, count_queries
):
    consultation, organiser, participant, strategy = setup

    def revise_with(n: int, round_: int) -> int:
        ids = [_comment(consultation, strategy, participant, body=f"K{i}").id for i in range(n)]
        services.publish_revision(
            strategy, organiser, {**REVISED, "title": f"Judul {round_}", "comment_ids": ids}
        )
        db.session.commit()
        login(participant)
        with count_queries() as counter:
            client.get(f"/c/{consultation.id}/strategies/{strategy.id}/versions")
        return counter.count

    assert revise_with(1, 1) == revise_with(6, 2)


def test_unknown_comment_choice_is_refused_at_the_field(client, login, setup):
    consultation, organiser, _participant, strategy = setup
    login(organiser)
    response = client.post(
        _revise_url(consultation, strategy), data={**REVISED, "comment_ids": "999"}
    )
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)
    db.session.expire_all()
    assert strategy.version == 1
