"""What the FGD changed: paired shifts per strategy and criterion, overall and by group."""

import pytest
from conftest import first_strategy
from sqlalchemy import select

from consult.auth.models import Role, User
from consult.extensions import db
from consult.feedback.models import Rating
from consult.feedback.services import set_ratings
from consult.fgd import shift
from consult.plans.models import Criterion, Phase, Strategy


@pytest.fixture
def rated(make_user, make_group, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    kadin, academics = make_group("KADIN"), make_group("Akademisi")
    kadin_people = [make_user(group=kadin) for _ in range(3)]
    academic = make_user(group=academics)
    consultation = make_consultation(organiser=organiser, participants=kadin_people + [academic])
    strategy = first_strategy(consultation)
    criterion = db.session.scalars(select(Criterion).order_by(Criterion.position)).first()
    # (pre, fgd, post) per person; None: did not rate in that phase.
    given = {0: (2, 3, 4), 1: (3, 5, None), 2: (4, 4, 4)}
    for index, values in given.items():
        for phase, value in zip((Phase.PRE, Phase.FGD, Phase.POST), values, strict=True):
            if value is not None:
                set_ratings(
                    strategy, [criterion], kadin_people[index], {criterion.id: value}, phase
                )
    set_ratings(strategy, [criterion], academic, {criterion.id: 1}, Phase.PRE)
    set_ratings(strategy, [criterion], academic, {criterion.id: 3}, Phase.FGD)
    db.session.commit()
    return consultation, organiser, strategy, criterion


def test_shift_pairs_only_people_who_rated_in_both_phases(rated):
    consultation, _o, strategy, criterion = rated
    (row,) = shift.what_changed(
        consultation, [strategy], [criterion], anonymised=False, min_group=3
    )
    before_fgd = row.shifts[(Phase.PRE, Phase.FGD)]
    # Differences 1, 2, 0 (KADIN) and 2 (academic): mean 1.25 over 4 pairs.
    assert (before_fgd.n, before_fgd.mean_difference) == (4, 1.25)
    fgd_after = row.shifts[(Phase.FGD, Phase.POST)]
    assert (fgd_after.n, fgd_after.mean_difference) == (2, 0.5)  # person 1 gave no post rating
    assert row.means[Phase.PRE] == (2.5, 4) and row.means[Phase.POST] == (4.0, 2)
    kadin = next(g for g in row.groups if g.group and g.group.name == "KADIN")
    assert kadin.shifts[(Phase.PRE, Phase.FGD)].mean_difference == 1.0


def test_small_groups_are_suppressed_only_in_the_anonymised_view(client, login, rated):
    consultation, organiser, strategy, criterion = rated
    (row,) = shift.what_changed(consultation, [strategy], [criterion], anonymised=True, min_group=3)
    suppressed = {g.group.name: g.suppressed for g in row.groups}
    # KADIN has 2 pairs from FGD to after: below 3, so hidden too.
    assert suppressed == {"KADIN": True, "Akademisi": True}
    login(organiser)
    plain = client.get(f"/c/{consultation.id}/fgd/changes").get_data(as_text=True)
    assert "+1.25" in plain and "Too few people" not in plain
    anonymous = client.get(f"/c/{consultation.id}/fgd/changes?anonymise=1").get_data(as_text=True)
    assert "+1.25" in anonymous and "Too few people to show" in anonymous


def test_cells_are_read_in_small_batches_and_returned_in_the_order_asked(rated, monkeypatch):
    consultation, _o, strategy, criterion = rated
    criteria = list(db.session.scalars(select(Criterion).order_by(Criterion.position)))
    other = Strategy(section_id=strategy.section_id, code="S9", title="Kedua", position=0)
    db.session.add(other)
    db.session.flush()
    person = db.session.scalars(select(Rating.user_id)).first()
    set_ratings(
        other, criteria, db.session.get(User, person), {c.id: 5 for c in criteria}, Phase.PRE
    )
    db.session.commit()
    monkeypatch.setattr(shift, "CHUNK", 2)  # batches smaller than one cell
    rows = shift.what_changed(
        consultation, [other, strategy], criteria, anonymised=False, min_group=3
    )
    assert [(r.strategy.id, r.criterion.id) for r in rows] == [
        *((other.id, c.id) for c in criteria),
        (strategy.id, criterion.id),
    ]
    assert rows[-1].shifts[(Phase.PRE, Phase.FGD)].mean_difference == 1.25
    only = shift.what_changed(consultation, [other], [criteria[-1]], anonymised=False, min_group=3)
    assert [(r.strategy.id, r.criterion.id, r.means[Phase.PRE]) for r in only] == [
        (other.id, criteria[-1].id, (5.0, 1))
    ]
