"""The plan import as a job of the task worker (issue 18), like exports and official
documents (export_jobs.py, whose machinery it uses: progress, cancel, retries, recovery,
retention, the Downloads list). It lives with the jobs, above plans, whose importer it calls.

The upload form is checked in the request as before (size, Word or Markdown by content);
`submit_import` keeps the uploaded bytes under a random name in a private folder beside the
exports (never served) and records a job of kind "import". The worker reads the document and
stores what it read (the outline and the problems, as JSON) as the job's file; the job's page
then leads to the preview (reports.import_preview), which signs the outline into the confirm form
exactly as the preview in the request did (pages in import_views.py), and confirming saves it
(plans.confirm_import, unchanged).

The upload holds personal data: it is deleted as soon as the job ends, however it ends (done,
failed, cancelled, or given up after its worker died), and a leftover of a request that never
became a job is swept away within the hour.
"""

import json
import logging
import os
import re
import secrets
import time
from contextlib import suppress
from dataclasses import asdict
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.audit import record
from consult.auth.models import User
from consult.extensions import db
from consult.inputs import without_control_characters
from consult.plans.forms import NOT_DOCX_NOR_TEXT
from consult.plans.importer import PROBLEM_MESSAGES, Outline, ParseResult, Problem, parse_outline
from consult.plans.importer import unreadable as unreadable_kind
from consult.plans.models import Consultation
from consult.reports.export_jobs import (
    ACTIVE,
    JobKind,
    JobOutput,
    JobRefused,
    export_folder,
    job_file,
    register_kind,
)
from consult.reports.models import ExportJob

log = logging.getLogger(__name__)

IMPORT = "import"
UPLOAD_GONE = "upload_gone"
_UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}\.upload$")
# An upload no job refers to (its request failed after storing it) is removed after this.
ORPHAN_SECONDS = 3600
# Why an import job failed, in the words the request used when it read the file itself.
FAILURES = {
    "not_docx": PROBLEM_MESSAGES["not_docx"],
    "not_utf8": NOT_DOCX_NOR_TEXT,
    UPLOAD_GONE: _l("The uploaded file is no longer there. Upload it again."),
}


def upload_folder() -> Path:
    """Where uploads wait for their job: private (0700), beside the exports."""
    folder = export_folder() / "uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _upload_path(job: ExportJob) -> Path | None:
    name = (job.filters or {}).get("upload")
    if not isinstance(name, str) or not _UPLOAD_NAME.match(name):
        return None
    return upload_folder() / name


def _shown_name(filename: str) -> str:
    """The uploaded file's name as the organiser may see it: no folders, no control
    characters, at most 200 characters."""
    name = without_control_characters(filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name.strip()[:200]


def submit_import(
    consultation: Consultation, actor: User, data: bytes, fmt: str, filename: str, locale: str
) -> ExportJob:
    """Keep the checked upload for the worker, record its job and audit it; flushes."""
    name = f"{secrets.token_hex(16)}.upload"
    path = upload_folder() / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as upload:
        upload.write(data)
    try:
        job = ExportJob(
            consultation_id=consultation.id,
            requested_by_id=actor.id,
            kind=IMPORT,
            format=fmt,
            filters={"name": _shown_name(filename), "upload": name},
            locale=locale,
        )
        db.session.add(job)
        db.session.flush()
    except Exception:
        path.unlink(missing_ok=True)
        raise
    record(
        "plan.import_requested",
        actor,
        consultation,
        consultation_id=consultation.id,
        format=fmt,
        job_id=job.id,
    )
    return job


def _read(job: ExportJob, consultation: Consultation, out_file, progress) -> JobOutput:
    """The worker's part: read the upload, store the outline and the problems as JSON."""
    progress(0, 1, "reading")
    path = _upload_path(job)
    if path is None or not path.is_file():
        raise JobRefused(UPLOAD_GONE)
    data = path.read_bytes()
    try:
        result = parse_outline(data)
    except Exception:
        if job.format != "docx":
            raise  # a fault of ours on plain text: retried, then failed
        # A Word file python-docx trips over: no retry reads it better.
        log.exception("Import job %s: the Word document could not be read", job.id)
        raise JobRefused("not_docx") from None
    reason = unreadable_kind(result)
    if reason:
        raise JobRefused(reason)
    content = {
        "outline": result.outline.to_data(),
        "problems": [asdict(problem) for problem in result.problems],
    }
    out_file.write(json.dumps(content, ensure_ascii=False).encode("utf-8"))
    return JobOutput(f"import-{job.id}.json")


def delete_upload(job: ExportJob) -> None:
    """The job has ended: its upload goes (on_end of the kind)."""
    path = _upload_path(job)
    if path is not None:
        path.unlink(missing_ok=True)


def sweep_uploads(now: float | None = None) -> int:
    """Remove uploads older than ORPHAN_SECONDS that no waiting or running job refers to."""
    waiting = db.session.scalars(
        select(ExportJob).where(ExportJob.kind == IMPORT, ExportJob.state.in_(ACTIVE))
    ).all()
    kept = {(job.filters or {}).get("upload") for job in waiting}
    folder = export_folder() / "uploads"
    if not folder.is_dir():
        return 0
    before = (now or time.time()) - ORPHAN_SECONDS
    removed = 0
    for path in folder.iterdir():
        with suppress(OSError):
            if path.name not in kept and path.stat().st_mtime < before:
                path.unlink()
                removed += 1
    return removed


def _line(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def import_result(job: ExportJob) -> ParseResult | None:
    """What a finished import job read; None when it is not done or its file is gone."""
    path = job_file(job) if job.kind == IMPORT else None
    if path is None:
        return None
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        outline = Outline.from_data(content["outline"])
        problems = [
            Problem(str(p["kind"]), _line(p["line"]), str(p["text"])) for p in content["problems"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return ParseResult(outline, problems)


register_kind(
    IMPORT,
    JobKind(
        _read,
        _l("Plan import"),
        suffix=lambda fmt: ".json",
        on_end=delete_upload,
        result_endpoint="reports.import_preview",
        failures=FAILURES,
        notify=False,
        sweep=sweep_uploads,
    ),
)
