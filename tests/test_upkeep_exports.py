"""The .xlsx exports of the supervision lists (第二十九、三十二条): 事故事件, 抽查复核 and 举报处理 write exactly the rows
their list shows, to staff only, and each download is in the audit trail."""
import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from blueprints.upkeep import operations as upkeep
from models import AuditEvent, Role, local_now

from .helpers import make_agency

TODAY = local_now().date()
STAMP = f"{local_now():%Y%m%d}"


def sheet_of(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def download_name(response):
    return re.search(r"filename\*=UTF-8''(.+)$", response.headers["Content-Disposition"]).group(1)


def assert_audited(action):
    events = list(AuditEvent.select().where(AuditEvent.action == action))
    assert len(events) == 1 and events[0].username
    assert not AuditEvent.select().where(AuditEvent.action == "document.download").exists()


def table_of(page, table_id):
    """The list's table (the page's form also names the units in its choices)."""
    return page[page.index(f'id="{table_id}"'):]


def assert_refused(client, login, make, subject, url):
    """Refused as the list is: anonymous to the login page, an enterprise account forbidden; nothing exported."""
    client.post("/logout")
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(make.user(Role.ENTERPRISE, subject=subject))
    assert client.get(url).status_code == 403
    assert AuditEvent.select().where(AuditEvent.action.endswith(".export")).count() == 1


def list_and_export(client, path, table_id):
    """The list page at `path` (which links its export), its table `table_id`, and the export's response, header
    and rows."""
    page = client.get(path).get_data(as_text=True)
    assert f'href="{path}/export"' in page
    response = client.get(f"{path}/export")
    header, rows = sheet_of(response)
    return page, table_of(page, table_id), response, header, rows


@pytest.fixture
def clerk(make):
    return make.user(Role.STAFF, display_name="王科员")


def test_the_incident_export_has_the_list_rows_with_labels(app, client, make, login, clerk, db_conn):
    first = make.listed_subject(name="甲化工有限公司")
    second = make.listed_subject(name="乙纸业有限公司")
    major = upkeep.record_incident(first, occurred_on=TODAY - timedelta(days=3), kind="environment", grade="major",
                                   source="=HYPERLINK(\"http://x\")", description="废水外溢", by=clerk)
    upkeep.mark_incident_reported(major, reported_on=TODAY, by=clerk)
    upkeep.record_incident(second, occurred_on=TODAY, kind="safety", grade="general", source="应急管理局",
                           description="+1 轻微事故", by=clerk)
    login(clerk)
    whole, page, response, header, rows = list_and_export(client, "/upkeep/incidents", "incidents")
    assert 'id="export-link"' in whole
    assert download_name(response) == f"%E4%BA%8B%E6%95%85%E4%BA%8B%E4%BB%B6-{STAMP}.xlsx"  # 事故事件-YYYYMMDD
    assert {"发生日期", "单位", "类别", "等级", "报送省厅", "信息来源", "经过和影响", "记录人"} <= set(header)
    # the list's order: newest first
    assert [r["单位"] for r in rows] == ["乙纸业有限公司", "甲化工有限公司"]
    assert page.index("乙纸业有限公司") < page.index("甲化工有限公司")
    newer, older = rows
    assert newer["发生日期"] == TODAY.isoformat() and newer["类别"] == "重大及以上生产安全事故"
    assert newer["等级"] == "一般（Ⅳ级）" and newer["报送省厅"] == "无需立即报送"
    assert newer["经过和影响"] == "'+1 轻微事故"  # hostile text neutralised
    assert older["等级"] == "重大（Ⅱ级）" and older["报送日期"] == TODAY.isoformat()
    assert older["报送省厅"] == f"已于 {TODAY.isoformat()} 报送" and older["报送标记人"] == "王科员"
    assert older["信息来源"].startswith("'=") and older["记录人"] == "王科员"
    assert_audited("incident.export")
    assert_refused(client, login, make, first, "/upkeep/incidents/export")


def test_the_spot_check_export_has_the_list_rows_and_documents(app, client, make, login, clerk, db_conn):
    first = make.listed_subject(name="甲化工有限公司")
    second = make.listed_subject(name="乙纸业有限公司")
    login(clerk)
    response = client.post("/upkeep/spot-checks", data={
        "subject_id": first.id, "checked_on": (TODAY - timedelta(days=1)).isoformat(), "method": "energy_inspection",
        "inspectors": "市节能监察支队 李某", "findings": "=1+1", "result": "rectify",
        "documents": [(io.BytesIO(b"%PDF-1.4 record"), "检查记录.pdf")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    upkeep.record_spot_check(second, checked_on=TODAY, method="onsite", inspectors="张某", findings="运行正常",
                             result="compliant", by=clerk)
    _, page, response, header, rows = list_and_export(client, "/upkeep/spot-checks", "spot-checks")
    assert download_name(response).endswith(f"-{STAMP}.xlsx")
    assert {"抽查日期", "单位", "方式", "检查人员", "结论", "材料", "检查发现", "记录人"} <= set(header)
    assert [r["单位"] for r in rows] == ["乙纸业有限公司", "甲化工有限公司"]
    assert page.index("乙纸业有限公司") < page.index("甲化工有限公司")
    newer, older = rows
    assert newer["方式"] == "现场抽查复核" and newer["结论"] == "符合" and newer["材料"] == "无"
    assert older["抽查日期"] == (TODAY - timedelta(days=1)).isoformat() and older["方式"] == "节能监察"
    assert older["结论"] == "需整改" and older["材料"] == "检查记录.pdf" and older["检查发现"] == "'=1+1"
    assert older["检查人员"] == "市节能监察支队 李某" and older["记录人"] == "王科员"
    assert_audited("spot_check.export")
    assert_refused(client, login, make, first, "/upkeep/spot-checks/export")


def test_the_complaint_export_has_the_list_rows_masked(app, client, make, login, clerk, db_conn):
    subject = make.listed_subject(name="甲化工有限公司")
    agency = make_agency(name="丙评价机构有限公司")
    handled = upkeep.submit_complaint(subject, None, name="张三丰", contact="13900001111", matter="数据造假",
                                      ip="127.0.0.1", no_evidence_reason="现场照片被删除")
    upkeep.handle_complaint(handled, finding="经核实不属实", outcome="unfounded", by=clerk)
    upkeep.submit_complaint(None, agency, name="李四", contact="li@example.cn", matter="=cmd|' /C calc'!A0",
                            ip="127.0.0.1", has_evidence=False, no_evidence_reason="口头反映")
    login(clerk)
    _, page, response, header, rows = list_and_export(client, "/upkeep/complaints", "complaints")
    assert download_name(response).endswith(f"-{STAMP}.xlsx")
    assert {"收到时间", "举报对象", "举报人", "联系方式", "佐证材料", "处理结果", "举报事项", "核实情况"} <= set(header)
    # the list's order: unhandled first
    assert [r["举报对象"] for r in rows] == ["第三方机构：丙评价机构有限公司", "名单单位：甲化工有限公司"]
    assert page.index("丙评价机构有限公司") < page.index("甲化工有限公司")
    pending, done = rows
    assert pending["处理结果"] == "待核实" and pending["举报事项"].startswith("'=")
    assert pending["举报人"] == "李*" and pending["联系方式"] == "l***@example.cn"
    assert done["处理结果"] == "举报不实" and done["核实情况"] == "经核实不属实" and done["处理人"] == "王科员"
    assert done["举报人"] == "张**" and done["联系方式"] == "139****1111"
    assert done["佐证材料"] == "未附，已说明原因" and done["处理日期"] == TODAY.isoformat()
    assert "13900001111" not in str(rows) and "127.0.0.1" not in str(rows)
    assert_audited("complaint.export")
    assert_refused(client, login, make, subject, "/upkeep/complaints/export")
