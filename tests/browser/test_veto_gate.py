"""第十五条 at the review door: staff record a veto hit (with its event date) on the subject page while the
application is under expert review; the "通过" conclusion is then refused with the article and the condition."""
from datetime import timedelta

from playwright.sync_api import expect

import rules
from blueprints.applications import operations as apps
from core import settings, uploads
from models import PoolEntry, ReviewAssignment, Role, Rung, VetoCheck, db, local_now
from tests.helpers import Factory

from .steps import login


def test_hit_recorded_mid_review_refuses_passed(live_server, live_app, browser):
    make = Factory()
    today = local_now().date()
    with db.connection_context():
        settings.save({"districts": ["松源区"], "city_name": "龙江湾市", "bureau_name": "龙江湾市工业和信息化局"})
    subject = make.subject(name="龙江湾评审否决化工有限公司", rung=Rung.POOL.value)
    staff = make.user(Role.STAFF)
    experts = [make.user(Role.EXPERT, organisation=f"大学{n}") for n in range(3)]
    with live_app.test_request_context(), db.connection_context():
        PoolEntry.create(subject=subject, year_admitted=today.year - 1)
        for key, _, _ in rules.VETO_CONDITIONS:
            VetoCheck.create(subject=subject, condition_key=key, result="clear", source="信用中国", checked_on=today)
        application = apps.create(subject, today.year, rung="municipal", method="self", claimed_score=90,
                                  national_intent=False, by=staff)
        application.report = uploads.save(b"%PDF-1.4 r", "pdf", "r.pdf", "application", application.id,
                                          purpose="evaluation_report")
        application.save()
        for key, _ in rules.APPLICATION_MATERIALS["factory"]:
            uploads.save(b"%PDF-1.4 m", "pdf", f"{key}.pdf", "application", application.id, purpose=key)
        apps.submit(application, by=staff)
        apps.start_review(application, by=staff)
        for expert in experts:
            assignment = apps.assign(application, expert, by=staff)
            apps.declare(assignment, conflict=False, reason="", by=expert)
            apps.score(ReviewAssignment.get_by_id(assignment.id), value=91, comments="", by=expert)

    page = browser.new_context().new_page()
    login(page, live_server, staff.username)
    page.goto(f"{live_server}/pool/subjects/{subject.id}")
    row = page.locator("#veto-dishonest_debtor")
    row.get_by_role("link", name="修改").click()  # recorded as clear: the record, with 修改 to open its form
    row.get_by_role("link", name="取消").click()  # and 取消 back to the record
    expect(row.locator("select[name=result]")).to_have_count(0)
    row.get_by_role("link", name="修改").click()
    row.locator("select[name=result]").select_option("hit")
    row.locator("select[name=source]").select_option("中国执行信息公开网")
    row.locator("input[name=event_on]").fill((today - timedelta(days=60)).isoformat())
    row.get_by_role("button", name="保存").click()
    expect(page.locator("#veto-dishonest_debtor .veto-counts")).to_contain_text("不得申请、推荐和列入")

    page.goto(f"{live_server}/applications/{application.id}")
    page.get_by_role("button", name="结束评审（按得分确定通过/未通过）").click()
    alert = page.locator(".alert-danger").filter(has_text="不能作出“通过”结论")
    expect(alert).to_contain_text("第十五条第六项")
    expect(alert).to_contain_text("失信被执行人")
    expect(page.locator(".badge").filter(has_text="评审中").first).to_be_visible()
