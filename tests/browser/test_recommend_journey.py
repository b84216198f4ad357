"""Staff open the round, write an opinion from its template and rank it; the admin signs; the ZIP downloads."""
import re
import zipfile
from datetime import timedelta

from playwright.sync_api import expect

import rules
from blueprints.applications import operations as apps
from core import settings, uploads
from models import PoolEntry, Role, Rung, VetoCheck, db, local_now
from tests.helpers import Factory

from .steps import login


def test_recommend_journey(live_app, live_server, browser):
    make = Factory()
    staff, admin = make.user(Role.STAFF), make.user(Role.ADMIN)
    subject = make.subject(name="龙江湾推荐旅程有限公司", rung=Rung.POOL.value)
    today = local_now().date()
    with live_app.test_request_context(), db.connection_context():
        settings.save({"city_name": "龙江湾市", "bureau_name": "龙江湾市工业和信息化局"})
        PoolEntry.create(subject=subject, year_admitted=today.year - 1)
        for key, _, _ in rules.VETO_CONDITIONS:
            VetoCheck.create(subject=subject, condition_key=key, result="clear", checked_on=today - timedelta(days=5))
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
    page.get_by_role("link", name="省级推荐").click()
    page.get_by_role("button", name="开始本年度推荐").click()
    card = page.locator(".recommendation").first
    expect(card).to_contain_text("检查均通过")
    card.get_by_label("龙江湾推荐旅程有限公司排序").fill("1")
    card.get_by_label("龙江湾推荐旅程有限公司结论").select_option("recommend")
    card.get_by_role("button", name="推荐模板", exact=True).click()
    expect(card.get_by_label("龙江湾推荐旅程有限公司推荐意见")).to_have_value(re.compile("同意推荐"))
    card.get_by_role("button", name="保存").click()
    expect(page.locator(".recommendation").first).to_contain_text("第 1 位")

    admin_page = browser.new_context().new_page()
    admin_page.on("dialog", lambda dialog: dialog.accept())
    login(admin_page, live_server, admin.username)
    admin_page.goto(page.url)
    admin_page.get_by_role("button", name="签发").click()
    expect(admin_page.get_by_text("推荐意见已签发")).to_be_visible()
    with admin_page.expect_download() as download_info:
        admin_page.get_by_role("link", name="下载推荐材料（ZIP）").click()
    names = zipfile.ZipFile(download_info.value.path()).namelist()
    assert "推荐函.docx" in names and any("龙江湾推荐旅程有限公司" in n for n in names)
