"""Staff create the year's plan, add three subjects from a pool filter, tick a milestone inline, download the .docx."""
import io

from docx import Document as DocxDocument
from playwright.sync_api import expect

from core import settings
from models import PoolEntry, Role, Rung, db, local_now
from tests.helpers import Factory

from .steps import login


def test_plan_journey(live_server, page):
    make = Factory()
    with db.connection_context():
        settings.save({"districts": ["松源区", "临江区"], "city_name": "龙江湾市", "bureau_name": "龙江湾市工业和信息化局"})
    for n in range(3):
        subject = make.subject(name=f"临江计划测试{n}有限公司", district="临江区", rung=Rung.POOL.value)
        with db.connection_context():
            PoolEntry.create(subject=subject, year_admitted=2025)
    other = make.subject(name="松源不入选有限公司", district="松源区", rung=Rung.POOL.value)
    with db.connection_context():
        PoolEntry.create(subject=other, year_admitted=2025)
    staff = make.user(Role.STAFF)
    year = local_now().year

    login(page, live_server, staff.username)
    page.get_by_role("link", name="培育计划", exact=True).click()
    expect(page.get_by_label("计划年度")).to_have_value(str(year))
    page.get_by_role("button", name="创建").click()
    expect(page.get_by_text("培育计划已创建")).to_be_visible()

    page.get_by_role("link", name="按培育库筛选条件批量加入").click()
    page.get_by_label("区县").select_option("临江区")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#bulk-count")).to_contain_text("3 个")
    # each row: a checkbox (ticked when it can be added) and its target, by default the next rung up
    expect(page.get_by_label("临江计划测试0有限公司 的目标梯度")).to_have_value("municipal")
    page.get_by_role("button", name="加入勾选的对象").click()
    expect(page.get_by_text("已加入 3 个培育对象")).to_be_visible()
    expect(page.locator("#plan-items")).to_contain_text("共 3 个培育对象")

    page.get_by_role("link", name="临江计划测试0有限公司").click()
    first = page.locator(".milestone-row").first
    first.get_by_label("节能诊断完成日").fill(f"{year}-03-20")
    first.get_by_role("button", name="保存").click()
    expect(page.locator(".milestone-row").first).to_contain_text("已完成")
    expect(page.locator(".progress-text").first).to_contain_text("1/5 · 20%")  # refreshed on plan-changed

    page.get_by_role("link", name="（第 1 版）").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载计划 .docx").click()
    data = open(download_info.value.path(), "rb").read()
    doc = DocxDocument(io.BytesIO(data))
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert {"临江计划测试0有限公司", "临江计划测试1有限公司", "临江计划测试2有限公司"} <= cells
    assert "松源不入选有限公司" not in cells
