"""Yearly cultivation plans: transitions and who may make them, the lock and new versions, items, milestones,
computed progress, the enterprise's view and the documents."""
import io
from datetime import date, timedelta

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook

from blueprints.plans import operations
from models import (
    AuditEvent,
    CultivationPlan,
    Milestone,
    PlanItem,
    PlanStatus,
    PoolEntry,
    PoolStatus,
    Role,
    Rung,
    local_now,
)

YEAR = local_now().year


pytestmark = pytest.mark.staff(login=True)


def new_plan(client, year=YEAR, copy=False):
    data = {"year": str(year), "title": f"{year}年培育计划"}
    if copy:
        data["copy_last_year"] = "y"
    return client.post("/plans/new", data=data)


def the_plan(year=YEAR):
    return CultivationPlan.latest_for(year)


def test_create_plan_and_refuse_a_second_for_the_year(client, staff):
    assert new_plan(client).status_code == 302
    plan = the_plan()
    assert plan.status == PlanStatus.DRAFT.value and plan.version == 1
    html = new_plan(client).get_data(as_text=True)
    assert "已存在" in html


def test_status_transitions_and_who_may_make_them(client, make, login, staff, db_conn):
    new_plan(client)
    plan = the_plan()
    client.post(f"/plans/{plan.id}/edit", data={"title": "计划", "goals": "目标", "measures": "措施",
                                                 "target-factory-municipal": "1"})
    client.post(f"/plans/{plan.id}/items", data={"subject_id": make.pooled_subject().id, "target_rung": "municipal"})
    assert client.post(f"/plans/{plan.id}/approve").status_code == 403  # staff may not approve
    client.post("/logout")
    login(make.user(Role.ADMIN))
    client.post(f"/plans/{plan.id}/approve")
    assert the_plan().status == PlanStatus.APPROVED.value
    html = client.post(f"/plans/{plan.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "只有草稿状态的计划可以批准" in html
    client.post(f"/plans/{plan.id}/edit", data={"title": "改过的计划", "goals": "新目标"})
    assert the_plan().status == PlanStatus.DRAFT.value  # a change needs approving again
    assert AuditEvent.select().where(AuditEvent.action == "plan.approve").count() == 1


def _filed_plan(make, staff_user, subjects):
    plan = operations.create_plan(YEAR, title="计划", by=staff_user)
    for subject in subjects:
        operations.add_item(plan, subject, target_rung="municipal", owner=staff_user, by=staff_user)
    operations.update_plan(plan, title="计划", goals="目标", measures="措施", targets={("factory", "municipal"): 1},
                           by=staff_user)
    operations.approve(plan, by=staff_user)
    operations.mark_filed(plan, by=staff_user)
    return CultivationPlan.get_by_id(plan.id)


def test_filed_plan_is_locked_and_a_new_version_keeps_both(client, make, staff, db_conn):
    subject = make.pooled_subject()
    plan = _filed_plan(make, staff, [subject])
    html = client.post(f"/plans/{plan.id}/edit", data={"title": "偷改"}, follow_redirects=True).get_data(as_text=True)
    assert "已备案" in html and the_plan().title == "计划"
    other = make.pooled_subject()
    html = client.post(f"/plans/{plan.id}/items", data={"subject_id": other.id, "target_rung": "municipal"},
                       follow_redirects=True).get_data(as_text=True)
    assert "内容已锁定" in html
    response = client.post(f"/plans/{plan.id}/new-version")
    versions = list(CultivationPlan.select().where(CultivationPlan.year == YEAR).order_by(CultivationPlan.version))
    assert [(v.version, v.status) for v in versions] == [(1, "filed"), (2, "draft")]
    assert versions[1].supersedes_id == versions[0].id
    assert PlanItem.select().where(PlanItem.plan == versions[1]).count() == 1
    assert response.headers["Location"] == f"/plans/{versions[1].id}"
    html = client.post(f"/plans/{versions[1].id}/new-version", follow_redirects=True).get_data(as_text=True)
    assert "可直接修改" in html


def test_milestones_progress_is_computed(client, make, staff, db_conn):
    new_plan(client)
    plan = the_plan()
    subject = make.pooled_subject()
    client.post(f"/plans/{plan.id}/items", data={"subject_id": subject.id, "target_rung": "municipal"})
    milestones = list(Milestone.select().order_by(Milestone.position))
    assert [m.name for m in milestones] == ["节能诊断", "绿色化改造", "自评价或第三方评价", "申报", "入选市级名单"]
    assert all(m.due_date.year == YEAR for m in milestones)
    assert operations.progress(milestones) == (0, 5, 0)
    first = milestones[0]
    done = min(local_now().date(), date(YEAR, 12, 31)).isoformat()
    response = client.post(f"/plans/milestones/{first.id}", headers={"HX-Request": "true"},
                           data={"due_date": first.due_date.isoformat(), "done_date": done, "evidence_note": "诊断报告"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "plan-changed"
    assert "已完成" in response.get_data(as_text=True)
    assert operations.progress(list(Milestone.select())) == (1, 5, 20)
    fragment = client.get(f"/plans/{plan.id}/progress").get_data(as_text=True)
    assert "1/5 · 20%" in fragment


def test_milestone_due_date_outside_the_year_is_refused(client, make, staff, db_conn):
    new_plan(client)
    subject = make.pooled_subject()
    client.post(f"/plans/{the_plan().id}/items", data={"subject_id": subject.id, "target_rung": "municipal"})
    milestone = Milestone.select().first()
    response = client.post(f"/plans/milestones/{milestone.id}", headers={"HX-Request": "true"},
                           data={"due_date": f"{YEAR + 1}-01-15", "done_date": "", "evidence_note": ""})
    assert "到期日须在计划年度" in response.get_data(as_text=True) and "HX-Trigger" not in response.headers
    future = (local_now().date() + timedelta(days=3)).isoformat()
    response = client.post(f"/plans/milestones/{milestone.id}", headers={"HX-Request": "true"},
                           data={"due_date": milestone.due_date.isoformat(), "done_date": future})
    assert "完成日期不能晚于今天" in response.get_data(as_text=True)
    assert Milestone.get_by_id(milestone.id).due_date == milestone.due_date
    assert Milestone.get_by_id(milestone.id).done_date is None


@pytest.mark.parametrize("setup, target, message", [
    ("not_pooled", "municipal", "不在培育库中"),
    ("exited", "municipal", "不在培育库中"),
    ("municipal", "municipal", "目标梯度须高于"),
    ("provincial", "municipal", "目标梯度须高于"),
])
def test_item_refusals(client, make, staff, setup, target, message, db_conn):
    new_plan(client)
    if setup == "not_pooled":
        subject = make.subject(rung=Rung.INTEREST.value)
    else:
        subject = make.pooled_subject(rung=Rung.POOL.value if setup == "exited" else setup)
        if setup == "exited":
            PoolEntry.update(status=PoolStatus.EXITED.value).execute()
    html = client.post(f"/plans/{the_plan().id}/items", data={"subject_id": subject.id, "target_rung": target},
                       follow_redirects=True).get_data(as_text=True)
    assert message in html
    assert PlanItem.select().count() == 0


def test_bulk_add_from_a_pool_filter(client, make, staff, db_conn):
    new_plan(client)
    subjects = [make.pooled_subject(district="临江区", name=f"临江批量{n}有限公司") for n in range(3)]
    make.pooled_subject(district="松源区")
    plan = the_plan()
    html = client.get(f"/plans/{plan.id}/bulk?district=临江区").get_data(as_text=True)
    assert "符合条件的培育库对象 3 个" in html
    data = {"subject": [s.id for s in subjects], **{f"target-{s.id}": "provincial" for s in subjects}}
    client.post(f"/plans/{plan.id}/bulk?district=临江区", data=data)
    assert PlanItem.select().where(PlanItem.plan == plan).count() == 3
    response = client.post(f"/plans/{plan.id}/bulk?district=临江区", data=data, follow_redirects=True)
    assert "已在本计划中" in response.get_data(as_text=True)


def test_copy_from_last_year_carries_subjects_still_cultivated(client, make, staff, db_conn):
    keep, achieved, exited = make.pooled_subject(), make.pooled_subject(), make.pooled_subject()
    last = operations.create_plan(YEAR - 1, title="去年", by=staff)
    for subject in (keep, achieved, exited):
        operations.add_item(last, subject, target_rung="municipal", owner=staff, by=staff)
    operations.update_plan(last, title="去年", goals="目标", measures="措施", targets={("factory", "municipal"): 5},
                           by=staff)
    achieved.rung = Rung.MUNICIPAL.value
    achieved.save()
    PoolEntry.update(status=PoolStatus.EXITED.value).where(PoolEntry.subject == exited).execute()
    new_plan(client, copy=True)
    plan = the_plan()
    assert [i.subject_id for i in operations.active_items(plan)] == [keep.id]
    assert {(t.kind, t.rung): t.count for t in plan.targets}[("factory", "municipal")] == 5
    assert plan.measures == "措施"


def test_enterprise_sees_only_its_own_item_and_submits_evidence(client, make, login, staff, db_conn):
    own, other = make.pooled_subject(name="自己乳业有限公司"), make.pooled_subject(name="别家纸业有限公司")
    plan = operations.create_plan(YEAR, title="计划", by=staff)
    mine = operations.add_item(plan, own, target_rung="municipal", owner=staff, by=staff, note="请尽快完成节能诊断")
    theirs = operations.add_item(plan, other, target_rung="municipal", owner=staff, by=staff)
    operations.update_plan(plan, title="计划", goals="目标", measures="措施", targets={("factory", "municipal"): 2},
                           by=staff)
    operations.approve(plan, by=staff)
    my_first = mine.milestones.order_by(Milestone.position).first()
    their_first = theirs.milestones.order_by(Milestone.position).first()
    client.post("/logout")
    login(make.user(Role.ENTERPRISE, subject=own))
    html = client.get("/my/plan").get_data(as_text=True)
    assert "请尽快完成节能诊断" in html and "节能诊断" in html and "别家纸业" not in html
    pdf = b"%PDF-1.4 evidence"
    assert client.post(f"/my/plan/milestones/{their_first.id}/evidence",
                       data={"file": (io.BytesIO(pdf), "x.pdf")}, content_type="multipart/form-data").status_code == 404
    client.post(f"/my/plan/milestones/{my_first.id}/evidence", data={"file": (io.BytesIO(pdf), "诊断.pdf"), "note": "已完成"},
                content_type="multipart/form-data")
    submitted = Milestone.get_by_id(my_first.id)
    assert submitted.submitted_at and submitted.document and submitted.done_date is None
    assert client.get("/plans/").status_code == 403


def test_plan_documents(client, make, staff):
    subjects = [make.pooled_subject(name=f"文档测试{n}有限公司") for n in range(3)]
    new_plan(client)
    plan = the_plan()
    client.post(f"/plans/{plan.id}/edit", data={"title": "龙江湾市培育计划", "goals": "培育目标文字",
                                                 "measures": "措施文字", "target-factory-municipal": "7"})
    for subject in subjects:
        client.post(f"/plans/{plan.id}/items", data={"subject_id": subject.id, "target_rung": "provincial"})
    doc = DocxDocument(io.BytesIO(client.get(f"/plans/{plan.id}/plan.docx").data))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "龙江湾市培育计划" in text and "培育目标文字" in text and "附件：1.培育计划汇总表" in text
    targets = doc.tables[0]
    assert targets.rows[0].cells[2].text == "市级（个）" and targets.rows[1].cells[2].text == "7"
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert all(s.name in cells and s.credit_code in cells for s in subjects)
    sheet = load_workbook(io.BytesIO(client.get(f"/plans/{plan.id}/items.xlsx").data)).active
    names = [r[1] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(s.name for s in subjects)


def test_bad_target_numbers_change_nothing(client, staff):
    new_plan(client)
    plan = the_plan()
    html = client.post(f"/plans/{plan.id}/edit", data={"title": "新名", "target-park-national": "-3"},
                       follow_redirects=True).get_data(as_text=True)
    assert "目标数须为 0–10000 的整数" in html and the_plan().title == f"{YEAR}年培育计划"


def test_unknown_plan_item_and_milestone_are_404(client, staff):
    assert client.get("/plans/999").status_code == 404
    assert client.get("/plans/items/999").status_code == 404
    assert client.post("/plans/milestones/999", data={}).status_code == 404


def test_a_new_target_brings_its_steps_and_keeps_the_progress_made(client, make, staff, db_conn):
    """Municipal → provincial: 第三方机构对接 joins, the list step becomes 入选省级名单 with its progress, the untouched
    work steps move to the provincial dates; back to municipal, the engagement step goes unless something was
    recorded on it."""
    plan = operations.create_plan(YEAR, title="计划", by=staff)
    item = operations.add_item(plan, make.pooled_subject(), target_rung="municipal", owner=staff, by=staff)

    def steps():
        return [(m.name, m.due_date, m.done_date) for m in item.milestones.order_by(Milestone.position)]

    diagnosis = item.milestones.where(Milestone.name == "节能诊断").get()
    done_on = date(YEAR, 1, 1)
    operations.update_milestone(diagnosis, due_date=diagnosis.due_date, done_date=done_on, evidence_note="报告",
                                by=staff)
    response = client.post(f"/plans/items/{item.id}", data={"target_rung": "provincial", "owner": str(staff.id),
                                                            "note": ""}, follow_redirects=True)
    assert "节点已随目标梯度调整（新增：第三方机构对接" in response.get_data(as_text=True)
    expected = operations.milestone_dates("factory", target_rung="provincial", year=YEAR,
                                          joined_on=item.created_at.date())
    after = steps()
    assert [name for name, _, _ in after] == [name for name, _, _ in expected]
    assert after[0] == ("节能诊断", diagnosis.due_date, done_on)  # done: kept as it was
    assert [due for _, due, _ in after[1:]] == [due for _, due, _ in expected[1:]]
    event = AuditEvent.select().where(AuditEvent.action == "plan.update_item").order_by(AuditEvent.id.desc()).get()
    assert event.details_dict["steps_added"] == ["第三方机构对接"]

    engagement = item.milestones.where(Milestone.name == "第三方机构对接").get()
    Milestone.update(evidence_note="已与机构沟通").where(Milestone.id == engagement.id).execute()
    steps_back = operations.update_item(PlanItem.get_by_id(item.id), target_rung="municipal", owner=staff, note="",
                                        by=staff)
    assert steps_back["steps_kept"] == ["第三方机构对接"]  # something was recorded on it: it stays, last
    names = [name for name, _, _ in steps()]
    assert names[-1] == "第三方机构对接" and "入选市级名单" in names and "入选省级名单" not in names
    operations.update_item(PlanItem.get_by_id(item.id), target_rung="national", owner=staff, note="", by=staff)
    Milestone.update(evidence_note="").where(Milestone.id == engagement.id).execute()
    removed = operations.update_item(PlanItem.get_by_id(item.id), target_rung="municipal", owner=staff, note="",
                                     by=staff)
    assert removed["steps_removed"] == ["第三方机构对接"] and "第三方机构对接" not in [n for n, _, _ in steps()]


def test_of_two_target_changes_at_once_one_reschedules(make, staff, db_conn):
    from rules import Refused

    plan = operations.create_plan(YEAR, title="计划", by=staff)
    item = operations.add_item(plan, make.pooled_subject(), target_rung="municipal", owner=staff, by=staff)
    first, second = PlanItem.get_by_id(item.id), PlanItem.get_by_id(item.id)  # two clerks read the same item
    operations.update_item(first, target_rung="provincial", owner=staff, note="", by=staff)
    with pytest.raises(Refused, match="目标梯度刚刚已被修改"):
        operations.update_item(second, target_rung="national", owner=staff, note="", by=staff)
    assert PlanItem.get_by_id(item.id).target_rung == "provincial"
    assert item.milestones.where(Milestone.name == "第三方机构对接").count() == 1
