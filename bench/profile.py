"""Time and profile single requests in process, on benchmark data, to see where a page spends
its time (no server, no wrk: steadier than `make bench` on a busy machine).

    python -m bench.profile --database-url sqlite:///bench/results/prof.sqlite --generate
    python -m bench.profile --database-url sqlite:///bench/results/prof.sqlite \
        --page strategy --profile

Prints, per page: milliseconds per request, wall (median) and CPU (the least of --repeat runs
after a warm-up: what a busy machine disturbs least); the Python function calls of one request
(which it does not disturb at all); the SQL statements. --profile adds a pyinstrument tree,
--cprofile the costliest functions in CPU time.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

from sqlalchemy import event

from bench.common import bench_app, fresh_schema
from bench.generate import BENCH_PASSWORD, generate
from consult.extensions import db

INFO = Path(__file__).resolve().parent / "results" / "profile-data.json"


def pages(info: dict) -> dict[str, tuple[str, str]]:
    """Page name: (path, role)."""
    from bench.run import bench_pages_of

    names = [
        "static", "base", "overview", "strategy", "reply", "my-input", "queue", "analysis",
        "public", "public-304",
    ]
    return dict(
        zip(names, [(path, role) for _name, path, role in bench_pages_of(info)], strict=True)
    )


def prepare(database_url: str) -> dict:
    from bench.run import make_public

    app = bench_app(database_url, SECRET_KEY="profile")
    with app.app_context():
        fresh_schema()
        info = generate(1.0)
        make_public(info["consultation_id"])  # the public rows read it as the anonymous
    INFO.parent.mkdir(parents=True, exist_ok=True)
    INFO.write_text(json.dumps(info, default=str))
    return info


def signed_in_client(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": BENCH_PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"sign-in failed for {email}: {response.status_code}")
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--generate", action="store_true", help="build the data first")
    parser.add_argument("--page", action="append", help="page names (default: all)")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="a pyinstrument tree per page")
    parser.add_argument(
        "--cprofile", action="store_true", help="cProfile in CPU time: the costliest functions"
    )
    parser.add_argument(
        "--parts",
        action="store_true",
        help="one request's Python calls by the template or service function they run under",
    )
    args = parser.parse_args()
    info = prepare(args.database_url) if args.generate else json.loads(INFO.read_text())
    app = bench_app(
        args.database_url, SECRET_KEY="profile", WTF_CSRF_ENABLED=False, BENCH_MODE=True
    )
    clients = {
        role: signed_in_client(app, info[f"{role}_email"]) for role in ("participant", "organiser")
    }
    clients["anonymous"] = app.test_client()
    clients["anonymous-conditional"] = ConditionalClient(app.test_client())
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for name, (path, role) in pages(info).items():
        if args.page and name not in args.page:
            continue
        client = clients[role]
        for _ in range(3):
            response = client.get(path)
            response.close()
        statements.clear()
        response = client.get(path)
        response.close()
        queries = len(statements)
        times, cpu_times = [], []
        for _ in range(args.repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(path)
            response.get_data()
            response.close()
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu_started) * 1000)
        print(
            f"{name:10} {response.status_code} {statistics.median(times):7.2f} ms "
            f"(CPU min {min(cpu_times):6.2f} ms, {python_calls(client, path):6} calls) "
            f"{queries:3} queries {len(response.get_data()):8} bytes  {path}",
            flush=True,
        )
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            with profiler:
                for _ in range(5):
                    client.get(path).close()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.cprofile:
            cpu_profile(client, path)
        if args.parts:
            calls_by_part(client, path)


class ConditionalClient:
    """An anonymous reader whose GET carries the ETag of its first answer (If-None-Match)."""

    def __init__(self, client):
        self.client, self.etags = client, {}

    def get(self, path: str):
        if path not in self.etags:
            response = self.client.get(path)
            self.etags[path] = response.headers.get("ETag", "")
            response.close()
        return self.client.get(path, headers={"If-None-Match": self.etags[path]})


# Service functions a request's calls are attributed to when they run under one (templates
# are recognised by their file name).
PARTS = {
    "comment_thread",
    "neighbours_of",
    "load_strategy_page",
    "unread_count",
    "load_user",
    "plan_structure",
    "changes_since",
    "my_input",
    "page_validators",
    "_load",
    "_item",
}


def calls_by_part(client, path: str) -> None:
    """Python function calls of one request (C calls not counted), each attributed to the
    innermost template or PARTS function it runs under: where a page's work is."""
    import sys
    from collections import Counter

    counts: Counter = Counter()

    def attribute(frame, event, _arg):
        if event != "call":
            return
        while frame is not None:
            code = frame.f_code
            if code.co_filename.endswith(".html"):
                counts["template " + code.co_filename.split("templates/")[-1]] += 1
                return
            if code.co_name in PARTS:
                counts[code.co_name] += 1
                return
            frame = frame.f_back
        counts["request handling"] += 1

    sys.setprofile(attribute)
    try:
        client.get(path).close()
    finally:
        sys.setprofile(None)
    print(f"  {sum(counts.values())} Python calls:")
    for part, number in counts.most_common(15):
        print(f"  {number:8} {part}")


def python_calls(client, path: str) -> int:
    """Python function calls in one request: steady on a busy machine, unlike its time."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(lambda: client.get(path).close())
    return pstats.Stats(profiler).total_calls


def cpu_profile(client, path: str, requests: int = 20) -> None:
    """The functions that take the most CPU time (not wall time: the machine may be busy)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        client.get(path).close()
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    print(f"per request, over {requests} requests:")
    stats.sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
