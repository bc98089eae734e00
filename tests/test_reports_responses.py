"""The response matrix (dispositions, grouped answers) and the "you said, we did" page."""

import pytest
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus
from consult.plans.models import CommentVisibility
from consult.reports.models import CommentResponse, Disposition, ResponseGroup
from tests.conftest import first_strategy


@pytest.fixture
def setting(make_user, make_group, make_consultation):
    kadin = make_group("KADIN")
    organiser = make_user(role=Role.ORGANISER)
    alice = make_user(group=kadin, name="Alice Wulandari")
    bob = make_user(group=kadin, name="Bob Santoso")
    consultation = make_consultation(organiser=organiser, participants=[alice, bob])
    return consultation, first_strategy(consultation), organiser, alice, bob


def comment(consultation, strategy, author, body, status=CommentStatus.PUBLISHED, **kw):
    item = Comment(
        consultation_id=consultation.id,
        strategy_id=strategy.id,
        author_id=author.id if author else None,
        group_id=author.group_id if author else None,
        body=body,
        status=status,
        **kw,
    )
    db.session.add(item)
    db.session.commit()
    return item


def test_organiser_records_a_disposition_and_it_is_audited(client, login, setting):
    consultation, strategy, organiser, alice, bob = setting
    item = comment(consultation, strategy, alice, "Tambahkan target ekspor.")
    response = login(organiser).post(
        f"/c/{consultation.id}/responses/{item.id}",
        data={
            f"c{item.id}-disposition": "partly_accepted",
            f"c{item.id}-rationale": "Target ekspor ditambahkan untuk 2030.",
            f"c{item.id}-revision_ref": "Strategi 1.1.1 rev. 2",
        },
    )
    assert response.status_code == 302
    saved = db.session.scalar(select(CommentResponse).where(CommentResponse.comment_id == item.id))
    assert saved.disposition == Disposition.PARTLY_ACCEPTED
    assert saved.revision_ref == "Strategi 1.1.1 rev. 2"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response.record"))
    assert event.data["before"] is None
    assert event.data["after"]["disposition"] == "partly_accepted"

    login(organiser).post(
        f"/c/{consultation.id}/responses/{item.id}",
        data={f"c{item.id}-disposition": "accepted", f"c{item.id}-rationale": "Diterima."},
    )
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "response.record").order_by(AuditEvent.id)
    ).all()
    assert events[-1].data["before"]["disposition"] == "partly_accepted"
    assert events[-1].data["after"]["disposition"] == "accepted"


def test_missing_rationale_is_refused_at_the_field_and_keeps_the_input(client, login, setting):
    consultation, strategy, organiser, alice, bob = setting
    item = comment(consultation, strategy, alice, "Komentar.")
    response = login(organiser).post(
        f"/c/{consultation.id}/responses/{item.id}",
        data={f"c{item.id}-disposition": "noted", f"c{item.id}-revision_ref": "Bab 2"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="c{item.id}-rationale-error"' in html
    assert 'value="Bab 2"' in html
    assert db.session.scalar(select(CommentResponse)) is None


def test_similar_comments_are_answered_together_once(client, login, setting):
    consultation, strategy, organiser, alice, bob = setting
    first = comment(consultation, strategy, alice, "Perlu insentif pajak.")
    second = comment(consultation, strategy, bob, "Insentif pajak untuk IKM.")
    third = comment(consultation, strategy, bob, "Lain hal.")
    response = login(organiser).post(
        f"/c/{consultation.id}/responses/together",
        data={
            "bulk-comment_ids": [first.id, second.id],
            "bulk-disposition": "accepted",
            "bulk-rationale": "Insentif dimasukkan ke program 2.",
        },
    )
    assert response.status_code == 302
    group = db.session.scalar(select(ResponseGroup))
    assert group.disposition == Disposition.ACCEPTED
    responses = db.session.scalars(select(CommentResponse).order_by(CommentResponse.id)).all()
    assert [r.comment_id for r in responses] == [first.id, second.id]
    assert all(r.response_group_id == group.id for r in responses)
    assert all(r.effective_rationale == "Insentif dimasukkan ke program 2." for r in responses)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "response.group"))

    page = login(organiser).get(f"/c/{consultation.id}/responses?undecided=1")
    html = page.get_data(as_text=True)
    assert f'id="response-{third.id}"' in html
    assert f'id="response-{first.id}"' not in html

    # Answering one of them on its own takes it out of the group.
    login(organiser).post(
        f"/c/{consultation.id}/responses/{first.id}",
        data={f"c{first.id}-disposition": "noted", f"c{first.id}-rationale": "Dicatat."},
    )
    db.session.expire_all()
    mine = db.session.scalar(select(CommentResponse).where(CommentResponse.comment_id == first.id))
    assert mine.response_group_id is None and mine.effective_disposition == Disposition.NOTED


def test_answer_together_refuses_comments_of_another_consultation(
    client, login, setting, make_consultation
):
    consultation, strategy, organiser, alice, bob = setting
    other = make_consultation(organiser=organiser, participants=[alice])
    foreign = comment(other, first_strategy(other), alice, "Di konsultasi lain.")
    response = login(organiser).post(
        f"/c/{consultation.id}/responses/together",
        data={"bulk-comment_ids": [foreign.id], "bulk-disposition": "noted", "bulk-rationale": "x"},
    )
    assert response.status_code == 422
    assert db.session.scalar(select(ResponseGroup)) is None


def test_you_said_we_did_is_hidden_until_published(client, login, setting, make_user):
    consultation, strategy, organiser, alice, bob = setting
    item = comment(consultation, strategy, alice, "Perluas kawasan industri.")
    db.session.add(
        CommentResponse(
            comment_id=item.id,
            consultation_id=consultation.id,
            disposition=Disposition.ACCEPTED,
            rationale="Kawasan diperluas di Bab 3.",
        )
    )
    db.session.commit()
    path = f"/c/{consultation.id}/you-said-we-did"
    assert login(alice).get(path).status_code == 404
    assert login(make_user()).get(path).status_code == 404
    preview = login(organiser).get(path)
    assert preview.status_code == 200 and "Kawasan diperluas di Bab 3." in preview.get_data(
        as_text=True
    )

    assert login(alice).post(f"{path}/publish").status_code == 403
    login(organiser).post(f"{path}/publish")
    db.session.expire_all()
    assert consultation.response_published_at is not None
    shown = login(bob).get(path)
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert "Perluas kawasan industri." in html and "Kawasan diperluas di Bab 3." in html
    assert login(make_user()).get(path).status_code == 404
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert "response.publish" in actions

    login(organiser).post(f"{path}/unpublish")
    assert login(bob).get(path).status_code == 404
    assert "response.unpublish" in set(db.session.scalars(select(AuditEvent.action)))


def test_you_said_we_did_shows_only_published_input_and_names_per_setting(client, login, setting):
    consultation, strategy, organiser, alice, bob = setting
    comment(consultation, strategy, alice, "Masukan terbit.")
    for status in (
        CommentStatus.HIDDEN,
        CommentStatus.REJECTED,
        CommentStatus.WITHDRAWN,
        CommentStatus.PENDING,
    ):
        comment(consultation, strategy, bob, f"Masukan {status.value} rahasia.", status=status)
    from consult.timeutil import utcnow

    consultation.response_published_at = utcnow()
    db.session.commit()
    path = f"/c/{consultation.id}/you-said-we-did"
    html = login(bob).get(path).get_data(as_text=True)
    assert "Masukan terbit." in html
    assert "rahasia" not in html
    assert "Alice Wulandari" not in html and "KADIN" in html

    consultation.show_author_names = True
    db.session.commit()
    html = login(bob).get(path).get_data(as_text=True)
    assert "Alice Wulandari" in html


def test_confidential_input_is_not_shown_to_other_participants(client, login, setting):
    consultation, strategy, organiser, alice, bob = setting
    comment(consultation, strategy, alice, "Data omzet kami rahasia.")
    from consult.timeutil import utcnow

    consultation.comment_visibility = CommentVisibility.ORGANISERS
    consultation.response_published_at = utcnow()
    db.session.commit()
    path = f"/c/{consultation.id}/you-said-we-did"
    assert "Data omzet kami rahasia." not in login(bob).get(path).get_data(as_text=True)
    assert "Data omzet kami rahasia." in login(alice).get(path).get_data(as_text=True)


def test_response_matrix_filters_by_moderation_status(client, login, setting):
    consultation, strategy, organiser, alice, bob = setting
    shown = comment(consultation, strategy, alice, "Terbit.")
    hidden = comment(consultation, strategy, bob, "Disembunyikan.", status=CommentStatus.HIDDEN)
    html = (
        login(organiser).get(f"/c/{consultation.id}/responses?status=hidden").get_data(as_text=True)
    )
    assert f'id="response-{hidden.id}"' in html
    assert f'id="response-{shown.id}"' not in html
    everything = login(organiser).get(f"/c/{consultation.id}/responses").get_data(as_text=True)
    assert f'id="response-{hidden.id}"' in everything and f'id="response-{shown.id}"' in everything


def test_you_said_we_did_links_to_the_version_that_took_the_input_in(client, login, setting):
    from consult.revisions import services as revisions
    from consult.timeutil import utcnow

    consultation, strategy, organiser, alice, bob = setting
    taken = comment(consultation, strategy, alice, "Tambahkan target impor.")
    grouped = comment(consultation, strategy, bob, "Sebutkan bahan baku lokal.")
    untouched = comment(consultation, strategy, bob, "Pendapat lain.")
    group = ResponseGroup(consultation_id=consultation.id, disposition=Disposition.ACCEPTED)
    db.session.add(group)
    db.session.flush()
    db.session.add(
        CommentResponse(
            comment_id=grouped.id, consultation_id=consultation.id, response_group_id=group.id
        )
    )
    revisions.publish_revision(
        strategy,
        organiser,
        {
            "code": strategy.code,
            "title": strategy.title,
            "body": "Teks baru dengan target impor dan bahan baku lokal.",
            "note": "Masukan KADIN",
            "comment_ids": [taken.id, grouped.id],
        },
    )
    consultation.response_published_at = utcnow()
    db.session.commit()

    html = login(bob).get(f"/c/{consultation.id}/you-said-we-did").get_data(as_text=True)
    version_url = f"/c/{consultation.id}/strategies/{strategy.id}/versions/2"
    for item in (taken, grouped):
        card = html[html.index(f'id="ysd-{item.id}"') :].split("</article>")[0]
        assert f'href="{version_url}"' in card
    card = html[html.index(f'id="ysd-{untouched.id}"') :].split("</article>")[0]
    assert "versions/" not in card
    assert client.get(version_url).status_code == 200
