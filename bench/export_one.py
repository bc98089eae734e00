"""Run one export in this process and print its time and this process's peak memory.

A separate process per export, so peak memory (ru_maxrss) belongs to that export alone.
"""

import argparse
import json
import resource
import time
from pathlib import Path

from bench.common import bench_app


def peak_mb() -> float:
    """This process's peak resident memory in MB.

    VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and
    exec, so a large benchmark runner would show up as every export's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--consultation", type=int, required=True)
    parser.add_argument("--format", required=True)
    args = parser.parse_args()

    app = bench_app(args.database_url)
    with app.app_context(), app.test_request_context():
        from consult.extensions import db
        from consult.plans.models import Consultation
        from consult.reports.exports import ExportFilters, run_export

        consultation = db.session.get(Consultation, args.consultation)
        baseline_mb = peak_mb()
        started = time.perf_counter()
        result = run_export(args.format, consultation, ExportFilters(), None)
        db.session.commit()
        seconds = time.perf_counter() - started
        size_mb = result.path.stat().st_size / 1024 / 1024
        result.path.unlink()
    peak = peak_mb()
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "peak_mb": round(peak),
                "baseline_mb": round(baseline_mb),
                "size_mb": round(size_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
