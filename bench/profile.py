"""Time and profile single requests in process, on benchmark data, to see where a page spends
its time (no server, no wrk: steadier than `make bench` on a busy machine).

    python -m bench.profile --database-url sqlite:///bench/results/prof.sqlite --generate
    python -m bench.profile --database-url sqlite:///bench/results/prof.sqlite \
        --page strategy --profile

Prints milliseconds per request, wall and CPU (the medians of --repeat runs after a warm-up:
CPU time is what a shared machine disturbs least) and the number
of SQL statements of each page; --profile adds a pyinstrument call tree of one request.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

from sqlalchemy import event, select

from bench.common import bench_app, fresh_schema
from bench.generate import BENCH_PASSWORD, generate
from consult.extensions import db

INFO = Path(__file__).resolve().parent / "results" / "profile-data.json"


def pages(info: dict) -> dict[str, tuple[str, str]]:
    """Page name: (path, role)."""
    cid, heavy = info["consultation_id"], info["heavy_strategy_id"]
    return {
        "static": ("/static/css/rembuk.css", "participant"),
        "ceiling": ("/bench/ceiling", "participant"),
        "overview": (f"/c/{cid}", "participant"),
        "strategy": (f"/c/{cid}/strategies/{heavy}", "participant"),
        "reply": (f"/c/{cid}/strategies/{heavy}?reply_to={info['reply_to']}", "participant"),
        "my-input": ("/my-input", "participant"),
        "queue": (f"/moderation?consultation={cid}", "organiser"),
        "analysis": (f"/c/{cid}/analysis", "organiser"),
    }


def prepare(database_url: str) -> dict:
    app = bench_app(database_url, SECRET_KEY="profile")
    with app.app_context():
        fresh_schema()
        info = generate(1.0)
        info["reply_to"] = first_comment(info)
    INFO.parent.mkdir(parents=True, exist_ok=True)
    INFO.write_text(json.dumps(info, default=str))
    return info


def first_comment(info: dict) -> int:
    from consult.feedback.models import Comment

    return db.session.scalar(
        select(Comment.id)
        .where(Comment.strategy_id == info["heavy_strategy_id"], Comment.parent_id.is_(None))
        .order_by(Comment.created_at, Comment.id)
    )


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
    args = parser.parse_args()
    info = prepare(args.database_url) if args.generate else json.loads(INFO.read_text())
    app = bench_app(
        args.database_url, SECRET_KEY="profile", WTF_CSRF_ENABLED=False, BENCH_MODE=True
    )
    clients = {
        role: signed_in_client(app, info[f"{role}_email"]) for role in ("participant", "organiser")
    }
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
            f"(CPU {statistics.median(cpu_times):6.2f} ms) "
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


if __name__ == "__main__":
    main()
