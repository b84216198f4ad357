"""Steps the browser journeys share, driven the way a person clicks through them."""
from playwright.sync_api import expect

import rules
from tests.helpers import PASSWORD


def login(page, base, username, password=PASSWORD):
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").last.click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def record_entry_checks(page, kind="factory"):
    """Staff on a registration record every entry check (第六至八条) as met and every veto (第十五条) as clear."""
    for key, _, _ in rules.eligibility_items(kind):
        row = page.locator(f"#eligibility-{key}")
        row.locator("select[name=result]").select_option("met")
        row.locator("input[name=evidence]").fill("现场核查")
        row.get_by_role("button", name="保存").click()
        expect(page.locator(f"#eligibility-{key} .badge.text-bg-success")).to_be_visible()
    for key, _, _ in rules.VETO_CONDITIONS:
        row = page.locator(f"#veto-{key}")
        row.locator("select[name=result]").select_option("clear")
        row.get_by_role("button", name="保存").click()
        expect(page.locator(f"#veto-{key} .badge.text-bg-success")).to_be_visible()
    expect(page.locator("#admission-ok")).to_be_visible()  # the panel refreshed itself on checks-changed


def upload_application_files(page, pdf, kind="factory"):
    """The enterprise uploads the evaluation report and every material of its kind, until submitting is allowed."""
    for purpose in ["evaluation_report"] + [key for key, _ in rules.APPLICATION_MATERIALS[kind]]:
        page.get_by_label("材料类型").select_option(purpose)
        page.get_by_label("材料文件").set_input_files(str(pdf))
        page.get_by_role("button", name="上传", exact=True).click()
        expect(page.get_by_text("已上传。")).to_be_visible()
    expect(page.locator("#submit-ok")).to_be_visible()


def score_as_experts(new_page, base, experts, subject_name, scores):
    """Each expert, in a browser of their own, declares no conflict and scores the subject's application."""
    for expert, score in zip(experts, scores, strict=True):
        page = new_page()
        login(page, base, expert.username)
        page.get_by_role("link", name="评审任务").click()
        page.get_by_role("link", name=subject_name).click()
        page.get_by_role("button", name="提交声明").click()
        page.get_by_label("评分（0–100）").fill(score)
        page.get_by_label("评审意见").fill("符合绿色工厂评价要求")
        page.get_by_role("button", name="保存评分").click()
        expect(page.locator("#score-saved")).to_contain_text(f"已保存 {score}.0 分")
        page.context.close()


def objection_handled_and_window_passed(staff_page, public_page, base, notice_url, subject_name):
    """A member of the public objects on the publicity notice; staff record it as not upheld; then the fifteen days
    of 第二十条 pass (the start date is moved back in the database)."""
    from datetime import timedelta

    from models import Publicity, db, local_now

    public_page.goto(base + notice_url)
    expect(public_page.locator("#notice-table")).to_contain_text(subject_name)
    public_page.get_by_label("实名（单位或个人）").fill("赵六")
    public_page.get_by_label("联系方式").fill("13900009999")
    public_page.get_by_label("异议内容和理由").fill("请核实该企业污水处理设施运行记录。")
    public_page.get_by_role("button", name="提交异议").click()
    expect(public_page.get_by_text("异议已提交")).to_be_visible()
    staff_page.reload()
    staff_page.get_by_label("处理情况").fill("经现场核查，污水处理设施运行正常，异议不成立。")
    staff_page.get_by_role("button", name="记录处理情况").click()
    expect(staff_page.get_by_text("异议不成立")).to_be_visible()
    with db.connection_context():
        Publicity.update(start_date=local_now().date() - timedelta(days=16)).execute()
    staff_page.reload()
