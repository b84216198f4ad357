"""Keeping the list true (第二十七至三十二条): dynamic tables, change notices, removals, incidents, public reports."""
import io
import json
from datetime import date, timedelta

import pytest
from docx import Document as DocxDocument

import rules
from blueprints.applications import operations as apps
from blueprints.upkeep import operations as upkeep
from models import (
    Agency,
    AgencyStatus,
    AuditEvent,
    ChangeNotice,
    Complaint,
    DynamicReport,
    Listing,
    ListingStatus,
    Notice,
    PoolEntry,
    PoolStatus,
    Role,
    Rung,
    Subject,
    local_now,
)
from rules import Refused

from .helpers import make_agency

TODAY = local_now().date()
YEAR = TODAY.year
LAST_YEAR = YEAR - 1
GOOD = {"output_value": "25000", "energy_consumption": "1500", "energy_per_output": "0.06", "water_use": "12",
        "solid_waste_utilisation": "95", "renewable_share": "10", "carbon_emissions": "3700"}


def enterprise_of(make, subject):
    return make.user(Role.ENTERPRISE, subject=subject)


# --- the rules as units ----------------------------------------------------------------------------------

def test_the_table_on_a_year_is_due_by_30_march_of_the_next():
    assert rules.dynamic_report_deadline(2025) == date(2026, 3, 30)


def test_indicators_text_and_negatives_are_refused_and_implausible_values_warned():
    values, errors, warnings = rules.indicator_problems("factory", {**GOOD, "water_use": "很多", "renewable_share": "-1"})
    assert errors == {"water_use": "取水量须填写数字（单位：万立方米）", "renewable_share": "可再生能源使用比例不能为负数"}
    values, errors, warnings = rules.indicator_problems("factory", {**GOOD, "energy_per_output": "7.2",
                                                                    "output_value": "25,000"})
    assert errors == {} and values["output_value"] == 25000
    assert warnings == ["单位产值综合能耗 7.2 吨标准煤/万元 超出常见范围（0–5），请核实"]
    _, errors, _ = rules.indicator_problems("park", {})
    assert len(errors) == len(rules.DYNAMIC_INDICATORS["park"])
    _, errors, _ = rules.indicator_problems("factory", {**GOOD, "water_use": "nan"})
    assert "water_use" in errors


@pytest.mark.parametrize("removed, today, barred", [
    (date(2026, 5, 10), date(2029, 5, 10), True),  # 《民法典》第二百零二条: the corresponding day is the last
    (date(2026, 5, 10), date(2029, 5, 11), False),
    (date(2024, 2, 29), date(2027, 2, 28), True),
    (date(2024, 2, 29), date(2027, 3, 1), False),
])
def test_removal_bar_lasts_three_years_from_the_removal(removed, today, barred):
    assert bool(rules.removal_bar_problem(removed, today)) is barred


# --- dynamic management tables ---------------------------------------------------------------------------

@pytest.mark.parametrize("today, overdue", [(date(YEAR, 3, 29), False), (date(YEAR, 3, 30), False),
                                            (date(YEAR, 3, 31), True)])
def test_filing_status_across_the_deadline(app, make, staff, today, overdue, db_conn):
    filed, missing = make.listed_subject(), make.listed_subject()
    make.listed_subject(year=YEAR)  # on this year's list: owes next year's table, not last year's
    upkeep.file_report(filed, LAST_YEAR, raw=GOOD, by=staff, today=today)
    status = upkeep.dynamic_report_status(LAST_YEAR, today)
    assert [s.id for s in status["missing"]] == [missing.id]
    assert set(status["reports"]) == {filed.id}
    assert status["overdue"] is overdue
    assert [s.id for s in status["flagged"]] == ([missing.id] if overdue else [])
    late = AuditEvent.select().where(AuditEvent.action == "dynamic.file").get()
    assert json.loads(late.details)["late"] is overdue


def test_enterprise_files_its_table_and_corrects_it(app, client, make, login, db_conn):
    subject = make.listed_subject()
    login(enterprise_of(make, subject))
    page = client.get("/my/dynamic").get_data(as_text=True)
    assert f"{LAST_YEAR} 年度绿色制造动态管理表" in page and "万立方米" in page
    response = client.post("/my/dynamic", data={**GOOD, "year": LAST_YEAR}, follow_redirects=True)
    assert "动态管理表已提交" in response.get_data(as_text=True)
    response = client.post("/my/dynamic", data={**GOOD, "year": LAST_YEAR, "energy_per_output": "7.2"},
                           follow_redirects=True)
    assert "超出常见范围" in response.get_data(as_text=True)
    report = DynamicReport.get()
    assert DynamicReport.select().count() == 1 and json.loads(report.indicators)["energy_per_output"] == 7.2
    assert [e.action for e in AuditEvent.select().where(AuditEvent.action.startswith("dynamic."))
            .order_by(AuditEvent.id)] == ["dynamic.file", "dynamic.edit"]


def test_text_in_a_number_field_is_refused_next_to_it_and_nothing_changes(app, client, make, login, db_conn):
    subject = make.listed_subject()
    login(enterprise_of(make, subject))
    client.post("/my/dynamic", data={**GOOD, "year": LAST_YEAR})
    html = client.post("/my/dynamic", data={**GOOD, "year": LAST_YEAR, "water_use": "十二"}).get_data(as_text=True)
    assert 'is-invalid" id="water_use" name="water_use" inputmode="decimal" value="十二"' in html
    assert "取水量须填写数字（单位：万立方米）" in html
    assert json.loads(DynamicReport.get().indicators)["water_use"] == 12


def test_only_listed_units_file_and_only_for_past_years(app, make, staff, db_conn):
    subject = make.subject()
    listed = make.listed_subject()
    with pytest.raises(Refused, match="无需填报"):
        upkeep.file_report(subject, LAST_YEAR, raw=GOOD, by=staff, today=TODAY)
    with pytest.raises(Refused, match="上一年度"):
        upkeep.file_report(listed, YEAR, raw=GOOD, by=staff, today=TODAY)
    assert DynamicReport.select().count() == 0


def test_reminders_reach_the_enterprise_once(app, client, make, login, staff, db_conn):
    subject = make.listed_subject()
    enterprise = enterprise_of(make, subject)
    login(staff)
    client.post(f"/upkeep/dynamic/remind?year={LAST_YEAR}")
    assert Notice.select().where(Notice.user == enterprise).count() == 1
    client.post("/logout")
    login(enterprise)
    assert "请于" in client.get("/my/").get_data(as_text=True)
    assert "请于" not in client.get("/my/").get_data(as_text=True)


def test_staff_see_the_missing_flag_review_and_download_the_opinion_report(app, client, make, login, staff, db_conn):
    filed = make.listed_subject(name="已填报企业有限公司")
    make.listed_subject(name="未填报企业有限公司")
    report, _, _ = upkeep.file_report(filed, LAST_YEAR, raw=GOOD, by=staff, today=date(YEAR, 3, 1))
    login(staff)
    html = client.get(f"/upkeep/dynamic?year={LAST_YEAR}").get_data(as_text=True)
    assert "拟按第三十条第二项移出" in html and "未填报企业有限公司" in html  # today is after 30 March
    response = client.post(f"/upkeep/dynamic/{report.id}", data={"result": "", "opinion": ""})
    assert "请选择审核结论" in response.get_data(as_text=True) or "请填写审核意见" in response.get_data(as_text=True)
    client.post(f"/upkeep/dynamic/{report.id}", data={"result": "pass", "opinion": "指标真实有效。"})
    assert DynamicReport.get_by_id(report.id).review_result == "pass"
    response = client.get(f"/upkeep/dynamic/opinion.docx?year={LAST_YEAR}")
    doc = DocxDocument(io.BytesIO(response.data))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "已填报企业有限公司" in cells and "通过" in cells and "指标真实有效。" in cells
    assert "拟按第三十条第二项移出" in cells


def test_an_enterprise_cannot_read_another_units_table(app, client, make, login, staff, db_conn):
    mine, theirs = make.listed_subject(), make.listed_subject()
    other, _, _ = upkeep.file_report(theirs, LAST_YEAR, raw=GOOD, by=staff, today=TODAY)
    own, _, _ = upkeep.file_report(mine, LAST_YEAR, raw=GOOD, by=staff, today=TODAY)
    login(enterprise_of(make, mine))
    assert client.get(f"/my/dynamic/{own.id}").status_code == 200
    assert client.get(f"/my/dynamic/{other.id}").status_code == 404
    assert client.get(f"/upkeep/dynamic/{other.id}").status_code == 403


# --- change notices --------------------------------------------------------------------------------------

def test_an_accepted_name_change_renames_and_keeps_the_old_name(app, client, make, login, staff, db_conn):
    subject = make.listed_subject(name="旧名称有限公司")
    login(enterprise_of(make, subject))
    response = client.post("/my/changes", data={"kind": "name", "new_name": "", "description": "更名"})
    assert "名称变更须填写变更后的名称" in response.get_data(as_text=True)
    client.post("/my/changes", data={"kind": "name", "new_name": "新名称有限公司", "description": "集团整合更名",
                                     "document": (io.BytesIO(b"%PDF-1.4 licence"), "营业执照.pdf")},
                content_type="multipart/form-data")
    notice = ChangeNotice.get()
    assert "待复核" in client.get("/my/changes").get_data(as_text=True)
    client.post("/logout")
    login(staff)
    assert "营业执照.pdf" in client.get(f"/upkeep/changes/{notice.id}").get_data(as_text=True)
    client.post(f"/upkeep/changes/{notice.id}", data={"accepted": "yes", "still_meets": "y", "verification": "已核对执照"})
    assert Subject.get_by_id(subject.id).name == "新名称有限公司"
    assert ChangeNotice.get_by_id(notice.id).old_name == "旧名称有限公司"
    assert upkeep.adjustment_rows(YEAR) == [["旧名称有限公司", "名称变更：旧名称有限公司 → 新名称有限公司",
                                              "确认变更，仍符合相关标准：已核对执照"]]
    assert "旧名称有限公司 → 新名称有限公司" in client.get("/upkeep/changes").get_data(as_text=True)
    assert "旧名称有限公司" in client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True).split('id="former-names"')[1]
    response = client.post(f"/upkeep/changes/{notice.id}", data={"accepted": "no", "verification": "再次"})
    assert "该变更已复核" in response.get_data(as_text=True)


def test_pending_changes_go_into_the_recommendation_package(app, make, staff, db_conn):
    subject = make.listed_subject()
    upkeep.declare_change(subject, kind="address", description="搬迁至新厂区", new_name="", by=staff)
    assert upkeep.adjustment_rows(YEAR)[0][2] == "待复核"


# --- removal ---------------------------------------------------------------------------------------------

def test_removal_updates_the_list_the_green_code_and_the_ladder_and_bars_applications(app, client, make, login, staff, db_conn):
    subject = make.listed_subject(name="将被移出企业有限公司")
    listing = Listing.get()
    assert "将被移出企业有限公司" in client.get("/list").get_data(as_text=True)
    login(staff)
    response = client.post(f"/upkeep/listings/{listing.id}/remove", data={"category": "", "reason": "x",
                                                                          "effective_on": TODAY.isoformat()})
    assert "请选择移出情形" in response.get_data(as_text=True)
    client.post(f"/upkeep/listings/{listing.id}/remove", data={
        "category": "falsified", "reason": "评价报告数据造假", "effective_on": TODAY.isoformat()}, follow_redirects=True)
    assert "将被移出企业有限公司" not in client.get("/list").get_data(as_text=True)
    assert "被移出" in client.get(f"/green/{subject.public_token}").get_data(as_text=True)
    subject = Subject.get_by_id(subject.id)
    assert subject.rung != Rung.MUNICIPAL.value
    assert PoolEntry.get(PoolEntry.subject == subject).status == PoolStatus.EXITED.value
    assert Listing.get().removal_category.startswith("第三十条第三项")
    with pytest.raises(Refused, match="第十五条第三项"):
        apps.create(subject, YEAR, rung="provincial", method="self", claimed_score=85, national_intent=False,
                    by=staff)
    response = client.post(f"/upkeep/listings/{listing.id}/remove", data={
        "category": "falsified", "reason": "再次", "effective_on": TODAY.isoformat()})
    assert "该单位已不在此名单中" in response.get_data(as_text=True)


# --- incidents -------------------------------------------------------------------------------------------

def test_an_incident_produces_its_report_and_proposes_removal(app, client, make, login, staff, db_conn):
    subject = make.listed_subject(name="发生事故企业有限公司")
    login(staff)
    response = client.post("/upkeep/incidents", data={"subject_id": subject.id, "occurred_on": TODAY.isoformat(),
                                                      "kind": "environment", "grade": "", "source": "生态环境局",
                                                      "description": "废水外溢"})
    assert "请选择事故或事件等级" in response.get_data(as_text=True)
    future = (TODAY + timedelta(days=2)).isoformat()
    response = client.post("/upkeep/incidents", data={"subject_id": subject.id, "occurred_on": future,
                                                      "kind": "environment", "grade": "major", "source": "生态环境局",
                                                      "description": "废水外溢"})
    assert "发生日期不能晚于今天" in response.get_data(as_text=True)
    response = client.post("/upkeep/incidents", data={"subject_id": subject.id, "occurred_on": TODAY.isoformat(),
                                                      "kind": "environment", "grade": "major", "source": "生态环境局",
                                                      "description": "废水外溢"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    listing = Listing.get()
    from models import Incident
    incident = Incident.get()
    assert f"/upkeep/listings/{listing.id}/remove?category=major_incident" in html
    doc = DocxDocument(io.BytesIO(client.get(f"/upkeep/incidents/{incident.id}/report.docx").data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "关于发生事故企业有限公司发生重大（Ⅱ级）突发环境污染事件的报告" in text
    assert "事件等级：重大（Ⅱ级）。" in text and "信息来源：生态环境局。" in text and "废水外溢" in text
    assert "Ⅱ级（重大）及以上突发环境污染事件" not in text  # the category is not stated twice
    assert "省工业和信息化厅" in text and "建议将该单位从各层级绿色制造名单中移出" in text


# --- public reports --------------------------------------------------------------------------------------

def test_a_report_needs_real_name_and_contact(app, client, make, db_conn):
    subject = make.listed_subject()
    response = client.post("/report", data={"target": f"s{subject.id}", "reporter_name": "张三", "reporter_contact": "",
                                            "matter": "数据造假"})
    assert "请填写联系电话或邮箱" in response.get_data(as_text=True)
    response = client.post("/report", data={"target": f"s{subject.id}", "reporter_name": "张三",
                                            "reporter_contact": "13900001111", "matter": "数据造假",
                                            "evidence": (io.BytesIO(b"<html>x</html>"), "证据.pdf")},
                           content_type="multipart/form-data")
    assert "不是允许的类型" in response.get_data(as_text=True)
    assert Complaint.select().count() == 0


def test_a_report_against_an_agency_ends_in_its_disqualification(app, client, make, login, staff, db_conn):
    agency = make_agency(name="被举报评价机构有限公司")
    response = client.post("/report", data={"target": f"a{agency.id}", "reporter_name": "张三丰",
                                            "reporter_contact": "13900001111", "matter": "未到现场即出具报告",
                                            "evidence": (io.BytesIO(b"%PDF-1.4 photo"), "照片.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "举报已受理" in response.get_data(as_text=True)
    complaint = Complaint.get()
    login(staff)
    listing = client.get("/upkeep/complaints").get_data(as_text=True)
    assert "张**" in listing and "139****1111" in listing and "13900001111" not in listing
    detail = client.get(f"/upkeep/complaints/{complaint.id}").get_data(as_text=True)
    assert "13900001111" in detail and "照片.pdf" in detail
    response = client.post(f"/upkeep/complaints/{complaint.id}", data={"finding": "属实", "outcome": "remove"})
    assert "该举报不涉及名单单位" in response.get_data(as_text=True)
    client.post(f"/upkeep/complaints/{complaint.id}", data={"finding": "经核实未到现场", "outcome": "disqualify_agency"})
    agency = Agency.get_by_id(agency.id)
    assert agency.status == AgencyStatus.DISQUALIFIED.value
    assert agency.disqualified_until == rules.disqualification_until(TODAY)
    assert Complaint.get_by_id(complaint.id).outcome == "disqualify_agency"


def test_the_public_cannot_read_reports_or_their_evidence(app, client, make, login, db_conn):
    subject = make.listed_subject()
    client.post("/report", data={"target": f"s{subject.id}", "reporter_name": "张三", "reporter_contact": "a@b.cn",
                                 "matter": "x", "evidence": (io.BytesIO(b"%PDF-1.4 e"), "e.pdf")},
                content_type="multipart/form-data")
    from models import Document
    document = Document.get(Document.owner_type == "complaint")
    assert client.get("/upkeep/complaints").status_code == 302
    login(enterprise_of(make, subject))
    assert client.get(f"/documents/{document.id}").status_code in (403, 404)


def test_calendar_counts_the_units_without_a_table(app, client, make, login, staff):
    make.listed_subject()
    login(staff)
    assert f"1 家名单单位未填报{LAST_YEAR}年度动态管理表" in client.get("/home").get_data(as_text=True)


def test_listing_status_is_unchanged_by_a_rejected_change(app, make, staff, db_conn):
    subject = make.listed_subject(name="原名有限公司")
    notice = upkeep.declare_change(subject, kind="name", description="更名", new_name="新名有限公司", by=staff)
    upkeep.decide_change(notice, accepted=False, still_meets=True, verification="材料不全", by=staff)
    assert Subject.get_by_id(subject.id).name == "原名有限公司"
    assert Listing.get().status == ListingStatus.LISTED.value


def test_removal_date_must_lie_between_listing_and_today(app, make, staff, db_conn):
    make.listed_subject()
    listing = Listing.get()
    with pytest.raises(Refused, match="不能晚于今天"):
        upkeep.remove(listing, category="falsified", reason="造假", effective_on=TODAY + timedelta(days=1), by=staff)
    with pytest.raises(Refused, match="不能早于列入日期"):
        upkeep.remove(listing, category="falsified", reason="造假", effective_on=listing.listed_on - timedelta(days=1),
                      by=staff)
    assert Listing.get().status == ListingStatus.LISTED.value


def test_a_handled_report_keeps_its_finding(app, make, staff, db_conn):
    subject = make.listed_subject()
    complaint = upkeep.submit_complaint(subject, None, name="张三", contact="13900001111", matter="造假", ip="127.0.0.1",
                                        no_evidence_reason="口头反映")
    upkeep.handle_complaint(complaint, finding="经核实不属实", outcome="unfounded", by=staff)
    with pytest.raises(Refused, match="已处理"):
        upkeep.handle_complaint(Complaint.get_by_id(complaint.id), finding="改口", outcome="rectify", by=staff)
    assert Complaint.get_by_id(complaint.id).finding == "经核实不属实"


def test_refiling_keeps_the_earlier_review_in_the_audit_trail(app, make, staff, db_conn):
    subject = make.listed_subject()
    report, _, _ = upkeep.file_report(subject, LAST_YEAR, raw=GOOD, by=staff, today=TODAY)
    upkeep.review_report(report, result="fail", opinion="单位产值能耗与用电量不符", by=staff)
    upkeep.file_report(subject, LAST_YEAR, raw={**GOOD, "energy_per_output": "0.07"}, by=staff, today=TODAY)
    edit = AuditEvent.select().where(AuditEvent.action == "dynamic.edit").get()
    assert json.loads(edit.details)["before"]["review"] == ["fail", "单位产值能耗与用电量不符"]
    assert DynamicReport.get().review_result is None


def test_a_reminder_links_to_where_the_table_is_filed(app, client, make, login, staff, db_conn):
    subject = make.listed_subject()
    enterprise = enterprise_of(make, subject)
    upkeep.remind([subject], LAST_YEAR, by=staff)
    login(enterprise)
    html = client.get("/my/").get_data(as_text=True)
    assert 'href="/my/dynamic">去办理</a>' in html
