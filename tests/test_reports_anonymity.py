"""Anonymisation that holds: the suppression rules by hand, then the attacks on real exports.

k = 3 unless a test says otherwise. The attacks: filter to a one-member group; the total minus
the other groups; a small group's comments keeping their group name; linking pseudonyms of two
exports.
"""

import json
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from consult.extensions import db
from consult.feedback.models import Comment, Rating
from consult.plans.models import Criterion, Phase
from consult.reports.anonymity import Suppression, suppress_breakdown
from consult.reports.exports import ExportFilters, Identities, run_export
from tests.conftest import first_strategy
from tests.test_reports_exports import csv_tables, docx_texts, json_strings, xlsx_texts

MARKERS = ("(suppressed)", "(disembunyikan)")


# --- the rules, against tables computed by hand ----------------------------------------


@pytest.mark.parametrize(
    ("sizes", "small", "hidden", "total"),
    [
        ({"A": 5, "B": 4}, (), set(), False),  # everyone k or more: all shown
        ({"A": 1, "B": 5, "C": 7}, (), {"A", "B"}, False),  # 13 - 7 would give A: hide B too
        ({"A": 1, "B": 1, "C": 4, "D": 9}, (), {"A", "B", "C"}, False),  # A+B = 2 < 3: and C
        ({"A": 2, "B": 1}, (), {"A", "B"}, False),  # both small, together 3: total may show
        ({"A": 2}, (), {"A"}, True),  # the total is the small group
        ({"A": 1, "B": 3}, (), {"A", "B"}, False),  # total 4 = A + B, neither alone
        ({"A": 1, "B": 3, "C": 3}, (), {"A", "B"}, False),  # a tie goes by key: B before C
        ({None: 1, 1: 4, 2: 4}, (), {None, 1}, False),  # no group sorts first among keys
        ({"A": 0, "B": 4}, (), set(), False),  # a group of nobody has nothing to hide
        ({"A": 0, "B": 4}, {"A"}, {"A", "B"}, False),  # but a small group's zero is hidden
        ({"A": 0, "B": 0}, {"A"}, {"A"}, True),  # nobody rated: the total would tell A's 0
        ({"A": 3, "B": 3, "C": 2, "D": 2}, (), {"C", "D"}, False),  # 2 + 2 = 4 >= 3
        ({}, (), set(), False),  # no ratings at all
    ],
)
def test_breakdown_suppression_by_hand(sizes, small, hidden, total):
    assert suppress_breakdown(sizes, 3, small) == Suppression(frozenset(hidden), total)


def test_a_larger_k_hides_more():
    sizes = {"A": 4, "B": 6, "C": 12}
    assert suppress_breakdown(sizes, 3) == Suppression(frozenset(), False)
    assert suppress_breakdown(sizes, 5) == Suppression(frozenset({"A", "B"}), False)
    assert suppress_breakdown(sizes, 30) == Suppression(frozenset(sizes), True)


@given(
    st.dictionaries(st.integers(0, 8), st.integers(0, 12), max_size=6),
    st.integers(1, 6),
    st.sets(st.integers(0, 8), max_size=3),
)
def test_no_figure_of_fewer_than_k_people_can_be_recovered(sizes, k, small):
    small = small & set(sizes)
    result = suppress_breakdown(sizes, k, small)
    for group, people in sizes.items():
        if group in small or 0 < people < k:
            assert result.hides(group)
    total = sum(sizes.values())
    if not result.total:
        # What the total minus the shown groups gives back: the hidden ones together.
        recovered = total - sum(p for g, p in sizes.items() if not result.hides(g))
        assert not result.groups or recovered >= k
        assert not 0 < total < k


# --- the attacks, on exports -----------------------------------------------------------


@pytest.fixture
def town(make_user, make_group, make_consultation):
    """KADIN 5 members, LSM 3, Akademisi 1 (Dosen Tunggal); all rate one strategy."""
    kadin, lsm, akademisi = make_group("KADIN"), make_group("LSM"), make_group("Akademisi")
    members = {
        "KADIN": [make_user(group=kadin, name=f"Pengusaha {n}") for n in range(5)],
        "LSM": [make_user(group=lsm, name=f"Aktivis {n}") for n in range(3)],
        "Akademisi": [make_user(group=akademisi, name="Dosen Tunggal", email="dosen@upr.ac.id")],
    }
    people = [p for group in members.values() for p in group]
    consultation = make_consultation(participants=people)
    strategy = first_strategy(consultation)
    priority = db.session.scalar(
        select(Criterion).where(
            Criterion.consultation_id == consultation.id, Criterion.key == "priority"
        )
    )
    values = {"KADIN": [4, 4, 5, 3, 4], "LSM": [2, 3, 2], "Akademisi": [1]}
    for name, group in members.items():
        for user, value in zip(group, values[name], strict=True):
            db.session.add(
                Rating(
                    consultation_id=consultation.id,
                    strategy_id=strategy.id,
                    criterion_id=priority.id,
                    user_id=user.id,
                    group_id=user.group_id,
                    phase=Phase.PRE,
                    value=value,
                )
            )
    for user, body in [(members["Akademisi"][0], "Saran dosen"), (members["KADIN"][0], "Saran")]:
        for n in range(2):
            db.session.add(
                Comment(
                    consultation_id=consultation.id,
                    strategy_id=strategy.id,
                    author_id=user.id,
                    group_id=user.group_id,
                    phase=Phase.PRE,
                    body=f"{body} {n}",
                )
            )
    db.session.commit()
    groups = {"KADIN": kadin.id, "LSM": lsm.id, "Akademisi": akademisi.id}
    return consultation, members, groups


def _json(consultation, **filters):
    result = run_export("json", consultation, ExportFilters(anonymise=True, **filters), None)
    db.session.commit()
    document = json.loads(result.path.read_bytes())
    result.path.unlink()
    return document


def _bytes(fmt, consultation, **filters):
    result = run_export(fmt, consultation, ExportFilters(anonymise=True, **filters), None)
    db.session.commit()
    data = result.path.read_bytes()
    result.path.unlink()
    return data


def _rekapitulasi_docx(consultation) -> bytes:
    """The anonymised rekapitulasi (the Word report) of the official documents."""
    from flask import current_app as app

    from consult.documents.docx_writer import render_docx
    from consult.documents.rekapitulasi import RekapOptions, build_rekapitulasi

    options = RekapOptions(anonymise=True, lang=app.config["BABEL_DEFAULT_LOCALE"])
    return render_docx(build_rekapitulasi(consultation, options))


def _priority(entries):
    return [e for e in entries if e["criterion"] == "priority" and e["phase"] == "pre"]


def test_filtering_to_a_one_member_group_shows_none_of_its_ratings(town):
    consultation, members, groups = town
    document = _json(consultation, group_id=groups["Akademisi"])
    for entry in _priority(document["summary"]) + _priority(document["ratings_by_group"]):
        assert entry["suppressed"] is True
        assert not {"raters", "mean", "median", "distribution", "ci95"} & set(entry)
    assert all(s["comments"] is None for s in document["summary"])
    assert document["comments"] == [] and document["participants"] == []
    sheets = xlsx_texts(_bytes("xlsx", consultation, group_id=groups["Akademisi"]))
    summary = [
        r for r in sheets["Ringkasan"][1:] if r[2] == "Prioritas" and r[3] == "Before the FGD"
    ][0]
    assert summary[4] in MARKERS and summary[6] in MARKERS and summary[12] in MARKERS
    assert len(sheets["Masukan"]) == 1 and len(sheets["Peserta"]) == 1  # headers only


def test_filtering_to_a_group_shows_nothing_the_whole_breakdown_hides(town):
    """LSM (3) is hidden beside Akademisi (1); filtered to LSM it must stay hidden."""
    consultation, members, groups = town
    whole = {e["group"]: e for e in _priority(_json(consultation)["ratings_by_group"])}
    assert whole["Akademisi"]["suppressed"] and whole["LSM"]["suppressed"]
    assert not whole["KADIN"]["suppressed"] and whole["KADIN"]["raters"] == 5
    lsm = _json(consultation, group_id=groups["LSM"])
    assert all(e["suppressed"] for e in _priority(lsm["summary"]))
    kadin = _json(consultation, group_id=groups["KADIN"])
    assert [e["raters"] for e in _priority(kadin["summary"])] == [5]


def _distribution(entry):
    return Counter(dict(enumerate(entry["distribution"], start=1)))


def test_the_total_minus_every_group_shown_anywhere_leaves_k_people_or_more(town):
    consultation, members, groups = town
    exports = [_json(consultation)] + [_json(consultation, group_id=g) for g in groups.values()]
    total = _priority(exports[0]["summary"])[0]
    assert total["suppressed"] is False and total["raters"] == 9
    shown = {}
    for document in exports:
        for entry in _priority(document["ratings_by_group"]):
            if not entry["suppressed"]:
                shown[entry["group"]] = entry
    for document in exports[1:]:  # a filtered summary is its group's figures
        entry = _priority(document["summary"])[0]
        group = document["ratings_by_group"][0]["group"] if document["ratings_by_group"] else None
        if not entry["suppressed"]:
            shown[group] = entry
    left = _distribution(total)
    for entry in shown.values():
        left.subtract(_distribution(entry))
    assert sum(left.values()) >= 3  # Akademisi and LSM together: 4 people


def test_a_small_groups_comments_and_pseudonyms_carry_no_group(town):
    consultation, members, groups = town
    document = _json(consultation)
    dosen = [c for c in document["comments"] if c["body"].startswith("Saran dosen")]
    assert len(dosen) == 2 and {c["group"] for c in dosen} == {""}
    assert dosen[0]["author"] == dosen[1]["author"]
    assert "Akademisi" not in dosen[0]["author"]
    kadin = [c for c in document["comments"] if c["body"].startswith("Saran ")]
    assert "KADIN" in {c["group"] for c in kadin}
    participant = [p for p in document["participants"] if p["name"] == dosen[0]["author"]]
    assert participant and participant[0]["group"] == ""
    assert "Akademisi" not in {p["group"] for p in document["participants"]}
    for text in docx_texts(_rekapitulasi_docx(consultation)):
        if "Saran dosen" in text or dosen[0]["author"] in text:
            assert "Akademisi" not in text
    for name, rows in csv_tables(_bytes("csv", consultation)).items():
        if name in ("masukan.csv", "peserta.csv"):
            assert not any("Akademisi" in cell for row in rows for cell in row)


def test_pseudonyms_hold_within_an_export_and_cannot_be_linked_across_two(town, app):
    consultation, members, groups = town
    first, second = _json(consultation), _json(consultation)
    names = [{p["name"] for p in document["participants"]} for document in (first, second)]
    assert len(names[0]) == 10 and not names[0] & names[1]  # 9 participants, 1 organiser
    for document, listed in zip((first, second), names, strict=True):
        assert {c["author"] for c in document["comments"]} <= listed
    with app.test_request_context():
        codes = [Identities(consultation, True).code(members["KADIN"][0].id) for _ in range(2)]
    assert codes[0] != codes[1]
    secrets = [p.name for group in members.values() for p in group] + ["dosen@upr.ac.id"]
    for value in json_strings(first):
        assert not any(secret in value for secret in secrets)


def test_anonymised_exports_explain_the_rule_and_named_ones_do_not(town):
    consultation, members, groups = town
    sheets = xlsx_texts(_bytes("xlsx", consultation))
    notes = [row[0] for row in sheets["Catatan"][1:]]
    assert len(notes) == 5 and any("3" in note for note in notes)
    assert "catatan.csv" in csv_tables(_bytes("csv", consultation))
    assert _json(consultation)["notes"] == notes
    assert any(note in docx_texts(_rekapitulasi_docx(consultation)) for note in notes)
    named = run_export("json", consultation, ExportFilters(), None)
    document = json.loads(named.path.read_bytes())
    named.path.unlink()
    assert document["notes"] == []
    assert not any(e["suppressed"] for e in document["ratings_by_group"] + document["summary"])
