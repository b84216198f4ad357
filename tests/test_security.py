"""The security suite: every route against every role, CSRF on every change, stored XSS escaped, formula injection
neutralised in exports, hostile uploads refused, and the headers on every page."""
import io
import re
from datetime import date

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook

import rules
from core import settings, uploads
from core.access import STAFF_ROLES
from models import PoolEntry, Role, Rung

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


def test_stored_xss_is_escaped_in_pages_and_plain_in_documents(app, client, make, login, db_conn):
    settings.save({"districts": ["松源区"], "bureau_name": "局"})
    subject = make.subject(name="企业" + XSS, contact_person=XSS, address=XSS, rung=Rung.POOL.value)
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
    plan = CultivationPlan.get()
    client.post(f"/plans/{plan.id}/items", data={"subject_id": subject.id, "target_rung": "municipal"})
    doc = DocxDocument(io.BytesIO(client.get(f"/plans/{plan.id}/plan.docx").data))
    assert doc.paragraphs[0].text == "计划" + XSS
    assert "企业" + XSS in {c.text for t in doc.tables for r in t.rows for c in r.cells}


def test_formula_injection_is_neutralised_in_exports(app, client, make, login, db_conn):
    subject = make.subject(name=FORMULA, contact_person="+SUM(A1)", address="@evil", rung=Rung.POOL.value)
    PoolEntry.create(subject=subject, year_admitted=2025)
    login(make.user(Role.ADMIN))
    sheet = load_workbook(io.BytesIO(client.get("/pool/export").data)).active
    values = [c.value for c in sheet[2]]
    assert "'" + FORMULA in values and "'+SUM(A1)" in values and "'@evil" in values
    assert all(c.data_type != "f" for c in sheet[2])
    from models import Listing
    Listing.create(subject=subject, rung="municipal", year=2025, source="municipal_review", listed_on=date(2025, 9, 1))
    for path in ("/admin/audit/export", "/list.xlsx"):
        sheet = load_workbook(io.BytesIO(client.get(path).data)).active
        cells = [c for row in sheet.iter_rows() for c in row]
        assert all(c.data_type != "f" and not str(c.value or "").startswith(("=", "+", "@")) for c in cells), path
        assert "'" + FORMULA in {c.value for c in cells} or path.startswith("/admin"), path


def test_every_spreadsheet_is_written_by_the_one_neutralising_writer():
    """core/documents.py escapes formula-like text in every cell; no other code may open a workbook for writing."""
    import pathlib
    root = pathlib.Path(__file__).resolve().parent.parent
    writers = {str(path.relative_to(root)) for path in root.rglob("*.py")
               if not {".venv", "tests", "bench", "migrations"} & set(path.relative_to(root).parts)
               and "Workbook(" in path.read_text(encoding="utf-8")}
    assert writers == {"core/documents.py"}


@pytest.mark.parametrize("data, name, message", [
    (b"<html><script>alert(1)</script></html>", "报告.pdf", "不是允许的类型"),
    (b"%PDF-1.4 " + b"0" * 200, "../../etc/passwd.pdf", None),
    (b"%PDF-1.4 x", "a\x00b\r\n.pdf", None),
])
def test_hostile_uploads(app, data, name, message, db_conn):
    from werkzeug.datastructures import FileStorage
    with app.test_request_context():
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


# Every enterprise or agency route that names an object, and how to reach another party's object through it.
OWNED_ROUTES = {
    ("/documents/<int:document_id>", "GET"): "documents",
    ("/pool/documents/<int:document_id>/withdraw", "GET"): "documents",
    ("/pool/documents/<int:document_id>/withdraw", "POST"): "documents",
    ("/applications/<int:application_id>", "GET"): "application",
    ("/applications/<int:application_id>/edit", "POST"): "application",
    ("/applications/<int:application_id>/attach", "POST"): "application",
    ("/applications/<int:application_id>/submit", "POST"): "application",
    ("/agency/engagements/<int:engagement_id>", "GET"): "engagement",
    ("/agency/engagements/<int:engagement_id>/accept", "POST"): "engagement",
    ("/agency/engagements/<int:engagement_id>/decline", "POST"): "engagement",
    ("/agency/engagements/<int:engagement_id>/note", "POST"): "engagement",
    ("/agency/engagements/<int:engagement_id>/complete", "POST"): "engagement",
    ("/agency/engagements/<int:engagement_id>/report", "POST"): "engagement",
    ("/my/agencies/engagements/<int:engagement_id>/confirm", "POST"): "engagement",
    ("/my/agencies/engagements/<int:engagement_id>/refuse", "POST"): "engagement",
    ("/my/plan/milestones/<int:milestone_id>/evidence", "POST"): "milestone",
    ("/my/dynamic/<int:report_id>", "GET"): "dynamic_report",
}


def _owned_by_someone_else(make):
    """Enterprise A's subject with a document, an application, a plan milestone, a dynamic table and a change
    notice with its document; agency X's engagement with A and its qualification document."""
    from blueprints.plans import operations as plans
    from models import Application, ChangeNotice, DynamicReport, Engagement, Milestone, PlanItem
    from tests.helpers import make_agency

    subject = make.subject(rung=Rung.POOL.value)
    staff = make.user(Role.STAFF)
    agency = make_agency()
    pdf = b"%PDF-1.4 owned"
    PoolEntry.create(subject=subject, year_admitted=2025)
    application = Application.create(subject=subject, year=2026, rung="municipal")
    plan = plans.create_plan(2026, title="计划", by=staff)
    plans.add_items(plan, [(subject, "municipal")], owner=staff, by=staff)
    milestone = Milestone.select().join(PlanItem).where(PlanItem.subject == subject).first()
    report = DynamicReport.create(subject=subject, year=2025)
    change = ChangeNotice.create(subject=subject, kind="scope", description="x")
    engagement = Engagement.create(subject=subject, agency=agency, purpose="evaluation", rung="municipal",
                                   year=2026, proposed_by=staff)
    documents = [uploads.save(pdf, "pdf", "a.pdf", owner_type, owner_id).id for owner_type, owner_id in (
        ("subject", subject.id), ("application", application.id), ("change", change.id),
        ("agency", agency.id), ("engagement", engagement.id))]
    return {"documents": documents, "application": [application.id], "engagement": [engagement.id],
            "milestone": [milestone.id], "dynamic_report": [report.id]}, subject, agency


def test_every_owned_object_is_not_found_for_another_enterprise_or_agency(app, client, make, login):
    policies = {}
    for rule in app.url_map.iter_rules():
        policies[rule.rule] = policy = _policy(app, rule) or ()
        if "<int:" in rule.rule and policy != "public" and ({"enterprise", "agency"} & set(policy)):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.rule, method) in OWNED_ROUTES, f"add {rule.rule} {method} to OWNED_ROUTES"
    with app.test_request_context():
        objects, subject, agency = _owned_by_someone_else(make)
    from tests.helpers import make_agency
    other_enterprise = make.user(Role.ENTERPRISE, subject=make.subject())
    other_agency = make.user(Role.AGENCY, agency=make_agency())
    for user in (other_enterprise, other_agency):
        login(user)
        for (rule, method), kind in OWNED_ROUTES.items():
            if user.role not in policies[rule]:
                continue
            for object_id in objects[kind]:
                path = re.sub(r"<int:[^>]+>", str(object_id), rule)
                response = client.open(path, method=method, data={"note": "x"})
                assert response.status_code == 404, (user.role, method, path, response.status_code)
        client.post("/logout")
    owner = make.user(Role.ENTERPRISE, subject=subject)  # the control: the owner reaches its own
    login(owner)
    assert client.get(f"/documents/{objects['documents'][0]}").status_code == 200
    assert client.get(f"/my/dynamic/{objects['dynamic_report'][0]}").status_code == 200


def test_upkeep_text_is_escaped_in_pages_and_plain_in_documents(app, client, make, login, db_conn):
    """Public reports and review opinions (第二十八、三十二条) are shown to staff and written into .docx."""
    from blueprints.upkeep import operations as upkeep
    from models import Complaint, Listing
    subject = make.subject(name="企业" + XSS, rung=Rung.MUNICIPAL.value)
    staff = make.user(Role.STAFF)
    Listing.create(subject=subject, rung="municipal", year=2025, source="municipal_review", listed_on=date(2025, 9, 1))
    values = {key: "1" for key, *_ in rules.DYNAMIC_INDICATORS["factory"]}
    report, _, _ = upkeep.file_report(subject, 2025, raw=values, by=staff, today=date(2026, 3, 1))
    upkeep.review_report(report, result="pass", opinion="意见" + XSS, by=staff)
    client.post("/report", data={"target": f"s{subject.id}", "reporter_name": XSS, "reporter_contact": XSS,
                                 "matter": XSS, "no_evidence_reason": XSS})
    login(staff)
    complaint = Complaint.get()
    for path in ("/upkeep/complaints", f"/upkeep/complaints/{complaint.id}", "/upkeep/dynamic?year=2025",
                 f"/upkeep/dynamic/{report.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
    doc = DocxDocument(io.BytesIO(client.get("/upkeep/dynamic/opinion.docx?year=2025").data))
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert "企业" + XSS in cells and "意见" + XSS in cells
