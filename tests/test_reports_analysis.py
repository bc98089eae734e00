"""The organiser's analysis dashboard: numbers, SVG charts, fixed query count, access."""

import re

import pytest
from sqlalchemy import insert, select

from consult.auth.models import Role
from consult.extensions import cache, db
from consult.feedback.models import Comment, CommentStatus, Rating
from consult.plans.models import Chapter, Criterion, Phase, Section, Strategy
from consult.reports.analysis_cache import input_version
from tests.conftest import first_strategy


@pytest.fixture
def setting(make_user, make_group, make_consultation):
    kadin, akademisi = make_group("KADIN"), make_group("Akademisi")
    organiser = make_user(role=Role.ORGANISER)
    people = [make_user(group=kadin) for _ in range(3)] + [
        make_user(group=akademisi) for _ in range(3)
    ]
    consultation = make_consultation(organiser=organiser, participants=people)
    strategy = first_strategy(consultation)
    criteria = {
        c.key: c
        for c in db.session.scalars(
            db.select(Criterion).where(Criterion.consultation_id == consultation.id)
        )
    }
    return consultation, strategy, criteria, organiser, people


def add_strategy(consultation, strategy, code, title):
    other = Strategy(section_id=strategy.section_id, position=2, code=code, title=title)
    db.session.add(other)
    db.session.flush()
    return other


def test_dashboard_shows_numbers_charts_shift_and_disagreement(client, login, setting, make_rating):
    consultation, strategy, criteria, organiser, people = setting
    kadin, academics = people[:3], people[3:]
    for user, value in zip(kadin, [5, 5, 4], strict=True):
        make_rating(strategy, criteria["priority"], user, value)
    for user, value in zip(academics, [2, 2, None], strict=True):
        make_rating(strategy, criteria["priority"], user, value)
    for user, value in zip(kadin, [3, 3, 3], strict=True):
        make_rating(strategy, criteria["priority"], user, value, Phase.POST)
    untouched = add_strategy(consultation, strategy, "1.1.2", "Kawasan industri tanpa masukan")
    db.session.commit()

    response = login(organiser).get(f"/c/{consultation.id}/analysis")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
    assert "<title>" in html and "<table" in html
    # pre: 5,5,4,2,2 -> mean 3.60, median 4; one "cannot judge"
    assert "3.60" in html
    # the mean with its n beside it, then the interval, the median and "cannot judge"
    assert re.search(r">3.60</td>\s*<td class=\"text-end\">5</td>", html)
    assert re.search(r">4.0</td>\s*<td class=\"text-end\">1</td>", html)
    assert "3.60 (n=5)</text>" in html  # the chart prints n beside the mean too
    # post mean 3.00 -> shift -0.60
    assert "-0.60" in html
    assert "disagree-flag" in html  # KADIN 4.67 vs academics 2.00
    assert untouched.title in html.split('id="uncovered"')[1].split("</ul>")[0]


def test_chart_text_is_escaped(client, login, setting, make_rating):
    consultation, strategy, criteria, organiser, people = setting
    strategy.title = "<script>alert(1)</script>"
    make_rating(strategy, criteria["priority"], people[0], 4)
    db.session.commit()
    html = login(organiser).get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_participation_counts_invited_and_active_per_group(
    client, login, setting, make_rating, make_comment
):
    consultation, strategy, criteria, organiser, people = setting
    make_rating(strategy, criteria["priority"], people[0], 4)
    make_comment(consultation, people[3], "Perlu data impor.", strategy=strategy)
    from consult.reports.services import build_analysis

    analysis = build_analysis(consultation)
    rows = {r.group.name: (r.invited, r.active) for r in analysis.participation if r.group}
    assert rows["KADIN"] == (3, 1)
    assert rows["Akademisi"] == (3, 1)
    section_counts = {section.id: count for _c, section, count in analysis.section_comments}
    assert section_counts[strategy.section_id] == 1
    assert analysis.strategies[0].comment_count == 1


def test_ranking_by_priority_and_by_contention(setting, make_rating):
    consultation, strategy, criteria, organiser, people = setting
    second = add_strategy(consultation, strategy, "1.1.2", "Hilirisasi rotan")
    for user in people:
        make_rating(strategy, criteria["priority"], user, 3)
    for user in people[:3]:
        make_rating(second, criteria["priority"], user, 5)
    for user in people[3:]:
        make_rating(second, criteria["priority"], user, 3)
    db.session.commit()
    from consult.reports.services import build_analysis

    analysis = build_analysis(consultation)
    assert [s.strategy.id for s in analysis.by_priority] == [second.id, strategy.id]
    assert analysis.by_contention[0].strategy.id == second.id
    assert analysis.by_contention[0].contention == pytest.approx(2.0)
    assert analysis.by_contention[0].disagree
    assert not analysis.by_contention[1].disagree


def test_one_high_rating_does_not_outrank_a_strategy_several_people_rated_highly(
    client, login, setting, make_rating
):
    consultation, strategy, criteria, organiser, people = setting
    lone = add_strategy(consultation, strategy, "1.1.2", "Satu penilai")
    many = add_strategy(consultation, strategy, "1.1.3", "Empat penilai")
    make_rating(lone, criteria["priority"], people[0], 5)
    for user, value in zip(people[1:5], [5, 5, 5, 4], strict=True):
        make_rating(many, criteria["priority"], user, value)
    for user in people:
        make_rating(strategy, criteria["priority"], user, 3)
    db.session.commit()
    from consult.reports.services import build_analysis

    analysis = build_analysis(consultation)
    # Overall mean 42 / 11 = 3.82; adjusted (prior weight 5): many 4.23, lone 4.02, first 3.37
    assert [s.strategy.id for s in analysis.by_priority] == [many.id, lone.id, strategy.id]
    assert analysis.ranking_score(analysis.by_priority[0]) == pytest.approx(4.232323, abs=1e-6)
    html = login(organiser).get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    table = html.split('id="priority-ranking"')[1].split("</table>")[0]
    assert "3.82" in table.split("</caption>")[0] and "5" in table.split("</caption>")[0]
    rows = table.split("<tr>")[2:]
    assert "Empat penilai" in rows[0] and ">4.23<" in rows[0] and ">4<" in rows[0]
    assert "Satu penilai" in rows[1] and ">5.00<" in rows[1] and ">1<" in rows[1]
    # No interval for one rater; every interval stays on the 1-5 scale.
    for low, high in re.findall(r">(\d\.\d\d) – (\d\.\d\d)<", html):
        assert 1 <= float(low) <= float(high) <= 5


def test_strategies_whose_groups_cannot_be_compared_show_no_contention(
    client, login, setting, make_rating
):
    consultation, strategy, criteria, organiser, people = setting
    unrated = add_strategy(consultation, strategy, "1.1.2", "Belum dinilai siapa pun")
    for user in people[:3]:  # one group only: nothing to compare with
        make_rating(strategy, criteria["priority"], user, 4)
    db.session.commit()
    from consult.reports.services import build_analysis

    analysis = build_analysis(consultation)
    assert [s.contention for s in analysis.by_contention] == [None, None]
    html = login(organiser).get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    contention = html.split("By contention")[1].split("</table>")[0]
    assert "0.00" not in contention and contention.count(">–</td>") == 2
    # A strategy nobody rated says so, instead of an empty chart and table.
    unrated_part = html.split(f'id="strategy-{unrated.id}"')[1].split("</article>")[0]
    assert "No ratings yet." in unrated_part
    assert "<svg" not in unrated_part and "<table" not in unrated_part
    rated_part = html.split(f'id="strategy-{strategy.id}"')[1].split("</article>")[0]
    assert "No ratings yet." not in rated_part and "<svg" in rated_part


def test_long_strategy_titles_are_shortened_in_the_ranking_chart(
    client, login, setting, make_rating
):
    consultation, strategy, criteria, organiser, people = setting
    strategy.title = "Substitusi impor bahan baku dan bahan penolong industri pengolahan"
    make_rating(strategy, criteria["priority"], people[0], 4)
    db.session.commit()
    html = login(organiser).get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    chart = html.split('id="ranking-heading"')[1].split("</svg>")[0]
    label = re.search(r'text-anchor="end"><title>([^<]*)</title>([^<]*)</text>', chart)
    assert label.group(1) == f"1.1.1 {strategy.title}"  # the whole title as a tooltip
    assert label.group(2).endswith("…") and len(label.group(2)) <= 27


def test_dashboard_query_count_does_not_grow_with_data(
    client, login, setting, make_user, count_queries, make_rating
):
    consultation, strategy, criteria, organiser, people = setting
    section = db.session.get(Section, strategy.section_id)

    def fill(raters):
        for user in raters:
            for criterion in criteria.values():
                make_rating(strategy, criterion, user, (user.id % 5) + 1)
        db.session.commit()

    fill(people[:3])  # 9 ratings (~10)
    client = login(organiser)
    client.get(f"/c/{consultation.id}/analysis")  # warm the per-user membership cache
    db.session.expire_all()  # the tests share one session: both runs start from expired objects
    cache.clear()  # compare computed pages, not a cached one with a computed one
    with count_queries() as small:
        assert client.get(f"/c/{consultation.id}/analysis").status_code == 200
    more = [make_user(group=people[0].group) for _ in range(64)]
    fill(more)  # +192 ratings (~200)
    for n in range(3):
        db.session.add(Strategy(section_id=section.id, position=5 + n, code=f"x{n}", title="T"))
    db.session.commit()
    db.session.expire_all()
    cache.clear()
    with count_queries() as large:
        assert client.get(f"/c/{consultation.id}/analysis").status_code == 200
    assert large.count == small.count


@pytest.mark.parametrize("path", ["analysis", "responses", "export"])
def test_organiser_pages_refuse_participants_and_hide_from_strangers(
    app, client, login, setting, make_user, path
):
    consultation, strategy, criteria, organiser, people = setting
    anonymous = app.test_client()
    assert anonymous.get(f"/c/{consultation.id}/{path}").status_code == 302  # to login
    assert login(people[0]).get(f"/c/{consultation.id}/{path}").status_code == 403
    stranger = make_user()
    assert login(stranger).get(f"/c/{consultation.id}/{path}").status_code == 404
    other_organiser = make_user(role=Role.ORGANISER)
    assert login(other_organiser).get(f"/c/{consultation.id}/{path}").status_code == 404
    assert login(organiser).get(f"/c/{consultation.id}/{path}").status_code == 200
    assert client.get("/c/999999/" + path).status_code == 404


def test_organiser_post_endpoints_refuse_participants(client, login, setting, make_user):
    consultation, strategy, criteria, organiser, people = setting
    paths = [
        f"/c/{consultation.id}/export",
        f"/c/{consultation.id}/responses/together",
        f"/c/{consultation.id}/you-said-we-did/publish",
        f"/c/{consultation.id}/you-said-we-did/unpublish",
    ]
    for path in paths:
        assert login(people[0]).post(path, data={"format": "json"}).status_code == 403
        assert login(make_user()).post(path, data={"format": "json"}).status_code == 404


def _without_csrf_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def test_cached_dashboard_shows_a_new_rating_at_once(client, login, setting, make_rating):
    consultation, strategy, criteria, organiser, people = setting
    make_rating(strategy, criteria["priority"], people[0], 2)
    db.session.commit()
    client = login(organiser)
    first = client.get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    assert "2.00" in first and "4.00" not in first
    # The same page again, but for its forms' CSRF tokens: signed with the second they were
    # made in, they differ when the two requests straddle a second.
    again = client.get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    assert _without_csrf_tokens(again) == _without_csrf_tokens(first)

    # A new rating and a changed one, committed as the rating service does.
    make_rating(strategy, criteria["priority"], people[1], 5)
    db.session.commit()
    assert "3.50" in client.get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    rating = db.session.scalars(select(Rating).where(Rating.user_id == people[1].id)).one()
    rating.value = 4
    db.session.commit()
    assert "3.00" in client.get(f"/c/{consultation.id}/analysis").get_data(as_text=True)


def test_cached_dashboard_counts_a_new_comment_and_a_bulk_insert_at_once(client, login, setting):
    consultation, strategy, criteria, organiser, people = setting
    client = login(organiser)
    assert "1 comments" not in client.get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    db.session.execute(
        insert(Comment),
        [
            {
                "consultation_id": consultation.id,
                "strategy_id": strategy.id,
                "author_id": people[0].id,
                "body": "Masukan massal.",
                "status": CommentStatus.PUBLISHED,
            }
        ],
    )
    db.session.commit()
    html = client.get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    assert strategy.title not in html.split('id="uncovered"')[-1].split("</ul>")[0]


def test_a_visit_does_not_invalidate_the_cached_dashboard(client, login, setting):
    consultation, strategy, criteria, organiser, people = setting
    login(organiser).get(f"/c/{consultation.id}/analysis")
    version = input_version()
    login(people[0]).get(f"/c/{consultation.id}")  # records the visit on the membership
    assert input_version() == version
    people[0].group_id = people[3].group_id
    db.session.commit()
    assert input_version() == version + 1


def test_dashboard_details_one_chapter_at_a_time(client, login, setting):
    consultation, strategy, criteria, organiser, people = setting
    chapter = Chapter(consultation_id=consultation.id, position=9, code="9", title="Bab baru")
    db.session.add(chapter)
    db.session.flush()
    section = Section(chapter_id=chapter.id, position=1, code="9.1", title="Bagian")
    db.session.add(section)
    db.session.flush()
    other = Strategy(section_id=section.id, position=1, code="9.1.1", title="Strategi lain")
    db.session.add(other)
    db.session.commit()
    client = login(organiser)
    html = client.get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    assert f'id="strategy-{strategy.id}"' in html and f'id="strategy-{other.id}"' not in html
    html = client.get(f"/c/{consultation.id}/analysis?chapter={chapter.id}").get_data(as_text=True)
    assert f'id="strategy-{other.id}"' in html and f'id="strategy-{strategy.id}"' not in html
