"""The load test script only ever targets this machine, within fixed bounds."""

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "loadtest.py"


@pytest.fixture(scope="module")
def loadtest():
    spec = importlib.util.spec_from_file_location("loadtest", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["loadtest"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("loadtest", None)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org:8000",
        "http://10.0.0.5:8000",
        "http://localhost.evil.example:8000",
        "https://127.0.0.1:8443",
        "http://127.0.0.2:8000",
        "http://[::ffff:93.184.216.34]:80",
    ],
)
def test_loadtest_refuses_any_target_but_loopback(loadtest, url, capsys):
    with pytest.raises(SystemExit) as stopped:
        loadtest.main(["run", "--base-url", url, "--duration", "1"])
    assert stopped.value.code == 2
    assert "only http://127.0.0.1" in capsys.readouterr().err


def test_loadtest_accepts_loopback(loadtest):
    assert loadtest.loopback_target("http://127.0.0.1:8000") == ("127.0.0.1", 8000)


@pytest.mark.parametrize(
    "option", [["--duration", "601"], ["--max-requests", "200001"], ["--participants", "0"]]
)
def test_loadtest_is_bounded_in_time_requests_and_participants(loadtest, option, capsys):
    with pytest.raises(SystemExit) as stopped:
        loadtest.main(["run", *option])
    assert stopped.value.code == 2
    assert "must be between" in capsys.readouterr().err


def test_loadtest_reads_the_csrf_token_from_a_rendered_form(loadtest):
    page = '<form><input id="csrf_token" name="csrf_token" type="hidden" value="abc.def-1"></form>'
    assert loadtest.csrf_token(page) == "abc.def-1"
    assert loadtest.csrf_token("<p>no form</p>") is None


# --- the counting after a run: what was acknowledged must be stored and exported ----------


def _plan(loadtest):
    return loadtest.Plan(1, [10, 11], [(1, "relevance", 5), (2, "priority", 5)], "pre")


def _results(loadtest, attempts):
    results = loadtest.Results()
    for key, tries in attempts.items():
        results.rating_attempts[key].extend(tries)
    return results


def test_stored_ratings_must_be_the_last_acknowledged_values(loadtest):
    results = _results(
        loadtest,
        {
            (1, 10): [({1: 2, 2: 3}, True), ({1: 4, 2: 5}, True)],
            (2, 10): [({1: 1, 2: None}, True)],
        },
    )
    stored = {(1, 10, 1, "pre"): 4, (1, 10, 2, "pre"): 5, (2, 10, 1, "pre"): 1}
    check = loadtest.check_ratings(_plan(loadtest), results, stored)
    assert (check.posts_acknowledged, check.values_acknowledged, check.keys) == (3, 6, 4)
    assert check.exact == 3
    assert check.lost == ["(2, 10, 2, 'pre'): acknowledged None, nothing stored"]


def test_an_earlier_value_stored_instead_of_the_last_acknowledged_one_is_lost(loadtest):
    results = _results(loadtest, {(1, 10): [({1: 2}, True), ({1: 4}, True)]})
    check = loadtest.check_ratings(_plan(loadtest), results, {(1, 10, 1, "pre"): 2})
    assert check.exact == 0
    assert check.lost == ["(1, 10, 1, 'pre'): acknowledged 4, stored 2"]


def test_a_later_attempt_whose_answer_was_lost_is_counted_apart(loadtest):
    # The server saved the third attempt but the answer never arrived (worker killed).
    results = _results(loadtest, {(1, 11): [({1: 2}, True), ({1: 3}, False), ({1: 5}, False)]})
    check = loadtest.check_ratings(_plan(loadtest), results, {(1, 11, 1, "pre"): 5})
    assert (check.exact, check.later_attempt, check.lost) == (0, 1, [])


def test_unacknowledged_ratings_alone_are_not_checked(loadtest):
    results = _results(loadtest, {(3, 10): [({1: 2}, False)]})
    check = loadtest.check_ratings(_plan(loadtest), results, {})
    assert (check.posts_acknowledged, check.keys, check.lost) == (0, 0, [])


def _snapshot(loadtest, ratings, cells):
    return loadtest.Snapshot(ratings, {k: Counter(v) for k, v in cells.items()}, set())


def test_export_must_show_the_ratings_now_stored(loadtest):
    plan = _plan(loadtest)
    # Before: two demo raters gave 3, and participant 1 had given 2 in an earlier run.
    before = _snapshot(loadtest, {(1, 10, 1, "pre"): 2}, {(10, "relevance", "pre"): {3: 2, 2: 1}})
    now = {(1, 10, 1, "pre"): 5, (2, 10, 1, "pre"): None, (2, 11, 2, "pre"): 1}
    right = _snapshot(
        loadtest,
        now,
        {(10, "relevance", "pre"): {3: 2, 5: 1, None: 1}, (11, "priority", "pre"): {1: 1}},
    )
    assert loadtest.compare_export(plan, before, right) == (2, [])
    wrong = _snapshot(loadtest, now, {(10, "relevance", "pre"): {3: 2, 2: 1, None: 1}})
    cells, problems = loadtest.compare_export(plan, before, wrong)
    assert cells == 2
    assert len(problems) == 2  # the old value still counted; strategy 11 missing altogether


def test_summary_counts_server_errors_and_percentiles(loadtest):
    results = loadtest.Results()
    for seconds, status in [(0.1, 200), (0.2, 302), (0.3, 503), (0.4, "TimeoutError")]:
        results.add("comment", seconds, status)
    data = loadtest.summary(
        results,
        2.0,
        {
            "comments": {
                "acknowledged": 0,
                "in_database": 0,
                "in_export": 0,
                "missing": [],
                "duplicated": ["LT-0badc0de-1-1"],
            },
            "ratings": {
                "posts_acknowledged": 0,
                "values_acknowledged": 0,
                "keys": 0,
                "exact": 0,
                "later_attempt": 0,
                "lost": [],
            },
            "export": {"cells": 0, "wrong": []},
        },
    )
    assert (data["requests"], data["requests_per_second"]) == (4, 2.0)
    assert (data["errors"], data["server_errors_5xx"]) == (2, 1)
    assert data["latency_ms"]["comment"]["p50"] == 200.0
    assert "5xx: 1" in loadtest.report(data)
    assert "stored twice: 1" in loadtest.report(data)
