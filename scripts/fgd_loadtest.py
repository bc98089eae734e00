"""Load test of the FGD live room: phones following the screen and voting at once.

    .venv/bin/python scripts/fgd_loadtest.py setup --participants 300
    .venv/bin/python scripts/fgd_loadtest.py run --base-url http://127.0.0.1:8000 \
        --participants 300 --vote-window 8 --markdown-out bench/fgd_room.md

`setup` (same DATABASE_URL as the server) makes loadtest-1..N participants of the demo
consultation (scripts/loadtest.py setup), checks them all in to its upcoming FGD session and
puts a strategy on screen. `run` logs every phone and the organiser in through the login form,
then every phone polls the room state (If-None-Match, every --poll seconds) and the projector
polls the presenter state every second. The moderator steps to the next item and opens voting
(time until every phone has seen each step is measured); each phone then votes one tap per
criterion at a random moment within --vote-window seconds. Measured: vote latency, how soon the
projector shows the last vote, 200/304 counts of the polls; verified: every acknowledged vote
is stored. Loopback targets only; standard library only (threads, http.client).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import loadtest  # noqa: E402  (the participants' accounts and the HTTP client)

ORGANISER = "organiser@example.org"


def _session_and_strategy_items():
    from sqlalchemy import select

    from consult.demo import DEMO_TITLE
    from consult.extensions import db
    from consult.fgd.models import FgdSession
    from consult.fgd.services import agenda_of
    from consult.plans.models import Consultation
    from consult.timeutil import utcnow

    consultation = db.session.scalar(select(Consultation).where(Consultation.title == DEMO_TITLE))
    session = db.session.scalar(
        select(FgdSession)
        .where(FgdSession.consultation_id == consultation.id, FgdSession.ends_at > utcnow())
        .order_by(FgdSession.starts_at)
    )
    return consultation, session, [i for i in agenda_of(session) if i.strategy_id]


def setup(args) -> None:
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from consult.auth.models import User
    from consult.extensions import db
    from consult.fgd import attendance
    from consult.fgd.models import CheckInMethod
    from consult.privacy.notices import accept_notice, current_notice, needs_acceptance
    from consult.timeutil import utcnow

    app = loadtest._app()
    with app.app_context():
        consultation, session, items = _session_and_strategy_items()
        args.consultation_id = consultation.id
    loadtest.setup(args)
    with app.app_context():
        consultation, session, items = _session_and_strategy_items()
        organiser = db.session.scalar(select(User).where(User.email == ORGANISER))
        notice = current_notice()
        # A cheap hash for these throwaway accounts: 300 scrypt logins on 2 cores take minutes
        # and measure the login, not the room.
        cheap = generate_password_hash(args.password, method="pbkdf2:sha256:1000")
        for n in range(1, args.participants + 1):
            user = db.session.scalar(
                select(User).where(User.email == loadtest.EMAIL_PATTERN.format(n=n))
            )
            user.password_hash = cheap
            if needs_acceptance(user):  # as a participant who accepted it at sign-up
                accept_notice(user, notice, "loadtest")
            attendance.check_in(session, user, organiser, CheckInMethod.SEARCH, utcnow())
        session.current_position = items[0].position
        session.voting_open, session.results_visible = True, True
        db.session.commit()
        print(f"session {session.id}: {args.participants} checked in, item {items[0].id} on screen")


class Phone:
    def __init__(self, args, email: str, password: str):
        host, port = args.target
        self.client = loadtest.Client(host, port, args.timeout)
        self.email, self.password = email, password
        self.etag: str | None = None
        self.step: int | None = None
        self.csrf: str | None = None

    def request(self, method, path, form=None, headers=None):
        """loadtest.Client.request with extra headers (If-None-Match, Accept); a connection
        the server closed while idle is opened again once."""
        client = self.client
        body = loadtest.urlencode(form).encode() if form is not None else None
        all_headers = {"Host": f"{client.host}:{client.port}", **(headers or {})}
        if body is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        if client.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        for attempt in (1, 2):
            if client.connection is None:
                client.connection = loadtest.http.client.HTTPConnection(
                    client.host, client.port, timeout=client.timeout
                )
            try:
                client.connection.request(method, path, body=body, headers=all_headers)
                response = client.connection.getresponse()
                content = response.read()
                return response.status, response.getheader("ETag"), content
            except OSError:
                client.connection.close()
                client.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def twin(self, args) -> Phone:
        """The same browser on a second connection (the vote, while the poll goes on)."""
        other = Phone(args, self.email, self.password)
        other.client.cookies = dict(self.client.cookies)
        other.csrf = self.csrf
        return other

    def login(self) -> None:
        _s, _l, page = self.client.request("GET", "/login")
        form = {"email": self.email, "password": self.password}
        form["csrf_token"] = loadtest.csrf_token(page)
        status, _location, _page = self.client.request("POST", "/login", form)
        if status != 302:
            raise RuntimeError(f"login of {self.email} answered {status}")


def _percentile(values, fraction):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(fraction * (len(values) - 1))))] if values else 0


def run(args) -> int:
    app = loadtest._app()
    with app.app_context():
        consultation, session, items = _session_and_strategy_items()
        criteria = [c.id for c in loadtest_criteria(consultation)]
    base = f"/c/{consultation.id}/fgd/{session.id}"
    phones = [
        Phone(args, loadtest.EMAIL_PATTERN.format(n=n), args.password)
        for n in range(1, args.participants + 1)
    ]
    from consult.demo import DEMO_PASSWORD

    organiser = Phone(args, ORGANISER, DEMO_PASSWORD)
    started = time.monotonic()
    _in_threads([organiser, *phones], lambda p: p.login(), 16)
    _in_threads(phones, lambda p: setattr(p, "csrf", _room_csrf(p, base)), 16)
    _, _, console = organiser.request("GET", f"{base}/console")
    organiser.csrf = loadtest.csrf_token(console.decode())
    print(f"logged in {len(phones)} phones in {time.monotonic() - started:.1f} s")

    lock = threading.Lock()
    stop = threading.Event()
    stats = {
        "poll": [],
        "poll_status": {},
        "seen": {},
        "votes": [],
        "vote_status": {},
        "acked": set(),
        "presenter": [],
    }
    step_marks: dict[int, float] = {}

    def follow(phone: Phone, index: int) -> None:
        rng = random.Random(index)  # noqa: S311 - test timing, not security
        time.sleep(rng.uniform(0, args.poll))
        voted_step = None
        while not stop.is_set():
            headers = {"If-None-Match": phone.etag} if phone.etag else {}
            t0 = time.monotonic()
            try:
                status, etag, body = phone.request("GET", phone.state_url, headers=headers)
            except OSError:
                status, etag, body = 0, None, b""
            elapsed = time.monotonic() - t0
            with lock:
                stats["poll"].append(elapsed)
                stats["poll_status"][status] = stats["poll_status"].get(status, 0) + 1
            if status == 200:
                phone.etag = etag
                state = json.loads(body)
                if state["step"] != phone.step:
                    phone.step = state["step"]
                    with lock:
                        stats["seen"].setdefault(state["step"], []).append(time.monotonic())
                if state["voting"] and voting_step.get("step") == state["step"] != voted_step:
                    voted_step = state["step"]
                    voter = phone.twin(args)
                    threading.Thread(target=vote, args=(voter, index), daemon=True).start()
            time.sleep(args.poll)

    voting_step: dict = {}

    def vote(phone: Phone, index: int) -> None:
        rng = random.Random(f"v{index}")  # noqa: S311
        time.sleep(rng.uniform(0, args.vote_window))
        for criterion in criteria:
            form = {"csrf_token": phone.csrf, "criterion": criterion, "value": rng.randint(1, 5)}
            t0 = time.monotonic()
            try:
                status, _e, _b = phone.request(
                    "POST", f"{base}/room/vote", form, {"Accept": "application/json"}
                )
            except OSError:
                status = 0
            done = time.monotonic()
            with lock:
                stats["votes"].append((done - t0, done))
                stats["vote_status"][status] = stats["vote_status"].get(status, 0) + 1
                if status == 200:
                    stats["acked"].add((phone.email, criterion))

    projector = organiser.twin(args)

    def presenter() -> None:
        etag = None
        while not stop.is_set():
            headers = {"If-None-Match": etag} if etag else {}
            try:
                status, new_etag, body = projector.request(
                    "GET", f"{base}/present/state", headers=headers
                )
            except OSError:
                status = 0
            if status == 200:
                etag = new_etag
                state = json.loads(body)
                counted = sum(r["answered"] for r in state.get("results", []))
                with lock:
                    stats["presenter"].append((time.monotonic(), state["step"], counted))
            time.sleep(1.0)

    threads = [
        threading.Thread(target=follow, args=(p, i), daemon=True) for i, p in enumerate(phones)
    ]
    threads.append(threading.Thread(target=presenter, daemon=True))
    for thread in threads:
        thread.start()
    time.sleep(args.settle)

    def step(action: str) -> int:
        t0 = time.monotonic()
        organiser.request("POST", f"{base}/console/{action}", {"csrf_token": organiser.csrf})
        _s, _e, body = organiser.request("GET", f"{base}/present/state")
        new_step = json.loads(body)["step"]
        step_marks[new_step] = t0
        return new_step

    step("next")
    time.sleep(args.poll * 2 + 1)
    step("show")  # the projector shows the room's ratings as they come in
    opened = step("open")
    voting_step["step"] = opened
    first_vote_window = time.monotonic()
    time.sleep(args.vote_window + 10)
    stop.set()
    for thread in threads:
        thread.join(timeout=5)

    with app.app_context():
        stored = loadtest_stored(session, items, consultation)
    votes = [latency for latency, _ in stats["votes"]]
    last_ack = max((done for _l, done in stats["votes"]), default=first_vote_window)
    total_acked = len(stats["acked"])
    presenter_current = next(
        (t for t, _s, counted in stats["presenter"] if counted >= total_acked and t >= last_ack),
        None,
    )
    propagation = {
        s: max(seen) - step_marks[s] for s, seen in stats["seen"].items() if s in step_marks
    }
    phones_seen = {s: len(seen) for s, seen in stats["seen"].items() if s in step_marks}
    result = {
        "phones": len(phones),
        "votes_sent": len(votes),
        "vote_status": stats["vote_status"],
        "votes_acknowledged": total_acked,
        "votes_stored": len(stored & stats["acked"]),
        "lost": len(stats["acked"] - stored),
        "vote_p50_ms": round(_percentile(votes, 0.5) * 1000, 1),
        "vote_p95_ms": round(_percentile(votes, 0.95) * 1000, 1),
        "vote_max_ms": round(max(votes, default=0) * 1000, 1),
        "voting_took_s": round(last_ack - first_vote_window, 2),
        "presenter_lag_s": round(presenter_current - last_ack, 2) if presenter_current else None,
        "step_to_all_phones_s": {str(k): round(v, 2) for k, v in propagation.items()},
        "phones_that_saw_step": {str(k): v for k, v in phones_seen.items()},
        "polls": len(stats["poll"]),
        "poll_status": stats["poll_status"],
        "poll_p95_ms": round(_percentile(stats["poll"], 0.95) * 1000, 1),
    }
    print(json.dumps(result, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2))
    return 0 if result["lost"] == 0 else 1


def _room_csrf(phone: Phone, base: str) -> str:
    """The room page: its CSRF token, and the state URL (with the phone's signed token)."""
    _s, _e, page = phone.request("GET", f"{base}/room")
    phone.state_url = re.search(r'data-live-url="([^"]+)"', page.decode()).group(1)
    return loadtest.csrf_token(page.decode())


def _in_threads(items, work, width: int) -> None:
    pending = list(items)
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not pending:
                    return
                item = pending.pop()
            work(item)

    threads = [threading.Thread(target=worker) for _ in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def loadtest_criteria(consultation):
    from consult.plans.services import criteria_of

    return criteria_of(consultation)


def loadtest_stored(session, items, consultation) -> set:
    from sqlalchemy import select

    from consult.auth.models import User
    from consult.extensions import db
    from consult.feedback.models import Rating
    from consult.fgd.live import current_item
    from consult.plans.models import Phase

    db.session.expire_all()
    item = current_item(db.session.get(type(session), session.id))
    rows = db.session.execute(
        select(User.email, Rating.criterion_id)
        .join(User, User.id == Rating.user_id)
        .where(Rating.strategy_id == item.strategy_id, Rating.phase == Phase.FGD)
    )
    return {(email, criterion) for email, criterion in rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prepare = commands.add_parser("setup")
    prepare.add_argument("--participants", type=loadtest.bounded(500), default=300)
    prepare.add_argument("--password", default=loadtest.DEFAULT_PASSWORD)
    go = commands.add_parser("run")
    go.add_argument("--base-url", required=True)
    go.add_argument("--participants", type=loadtest.bounded(500), default=300)
    go.add_argument("--password", default=loadtest.DEFAULT_PASSWORD)
    go.add_argument("--poll", type=float, default=1.5)
    go.add_argument("--vote-window", type=float, default=8.0)
    go.add_argument("--settle", type=float, default=5.0)
    go.add_argument("--timeout", type=float, default=30.0)
    go.add_argument("--json-out")
    args = parser.parse_args(argv)
    if args.command == "setup":
        setup(args)
        return 0
    args.target = loadtest.loopback_target(args.base_url)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
