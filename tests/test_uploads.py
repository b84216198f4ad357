"""Uploads are checked by content and size, stored with their hash, and served only to those allowed."""
import hashlib
import io
import os
import zipfile

import pytest
from werkzeug.datastructures import FileStorage

from core import uploads
from models import Document, Role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _file(data, name):
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.mark.parametrize("data, name, kind", [
    (PDF, "报告.pdf", "pdf"),
    (_docx_bytes(), "报告.docx", "docx"),
    (b"\x89PNG\r\n\x1a\n" + b"0" * 20, "a.png", "png"),
    (b"\xff\xd8\xff\xe0" + b"0" * 20, "a.jpg", "jpg"),
])
def test_accepted_by_content(app, data, name, kind, db_conn):
    with app.app_context():
        document = uploads.store(_file(data, name), "subject", 1)
        assert document.sha256 == hashlib.sha256(data).hexdigest() and document.size == len(data)
        assert os.path.exists(os.path.join(app.config["UPLOAD_DIR"], document.stored_name))
        assert document.stored_name.endswith("." + kind) and "报告" not in document.stored_name


@pytest.mark.parametrize("data, name, message", [
    (b"MZ\x90\x00 not a pdf", "report.pdf", "不是允许的类型"),
    (b"PK\x03\x04broken", "a.docx", "不是允许的类型"),
    (b"", "empty.pdf", "文件是空的"),
])
def test_refused_by_content(app, data, name, message, db_conn):
    with app.app_context():
        with pytest.raises(uploads.UploadError, match=message):
            uploads.store(_file(data, name), "subject", 1)
        assert Document.select().count() == 0


def test_refused_when_too_large(app, db_conn):
    app.config["MAX_UPLOAD_BYTES"] = 100
    with app.app_context():
        with pytest.raises(uploads.UploadError, match="超过"):
            uploads.store(_file(PDF + b"0" * 200, "big.pdf"), "subject", 1)


def test_download_only_for_allowed_readers(app, client, make, login):
    with app.app_context():
        document = uploads.store(_file(PDF, "资质.pdf"), "nobody-reads-this", 1)
    login(make.user(Role.ENTERPRISE))
    assert client.get(f"/documents/{document.id}").status_code == 404
    client.post("/logout")
    login(make.user(Role.STAFF))
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.get("/documents/999").status_code == 404
