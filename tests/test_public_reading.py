"""Public consultations: who reads what without an invitation, what they never see, and the
HTTP caching of public pages for anonymous readers."""

import pytest
from conftest import first_strategy

from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import CommentStatus
from consult.plans.models import CommentVisibility, ConsultationState, Visibility
from consult.plans.services import update_consultation


@pytest.fixture
def world(make_user, make_group, make_consultation, make_comment):
    kadin = make_group("KADIN")
    invited = make_user(group=kadin, name="Budi Rahasia", email="budi.rahasia@example.org")
    public = make_consultation(participants=[invited], title="RPIK terbuka")
    public.visibility = Visibility.INPUT
    public.summary = "Rancangan RPIK untuk dibaca semua orang."
    closed = make_consultation(participants=[invited], title="Konsultasi tertutup")
    published = make_comment(public, invited, "Komentar yang terbit.")
    pending = make_comment(public, invited, "Komentar menunggu.", status=CommentStatus.PENDING)
    hidden = make_comment(public, invited, "Komentar disembunyikan.", status=CommentStatus.HIDDEN)
    make_comment(closed, invited, "Komentar tertutup.")
    db.session.commit()
    return locals()


def _strategy_url(consultation):
    return f"/p/{consultation.id}/strategies/{first_strategy(consultation).id}"


def test_anonymous_reads_plan_and_published_comments_without_emails_or_names(client, world):
    public = world["public"]
    overview = client.get(f"/p/{public.id}")
    assert overview.status_code == 200
    assert "RPIK terbuka" in overview.get_data(as_text=True)
    html = client.get(_strategy_url(public)).get_data(as_text=True)
    assert "Komentar yang terbit." in html
    assert "Komentar menunggu." not in html and "Komentar disembunyikan." not in html
    assert "budi.rahasia@example.org" not in html
    assert "Budi Rahasia" not in html
    assert "KADIN" in html  # the group stands in for the name


def test_names_shown_when_the_consultation_allows(client, world):
    world["public"].public_author_names = True
    db.session.commit()
    html = client.get(_strategy_url(world["public"])).get_data(as_text=True)
    assert "Budi Rahasia" in html
    assert "budi.rahasia@example.org" not in html


def test_confidential_comments_are_not_shown_to_the_public(client, world):
    world["public"].comment_visibility = CommentVisibility.ORGANISERS
    db.session.commit()
    html = client.get(_strategy_url(world["public"])).get_data(as_text=True)
    assert "Komentar yang terbit." not in html


@pytest.mark.parametrize("visibility", [Visibility.INVITED])
def test_invited_only_consultation_is_404_on_every_public_page(client, world, visibility):
    closed = world["closed"]
    strategy = first_strategy(closed)
    for url in (
        f"/p/{closed.id}",
        f"/p/{closed.id}/strategies/{strategy.id}",
        f"/p/{closed.id}/strategies/{strategy.id}/versions",
        f"/p/{closed.id}/you-said-we-did",
        f"/p/{closed.id}/register",
    ):
        assert client.get(url).status_code == 404, url
    # ... and the participant pages stay as they were: the login page for the anonymous.
    response = client.get(f"/c/{closed.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_draft_and_archived_public_consultations_are_404(client, world):
    public = world["public"]
    for state in (ConsultationState.DRAFT, ConsultationState.ARCHIVED):
        public.state = state
        db.session.commit()
        assert client.get(f"/p/{public.id}").status_code == 404


def test_read_only_consultation_offers_no_registration(client, world):
    public = world["public"]
    public.visibility = Visibility.READ
    db.session.commit()
    assert client.get(f"/p/{public.id}").status_code == 200
    assert client.get(f"/p/{public.id}/register").status_code == 404


def test_another_consultations_strategy_is_404(client, world):
    public, closed = world["public"], world["closed"]
    url = f"/p/{public.id}/strategies/{first_strategy(closed).id}"
    assert client.get(url).status_code == 404


def test_you_said_we_did_is_public_once_published(client, world):
    from consult.timeutil import utcnow

    public = world["public"]
    assert client.get(f"/p/{public.id}/you-said-we-did").status_code == 404
    public.response_published_at = utcnow()
    db.session.commit()
    html = client.get(f"/p/{public.id}/you-said-we-did").get_data(as_text=True)
    assert "Komentar yang terbit." in html and "Budi Rahasia" not in html


def test_versions_and_diff_are_public(client, world, login, make_user):
    from consult.revisions.services import publish_revision

    public = world["public"]
    strategy = first_strategy(public)
    organiser = make_user(role=Role.ORGANISER)
    publish_revision(strategy, organiser, {"body": "Teks baru strategi.", "note": "Revisi"})
    db.session.commit()
    url = f"/p/{public.id}/strategies/{strategy.id}/versions?from=1&to=2"
    html = client.get(url).get_data(as_text=True)
    assert "Teks baru strategi." in html and "diff-heading" in html


def test_organiser_chooses_visibility_in_the_form(app, world, make_user):
    closed = world["closed"]
    organiser = make_user(role=Role.ORGANISER)
    update_consultation(closed, organiser, {"visibility": Visibility.READ})
    db.session.commit()
    assert closed.visibility == Visibility.READ


# --- caching and sharing ----------------------------------------------------------------------


def test_anonymous_page_is_cacheable_and_answers_304(client, world):
    url = _strategy_url(world["public"])
    first = client.get(url)
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "Set-Cookie" not in first.headers
    assert 'name="csrf_token"' not in first.get_data(as_text=True)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_a_current_copy_is_answered_from_one_statement_before_the_view_runs(
    app, client, world, count_queries, monkeypatch
):
    import consult.public.views as public_views

    public = world["public"]
    pages = [
        f"/p/{public.id}",
        _strategy_url(public),
        _strategy_url(public) + "/versions",
        f"/p/{public.id}/sections/{first_strategy(public).section_id}",
    ]
    etags = {url: client.get(url).headers["ETag"] for url in pages}
    monkeypatch.setattr(public_views, "render_template", lambda *a, **k: 1 / 0)
    for url, etag in etags.items():
        with count_queries() as counted:
            response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 304, url
        assert counted.count == 1, (url, counted.statements)
        assert response.headers["ETag"] == etag and response.headers["Cache-Control"].startswith(
            "public"
        )


def test_a_current_copy_is_answered_without_a_transaction(client, world):
    """On PostgreSQL a transaction is a BEGIN and a ROLLBACK, two round trips more than the
    statement, and the rollback makes psycopg forget its prepared statements."""
    from sqlalchemy import event

    url = _strategy_url(world["public"])
    etag = client.get(url).headers["ETag"]
    in_transaction = []

    def after_execute(conn, _cursor, *_args):
        driver = conn.connection.dbapi_connection
        if db.engine.dialect.name == "postgresql":
            in_transaction.append(driver.info.transaction_status != 0)  # 0: idle
        else:
            in_transaction.append(driver.in_transaction)

    event.listen(db.engine, "after_cursor_execute", after_execute)
    try:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    finally:
        event.remove(db.engine, "after_cursor_execute", after_execute)
    assert in_transaction == [False]


def test_the_validators_statement_is_sent_as_compiled(app):
    """Nothing in it is rendered again per execution (as an IN list's parameters are): that
    cost the 304 more than SQLite took to run the statement."""
    from consult.public.services import _VALIDATORS

    for statement in _VALIDATORS.values():
        compiled = statement.compile(dialect=db.engine.dialect)
        assert not compiled.post_compile_params and not compiled.literal_execute_params


def test_a_stale_etag_of_a_strategy_of_another_consultation_is_not_answered_304(client, world):
    public, closed = world["public"], world["closed"]
    public_url = _strategy_url(public)
    etag = client.get(public_url).headers["ETag"]
    elsewhere = f"/p/{public.id}/strategies/{first_strategy(closed).id}"
    assert client.get(elsewhere, headers={"If-None-Match": etag}).status_code == 404
    assert client.get(elsewhere, headers={"If-None-Match": "*"}).status_code == 404
    hidden = f"/p/{closed.id}"
    assert client.get(hidden, headers={"If-None-Match": "*"}).status_code == 404


def test_etag_changes_when_a_comment_is_approved(client, world, make_user):
    from consult.feedback.models import Comment
    from consult.moderation.services import approve_comment

    url = _strategy_url(world["public"])
    etag = client.get(url).headers["ETag"]
    approve_comment(db.session.get(Comment, world["pending"].id), make_user(role=Role.ADMIN))
    db.session.commit()
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "Komentar menunggu." in response.get_data(as_text=True)


def test_signed_in_reader_is_never_cached(client, world, login, make_user):
    login(make_user())
    response = client.get(_strategy_url(world["public"]))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


def test_sharing_tags_on_public_pages(client, world):
    html = client.get(f"/p/{world['public'].id}").get_data(as_text=True)
    assert '<meta property="og:title" content="RPIK terbuka">' in html
    assert 'name="description" content="Rancangan RPIK untuk dibaca semua orang."' in html


def test_language_link_on_cached_pages(client, world):
    url = f"/p/{world['public'].id}"
    html = client.get(url + "?lang=en").get_data(as_text=True)
    assert "Public consultation" in html
    assert client.get(url + "?lang=en").headers["ETag"] != client.get(url).headers["ETag"]


# --- hostile input on the public pages (the shared hostile suite's consultation is invited-only)

HOSTILE = ["0", "-1", "99999999999999999999", "abc", "1\x00", "", "\x00", "x" * 3000]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_query_values_never_fail(client, world, value):
    public = world["public"]
    strategy = first_strategy(public)
    for path in (
        f"/p/{public.id}",
        f"/p/{public.id}/strategies/{strategy.id}",
        f"/p/{public.id}/strategies/{strategy.id}/versions",
    ):
        for name in ("page", "from", "to", "lang"):
            response = client.get(path, query_string={name: value})
            assert response.status_code in (200, 400, 404), (path, name, value)


@pytest.mark.parametrize("value", ["Nama\x00aman", "Teks\x01\x1b[31m", "x" * 20_000])
def test_hostile_registration_fields_are_refused_with_text_kept(client, world, value):
    from sqlalchemy import func, select

    from consult.auth.models import User

    public = world["public"]
    for name in ("name", "email", "city", "organisation", "website", "stamp"):
        data = {"name": "Rina", "email": "rina@example.org", "city": "Palangka Raya"}
        data[name] = value
        response = client.post(f"/p/{public.id}/register", data=data)
        assert response.status_code == 422, name
    assert db.session.scalar(select(func.count(User.id)).where(User.name == "Rina")) == 0


def test_demo_consultation_is_public_with_public_comments(app, client):
    from sqlalchemy import select

    from consult.demo import seed
    from consult.feedback.models import Comment
    from consult.plans.models import Membership

    consultation = seed()
    db.session.commit()
    assert consultation.visibility == Visibility.INPUT
    public_ids = select(Membership.user_id).where(Membership.is_public.is_(True))
    statuses = sorted(
        c.status.value
        for c in db.session.scalars(select(Comment).where(Comment.author_id.in_(public_ids)))
    )
    assert statuses == ["pending", "published", "published"]
    html = client.get(f"/p/{consultation.id}").get_data(as_text=True)
    assert consultation.title in html


def test_manage_page_shows_the_visibility_and_links_the_public_page(client, world, login):
    from sqlalchemy import select

    from consult.plans.models import MemberRole, Membership

    public = world["public"]
    organiser_id = db.session.scalar(
        select(Membership.user_id).where(
            Membership.consultation_id == public.id, Membership.role == MemberRole.ORGANISER
        )
    )
    from consult.auth.models import User

    login(db.session.get(User, organiser_id))
    html = client.get(f"/c/{public.id}/manage").get_data(as_text=True)
    assert f'href="/p/{public.id}"' in html and 'class="col-sm-9 visibility"' in html


def test_organiser_form_saves_visibility_and_refuses_an_unknown_one(
    client, login, make_user, make_consultation
):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    form = client.get(f"/c/{consultation.id}/edit").get_data(as_text=True)
    assert 'name="visibility"' in form and "Invited participants only" in form
    data = {
        "title": "RPIK terbuka",
        "comment_visibility": "all",
        "moderation_mode": "post",
        "visibility": "input",
        "public_author_names": "y",
    }
    assert client.post(f"/c/{consultation.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert consultation.visibility == Visibility.INPUT and consultation.public_author_names
    response = client.post(f"/c/{consultation.id}/edit", data={**data, "visibility": "semua"})
    assert 'id="visibility-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert consultation.visibility == Visibility.INPUT


def test_signed_in_outsider_following_a_members_link_is_sent_to_the_public_page(
    client, world, login, make_user
):
    public, closed = world["public"], world["closed"]
    strategy = first_strategy(public).id
    login(make_user())
    response = client.get(f"/c/{public.id}/strategies/{strategy}?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/p/{public.id}/strategies/{strategy}?page=2"
    assert client.get(f"/c/{public.id}").headers["Location"] == f"/p/{public.id}"
    # Pages with no public twin, forms, and invited-only consultations stay 404.
    section = first_strategy(public).section_id
    assert client.get(f"/c/{public.id}/sections/{section}/rate").status_code == 404
    assert client.get(f"/c/{public.id}/manage").status_code == 404
    assert client.post(f"/c/{public.id}/strategies/{strategy}/comments").status_code in (400, 404)
    assert client.get(f"/c/{closed.id}").status_code == 404


def test_a_change_committed_while_a_page_is_loaded_never_gets_the_old_page_its_new_etag(
    client, world, monkeypatch
):
    # The validators were read after the view had loaded the consultation and the strategy:
    # a change committed in between gave the old text the new ETag, and every later
    # conditional request a 304 for it until the next change.
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from consult.plans.models import Consultation
    from consult.public import views

    url = _strategy_url(world["public"])
    consultation_id = world["public"].id
    load_item = views._item

    def changed_once_loaded(*args):
        item = load_item(*args)
        db.session.execute(
            update(Consultation)
            .where(Consultation.id == consultation_id)
            .values(updated_at=datetime.now(UTC) + timedelta(minutes=5))
        )
        db.session.commit()
        return item

    monkeypatch.setattr(views, "_item", changed_once_loaded)
    loaded = client.get(url)
    assert loaded.status_code == 200
    monkeypatch.setattr(views, "_item", load_item)
    again = client.get(url, headers={"If-None-Match": loaded.headers["ETag"]})
    assert again.status_code == 200
    assert again.headers["ETag"] != loaded.headers["ETag"]
