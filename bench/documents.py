"""Benchmark of the official documents: the rekapitulasi PDF of the bench consultation.

Generates the bench consultation at a scale (1.0 = 50,000 comments) into a SQLite file, then
renders the rekapitulasi PDF in a child process (so peak memory is the render's alone) and
prints its time, peak memory, page count and size. Not a test: run it by hand,

    .venv/bin/python -m bench.documents --scale 0.1
"""

import argparse
import json
import os
import subprocess  # nosec B404 - runs this same script as a child, no shell
import sys
import tempfile
import time
from pathlib import Path

from bench.common import bench_app
from bench.export_one import peak_mb


def render(database_url: str, consultation_id: int, fmt: str) -> dict:
    app = bench_app(database_url)
    with app.app_context(), app.test_request_context():
        from consult.documents.docx_writer import render_docx
        from consult.documents.pdf import write_pdf_in_parts
        from consult.documents.rekapitulasi import RekapOptions, build_rekapitulasi
        from consult.extensions import db
        from consult.plans.models import Consultation

        consultation = db.session.get(Consultation, consultation_id)
        baseline = peak_mb()
        cpu_before = time.process_time()
        started = time.perf_counter()
        document = build_rekapitulasi(consultation, RekapOptions(lang="id"))
        built = time.perf_counter() - started
        built_mb = peak_mb()  # the document's rows in memory, before any layout
        # As the worker does: the PDF written into its file as the parts come.
        out = tempfile.TemporaryFile()
        if fmt == "pdf":
            write_pdf_in_parts(document, out)
        else:
            out.write(render_docx(document))
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_before
        rendered_mb = peak_mb()  # before the page count below reads the whole file again
    pages = None
    with out:
        size = out.tell()
        if fmt == "pdf":
            from pypdf import PdfReader

            out.seek(0)
            pages = len(PdfReader(out).pages)
    return {
        "format": fmt,
        "seconds": round(seconds, 1),
        # CPU time too: on a shared machine the wall time says as much about the neighbours.
        "cpu_seconds": round(cpu, 1),
        "load_average": round(os.getloadavg()[0], 1),
        "build_seconds": round(built, 1),
        "peak_mb": round(rendered_mb),
        "baseline_mb": round(baseline),
        "built_mb": round(built_mb),
        "pages": pages,
        "size_mb": round(size / 1024 / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--format", default="pdf", choices=("pdf", "docx"))
    parser.add_argument("--database-url")
    parser.add_argument("--consultation", type=int)
    args = parser.parse_args()
    if args.consultation:  # the child: render only
        print(json.dumps(render(args.database_url, args.consultation, args.format)))
        return
    from bench.common import fresh_schema
    from bench.generate import generate

    path = Path(tempfile.mkdtemp(prefix="rembuk-bench-docs-")) / "bench.sqlite"
    url = f"sqlite:///{path}"
    app = bench_app(url)
    with app.app_context():
        fresh_schema()
        data = generate(args.scale)
    child = subprocess.run(  # nosec B603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "bench.documents",
            "--database-url",
            url,
            "--consultation",
            str(data["consultation_id"]),
            "--format",
            args.format,
        ],
        capture_output=True,
        text=True,
    )
    if child.returncode:
        sys.exit(child.stderr[-3000:])
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result.update(scale=args.scale, comments=data.get("comments"))
    print(json.dumps(result))
    path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
