"""A member of staff logs in, sees the home figures, and logs out."""
from playwright.sync_api import expect

from models import Role, SubjectStatus
from tests.helpers import PASSWORD, Factory


def test_staff_logs_in_sees_figures_and_logs_out(live_server, page):
    make = Factory()
    make.subject(district="松源区")
    make.subject(district="临江区", status=SubjectStatus.PENDING.value)
    staff = make.user(Role.STAFF, display_name="经办人 王晓明")

    page.goto(live_server + "/home")
    expect(page).to_have_url(live_server + "/login?next=/home")
    page.get_by_label("用户名").fill(staff.username)
    page.get_by_label("密码").fill("wrong-password-1")
    page.get_by_role("button", name="登录").last.click()
    expect(page.locator(".invalid-feedback")).to_contain_text("用户名或密码错误")

    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").last.click()
    expect(page).to_have_url(live_server + "/home")
    expect(page.locator("#figure-waiting")).to_have_text("1")
    expect(page.locator("#figure-total")).to_have_text("2")
    expect(page.get_by_text("经办人 王晓明（经办人）")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(live_server + "/login")
    expect(page.get_by_text("您已安全退出")).to_be_visible()
    page.goto(live_server + "/home")
    expect(page).to_have_url(live_server + "/login?next=/home")
