"""An enterprise on last year's list files its dynamic management table (a text value is refused next to the field);
staff review it against 第三十条 and download the review opinion report."""
import io
from datetime import date

from docx import Document as DocxDocument
from playwright.sync_api import expect

from models import Listing, PoolEntry, Role, Rung, db, local_now
from tests.helpers import Factory

from .steps import login

LAST_YEAR = local_now().year - 1
VALUES = {"工业总产值": "26000", "综合能源消费量": "1580", "单位产值综合能耗": "0.061", "取水量": "13.5",
          "工业固体废物综合利用率": "96", "可再生能源使用比例": "12", "二氧化碳排放量": "3890"}


def test_upkeep_journey(live_server, browser):
    make = Factory()
    staff = make.user(Role.STAFF)
    subject = make.subject(name="龙江湾动态乳业有限公司", rung=Rung.MUNICIPAL.value)
    with db.connection_context():
        PoolEntry.create(subject=subject, year_admitted=LAST_YEAR - 1, status="listed")
        Listing.create(subject=subject, rung="municipal", year=LAST_YEAR, source="municipal_review",
                       listed_on=date(LAST_YEAR, 9, 20))
    enterprise = make.user(Role.ENTERPRISE, subject=subject)

    page = browser.new_context().new_page()
    login(page, live_server, enterprise.username)
    page.get_by_role("link", name="动态管理表", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{LAST_YEAR} 年度绿色制造动态管理表")
    for label, value in VALUES.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("取水量").fill("十三")
    page.get_by_role("button", name="提交动态管理表").click()
    expect(page.get_by_text("取水量须填写数字（单位：万立方米）")).to_be_visible()
    expect(page.get_by_label("工业总产值")).to_have_value("26000")  # nothing typed is lost
    page.get_by_label("取水量").fill("13.5")
    page.get_by_role("button", name="提交动态管理表").click()
    expect(page.locator("#report-status")).to_contain_text("待审核")

    staff_page = browser.new_context().new_page()
    login(staff_page, live_server, staff.username)
    staff_page.get_by_role("link", name="名单维护").click()
    row = staff_page.locator("#dynamic-status tr", has_text="龙江湾动态乳业有限公司")
    expect(row).to_contain_text("待审核")
    row.get_by_role("link", name="审核").click()
    expect(staff_page.locator("#indicators")).to_contain_text("吨标准煤/万元")
    staff_page.get_by_label("审核结论").select_option("pass")
    staff_page.get_by_label("审核意见（对照第三十条）").fill("关键指标真实有效，未发现第三十条所列情形。")
    staff_page.get_by_role("button", name="保存审核意见").click()
    expect(staff_page.get_by_text("审核意见已保存")).to_be_visible()
    expect(row).to_contain_text("通过")
    with staff_page.expect_download() as download:
        staff_page.get_by_role("link", name="下载审核意见报告草稿（.docx）").click()
    doc = DocxDocument(io.BytesIO(open(download.value.path(), "rb").read()))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "龙江湾动态乳业有限公司" in cells and "通过" in cells

    page.reload()
    expect(page.locator("#report-status")).to_contain_text("关键指标真实有效")
