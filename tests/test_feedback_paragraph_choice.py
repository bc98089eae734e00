"""The comment form says what a comment is about ("About": the whole text or one paragraph), so
changing it never needs a reload, and a reply is cancelled by sending the form back, text kept:
nothing typed is lost without JavaScript either."""

import io
import re

import pytest
from conftest import first_strategy
from sqlalchemy import func, select

from consult.extensions import db
from consult.feedback.models import Comment
from consult.plans.models import Section

TEXT = "Rantai pasok lokal perlu <b>kajian</b> dulu."
KEPT = "Rantai pasok lokal perlu &lt;b&gt;kajian&lt;/b&gt; dulu."
NO_SUCH_PARAGRAPH = "There is no such paragraph."


@pytest.fixture
def setup(make_user, make_consultation, login):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    strategy = first_strategy(consultation)  # its text has two paragraphs
    login(participant)
    return consultation, strategy, participant


def _url(consultation, strategy):
    return f"/c/{consultation.id}/strategies/{strategy.id}"


def _post(client, consultation, strategy, **data):
    form = {"type": "other", "body": TEXT, "submission_key": "", **data}
    return client.post(
        f"{_url(consultation, strategy)}/comments", data=form, content_type="multipart/form-data"
    )


def _select(page):
    match = re.search(r'<select[^>]*name="paragraph_index".*?</select>', page, re.S)
    assert match, "no paragraph select in the comment form"
    return match.group(0)


def _options(page):
    return re.findall(r'<option( selected)? value="([^"]*)">([^<]*)</option>', _select(page))


def _comments():
    return db.session.scalar(select(func.count()).select_from(Comment))


def test_the_comment_form_offers_the_whole_text_and_each_paragraph(client, setup):
    consultation, strategy, _user = setup
    page = client.get(_url(consultation, strategy)).get_data(as_text=True)
    assert _options(page) == [
        (" selected", "", "The whole text"),
        ("", "0", "Paragraph 1"),
        ("", "1", "Paragraph 2"),
    ]
    assert re.search(r'<label class="form-label" for="paragraph_index">About</label>', page)
    assert 'id="paragraph_index"' in _select(page)
    assert 'class="form-select"' in _select(page)  # styled (and sized) as every select
    assert 'type="hidden" name="paragraph_index"' not in page
    assert 'name="paragraph_index" type="hidden"' not in page
    assert "js-cancel-context" not in page  # no context to cancel: the select changes it


def test_the_select_is_in_indonesian(client, setup):
    consultation, strategy, _user = setup
    with client.session_transaction() as session:
        session["lang"] = "id"
    page = client.get(_url(consultation, strategy)).get_data(as_text=True)
    assert [label for _selected, _value, label in _options(page)][1:] == [
        "Paragraf 1",
        "Paragraf 2",
    ]


def test_a_paragraph_link_preselects_its_paragraph(client, setup):
    consultation, strategy, _user = setup
    page = client.get(f"{_url(consultation, strategy)}?paragraph=1").get_data(as_text=True)
    assert [value for selected, value, _label in _options(page) if selected] == ["1"]
    # The link is still there, as a shortcut before typing.
    assert f'href="{_url(consultation, strategy)}?paragraph=1#comment-form"' in page


@pytest.mark.parametrize("hint", ["2", "99999999999999999999", "-1", "abc"])
def test_a_paragraph_hint_the_text_has_not_chooses_the_whole_text(client, setup, hint):
    consultation, strategy, _user = setup
    response = client.get(f"{_url(consultation, strategy)}?paragraph={hint}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert [value for selected, value, _label in _options(page) if selected] == [""]
    assert "Add a comment" in page


@pytest.mark.parametrize(("chosen", "stored"), [("1", 1), ("0", 0), ("", None)])
def test_the_chosen_paragraph_is_stored_with_the_comment(client, setup, chosen, stored):
    consultation, strategy, _user = setup
    response = _post(client, consultation, strategy, paragraph_index=chosen)
    assert response.status_code == 302
    comment = db.session.scalar(select(Comment))
    assert (comment.body, comment.paragraph_index) == (TEXT, stored)


def test_a_section_comment_chooses_among_the_sections_paragraphs(client, setup):
    consultation, strategy, _user = setup
    section = db.session.get(Section, strategy.section_id)
    section.body = "Satu.\n\nDua.\n\nTiga."
    db.session.commit()
    url = f"/c/{consultation.id}/sections/{section.id}"
    page = client.get(url).get_data(as_text=True)
    assert [value for _selected, value, _label in _options(page)] == ["", "0", "1", "2"]
    response = client.post(
        f"{url}/comments", data={"type": "other", "body": TEXT, "paragraph_index": "2"}
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Comment.paragraph_index)) == 2


@pytest.mark.parametrize(
    "hostile", ["2", "-1", "99999999999999999999", "abc", "\x00", "1\x00", "1e9", " "]
)
def test_a_paragraph_the_text_has_not_is_refused_at_the_field_keeping_the_text(
    client, setup, hostile
):
    consultation, strategy, _user = setup
    response = _post(
        client, consultation, strategy, paragraph_index=hostile, reference="Data BPS 2023"
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert KEPT in page and "Data BPS 2023" in page
    error = re.search(r'<div id="paragraph_index-error"[^>]*>([^<]*)</div>', page)
    assert error and NO_SUCH_PARAGRAPH in error.group(1)
    assert 'aria-invalid="true"' in _select(page)
    assert 'aria-describedby="paragraph_index-error"' in _select(page)
    assert 'href="#paragraph_index"' in page  # in the error summary, to the field
    assert [value for selected, value, _label in _options(page) if selected] == [""]
    assert "Add a comment" in page
    assert _comments() == 0


def test_the_refusal_is_translated(client, setup):
    consultation, strategy, _user = setup
    with client.session_transaction() as session:
        session["lang"] = "id"
    response = _post(client, consultation, strategy, paragraph_index="7")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # Needs the Indonesian catalogue with this change's strings (/work/i18n/nojs.json).
    assert "Paragraf itu tidak ada." in page and NO_SUCH_PARAGRAPH not in page
    assert '<label class="form-label" for="paragraph_index">Tentang</label>' in page
    assert _options(page)[0] == (" selected", "", "Seluruh teks")


def test_a_reply_offers_no_paragraph_and_a_cancel_button_of_the_form(client, setup, make_comment):
    consultation, strategy, user = setup
    answered = make_comment(consultation, user, "Yang dijawab", strategy=strategy)
    page = client.get(f"{_url(consultation, strategy)}?reply_to={answered.id}").get_data(
        as_text=True
    )
    assert re.search(r'<div class="paragraph-choice" hidden>\s*<div class="mb-3', page)
    cancel = re.search(r"<button[^>]*js-cancel-context[^>]*>", page).group(0)
    assert 'type="submit"' in cancel and 'name="cancel_reply"' in cancel
    assert f'formaction="{_url(consultation, strategy)}/comments#comment-form"' in cancel


def test_cancelling_a_reply_gives_the_form_back_with_the_text_and_saves_nothing(
    client, setup, make_comment
):
    consultation, strategy, user = setup
    answered = make_comment(consultation, user, "Yang dijawab", strategy=strategy)
    response = _post(
        client,
        consultation,
        strategy,
        parent_id=str(answered.id),
        proposed_wording="Rumusan tetap",
        submission_key="k" * 32,
        cancel_reply="1",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert KEPT in page and "Rumusan tetap" in page
    assert 'name="parent_id" type="hidden" value=""' in page
    assert 'name="submission_key" type="hidden" value="' + "k" * 32 + '"' in page
    assert 'id="reply-quote"' not in page and "js-cancel-context" not in page
    assert '<div class="paragraph-choice">' in page  # the paragraph can be chosen again
    assert "data-error-summary" not in page  # nothing was checked: nothing is wrong
    assert _comments() == 1  # only the comment answered
    # The form as given back can be sent as it is.
    assert _post(client, consultation, strategy, paragraph_index="1").status_code == 302
    assert db.session.scalar(select(Comment).where(Comment.body == TEXT)).parent_id is None


def test_cancelling_a_reply_asks_for_a_chosen_file_again(client, setup, make_comment):
    consultation, strategy, user = setup
    answered = make_comment(consultation, user, "Yang dijawab", strategy=strategy)
    response = _post(
        client,
        consultation,
        strategy,
        parent_id=str(answered.id),
        cancel_reply="1",
        attachment=(io.BytesIO(b"%PDF-1.4\n"), "kajian.pdf"),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert KEPT in page
    assert 'id="attachment-error"' in page and "Choose your file again" in page
    assert _comments() == 1
