"""Load test: simulated participants comment on and rate strategies; afterwards every comment
and every rating the server acknowledged is looked up in the database and in an export.

Two steps, both run with the same DATABASE_URL (and REMBUK_CONFIG) as the server under test:

    .venv/bin/python scripts/loadtest.py setup --participants 200
    .venv/bin/python scripts/loadtest.py run --base-url http://127.0.0.1:8000 \
        --participants 200 --duration 60 --max-requests 100000

`setup` creates the participant accounts (loadtest-<n>@example.org) and their memberships in a
consultation whose input window is open (the demo consultation by default). `run` logs each one
in through the real login form, then loops: GET a strategy page, take its CSRF token, POST a
comment carrying a unique marker, POST ratings for every criterion. It stops at --duration
seconds or --max-requests requests, whichever comes first, and reports requests/s, latency
percentiles and status codes. Then it counts, in the database and in a JSON export made by the
app's own export service:
- every comment acknowledged (2xx/3xx) must be stored, and be in the export;
- for every participant, strategy and criterion, the stored rating must be the last value the
  server acknowledged (or that of a later attempt whose answer was lost: a request cut off by
  a fault may still have been saved, and is counted apart);
- the export's rating counts per strategy, criterion, phase and value must equal those before
  the run, minus the participants' earlier ratings, plus their ratings now.
Exit status 1 if anything acknowledged is missing, or (without --allow-errors) any request failed.

It starts nothing itself (no server, no database): see docs/loadtest.md, or scripts/faults.py,
which starts a throwaway stack and runs this under faults. Only loopback targets (127.0.0.1)
are accepted, so it cannot be pointed at someone else's server. Standard library only:
threads, http.client and a small cookie jar.
"""

from __future__ import annotations

import argparse
import http.client
import json
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
_EMAIL_NUMBER = re.compile(r"^loadtest-(\d+)@example\.org$")
CANNOT_JUDGE = "na"  # the rating form's "cannot judge" choice


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
    criteria: list[tuple[int, str, int]]  # (id, key, scale_max)
    phase: str | None

    @property
    def criterion_ids(self) -> list[int]:
        return [criterion_id for criterion_id, _key, _scale in self.criteria]


def load_plan(consultation_id: int | None) -> Plan:
    from sqlalchemy import select

    from consult.extensions import db
    from consult.plans.models import Chapter, Criterion, Section, Strategy
    from consult.timeutil import utcnow

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
        criteria = [
            (c.id, c.key, c.scale_max)
            for c in db.session.scalars(
                select(Criterion)
                .where(Criterion.consultation_id == consultation.id)
                .order_by(Criterion.position)
            )
        ]
        phase = consultation.phase_at(utcnow())
        db.engine.dispose()
    if not strategy_ids:
        sys.exit(f"Consultation {consultation.id} has no strategies.")
    return Plan(consultation.id, strategy_ids, criteria, phase.value if phase else None)


# (participant number, strategy id, criterion id, phase) -> value (None: cannot judge)
RatingKey = tuple[int, int, int, str]


@dataclass
class Snapshot:
    """What the database and a fresh export hold about the load test's input."""

    ratings: dict[RatingKey, int | None]
    export_cells: dict[tuple[int, str, str], Counter]  # (strategy, criterion key, phase)
    export_markers: set[str]


def snapshot(plan: Plan, run_id: str | None) -> Snapshot:
    """Read the load test participants' ratings, and make a JSON export through the app."""
    from sqlalchemy import select

    from consult.auth.models import User
    from consult.extensions import db
    from consult.feedback.models import Rating
    from consult.plans.models import Consultation
    from consult.reports.exports import ExportFilters, run_export

    app = _app()
    with app.app_context():
        ratings: dict[RatingKey, int | None] = {}
        rows = db.session.execute(
            select(User.email, Rating.strategy_id, Rating.criterion_id, Rating.phase, Rating.value)
            .join(User, Rating.user_id == User.id)
            .where(Rating.consultation_id == plan.consultation_id, User.email.like("loadtest-%"))
        )
        for email, strategy_id, criterion_id, phase, value in rows:
            number = _EMAIL_NUMBER.match(email)
            if number:
                key = (int(number.group(1)), strategy_id, criterion_id, str(phase.value))
                ratings[key] = value
        consultation = db.session.get(Consultation, plan.consultation_id)
        result = run_export("json", consultation, ExportFilters(), actor=None)
        db.session.commit()  # the export's audit entry, as for any export
        try:
            document = json.loads(result.path.read_text(encoding="utf-8"))
        finally:
            result.path.unlink(missing_ok=True)
        db.engine.dispose()
    cells = {}
    for cell in document["summary"]:
        counts = Counter({value: n for value, n in enumerate(cell["distribution"], start=1) if n})
        if cell["cannot_judge"]:
            counts[None] = cell["cannot_judge"]
        cells[(cell["strategy_id"], cell["criterion"], cell["phase"])] = counts
    markers = set()
    if run_id:
        for comment in document["comments"]:
            markers.update(m for m in _MARKER.findall(comment["body"]) if f"LT-{run_id}-" in m)
    return Snapshot(ratings, cells, markers)


def stored_markers(run_id: str) -> Counter:
    """How many comments in the database carry each marker of this run (more than 1: a
    duplicate, which the double-submit protection must prevent)."""
    from sqlalchemy import select

    from consult.extensions import db
    from consult.feedback.models import Comment

    app = _app()
    with app.app_context():
        bodies = db.session.scalars(
            select(Comment.body).where(Comment.body.like(f"%LT-{run_id}-%"))
        )
        found = Counter(marker for body in bodies for marker in _MARKER.findall(body))
        db.engine.dispose()
    return found


# --- the simulated participants -----------------------------------------------------------


class Client:
    """One participant's browser: a keep-alive connection and a cookie jar."""

    def __init__(self, host: str, port: int, timeout: float):
        self.host, self.port, self.timeout = host, port, timeout
        self.connection: http.client.HTTPConnection | None = None
        self.cookies: dict[str, str] = {}
        self.reconnects = 0

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
                # The server closed an idle keep-alive connection: reconnect once. (A POST
                # resent this way is the "retried POST" the app must not duplicate.)
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
                self.reconnects += 1
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
    # (participant, strategy) -> every rating attempt in order: (values, acknowledged)
    rating_attempts: dict[tuple[int, int], list[tuple[dict[int, int | None], bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    retries: int = 0

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


def pause(seconds: float, budget: Budget) -> None:
    """Think time, cut short at the deadline."""
    if seconds > 0:
        time.sleep(max(0.0, min(seconds, budget.deadline - time.monotonic())))


def rating_choice(rng: random.Random, scale_max: int) -> str:
    return CANNOT_JUDGE if rng.random() < 0.1 else str(rng.randint(1, scale_max))


def participant(n: int, args, plan: Plan, run_id: str, budget: Budget, results: Results) -> None:
    host, port = args.target
    client = Client(host, port, args.timeout)
    rng = random.Random(f"{run_id}-{n}")  # noqa: S311 - test data, not security

    def think() -> None:
        pause(rng.uniform(0.5, 1.5) * args.think, budget)

    try:
        pause((n - 1) / args.participants * args.ramp_up, budget)  # logins spread out
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
            think()
            strategy_id = rng.choice(plan.strategy_ids)
            base = f"/c/{plan.consultation_id}/strategies/{strategy_id}"
            _, _, page = timed(client, results, "strategy_page", "GET", base)
            token = csrf_token(page or "")
            if token is None:
                continue
            think()
            if not budget.take():
                break
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
            if not plan.criteria or plan.phase is None or not budget.take():
                continue
            choices = {cid: rating_choice(rng, scale) for cid, _key, scale in plan.criteria}
            status, _, _ = timed(
                client,
                results,
                "rating",
                "POST",
                f"{base}/ratings",
                {"csrf_token": token, **{f"criterion_{c}": v for c, v in choices.items()}},
            )
            values = {c: None if v == CANNOT_JUDGE else int(v) for c, v in choices.items()}
            acknowledged = status is not None and 200 <= status < 400
            with results.lock:
                results.rating_attempts[(n, strategy_id)].append((values, acknowledged))
    finally:
        with results.lock:
            results.retries += client.reconnects
        client.close()


# --- verification: counted, not assumed ------------------------------------------------------


@dataclass
class RatingCheck:
    posts_acknowledged: int = 0
    values_acknowledged: int = 0
    keys: int = 0  # (participant, strategy, criterion) with an acknowledged value
    exact: int = 0  # stored value == last acknowledged value
    later_attempt: int = 0  # stored value == a later attempt whose answer was lost
    lost: list[str] = field(default_factory=list)


def check_ratings(plan: Plan, results: Results, stored: dict[RatingKey, int | None]):
    """Compare each stored rating with the last value the server acknowledged."""
    check = RatingCheck()
    for (n, strategy_id), attempts in sorted(results.rating_attempts.items()):
        acked = [i for i, (_values, ok) in enumerate(attempts) if ok]
        check.posts_acknowledged += len(acked)
        check.values_acknowledged += sum(len(attempts[i][0]) for i in acked)
        if not acked:
            continue
        last = acked[-1]
        for criterion_id, expected in attempts[last][0].items():
            check.keys += 1
            key = (n, strategy_id, criterion_id, plan.phase)
            if key not in stored:
                check.lost.append(f"{key}: acknowledged {expected}, nothing stored")
            elif stored[key] == expected:
                check.exact += 1
            elif any(stored[key] == values[criterion_id] for values, _ok in attempts[last + 1 :]):
                check.later_attempt += 1
            else:
                check.lost.append(f"{key}: acknowledged {expected}, stored {stored[key]}")
    return check


def expected_export_cells(plan: Plan, before: Snapshot, after: Snapshot):
    """The export before the run, minus the participants' earlier ratings, plus theirs now."""
    keys = {criterion_id: key for criterion_id, key, _scale in plan.criteria}
    expected = {cell: Counter(counts) for cell, counts in before.export_cells.items()}
    for ratings, sign in ((before.ratings, -1), (after.ratings, 1)):
        for (_n, strategy_id, criterion_id, phase), value in ratings.items():
            cell = (strategy_id, keys.get(criterion_id), phase)
            expected.setdefault(cell, Counter())[value] += sign
    return {cell: +counts for cell, counts in expected.items()}  # +: drop zero counts


def compare_export(plan: Plan, before: Snapshot, after: Snapshot) -> tuple[int, list[str]]:
    expected = expected_export_cells(plan, before, after)
    actual = {cell: +counts for cell, counts in after.export_cells.items()}
    cells = set(expected) | set(actual)
    wrong = [
        f"{cell}: export {dict(actual.get(cell, {}))}, expected {dict(expected.get(cell, {}))}"
        for cell in sorted(cells, key=str)
        if actual.get(cell, Counter()) != expected.get(cell, Counter())
    ]
    return len(cells), wrong


def percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def summary(results: Results, elapsed: float, verification: dict) -> dict:
    """Everything measured and counted, as plain data (printed, and written by --json-out)."""
    total = sum(len(values) for values in results.latencies.values())
    kinds = {}
    everything = []
    for kind, values in sorted(results.latencies.items()):
        ordered = sorted(values)
        everything.extend(ordered)
        kinds[kind] = _percentiles(ordered)
    kinds["all"] = _percentiles(sorted(everything))
    server_errors = sum(
        count
        for (_kind, status), count in results.statuses.items()
        if isinstance(status, int) and status >= 500
    )
    return {
        "requests": total,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(total / elapsed, 1) if elapsed else 0.0,
        "latency_ms": kinds,
        "status_codes": {
            f"{kind} {status}": count
            for (kind, status), count in sorted(results.statuses.items(), key=str)
        },
        "errors": sum(results.errors.values()),
        "error_detail": {f"{k} {s}": c for (k, s), c in sorted(results.errors.items(), key=str)},
        "server_errors_5xx": server_errors,
        "reconnects": results.retries,
        **verification,
    }


def _percentiles(ordered: list[float]) -> dict:
    if not ordered:
        return {"count": 0}
    return {
        "count": len(ordered),
        **{
            name: round(percentile(ordered, fraction) * 1000, 1)
            for name, fraction in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))
        },
        "max": round(ordered[-1] * 1000, 1),
    }


def report(data: dict) -> str:
    lines = [
        f"requests: {data['requests']} in {data['seconds']:.1f} s = "
        f"{data['requests_per_second']:.1f} requests/s",
        f"{'kind':<14} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}",
    ]
    lines.extend(_row(kind, values) for kind, values in data["latency_ms"].items())
    lines.append("status codes: " + ", ".join(f"{k}: {c}" for k, c in data["status_codes"].items()))
    detail = data["error_detail"]
    lines.append(
        f"errors: {data['errors']}"
        + (" (" + ", ".join(f"{k}: {c}" for k, c in detail.items()) + ")" if detail else "")
        + f"; 5xx: {data['server_errors_5xx']}; reconnects: {data['reconnects']}"
    )
    comments = data["comments"]
    lines.append(
        f"comments acknowledged: {comments['acknowledged']}, in the database: "
        f"{comments['in_database']}, in the export: {comments['in_export']}, "
        f"missing: {len(comments['missing'])}, stored twice: {len(comments['duplicated'])}"
    )
    if comments["missing"]:
        lines.append("missing comments: " + ", ".join(comments["missing"][:20]))
    ratings = data["ratings"]
    lines.append(
        f"ratings acknowledged: {ratings['posts_acknowledged']} posts = "
        f"{ratings['values_acknowledged']} values; last acknowledged per participant/strategy/"
        f"criterion: {ratings['keys']}, stored as acknowledged: {ratings['exact']}, "
        f"stored from a later unanswered attempt: {ratings['later_attempt']}, "
        f"lost: {len(ratings['lost'])}"
    )
    if ratings["lost"]:
        lines.append("lost ratings: " + "; ".join(ratings["lost"][:20]))
    export = data["export"]
    lines.append(
        f"export rating cells (strategy x criterion x phase): {export['cells']}, "
        f"matching the database: {export['cells'] - len(export['wrong'])}, "
        f"wrong: {len(export['wrong'])}"
    )
    if export["wrong"]:
        lines.append("wrong export cells: " + "; ".join(export["wrong"][:10]))
    return "\n".join(lines)


def _row(kind: str, values: dict) -> str:
    if not values.get("count"):
        return f"{kind:<14} {0:>6}"
    return (
        f"{kind:<14} {values['count']:>6} {values['p50']:>8.1f} {values['p95']:>8.1f} "
        f"{values['p99']:>8.1f} {values['max']:>8.1f}"
    )


def run(args: argparse.Namespace) -> int:
    plan = load_plan(args.consultation_id)
    run_id = uuid.uuid4().hex[:8]
    if plan.phase is None:
        sys.exit(f"Consultation {plan.consultation_id} has no open input window.")
    before = snapshot(plan, None)
    results = Results()
    budget = Budget(args.duration, args.max_requests)
    print(
        f"Run {run_id}: {args.participants} participants against {args.base_url}, consultation "
        f"{plan.consultation_id} ({len(plan.strategy_ids)} strategies, {len(plan.criteria)} "
        f"criteria, phase {plan.phase}), at most {args.duration:.0f} s / {args.max_requests} "
        f"requests, think time {args.think:g} s, ramp-up {args.ramp_up:g} s.",
        flush=True,
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
        thread.join(max(1.0, budget.deadline - time.monotonic()) + 2 * args.timeout)
    elapsed = time.perf_counter() - started
    with results.lock:  # a thread still waiting past its timeout must not change the counts
        stored = stored_markers(run_id)
        found = set(stored)
        after = snapshot(plan, run_id)
        ratings = check_ratings(plan, results, after.ratings)
        cells, wrong_cells = compare_export(plan, before, after)
        acknowledged = set(results.acknowledged)
        verification = {
            "comments": {
                "acknowledged": len(acknowledged),
                "in_database": len(found & acknowledged),
                "in_export": len(after.export_markers & acknowledged),
                "missing": sorted((acknowledged - found) | (acknowledged - after.export_markers)),
                "duplicated": sorted(marker for marker, count in stored.items() if count > 1),
            },
            "ratings": {
                "posts_acknowledged": ratings.posts_acknowledged,
                "values_acknowledged": ratings.values_acknowledged,
                "keys": ratings.keys,
                "exact": ratings.exact,
                "later_attempt": ratings.later_attempt,
                "lost": ratings.lost,
            },
            "export": {"cells": cells, "wrong": wrong_cells},
        }
        data = summary(results, elapsed, verification)
    data.update(run_id=run_id, participants=args.participants, think=args.think)
    print(report(data), flush=True)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(data, indent=2), encoding="utf-8")
    lost = data["comments"]["missing"] or data["comments"]["duplicated"] or ratings.lost
    lost = lost or wrong_cells
    return 1 if lost or (data["errors"] and not args.allow_errors) else 0


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


def at_most(maximum: float):
    def parse(value: str) -> float:
        number = float(value)
        if not 0 <= number <= maximum:
            raise argparse.ArgumentTypeError(f"must be between 0 and {maximum}")
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
    run_parser.add_argument(
        "--think",
        type=at_most(60),
        default=0.0,
        help="mean pause between a participant's actions, s",
    )
    run_parser.add_argument(
        "--ramp-up",
        type=at_most(MAX_DURATION),
        default=0.0,
        help="spread the logins over this many seconds",
    )
    run_parser.add_argument(
        "--allow-errors",
        action="store_true",
        help="failed requests do not fail the run (fault runs); lost input still does",
    )
    run_parser.add_argument("--json-out", help="also write the results as JSON to this file")
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
