"""An enterprise applies; three experts score in their own sessions; staff open publicity; an objection comes in
from the public page; staff publish; the subject shows on /list and on its green-code page."""

from playwright.sync_api import expect

import rules
from core import settings
from models import PoolEntry, Role, Rung, VetoCheck, db, local_now
from tests.helpers import Factory

from .steps import login, objection_handled_and_window_passed, score_as_experts, upload_application_files


def test_apply_review_publicise_publish(live_server, browser, tmp_path):
    make = Factory()
    with db.connection_context():
        settings.save({"districts": ["松源区"], "city_name": "龙江湾市", "bureau_name": "龙江湾市工业和信息化局",
                       "bureau_phone": "0451-88880000"})
    subject = make.subject(name="龙江湾旅程乳业有限公司", rung=Rung.POOL.value)
    with db.connection_context():
        PoolEntry.create(subject=subject, year_admitted=2025)
        for key, _, _ in rules.VETO_CONDITIONS:
            VetoCheck.create(subject=subject, condition_key=key, result="clear", source="信用中国",
                             checked_on=local_now().date())
    enterprise = make.user(Role.ENTERPRISE, subject=subject)
    experts = [make.user(Role.EXPERT, display_name=f"专家{n}", organisation=f"大学{n}") for n in range(3)]
    staff = make.user(Role.STAFF)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 journey report")

    page = browser.new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, live_server, enterprise.username)
    page.get_by_role("link", name="申报", exact=True).click()
    page.get_by_label("申报级别").select_option("municipal")
    page.get_by_label("自评价/第三方评价得分").fill("88")
    page.get_by_role("button", name="创建申报草稿").click()
    expect(page.locator("#submit-problems")).to_contain_text("申报材料不全")
    upload_application_files(page, pdf)
    page.get_by_role("button", name="提交申报").click()
    expect(page.get_by_text("申报已提交。")).to_be_visible()
    application_url = page.url

    staff_page = browser.new_context().new_page()
    staff_page.on("dialog", lambda dialog: dialog.accept())
    login(staff_page, live_server, staff.username)
    staff_page.goto(application_url)
    staff_page.get_by_role("button", name="进入专家评审").click()
    staff_page.get_by_role("link", name="申报评审").click()
    staff_page.get_by_role("button", name="为该年度评审中的市级申报自动指派专家").click()
    expect(staff_page.get_by_text("已自动指派 3 人次")).to_be_visible()

    score_as_experts(lambda: browser.new_context().new_page(), live_server, experts, "龙江湾旅程乳业有限公司",
                     ("86", "90", "91"))

    staff_page.goto(application_url)
    expect(staff_page.locator("#final-score")).to_contain_text("89.0")
    staff_page.get_by_role("button", name="结束评审（按得分确定通过/未通过）").click()
    expect(staff_page.get_by_text("评审通过。")).to_be_visible()
    staff_page.get_by_role("link", name="公示公布").click()
    staff_page.get_by_role("button", name="开始公示").click()
    expect(staff_page.get_by_text("公示已开始")).to_be_visible()
    notice_url = staff_page.get_by_role("link", name="/publicity/", exact=False).get_attribute("href")

    public = browser.new_context().new_page()
    objection_handled_and_window_passed(staff_page, public, live_server, notice_url, "龙江湾旅程乳业有限公司")
    staff_page.get_by_role("button", name="公布名单").click()
    expect(staff_page.get_by_text("名单已公布")).to_be_visible()

    public.goto(live_server + "/list")
    expect(public.locator("#public-list")).to_contain_text("龙江湾旅程乳业有限公司")
    public.get_by_role("link", name="龙江湾旅程乳业有限公司").click()
    expect(public.locator("#green-rung")).to_contain_text("市级绿色制造名单")
