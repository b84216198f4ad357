"""The plan is the plan that is filed (issue 17 item 5): 附件1 names the matched agency; items are for subjects in the
pool, aimed above their rung (refused on add/edit, flagged at filing); 附件2 lists each subject's real upgrade
projects (PlanProject, edited inline and audited) with its milestones; an incomplete plan is not approved."""
import io
from datetime import date

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook

from blueprints.filing import operations as filing
from blueprints.plans import operations as plans
from blueprints.plans import writers
from core import settings
from models import (
    AuditEvent,
    CultivationPlan,
    Engagement,
    Listing,
    PlanProject,
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
CITY = {"city_name": "龙江湾市", "division_code": "239900", "districts": ["松源区", "临江区"],
        "bureau_name": "龙江湾市工业和信息化局", "bureau_address": "政务大道8号", "bureau_contact": "王晓明",
        "bureau_phone": "0451-88880000"}
HX = {"HX-Request": "true"}


pytestmark = pytest.mark.staff(login=True)


def pooled(make, staff, **overrides):
    subject = make.pooled_subject(year_admitted=YEAR, owner=staff, **{"district": "松源区", **overrides})
    make.eligibility_checks(subject)
    make.veto_checks(subject, checked_on=TODAY)
    return subject


def draft_plan(staff, subjects, target="municipal", complete=True):
    plan = plans.create_plan(YEAR, title=f"龙江湾市{YEAR}年绿色制造梯度培育计划", by=staff)
    items = [plans.add_item(plan, s, target_rung=target, owner=staff, by=staff) for s in subjects]
    if complete:
        plans.update_plan(plan, title=plan.title, goals="培育目标文字", measures="工作措施文字",
                          targets={("factory", target): len(subjects)}, by=staff)
    return CultivationPlan.get_by_id(plan.id), items


def tables(content):
    return DocxDocument(io.BytesIO(content)).tables


def plan_bytes(plan):
    return writers.build_plan_docx(CultivationPlan.get_by_id(plan.id), CITY, TODAY)


def test_annex_1_names_the_matched_agency(make, staff, db_conn):
    matched, unmatched = pooled(make, staff, name="甲对接有限公司"), pooled(make, staff, name="乙未对接有限公司")
    agency = make_agency(name="龙江湾绿色评价中心有限公司")
    proposed = make_agency(name="只提议未接受机构有限公司")
    Engagement.create(subject=matched, agency=agency, purpose="evaluation", rung="municipal", year=YEAR,
                      status="active", proposed_by=staff)
    Engagement.create(subject=unmatched, agency=proposed, purpose="consulting", rung="municipal", year=YEAR,
                      status="proposed", proposed_by=staff)
    plan, _ = draft_plan(staff, [matched, unmatched])
    annex1 = tables(plan_bytes(plan))[1]
    header = [c.text for c in annex1.rows[0].cells]
    assert "对接机构" in header
    column = header.index("对接机构")
    rows = {r.cells[header.index("名称")].text: r.cells[column].text for r in annex1.rows[1:]}
    assert rows == {"甲对接有限公司": "龙江湾绿色评价中心有限公司", "乙未对接有限公司": "尚未对接"}
    sheet = load_workbook(io.BytesIO(writers.build_items_xlsx(CultivationPlan.get_by_id(plan.id), TODAY))).active
    header = [c.value for c in sheet[1]]
    assert "对接机构" in header
    assert "龙江湾绿色评价中心有限公司" in [r[header.index("对接机构")] for r in sheet.iter_rows(min_row=2, values_only=True)]


def test_an_item_whose_subject_left_the_pool_turns_filing_readiness_red(app, make, staff, db_conn):
    stays, leaves = pooled(make, staff, name="仍在库有限公司"), pooled(make, staff, name="已出库有限公司")
    plan, items = draft_plan(staff, [stays, leaves])
    with app.test_request_context():
        settings.save(CITY)
        plans.approve(plan, by=staff)
        PoolEntry.update(status=PoolStatus.EXITED.value, exited_on=TODAY, exit_reason="移出").where(
            PoolEntry.subject == leaves).execute()
        red = [i for i in filing.readiness(YEAR) if not i.ok and "培育计划的对象均在培育库中" in i.title]
        assert len(red) == 1
        assert [link for _, link in red[0].problems] == [filing.Link("plans.item_detail", {"item_id": items[1].id})]
        assert "已出库有限公司" in red[0].problems[0][0] and "不在培育库中" in red[0].problems[0][0]
        with pytest.raises(Refused, match="培育计划的对象均在培育库中"):
            filing.build(YEAR, filing_date=TODAY, by=staff)


def test_a_target_not_above_the_current_rung_is_refused_and_old_items_are_flagged(app, client, make, staff):
    subject = pooled(make, staff, name="已达标有限公司")
    plan, items = draft_plan(staff, [subject])
    listed = pooled(make, staff, rung=Rung.MUNICIPAL.value)
    html = client.post(f"/plans/{plan.id}/items", data={"subject_id": listed.id, "target_rung": "municipal"},
                       follow_redirects=True).get_data(as_text=True)
    assert "目标梯度须高于" in html
    achiever = pooled(make, staff, name="今年达标有限公司")
    with app.test_request_context():
        plans.add_items(CultivationPlan.get_by_id(plan.id), [(achiever, "municipal")], owner=staff, by=staff)
        # an old item: its subject already stood on the municipal list before the plan's year
        Listing.create(subject=subject, rung="municipal", year=YEAR - 1, source="municipal_review",
                       listed_on=date(YEAR - 1, 9, 20))
        subject.rung = Rung.MUNICIPAL.value
        subject.save()
        # reaching the target during the plan's year is the plan's success, not a fault
        Listing.create(subject=achiever, rung="municipal", year=YEAR, source="municipal_review",
                       listed_on=date(YEAR, 9, 20))
        Subject.update(rung=Rung.MUNICIPAL.value).where(Subject.id == achiever.id).execute()
    html = client.post(f"/plans/items/{items[0].id}", data={"target_rung": "municipal", "owner": "", "note": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "目标梯度须高于" in html
    with app.test_request_context():
        settings.save(CITY)
        problems = plans.item_problems(CultivationPlan.get_by_id(plan.id))
        assert [(i.id, p) for i, p in problems] == [(items[0].id, "已达到目标梯度，目标须高于当前梯度")]
        red = [i for i in filing.readiness(YEAR) if not i.ok and "目标梯度高于当前梯度" in i.title]
        assert red and red[0].problems[0][1] == filing.Link("plans.item_detail", {"item_id": items[0].id})


def test_annex_2_lists_the_real_projects_with_the_milestones(client, make, staff, db_conn):
    subjects = [pooled(make, staff, name=f"改造{n}有限公司") for n in range(3)]
    plan, items = draft_plan(staff, subjects)
    response = client.post(f"/plans/items/{items[0].id}/projects", headers=HX,
                           data={"name": "余热回收改造", "start_on": f"{YEAR}-03-01", "end_on": f"{YEAR}-10-31",
                                 "investment": "850.5", "effect": "年节约标准煤 1200 吨"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "plan-changed"
    assert 'id="projects"' in response.get_data(as_text=True) and "余热回收改造" in response.get_data(as_text=True)
    client.post(f"/plans/items/{items[0].id}/projects", headers=HX,
                data={"name": "光伏发电", "start_on": f"{YEAR}-04-01", "end_on": f"{YEAR + 1}-06-30", "investment": "1200",
                      "effect": "年发电 300 万千瓦时"})
    client.post(f"/plans/items/{items[1].id}/projects", headers=HX,
                data={"name": "电机能效提升", "start_on": f"{YEAR}-05-01", "end_on": f"{YEAR}-09-30", "investment": "0",
                      "effect": "电机系统节电 15%"})
    annex2 = tables(plan_bytes(plan))[2]
    header = [c.text for c in annex2.rows[0].cells]
    assert header == ["序号", "名称", "改造项目", "建设周期", "投资（万元）", "预期效果", "节点安排"]
    rows = [[c.text for c in r.cells] for r in annex2.rows[1:]]
    assert len(rows) == 4  # 3 projects and one subject with none yet, not 3 subjects × 4 template steps
    by_project = {r[2]: r for r in rows}
    assert by_project["余热回收改造"][4] == "850.5" and by_project["余热回收改造"][5] == "年节约标准煤 1200 吨"
    assert by_project["余热回收改造"][3] == f"{YEAR}年3月1日至{YEAR}年10月31日"
    assert "节能诊断" in by_project["余热回收改造"][6] and by_project["光伏发电"][6] == "同上"
    assert by_project["电机能效提升"][4] == "0"
    assert by_project["（尚未填报改造项目）"][1] == "改造2有限公司"
    assert AuditEvent.select().where(AuditEvent.action == "plan.add_project").count() == 3


def test_projects_are_edited_inline_checked_audited_and_locked_with_the_plan(client, make, staff, db_conn):
    subject = pooled(make, staff)
    plan, items = draft_plan(staff, [subject])
    url = f"/plans/items/{items[0].id}/projects"
    response = client.post(url, headers=HX, data={"name": "倒序", "start_on": f"{YEAR}-09-01", "end_on": f"{YEAR}-03-01",
                                                  "investment": "10", "effect": "效果"})
    assert response.status_code == 200 and "HX-Trigger" not in response.headers
    assert "计划完成日期不能早于开始日期" in response.get_data(as_text=True)
    response = client.post(url, headers=HX, data={"name": "", "start_on": "", "end_on": "", "investment": "-1", "effect": ""})
    assert "请填写改造项目名称" in response.get_data(as_text=True)
    client.post(url, headers=HX, data={"name": "空压机改造", "start_on": f"{YEAR}-03-01", "end_on": f"{YEAR}-06-30",
                                       "investment": "120", "effect": "节电"})
    project = PlanProject.get()
    response = client.post(f"/plans/projects/{project.id}", headers=HX,
                           data={"name": "空压机群控改造", "start_on": f"{YEAR}-03-01", "end_on": f"{YEAR}-07-31",
                                 "investment": "150", "effect": "节电 20%"})
    assert response.status_code == 200 and "空压机群控改造" in response.get_data(as_text=True)
    project = PlanProject.get_by_id(project.id)
    assert (project.name, project.end_on, project.investment) == ("空压机群控改造", date(YEAR, 7, 31), 150)
    assert AuditEvent.select().where(AuditEvent.action == "plan.update_project").count() == 1
    page = client.get(f"/plans/items/{items[0].id}").get_data(as_text=True)
    assert 'id="projects"' in page and "空压机群控改造" in page
    plans.approve(CultivationPlan.get_by_id(plan.id), by=staff)
    plans.mark_filed(CultivationPlan.get_by_id(plan.id), by=staff)
    response = client.post(f"/plans/projects/{project.id}/withdraw", headers=HX)
    assert "内容已锁定" in response.get_data(as_text=True)
    assert PlanProject.get_by_id(project.id).withdrawn_at is None
    copy = plans.new_version(CultivationPlan.get_by_id(plan.id), by=staff)
    assert [p.name for i in plans.active_items(copy) for p in i.projects] == ["空压机群控改造"]  # carried over
    client.post(f"/plans/projects/{PlanProject.select().order_by(PlanProject.id.desc()).get().id}/withdraw", headers=HX)
    assert PlanProject.select().where(PlanProject.withdrawn_at.is_null(False)).count() == 1  # kept, not deleted


def test_an_incomplete_plan_is_not_approved_and_the_message_names_what_is_missing(client, make, login, staff, db_conn):
    plan, _ = draft_plan(staff, [], complete=False)
    client.post("/logout")
    login(make.user(Role.ADMIN))
    html = client.post(f"/plans/{plan.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "计划内容不完整，不能批准：尚未填写培育目标、目标数、工作措施和支持政策、培育对象" in html
    assert CultivationPlan.get_by_id(plan.id).status == "draft"
    plans.update_plan(CultivationPlan.get_by_id(plan.id), title=plan.title, goals="目标", measures="",
                      targets={("park", "provincial"): 1}, by=staff)
    with pytest.raises(Refused, match="尚未填写工作措施和支持政策、培育对象$"):
        plans.approve(CultivationPlan.get_by_id(plan.id), by=staff)
