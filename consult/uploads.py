"""Low-level storage of uploaded files: checked by content, stored under a random name.

Files live in UPLOAD_FOLDER, outside the web root; only views that have checked who may see
them serve them, always as a download. A file is kept only if the transaction that stored it
commits: when the disk is full, or the database fails before the commit, nothing half-stored
remains (no file without its row, no row without its file).
"""

import io
import logging
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import Response, current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction
from werkzeug.datastructures import FileStorage

from consult.extensions import db

log = logging.getLogger(__name__)

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# kind -> (mime type, extensions a file of that kind may carry)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", ("pdf",)),
    "png": ("image/png", ("png",)),
    "jpeg": ("image/jpeg", ("jpg", "jpeg")),
    "docx": (DOCX_MIME, ("docx",)),
    "xlsx": (XLSX_MIME, ("xlsx",)),
}
ALLOWED_EXTENSIONS = tuple(ext for _, exts in KINDS.values() for ext in exts)
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,4}$")


class UploadError(ValueError):
    """The upload is refused; str(error) is a translated message for the field."""


class UploadStorageError(UploadError):
    """The upload was fine but could not be saved (disk full, no permission): try again later."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    mime_type: str
    size_bytes: int


def detect_kind(data: bytes) -> str | None:
    """The kind of file the bytes really are (by magic numbers), or None if not allowed."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def clean_filename(name: str | None) -> str:
    """The original name made harmless for display and download: no path, no control chars."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:255] or "file"


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def read_upload(file: FileStorage) -> tuple[bytes, str, str]:
    """Read and check an upload; return (data, kind, clean original name) or raise UploadError."""
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    data = file.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadError(
            _l("The file is too large (at most %(mb)s MB).", mb=round(max_bytes / 1024 / 1024, 1))
        )
    if not data:
        raise UploadError(_l("The file is empty."))
    original = clean_filename(file.filename)
    kind = detect_kind(data)
    if kind is None:
        raise UploadError(_l("Only PDF, DOCX, XLSX, PNG and JPEG files can be attached."))
    if extension_of(original) not in KINDS[kind][1]:
        raise UploadError(_l("The file name's extension does not match its content."))
    return data, kind, original


def check_upload(file: FileStorage) -> None:
    """Validate an upload for a form field (raises UploadError), leaving the stream rewound."""
    try:
        read_upload(file)
    finally:
        file.stream.seek(0)


def upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def store_upload(file: FileStorage) -> StoredFile:
    """Check and save an upload under a random name; return what to record about it.

    Raises UploadError for a refused file and UploadStorageError when it cannot be written
    (no partial file is left). The file is removed again unless the session commits.
    """
    data, kind, original = read_upload(file)
    ext = KINDS[kind][1][0]
    stored_name = f"{secrets.token_hex(16)}.{ext}"
    path = upload_folder() / stored_name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # a full disk must show now, not after the commit
    except OSError as error:
        _remove(path)
        log.error("Upload not stored (%s): %s", type(error).__name__, error.strerror or error)
        raise UploadStorageError(
            _l(
                "The file could not be saved: the server has no room for it at the moment. "
                "Nothing was sent; your text is still here. Try again later, or send it "
                "without the attachment."
            )
        ) from error
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that its end, committed or not, is seen
    session.info.setdefault(_UNCOMMITTED, []).append(path)
    return StoredFile(stored_name, original, KINDS[kind][0], len(data))


_UNCOMMITTED = "rembuk_uncommitted_uploads"


def _remove(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        log.error("Could not remove unsaved upload %s: %s", path.name, error)


def _keep_committed_uploads(session: Session) -> None:
    session.info.pop(_UNCOMMITTED, None)


def _remove_uncommitted_uploads(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (rollback, error, close): its files go.
    if transaction.parent is None:
        for path in session.info.pop(_UNCOMMITTED, []):
            _remove(path)


def register_upload_cleanup() -> None:
    """Files saved in a transaction that does not commit are removed (called by create_app)."""
    if not event.contains(Session, "after_commit", _keep_committed_uploads):
        event.listen(Session, "after_commit", _keep_committed_uploads)
        event.listen(Session, "after_transaction_end", _remove_uncommitted_uploads)


def stored_path(stored_name: str) -> Path:
    """The file's path; refuses any name we did not make (no path traversal)."""
    if not _STORED_NAME.match(stored_name):
        raise FileNotFoundError(stored_name)
    return upload_folder() / stored_name


def send_stored(stored_name: str, original_name: str, mime_type: str) -> Response:
    """Serve a stored file as a download under its original (RFC 5987 encoded) name."""
    response = send_file(
        stored_path(stored_name),
        mimetype=mime_type,
        as_attachment=True,
        download_name=clean_filename(original_name),
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
