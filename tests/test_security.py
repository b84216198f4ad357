"""The security suite: every route against every role, CSRF on every change, stored XSS escaped, formula injection
neutralised in exports, hostile uploads refused, and the headers on every page."""
import io
import re

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook

import settings
import uploads
from access import STAFF_ROLES
from models import PoolEntry, Role, Rung, db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = '=cmd|" /C calc"!A0'
ROLES = [None, *[r.value for r in Role]]


def _path(rule):
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)


def _policy(app, rule):
    return getattr(app.view_functions[rule.endpoint], "access_policy", None)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_its_policy_says(app, client, make, login, role):
    """Anonymous users are sent to login, users of another role get 403, allowed users never get 401/403/500."""
    make.user(Role.STAFF)  # object id 1 in every path is someone else, not the user under test
    if role:
        login(make.user(role))
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "auth.logout"):  # logging out midway would change the role under test
            continue
        policy = _policy(app, rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_path(rule), method=method)
            assert response.status_code != 500, (rule.rule, method, role)
            if policy == "public":
                continue
            if role is None:
                assert response.status_code in (302, 204), (rule.rule, method)
            elif role not in policy:
                assert response.status_code == 403, (rule.rule, method, role, response.status_code)
            else:
                assert response.status_code not in (401, 403), (rule.rule, method, role)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_every_state_changing_route_refuses_a_missing_csrf_token(app, make):
    client = app.test_client()
    staff = make.user(Role.ADMIN)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": staff.username, "password": "Testing12345", "csrf_token": token})
    changing = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.endpoint != "static"]
    assert len(changing) > 40
    for rule in changing:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.post(_path(rule), data={"x": "1"}, headers=headers)
            assert response.status_code == 400, (rule.rule, headers, response.status_code)


def test_stored_xss_is_escaped_in_pages_and_plain_in_documents(app, client, make, login):
    with db.connection_context():
        settings.save({"districts": ["松源区"], "bureau_name": "局"})
    subject = make.subject(name="企业" + XSS, contact_person=XSS, address=XSS, rung=Rung.POOL.value)
    with db.connection_context():
        PoolEntry.create(subject=subject, year_admitted=2025)
    staff = make.user(Role.STAFF, display_name=XSS)
    login(staff)
    client.post(f"/pool/subjects/{subject.id}/eligibility/legal_entity", data={"result": "met", "evidence": XSS})
    for path in ("/pool/", f"/pool/subjects/{subject.id}", "/home"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html, path
    sheet = load_workbook(io.BytesIO(client.get("/pool/export").data)).active
    assert sheet["B2"].value == "企业" + XSS  # written as plain text
    client.post("/plans/new", data={"year": "2026", "title": "计划" + XSS})
    from models import CultivationPlan
    with db.connection_context():
        plan = CultivationPlan.get()
    client.post(f"/plans/{plan.id}/items", data={"subject_id": subject.id, "target_rung": "municipal"})
    doc = DocxDocument(io.BytesIO(client.get(f"/plans/{plan.id}/plan.docx").data))
    assert doc.paragraphs[0].text == "计划" + XSS
    assert "企业" + XSS in {c.text for t in doc.tables for r in t.rows for c in r.cells}


def test_formula_injection_is_neutralised_in_exports(app, client, make, login):
    subject = make.subject(name=FORMULA, contact_person="+SUM(A1)", address="@evil", rung=Rung.POOL.value)
    with db.connection_context():
        PoolEntry.create(subject=subject, year_admitted=2025)
    login(make.user(Role.ADMIN))
    sheet = load_workbook(io.BytesIO(client.get("/pool/export").data)).active
    values = [c.value for c in sheet[2]]
    assert "'" + FORMULA in values and "'+SUM(A1)" in values and "'@evil" in values
    assert all(c.data_type != "f" for c in sheet[2])
    audit_sheet = load_workbook(io.BytesIO(client.get("/admin/audit/export").data)).active
    assert all(not (isinstance(c.value, str) and c.value.startswith("=")) for row in audit_sheet.iter_rows() for c in row)


@pytest.mark.parametrize("data, name, message", [
    (b"<html><script>alert(1)</script></html>", "报告.pdf", "不是允许的类型"),
    (b"%PDF-1.4 " + b"0" * 200, "../../etc/passwd.pdf", None),
    (b"%PDF-1.4 x", "a\x00b\r\n.pdf", None),
])
def test_hostile_uploads(app, data, name, message):
    from werkzeug.datastructures import FileStorage
    with app.test_request_context(), db.connection_context():
        storage = FileStorage(stream=io.BytesIO(data), filename=name)
        if message:
            with pytest.raises(uploads.UploadError, match=message):
                uploads.store(storage, "subject", 1)
            return
        document = uploads.store(storage, "subject", 1)
        assert "/" not in document.stored_name and ".." not in document.stored_name
        assert "/" not in document.original_name and "\x00" not in document.original_name


def test_oversize_upload_is_refused_before_it_is_stored(app, client, make, login):
    app.config["MAX_UPLOAD_BYTES"] = 1000
    login(make.user(Role.ENTERPRISE, subject=make.subject()))
    html = client.post("/my/documents", data={"file": (io.BytesIO(b"%PDF-1.4" + b"0" * 5000), "big.pdf")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "文件超过" in html


@pytest.mark.parametrize("path", ["/", "/login", "/list", "/register", "/no-such-page"])
def test_security_headers_on_every_kind_of_page(client, path):
    response = client.get(path)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY" and response.headers["X-Content-Type-Options"] == "nosniff"


def test_staff_roles_are_the_only_ones_on_staff_pages(app):
    staff_only = [r for r in app.url_map.iter_rules() if _policy(app, r) not in (None, "public")
                  and set(_policy(app, r)) <= set(STAFF_ROLES)]
    assert len(staff_only) > 40
