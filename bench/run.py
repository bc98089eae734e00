"""`make bench`: generate a large consultation, load the pages under gunicorn with wrk,
time the exports at growing sizes, and write docs/benchmarks.md.

Everything runs on 127.0.0.1 only and is bounded in time.
"""

import argparse
import http.client
import http.cookies
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from bench.common import bench_app, fresh_schema
from bench.generate import generate

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SECRET = "bench-secret-not-for-production"  # noqa: S105 - local benchmark server only
# Sent by our client and by wrk alike: the session-protection id depends on it.
USER_AGENT = "rembuk-bench"
WARM_UP_SECONDS = 2
ROUNDS = 3  # alternating reference and page runs per page
EXPORT_FORMATS = ["xlsx", "csv", "json"]
# Kept in the repository, so a rerun on a fresh checkout still shows the separate 16× run.
EXPORTS = ROOT / "bench" / "exports.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 with the benchmark app, started and stopped by us."""

    def __init__(self, database_url: str, workers: int, **extra_env: str):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": SECRET, **extra_env}
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "bench.wsgi:app",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def request(self, method: str, path: str, cookie: str = "", extra: tuple = (), **form: str):
        """One request as the benchmark client; returns the response and its body."""
        headers = {"User-Agent": USER_AGENT, "Cookie": f"session={cookie}"}
        headers.update(line.split(": ", 1) for line in extra)
        body = None
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(form)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        return response, content

    def get(self, path: str, cookie: str, extra: tuple = ()) -> tuple[int, int | None, int]:
        response, body = self.request("GET", path, cookie, extra)
        count = response.getheader("X-Query-Count")
        return response.status, int(count) if count else None, len(body)

    def login(self, email: str, password: str) -> str:
        """The session cookie of a real sign-in, as a browser holds it afterwards (with its
        CSRF token and session-protection id, so pages do not rewrite it on every request)."""
        response, body = self.request("GET", "/login")
        cookie = _session_from(response)
        token = CSRF_FIELD.search(body.decode()).group(1)
        response, _body = self.request(
            "POST", "/login", cookie, email=email, password=password, csrf_token=token
        )
        if response.status != 302:
            raise RuntimeError(f"bench login failed for {email}: {response.status}")
        return _session_from(response)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _session_from(response) -> str:
    cookie = http.cookies.SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie.load(header)
    return cookie["session"].value


CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
WRK_LINE = re.compile(r"^\s+(50|95|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$")


def _to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    port: int, path: str, cookie: str, seconds: int, connections: int, headers: tuple = ()
) -> dict:
    """Drive one page with wrk; percentiles from wrk's own latency distribution. headers:
    extra request headers, e.g. ("If-None-Match: ...",) for a conditional request."""
    script = RESULTS / "percentiles.lua"
    script.write_text(
        "done = function(summary, latency, requests)\n"
        "  for _, p in pairs({50, 95, 99}) do\n"
        "    io.write(string.format('  %d%%  %.3fms\\n', p, latency:percentile(p) / 1000))\n"
        "  end\n"
        "  io.write(string.format('non2xx %d\\n', summary.errors.status))\n"
        "end\n"
    )
    output = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            "-H",
            f"Cookie: session={cookie}",
            "-H",
            f"User-Agent: {USER_AGENT}",
            *[part for header in headers for part in ("-H", header)],
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    for line in output.splitlines():
        match = WRK_LINE.match(line)
        if match:
            result[f"p{match.group(1)}"] = round(_to_ms(match.group(2), match.group(3)), 1)
    errors = re.search(r"non2xx (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    result["non_2xx"] = int(errors.group(1)) if errors else 0
    result["socket_errors"] = socket_errors.group(1) if socket_errors else "none"
    return result


def combine_runs(runs: list[dict]) -> dict:
    """Short wrk runs of one page as one: mean throughput, median p50, worst p95 and p99."""
    return {
        "rps": round(statistics.mean(run["rps"] for run in runs), 2),
        "p50": statistics.median(run["p50"] for run in runs),
        "p95": max(run["p95"] for run in runs),
        "p99": max(run["p99"] for run in runs),
        "non_2xx": sum(run["non_2xx"] for run in runs),
        "socket_errors": "; ".join(sorted({run["socket_errors"] for run in runs})),
    }


def measure_against_reference(port, page, reference, seconds, connections):
    """The page and the reference in alternating short runs, so that whatever else the machine
    is doing weighs on both; the ratio is the median of the rounds' ratios."""
    page_runs, reference_runs = [], []
    for _ in range(ROUNDS):
        reference_runs.append(run_wrk(port, *reference, seconds // ROUNDS, connections))
        path, cookie, *headers = page
        page_runs.append(
            run_wrk(port, path, cookie, seconds // ROUNDS, connections, tuple(headers))
        )
    ratios = [p["rps"] / r["rps"] for p, r in zip(page_runs, reference_runs, strict=True)]
    ratio = statistics.median(ratios)
    return combine_runs(page_runs), combine_runs(reference_runs), round(ratio, 2)


# Every page is measured against this static file, served by the same gunicorn.
REFERENCE = "static stylesheet"


def bench_pages_of(info: dict) -> list[tuple[str, str, str]]:
    """(name, path, role) of each page measured: the reference first."""
    cid, heavy = info["consultation_id"], info["heavy_strategy_id"]
    strategy = f"/c/{cid}/strategies/{heavy}"
    return [
        (REFERENCE, "/static/css/rembuk.css", "participant"),
        ("base page (no data)", "/bench/ceiling", "participant"),
        ("consultation overview", f"/c/{cid}", "participant"),
        ("strategy page (500 comments)", strategy, "participant"),
        (
            "strategy page with a reply form",
            f"{strategy}?reply_to={info['reply_to_comment_id']}",
            "participant",
        ),
        ("my input", "/my-input", "participant"),
        ("moderation queue", f"/moderation?consultation={cid}", "organiser"),
        ("analysis dashboard", f"/c/{cid}/analysis", "organiser"),
        # The same strategy on its public page, for a reader who is not signed in: without a
        # conditional request (rendered), and with one (answered 304 Not Modified).
        ("public strategy page (anonymous)", f"/p/{cid}/strategies/{heavy}", "anonymous"),
        (
            "public strategy page (anonymous, 304)",
            f"/p/{cid}/strategies/{heavy}",
            "anonymous-conditional",
        ),
    ]


def make_public(consultation_id: int) -> None:
    """The bench consultation opened to the public (the anonymous rows need it)."""
    from consult.extensions import db
    from consult.plans.models import Consultation, Visibility

    db.session.get(Consultation, consultation_id).visibility = Visibility.INPUT
    db.session.commit()


def request_headers(server, path: str, role: str) -> tuple[str, ...]:
    """Extra headers of a role: a conditional request carries the page's current ETag."""
    if role != "anonymous-conditional":
        return ()
    response, _body = server.request("GET", path)
    return (f"If-None-Match: {response.getheader('ETag')}",)


def bench_pages(
    label: str, database_url: str, seconds: int, workers: int, only: tuple[str, ...] = ()
) -> dict:
    app = bench_app(database_url, SECRET_KEY=SECRET)
    with app.app_context():
        fresh_schema()
        info = generate(1.0)
        make_public(info["consultation_id"])
    results = {"data": info, "pages": {}}
    server = Server(database_url, workers)
    try:
        # Signed in once; the same secret makes the sessions good on every server.
        cookies = {
            role: server.login(info[f"{role}_email"], info["password"])
            for role in ("participant", "organiser")
        }
        (_name, reference_path, _role), *pages = bench_pages_of(info)
        reference = (reference_path, cookies["participant"])
        reference_runs = []
        for name, path, role in pages:
            if only and not any(word in name for word in only):
                continue
            cookie = cookies.get(role, "")  # the anonymous have no session
            headers = request_headers(server, path, role)
            status, queries, size = server.get(path, cookie, headers)
            row = {"path": path, "status": status, "queries": queries, "bytes": size}
            if status in (200, 304):
                # Steady use: every worker has compiled the templates (the first request
                # above reached only one of them) and the dashboard is computed.
                run_wrk(server.port, path, cookie, WARM_UP_SECONDS, workers * 2, headers)
                row["warm_queries"] = server.get(path, cookie, headers)[1]
                page, ref, ratio = measure_against_reference(
                    server.port, (path, cookie, *headers), reference, seconds, workers * 2
                )
                reference_runs.append(ref)
                row.update(page, ratio=ratio, reference_rps=ref["rps"])
            results["pages"][name] = row
            print(label, name, row, flush=True)
        status, queries, size = server.get(*reference)
    finally:
        server.stop()
    # The reference's own row: the median of its measurements alongside each page.
    median = sorted(reference_runs, key=lambda run: run["rps"])[len(reference_runs) // 2]
    reference_row = {"path": reference_path, "status": status, "queries": queries}
    reference_row.update(bytes=size, warm_queries=queries, **median, ratio=1.0)
    results["pages"] = {REFERENCE: reference_row, **results["pages"]}
    return results


def bench_exports(database_url: str, scales: list[float]) -> list[dict]:
    rows = []
    for scale in scales:
        app = bench_app(database_url)
        with app.app_context():
            fresh_schema()
            info = generate(scale)
        for fmt in EXPORT_FORMATS:
            completed = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.export_one",
                    "--database-url",
                    database_url,
                    "--consultation",
                    str(info["consultation_id"]),
                    "--format",
                    fmt,
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if completed.returncode != 0:
                row = {"scale": scale, "format": fmt, "error": completed.stderr.strip()[-300:]}
            else:
                row = {
                    "scale": scale,
                    "format": fmt,
                    **json.loads(completed.stdout.splitlines()[-1]),
                }
            row.update(comments=info["comments"], ratings=info["ratings"])
            rows.append(row)
            print("export", row, flush=True)
    return rows


def merge_exports(rows: list[dict], date: str) -> list[dict]:
    """This run's export rows with those of earlier runs at other scales (16× does not fit in
    a 10-minute run, so it is measured on its own), each row dated."""
    saved = EXPORTS
    earlier = json.loads(saved.read_text()) if saved.exists() else []
    measured = {row["scale"] for row in rows}
    merged = [row for row in earlier if row["scale"] not in measured]
    merged += [{**row, "date": date} for row in rows]
    # Formats no longer measured here (the Word report became an official document) keep their
    # earlier rows, after the others.
    order = {fmt: position for position, fmt in enumerate(EXPORT_FORMATS)}
    merged.sort(key=lambda row: (row["scale"], order.get(row["format"], len(order))))
    saved.write_text(json.dumps(merged, indent=2))
    return merged


def write_report(results: dict, path: Path) -> None:
    from bench.report import render

    path.write_text(render(results))
    print(f"Wrote {path}")


def machine_description() -> str:
    memory = ""
    if Path("/proc/meminfo").exists():
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB RAM"
    cpu = platform.processor() or platform.machine()
    python = platform.python_version()
    return f"{os.cpu_count()} cores ({cpu}){memory}, {platform.platform()}, Python {python}"


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Rembuk benchmarks")
    parser.add_argument(
        "--seconds", type=int, default=6, help=f"wrk time per page, in {ROUNDS} rounds"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--export-scales", default="1,4", help="16× fits no 10-minute run: --export-scales 16"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/rembuk_bench"
        ),
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--queue-scale",
        type=float,
        default=float(os.environ.get("BENCH_QUEUE_SCALE", "16")),
        help="size of the exports through the task queue: 16 (800,000 comments, the issue's "
        "case; about 10 minutes) unless BENCH_QUEUE_SCALE or this option says otherwise",
    )
    parser.add_argument("--skip-queue", action="store_true")
    parser.add_argument(
        "--pages", default="", help="only pages whose name holds one of these comma-separated words"
    )
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    return parser.parse_args(argv)


def main() -> None:
    args = arguments()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    sqlite_url = f"sqlite:///{RESULTS / 'bench.sqlite'}"
    only = tuple(word for word in args.pages.split(",") if word)
    results = {
        "machine": machine_description(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "seconds": args.seconds,
        "workers": args.workers,
        "pages": {"SQLite": bench_pages("SQLite", sqlite_url, args.seconds, args.workers, only)},
    }
    if not args.skip_postgres:
        from bench.postgres import ensure_database

        ensure_database(args.postgres_url)
        results["pages"]["PostgreSQL"] = bench_pages(
            "PostgreSQL", args.postgres_url, args.seconds, args.workers, only
        )
    scales = [] if args.skip_exports else [float(s) for s in args.export_scales.split(",") if s]
    results["exports"] = merge_exports(bench_exports(sqlite_url, scales), results["date"])
    if not args.skip_queue:
        from bench.queue import bench_queue

        results["queue"] = bench_queue(sqlite_url, args.queue_scale, args.seconds, args.workers)
    results["total_seconds"] = round(time.monotonic() - started)
    (RESULTS / "results.json").write_text(json.dumps(results, indent=2, default=str))
    write_report(results, Path(args.output))


if __name__ == "__main__":
    main()
