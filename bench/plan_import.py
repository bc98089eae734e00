"""How long the plan import (upload -> preview -> confirm) takes for a large plan document,
to decide whether it must be a job of the worker (docs/operations.md, "Plan imports").

    .venv/bin/python -m bench.plan_import [--strategies 150,600]

A Word plan like an RPIK's chapters: Heading 1 chapters, Heading 2 sections, Heading 3
strategies, each with two paragraphs and a table of activities and yearly targets (6 x 5
cells). For each size it reports the DOCX's size, the parse (python-docx), the signing of the
preview into the confirm form (and that form field's size), and the confirm step's database
work (apply_outline + commit on SQLite), each in seconds, and the process's peak memory.
"""

import argparse
import io
import resource
import tempfile
import time

from docx import Document

from bench.common import bench_app, fresh_schema

TEXT = (
    "Meningkatkan daya saing industri kecil dan menengah berbasis rotan melalui penguatan "
    "kelembagaan, akses bahan baku, standardisasi produk dan perluasan pasar ekspor. "
)


def plan_docx(strategies: int, per_section: int = 5, per_chapter: int = 6) -> bytes:
    document = Document()
    made = 0
    chapter = 0
    while made < strategies:
        chapter += 1
        document.add_heading(f"BAB {chapter} Pembangunan industri {chapter}", level=1)
        document.add_paragraph(TEXT * 3)
        for section in range(1, per_chapter + 1):
            if made >= strategies:
                break
            document.add_heading(f"{chapter}.{section} Sasaran {section}", level=2)
            document.add_paragraph(TEXT * 2)
            for _ in range(per_section):
                if made >= strategies:
                    break
                made += 1
                document.add_heading(f"S{made} Strategi {made}", level=3)
                document.add_paragraph(TEXT * 2)
                document.add_paragraph(TEXT)
                table = document.add_table(rows=6, cols=5)
                for r, row in enumerate(table.rows):
                    for c, cell in enumerate(row.cells):
                        cell.text = "Kegiatan" if r == 0 else f"Target {2026 + c} baris {r}"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def measure(strategies: int) -> dict:
    from consult.auth.models import Role, User
    from consult.extensions import db
    from consult.plans.importer import parse_docx
    from consult.plans.models import Consultation
    from consult.plans.preview import IMPORT_PREVIEW
    from consult.plans.services import apply_outline

    data = plan_docx(strategies)
    row = {"strategies": strategies, "docx_kb": round(len(data) / 1024)}
    started = time.perf_counter()
    result = parse_docx(data)
    row["parse_s"] = round(time.perf_counter() - started, 2)
    user = User(email=f"bench{strategies}@example.org", name="Bench", role=Role.ORGANISER)
    consultation = Consultation(title=f"Bench {strategies}")
    db.session.add_all([user, consultation])
    db.session.flush()
    started = time.perf_counter()
    token = IMPORT_PREVIEW.sign(consultation, user, result.outline)
    outline, _extra = IMPORT_PREVIEW.load(token, consultation, user)
    row["preview_sign_load_s"] = round(time.perf_counter() - started, 2)
    row["confirm_field_kb"] = round(len(token) / 1024)
    started = time.perf_counter()
    counts = apply_outline(consultation, outline, user)
    db.session.commit()
    row["apply_s"] = round(time.perf_counter() - started, 2)
    row["imported"] = counts
    row["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", default="150,600")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = bench_app(f"sqlite:///{folder}/import.sqlite")
        with app.app_context(), app.test_request_context("/"):
            fresh_schema()
            for count in (int(n) for n in args.strategies.split(",")):
                print(measure(count), flush=True)


if __name__ == "__main__":
    main()
