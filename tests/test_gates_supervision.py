"""Supervision of the lists (issue 16, items 9–11): spot checks and graded incidents (第二十九条), public removal
notices (第三十条), and evidence with every public report (第三十二条)."""
import io
from datetime import timedelta

import pytest

import rules
from blueprints.upkeep import operations as upkeep
from core import database
from models import (
    AuditEvent,
    Complaint,
    Document,
    Incident,
    Listing,
    RemovalNotice,
    SpotCheck,
    db,
    local_now,
)
from rules import Refused

from .test_security import XSS

TODAY = local_now().date()
PDF = b"%PDF-1.4 evidence"


def _no_raw_markup(html):
    return "<script>alert" not in html and "<img src=x" not in html


# --- 第二十九条: spot checks ---------------------------------------------------------------------------------

def test_article_29_spot_checks_are_recorded_with_documents_listed_and_audited(app, client, make, login, staff, db_conn):
    subject = make.listed_subject(name="被抽查企业有限公司")
    login(staff)
    page = client.get("/upkeep/spot-checks")
    assert page.status_code == 200 and "被抽查企业有限公司" in page.get_data(as_text=True)
    assert 'href="/upkeep/spot-checks"' in client.get("/upkeep/incidents").get_data(as_text=True)  # its own tab
    form = {"subject_id": subject.id, "checked_on": TODAY.isoformat(), "method": "energy_inspection",
            "inspectors": "节能监察支队 王某" + XSS, "findings": "余热回收装置停用" + XSS, "result": ""}
    response = client.post("/upkeep/spot-checks", data=form)
    assert "请选择抽查结论" in response.get_data(as_text=True)
    response = client.post("/upkeep/spot-checks", data={**form, "result": "rectify",
                                                         "documents": [(io.BytesIO(PDF), "抽查记录.pdf"),
                                                                       (io.BytesIO(PDF + b"2"), "照片.pdf")]},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    check = SpotCheck.get()
    assert (check.subject_id, check.result, check.method) == (subject.id, "rectify", "energy_inspection")
    assert check.recorded_by_id == staff.id
    assert {d.original_name for d in Document.of("spot_check", check.id)} == {"抽查记录.pdf", "照片.pdf"}
    event = AuditEvent.get(AuditEvent.action == "spot_check.record")
    assert event.object_id == subject.id and event.details_dict["result"] == "rectify"
    for path in ("/upkeep/spot-checks", f"/pool/subjects/{subject.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "需整改" in html and "余热回收装置停用" in html, path
        assert _no_raw_markup(html), path
    assert "抽查记录.pdf" in client.get("/upkeep/spot-checks").get_data(as_text=True)
    # only units on a list on the day of the check; never in the future
    with pytest.raises(Refused, match="不在绿色制造名单中"):
        upkeep.record_spot_check(make.subject(), checked_on=TODAY, method="onsite", inspectors="王某", findings="x",
                                 result="compliant", by=staff)
    with pytest.raises(Refused, match="不能晚于今天"):
        upkeep.record_spot_check(subject, checked_on=TODAY + timedelta(days=1), method="onsite", inspectors="王某",
                                 findings="x", result="compliant", by=staff)
    assert SpotCheck.select().count() == 1


def test_article_29_incident_grade_is_a_choice_and_the_report_sent_to_the_province_is_marked(
        app, client, make, login, staff, db_conn):
    subject = make.listed_subject(name="发生事故企业有限公司")
    login(staff)
    base = {"subject_id": subject.id, "occurred_on": TODAY.isoformat(), "kind": "environment",
            "source": "生态环境局", "description": "废水外溢"}
    html = client.get("/upkeep/incidents").get_data(as_text=True)
    for grade in ("特别重大（Ⅰ级）", "重大（Ⅱ级）", "较大（Ⅲ级）", "一般（Ⅳ级）"):
        assert grade in html
    client.post("/upkeep/incidents", data={**base, "grade": "Ⅱ级"})  # free text is no longer a grade
    assert Incident.select().count() == 0
    client.post("/upkeep/incidents", data={**base, "grade": "major"})
    client.post("/upkeep/incidents", data={**base, "grade": "general", "kind": "quality"})
    major = Incident.get(Incident.grade == "major")
    general = Incident.get(Incident.grade == "general")
    assert major.reportable and not general.reportable
    assert [i.id for i in upkeep.unreported_incidents()] == [major.id]
    assert "1 起事故事件尚未标记报送省厅" in client.get("/home").get_data(as_text=True)
    html = client.get("/upkeep/incidents").get_data(as_text=True)
    assert f"/upkeep/incidents/{major.id}/reported" in html and f"/upkeep/incidents/{general.id}/reported" not in html
    client.post(f"/upkeep/incidents/{major.id}/reported", data={"reported_on": (TODAY + timedelta(days=1)).isoformat()})
    assert Incident.get_by_id(major.id).reported_on is None
    client.post(f"/upkeep/incidents/{major.id}/reported", data={"reported_on": TODAY.isoformat()})
    incident = Incident.get_by_id(major.id)
    assert incident.reported_on == TODAY and incident.reported_by_id == staff.id
    event = AuditEvent.get(AuditEvent.action == "incident.reported")
    assert event.object_id == subject.id and event.details_dict["incident"] == major.id
    with pytest.raises(Refused, match="已于"):
        upkeep.mark_incident_reported(incident, reported_on=TODAY, by=staff)
    assert "尚未标记报送省厅" not in client.get("/home").get_data(as_text=True)
    assert "报送" in client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)


@pytest.mark.parametrize("text, grade", [
    ("Ⅱ级（重大）", "major"), ("重大", "major"), ("II级", "major"), ("特别重大", "especially_major"),
    ("Ⅰ级", "especially_major"), ("较大", "larger"), ("Ⅲ级", "larger"), ("一般", "general"), ("IV级", "general"),
    ("严重", "major"),
])
def test_article_29_free_text_grades_are_migrated_to_the_choice_and_kept(app, make, staff, text, grade, db_conn):
    subject = make.listed_subject()
    router = database.router()
    while "017_spot_checks" in router.done:
        router.rollback()
    p = db.param
    db.execute_sql("INSERT INTO incident (subject_id, occurred_on, kind, grade, source, description, recorded_at) "
                   f"VALUES ({p}, {p}, 'safety', {p}, '通报', '经过', {p})",
                   (subject.id, TODAY, text, local_now()))
    db.execute_sql(f"UPDATE listing SET status = 'removed', removed_on = {p}, removal_category = {p}",
                   (TODAY, dict(rules.REMOVAL_CATEGORIES)["falsified"]))
    database.upgrade()
    incident = Incident.get()
    assert (incident.grade, incident.grade_note) == (grade, text)
    notice = RemovalNotice.get()  # a removal made before notices existed gets its notice
    assert (notice.subject_id, notice.effective_on) == (subject.id, TODAY)


# --- 第三十条: removals are published ---------------------------------------------------------------------

def test_article_30_a_removal_is_published_on_a_public_notice_page_by_year(app, client, make, login, staff, db_conn):
    subject = make.listed_subject(name="移出" + XSS + "有限公司")
    listing = Listing.get()
    login(staff)
    client.post(f"/upkeep/listings/{listing.id}/remove", data={
        "category": "falsified", "reason": "举报人张三（13900001111）反映数据造假，经核实属实",
        "effective_on": TODAY.isoformat()})
    notice = RemovalNotice.get()
    assert (notice.listing_id, notice.subject_name, notice.effective_on) == (listing.id, subject.name, TODAY)
    client.post("/logout")
    html = client.get("/list").get_data(as_text=True)
    assert "/list/removals" in html
    page = client.get(f"/list/removals?year={TODAY.year}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "移出&lt;script&gt;" in html and _no_raw_markup(html)
    assert subject.credit_code in html and "第三十条第三项" in html and f"{TODAY.year}年" in html
    assert "13900001111" not in html and "张三" not in html  # the reason is not published
    assert subject.name not in client.get(f"/list/removals?year={TODAY.year - 1}").get_data(as_text=True)
    assert "移出&lt;script&gt;" in client.get("/list/removals").get_data(as_text=True)  # the latest year by default
    green = client.get(f"/green/{subject.public_token}").get_data(as_text=True)
    assert "被移出" in green and "第三十条第三项" in green and f"{TODAY.year}年" in green and _no_raw_markup(green)
    assert "/list/removals" in green


# --- 第三十二条: reports need evidence ----------------------------------------------------------------------

def test_article_32_a_public_report_needs_evidence_or_a_reason(app, client, make, login, staff, db_conn):
    subject = make.listed_subject()
    form = {"target": f"s{subject.id}", "reporter_name": "张三", "reporter_contact": "13900001111",
            "matter": "数据造假"}
    html = client.post("/report", data=form).get_data(as_text=True)
    assert "请上传佐证材料，或说明无法提供的原因" in html
    assert 'class="form-control is-invalid" id="evidence"' in html  # beside the evidence field
    assert Complaint.select().count() == 0
    client.post("/report", data={**form, "no_evidence_reason": "现场拍照被阻止" + XSS})
    client.post("/report", data={**form, "evidence": (io.BytesIO(PDF), "照片.pdf")}, content_type="multipart/form-data")
    by_reason, by_file = Complaint.select().order_by(Complaint.id)
    assert by_reason.no_evidence_reason == "现场拍照被阻止" + XSS and by_file.no_evidence_reason == ""
    assert Document.of("complaint", by_file.id).count() == 1
    login(staff)
    html = client.get("/upkeep/complaints").get_data(as_text=True)
    assert "已附材料" in html and "未附，已说明原因" in html and _no_raw_markup(html)
    html = client.get(f"/upkeep/complaints/{by_reason.id}").get_data(as_text=True)
    assert "现场拍照被阻止&lt;script&gt;" in html and _no_raw_markup(html)
    assert "照片.pdf" in client.get(f"/upkeep/complaints/{by_file.id}").get_data(as_text=True)
