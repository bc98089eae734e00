"""Load test: simulated participants comment on and rate strategies, then every acknowledged
comment is looked up in the database.

Two steps, both run with the same DATABASE_URL (and REMBUK_CONFIG) as the server under test:

    .venv/bin/python scripts/loadtest.py setup --participants 50
    .venv/bin/python scripts/loadtest.py run --base-url http://127.0.0.1:8000 \
        --participants 50 --duration 60 --max-requests 20000

`setup` creates the participant accounts (loadtest-<n>@example.org) and their memberships in a
consultation whose input window is open (the demo consultation by default). `run` logs each one
in through the real login form, then loops: GET a strategy page, take its CSRF token, POST a
comment carrying a unique marker, POST a rating. It stops at --duration seconds or
--max-requests requests, whichever comes first, reports requests/s, latency percentiles and
status codes, and finally checks in the database that every comment the server acknowledged
(2xx/3xx) was stored. Exit status 1 if any is missing or any request failed.

It starts nothing itself (no server, no database): see docs/loadtest.md. Only loopback
targets (127.0.0.1) are accepted, so it cannot be pointed at someone else's server.
Standard library only: threads, http.client and a small cookie jar.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ALLOWED_HOSTS = {"127.0.0.1"}
MAX_DURATION = 600
MAX_REQUESTS = 200_000
MAX_PARTICIPANTS = 500
DEFAULT_PASSWORD = "loadtest-only-password-2042"  # noqa: S105 - local test accounts
EMAIL_PATTERN = "loadtest-{n}@example.org"
_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
_VALUE = re.compile(r'value="([^"]+)"')
_MARKER = re.compile(r"LT-[0-9a-f]{8}-\d+-\d+")


# --- setup and verification: through the app factory, on the server's database --------------


def _app():
    from consult import create_app

    return create_app()


def _pick_consultation(consultation_id: int | None):
    from sqlalchemy import select

    from consult.extensions import db
    from consult.plans.models import Consultation
    from consult.timeutil import utcnow

    if consultation_id:
        consultation = db.session.get(Consultation, consultation_id)
        if consultation is None:
            sys.exit(f"No consultation {consultation_id}.")
        return consultation
    now = utcnow()
    for consultation in db.session.scalars(select(Consultation).order_by(Consultation.id)):
        if consultation.phase_at(now) is not None:
            return consultation
    sys.exit("No consultation has an open input window; seed the demo or pass --consultation-id.")


def setup(args: argparse.Namespace) -> None:
    """Create (or reuse) the participant accounts and their memberships."""
    from sqlalchemy import select

    from consult.auth.models import Role, StakeholderGroup, User
    from consult.auth.passwords import hash_password
    from consult.extensions import db
    from consult.plans.models import Membership
    from consult.timeutil import utcnow

    app = _app()
    with app.app_context():
        consultation = _pick_consultation(args.consultation_id)
        groups = list(db.session.scalars(select(StakeholderGroup).order_by(StakeholderGroup.id)))
        password_hash = hash_password(args.password)
        created = 0
        for n in range(1, args.participants + 1):
            email = EMAIL_PATTERN.format(n=n)
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=f"Load test {n}", role=Role.PARTICIPANT)
                user.group = groups[n % len(groups)] if groups else None
                db.session.add(user)
                created += 1
            user.password_hash = password_hash
            user.failed_logins = 0
            user.locked_until = None
            db.session.flush()
            member = db.session.scalar(
                select(Membership).where(
                    Membership.consultation_id == consultation.id, Membership.user_id == user.id
                )
            )
            if member is None:
                db.session.add(Membership(consultation_id=consultation.id, user_id=user.id))
        db.session.commit()
        phase = consultation.phase_at(utcnow())
        print(
            f"Consultation {consultation.id} ({consultation.title!r}), open phase: {phase}. "
            f"{args.participants} participants ready ({created} new), "
            f"password {args.password!r}."
        )


@dataclass
class Plan:
    consultation_id: int
    strategy_ids: list[int]
    criterion_ids: list[int]


def load_plan(consultation_id: int | None) -> Plan:
    from sqlalchemy import select

    from consult.extensions import db
    from consult.plans.models import Chapter, Criterion, Section, Strategy

    app = _app()
    with app.app_context():
        consultation = _pick_consultation(consultation_id)
        strategy_ids = list(
            db.session.scalars(
                select(Strategy.id)
                .join(Section)
                .join(Chapter)
                .where(Chapter.consultation_id == consultation.id)
            )
        )
        criterion_ids = list(
            db.session.scalars(
                select(Criterion.id).where(Criterion.consultation_id == consultation.id)
            )
        )
        db.engine.dispose()
    if not strategy_ids:
        sys.exit(f"Consultation {consultation.id} has no strategies.")
    return Plan(consultation.id, strategy_ids, criterion_ids)


def stored_markers(run_id: str) -> set[str]:
    """The markers of this run's comments that are in the database."""
    from sqlalchemy import select

    from consult.extensions import db
    from consult.feedback.models import Comment

    app = _app()
    with app.app_context():
        bodies = db.session.scalars(
            select(Comment.body).where(Comment.body.like(f"%LT-{run_id}-%"))
        )
        found = {marker for body in bodies for marker in _MARKER.findall(body)}
        db.engine.dispose()
    return found


# --- the simulated participants -----------------------------------------------------------


class Client:
    """One participant's browser: a keep-alive connection and a cookie jar."""

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        body = urlencode(form).encode() if form is not None else None
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "rembuk-loadtest"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    self.host, self.port, timeout=self.timeout
                )
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        for header in response.msg.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return (
            response.status,
            response.getheader("Location") or "",
            content.decode("utf-8", "replace"),
        )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def csrf_token(page: str) -> str | None:
    tag = _CSRF.search(page)
    value = _VALUE.search(tag.group(0)) if tag else None
    return value.group(1) if value else None


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)
    requests: int = 0

    def add(self, kind: str, seconds: float, status: int | str) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[(kind, status)] += 1
            if not (isinstance(status, int) and 200 <= status < 400):
                self.errors[(kind, status)] += 1


class Budget:
    """Shared stop condition: a deadline and a request count."""

    def __init__(self, duration: float, max_requests: int):
        self.deadline = time.monotonic() + duration
        self.remaining = max_requests
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.remaining <= 0 or time.monotonic() >= self.deadline:
                return False
            self.remaining -= 1
            return True


def timed(client: Client, results: Results, kind: str, method: str, path: str, form=None):
    started = time.perf_counter()
    try:
        status, location, page = client.request(method, path, form)
    except (OSError, http.client.HTTPException) as error:
        results.add(kind, time.perf_counter() - started, type(error).__name__)
        client.close()
        client.connection = None
        return None, "", ""
    results.add(kind, time.perf_counter() - started, status)
    return status, location, page


def participant(n: int, args, plan: Plan, run_id: str, budget: Budget, results: Results) -> None:
    host, port = args.target
    client = Client(host, port, args.timeout)
    rng = random.Random(f"{run_id}-{n}")  # noqa: S311 - test data, not security
    try:
        if not budget.take():
            return
        _, _, page = timed(client, results, "login_form", "GET", "/login")
        token = csrf_token(page or "")
        if not budget.take():
            return
        status, location, _ = timed(
            client,
            results,
            "login",
            "POST",
            "/login",
            {"email": EMAIL_PATTERN.format(n=n), "password": args.password, "csrf_token": token},
        )
        if status != 302 or "/login" in location:
            with results.lock:
                results.errors[("login", "refused")] += 1
            return
        sequence = 0
        while budget.take():
            strategy_id = rng.choice(plan.strategy_ids)
            base = f"/c/{plan.consultation_id}/strategies/{strategy_id}"
            _, _, page = timed(client, results, "strategy_page", "GET", base)
            token = csrf_token(page or "")
            if token is None or not budget.take():
                continue
            sequence += 1
            marker = f"LT-{run_id}-{n}-{sequence}"
            status, _, _ = timed(
                client,
                results,
                "comment",
                "POST",
                f"{base}/comments",
                {
                    "csrf_token": token,
                    "type": "other",
                    "body": f"Load test comment {marker}: usulan uji beban.",
                    "submission_key": uuid.uuid4().hex,
                },
            )
            if status is not None and 200 <= status < 400:
                with results.lock:
                    results.acknowledged.add(marker)
            if not plan.criterion_ids or not budget.take():
                continue
            ratings = {f"criterion_{cid}": str(rng.randint(1, 5)) for cid in plan.criterion_ids}
            timed(
                client,
                results,
                "rating",
                "POST",
                f"{base}/ratings",
                {"csrf_token": token, **ratings},
            )
    finally:
        client.close()


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def report(results: Results, elapsed: float, missing: set[str], found: int) -> str:
    lines = []
    total = sum(len(values) for values in results.latencies.values())
    lines.append(f"requests: {total} in {elapsed:.1f} s = {total / elapsed:.1f} requests/s")
    lines.append(
        f"{'kind':<14} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    everything = []
    for kind, values in sorted(results.latencies.items()):
        ordered = sorted(values)
        everything.extend(ordered)
        lines.append(_row(kind, ordered))
    lines.append(_row("all", sorted(everything)))
    lines.append(
        "status codes: "
        + ", ".join(
            f"{kind} {status}: {count}"
            for (kind, status), count in sorted(results.statuses.items(), key=str)
        )
    )
    errors = sum(results.errors.values())
    lines.append(
        f"errors: {errors}"
        + (
            " (" + ", ".join(f"{k} {s}: {c}" for (k, s), c in results.errors.items()) + ")"
            if errors
            else ""
        )
    )
    lines.append(
        f"comments acknowledged: {len(results.acknowledged)}, found in the database: {found}, "
        f"missing: {len(missing)}"
    )
    if missing:
        lines.append("missing markers: " + ", ".join(sorted(missing)[:20]))
    return "\n".join(lines)


def _row(kind: str, ordered: list[float]) -> str:
    if not ordered:
        return f"{kind:<14} {0:>6}"
    p50, p95, p99 = (percentile(ordered, f) * 1000 for f in (0.50, 0.95, 0.99))
    slowest = ordered[-1] * 1000
    return f"{kind:<14} {len(ordered):>6} {p50:>8.1f} {p95:>8.1f} {p99:>8.1f} {slowest:>8.1f}"


def run(args: argparse.Namespace) -> int:
    plan = load_plan(args.consultation_id)
    run_id = uuid.uuid4().hex[:8]
    results = Results()
    budget = Budget(args.duration, args.max_requests)
    print(
        f"Run {run_id}: {args.participants} participants against {args.base_url}, consultation "
        f"{plan.consultation_id} ({len(plan.strategy_ids)} strategies), at most "
        f"{args.duration:.0f} s / {args.max_requests} requests."
    )
    threads = [
        threading.Thread(
            target=participant, args=(n, args, plan, run_id, budget, results), daemon=True
        )
        for n in range(1, args.participants + 1)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(args.duration + 2 * args.timeout)
    elapsed = time.perf_counter() - started
    found = stored_markers(run_id)
    missing = results.acknowledged - found
    print(report(results, elapsed, missing, len(found & results.acknowledged)))
    return 1 if missing or results.errors else 0


# --- command line -------------------------------------------------------------------------


def loopback_target(base_url: str) -> tuple[str, int]:
    """(host, port) of a http://127.0.0.1:PORT URL; anything else is refused."""
    parts = urlsplit(base_url)
    if parts.scheme != "http" or parts.hostname not in ALLOWED_HOSTS:
        raise argparse.ArgumentTypeError(
            f"refusing {base_url!r}: only http://127.0.0.1:<port> (this machine) may be tested"
        )
    return parts.hostname, parts.port or 80


def bounded(maximum: float, kind=int):
    def parse(value: str):
        number = kind(value)
        if not 0 < number <= maximum:
            raise argparse.ArgumentTypeError(f"must be between 1 and {maximum}")
        return number

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("setup", "run"):
        sub = commands.add_parser(name)
        sub.add_argument(
            "--participants", type=bounded(MAX_PARTICIPANTS), default=20, help="simulated users"
        )
        sub.add_argument("--consultation-id", type=int, default=None)
        sub.add_argument("--password", default=DEFAULT_PASSWORD)
    run_parser = commands.choices["run"]
    run_parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    run_parser.add_argument(
        "--duration", type=bounded(MAX_DURATION, float), default=30.0, help="seconds, at most"
    )
    run_parser.add_argument(
        "--max-requests", type=bounded(MAX_REQUESTS), default=5000, help="requests, at most"
    )
    run_parser.add_argument("--timeout", type=bounded(60, float), default=15.0)
    args = parser.parse_args(argv)
    if args.command == "setup":
        setup(args)
        return 0
    try:
        args.target = loopback_target(args.base_url)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
