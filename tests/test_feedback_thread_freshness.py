"""The comment thread as each reader sees it: every change shows at once, each reader gets their
own controls, CSRF token and audience, in their language. Each test reads a page first, so that
nothing kept from that read could hide a change.
"""

import re
from datetime import timedelta

import flask_babel
import pytest
from conftest import first_strategy
from flask import g
from sqlalchemy import update

from consult.auth import services as auth_services
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback import queries, services
from consult.feedback.models import Attachment, Comment, CommentStatus
from consult.moderation import services as moderation
from consult.plans.models import ModerationMode, Phase
from consult.timeutil import utcnow

CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SUBMISSION_KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')


@pytest.fixture
def people(make_user, make_group):
    kadin = make_group("KADIN")
    return {
        "organiser": make_user(role=Role.ORGANISER, name="Panitia Dinas"),
        "ani": make_user(name="Ani Wijaya", organisation="PT Rotan Kalteng", group=kadin),
        "bayu": make_user(name="Bayu Pratama"),
        "kadin": kadin,
    }


@pytest.fixture
def setting(make_consultation, people):
    consultation = make_consultation(
        organiser=people["organiser"], participants=[people["ani"], people["bayu"]]
    )
    return consultation, first_strategy(consultation)


def say(strategy, author, body, **data):
    comment = services.add_comment(strategy, author, {"body": body, **data}, phase=Phase.PRE)
    db.session.commit()
    return comment


def read(client, login, user, consultation, strategy, query=""):
    # The tests' app context outlives a request: forget what a request keeps in it (the
    # CSRF token, the locale), as a new request would.
    g.pop("csrf_token", None)
    flask_babel.refresh()
    login(user, client)
    response = client.get(f"/c/{consultation.id}/strategies/{strategy.id}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    "change, expected",
    [
        ("add", "Komentar baru"),
        ("edit", "Teks yang diperbaiki"),
        ("hide", "Moderated on"),
        ("withdraw", "Withdrawn by the author."),
        ("reply", "Balasan panitia"),
    ],
)
def test_every_change_to_a_comment_shows_at_once(setting, people, client, login, change, expected):
    consultation, strategy = setting
    comment = say(strategy, people["ani"], "Teks asli")
    before = read(client, login, people["bayu"], consultation, strategy)
    assert expected not in before

    if change == "add":
        say(strategy, people["ani"], "Komentar baru")
    elif change == "edit":
        services.edit_comment(comment, people["ani"], {"body": "Teks yang diperbaiki"})
    elif change == "hide":
        moderation.hide_comment(comment, people["organiser"], reason="off_topic")
    elif change == "withdraw":
        services.withdraw_comment(comment, people["ani"])
    elif change == "reply":
        say(strategy, people["organiser"], "Balasan panitia", parent=comment)
    db.session.commit()

    assert expected in read(client, login, people["bayu"], consultation, strategy)


def test_new_comment_posted_through_the_form_shows_at_once(setting, people, client, login):
    consultation, strategy = setting
    read(client, login, people["bayu"], consultation, strategy)
    response = client.post(
        f"/c/{consultation.id}/strategies/{strategy.id}/comments",
        data={"type": "support", "body": "Dikirim lewat formulir"},
    )
    assert response.status_code == 302
    assert "Dikirim lewat formulir" in read(client, login, people["ani"], consultation, strategy)


def test_renamed_author_organisation_and_group_show_at_once(setting, people, client, login):
    consultation, strategy = setting
    say(strategy, people["ani"], "Pendapat Ani")
    read(client, login, people["bayu"], consultation, strategy)

    ani = people["ani"]
    auth_services.update_account(
        ani,
        {"name": "Ani W. Santoso", "organisation": "CV Rotan Baru", "position": "", "locale": ""},
    )
    auth_services.rename_group(people["kadin"], people["organiser"], "KADIN Kota")
    db.session.commit()

    page = read(client, login, people["bayu"], consultation, strategy)
    assert "Ani W. Santoso" in page
    assert "CV Rotan Baru" in page
    assert "KADIN Kota" in page


def test_attachment_added_to_a_comment_shows_at_once(setting, people, client, login):
    consultation, strategy = setting
    comment = say(strategy, people["ani"], "Dengan lampiran")
    assert "kajian.pdf" not in read(client, login, people["bayu"], consultation, strategy)
    db.session.add(
        Attachment(
            comment_id=comment.id,
            stored_name=f"{comment.id:032x}.pdf",
            original_name="kajian.pdf",
            mime_type="application/pdf",
            size_bytes=10,
        )
    )
    db.session.commit()
    assert "kajian.pdf" in read(client, login, people["bayu"], consultation, strategy)


def test_bulk_update_of_comments_shows_at_once(setting, people, client, login):
    consultation, strategy = setting
    say(strategy, people["ani"], "Satu")
    assert "Moderated on" not in read(client, login, people["bayu"], consultation, strategy)
    db.session.execute(update(Comment).values(status=CommentStatus.HIDDEN))
    db.session.commit()
    assert "Moderated on" in read(client, login, people["bayu"], consultation, strategy)


def test_each_reader_gets_their_own_controls_and_csrf_token(app, setting, people, client, login):
    consultation, strategy = setting
    ani_comment = say(strategy, people["ani"], "Pendapat Ani")
    bayu_comment = say(strategy, people["bayu"], "Pendapat Bayu")
    edit = "/c/{}/comments/{}/edit"
    flag = "/c/{}/comments/{}/flag"

    ani_page = read(client, login, people["ani"], consultation, strategy)
    # Another browser: its own session, so its own CSRF token.
    bayu_page = read(app.test_client(), login, people["bayu"], consultation, strategy)

    assert edit.format(consultation.id, ani_comment.id) in ani_page
    assert edit.format(consultation.id, bayu_comment.id) not in ani_page
    assert flag.format(consultation.id, bayu_comment.id) in ani_page
    assert flag.format(consultation.id, ani_comment.id) not in ani_page
    assert edit.format(consultation.id, bayu_comment.id) in bayu_page
    assert edit.format(consultation.id, ani_comment.id) not in bayu_page
    # Every form on a page carries that reader's token, never the other's.
    ani_tokens, bayu_tokens = set(CSRF_VALUE.findall(ani_page)), set(CSRF_VALUE.findall(bayu_page))
    assert len(ani_tokens) == 1 and len(bayu_tokens) == 1
    assert ani_tokens != bayu_tokens


def test_own_pending_comment_is_seen_by_its_author_only(make_consultation, people, client, login):
    consultation = make_consultation(
        organiser=people["organiser"],
        participants=[people["ani"], people["bayu"]],
        moderation_mode=ModerationMode.PRE,
    )
    strategy = first_strategy(consultation)
    say(strategy, people["organiser"], "Pengantar panitia")
    say(strategy, people["ani"], "Menunggu persetujuan")

    # Whoever reads first, no other reader sees Ani's pending comment.
    for reader in ("bayu", "ani", "bayu"):
        page = read(client, login, people[reader], consultation, strategy)
        assert "Pengantar panitia" in page
        assert ("Menunggu persetujuan" in page) == (reader == "ani")


def test_organisers_see_hidden_text_participants_a_placeholder(setting, people, client, login):
    consultation, strategy = setting
    comment = say(strategy, people["ani"], "Isi yang disembunyikan")
    moderation.hide_comment(comment, people["organiser"], reason="off_topic")
    db.session.commit()

    organiser_page = read(client, login, people["organiser"], consultation, strategy)
    bayu_page = read(client, login, people["bayu"], consultation, strategy)

    assert "Isi yang disembunyikan" in organiser_page
    assert "Isi yang disembunyikan" not in bayu_page
    assert "Moderated on" in bayu_page


def test_each_reader_sees_the_thread_in_their_language(setting, people, client, login):
    consultation, strategy = setting
    comment = say(strategy, people["ani"], "Pendapat")
    services.withdraw_comment(comment, people["ani"])
    db.session.commit()
    english = read(client, login, people["bayu"], consultation, strategy)
    client.post("/language", data={"lang": "id"})
    indonesian = read(client, login, people["bayu"], consultation, strategy)
    assert "Withdrawn by the author." in english
    assert "Withdrawn by the author." not in indonesian


def test_the_text_follows_edits_counts_windows_and_languages(setting, people, client, login):
    consultation, strategy = setting
    read(client, login, people["bayu"], consultation, strategy)
    strategy.description = "Paragraf pertama yang baru.\n\nParagraf kedua yang baru."
    db.session.commit()
    page = read(client, login, people["bayu"], consultation, strategy)
    assert "Paragraf kedua yang baru." in page
    assert "Comment on this paragraph" in page

    say(strategy, people["ani"], "Tentang paragraf kedua", paragraph_index=1)
    page = read(client, login, people["bayu"], consultation, strategy)
    counts = re.findall(r'class="badge text-bg-light paragraph-count"[^>]*>([^<]+)<', page)
    assert counts == ["0 comments", "1 comment"]

    consultation.pre_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = read(client, login, people["bayu"], consultation, strategy)
    assert "Paragraf kedua yang baru." in page
    assert "Comment on this paragraph" not in page

    client.post("/language", data={"lang": "id"})
    page = read(client, login, people["bayu"], consultation, strategy)
    assert "1 comment<" not in page and "Paragraf kedua yang baru." in page


def test_pages_of_a_long_thread_show_their_own_comments_and_keep_their_links(
    setting, people, client, login
):
    consultation, strategy = setting
    for number in range(45):
        say(strategy, people["ani"], f"Butir {number:02d}")
    first = read(client, login, people["bayu"], consultation, strategy)
    third = read(client, login, people["bayu"], consultation, strategy, "?page=3&reply_to=1")

    assert "Butir 00" in first and "Butir 44" not in first
    # The comment answered is quoted above the reply form; the thread itself is page 3's.
    cards = re.sub(r"<blockquote.*?</blockquote>", "", third, flags=re.S)
    assert "Butir 44" in cards and "Butir 00" not in cards
    assert "Butir 00" in third  # the quote
    base = f"/c/{consultation.id}/strategies/{strategy.id}"
    assert f'href="{base}?page=2#comments-heading"' in first
    assert f"{base}?page=2&amp;reply_to=1#comments-heading" in third


def test_comment_form_gets_a_new_submission_key_every_time(setting, people, client, login):
    consultation, strategy = setting
    first = read(client, login, people["ani"], consultation, strategy)
    second = read(client, login, people["ani"], consultation, strategy)
    keys = SUBMISSION_KEY.findall(first) + SUBMISSION_KEY.findall(second)
    assert len(keys) == 2 and keys[0] != keys[1]


def test_rating_form_shows_each_readers_own_ratings(setting, people, client, login):
    consultation, strategy = setting
    criteria = queries.criteria_of(consultation)
    services.set_ratings(strategy, criteria, people["ani"], {criteria[0].id: 4}, Phase.PRE)
    db.session.commit()
    checked = re.compile(
        rf'name="criterion_{criteria[0].id}"[^>]*value="4"[^>]*checked|'
        rf'checked[^>]*name="criterion_{criteria[0].id}"[^>]*value="4"'
    )

    ani_page = read(client, login, people["ani"], consultation, strategy)
    bayu_page = read(client, login, people["bayu"], consultation, strategy)

    assert checked.search(ani_page)
    assert not checked.search(bayu_page)


def test_a_form_with_errors_is_rendered_with_what_was_typed(setting, people, client, login):
    consultation, strategy = setting
    read(client, login, people["ani"], consultation, strategy)  # a fresh form first
    response = client.post(
        f"/c/{consultation.id}/strategies/{strategy.id}/comments",
        data={"type": "change", "body": "Usulan tanpa rumusan"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Usulan tanpa rumusan" in page


def test_withdrawn_comment_is_a_placeholder_for_its_author_too(setting, people, client, login):
    """Withdrawn and hidden comments keep a placeholder for everyone, their authors included."""
    consultation, strategy = setting
    comment = say(strategy, people["ani"], "Ditarik")
    services.withdraw_comment(comment, people["ani"])
    db.session.commit()
    for reader in ("ani", "bayu"):
        page = read(client, login, people[reader], consultation, strategy)
        assert "Withdrawn by the author." in page
        assert "Ditarik" not in page
