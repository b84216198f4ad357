"""Uploaded files: checked by content (not by name), stored under a random name outside static/,
recorded as Document rows with size and SHA-256, and served as attachments only to those allowed.

The file is written before its Document row, inside the caller's transaction; a file whose row never came (the
transaction rolled back, the process died) is swept by a later upload once it is an hour old (`sweep_orphans`).
Each uploading account has a quota (UPLOAD_QUOTA_BYTES), counted from its Document sizes.

Who may read the documents of an owner type is access.DOCUMENT_READERS ({owner_type: [reader(user, owner_id)]});
any reader that answers True grants access (staff always may).
"""
import hashlib
import io
import os
import re
import secrets
import time
import zipfile

from flask import current_app, send_file
from peewee import fn

from core import audit
from core.access import DOCUMENT_READERS
from core.documents import safe_filename
from models import Document

# What a bureau's users upload, recognised by the first bytes (and, for Office files, the zip's contents).
KINDS = {
    "pdf": ("application/pdf", "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格"),
    "jpg": ("image/jpeg", "JPG 图片"),
    "png": ("image/png", "PNG 图片"),
}
ALLOWED_DEFAULT = ("pdf", "docx", "xlsx", "jpg", "png")
_KIND_BY_TYPE = {content_type: kind for kind, (content_type, _) in KINDS.items()}

class UploadError(ValueError):
    """An upload refused, with the Chinese reason to show beside the field."""


def sniff(head, stream):
    """The kind of file by its content, or None."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(stream).namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def allowed_names(kinds):
    return "、".join(KINDS[k][1] for k in kinds)


def read_checked(file_storage, kinds=ALLOWED_DEFAULT):
    """Read an uploaded file and check its size and content. Returns (bytes, kind)."""
    if file_storage is None or not file_storage.filename:
        raise UploadError("请选择要上传的文件")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(f"文件超过 {limit // (1024 * 1024)} MB")
    if not data:
        raise UploadError("文件是空的")
    kind = sniff(data[:16], io.BytesIO(data))
    if kind not in kinds:
        raise UploadError(f"文件内容不是允许的类型（{allowed_names(kinds)}）")
    return data, kind


_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,8}$")


def clean_name(name, kind):
    """The name to show and to send back: no directories, no control, invisible or bidi characters, and the
    extension of the kind found in the content, whatever the name said (营业执照.bat holding a PDF is 营业执照.pdf)."""
    base = safe_filename(os.path.basename((name or "").replace("\\", "/")), "").lstrip(".")
    stem = _EXTENSION.sub("", base).rstrip(" .") or "file"
    return f"{stem[:250 - len(kind)]}.{kind}"


def _megabytes(size):
    return f"{size / (1024 * 1024):.1f} MB"


def check_quota(user, size):
    """Refuse a file that would take the uploading account past UPLOAD_QUOTA_BYTES (withdrawn files count: they stay)."""
    quota = current_app.config.get("UPLOAD_QUOTA_BYTES")
    if user is None or not quota:
        return
    used = Document.select(fn.COALESCE(fn.SUM(Document.size), 0)).where(Document.uploaded_by == user).scalar()
    if used + size > quota:
        raise UploadError(f"您的账号上传空间已满：上限 {_megabytes(quota)}，已用 {_megabytes(used)}，"
                          f"本文件 {_megabytes(size)}。请联系主管部门。")


ORPHAN_AGE = 3600  # seconds: far longer than any upload's transaction, so a file whose row is still coming stays
SWEEP_INTERVAL = 600  # seconds between sweeps in one process
_STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(?:" + "|".join(KINDS) + r")(?:\.part)?$")
_last_sweep = None  # time.monotonic() of this process's last sweep; None: none yet


def sweep_orphans(max_age=ORPHAN_AGE):
    """Delete stored files older than `max_age` seconds that no Document row names, and leftover .part files.
    Returns the names removed. Files not named the way save() names them are never touched."""
    directory = current_app.config["UPLOAD_DIR"]
    cutoff = time.time() - max_age
    try:
        with os.scandir(directory) as scan:
            old = [e.name for e in scan if _STORED_NAME.match(e.name) and e.is_file() and e.stat().st_mtime < cutoff]
    except FileNotFoundError:
        return []
    candidates = sorted({name.removesuffix(".part") for name in old})
    known = set()
    for start in range(0, len(candidates), 500):
        chunk = candidates[start:start + 500]
        known.update(d.stored_name for d in Document.select(Document.stored_name).where(Document.stored_name.in_(chunk)))
    removed = []
    for name in old:
        if name.endswith(".part") or name not in known:
            try:
                os.remove(os.path.join(directory, name))
                removed.append(name)
            except FileNotFoundError:  # another process swept it first
                pass
    if removed:
        current_app.logger.warning("uploads: removed %d orphan file(s): %s", len(removed), ", ".join(removed[:20]))
    return removed


def _sweep_now_and_then():
    global _last_sweep
    if _last_sweep is not None and time.monotonic() - _last_sweep < SWEEP_INTERVAL:
        return
    _last_sweep = time.monotonic()
    try:
        sweep_orphans()
    except OSError:  # a sweep that fails must not fail the upload
        current_app.logger.exception("uploads: orphan sweep failed")


def save(data, kind, original_name, owner_type, owner_id, *, purpose="", user=None):
    """Write the bytes under a random name and record the Document. Call inside db.atomic(): the file is
    written first, and swept later should the transaction not commit. Raises UploadError past the quota."""
    check_quota(user, len(data))
    _sweep_now_and_then()
    stored_name = secrets.token_hex(16) + "." + kind
    directory = current_app.config["UPLOAD_DIR"]
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, stored_name)
    with open(path + ".part", "wb") as fh:
        fh.write(data)
    os.replace(path + ".part", path)
    document = Document.create(
        owner_type=owner_type, owner_id=owner_id, purpose=purpose,
        original_name=clean_name(original_name, kind),
        stored_name=stored_name, size=len(data), content_type=KINDS[kind][0],
        sha256=hashlib.sha256(data).hexdigest(), uploaded_by=user,
    )
    audit.record("document.upload", document, user=user,
                 details={"owner": f"{owner_type}#{owner_id}", "name": document.original_name, "size": len(data)})
    return document


def store(file_storage, owner_type, owner_id, *, purpose="", user=None, kinds=ALLOWED_DEFAULT):
    """Check and save one uploaded file (werkzeug FileStorage). Raises UploadError."""
    data, kind = read_checked(file_storage, kinds)
    return save(data, kind, file_storage.filename, owner_type, owner_id, purpose=purpose, user=user)


def may_read(user, document):
    if user.is_staff:
        return True
    return any(reader(user, document.owner_id) for reader in DOCUMENT_READERS.get(document.owner_type, ()))


def send(document):
    """The file as an attachment, named for its content type (rows stored before names were cleaned included)."""
    path = os.path.join(current_app.config["UPLOAD_DIR"], document.stored_name)
    kind = _KIND_BY_TYPE.get(document.content_type)
    name = clean_name(document.original_name, kind) if kind else safe_filename(document.original_name)
    return send_file(path, mimetype=document.content_type, as_attachment=True, download_name=name)
