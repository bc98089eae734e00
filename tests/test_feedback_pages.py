"""Pages and access: visibility, moderation, on-behalf input, overview, my input, query count."""

import re
from datetime import timedelta

import pytest
from conftest import first_strategy
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback import queries, services
from consult.feedback.models import (
    Attachment,
    Comment,
    CommentStatus,
    CommentType,
    InputSource,
    Rating,
)
from consult.plans.models import CommentVisibility, ModerationMode, Phase, Section, Strategy
from consult.timeutil import utcnow


@pytest.fixture
def people(make_user, make_group):
    kadin = make_group("KADIN")
    return {
        "organiser": make_user(role=Role.ORGANISER, name="Panitia Dinas"),
        "ani": make_user(name="Ani Wijaya", group=kadin),
        "bayu": make_user(name="Bayu Pratama"),
        "outsider": make_user(name="Orang Luar"),
        "kadin": kadin,
    }


def make(make_consultation, people, **kw):
    consultation = make_consultation(
        organiser=people["organiser"], participants=[people["ani"], people["bayu"]], **kw
    )
    return consultation, first_strategy(consultation)


def say(strategy, author, body, **data):
    comment = services.add_comment(strategy, author, {"body": body, **data}, phase=Phase.PRE)
    db.session.commit()
    return comment


def page_of(client, consultation, strategy):
    return client.get(f"/c/{consultation.id}/strategies/{strategy.id}").get_data(as_text=True)


def test_visibility_all_shows_everyones_comments(make_consultation, people, client, login):
    consultation, strategy = make(make_consultation, people)
    say(strategy, people["ani"], "Pendapat Ani")
    login(people["bayu"])
    assert "Pendapat Ani" in page_of(client, consultation, strategy)


def test_visibility_organisers_shows_own_and_organiser_replies(
    make_consultation, people, client, login
):
    consultation, strategy = make(
        make_consultation, people, comment_visibility=CommentVisibility.ORGANISERS
    )
    ani_comment = say(strategy, people["ani"], "Rahasia Ani")
    say(strategy, people["bayu"], "Rahasia Bayu")
    say(strategy, people["organiser"], "Jawaban panitia", parent=ani_comment)
    say(strategy, people["bayu"], "Bayu ikut membalas", parent=ani_comment)
    login(people["ani"])
    page = page_of(client, consultation, strategy)
    assert "Rahasia Ani" in page and "Jawaban panitia" in page
    assert "Rahasia Bayu" not in page and "Bayu ikut membalas" not in page
    login(people["bayu"])
    page = page_of(client, consultation, strategy)
    assert "Rahasia Bayu" in page
    assert "Rahasia Ani" not in page and "Jawaban panitia" not in page
    login(people["organiser"])
    page = page_of(client, consultation, strategy)
    assert all(t in page for t in ("Rahasia Ani", "Rahasia Bayu", "Jawaban panitia"))


def test_pre_moderation_keeps_comment_pending_and_private(make_consultation, people, client, login):
    consultation, strategy = make(make_consultation, people, moderation_mode=ModerationMode.PRE)
    login(people["ani"])
    client.post(
        f"/c/{consultation.id}/strategies/{strategy.id}/comments",
        data={"type": "question", "body": "Menunggu persetujuan"},
    )
    assert db.session.scalar(select(Comment.status)) == CommentStatus.PENDING
    page = page_of(client, consultation, strategy)
    assert "Menunggu persetujuan" in page and "awaiting moderation" in page
    login(people["bayu"])
    assert "Menunggu persetujuan" not in page_of(client, consultation, strategy)
    login(people["organiser"])
    assert "Menunggu persetujuan" in page_of(client, consultation, strategy)


def test_hidden_comment_is_a_placeholder_and_its_replies_stay(
    make_consultation, people, client, login
):
    consultation, strategy = make(make_consultation, people)
    top = say(strategy, people["ani"], "Kata kasar")
    say(strategy, people["bayu"], "Balasan sopan", parent=top)
    top.status = CommentStatus.HIDDEN
    top.moderated_at = utcnow()
    db.session.commit()
    login(people["bayu"])
    page = page_of(client, consultation, strategy)
    assert "Kata kasar" not in page
    assert "Moderated on" in page
    assert "Balasan sopan" in page


def test_organiser_records_fgd_comment_for_member_and_group(
    make_consultation, people, client, login
):
    consultation, strategy = make(make_consultation, people)
    login(people["organiser"])
    url = f"/c/{consultation.id}/strategies/{strategy.id}/record"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        data={
            "on_behalf": f"user:{people['ani'].id}",
            "source": "fgd",
            "phase": "pre",
            "type": "objection",
            "body": "Disampaikan di FGD",
        },
    )
    assert response.status_code == 302
    client.post(
        url,
        data={
            "on_behalf": f"group:{people['kadin'].id}",
            "source": "letter",
            "phase": "pre",
            "type": "support",
            "body": "Surat KADIN",
        },
    )
    by_member, by_group = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert by_member.author_id == people["ani"].id
    assert by_member.entered_by_id == people["organiser"].id
    assert by_member.source == InputSource.FGD
    assert (by_group.author_id, by_group.group_id) == (None, people["kadin"].id)
    assert by_group.source == InputSource.LETTER
    assert db.session.scalar(
        select(AuditEvent.id).where(AuditEvent.action == "comment.record_on_behalf")
    )
    login(people["bayu"])
    page = page_of(client, consultation, strategy)
    assert "recorded by Panitia Dinas from the FGD" in page
    assert "recorded by Panitia Dinas from a letter" in page


def test_organiser_records_ratings_for_member_outside_the_window(
    make_consultation, people, client, login
):
    now = utcnow()
    consultation, strategy = make(
        make_consultation,
        people,
        pre_opens_at=now - timedelta(days=9),
        pre_closes_at=now - timedelta(days=2),
    )
    login(people["organiser"])
    criteria_ids = [
        c.id for c in db.session.scalars(select(Rating.criterion.property.mapper.class_))
    ]
    data = {f"criterion_{cid}": "4" for cid in criteria_ids}
    data.update(member=str(people["bayu"].id), source="fgd", phase="pre")
    response = client.post(
        f"/c/{consultation.id}/strategies/{strategy.id}/record/ratings", data=data
    )
    assert response.status_code == 302
    ratings = db.session.scalars(select(Rating)).all()
    assert len(ratings) == 3
    assert {(r.user_id, r.value, r.source, r.entered_by_id) for r in ratings} == {
        (people["bayu"].id, 4, InputSource.FGD, people["organiser"].id)
    }
    login(people["ani"])
    assert client.get(f"/c/{consultation.id}/strategies/{strategy.id}/record").status_code == 403


def test_participant_cannot_post_when_suspended(make_consultation, people, client, login):
    from consult.plans.models import Membership

    consultation, strategy = make(make_consultation, people)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == people["ani"].id))
    membership.suspended_at = utcnow()
    db.session.commit()
    login(people["ani"])
    response = client.post(
        f"/c/{consultation.id}/strategies/{strategy.id}/comments",
        data={"type": "other", "body": "x"},
    )
    assert response.status_code == 403


PAGES = [
    "/c/{c}",
    "/c/{c}/sections/{sec}",
    "/c/{c}/strategies/{s}",
    "/c/{c}/strategies/{s}/record",
    "/c/{c}/documents",
    "/c/{c}/comments/{cm}/history",
    "/c/{c}/comments/{cm}/edit",
]


@pytest.mark.parametrize("template", PAGES)
def test_non_member_gets_404_everywhere(make_consultation, people, client, login, template):
    consultation, strategy = make(make_consultation, people)
    comment = say(strategy, people["ani"], "Halo")
    url = template.format(c=consultation.id, sec=strategy.section_id, s=strategy.id, cm=comment.id)
    login(people["outsider"])
    assert client.get(url).status_code == 404
    assert (
        client.post(
            f"/c/{consultation.id}/strategies/{strategy.id}/comments", data={"body": "x"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("template", PAGES + ["/my-input"])
def test_anonymous_is_sent_to_login(make_consultation, people, client, template):
    consultation, strategy = make(make_consultation, people)
    comment = say(strategy, people["ani"], "Halo")
    url = template.format(c=consultation.id, sec=strategy.section_id, s=strategy.id, cm=comment.id)
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_strategy_of_another_consultation_is_404(make_consultation, people, client, login):
    consultation, strategy = make(make_consultation, people)
    other, other_strategy = make(make_consultation, people)
    login(people["ani"])
    assert client.get(f"/c/{consultation.id}/strategies/{other_strategy.id}").status_code == 404
    assert (
        client.get(f"/c/{consultation.id}/sections/{other_strategy.section_id}").status_code == 404
    )


def test_each_strategy_page_loads_its_own_consultation_strategy_and_reader(
    make_consultation, people, client, login
):
    # The loader's statement is built once and reused with new ids: none may stick.
    first, first_strategy_ = make(make_consultation, people)
    second, second_strategy = make(make_consultation, people)
    second_strategy.title = "Strategi kedua"
    db.session.commit()
    outsider = people["outsider"]
    login(people["ani"])
    assert first_strategy_.title in page_of(client, first, first_strategy_)
    assert "Strategi kedua" in page_of(client, second, second_strategy)
    assert client.get(f"/c/{first.id}/strategies/{second_strategy.id}").status_code == 404
    login(outsider)
    assert client.get(f"/c/{first.id}/strategies/{first_strategy_.id}").status_code == 404
    login(people["bayu"])
    assert client.get(f"/c/{second.id}/strategies/{second_strategy.id}").status_code == 200


def _fill(strategy, people, count):
    for number in range(count):
        author = people["ani"] if number % 2 else people["bayu"]
        comment = say(strategy, author, f"Komentar {number}", paragraph_index=number % 2)
        if number % 3 == 0:
            say(strategy, people["organiser"], f"Balasan {number}", parent=comment)
        if number % 4 == 0:
            db.session.add(
                Attachment(
                    comment_id=comment.id,
                    stored_name=f"{comment.id:032x}.pdf",
                    original_name="a.pdf",
                    mime_type="application/pdf",
                    size_bytes=1,
                )
            )
    db.session.commit()


def test_strategy_page_runs_the_same_number_of_queries_for_10_and_500_comments(
    make_consultation, people, client, login, count_queries
):
    counts = []
    for total in (10, 500):
        consultation, strategy = make(make_consultation, people)
        _fill(strategy, people, total)
        login(people["ani"])
        page_of(client, consultation, strategy)  # warm the session and the translations
        with count_queries() as counter:
            response = client.get(f"/c/{consultation.id}/strategies/{strategy.id}")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_strategy_page_with_a_reply_form_runs_the_same_queries_for_10_and_500_comments(
    make_consultation, people, client, login, count_queries
):
    counts = []
    for total in (10, 500):
        consultation, strategy = make(make_consultation, people)
        _fill(strategy, people, total)
        first = db.session.scalar(
            select(Comment.id).where(Comment.strategy_id == strategy.id).order_by(Comment.id)
        )
        path = f"/c/{consultation.id}/strategies/{strategy.id}?reply_to={first}"
        login(people["ani"])
        client.get(path)  # warm the session and the translations
        with count_queries() as counter:
            page = client.get(path).get_data(as_text=True)
        assert "Reply to Bayu Pratama" in page
        counts.append(counter.count)
    # The strategy page's six, and the comment answered with its author and group.
    assert counts == [7, 7], counts


def _many_strategies(consultation, count: int) -> None:
    section = db.session.get(Section, first_strategy(consultation).section_id)
    for number in range(count):
        db.session.add(
            Strategy(section_id=section.id, position=10 + number, code=f"S{number}", title="T")
        )
    db.session.commit()


def test_overview_runs_the_same_queries_for_few_and_many_strategies_and_comments(
    make_consultation, people, client, login, count_queries
):
    counts = []
    for strategies, comments in ((0, 2), (40, 60)):
        consultation, strategy = make(make_consultation, people)
        _many_strategies(consultation, strategies)
        login(people["ani"])
        client.get(f"/c/{consultation.id}")  # the first visit; what changed is counted from it
        for number in range(comments):
            say(strategy, people["bayu"], f"Baru {number}")
        with count_queries() as counter:
            page = client.get(f"/c/{consultation.id}").get_data(as_text=True)
        assert f"{comments} new comments" in page
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_my_input_runs_the_same_queries_for_few_and_many_comments_and_ratings(
    make_consultation, people, client, login, count_queries
):
    counts = []
    for comments in (2, 45):
        consultation, strategy = make(make_consultation, people)
        _many_strategies(consultation, comments)
        criteria = queries.criteria_of(consultation)
        strategies = db.session.scalars(
            select(Strategy).join(Section).where(Section.id == strategy.section_id)
        ).all()
        for number, target in enumerate(strategies[:comments]):
            say(target, people["ani"], f"Masukan {number}")
            services.set_ratings(target, criteria, people["ani"], {criteria[0].id: 3}, Phase.PRE)
        db.session.commit()
        login(people["ani"])
        client.get("/my-input")  # warm the session and the translations
        with count_queries() as counter:
            page = client.get("/my-input").get_data(as_text=True)
        assert f"Masukan {comments - 1}" in page
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_strategy_page_runs_six_queries_and_shows_the_readers_ratings(
    make_consultation, people, client, login, count_queries
):
    consultation, strategy = make(make_consultation, people)
    say(strategy, people["bayu"], "Pendapat Bayu")
    criteria = queries.criteria_of(consultation)
    login(people["ani"])
    client.post(
        f"/c/{consultation.id}/strategies/{strategy.id}/ratings",
        data={f"criterion_{c.id}": str(2 + i) for i, c in enumerate(criteria)},
    )
    url = f"/c/{consultation.id}/strategies/{strategy.id}"
    client.get(url)  # warm the translations
    with count_queries() as counter:
        page = client.get(url).get_data(as_text=True)
    # The user; the consultation with the membership, the strategy, the criteria and the
    # reader's ratings; the thread's counts; its comments and replies with their people and
    # attachments; the unread notifications; the ids of the plan's strategies in order (the
    # previous and next links).
    assert counter.count == 6, counter.statements
    assert "Pendapat Bayu" in page
    checked = re.findall(r"<input[^>]*checked[^>]*>", page)
    for i, criterion in enumerate(criteria):
        assert any(
            f'name="criterion_{criterion.id}"' in box and f'value="{2 + i}"' in box
            for box in checked
        )


def test_my_input_lists_every_status_with_reason(make_consultation, people, client, login):
    consultation, strategy = make(make_consultation, people)
    statuses = [
        CommentStatus.PUBLISHED,
        CommentStatus.PENDING,
        CommentStatus.HIDDEN,
        CommentStatus.WITHDRAWN,
    ]
    for status in statuses:
        comment = say(strategy, people["ani"], f"Komentar {status.value}")
        comment.status = status
        if status == CommentStatus.HIDDEN:
            comment.moderation_reason = "Bahasa tidak pantas"
    services.set_rating(
        strategy,
        db.session.scalars(select(Rating.criterion.property.mapper.class_)).first(),
        people["ani"],
        4,
        Phase.PRE,
    )
    db.session.commit()
    login(people["ani"])
    page = client.get("/my-input").get_data(as_text=True)
    for status in statuses:
        assert f"Komentar {status.value}" in page
        assert f"status-{status.value}" in page
    assert "Bahasa tidak pantas" in page
    assert "Relevansi" in page
    login(people["bayu"])
    assert "Komentar published" not in client.get("/my-input").get_data(as_text=True)


def test_overview_shows_progress_and_changes_since_last_visit(
    make_consultation, people, client, login
):
    consultation, strategy = make(make_consultation, people)
    section = db.session.get(Section, strategy.section_id)
    db.session.add(type(strategy)(section_id=section.id, position=2, code="1.1.2", title="Kedua"))
    db.session.commit()
    criteria = db.session.scalars(select(Rating.criterion.property.mapper.class_)).all()
    for criterion in criteria:
        services.set_rating(strategy, criterion, people["ani"], 3, Phase.PRE)
    say(strategy, people["ani"], "Komentar Ani")
    login(people["ani"])
    first = client.get(f"/c/{consultation.id}").get_data(as_text=True)
    assert "1 of 2 strategies rated, 1 of 2 commented" in first
    assert "first visit" in first
    say(strategy, people["bayu"], "Komentar baru Bayu")
    mine = db.session.scalar(select(Comment).where(Comment.body == "Komentar Ani"))
    say(strategy, people["bayu"], "Balasan untuk Ani", parent=mine)
    second = client.get(f"/c/{consultation.id}").get_data(as_text=True)
    assert "1 new comments and 1 new replies (1 to your comments)" in second
    third = client.get(f"/c/{consultation.id}").get_data(as_text=True)
    assert "Nothing new since" in third


def test_section_page_shows_strategy_progress(make_consultation, people, client, login):
    consultation, strategy = make(make_consultation, people)
    say(strategy, people["ani"], "Sudah komentar")
    login(people["ani"])
    page = client.get(f"/c/{consultation.id}/sections/{strategy.section_id}").get_data(as_text=True)
    assert "You have rated 0 and commented on 1 of 1 strategies." in page
    assert strategy.title in page


def test_comment_types_labelled_on_page(make_consultation, people, client, login):
    consultation, strategy = make(make_consultation, people)
    say(strategy, people["ani"], "Usul", type=CommentType.CHANGE, proposed_wording="Kalimat baru")
    login(people["bayu"])
    page = page_of(client, consultation, strategy)
    assert "Proposed change" in page and "Kalimat baru" in page
