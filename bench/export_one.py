"""Run one export in this process and print its time and this process's peak memory.

A separate process per export, so peak memory (ru_maxrss) belongs to that export alone.
"""

import argparse
import json
import resource
import time

from bench.common import bench_app


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
        baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        result = run_export(args.format, consultation, ExportFilters(), None)
        db.session.commit()
        seconds = time.perf_counter() - started
        size_mb = result.path.stat().st_size / 1024 / 1024
        result.path.unlink()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": round(seconds, 1),
                "peak_mb": round(peak_mb),
                "baseline_mb": round(baseline_mb),
                "size_mb": round(size_mb, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
