"""A real Huey worker for the tests that are about the queue.

`start_worker(database_url, storage_path)` starts `huey_consumer consult.tasks.huey` as a
subprocess on a temporary SQLite storage, against the test database; `use_storage` points
this process's Huey at the same storage (immediate mode off) so what the test enqueues goes to
that worker. Everything is bounded in time and stopped at the end.
"""

import os
import signal
import subprocess  # nosec B404 - tests start the worker they test
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from huey.storage import SqliteStorage

from consult.tasks import huey

ROOT = Path(__file__).resolve().parent.parent
CONSUMER = Path(sys.executable).parent / "huey_consumer"


@contextmanager
def use_storage(storage_path: Path):
    saved_storage, saved_immediate = huey.storage, huey.immediate
    huey.immediate = False
    huey.storage = SqliteStorage(huey.name, filename=str(storage_path))
    try:
        yield huey
    finally:
        huey.storage = saved_storage
        huey.immediate = saved_immediate


@contextmanager
def start_worker(
    database_url: str, storage_path: Path, log_path: Path, module="consult.tasks.huey", **env
):
    environment = {
        **os.environ,
        "REMBUK_CONFIG": "development",
        "DATABASE_URL": database_url,
        "HUEY_SQLITE_PATH": str(storage_path),
        "HUEY_REDIS_URL": "",
        **{key: str(value) for key, value in env.items()},
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # nosec B603 - fixed arguments
            [
                str(CONSUMER),
                module,
                "--workers",
                "2",
                "--worker-type",
                "thread",
                "--delay",
                "0.1",
                "--max-delay",
                "0.5",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def wait_for(condition, timeout: float = 30.0, interval: float = 0.2):
    """Poll `condition()` until it is truthy; return its value (or the last one on timeout)."""
    deadline = time.monotonic() + timeout
    value = condition()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = condition()
    return value
