"""The whole ladder in one journey, each person in their own browser: a factory registers itself; staff check and
admit it, put it in this year's plan (the admin approves it) and match it with an agency, which evaluates it; the
enterprise applies for the municipal list; three experts score; publicity takes an objection; the list is published;
the enterprise applies for the provincial list, the bureau recommends it and the admin signs; staff build the
31 August filing bundle. A failing step says its name and leaves test-artifacts/whole-ladder-<step>-<n>.png.

Set up outside the browser (the ORM), and why:
- the bureau's settings (city, districts, contact): configuration, not a step of the ladder;
- the staff, admin, expert and agency accounts (Factory) and the approved agency (as tests/test_agencies.py
  make_agency does): agency registration and approval in the browser are covered by test_agency_journey.py;
- the publicity start date is moved back sixteen days so that the fifteen-day window has passed, as
  test_review_journey.py does.
"""
import contextlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from blueprints.filing import writers as bundle
from blueprints.recommend import writers as package
from core import identifiers, settings
from models import Agency, AgencyStatus, Role, db, local_now
from tests.helpers import PASSWORD, Factory

from .steps import (
    login,
    objection_handled_and_window_passed,
    record_entry_checks,
    score_as_experts,
    upload_application_files,
)

CITY = {"city_name": "龙江湾市", "division_code": "239900", "districts": ["松源区", "临江区"],
        "bureau_name": "龙江湾市工业和信息化局", "bureau_address": "政务大道8号", "bureau_contact": "王晓明",
        "bureau_phone": "0451-88880000"}
FACTORY = "龙江湾全梯度乳业有限公司"
AGENCY = "龙江湾全梯度评价中心有限公司"
USERNAME, OWN_PASSWORD = "quantidu", "Ladder2026ok"


class Ladder:
    """The people of the journey (one browser context each) and the step being driven."""

    def __init__(self, browser, base, artifacts):
        self.browser, self.base, self.artifacts = browser, base, Path(artifacts)
        self.contexts = []

    def person(self):
        context = self.browser.new_context()
        self.contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm buttons
        return page

    def sign_in(self, page, username, password=PASSWORD):
        login(page, self.base, username, password)
        expect(page.get_by_role("button", name="退出")).to_be_visible()

    @contextlib.contextmanager
    def step(self, name):
        try:
            yield
        except Exception as error:
            error.add_note(f"whole ladder: step {name!r} failed")
            self.screenshots(name)
            raise

    def screenshots(self, name):
        self.artifacts.mkdir(parents=True, exist_ok=True)
        pages = [p for context in self.contexts for p in context.pages if not p.is_closed()]
        for n, page in enumerate(pages):
            with contextlib.suppress(Exception):  # a screenshot must never hide the failure itself
                page.screenshot(path=str(self.artifacts / f"whole-ladder-{name}-{n}.png"), full_page=True)


@pytest.fixture
def ladder(browser, live_server, pytestconfig):
    journey = Ladder(browser, live_server, pytestconfig.getoption("--output") or "test-artifacts")
    yield journey
    for context in journey.contexts:
        with contextlib.suppress(Exception):
            context.close()


def apply(page, rung, score, pdf):
    """The enterprise drafts a third-party-evaluated application, uploads everything and submits it."""
    page.get_by_role("link", name="申报", exact=True).click()
    page.get_by_label("申报级别").select_option(rung)
    page.get_by_label("评价方式（第十二条）").select_option("third_party")
    page.get_by_label("评价机构（第三方评价时填写）").select_option(label=AGENCY)
    page.get_by_label("自评价/第三方评价得分").fill(score)
    page.get_by_role("button", name="创建申报草稿").click()
    expect(page.locator("#submit-problems")).to_contain_text("申报材料不全")
    upload_application_files(page, pdf)
    page.get_by_role("button", name="提交申报").click()
    expect(page.get_by_text("申报已提交。")).to_be_visible()
    return page.url


def test_whole_ladder(ladder, tmp_path):
    base = ladder.base
    year = local_now().year
    make = Factory()
    with db.connection_context():
        settings.save(CITY)
        agency = Agency.create(name=AGENCY, credit_code=identifiers.make_credit_code("239902", 78_000_001),
                               legal_representative="高立新", address="龙江湾市临江区科技路8号", contact_person="罗春梅",
                               contact_phone="0451-82345678", platform_registration_no="GIP-2026-0099",
                               platform_approved=True, staff_mid_level=14, staff_senior=6, expertise_industries="14",
                               expertise_kinds="factory", experience="承担绿色工厂评价 30 项。",
                               status=AgencyStatus.APPROVED.value)
    staff = make.user(Role.STAFF, display_name="经办人 王晓明")
    admin = make.user(Role.ADMIN, display_name="管理员 陈静")
    agency_user = make.user(Role.AGENCY, agency=agency, display_name="罗春梅")
    experts = [make.user(Role.EXPERT, display_name=f"专家{n}", organisation=f"龙江湾大学{n}") for n in range(3)]
    code = identifiers.make_credit_code("239902", 77_000_001)
    pdf = tmp_path / "材料.pdf"
    pdf.write_bytes(b"%PDF-1.4 whole ladder")

    enterprise, staff_page, admin_page = ladder.person(), ladder.person(), ladder.person()

    with ladder.step("1-register"):
        enterprise.goto(base + "/register")
        enterprise.get_by_label("类型").select_option("factory")
        enterprise.get_by_label("名称").fill(FACTORY)
        enterprise.get_by_label("统一社会信用代码").fill(code)
        enterprise.get_by_label("所在区县").select_option("临江区")
        enterprise.get_by_label("所属行业（GB/T 4754-2017）").fill("14 食品制造业")
        enterprise.get_by_label("地址").fill("临江区滨江大道 28 号")
        enterprise.get_by_label("法定代表人").fill("周建国")
        enterprise.get_by_label("联系人", exact=True).fill("吴丽华")
        enterprise.get_by_label("联系电话").fill("13900003333")
        enterprise.get_by_label("登录用户名").fill(USERNAME)
        enterprise.get_by_label("登录密码").fill(OWN_PASSWORD)
        enterprise.get_by_label("确认密码").fill(OWN_PASSWORD)
        enterprise.get_by_role("button", name="提交登记").click()
        expect(enterprise.get_by_role("heading")).to_contain_text("登记已提交")

    with ladder.step("2-admit"):
        ladder.sign_in(staff_page, staff.username)
        staff_page.get_by_role("link", name="登记审核").click()
        staff_page.get_by_role("link", name=FACTORY).click()
        expect(staff_page.get_by_role("button", name="纳入培育库")).to_be_disabled()
        record_entry_checks(staff_page)
        staff_page.get_by_role("button", name="纳入培育库").click()
        expect(staff_page.get_by_text("已纳入培育库")).to_be_visible()
        expect(staff_page).to_have_url(re.compile(r"/pool/subjects/\d+$"))
        subject_url = staff_page.url

    with ladder.step("3-plan"):
        staff_page.get_by_role("link", name="培育计划", exact=True).click()
        expect(staff_page.get_by_label("计划年度")).to_have_value(str(year))
        staff_page.get_by_role("button", name="创建").click()
        expect(staff_page.get_by_text("培育计划已创建")).to_be_visible()
        plan_url = staff_page.url
        staff_page.get_by_label("培育目标").fill("培育1家绿色工厂进入市级名单。")
        staff_page.get_by_label("绿色工厂市级目标").fill("1")
        staff_page.get_by_label("工作措施和支持政策").fill("组织节能诊断，对接第三方机构开展评价。")
        staff_page.get_by_role("button", name="保存计划内容").click()
        # the page reloaded: type into the new one once htmx listens on it (under load its script comes late)
        expect(staff_page.get_by_text("计划已保存")).to_be_visible()
        staff_page.wait_for_load_state("load")
        staff_page.get_by_label("在培育库中搜索").fill("全梯度")
        option = staff_page.locator("#subject-id option", has_text=FACTORY)
        expect(option).to_have_count(1)
        staff_page.get_by_label("培育对象", exact=True).select_option(option.get_attribute("value"))
        staff_page.get_by_label("目标梯度").select_option("municipal")
        staff_page.get_by_role("button", name="加入", exact=True).click()
        expect(staff_page.get_by_text(f"已加入：{FACTORY}")).to_be_visible()
        expect(staff_page.locator("#plan-items")).to_contain_text("共 1 个培育对象")

        ladder.sign_in(admin_page, admin.username)
        admin_page.goto(plan_url)
        admin_page.get_by_role("button", name="批准计划").click()
        expect(admin_page.get_by_text("计划已批准。")).to_be_visible()

    with ladder.step("4-agency"):
        staff_page.goto(subject_url)
        staff_page.get_by_role("link", name="对接第三方机构").click()
        expect(staff_page.locator("#match-table tbody tr").first).to_contain_text(AGENCY)
        staff_page.get_by_label("对接内容").select_option("evaluation")  # the default; another choice re-ranks
        staff_page.locator("#match-table tbody tr").first.get_by_role("button", name="发出对接邀请").click()
        expect(staff_page.get_by_text(f"已向 {AGENCY} 发出对接邀请")).to_be_visible()

        agency_page = ladder.person()
        ladder.sign_in(agency_page, agency_user.username)
        agency_page.get_by_role("link", name="机构工作台").click()
        agency_page.get_by_role("link", name="处理邀请").click()
        agency_page.locator("#accept-form").get_by_role("checkbox").check()  # 第二十四条 declaration
        agency_page.get_by_role("button", name="接受对接").click()
        expect(agency_page.get_by_text("已接受对接")).to_be_visible()
        ladder.sign_in(enterprise, USERNAME, OWN_PASSWORD)  # 第十二条: the enterprise commissions the agency
        enterprise.get_by_role("link", name="第三方机构", exact=True).first.click()
        enterprise.get_by_role("button", name="确认委托").click()
        expect(enterprise.get_by_text(f"已确认与 {AGENCY} 的对接")).to_be_visible()
        agency_page.reload()
        agency_page.get_by_label("评价报告文件").set_input_files(str(pdf))
        agency_page.get_by_role("button", name="上传", exact=True).click()
        expect(agency_page.get_by_text("评价报告已上传。")).to_be_visible()
        agency_page.get_by_label("进展").fill("已完成现场评价，评价报告已出具。")
        agency_page.get_by_role("button", name="记录", exact=True).click()
        expect(agency_page.get_by_text("已记录。")).to_be_visible()
        agency_page.get_by_role("button", name="完成对接").click()  # no pass/fail of its own: the outcome is the city's
        expect(agency_page.get_by_text("对接已完成。")).to_be_visible()

    with ladder.step("5-apply-municipal"):
        application_url = apply(enterprise, "municipal", "88", pdf)

    with ladder.step("6-review"):
        staff_page.goto(application_url)
        staff_page.get_by_role("button", name="进入专家评审").click()
        staff_page.get_by_role("link", name="申报评审").click()
        staff_page.get_by_role("button", name="为该年度评审中的市级申报自动指派专家").click()
        expect(staff_page.get_by_text("已自动指派 3 人次")).to_be_visible()
        score_as_experts(ladder.person, base, experts, FACTORY, ("86", "90", "91"))
        staff_page.goto(application_url)
        expect(staff_page.locator("#final-score")).to_contain_text("89.0")
        staff_page.get_by_role("button", name="结束评审（按得分确定通过/未通过）").click()
        expect(staff_page.get_by_text("评审通过。")).to_be_visible()

    with ladder.step("7-publicity"):
        staff_page.get_by_role("link", name="公示公布").click()
        staff_page.get_by_role("button", name="开始公示").click()
        expect(staff_page.get_by_text("公示已开始")).to_be_visible()
        notice_url = staff_page.get_by_role("link", name="/publicity/").get_attribute("href")

        public = ladder.person()
        objection_handled_and_window_passed(staff_page, public, base, notice_url, FACTORY)
        staff_page.get_by_role("button", name="公布名单").click()
        expect(staff_page.get_by_text("名单已公布")).to_be_visible()

        public.goto(base + "/list")
        expect(public.locator("#public-list")).to_contain_text(FACTORY)
        public.get_by_role("link", name=FACTORY).click()
        expect(public.locator("#green-rung")).to_contain_text("市级绿色制造名单")

    with ladder.step("8-recommend"):
        apply(enterprise, "provincial", "91", pdf)

        staff_page.get_by_role("link", name="省级推荐").click()
        staff_page.get_by_role("button", name="开始本年度推荐").click()
        card = staff_page.locator(".recommendation").first
        expect(card).to_contain_text("检查均通过")
        card.get_by_label(f"{FACTORY}排序").fill("1")
        card.get_by_label(f"{FACTORY}结论").select_option("recommend")
        card.get_by_role("button", name="推荐模板", exact=True).click()
        expect(card.get_by_label(f"{FACTORY}推荐意见")).to_have_value(re.compile("同意推荐"))
        card.get_by_role("button", name="保存").click()
        expect(staff_page.locator(".recommendation").first).to_contain_text("第 1 位")

        admin_page.goto(staff_page.url)
        admin_page.get_by_role("button", name="签发").click()
        expect(admin_page.get_by_text("推荐意见已签发")).to_be_visible()
        with admin_page.expect_download() as download_info:
            admin_page.get_by_role("link", name="下载推荐材料（ZIP）").click()
        archive = zipfile.ZipFile(download_info.value.path())
        assert archive.namelist() == ["00-文件清单.txt", package.COVER, package.SUMMARY,
                                      f"02-推荐意见-{FACTORY}.docx", "data.json"]
        summary = load_workbook(io.BytesIO(archive.read(package.SUMMARY))).active
        assert FACTORY in {cell.value for row in summary.iter_rows() for cell in row}

    with ladder.step("9-filing"):
        staff_page.get_by_role("link", name="备案", exact=True).click()
        expect(staff_page.locator("#readiness .readiness-ok")).to_have_count(6)
        expect(staff_page.locator("#readiness .readiness-red")).to_have_count(0)
        staff_page.get_by_role("button", name="生成备案材料（ZIP）").click()
        expect(staff_page.get_by_text("备案材料已生成")).to_be_visible()
        with staff_page.expect_download() as download_info:
            staff_page.locator("#filings a").first.click()
        archive = zipfile.ZipFile(download_info.value.path())
        assert archive.namelist() == [bundle.MANIFEST, bundle.COVER, bundle.PLAN, bundle.POOL, bundle.SUMMARY,
                                      bundle.LIST, bundle.DATA]
        manifest = archive.read(bundle.MANIFEST).decode("utf-8")
        assert all(name in manifest for name in (bundle.COVER, bundle.PLAN, bundle.POOL, bundle.LIST))
        for sheet_name in (bundle.POOL, bundle.LIST):
            sheet = load_workbook(io.BytesIO(archive.read(sheet_name))).active
            rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
            # row 1 the title, row 2 the header; the table's rows carry a 序号, the lines under it do not
            assert [row[4:6] for row in rows if isinstance(row[0], int)] == [[FACTORY, code]], sheet_name
