"""docs/benchmarks.md as bench/report.py writes it: verdicts, their reasons, query counts."""

import json

from bench.report import MISS_REASONS, TARGETS, render


def results(strategy_ratio: float) -> dict:
    page = {"status": 200, "queries": 15, "warm_queries": 4, "rps": 400.0, "p50": 9.0}
    return {
        "date": "2026-11-28 02:00 UTC",
        "machine": "2 cores",
        "workers": 2,
        "seconds": 6,
        "pages": {
            "SQLite": {
                "data": {"participants": 5000, "comments": 50000, "ratings": 250000, "seconds": 9},
                "pages": {
                    "static stylesheet": {
                        "status": 200,
                        "queries": 0,
                        "warm_queries": 0,
                        "ratio": 1.0,
                    },
                    "strategy page (500 comments)": {
                        **page,
                        "reference_rps": 800.0,
                        "ratio": strategy_ratio,
                    },
                    "analysis dashboard": {**page, "reference_rps": 800.0, "ratio": 0.25},
                },
            }
        },
        "exports": [],
    }


def test_a_met_target_is_said_to_be_met():
    report = render(results(0.27))
    assert (
        "- strategy page (500 comments): 0.27 of the static stylesheet, target ≥ 0.25: met."
        in report
    )
    assert "- analysis dashboard: 0.25 of the static stylesheet, target ≥ 0.2: met." in report


def test_a_missed_target_is_said_to_be_missed_with_its_reason():
    report = render(results(0.21))
    reason = MISS_REASONS["strategy page (500 comments)"]
    assert f"0.21 of the static stylesheet, target ≥ 0.25: **missed**: {reason}." in report


def test_a_page_left_out_of_the_run_is_said_not_to_be_measured():
    report = render(results(0.3))
    assert "- my input: not measured (status None)." in report


def test_every_target_has_a_reason_to_state_when_missed():
    assert set(MISS_REASONS) == set(TARGETS)
    assert all(reason.strip() for reason in MISS_REASONS.values())


def test_the_table_shows_first_and_warm_query_counts_and_the_paired_reference():
    report = render(results(0.5))
    assert "| strategy page (500 comments) | 200 | 15 / 4 | 400.0 | 800.0 | 0.5 |" in report


def test_export_growth_is_stated_relative_to_base_size():
    data = results(0.5)
    data["exports"] = [
        {"scale": scale, "format": "csv", "seconds": seconds, "peak_mb": mb, "size_mb": 1.0}
        | {"comments": 50000 * scale, "ratings": 250000 * scale}
        for scale, seconds, mb in ((1.0, 5.0, 105), (16.0, 55.0, 108))
    ]
    report = render(data)
    assert "- csv: 16× data: 11.0× the time; peak memory 105-108 MB." in report


def test_exports_through_the_queue_and_the_latency_during_one_are_reported():
    block = {
        "scale": 1.0,
        "comments": 50000,
        "exports": [{"format": "xlsx", "state": "done", "seconds": 39.5, "worker_peak_mb": 127}],
        "latency": {
            "at rest": {"rps": 18.1, "p50": 111.8, "p95": 120.4, "p99": 140.0},
            "during an XLSX export": {
                "rps": 17.0,
                "p50": 108.4,
                "p95": 191.9,
                "p99": 218.0,
                "export_still_running": True,
                "export_percent_at_end": 40,
            },
        },
    }
    report = render({**results(0.6), "queue": block})
    assert "## Exports through the task queue (SQLite, 1.0×, 50,000 comments)" in report
    assert "| xlsx | done | 39.5 | 127 |" in report
    assert "| at rest | 111.8 | 120.4 | 140.0 | 18.1 |  |" in report
    assert "| during an XLSX export | 108.4 | 191.9 | 218.0 | 17.0 | yes |" in report
    assert "task queue" not in render(results(0.6))


def test_make_bench_runs_the_queue_at_the_issues_16x_unless_told_otherwise(monkeypatch):
    from bench.run import arguments

    monkeypatch.delenv("BENCH_QUEUE_SCALE", raising=False)
    args = arguments([])
    assert (args.queue_scale, args.skip_queue) == (16.0, False)
    assert arguments(["--queue-scale", "1"]).queue_scale == 1.0


def test_public_rows_are_reported_against_their_targets():
    data = results(0.3)
    pages = data["pages"]["SQLite"]["pages"]
    pages["public strategy page (anonymous)"] = {"status": 200, "ratio": 0.42, "queries": 5}
    pages["public strategy page (anonymous, 304)"] = {"status": 304, "ratio": 0.6, "queries": 3}
    report = render(data)
    assert (
        "- public strategy page (anonymous): 0.42 of the static stylesheet, target ≥ 0.3: met."
        in report
    )
    assert "- public strategy page (anonymous, 304): 0.6 of the static stylesheet, " in report
    assert MISS_REASONS["public strategy page (anonymous, 304)"] in report


def test_bench_asks_the_public_page_anonymously_and_conditionally():
    from bench.run import bench_pages_of, request_headers

    info = {"consultation_id": 7, "heavy_strategy_id": 9, "reply_to_comment_id": 1}
    rows = {name: (path, role) for name, path, role in bench_pages_of(info)}
    assert rows["public strategy page (anonymous)"] == ("/p/7/strategies/9", "anonymous")
    assert rows["public strategy page (anonymous, 304)"][1] == "anonymous-conditional"

    class Response:
        def getheader(self, name):
            return '"abc"' if name == "ETag" else None

    class Server:
        def request(self, method, path):
            return Response(), b""

    assert request_headers(Server(), "/p/7/strategies/9", "anonymous") == ()
    assert request_headers(Server(), "/p/7/strategies/9", "anonymous-conditional") == (
        'If-None-Match: "abc"',
    )


def test_earlier_export_rows_of_a_format_no_longer_measured_are_kept_last(tmp_path, monkeypatch):
    from bench import run

    saved = tmp_path / "exports.json"
    earlier = [{"scale": 16.0, "format": "docx"}, {"scale": 16.0, "format": "csv"}]
    saved.write_text(json.dumps(earlier))
    monkeypatch.setattr(run, "EXPORTS", saved)
    merged = run.merge_exports(
        [{"scale": 1.0, "format": "json"}, {"scale": 1.0, "format": "xlsx"}], "d"
    )
    assert [(row["scale"], row["format"]) for row in merged] == [
        (1.0, "xlsx"),
        (1.0, "json"),
        (16.0, "csv"),
        (16.0, "docx"),
    ]
