"""Nothing typed is lost: a too-large attachment (413) and an expired session or form (CSRF)
answer with the text given back, translated, never a 5xx; the form's errors are summarised."""

import io
import re

import pytest
from conftest import first_strategy
from sqlalchemy import func, select

from consult.extensions import db
from consult.feedback.models import Comment

LIMIT = 4096  # MAX_UPLOAD_BYTES here; MAX_CONTENT_LENGTH is 1 KB more
TEXT = "Kajian kelayakan sentra rotan <b>jangan</b> hilang"


@pytest.fixture
def config_overrides():
    return {
        "BABEL_DEFAULT_LOCALE": "en",
        "WTF_CSRF_ENABLED": True,
        "MAX_UPLOAD_BYTES": LIMIT,
        "MAX_CONTENT_LENGTH": LIMIT + 1024,
        "PROPAGATE_EXCEPTIONS": False,
    }


@pytest.fixture
def setup(make_user, make_consultation, login):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    strategy = first_strategy(consultation)
    login(participant)
    return consultation, strategy, participant


def _url(consultation, strategy):
    return f"/c/{consultation.id}/strategies/{strategy.id}"


def _token(client, url):
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _post(client, url, token, size=0, **extra):
    data = {
        "csrf_token": token,
        "type": "change",
        "body": TEXT,
        "proposed_wording": "Rumusan baru",
        "paragraph_index": "1",
        **extra,
    }
    if size:
        data["attachment"] = (io.BytesIO(b"%PDF-1.4\n" + b"0" * size), "besar.pdf")
    return client.post(f"{url}/comments", data=data, content_type="multipart/form-data")


def _comments():
    return db.session.scalar(select(func.count()).select_from(Comment))


def _use_language(client, code):
    with client.session_transaction() as session:
        session["lang"] = code


def test_too_large_attachment_gives_the_comment_form_back_with_the_text(client, setup):
    consultation, strategy, _user = setup
    url = _url(consultation, strategy)
    response = _post(client, url, _token(client, url), size=LIMIT * 2)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Kajian kelayakan sentra rotan &lt;b&gt;jangan&lt;/b&gt; hilang" in page
    assert "Rumusan baru" in page
    # At the attachment field, tied to it, with the limit; the paragraph choice is kept.
    assert 'id="attachment-error"' in page and "The file is larger than 4 KB." in page
    assert '<option selected value="1">Paragraph 2</option>' in page
    assert "data-error-summary" in page and 'href="#attachment"' in page
    assert _comments() == 0


def test_too_large_attachment_page_is_translated(client, setup):
    consultation, strategy, _user = setup
    url = _url(consultation, strategy)
    _use_language(client, "id")
    response = _post(client, url, _token(client, url), size=LIMIT * 2)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Berkas lebih besar dari" in page
    assert "Terdapat masalah" in page


def test_much_too_large_body_is_refused_unread_with_a_way_back(client, setup):
    consultation, strategy, _user = setup
    url = _url(consultation, strategy)
    response = _post(client, url, _token(client, url), size=LIMIT * 10)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "File too large" in page
    assert f'href="{url}"' in page  # back to the form, where the browser's draft returns
    assert "data-keep-drafts" in page


def test_malformed_too_large_body_is_never_a_500(client, setup):
    consultation, strategy, _user = setup
    url = _url(consultation, strategy)
    response = client.post(
        f"{url}/comments",
        data=b"--x\r\nnonsense" * 1000,
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_too_large_post_elsewhere_gets_the_generic_page_with_the_limit(client, setup):
    response = client.post("/language", data={"lang": "en", "next": "x" * 10_000})
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)


def test_too_large_post_to_a_strangers_consultation_is_a_404(
    client, make_user, make_consultation, login
):
    consultation = make_consultation()
    login(make_user())
    url = _url(consultation, first_strategy(consultation))
    token = _token(client, "/account")
    response = _post(client, url, token, size=LIMIT * 2)
    assert response.status_code == 404
    assert TEXT not in response.get_data(as_text=True)


def test_expired_form_while_signed_in_gives_the_form_back_with_a_fresh_token(client, setup):
    consultation, strategy, _user = setup
    url = _url(consultation, strategy)
    response = _post(client, url, "stale-token")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The form had expired" in page
    assert "Kajian kelayakan sentra rotan &lt;b&gt;jangan&lt;/b&gt; hilang" in page
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert fresh != "stale-token"
    # The form as shown can be sent as it is.
    resent = _post(client, url, fresh)
    assert resent.status_code == 302
    assert _comments() == 1


def test_expired_session_says_so_offers_sign_in_and_shows_the_text(client, setup):
    consultation, strategy, _user = setup
    url = _url(consultation, strategy)
    token = _token(client, url)
    with client.session_transaction() as session:
        session.clear()
    response = _post(client, url, token)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your session has expired" in page
    assert re.search(r'href="/login\?next=[^"]*strategies', page)
    assert "Kajian kelayakan sentra rotan &lt;b&gt;jangan&lt;/b&gt; hilang" in page
    assert "data-keep-drafts" in page
    assert _comments() == 0


def test_expired_session_page_is_translated_and_never_shows_a_password(client, make_user):
    _use_language(client, "id")
    response = client.post(
        "/login", data={"email": "a@example.org", "password": "rahasia-sekali", "body": "x"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Sesi Anda telah berakhir" in page
    assert "rahasia-sekali" not in page


def test_error_summary_links_each_field_in_error(client, setup):
    consultation, strategy, _user = setup
    url = _url(consultation, strategy)
    response = _post(client, url, _token(client, url), body="", proposed_wording="")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    start = page.index("data-error-summary")
    summary = page[start : page.index("</ul>", start)]
    assert 'href="#body"' in summary and 'href="#proposed_wording"' in summary
    assert "There is a problem" in summary


def test_rating_form_errors_are_summarised_with_a_link_to_the_first_option(client, setup):
    consultation, strategy, _user = setup
    url = _url(consultation, strategy)
    form = client.get(url).get_data(as_text=True)
    criterion = re.search(r'name="(criterion_\d+)"', form).group(1)
    token = _token(client, url)
    response = client.post(f"{url}/ratings", data={"csrf_token": token, criterion: "9"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'href="#criterion_\d+-0"', page)


def test_plan_text_shows_paragraph_numbers_and_reply_form_quotes_the_comment(
    client, setup, make_comment
):
    consultation, strategy, user = setup
    other = make_comment(consultation, user, "Komentar yang dijawab", strategy=strategy)
    page = client.get(f"{_url(consultation, strategy)}?reply_to={other.id}").get_data(as_text=True)
    assert 'class="paragraph-number' in page and "Paragraph 1" in page
    quote = page[page.index('id="reply-quote"') :]
    assert "Komentar yang dijawab" in quote[: quote.index("</blockquote>")]


@pytest.mark.parametrize("size", [0, LIMIT * 2])
@pytest.mark.parametrize(
    "hostile",
    [
        {"parent_id": "99999999999999999999", "paragraph_index": "-5"},
        {"parent_id": "2147483648", "paragraph_index": "1e9"},
        {"parent_id": "abc\x00", "submission_key": "x" * 5000},
    ],
)
def test_hostile_fields_in_a_refused_comment_never_give_a_5xx(client, setup, hostile, size):
    consultation, strategy, _user = setup
    url = _url(consultation, strategy)
    response = _post(
        client, url, "stale" if not size else _token(client, url), size=size, **hostile
    )
    assert response.status_code in (400, 404, 413)
    assert _comments() == 0


def test_back_link_never_leaves_the_site(client, setup):
    response = client.post(
        "/language",
        data={"lang": "en", "next": "x" * 10_000},
        headers={"Referer": "http://localhost//evil.example/x"},
    )
    assert response.status_code == 413
    assert "evil.example" not in response.get_data(as_text=True)


def test_too_large_comment_without_any_text_field_gets_the_page_not_a_hang(client, setup):
    consultation, strategy, _user = setup
    url = _url(consultation, strategy)
    response = client.post(
        f"{url}/comments",
        data={"attachment": (io.BytesIO(b"0" * LIMIT * 2), "besar.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)
