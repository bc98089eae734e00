"""Fault runs: the load test while something breaks, then a count of what was acknowledged.

Starts a throwaway stack of its own, all on 127.0.0.1 and all stopped again at the end:
PostgreSQL (initdb into a temp folder, as the postgres user), Redis for the rate limits,
gunicorn (gthread) serving the app in its production configuration, an upload folder on a
small tmpfs, and, when needed, a tiny SMTP sink. Then, per scenario, it runs
scripts/loadtest.py (a smaller load by default) and breaks one thing in the middle of it:

    load         no fault: the load alone (use --participants 200 --duration 60 for the full run)
    kill-worker  kill -9 a gunicorn worker, twice; the master starts new ones
    restart-db   stop PostgreSQL for a few seconds, then start it again; meanwhile pages must
                 answer a translated 503 with Retry-After and /healthz 503, and afterwards
                 the same gunicorn must serve again by itself
    disk-full    fill the upload tmpfs: a comment with an attachment gets a field error with
                 its text kept and nothing half-stored; other requests work; once space is
                 free the same comment goes through
    smtp-down    no SMTP server: a password reset still answers (the mail is queued), `flask
                 send-mail` records the failure, and delivers once an SMTP sink is up

After each scenario the load test counts every acknowledged comment and rating in the
database and in an export (see scripts/loadtest.py): nothing acknowledged may be missing.

    .venv/bin/python scripts/faults.py all                   # every scenario, small load
    .venv/bin/python scripts/faults.py load --participants 200 --duration 60 --think 1

Needs root (initdb runs as postgres through runuser; the tmpfs needs mount) and the
PostgreSQL server binaries (/usr/lib/postgresql/*/bin) and redis-server. Bounded: each
load by --duration (at most 600 s), every wait by a timeout, the whole run by --max-seconds.
Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = BIN / "python"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import loadtest  # noqa: E402  (the same client, CSRF reader and bounds)

HOST = "127.0.0.1"
SCENARIOS = ("load", "kill-worker", "restart-db", "disk-full", "smtp-down")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n" + b"% filler\n" * 2000 + b"trailer<<>>\n%%EOF\n"


# --- a tiny SMTP sink -----------------------------------------------------------------------


class SmtpSink(socketserver.ThreadingTCPServer):
    """Accepts every mail on 127.0.0.1 and keeps it in `messages` (recipients, data)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0):
        self.messages: list[tuple[list[str], bytes]] = []
        super().__init__((HOST, port), _SmtpSession)
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _SmtpSession(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 rembuk-faults SMTP sink")
        recipients: list[str] = []
        while True:
            line = self.rfile.readline(1000)
            if not line:
                return
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self.reply("250-rembuk-faults")
                self.reply("250 8BITMIME")
            elif verb in ("HELO", "NOOP"):
                self.reply("250 OK")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                data = b""
                while not data.endswith(b"\r\n.\r\n"):
                    chunk = self.rfile.readline(100_000)
                    if not chunk:
                        return
                    data += chunk
                self.server.messages.append((recipients, data[:-5]))
                self.reply("250 OK: queued")
            elif verb == "RSET":
                recipients = []
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


# --- the throwaway stack --------------------------------------------------------------------


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) != 0


def _wait_for(predicate, timeout: float, step: float = 0.25) -> float | None:
    """Seconds until predicate() was true, or None after timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(step)
    return None


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        sys.exit(f"{name} not found under /usr/lib/postgresql/*/bin: install postgresql.")
    return found[-1]


class Stack:
    """PostgreSQL, Redis, gunicorn and an upload tmpfs of our own, on loopback ports."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.dir = Path(tempfile.mkdtemp(prefix="rembuk-faults-"))
        self.dir.chmod(0o755)
        self.pgdata = self.dir / "pg"
        self.uploads = self.dir / "uploads"
        self.uploads.mkdir()
        self.tmpfs = False
        self.redis: subprocess.Popen | None = None
        self.gunicorn: subprocess.Popen | None = None
        self.gunicorn_log = self.dir / "gunicorn.log"
        self.env = {
            **os.environ,
            "REMBUK_CONFIG": "production",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "SESSION_COOKIE_SECURE": "0",  # plain HTTP on loopback
            "ALLOW_DEMO_SEED": "1",
            "DATABASE_URL": f"postgresql+psycopg://postgres@{HOST}:{args.pg_port}/rembuk",
            "RATELIMIT_STORAGE_URI": f"redis://{HOST}:{args.redis_port}/0",
            # Every simulated participant logs in from 127.0.0.1.
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "UPLOAD_FOLDER": str(self.uploads),
            "MAIL_SERVER": HOST,
            "MAIL_PORT": str(args.smtp_port),
            "MAIL_USE_TLS": "0",
            "MAIL_MAX_ATTEMPTS": "8",
            "PUBLIC_BASE_URL": f"http://{HOST}:{args.app_port}",
            "FLASK_APP": "wsgi",
        }

    # PostgreSQL
    def _as_postgres(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=check,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def start_postgres(self, first: bool = False) -> None:
        if first:
            self.pgdata.mkdir()
            shutil.chown(self.pgdata, "postgres", "postgres")
            self._as_postgres(
                _pg_bin("initdb"), "-D", str(self.pgdata), "-U", "postgres", "--auth=trust"
            )
        options = (
            f"-p {self.args.pg_port} -c listen_addresses={HOST} "
            f"-c unix_socket_directories={self.pgdata}"
        )
        self._as_postgres(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.pgdata),
            "-l",
            str(self.pgdata / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        if first:
            self._as_postgres(
                _pg_bin("createdb"), "-h", HOST, "-p", str(self.args.pg_port), "rembuk"
            )

    def stop_postgres(self) -> None:
        self._as_postgres(
            _pg_bin("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "60", "stop"
        )

    # Redis, uploads, app
    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.args.redis_port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if _wait_for(lambda: not _free(self.args.redis_port), 15) is None:
            raise RuntimeError("redis-server did not start")

    def mount_uploads(self) -> None:
        size = f"{self.args.upload_tmpfs_kib}k"
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(self.uploads)],
            capture_output=True,
            text=True,
        )
        self.tmpfs = result.returncode == 0
        if not self.tmpfs:
            print(f"note: no tmpfs for uploads ({result.stderr.strip()}); disk-full is skipped")

    def flask(self, *arguments: str) -> str:
        result = subprocess.run(
            [str(BIN / "flask"), *arguments],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(arguments)} failed:\n{result.stderr[-2000:]}")
        return result.stdout.strip()

    def start_gunicorn(self) -> None:
        self.gunicorn = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--worker-class",
                "gthread",
                "--workers",
                str(self.args.workers),
                "--threads",
                str(self.args.threads),
                "--bind",
                f"{HOST}:{self.args.app_port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "10",
                "--backlog",
                "2048",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.gunicorn_log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        if _wait_for(lambda: self.health() == 200, 60) is None:
            raise RuntimeError(f"gunicorn did not start; see {self.gunicorn_log}")
        _wait_for(lambda: len(self.workers()) == self.args.workers, 30)

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def health(self) -> int | None:
        connection = loadtest.http.client.HTTPConnection(HOST, self.args.app_port, timeout=5)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status
        except OSError:
            return None
        finally:
            connection.close()

    def log_count(self, text: str) -> int:
        return self.gunicorn_log.read_text(errors="replace").count(text)

    def start(self) -> None:
        for port in (
            self.args.app_port,
            self.args.pg_port,
            self.args.redis_port,
            self.args.smtp_port,
        ):
            if not _free(port):
                sys.exit(f"Port {port} on {HOST} is in use: choose others (see --help).")
        self.start_postgres(first=True)
        self.start_redis()
        self.mount_uploads()
        self.flask("db", "upgrade")
        self.flask("seed-demo")
        os.environ.update(self.env)  # our own look-ups in the database use the same settings
        print(self._loadtest("setup", "--participants", str(self.args.participants + 2)).strip())
        self.start_gunicorn()

    def _loadtest(self, *arguments: str) -> str:
        return subprocess.run(
            [str(PYTHON), str(ROOT / "scripts" / "loadtest.py"), *arguments],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout

    def close(self) -> None:
        if self.gunicorn is not None and self.gunicorn.poll() is None:
            self.gunicorn.send_signal(signal.SIGTERM)
            try:
                self.gunicorn.wait(30)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(15)
        if (self.pgdata / "postmaster.pid").exists():
            self.stop_postgres()
        if self.tmpfs:
            subprocess.run(["umount", str(self.uploads)], check=False)
        if self.args.keep:
            print(f"kept {self.dir}")
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


# --- the load, running while a fault happens --------------------------------------------------


class Load:
    """scripts/loadtest.py run, in the background, with its results as JSON."""

    def __init__(self, stack: Stack, name: str):
        self.stack = stack
        self.output = stack.dir / f"load-{name}.json"
        args = stack.args
        self.process = subprocess.Popen(
            [
                str(PYTHON),
                str(ROOT / "scripts" / "loadtest.py"),
                "run",
                "--base-url",
                f"http://{HOST}:{args.app_port}",
                "--participants",
                str(args.participants),
                "--duration",
                str(args.duration),
                "--max-requests",
                str(args.max_requests),
                "--think",
                str(args.think),
                "--ramp-up",
                str(args.ramp_up),
                "--timeout",
                "20",
                "--allow-errors",
                "--json-out",
                str(self.output),
            ],
            cwd=ROOT,
            env=stack.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.started = time.monotonic()

    def wait_until(self, fraction: float) -> None:
        """Sleep until this fraction of the load's duration has passed (after the ramp-up)."""
        args = self.stack.args
        moment = self.started + args.ramp_up + fraction * (args.duration - args.ramp_up)
        time.sleep(max(0.0, moment - time.monotonic()))

    def finish(self) -> dict:
        budget = self.stack.args.duration + 600  # the counting afterwards takes a while too
        out, _ = self.process.communicate(timeout=budget)
        print(out.rstrip())
        return json.loads(self.output.read_text()) if self.output.exists() else {}


@dataclass
class Outcome:
    scenario: str
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    load: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append((name, bool(ok), detail))
        print(f"  [{'ok' if ok else 'FAIL'}] {name}{': ' + detail if detail else ''}", flush=True)

    @property
    def ok(self) -> bool:
        return all(ok for _name, ok, _detail in self.checks)


def check_nothing_lost(outcome: Outcome, data: dict) -> None:
    outcome.load = data
    if not data:
        outcome.check("the load test produced its results", False)
        return
    comments, ratings, export = data["comments"], data["ratings"], data["export"]
    outcome.check(
        "every acknowledged comment is in the database and in the export",
        not comments["missing"],
        f"{comments['acknowledged']} acknowledged, {comments['in_database']} in the database, "
        f"{comments['in_export']} in the export",
    )
    outcome.check(
        "no comment stored twice (re-sent POSTs included)",
        not comments.get("duplicated"),
        f"{len(comments.get('duplicated', []))} duplicated; {data['reconnects']} requests re-sent",
    )
    outcome.check(
        "every acknowledged rating is stored as acknowledged",
        not ratings["lost"],
        f"{ratings['posts_acknowledged']} posts / {ratings['keys']} last values: "
        f"{ratings['exact']} as acknowledged, {ratings['later_attempt']} from a later "
        f"unanswered attempt, {len(ratings['lost'])} lost",
    )
    outcome.check(
        "the export's rating counts match the database",
        not export["wrong"],
        f"{export['cells']} cells, {len(export['wrong'])} wrong",
    )
    codes = data["status_codes"]
    internal = {k: c for k, c in codes.items() if k.endswith((" 500", " 502", " 504"))}
    outcome.check("no 500/502/504 answer", not internal, json.dumps(internal) if internal else "")


# --- probes: one participant's browser, outside the load -------------------------------------


class Probe:
    def __init__(self, stack: Stack, number: int, lang: str | None = None):
        self.stack = stack
        self.client = loadtest.Client(HOST, stack.args.app_port, timeout=20)
        self.email = loadtest.EMAIL_PATTERN.format(n=number)
        self.plan = loadtest.load_plan(None)
        self.url = f"/c/{self.plan.consultation_id}/strategies/{self.plan.strategy_ids[0]}"
        status, _location, page = self.client.request("GET", "/login")
        form = {
            "email": self.email,
            "password": loadtest.DEFAULT_PASSWORD,
            "csrf_token": loadtest.csrf_token(page),
        }
        status, location, _page = self.client.request("POST", "/login", form)
        if status != 302 or "/login" in location:
            raise RuntimeError(f"probe {self.email} could not log in ({status})")
        if lang:
            _status, _loc, page = self.client.request("GET", self.url)
            self.client.request(
                "POST",
                "/language",
                {"lang": lang, "next": "/", "csrf_token": loadtest.csrf_token(page)},
            )

    def get(self, path: str | None = None):
        return self.client.request("GET", path or self.url)

    def post_comment(self, body: str, with_file: bool) -> tuple[int, str]:
        _status, _loc, page = self.get()
        fields = {
            "csrf_token": loadtest.csrf_token(page),
            "type": "other",
            "body": body,
            "submission_key": secrets.token_hex(16),
        }
        return self.multipart(f"{self.url}/comments", fields, PDF if with_file else None)

    def multipart(self, path: str, fields: dict, pdf: bytes | None) -> tuple[int, str]:
        boundary = secrets.token_hex(12)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        if pdf is not None:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="attachment"; '
                f'filename="kajian.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
                + pdf
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        connection = loadtest.http.client.HTTPConnection(HOST, self.stack.args.app_port, timeout=20)
        cookies = "; ".join(f"{k}={v}" for k, v in self.client.cookies.items())
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": cookies,
            },
        )
        response = connection.getresponse()
        page = response.read().decode("utf-8", "replace")
        connection.close()
        return response.status, page


def _in_database(query):
    """Run query(db, models) against the stack's database in a fresh app, then let go."""
    from consult import create_app
    from consult.extensions import db

    app = create_app()
    with app.app_context():
        try:
            return query(db)
        finally:
            db.session.remove()
            db.engine.dispose()


# --- scenarios --------------------------------------------------------------------------------


def scenario_load(stack: Stack) -> Outcome:
    outcome = Outcome("load")
    check_nothing_lost(outcome, Load(stack, "load").finish())
    return outcome


def scenario_kill_worker(stack: Stack) -> Outcome:
    outcome = Outcome("kill-worker")
    master = stack.gunicorn.pid
    load = Load(stack, "kill-worker")
    killed = []
    for fraction in (0.3, 0.6):
        load.wait_until(fraction)
        workers = stack.workers()
        if workers:
            os.kill(workers[0], signal.SIGKILL)
            killed.append(workers[0])
            print(f"  kill -9 worker {workers[0]} at {time.monotonic() - load.started:.1f} s")
    data = load.finish()
    replaced = _wait_for(
        lambda: (
            len(stack.workers()) == stack.args.workers and not set(killed) & set(stack.workers())
        ),
        30,
    )
    outcome.check(
        "the master replaced the killed workers",
        len(killed) == 2 and replaced is not None and stack.gunicorn.poll() is None,
        f"killed {killed}, workers now {stack.workers()}, master {master} still running",
    )
    outcome.check("/healthz answers 200 afterwards", stack.health() == 200)
    check_nothing_lost(outcome, data)
    return outcome


def scenario_restart_db(stack: Stack) -> Outcome:
    outcome = Outcome("restart-db")
    probe_id, probe_en = (
        Probe(stack, stack.args.participants + 1),
        Probe(stack, stack.args.participants + 2, lang="en"),
    )
    workers_before = stack.workers()
    logged_before = stack.log_count("Database unavailable")
    load = Load(stack, "restart-db")
    load.wait_until(0.3)
    stopped_at = time.monotonic()
    stack.stop_postgres()
    print(f"  PostgreSQL stopped at {stopped_at - load.started:.1f} s")
    for probe, title in (
        (probe_id, "Sementara tidak tersedia"),
        (probe_en, "Temporarily unavailable"),
    ):
        status, _loc, page = probe.get()
        outcome.check(
            f"a page while the database is down: 503 '{title}'",
            status == 503 and f"<title>{title} · Rembuk</title>" in page,
            f"status {status}",
        )
        outcome.check(
            "  ... and nothing internal on it",
            not any(leak in page for leak in ("Traceback", "OperationalError", "psycopg")),
        )
    headers = _head(stack, probe_id)
    outcome.check("  ... with Retry-After", headers.get("retry-after") == "30", str(headers))
    outcome.check("/healthz answers 503 while the database is down", stack.health() == 503)
    time.sleep(max(0.0, stack.args.db_down_seconds - (time.monotonic() - stopped_at)))
    stack.start_postgres()
    started_again = time.monotonic()
    print(f"  PostgreSQL started again after {started_again - stopped_at:.1f} s down")
    recovered = _wait_for(lambda: stack.health() == 200, 60)
    outcome.check(
        "the app recovers by itself (same gunicorn, no restart)",
        recovered is not None
        and stack.gunicorn.poll() is None
        and stack.workers() == workers_before,
        f"/healthz 200 {recovered:.2f} s after PostgreSQL was back" if recovered else "never",
    )
    status, _loc, _page = probe_id.get()
    outcome.check("a page answers 200 again", status == 200, f"status {status}")
    data = load.finish()
    logged = stack.log_count("Database unavailable") - logged_before
    outcome.check("the outage is logged", logged > 0, f"{logged} log lines")
    codes = data.get("status_codes", {})
    outcome.notes.append(
        "503 answers during the run: " + str(sum(c for k, c in codes.items() if k.endswith(" 503")))
    )
    check_nothing_lost(outcome, data)
    return outcome


def _head(stack: Stack, probe: Probe) -> dict:
    """The headers of the probe's page, lower-cased."""
    connection = loadtest.http.client.HTTPConnection(HOST, stack.args.app_port, timeout=20)
    cookies = "; ".join(f"{k}={v}" for k, v in probe.client.cookies.items())
    connection.request("GET", probe.url, headers={"Cookie": cookies})
    response = connection.getresponse()
    response.read()
    connection.close()
    return {k.lower(): v for k, v in response.getheaders()}


def _fill(folder: Path) -> Path:
    filler = folder / "filler.bin"
    chunk = b"\0" * 65536
    with contextlib.suppress(OSError), filler.open("wb") as handle:
        while True:
            handle.write(chunk)
            handle.flush()
    return filler


def _comments_with(marker: str):
    from sqlalchemy import func, select

    from consult.feedback.models import Attachment, Comment

    def query(db):
        comments = db.session.scalar(
            select(func.count(Comment.id)).where(Comment.body.like(f"%{marker}%"))
        )
        names = list(
            db.session.scalars(
                select(Attachment.stored_name)
                .join(Comment, Attachment.comment_id == Comment.id)
                .where(Comment.body.like(f"%{marker}%"))
            )
        )
        return comments, names

    return _in_database(query)


def scenario_disk_full(stack: Stack) -> Outcome:
    outcome = Outcome("disk-full")
    if not stack.tmpfs:
        outcome.notes.append("skipped: the upload folder could not be put on a small tmpfs")
        return outcome
    probe = Probe(stack, stack.args.participants + 1)
    load = Load(stack, "disk-full")
    load.wait_until(0.3)
    files_before = {p.name for p in stack.uploads.iterdir()}
    filler = _fill(stack.uploads)
    free = shutil.disk_usage(stack.uploads).free
    print(f"  upload tmpfs filled ({filler.stat().st_size} bytes, {free} free)")
    marker = f"DISK-FULL-{secrets.token_hex(4)}"
    body = f"Usulan dengan lampiran {marker}."
    status, page = probe.post_comment(body, with_file=True)
    title = page.split("<title>", 1)[-1].split("</title>", 1)[0] if "<title>" in page else ""
    outcome.check(
        "a comment with an attachment gets 507 with a field error",
        status == 507,
        f"status {status} ({title})",
    )
    outcome.check(
        "  ... the field error is shown, in Indonesian",
        "attachment-error" in page and "ruang penyimpanan server sedang penuh" in page,
    )
    outcome.check("  ... what the user typed is kept", body in page)
    comments, names = _comments_with(marker)
    new_files = {p.name for p in stack.uploads.iterdir()} - files_before - {filler.name}
    outcome.check(
        "  ... nothing half-stored",
        comments == 0 and not names and not new_files,
        f"{comments} comments, {len(new_files)} new files",
    )
    status, _loc, _page = probe.get()
    outcome.check("other requests keep working", status == 200, f"strategy page {status}")
    status, _page = probe.post_comment(f"Tanpa lampiran {marker}-plain.", with_file=False)
    outcome.check("a comment without attachment still goes through", status == 302)
    filler.unlink()
    status, _page = probe.post_comment(body, with_file=True)
    comments, names = _comments_with(marker)
    stored = [n for n in names if (stack.uploads / n).is_file()]
    outcome.check(
        "once space is free, the same comment with its attachment goes through",
        status == 302 and len(names) == 1 and len(stored) == 1,
        f"status {status}, {len(names)} attachment rows, {len(stored)} files",
    )
    check_nothing_lost(outcome, load.finish())
    return outcome


def _outbox(recipient: str):
    from sqlalchemy import select

    from consult.mail import OutboxMail

    def query(db):
        mails = db.session.scalars(
            select(OutboxMail).where(OutboxMail.recipient == recipient).order_by(OutboxMail.id)
        ).all()
        return [(m.status.value, m.attempts, m.last_error) for m in mails]

    return _in_database(query)


def scenario_smtp_down(stack: Stack) -> Outcome:
    outcome = Outcome("smtp-down")
    recipient = loadtest.EMAIL_PATTERN.format(n=stack.args.participants + 1)
    load = Load(stack, "smtp-down")
    load.wait_until(0.3)
    client = loadtest.Client(HOST, stack.args.app_port, timeout=20)
    _status, _loc, page = client.request("GET", "/reset")
    started = time.perf_counter()
    status, location, _page = client.request(
        "POST", "/reset", {"email": recipient, "csrf_token": loadtest.csrf_token(page)}
    )
    seconds = time.perf_counter() - started
    outcome.check(
        "a password reset answers at once while SMTP is down (mail queued)",
        status == 302 and "/login" in location and seconds < 5,
        f"{status} in {seconds * 1000:.0f} ms",
    )
    mails = _outbox(recipient)
    outcome.check("  ... the mail is in the outbox", [m[0] for m in mails] == ["queued"])
    first = stack.flask("send-mail")
    mails = _outbox(recipient)
    outcome.check(
        "`flask send-mail` records the failure and keeps the mail for a retry",
        "retry=" in first
        and mails
        and mails[-1][0] == "queued"
        and mails[-1][1] == 1
        and "Connection" in mails[-1][2],
        f"{first!r}; outbox: {mails[-1][:2] if mails else None}, "
        f"last error {mails[-1][2][:60] if mails else ''!r}",
    )
    with SmtpSink(stack.args.smtp_port) as sink:
        waiting = stack.flask("send-mail")
        outcome.check(
            "with the server back, a plain run respects the back-off", "sent=0" in waiting, waiting
        )
        now = stack.flask("send-mail", "--retry-now")
        delivered = [m for m in sink.messages if recipient in m[0]]
        mails = _outbox(recipient)
        outcome.check(
            "`flask send-mail --retry-now` delivers the queued mail",
            delivered and mails[-1][0] == "sent",
            f"{now!r}; sink got {len(sink.messages)} mails, {len(delivered)} for {recipient}",
        )
    check_nothing_lost(outcome, load.finish())
    return outcome


RUNNERS = {
    "load": scenario_load,
    "kill-worker": scenario_kill_worker,
    "restart-db": scenario_restart_db,
    "disk-full": scenario_disk_full,
    "smtp-down": scenario_smtp_down,
}


# --- command line ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="+", choices=(*SCENARIOS, "all"))
    parser.add_argument("--participants", type=loadtest.bounded(500), default=30)
    parser.add_argument("--duration", type=loadtest.bounded(600, float), default=40.0)
    parser.add_argument("--max-requests", type=loadtest.bounded(200_000), default=100_000)
    parser.add_argument("--think", type=loadtest.at_most(60), default=0.5)
    parser.add_argument("--ramp-up", type=loadtest.at_most(120), default=5.0)
    parser.add_argument("--workers", type=loadtest.bounded(16), default=3)
    parser.add_argument("--threads", type=loadtest.bounded(64), default=4)
    parser.add_argument("--db-down-seconds", type=loadtest.bounded(60, float), default=8.0)
    parser.add_argument("--upload-tmpfs-kib", type=loadtest.bounded(1 << 20), default=2048)
    parser.add_argument("--app-port", type=int, default=8100)
    parser.add_argument("--pg-port", type=int, default=8150)
    parser.add_argument("--redis-port", type=int, default=8151)
    parser.add_argument("--smtp-port", type=int, default=8152)
    parser.add_argument("--max-seconds", type=loadtest.bounded(3600, float), default=1800.0)
    parser.add_argument("--json-out", help="write every outcome as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    args = parser.parse_args(argv)
    if args.ramp_up >= args.duration:
        parser.error("--ramp-up must be shorter than --duration")
    names = list(SCENARIOS) if "all" in args.scenarios else list(dict.fromkeys(args.scenarios))
    if os.geteuid() != 0:
        parser.error("run as root: initdb runs as postgres through runuser, tmpfs needs mount")

    def out_of_time(_signum, _frame):
        raise TimeoutError(f"the fault runs took more than {args.max_seconds:.0f} s")

    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(int(args.max_seconds))
    stack = Stack(args)
    outcomes: list[Outcome] = []
    try:
        stack.start()
        print(
            f"stack up in {stack.dir}: gunicorn gthread {args.workers}x{args.threads} on "
            f"{HOST}:{args.app_port}, PostgreSQL {HOST}:{args.pg_port}, Redis "
            f"{HOST}:{args.redis_port}, uploads on {'tmpfs' if stack.tmpfs else 'disk'}",
            flush=True,
        )
        for name in names:
            print(f"\n== {name}", flush=True)
            outcomes.append(RUNNERS[name](stack))
            for note in outcomes[-1].notes:
                print(f"  note: {note}")
    finally:
        signal.alarm(0)
        stack.close()
    print("\n== summary")
    for outcome in outcomes:
        failed = [name for name, ok, _detail in outcome.checks if not ok]
        print(f"{outcome.scenario:<12} {'ok' if outcome.ok else 'FAILED: ' + '; '.join(failed)}")
    if args.json_out:
        Path(args.json_out).write_text(
            json.dumps(
                [
                    {
                        "scenario": o.scenario,
                        "ok": o.ok,
                        "checks": o.checks,
                        "notes": o.notes,
                        "load": o.load,
                    }
                    for o in outcomes
                ],
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0 if outcomes and all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
