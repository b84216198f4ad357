"""An agency registers; staff approve it and propose an engagement from a subject page; the agency accepts it."""
from playwright.sync_api import expect

import rules
from core.identifiers import make_credit_code
from models import Role, Rung
from tests.helpers import Factory

from .steps import login


def test_agency_journey(live_server, browser, tmp_path):
    make = Factory()
    staff = make.user(Role.STAFF)
    subject = make.subject(name="龙江湾机构旅程乳业有限公司", industry_code="14", rung=Rung.POOL.value)
    pdf = tmp_path / "资质.pdf"
    pdf.write_bytes(b"%PDF-1.4 qualification")

    agency_page = browser.new_context().new_page()
    agency_page.goto(live_server + "/agencies/register")
    agency_page.get_by_label("机构名称").fill("龙江湾旅程评价中心有限公司")
    agency_page.get_by_label("统一社会信用代码").fill(make_credit_code("239902", 93_000_001))
    agency_page.get_by_label("法定代表人").fill("高立新")
    agency_page.get_by_label("办公地址").fill("龙江湾市松源区科技路 8 号")
    agency_page.get_by_label("联系人", exact=True).fill("罗春梅")
    agency_page.get_by_label("联系电话").fill("0451-82345678")
    agency_page.get_by_label("管理平台注册号（第二十四条）").fill("GIP-2026-0088")
    agency_page.get_by_label("已在工业节能与绿色发展管理平台通过审核").check()
    agency_page.get_by_label("中级职称以上专职人员（人）").fill("14")
    agency_page.get_by_label("其中能源、环境、生态、低碳、生命周期评价等专业高级职称（人）").fill("6")
    agency_page.get_by_label("擅长行业（可多选）").select_option(["14", "22"])
    agency_page.get_by_label("擅长领域（可多选）").select_option(["factory"])
    agency_page.get_by_label("近五年绿色制造相关评审、评价、科研或标准制定经历（第二十三条第五项）").fill("承担绿色工厂评价 30 项。")
    agency_page.get_by_label("资质证明材料（PDF/Word/图片）").set_input_files(str(pdf))
    agency_page.get_by_label(rules.AGENCY_DECLARATION).check()
    agency_page.get_by_label("登录用户名").fill("lvcheng")
    agency_page.get_by_label("登录密码").fill("Journey2026ok")
    agency_page.get_by_label("确认密码").fill("Journey2026ok")
    agency_page.get_by_role("button", name="提交登记").click()
    expect(agency_page.get_by_role("heading")).to_contain_text("机构登记已提交")

    page = browser.new_context().new_page()
    login(page, live_server, staff.username)
    page.get_by_role("link", name="第三方机构", exact=True).click()
    page.get_by_role("link", name="龙江湾旅程评价中心有限公司").click()
    expect(page.locator("#qualification-problems")).to_contain_text("第二十三条第一项")
    for key, article, _ in rules.AGENCY_CONDITIONS:  # 第二十三条 items, checked against the evidence
        row = page.locator(f"#agency-condition-{key}")
        row.get_by_label(f"{article}核查结果").select_option("met")
        row.get_by_label(f"{article}依据").fill("已核对资质材料")
        row.get_by_role("button", name="保存").click()
        expect(row.locator(".badge", has_text="符合")).to_be_visible()
    expect(page.locator("#qualification-ok")).to_be_visible()
    page.get_by_role("button", name="认可", exact=True).click()
    expect(page.get_by_text("已认可该机构")).to_be_visible()

    page.goto(live_server + f"/pool/subjects/{subject.id}")
    page.get_by_role("link", name="对接第三方机构").click()
    expect(page.locator("#match-table tbody tr").first).to_contain_text("龙江湾旅程评价中心有限公司")
    page.get_by_label("对接内容").select_option("evaluation")  # the default; another choice re-ranks the rows
    page.locator("#match-table tbody tr").first.get_by_role("button", name="发出对接邀请").click()
    expect(page.get_by_text("已向 龙江湾旅程评价中心有限公司 发出对接邀请")).to_be_visible()

    login(agency_page, live_server, "lvcheng", "Journey2026ok")
    agency_page.get_by_role("link", name="机构工作台").click()
    agency_page.get_by_role("link", name="处理邀请").click()
    agency_page.locator("#accept-form").get_by_role("checkbox").check()
    agency_page.get_by_role("button", name="接受对接").click()
    expect(agency_page.get_by_text("已接受对接")).to_be_visible()
    page.reload()
    expect(page.locator("#subject-engagements")).to_contain_text("待企业确认")  # the enterprise confirms next
