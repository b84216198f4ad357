"""Small leaks closed (issue 15 item 11): whose credit code it is, which agencies exist, a spreadsheet that
inflates to millions of rows, a short production key, HSTS only in production, and no Server banner."""
import http.client
import io
import os
import secrets
import subprocess
import sys
import time
import zipfile

import pytest
from openpyxl import Workbook

from app import create_app
from blueprints.pool import spreadsheet
from core import database, settings
from core.identifiers import make_credit_code
from models import Agency, AgencyStatus, Complaint, Role, Subject

from .helpers import make_agency
from .test_pool import registration
from .test_pool_import import row, upload, workbook_bytes

pytestmark = pytest.mark.staff(login=True, username="wangxm")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def city(app):
    with app.app_context():
        settings.save({"districts": ["松源区", "临江区"], "bureau_name": "龙江湾市工业和信息化局",
                       "bureau_phone": "0451-88880000"})


# --- (1) a credit code already registered ----------------------------------------------------------------

def test_registration_with_a_taken_code_does_not_name_its_holder(client, city, make, db_conn):
    existing = make.subject(credit_code=make_credit_code("239902", 777), name="已登记保密企业有限公司")
    html = client.post("/register", data=registration(credit_code=existing.credit_code)).get_data(as_text=True)
    assert "该统一社会信用代码已登记" in html and "龙江湾市工业和信息化局" in html and "0451-88880000" in html
    assert "已登记保密企业有限公司" not in html
    assert Subject.select().count() == 1


def test_an_enterprise_editing_its_profile_with_a_taken_code_is_not_told_whose(client, city, make, login):
    make.subject(credit_code=make_credit_code("239902", 901), name="别家保密企业有限公司")
    own = make.subject(credit_code=make_credit_code("239902", 902), status="pending")
    login(make.user(Role.ENTERPRISE, subject=own))
    form = {key: getattr(own, key) or "" for key in ("kind", "name", "district", "industry_code", "address",
                                                      "legal_representative", "contact_person", "contact_phone")}
    html = client.post("/my/edit", data={**form, "credit_code": make_credit_code("239902", 901)}).get_data(as_text=True)
    assert "该统一社会信用代码已登记" in html and "别家保密企业有限公司" not in html


def test_staff_registering_on_behalf_still_see_whose_code_it_is(client, city, make, login):
    existing = make.subject(credit_code=make_credit_code("239902", 903), name="经办人可见企业有限公司")
    login(make.user(Role.STAFF))
    data = {key: value for key, value in registration(credit_code=existing.credit_code).items()
            if key not in ("username", "password", "confirm")}
    html = client.post("/pool/subjects/new", data=data).get_data(as_text=True)
    assert "该统一社会信用代码已登记（经办人可见企业有限公司）" in html


# --- (2) the public report form names approved agencies only ---------------------------------------------

def test_the_public_report_form_lists_only_approved_agencies(client, db_conn):
    names = {status: make_agency(status=status.value, name=f"{status.label}状态评价机构有限公司").name
             for status in AgencyStatus}
    html = client.get("/report").get_data(as_text=True)
    assert names[AgencyStatus.APPROVED] in html
    for status in AgencyStatus:
        if status != AgencyStatus.APPROVED:
            assert names[status] not in html, status
    pending = Agency.get(Agency.status == AgencyStatus.PENDING.value)
    response = client.post("/report", data={"target": f"a{pending.id}", "reporter_name": "张三",
                                            "reporter_contact": "13900001111", "matter": "试探是否存在"})
    assert response.status_code == 200 and "举报已受理" not in response.get_data(as_text=True)
    assert Complaint.select().count() == 0


# --- (3) a spreadsheet too big is refused before any row is read -------------------------------------------

@pytest.fixture
def staff(staff, districts):
    """The logged-in staff user, with two districts configured."""
    return staff


def _with_sheet(xml, extra_members=0):
    """A valid workbook whose first sheet is replaced by `xml` (and padded with `extra_members` empty parts)."""
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes([row()])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            data = xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item.filename)
            target.writestr(item.filename, data)
        for index in range(extra_members):
            target.writestr(f"customXml/item{index}.xml", b"<a/>")
    return out.getvalue()


def _sheet(rows_xml, dimension=None):
    head = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
            b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    if dimension:
        head += f'<dimension ref="{dimension}"/>'.encode()
    header = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in spreadsheet.HEADERS)
    return head + f"<sheetData><row>{header}</row>".encode() + rows_xml + b"</sheetData></worksheet>"


def test_a_zip_bomb_of_twelve_million_rows_is_refused_from_its_directory(client, staff, monkeypatch):
    bomb = _with_sheet(_sheet(b"<row/>" * 12_000_000))
    assert len(bomb) < 1024 * 1024  # well under the upload limit
    read = []
    monkeypatch.setattr(spreadsheet, "load_workbook", lambda *a, **k: read.append(1))
    html = upload(client, bomb).get_data(as_text=True)
    assert "文件解压后约" in html and "超过上限 64 MB" in html
    assert read == []  # refused before openpyxl opened it


def test_a_sheet_declaring_more_rows_than_the_limit_is_refused(client, staff):
    workbook = _with_sheet(_sheet(b"", dimension="A1:R12000000"))
    html = upload(client, workbook).get_data(as_text=True)
    assert "工作表共 12000000 行" in html and "一次最多导入 20000 行" in html


@pytest.mark.app_config(IMPORT_MAX_ROWS=5)
def test_a_sheet_stating_no_size_stops_one_row_past_the_limit(client, staff):
    workbook = _with_sheet(_sheet(b"<row/>" * 50 + b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'))
    html = upload(client, workbook).get_data(as_text=True)
    assert "工作表超过 6 行" in html and "一次最多导入 5 行" in html


@pytest.mark.app_config(IMPORT_MAX_ZIP_MEMBERS=20)
def test_a_workbook_of_too_many_parts_is_refused(client, staff):
    html = upload(client, _with_sheet(_sheet(b""), extra_members=30)).get_data(as_text=True)
    assert "超过上限 20 个" in html


@pytest.mark.app_config(IMPORT_MAX_ROWS=3)
def test_an_import_within_the_limits_still_previews(client, staff):
    codes = [make_credit_code("239902", 5000 + n) for n in range(3)]
    html = upload(client, workbook_bytes([row(name=f"限内企业{n}有限公司", code=c) for n, c in enumerate(codes)]))
    assert "新增 3" in html.get_data(as_text=True)


@pytest.mark.app_config(IMPORT_MAX_ROWS=2)
def test_the_provinces_outcome_sheet_has_the_same_limits(client, staff):
    wb = Workbook()
    wb.active.append(["统一社会信用代码", "名称", "级别", "年度"])
    for n in range(5):
        wb.active.append([make_credit_code("239902", 6000 + n), "某企业", "省级", 2025])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = client.post("/listing/outcomes/import", data={"file": (io.BytesIO(buffer.getvalue()), "o.xlsx"), "listed_on": "2025-12-01"},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "一次最多导入 2 行" in response.get_data(as_text=True)


# --- (4) the production key, (5) HSTS ---------------------------------------------------------------------

def _production(tmp_path, key):
    return create_app({"ENV_NAME": "production", "SECRET_KEY": key,
                       "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}", "RATELIMIT_STORAGE_URI": "memory://"})


@pytest.mark.parametrize("key", ["short", "x" * 31, "密钥" * 5])  # 5 × 2 characters, 30 bytes
def test_production_refuses_a_secret_key_shorter_than_32_bytes(tmp_path, key):
    with pytest.raises(RuntimeError, match="至少 32 字节"):
        _production(tmp_path, key)


def test_production_accepts_a_32_byte_key_and_sends_hsts(tmp_path):
    app = _production(tmp_path, secrets.token_hex(16))  # 32 characters
    with app.app_context():
        database.upgrade()
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


# --- (6) no Server banner from gunicorn -------------------------------------------------------------------

@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="the server runs on SQLite")
def test_gunicorn_sends_no_server_header(tmp_path):
    from bench.load import free_port
    url = f"sqlite:///{tmp_path / 'g.sqlite3'}"
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url})
    with app.app_context():
        database.upgrade()
    port = free_port()
    env = {**os.environ, "GREENLADDER_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url,
           "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "1", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "GUNICORN_ACCESS_LOG": "", "UPLOAD_DIR": str(tmp_path / "u"), "FILING_DIR": str(tmp_path / "f"),
           "IMPORT_DIR": str(tmp_path / "i")}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", os.path.join(ROOT, "gunicorn.conf.py"),
                               "app:create_app()"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    try:
        headers = None
        deadline = time.time() + 30
        while headers is None and time.time() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
                headers = response.headers
                connection.close()
            except OSError:
                time.sleep(0.2)
        assert headers is not None, server.stderr.read1(4000).decode() if server.poll() is not None else "no answer"
        assert "Server" not in headers, headers["Server"]
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_nul_byte_in_the_address_is_a_bad_request_not_a_500(client, make, login):
    login(make.user())
    for path in ("/pool/?q=%00", "/list?q=a%00b", "/admin/audit?username=%00"):
        assert client.get(path).status_code == 400, path
