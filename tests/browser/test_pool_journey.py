"""A registrant registers in the browser; staff fills the checks inline and admits it; it shows in the pool search."""
import re

from playwright.sync_api import expect

from core import settings
from core.identifiers import make_credit_code
from models import Role, db
from tests.helpers import Factory

from .steps import login, record_entry_checks


def test_register_check_admit_and_find(live_server, browser):
    with db.connection_context():
        settings.save({"districts": ["松源区", "临江区"], "bureau_name": "龙江湾市工业和信息化局"})
    staff = Factory().user(Role.STAFF, display_name="经办人 王晓明")
    code = make_credit_code("239903", 31415)

    registrant = browser.new_context().new_page()
    registrant.goto(live_server + "/register")
    registrant.get_by_label("类型").select_option("factory")
    registrant.get_by_label("名称").fill("龙江湾浏览器测试乳业有限公司")
    registrant.get_by_label("统一社会信用代码").fill(code.lower())
    registrant.get_by_label("所在区县").select_option("临江区")
    registrant.get_by_label("所属行业（GB/T 4754-2017）").fill("14 食品制造业")
    registrant.get_by_label("地址").fill("临江区滨江大道 18 号")
    registrant.get_by_label("法定代表人").fill("周建国")
    registrant.get_by_label("联系人", exact=True).fill("吴丽华")
    registrant.get_by_label("联系电话").fill("13900003333")
    registrant.get_by_label("登录用户名").fill("ljwtest")
    registrant.get_by_label("登录密码").fill("Register2026")
    registrant.get_by_label("确认密码").fill("Register2026")
    expect(registrant.locator("[data-kind-only=park]")).to_be_hidden()
    registrant.get_by_role("button", name="提交登记").click()
    expect(registrant.get_by_role("heading")).to_contain_text("登记已提交")

    page = browser.new_context().new_page()
    login(page, live_server, staff.username)
    page.get_by_role("link", name="登记审核").click()
    page.get_by_role("link", name="龙江湾浏览器测试乳业有限公司").click()
    expect(page.get_by_role("button", name="纳入培育库")).to_be_disabled()

    record_entry_checks(page)
    page.get_by_role("button", name="纳入培育库").click()
    expect(page.get_by_text("已纳入培育库")).to_be_visible()

    page.get_by_role("link", name="培育库", exact=True).click()
    page.get_by_label("搜索名称或信用代码").fill("浏览器测试")
    expect(page.locator("#pool-total")).to_contain_text("共 1 条")
    expect(page).to_have_url(re.compile(r"/pool/\?q=%E6%B5%8F%E8%A7%88%E5%99%A8%E6%B5%8B%E8%AF%95&"))  # bookmarkable
    expect(page.locator("#pool-table")).to_contain_text(code)
