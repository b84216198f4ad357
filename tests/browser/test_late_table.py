"""第二十七、三十条: staff key in a listed unit's dynamic table handed in on paper on 31 March; the list shows it
逾期 1 天 and up for removal review, and in the recommendation round the unit's dynamic-table check is red."""
from datetime import date, timedelta

from playwright.sync_api import expect

import rules
from blueprints.applications import operations as apps
from core import settings, uploads
from models import Listing, PoolEntry, Role, Rung, VetoCheck, db, local_now
from tests.helpers import Factory

from .steps import login

VALUES = {"工业总产值": "26000", "综合能源消费量": "1580", "单位产值综合能耗": "0.061", "取水量": "13.5",
          "工业固体废物综合利用率": "96", "可再生能源使用比例": "12", "二氧化碳排放量": "3890"}


def test_late_table(live_app, live_server, browser):
    make = Factory()
    staff = make.user(Role.STAFF)
    today = local_now().date()
    last_year = today.year - 1
    subject = make.subject(name="龙江湾逾期填报有限公司", rung=Rung.MUNICIPAL.value)
    with live_app.test_request_context(), db.connection_context():
        settings.save({"city_name": "龙江湾市", "bureau_name": "龙江湾市工业和信息化局"})
        PoolEntry.create(subject=subject, year_admitted=last_year - 1, status="listed")
        Listing.create(subject=subject, rung="municipal", year=last_year, source="municipal_review",
                       listed_on=date(last_year, 9, 20))
        for key, _, _ in rules.VETO_CONDITIONS:
            VetoCheck.create(subject=subject, condition_key=key, result="clear", source="信用中国",
                             checked_on=today - timedelta(days=5))
        application = apps.create(subject, today.year, rung="provincial", method="self", claimed_score=91,
                                  national_intent=True, by=staff)
        application.report = uploads.save(b"%PDF-1.4 r", "pdf", "r.pdf", "application", application.id,
                                          purpose="evaluation_report")
        application.save()
        for key, _ in rules.APPLICATION_MATERIALS["factory"]:
            uploads.save(b"%PDF-1.4 m", "pdf", "m.pdf", "application", application.id, purpose=key)
        apps.submit(application, by=staff)

    page = browser.new_context().new_page()
    login(page, live_server, staff.username)
    page.get_by_role("link", name="名单维护").click()
    row = page.locator("#dynamic-status tr", has_text="龙江湾逾期填报有限公司")
    expect(row).to_contain_text("未填报")
    row.get_by_role("link", name="登记纸质报送").click()
    page.get_by_label("收到日期").fill(f"{today.year}-03-31")
    for label, value in VALUES.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="登记纸质动态管理表").click()
    expect(page.get_by_text("已登记 龙江湾逾期填报有限公司 的纸质动态管理表（逾期 1 天）")).to_be_visible()
    expect(row.locator(".timeliness")).to_have_text("逾期 1 天")
    expect(page.locator("#removal-review")).to_contain_text("龙江湾逾期填报有限公司（逾期 1 天）")

    page.get_by_role("link", name="省级推荐").click()
    page.get_by_role("button", name="开始本年度推荐").click()
    check = page.locator(".recommendation .checks li", has_text="上一年度动态管理表按时填报（或已记录理由）")
    expect(check.locator(".badge.text-bg-danger")).to_have_text("未通过")
    expect(check).to_contain_text("逾期 1 天")
