"""The plan as a work queue (issue 20 item 8): items filtered by owner, district, overdue and "no agency" with counts;
bulk milestone ticking with skips; chase-up messages to the enterprise; bulk add from the pool that says, before
adding, what it will do."""
import re
from datetime import timedelta
from html import unescape

import pytest

from blueprints.plans import operations, worklist
from models import (
    AuditEvent,
    CultivationPlan,
    Engagement,
    MessageKind,
    Milestone,
    PlanItem,
    PlanStatus,
    PoolEntry,
    PoolStatus,
    Role,
    Rung,
    SubjectMessage,
    local_now,
)

from .helpers import make_agency

TODAY = local_now().date()
YEAR = TODAY.year


def days(n):
    return TODAY + timedelta(days=n)


@pytest.fixture
def city(make, login, db_conn):
    """A hand-built plan: four live items and a withdrawn one.

    s1 松源区 owner A, 节能诊断 overdue and open, an agency engaged (active)
    s2 临江区 owner A, 节能诊断 done, 绿色化改造 due later; only a proposal not yet accepted (no agency)
    s3 临江区 owner B, 申报 overdue; the agency accepted and the enterprise confirmed (has an agency)
    s4 临江区 no owner, 节能诊断 overdue; an agency only last year (no agency this year)
    s5 临江区 owner A, withdrawn
    """
    a = make.user(Role.STAFF, display_name="经办人甲")
    b = make.user(Role.STAFF, display_name="经办人乙")
    s = [make.pooled_subject(name=f"队列企业{n}有限公司", district="松源区" if n == 1 else "临江区") for n in range(1, 6)]
    agency = make_agency()
    plan = CultivationPlan.create(year=YEAR, title="本年培育计划", created_by=a)
    items = [PlanItem.create(plan=plan, subject=subject, target_rung="municipal", target_year=YEAR, owner=owner)
             for subject, owner in zip(s, (a, a, b, None, a), strict=True)]
    items[4].withdrawn_at = local_now()
    items[4].save()
    for item, milestones in zip(items, (
            [("节能诊断", days(-10), None)],
            [("节能诊断", days(-20), days(-25)), ("绿色化改造", days(30), None)],
            [("申报", days(-5), None)],
            [("节能诊断", days(-3), None)],
            [("节能诊断", days(-3), None)]), strict=True):
        for position, (name, due, done) in enumerate(milestones):
            Milestone.create(item=item, position=position, name=name, due_date=due, done_date=done)
    for subject, status, year in ((s[0], "active", YEAR), (s[1], "proposed", YEAR), (s[2], "active", YEAR),
                                  (s[3], "active", YEAR - 1)):
        Engagement.create(subject=subject, agency=agency, purpose="consulting", rung="municipal", year=year,
                          status=status)
    login(a)
    return {"plan": plan, "subjects": s, "items": items, "a": a, "b": b}


def shown(html, city):
    """The numbers n of the 队列企业n shown in the item table."""
    table = html[html.index('id="queue-form"'):]
    return {n for n in range(1, 6) if f"队列企业{n}有限公司" in table}


def test_each_filter_against_the_hand_built_plan(client, city):
    plan, a = city["plan"], city["a"]
    cases = {
        "": {1, 2, 3, 4},
        f"owner={a.id}": {1, 2},
        "owner=none": {4},
        "district=临江区": {2, 3, 4},
        "overdue=1": {1, 3, 4},
        "no_agency=1": {2, 4},
        "overdue=1&no_agency=1": {4},
        f"owner={a.id}&district=临江区": {2},
        "owner=abc&overdue=yes": {1, 2, 3, 4},  # malformed filters are ignored, not an error
    }
    for query, expected in cases.items():
        response = client.get(f"/plans/{plan.id}?{query}")
        assert response.status_code == 200, query
        assert shown(response.get_data(as_text=True), city) == expected, query


def test_counts_are_what_each_filter_would_show(app, city, db_conn):
    plan, a, b = city["plan"], city["a"], city["b"]
    with app.app_context():
        items = list(operations.active_items(plan))
        milestones = operations.milestones_by_item(items)
        queue = worklist.work_queue(plan, items, milestones, worklist.item_filters_from({}), TODAY)
        assert queue["total"] == 4 and queue["overdue_count"] == 3 and queue["no_agency_count"] == 2
        assert {key: count for key, _, count in queue["owner_options"]} == {str(a.id): 2, str(b.id): 1, "none": 1}
        assert dict(queue["district_options"]) == {"临江区": 3, "松源区": 1}
        # with owner A: the other filters count among A's items
        queue = worklist.work_queue(plan, items, milestones, worklist.item_filters_from({"owner": str(a.id)}), TODAY)
        assert [i.subject.name for i in queue["items"]] == ["队列企业2有限公司", "队列企业1有限公司"]
        assert queue["overdue_count"] == 1 and queue["no_agency_count"] == 1
        assert dict(queue["district_options"]) == {"临江区": 1, "松源区": 1}
        assert {key: count for key, _, count in queue["owner_options"]}[str(b.id)] == 1  # owner counts leave owner out


def test_filter_shown_in_the_title_area_with_counts_and_a_clear_link(client, city):
    plan = city["plan"]
    html = unescape(client.get(f"/plans/{plan.id}?district=临江区&overdue=1").get_data(as_text=True))
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "区县：临江区" in title and "有逾期节点" in title
    assert 'id="queue-filter-shown"' in html and "筛选：区县：临江区 · 有逾期节点" in html
    assert "筛选出 2 个 / 共 4 个培育对象" in html
    assert "有逾期节点（2）" in html and "尚无对接机构（1）" in html
    assert "临江区（2）" in html and "松源区（1）" in html  # district counts with overdue applied
    assert f'href="/plans/{plan.id}">清除筛选' in html or f'href="/plans/{plan.id}"' in html
    assert 'id="clear-filter"' in html
    # the htmx refresh keeps the filter
    assert f'hx-get="/plans/{plan.id}/progress?district=' in html and "overdue=1" in html
    fragment = client.get(f"/plans/{plan.id}/progress?district=临江区&overdue=1").get_data(as_text=True)
    assert shown(fragment, city) == {3, 4}
    plain = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert 'id="queue-filter-shown"' not in plain and 'id="clear-filter"' not in plain


def test_bulk_tick_with_skips_and_audit(client, city, db_conn):
    plan, items = city["plan"], city["items"]
    response = client.post(f"/plans/{plan.id}/milestones/tick",
                           data={"item": [i.id for i in items], "milestone": "节能诊断",
                                 "done_date": TODAY.isoformat(), "district": "临江区"})
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert 'id="ticked-count">2<' in html and 'id="skipped-count">3<' in html
    assert f"队列企业2有限公司：“节能诊断”已于 {days(-25):%Y-%m-%d} 完成" in html
    assert "队列企业3有限公司：没有“节能诊断”节点" in html
    assert "队列企业5有限公司：已移出本计划" in html
    assert f'href="/plans/{plan.id}?district=' in html  # back to the filtered queue
    done = {m.item_id: m.done_date for m in Milestone.select().where(Milestone.name == "节能诊断")}
    assert done[items[0].id] == TODAY and done[items[3].id] == TODAY
    assert done[items[1].id] == days(-25) and done[items[4].id] is None  # not re-dated; withdrawn untouched
    events = list(AuditEvent.select().where(AuditEvent.action == "plan.milestone"))
    assert len(events) == 2 and all('"bulk": true' in e.details for e in events)
    assert {e.object_label for e in events} == {"队列企业1有限公司", "队列企业4有限公司"}
    # again: everything is done now, nothing is ticked twice
    html = unescape(client.post(f"/plans/{plan.id}/milestones/tick",
                                data={"item": [items[0].id], "milestone": "节能诊断",
                                      "done_date": TODAY.isoformat()}).get_data(as_text=True))
    assert 'id="ticked-count">0<' in html and "已于" in html


def test_an_agency_counts_once_the_enterprise_confirmed_as_in_the_plan_documents(app, city, db_conn):
    plan, s = city["plan"], city["subjects"]
    Engagement.update(status="accepted").where(Engagement.subject == s[2]).execute()  # not yet confirmed
    items = list(operations.active_items(plan))
    queue = worklist.work_queue(plan, items, operations.milestones_by_item(items), {"no_agency": "1"}, TODAY)
    assert {i.subject_id for i in queue["items"]} == {s[1].id, s[2].id, s[3].id}
    assert queue["agencies"] == operations.agencies_by_subject({i.subject_id for i in items}, YEAR)


def test_steps_the_site_records_itself_are_not_ticked_by_hand(client, city, db_conn):
    plan, items = city["plan"], city["items"]
    step = Milestone.create(item=items[0], position=5, name="入选市级名单", due_date=days(30), event="listed")
    html = unescape(client.post(f"/plans/{plan.id}/milestones/tick",
                                data={"item": [items[0].id], "milestone": "入选市级名单",
                                      "done_date": TODAY.isoformat()}).get_data(as_text=True))
    assert 'id="ticked-count">0<' in html and "自动完成，不能手工登记" in html
    html = client.post(f"/plans/milestones/{step.id}", headers={"HX-Request": "true"},
                       data={"due_date": step.due_date.isoformat(), "done_date": TODAY.isoformat()}
                       ).get_data(as_text=True)
    assert "不能手工登记" in html and "readonly" in html
    assert Milestone.get_by_id(step.id).done_date is None


def test_bulk_tick_refuses_bad_input_beside_the_fields(client, city, db_conn):
    plan, items = city["plan"], city["items"]
    html = client.post(f"/plans/{plan.id}/milestones/tick",
                       data={"item": [items[0].id], "milestone": "节能诊断",
                             "done_date": days(1).isoformat()}).get_data(as_text=True)
    assert "完成日期不能晚于今天" in html
    assert re.search(rf'name="item" value="{items[0].id}"[^>]* checked', html)  # the selection is kept
    html = client.post(f"/plans/{plan.id}/milestones/tick",
                       data={"milestone": "节能诊断", "done_date": TODAY.isoformat(), "overdue": "1"}
                       ).get_data(as_text=True)
    assert "请先勾选要登记的培育对象" in html and "有逾期节点" in html
    html = client.post(f"/plans/{plan.id}/milestones/tick",
                       data={"item": [items[0].id], "done_date": "明天"}).get_data(as_text=True)
    assert "请选择要登记完成的节点" in html and "请输入有效的日期" in html
    assert Milestone.select().where(Milestone.done_date == TODAY).count() == 0
    assert not AuditEvent.select().where(AuditEvent.action == "plan.milestone").exists()


def test_bulk_tick_allowed_on_a_filed_plan(client, city, db_conn):
    plan, items = city["plan"], city["items"]
    CultivationPlan.update(status=PlanStatus.FILED.value).where(CultivationPlan.id == plan.id).execute()
    html = client.post(f"/plans/{plan.id}/milestones/tick", data={
        "item": [items[2].id], "milestone": "申报", "done_date": TODAY.isoformat()}).get_data(as_text=True)
    assert 'id="ticked-count">1<' in html
    assert CultivationPlan.get_by_id(plan.id).status == PlanStatus.FILED.value


def test_chase_up_stored_audited_and_shown_to_that_enterprise_only(client, make, login, city, db_conn):
    plan, items, s = city["plan"], city["items"], city["subjects"]
    # the queue's button opens the message form for the ticked items, listing them with their overdue milestones
    html = client.post(f"/plans/{plan.id}/chase-up", data={"step": "compose", "item": [items[0].id, items[2].id],
                                                           "milestone": "", "overdue": "1"}).get_data(as_text=True)
    assert "队列企业1有限公司" in html and "队列企业3有限公司" in html and "队列企业2有限公司" not in html
    assert "节能诊断" in html and "发送催办（2 家）" in html and "请填写催办内容" not in html
    # one row's link
    html = client.get(f"/plans/{plan.id}/chase-up?item={items[1].id}").get_data(as_text=True)
    assert "发送催办（1 家）" in html
    # an empty message is refused beside the field
    html = client.post(f"/plans/{plan.id}/chase-up", data={"item": [items[0].id], "body": "  "}).get_data(as_text=True)
    assert "请填写催办内容" in html
    response = client.post(f"/plans/{plan.id}/chase-up", data={"item": [items[0].id, items[2].id, items[4].id],
                                                               "body": "请于本月底前提交节能诊断报告。", "overdue": "1"})
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/plans/{plan.id}?overdue=1")
    messages = list(SubjectMessage.select().where(SubjectMessage.kind == MessageKind.CHASE_UP.value))
    assert sorted(m.subject_id for m in messages) == [s[0].id, s[2].id]  # the withdrawn item is not chased
    events = list(AuditEvent.select().where(AuditEvent.action == "subject.chase_up"))
    assert sorted(e.object_id for e in events) == [s[0].id, s[2].id]
    client.post("/logout")
    login(make.user(Role.ENTERPRISE, subject=s[0]))
    html = client.get("/my/").get_data(as_text=True)
    assert "请于本月底前提交节能诊断报告。" in html and "主管部门催办" in html and "催办</span>" in html
    client.post("/logout")
    login(make.user(Role.ENTERPRISE, subject=s[1]))
    html = client.get("/my/").get_data(as_text=True)
    assert "请于本月底前提交节能诊断报告。" not in html and 'id="chase-up"' not in html


@pytest.fixture
def pool_city(make, login, db_conn):
    staff = make.user(Role.STAFF, display_name="经办人丙")
    login(staff)
    rows = {
        "p1": make.pooled_subject(name="批量池一有限公司", district="临江区"),
        "p2": make.pooled_subject(name="批量池二有限公司", district="临江区", rung=Rung.MUNICIPAL.value),
        "p3": make.pooled_subject(name="批量池三有限公司", district="临江区", rung=Rung.NATIONAL.value),
        "p4": make.pooled_subject(name="批量池四有限公司", district="临江区"),
        "p5": make.pooled_subject(name="批量池五有限公司", district="临江区"),
        "other": make.pooled_subject(name="别区企业有限公司", district="松源区"),
    }
    PoolEntry.update(status=PoolStatus.EXITED.value).where(PoolEntry.subject == rows["p4"]).execute()
    plan = operations.create_plan(YEAR, title="本年培育计划", by=staff)
    operations.add_item(plan, rows["p5"], target_rung="municipal", owner=staff, by=staff)
    CultivationPlan.update(status=PlanStatus.APPROVED.value).where(CultivationPlan.id == plan.id).execute()
    return {"plan": CultivationPlan.get_by_id(plan.id), "staff": staff, **rows}


def _row(html, subject):
    match = re.search(rf'<tr[^>]*id="bulk-row-{subject.id}".*?</tr>', html, re.S)
    assert match, subject.name
    return match.group(0)


def test_bulk_add_preview_says_what_it_will_do_before_adding(client, pool_city, db_conn):
    plan = pool_city["plan"]
    html = unescape(client.get(f"/plans/{plan.id}/bulk?district=临江区").get_data(as_text=True))
    assert "别区企业有限公司" not in html and "符合条件的培育库对象 5 个，其中可加入 2 个" in html
    assert 'id="bulk-back-to-draft"' in html and "退回草稿" in html
    # every pool filter is on the bar
    for name in ("q", "kind", "district", "industry", "status", "rung", "year", "owner"):
        assert f'name="{name}"' in html, name
    p1, p2 = _row(html, pool_city["p1"]), _row(html, pool_city["p2"])
    assert "checked" in p1 and 'value="municipal" selected' in p1 and "可加入" in p1
    assert 'value="provincial" selected' in p2 and 'value="municipal"' not in p2  # only rungs above the subject's
    assert "目标梯度须高于" in _row(html, pool_city["p3"]) and "disabled" in _row(html, pool_city["p3"])
    assert "不在培育库中" in _row(html, pool_city["p4"])
    assert "已在本计划中" in _row(html, pool_city["p5"])
    assert PlanItem.select().where(PlanItem.plan == plan).count() == 1  # the preview added nothing
    # the other pool filters narrow the preview too
    html = client.get(f"/plans/{plan.id}/bulk?district=临江区&rung=municipal").get_data(as_text=True)
    assert "批量池二有限公司" in html and "批量池一有限公司" not in html


def test_bulk_add_per_row_targets_refusals_reported_and_back_to_draft(client, pool_city, db_conn):
    plan, staff = pool_city["plan"], pool_city["staff"]
    p1, p2, p3 = pool_city["p1"], pool_city["p2"], pool_city["p3"]
    data = {"subject": [p1.id, p2.id, p3.id, 999999], f"target-{p1.id}": "provincial",
            f"target-{p2.id}": "national", f"target-{p3.id}": "national", "owner": str(staff.id)}
    response = client.post(f"/plans/{plan.id}/bulk?district=临江区", data=data, follow_redirects=True)
    html = unescape(response.get_data(as_text=True))
    assert "已加入 2 个培育对象；2 个未加入" in html and "批量池三有限公司：目标梯度须高于" in html
    assert "编号 999999 的培育对象不存在" in html and "已退回草稿" in html
    targets = {i.subject_id: (i.target_rung, i.owner_id) for i in PlanItem.select().where(PlanItem.plan == plan)}
    assert targets[p1.id] == ("provincial", staff.id) and targets[p2.id] == ("national", staff.id)
    assert p3.id not in targets
    assert CultivationPlan.get_by_id(plan.id).status == PlanStatus.DRAFT.value
    event = AuditEvent.select().where(AuditEvent.action == "plan.add_items").get()
    assert '"back_to_draft": true' in event.details and "批量池一有限公司" in event.details
    # nothing ticked: said on the page, nothing added
    html = client.post(f"/plans/{plan.id}/bulk?district=临江区", data={"owner": ""}).get_data(as_text=True)
    assert "请先勾选要加入的培育对象" in html


def test_bulk_add_on_a_filed_plan_is_refused_on_the_page(client, pool_city, db_conn):
    plan, p1 = pool_city["plan"], pool_city["p1"]
    CultivationPlan.update(status=PlanStatus.FILED.value).where(CultivationPlan.id == plan.id).execute()
    html = client.get(f"/plans/{plan.id}/bulk").get_data(as_text=True)
    assert 'id="bulk-locked"' in html
    html = client.post(f"/plans/{plan.id}/bulk", data={"subject": [p1.id], f"target-{p1.id}": "municipal"}
                       ).get_data(as_text=True)
    assert "内容已锁定" in html
    assert not PlanItem.select().where(PlanItem.subject == p1).exists()


@pytest.mark.parametrize("role", [Role.ENTERPRISE.value, Role.AGENCY.value, None])
def test_enterprise_and_agency_are_kept_out(client, make, login, city, role, db_conn):
    plan, items = city["plan"], city["items"]
    client.post("/logout")
    if role:
        login(make.user(role, **({"subject": city["subjects"][0]} if role == Role.ENTERPRISE.value else {})))
    for method, path, data in (
            ("get", f"/plans/{plan.id}?overdue=1", None),
            ("get", f"/plans/{plan.id}/progress?owner=none", None),
            ("get", f"/plans/{plan.id}/bulk", None),
            ("post", f"/plans/{plan.id}/bulk", {"subject": [city["subjects"][0].id]}),
            ("get", f"/plans/{plan.id}/chase-up?item={items[0].id}", None),
            ("post", f"/plans/{plan.id}/chase-up", {"item": [items[0].id], "body": "越权催办"}),
            ("post", f"/plans/{plan.id}/milestones/tick",
             {"item": [items[0].id], "milestone": "节能诊断", "done_date": TODAY.isoformat()})):
        response = getattr(client, method)(path, data=data)
        if role:
            assert response.status_code == 403, path
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert not SubjectMessage.select().exists()
    assert Milestone.select().where(Milestone.done_date == TODAY).count() == 0


def test_a_chase_up_alert_ends_after_its_days_or_a_reply_and_stays_in_the_history(client, make, login, db_conn):
    from datetime import timedelta
    from types import SimpleNamespace

    from blueprints.plans.worklist import CHASE_UP_ALERT_DAYS, chase_up_alert
    from models import local_now

    now = local_now()

    def message(kind, days_ago):
        return SimpleNamespace(kind=kind.value, created_at=now - timedelta(days=days_ago))

    chase, reply = MessageKind.CHASE_UP, MessageKind.REPLY
    assert chase_up_alert([message(chase, 3)], now).kind == chase.value
    assert chase_up_alert([message(chase, CHASE_UP_ALERT_DAYS + 1)], now) is None
    assert chase_up_alert([message(chase, 5), message(reply, 4)], now) is None  # answered
    assert chase_up_alert([message(reply, 9), message(chase, 5)], now) is not None  # asked again after the answer
    assert chase_up_alert([], now) is None

    subject = make.pooled_subject()
    SubjectMessage.create(subject=subject, kind=chase.value, body="请提交节能诊断报告（旧）",
                          created_at=now - timedelta(days=CHASE_UP_ALERT_DAYS + 2))
    login(make.user(Role.ENTERPRISE, subject=subject))
    html = client.get("/my/").get_data(as_text=True)
    assert 'id="chase-up"' not in html and "请提交节能诊断报告（旧）" in html  # no alert; still in the history
    SubjectMessage.create(subject=subject, kind=chase.value, body="请本周内提交")
    assert 'id="chase-up"' in client.get("/my/").get_data(as_text=True)
