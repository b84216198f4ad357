"""Issue 20's journey: staff filter 50 pooled subjects, assign them to agencies in one batch within each agency's
capacity, the agencies accept with the 第二十四条 declaration, an enterprise confirms (第十二条), and the plan
dashboard moves: the confirmation ticks the subject's 第三方机构对接 step, so it is no longer at risk."""
import re
from collections import Counter
from datetime import timedelta

from playwright.sync_api import expect

import rules
from blueprints.agencies import batch_operations
from blueprints.agencies import operations as agencies
from blueprints.plans import operations as plans
from core import settings
from core.identifiers import make_credit_code
from models import Agency, Engagement, Milestone, PlanItem, PoolEntry, PoolStatus, Role, Rung, db, local_now
from tests.helpers import Factory

from .steps import login

DISTRICTS = ["松源区", "临江区", "北湖区"]
INDUSTRIES = ["13", "14", "15", "17", "26"]
CAPACITY = 20
STEP = "第三方机构对接"  # the provincial target's step ticked by the engagement's confirmation (rules._template)


def _agencies(staff, today):
    """One agency that covers every industry and factories (everybody's top pick) and three narrower ones, each
    approved the way staff do it (every 第二十三条 item checked as met) with room for CAPACITY engagements."""
    specs = [("龙江湾全能绿色评价中心有限公司", ",".join(INDUSTRIES), "factory", "松源区", "刘建国"),
             ("龙江湾临江节能技术服务有限公司", "13,14", "park", "临江区", "陈海燕"),
             ("龙江湾北湖低碳咨询有限公司", "15,17", "park", "北湖区", "王立群"),
             ("龙江湾松源环境科技有限公司", "26,13", "park", "松源区", "赵明")]
    made = []
    for index, (name, industries, kinds, district, legal) in enumerate(specs):
        agency = Agency.create(
            name=name, credit_code=make_credit_code("239902", 93_100_000 + index * 7), legal_representative=legal,
            address=f"龙江湾市{district}科技路{index + 1}号", contact_person="罗春梅", contact_phone="0451-82345678",
            platform_registration_no=f"GIP-2026-{100 + index}", platform_approved=True, staff_mid_level=14,
            staff_senior=6, expertise_industries=industries, expertise_kinds=kinds, experience="承担绿色工厂评价 30 项。",
            declaration=rules.AGENCY_DECLARATION, declared_at=local_now())
        for key, _, _ in rules.AGENCY_CONDITIONS:
            agencies.record_check(agency, key, result="met", evidence="已核对资质材料", by=staff)
        agencies.approve(agency, by=staff, today=today)
        batch_operations.set_capacity(agency, today.year, capacity=CAPACITY, by=staff)
        made.append(Agency.get_by_id(agency.id))
    return made


def _dashboard_totals(page):
    """The 合计 row of the dashboard: target, assigned, on track, at risk, achieved."""
    cells = page.locator("#dashboard-table tfoot td").all_inner_texts()
    return dict(zip(("target", "assigned", "on_track", "at_risk", "achieved"), map(int, cells[1:6]), strict=True))


def test_matching_journey(live_app, live_server, browser):
    make = Factory()
    today = local_now().date()
    year = today.year
    # a step due yesterday is overdue; on 1 January nothing of this year's plan can be (the at-risk figure is then 0)
    late = today.timetuple().tm_yday > 1
    with live_app.app_context(), db.connection_context():
        settings.save({"districts": DISTRICTS})
        staff = make.user(Role.STAFF, display_name="周敏")
        star, *others = _agencies(staff, today)
        subjects = []
        for n in range(58):  # 50 cultivating subjects admitted last year, and 8 the filter leaves out
            subject = make.subject(name=f"龙江湾匹配旅程{n:02d}有限公司", district=DISTRICTS[n % 3],
                                   industry_code=INDUSTRIES[n % 5], rung=Rung.POOL.value)
            if n < 50:
                PoolEntry.create(subject=subject, year_admitted=year - 1)
                subjects.append(subject)
            elif n < 54:
                PoolEntry.create(subject=subject, year_admitted=year - 2)
            else:
                PoolEntry.create(subject=subject, year_admitted=year - 1, status=PoolStatus.EXITED.value,
                                 exit_reason="企业搬迁", exited_on=today)
        first, second = subjects[0], subjects[1]
        enterprise = make.user(Role.ENTERPRISE, subject=first)
        make.user(Role.ENTERPRISE, subject=second)
        agency_users = {a.id: make.user(Role.AGENCY, agency=a) for a in [star, *others]}

        plan = plans.create_plan(year, title=f"{year}年绿色制造梯度培育计划", by=staff)
        plans.update_plan(plan, title=plan.title, goals="培育省级绿色工厂", measures="组织第三方机构对接",
                          targets={("factory", "provincial"): 40}, by=staff)
        added, skipped = plans.add_items(plan, [(s, "provincial") for s in subjects], owner=staff, by=staff)
        assert len(added) == 50 and not skipped
        if late:  # the two subjects' agency step was due yesterday: both items are at risk
            for subject in (first, second):
                step = (Milestone.select().join(PlanItem)
                        .where(PlanItem.plan == plan, PlanItem.subject == subject, Milestone.name == STEP).get())
                plans.update_milestone(step, due_date=today - timedelta(days=1), done_date=None, evidence_note="",
                                       by=staff)
        # the premise: always taking the top-ranked agency would give the star far more than its capacity
        ranked = batch_operations.plan(subjects, purpose="consulting", rung="municipal", year=year, today=today)[0]
        naive = Counter(next(c for c in ranked[s.id] if c.offered).agency.id for s in subjects)
        assert naive[star.id] > CAPACITY

    page = browser.new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm buttons
    login(page, live_server, staff.username)

    # the dashboard before: 50 assigned to a target of 40, the two late items at risk
    page.goto(live_server + f"/plans/{plan.id}/dashboard")
    before = _dashboard_totals(page)
    assert before == {"target": 40, "assigned": 50, "on_track": 48 if late else 50, "at_risk": 2 if late else 0,
                      "achieved": 0}

    # filter 50 subjects from the pool and compute the proposal
    page.get_by_role("link", name="第三方机构", exact=True).click()
    page.locator("#batch-link").click()
    page.get_by_label("对象来源").select_option("pool")
    page.get_by_label("对接内容").select_option("consulting")
    page.get_by_label("评价梯度").select_option("municipal")
    expect(page.get_by_label("对接年度")).to_have_value(str(year))
    page.get_by_label("对象数（至多）").fill("100")
    page.get_by_label("入库年度").select_option(str(year - 1))
    page.get_by_label("培育状态").select_option("cultivating")
    page.get_by_role("button", name="计算建议分配").click()
    expect(page.locator("#batch-summary")).to_contain_text("共 50 个对象，建议分配 50 个；0 个没有可对接的机构")
    expect(page.locator("#batch-rows tbody tr")).to_have_count(50)
    expect(page.locator("#batch-rows")).not_to_contain_text("龙江湾匹配旅程50有限公司")  # admitted two years ago

    # one load bar per agency, none above its capacity; the star is filled, not overfilled
    bars = page.locator("#load-bars .load-bar")
    expect(bars).to_have_count(4)
    loads = {}
    for index in range(4):
        bar = bars.nth(index)
        name = bar.locator("a").first.inner_text()
        load, batch, capacity = map(int, re.search(r"(\d+) \+ (\d+) / (\d+)", bar.inner_text()).groups())
        assert load + batch <= capacity == CAPACITY, (name, load, batch, capacity)
        loads[name] = batch
    assert sum(loads.values()) == 50 and loads[star.name] == CAPACITY
    expect(page.locator("#load-bars .text-danger")).to_have_count(0)
    expect(page.locator("#load-bars .bg-danger")).to_have_count(0)

    # every invitation in one step
    page.get_by_role("button", name="发送全部邀请").click()
    expect(page.get_by_text("已发出 50 份对接邀请")).to_be_visible()
    expect(page.locator("#batch-engagements tbody tr")).to_have_count(50)
    expect(page.locator("#batch-states")).to_have_text("待接受 50")
    batch_url = page.url

    with live_app.app_context(), db.connection_context():
        invited = {s.id: Engagement.get(Engagement.subject == s) for s in (first, second)}
        agency_of = {sid: e.agency for sid, e in invited.items()}

    # each agency accepts its invitation with the 第二十四条 declaration ticked
    for subject in (first, second):
        agency = agency_of[subject.id]
        agency_page = browser.new_context().new_page()
        login(agency_page, live_server, agency_users[agency.id].username)
        agency_page.get_by_role("link", name="机构工作台").click()
        expect(agency_page.locator("#my-engagements tbody tr")).to_have_count(loads[agency.name])
        agency_page.locator("#my-engagements tr", has_text=subject.name).get_by_role("link", name="处理邀请").click()
        agency_page.locator("#accept-form").get_by_role("checkbox").check()
        agency_page.get_by_role("button", name="接受对接").click()
        expect(agency_page.get_by_text("已接受对接")).to_be_visible()
        agency_page.context.close()

    # accepted by the agency is not yet live: the dashboard has not moved
    page.goto(live_server + f"/plans/{plan.id}/dashboard")
    assert _dashboard_totals(page) == before

    # the first enterprise confirms (第十二条: it commissions and pays the agency)
    agency = agency_of[first.id]
    enterprise_page = browser.new_context().new_page()
    login(enterprise_page, live_server, enterprise.username)
    enterprise_page.get_by_role("link", name="第三方机构", exact=True).click()
    row = enterprise_page.locator(f"#engagement-{invited[first.id].id}")
    expect(row).to_contain_text("待企业确认")
    row.get_by_role("button", name="确认委托").click()
    expect(enterprise_page.get_by_text(f"已确认与 {agency.name} 的对接")).to_be_visible()
    expect(enterprise_page.locator(f"#engagement-{invited[first.id].id}")).to_contain_text("进行中")
    enterprise_page.context.close()

    # the dashboard moves: the confirmed subject's late step is ticked, so one item less at risk
    page.goto(live_server + f"/plans/{plan.id}/dashboard")
    after = _dashboard_totals(page)
    moved = 1 if late else 0
    assert after == {**before, "at_risk": before["at_risk"] - moved, "on_track": before["on_track"] + moved}
    page.get_by_role("link", name="尚无对接机构的条目").click()
    expect(page.locator("#queue-count")).to_contain_text("共 50 个培育对象")
    expect(page.locator("#plan-items")).to_contain_text(subjects[2].name)  # only invited
    expect(page.locator("#plan-items")).not_to_contain_text(first.name)  # confirmed: it has its agency

    # the step says which event ticked it; the second subject's, only accepted, is still open
    page.locator("#clear-filter").click()
    page.get_by_role("link", name=first.name, exact=True).click()
    step = page.locator(".milestone-row", has_text=STEP)
    expect(step).to_contain_text(f"已完成 {today.isoformat()}")
    expect(step.locator(".done-event")).to_have_text(f"由事项自动完成：与{agency.name}的对接已确认（{today.isoformat()}）")
    expect(page.get_by_text(f"{agency.name}（咨询，进行中）")).to_be_visible()
    page.go_back()
    page.get_by_role("link", name=second.name, exact=True).click()
    step = page.locator(".milestone-row", has_text=STEP)
    expect(step).not_to_contain_text("已完成")
    if late:
        expect(step).to_contain_text("（逾期）")

    # the batch shows all three states
    page.goto(batch_url)
    states = page.locator("#batch-states")
    expect(states).to_contain_text("待接受 48")
    expect(states).to_contain_text("待企业确认 1")
    expect(states).to_contain_text("进行中 1")
