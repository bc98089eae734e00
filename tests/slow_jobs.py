"""The queue the worker of the recovery test serves: consult.tasks.huey, plus a job kind that
writes its file slowly, line by line, so that the test can kill the worker in the middle.

Started as `huey_consumer tests.slow_jobs.huey` (tests/queue_worker.py, module=...)."""

import time

from consult.reports.export_jobs import JobKind, JobOutput, register_kind
from consult.tasks import huey

__all__ = ["huey"]
SLOW = "test_slow"


def _slow(job, consultation, out_file, progress) -> JobOutput:
    steps, pause = int(job.filters["steps"]), float(job.filters["pause"])
    for step in range(steps):
        out_file.write(b"line %d\n" % step)
        out_file.flush()
        progress(step + 1, steps)
        time.sleep(pause)
    return JobOutput("slow.txt")


register_kind(SLOW, JobKind(_slow, "Slow test job", lambda fmt: ".txt"))
