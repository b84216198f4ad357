"""Uploaded files: checked by content (not by name), stored under a random name outside static/,
recorded as Document rows with size and SHA-256, and served as attachments only to those allowed.

Each area registers who may read the documents of an owner type; any predicate that answers True
grants access (staff always may):
    uploads.register_reader("subject", lambda user, owner_id: ...)
"""
import hashlib
import io
import os
import re
import secrets
import zipfile

from flask import current_app, send_file

import audit
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

_readers = {}


class UploadError(ValueError):
    """An upload refused, with the Chinese reason to show beside the field."""


def register_reader(owner_type, predicate):
    _readers.setdefault(owner_type, []).append(predicate)


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


_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")


def clean_name(name, kind):
    """The name to show and to send back: no directories, no control characters, never empty."""
    base = _UNSAFE_NAME.sub("", os.path.basename((name or "").replace("\\", "/"))).strip().lstrip(".")
    return (base or f"file.{kind}")[:255]


def save(data, kind, original_name, owner_type, owner_id, *, purpose="", user=None):
    """Write the bytes under a random name and record the Document. Call inside db.atomic()."""
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
    return any(predicate(user, document.owner_id) for predicate in _readers.get(document.owner_type, ()))


def send(document):
    path = os.path.join(current_app.config["UPLOAD_DIR"], document.stored_name)
    return send_file(path, mimetype=document.content_type, as_attachment=True,
                     download_name=document.original_name)
