"""Staff open the filing page, see a red item, fix it, build the bundle and download it."""
import io
import zipfile

from openpyxl import load_workbook
from playwright.sync_api import expect

import rules
from blueprints.filing import writers as bundle
from blueprints.plans import operations as plans
from core import settings
from models import EligibilityCheck, PoolEntry, Role, Rung, VetoCheck, db, local_now
from tests.helpers import Factory

from .steps import login

CITY = {"city_name": "龙江湾市", "division_code": "239900", "districts": ["松源区"], "bureau_name": "龙江湾市工业和信息化局",
        "bureau_address": "政务大道8号", "bureau_contact": "王晓明", "bureau_phone": "0451-88880000"}


def test_filing_journey(live_server, page):
    make = Factory()
    staff = make.user(Role.STAFF)
    year = local_now().year
    subject = make.subject(name="龙江湾备案旅程有限公司", rung=Rung.POOL.value)
    with db.connection_context():
        settings.save(CITY)
        PoolEntry.create(subject=subject, year_admitted=year - 1)
        for key, _, _ in rules.eligibility_items("factory"):
            EligibilityCheck.create(subject=subject, item_key=key, result="met")
        for key, _, _ in rules.VETO_CONDITIONS:
            VetoCheck.create(subject=subject, condition_key=key, result="clear", checked_on=local_now().date())
        plan = plans.create_plan(year, title="培育计划", by=staff)
        plans.add_item(plan, subject, target_rung="municipal", owner=staff, by=staff)
        plans.update_plan(plan, title="培育计划", goals="培育目标", measures="工作措施", targets={("factory", "municipal"): 1},
                          by=staff)
        plans.approve(plan, by=staff)

    login(page, live_server, staff.username)
    page.get_by_role("link", name="备案", exact=True).click()
    red = page.locator("#readiness .readiness-red")
    expect(red).to_have_count(1)
    expect(red).to_contain_text("市级绿色制造名单已公布")
    expect(page.get_by_role("button", name="生成备案材料（ZIP）")).to_be_disabled()

    page.get_by_label("说明").fill("本年度我市未组织市级评审，暂无市级绿色制造名单。")
    page.get_by_role("button", name="记录说明").click()
    expect(page.locator("#readiness .readiness-red")).to_have_count(0)
    page.get_by_role("button", name="生成备案材料（ZIP）").click()
    expect(page.get_by_text("备案材料已生成")).to_be_visible()

    with page.expect_download() as download_info:
        page.locator("#filings a").first.click()
    archive = zipfile.ZipFile(download_info.value.path())
    assert archive.namelist() == [bundle.MANIFEST, bundle.COVER, bundle.PLAN, bundle.POOL, bundle.SUMMARY,
                                  bundle.DATA]
    sheet = load_workbook(io.BytesIO(archive.read(bundle.POOL))).active
    assert sheet["E3"].value == "龙江湾备案旅程有限公司"  # row 1 the title, row 2 the header; 名称 after the place
