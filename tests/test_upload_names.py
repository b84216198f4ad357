"""Uploads (issue 15 item 8): named for their content, cleaned of invisible characters, orphan files swept,
and each uploading account held to its quota."""
import io
import os
import time
from urllib.parse import unquote

import pytest
from werkzeug.datastructures import FileStorage

from core import uploads
from models import Document, Role, db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 20


def _file(data, name):
    return FileStorage(stream=io.BytesIO(data), filename=name)


def _served_name(response):
    """The file name a browser saves: the RFC 5987 filename* when there is one."""
    disposition = response.headers["Content-Disposition"]
    if "filename*=UTF-8''" in disposition:
        return unquote(disposition.split("filename*=UTF-8''", 1)[1])
    return disposition.split('filename="', 1)[1].rstrip('"')


@pytest.mark.parametrize("name, kind, expected", [
    ("营业执照.bat", "pdf", "营业执照.pdf"),
    ("营业执照", "pdf", "营业执照.pdf"),
    ("报告\u202efdp.exe", "pdf", "报告fdp.pdf"),  # the right-to-left override that shows "exe.pdf" as "报告exe.pdf"
    ("照\u200b片.JPEG", "jpg", "照片.jpg"),
    ("\ufeff\u2066名单\u2069.xlsx", "xlsx", "名单.xlsx"),
    ("a\x00b\r\n.pdf", "pdf", "ab.pdf"),
    ("../../etc/passwd", "pdf", "passwd.pdf"),
    ("C:\\Users\\张三\\资质.docx", "docx", "资质.docx"),
    (".hidden", "png", "hidden.png"),
    ("张三.李四", "pdf", "张三.李四.pdf"),  # not an extension: kept
    ("", "png", "file.png"),
    ("\u202e\u200b", "pdf", "file.pdf"),
])
def test_clean_name(name, kind, expected):
    assert uploads.clean_name(name, kind) == expected


def test_a_long_name_keeps_its_extension():
    name = uploads.clean_name("长" * 400 + ".exe", "pdf")
    assert len(name) <= 255 and name.endswith("长.pdf")


def test_stored_and_served_under_the_name_of_its_content(app, client, make, login):
    with app.app_context():
        document = uploads.store(_file(PDF, "营业执照.bat"), "subject", 1)
        assert document.stored_name.endswith(".pdf") and document.original_name == "营业执照.pdf"
        assert document.content_type == "application/pdf"
    login(make.user(Role.STAFF))
    response = client.get(f"/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf" and _served_name(response) == "营业执照.pdf"


def test_a_row_stored_before_names_were_cleaned_is_served_clean(app, client, make, login):
    with app.app_context():
        document = uploads.store(_file(PNG, "a.png"), "subject", 1)
        Document.update(original_name="证书\u202egnp.bat\x01").where(Document.id == document.id).execute()
    login(make.user(Role.STAFF))
    assert _served_name(client.get(f"/documents/{document.id}")) == "证书gnp.png"


# --- orphans: the file is written before its row; a later upload sweeps files whose row never came ---------------

def _put(directory, name, age=0):
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name)
    with open(path, "wb") as fh:
        fh.write(PDF)
    if age:
        then = time.time() - age
        os.utime(path, (then, then))
    return path


def test_sweep_removes_only_old_files_without_a_row(app, db_conn):
    directory = app.config["UPLOAD_DIR"]
    with app.app_context():
        kept = uploads.store(_file(PDF, "有记录.pdf"), "subject", 1)
        os.utime(os.path.join(directory, kept.stored_name), (time.time() - 7200,) * 2)
        old_orphan = _put(directory, "a" * 32 + ".pdf", age=7200)
        old_part = _put(directory, "b" * 32 + ".docx.part", age=7200)
        fresh_orphan = _put(directory, "c" * 32 + ".pdf")  # its transaction may still be open
        other = _put(directory, "README.txt", age=7200)  # not named the way save() names files
        removed = uploads.sweep_orphans()
    assert sorted(removed) == sorted([os.path.basename(old_orphan), os.path.basename(old_part)])
    assert not os.path.exists(old_orphan) and not os.path.exists(old_part)
    assert os.path.exists(fresh_orphan) and os.path.exists(other)
    assert os.path.exists(os.path.join(directory, kept.stored_name))


def test_a_rolled_back_upload_leaves_a_file_that_the_next_store_sweeps(app, monkeypatch, db_conn):
    directory = app.config["UPLOAD_DIR"]
    with app.app_context():
        with pytest.raises(RuntimeError):
            with db.atomic():
                lost = uploads.store(_file(PDF, "回滚.pdf"), "subject", 1)
                raise RuntimeError("the caller's next step fails")
        path = os.path.join(directory, lost.stored_name)
        assert os.path.exists(path) and not Document.select().exists()
        os.utime(path, (time.time() - 2 * uploads.ORPHAN_AGE,) * 2)
        monkeypatch.setattr(uploads, "_last_sweep", None)  # this process has not swept yet
        with db.atomic():
            uploads.store(_file(PDF, "下一个.pdf"), "subject", 1)
        assert not os.path.exists(path)
        assert [d.original_name for d in Document.select()] == ["下一个.pdf"]


def test_the_sweep_runs_at_most_every_interval(app, monkeypatch, db_conn):
    calls = []
    monkeypatch.setattr(uploads, "_last_sweep", None)
    monkeypatch.setattr(uploads, "sweep_orphans", lambda: calls.append(1) or [])
    with app.app_context():
        for name in ("1.pdf", "2.pdf"):
            uploads.store(_file(PDF, name), "subject", 1)
    assert calls == [1]


# --- quota -------------------------------------------------------------------------------------------------------

@pytest.mark.app_config(UPLOAD_QUOTA_BYTES=len(PDF) * 2 + 10)
def test_quota_per_uploading_account(app, client, make, login, db_conn):
    subject = make.subject()
    user = make.user(Role.ENTERPRISE, subject=subject)
    login(user)
    for name in ("一.pdf", "二.pdf"):
        response = client.post("/my/documents", data={"file": (io.BytesIO(PDF), name)},
                               content_type="multipart/form-data")
        assert response.status_code == 302
    html = client.post("/my/documents", data={"file": (io.BytesIO(PDF), "三.pdf")}, content_type="multipart/form-data",
                       follow_redirects=True).get_data(as_text=True)
    assert "上传空间已满" in html and "请联系主管部门" in html
    assert [d.original_name for d in Document.select().order_by(Document.id)] == ["一.pdf", "二.pdf"]
    assert len(os.listdir(app.config["UPLOAD_DIR"])) == 2  # refused before anything was written
    with app.app_context():  # another account has its own quota
        assert uploads.store(_file(PDF, "别人.pdf"), "subject", subject.id, user=make.user(Role.STAFF))


@pytest.mark.app_config(UPLOAD_QUOTA_BYTES=len(PDF) + 1)
def test_quota_counts_what_the_account_uploaded_and_says_so(app, make, db_conn):
    user = make.user(Role.ENTERPRISE, subject=make.subject())
    with app.app_context():
        uploads.store(_file(PDF, "一.pdf"), "subject", 1, user=user)
        with pytest.raises(uploads.UploadError, match=r"上限 0\.0 MB，已用 0\.0 MB"):
            uploads.store(_file(PDF, "二.pdf"), "subject", 1, user=user)
