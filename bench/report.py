"""Render bench results (bench/results/results.json) as docs/benchmarks.md."""

TARGETS = {"strategy page (500 comments)": 0.5, "analysis dashboard": 0.2}
# Why a target can be missed, stated beside the verdict when it is.
MISS_REASONS = {
    "strategy page (500 comments)": "beyond the ceiling's work the page runs one more query "
    "(on PostgreSQL a round trip to a server process that shares the same two cores) and "
    "renders its own template around the cached pieces; from run to run the ratio moves by "
    "about ±0.05 on this shared machine",
    "analysis dashboard": "its cached body is large (about 600 kB of tables and charts) and "
    "the first request after new input recomputes it in each worker",
}
EXPORT_LIMIT_SECONDS = 20
EXPORT_LIMIT_MB = 200


NOTES = [
    "## Notes",
    "",
    "- The ceiling is `/bench/ceiling` (only with `BENCH_MODE`): the base template for a "
    "logged-in participant, through the same middleware and session, with no data.",
    "- How each page is measured: a 2-second warm-up (so every worker has compiled its "
    "templates and filled its caches, as in steady use), then three rounds of the ceiling "
    "and the page in turn, 2 seconds each. A page's ratio is the median of its three "
    "rounds' ratios, so whatever else the machine is doing weighs on both sides; its req/s "
    "is the mean of its rounds, p50 their median, p95 and p99 their worst. The ceiling's own "
    "row is its median measurement, and *ceiling req/s alongside* is the mean of the "
    "ceiling rounds beside that page. The sessions come from a "
    "real sign-in, as a browser holds them (with their CSRF token and session-protection "
    "id). *SQL queries* counts the first request to a page (the one that fills the caches) "
    "and, after the slash, a request once warm.",
    "- Analysis dashboard: its body is cached per *data version*, a counter every transaction "
    "that changes ratings, comments, the plan, criteria, groups or invitations raises just "
    "before it commits (`consult/reports/cache.py`); the first request after new input "
    "recomputes it, so numbers are never stale. The benchmark measures the cached case; the "
    "uncached computation over 250,000 ratings takes about 2 s. Strategy details are shown "
    "one chapter at a time.",
    "- Strategy page: its comment cards are cached per worker under the strategy's *discussion "
    "version*, a counter every transaction that changes the thread raises before it commits "
    "(`consult/feedback/thread_cache.py`), with the language and the audience (organisers, "
    "participants, or one participant with pending comments of their own); each reader's "
    "reply/edit/flag controls and CSRF token are put in per request. The fresh comment and "
    "rating forms, and the text with its paragraph counts, are cached under everything they "
    "show. A warm page runs 3 queries: the user; one statement for the consultation with "
    "the reader's membership, the strategy with its section, the criteria and the reader's "
    "ratings; the unread notifications. The ceiling runs the first and the last. "
    "The row *thread not cached* is the same page with these caches switched off: what the "
    "first reader after new input pays, once per worker.",
    "- Exports at 16× base size take about 10 minutes with their data generation, more than "
    "the 10-minute budget of `make bench` allows besides the pages: they are measured by a "
    "separate run, `.venv/bin/python -m bench.run --skip-postgres --export-scales 16`, and "
    "kept in `bench/exports.json` (in the repository), so `make bench` shows them beside "
    "its own 1× and 4× rows with the date each was measured.",
    "- Each gunicorn worker keeps its own dashboard and thread caches, so each worker's first "
    "request after new input recomputes (1-2 s for the dashboard) while other connections "
    "queue behind it; the warm-up keeps that out of the measured run.",
    "- The consultation overview (400 strategies with the reader's progress, and what changed "
    "since the last visit, which it records: a write per request) and the moderation queue "
    "have no target; the overview loads the outline without its texts and finds new comments "
    "through an index on (consultation, time).",
    "- XLSX is the slowest format: XlsxWriter writes cell by cell in pure Python. Its time "
    "grows linearly with the data, and the 20 s limit applies at base size.",
]


def _queries(row: dict) -> str:
    first, warm = row.get("queries", ""), row.get("warm_queries")
    return f"{first} / {warm}" if warm is not None else str(first)


def _page_table(pages: dict) -> list[str]:
    lines = [
        "| page | status | SQL queries | req/s | ceiling req/s alongside | ratio to ceiling "
        "| p50 ms | p95 ms | p99 ms | non-2xx |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in pages.items():
        lines.append(
            f"| {name} | {row.get('status')} | {_queries(row)} | {row.get('rps', '')} | "
            f"{row.get('ceiling_rps', '')} | {row.get('ratio', '')} | {row.get('p50', '')} | "
            f"{row.get('p95', '')} | {row.get('p99', '')} | {row.get('non_2xx', '')} |"
        )
    return lines


def _verdicts(pages: dict) -> list[str]:
    lines = []
    for name, target in TARGETS.items():
        row = pages.get(name, {})
        ratio = row.get("ratio")
        if ratio is None:
            lines.append(f"- {name}: not measured (status {row.get('status')}).")
        elif ratio >= target:
            lines.append(f"- {name}: {ratio} of the ceiling, target ≥ {target}: met.")
        else:
            lines.append(
                f"- {name}: {ratio} of the ceiling, target ≥ {target}: **missed**: "
                f"{MISS_REASONS[name]}."
            )
    return lines


def render(results: dict) -> str:
    out = [
        "# Benchmarks",
        "",
        f"Measured {results['date']} on {results['machine']}.",
        f"Each page: gunicorn with {results['workers']} sync workers on 127.0.0.1, driven by wrk "
        f"for {results['seconds']} s with {results['workers'] * 2} connections, logged in. "
        f"The whole run took {results.get('total_seconds', '?')} s.",
        "",
        "Rerun: `make bench` (options: `.venv/bin/python -m bench.run --help`). Results as JSON "
        "in `bench/results/results.json`.",
        "",
    ]
    for database, block in results["pages"].items():
        data = block["data"]
        out += [
            f"## Pages on {database}",
            "",
            f"Data: {data['participants']:,} participants, {data['comments']:,} comments, "
            f"{data['ratings']:,} ratings, 400 strategies in 20 chapters "
            f"(generated in {data['seconds']} s).",
            "",
            *_page_table(block["pages"]),
            "",
            *_verdicts(block["pages"]),
            "",
        ]
    out += [
        "## Exports (SQLite)",
        "",
        "Each export runs in its own process; peak memory is that process's maximum resident "
        "set size (including Python and the app, about 60-80 MB before any work).",
        "",
        f"The limits ({EXPORT_LIMIT_SECONDS} s, {EXPORT_LIMIT_MB} MB) apply at base size (1×); "
        "larger scales show how the cost grows.",
        "",
        "| scale | comments | ratings | format | seconds | peak MB | size MB | within the limits "
        "| measured |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in results.get("exports", []):
        if "error" in row:
            out.append(
                f"| {row['scale']}× | {row['comments']:,} | {row['ratings']:,} | {row['format']} | "
                f"error: {row['error'][:120]} | | | no | {row.get('date', '')} |"
            )
            continue
        ok = row["seconds"] < EXPORT_LIMIT_SECONDS and row["peak_mb"] < EXPORT_LIMIT_MB
        out.append(
            f"| {row['scale']}× | {row['comments']:,} | {row['ratings']:,} | {row['format']} | "
            f"{row['seconds']} | {row['peak_mb']} | {row['size_mb']} | "
            f"{'—' if row['scale'] != 1 else 'yes' if ok else 'no'} | "
            f"{row.get('date', '')} |"
        )
    out += ["", *_growth(results.get("exports", [])), *_queue(results.get("queue")), *NOTES, ""]
    return "\n".join(out)


def _queue(block: dict | None) -> list[str]:
    """Exports through the task queue, and the strategy page while one runs (bench/queue.py)."""
    if not block:
        return []
    out = [
        "",
        f"## Exports through the task queue (SQLite, {block['scale']}×, "
        f"{block['comments']:,} comments)",
        "",
        "Asked for through the form under gunicorn, made by a `huey_consumer` (one thread, "
        "started for each export); seconds from the request to the file being ready (what the "
        "organiser waits, polling included), memory the worker process's peak.",
        "",
        "| format | state | seconds | worker peak MB |",
        "| --- | --- | --- | --- |",
    ]
    for row in block["exports"]:
        out.append(
            f"| {row['format']} | {row['state']} | {row['seconds']} | {row['worker_peak_mb']} |"
        )
    out += [
        "",
        "Strategy page (500 comments) driven by wrk with 2 connections, at rest and while an "
        "XLSX export of the same data runs on the worker on the same machine:",
        "",
        "| | p50 ms | p95 ms | p99 ms | requests/s | export still running at the end |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, run in block["latency"].items():
        running = run.get("export_still_running")
        shown = (
            ""
            if running is None
            else (
                "yes"
                if running
                else f"no (finished within the run, {run['export_percent_at_end']}%)"
            )
        )
        out.append(
            f"| {name} | {run.get('p50')} | {run.get('p95')} | {run.get('p99')} | "
            f"{run['rps']} | {shown} |"
        )
    return out


def _growth(rows: list[dict]) -> list[str]:
    """Each format's time and peak memory at every scale measured, relative to 1×."""
    measured = [row for row in rows if "error" not in row]
    base = {row["format"]: row for row in measured if row["scale"] == 1}
    if not base:
        return []
    lines = ["How the cost grows, relative to 1×:", ""]
    for fmt, first in base.items():
        steps = [
            f"{row['scale']:g}× data: {row['seconds'] / first['seconds']:.1f}× the time"
            for row in measured
            if row["format"] == fmt and row["scale"] != 1
        ]
        memory = [row["peak_mb"] for row in measured if row["format"] == fmt]
        lines.append(
            f"- {fmt}: {', '.join(steps) or 'only 1× measured'}; "
            f"peak memory {min(memory)}-{max(memory)} MB."
        )
    return [*lines, ""]
