"""Password rules, login, lockout, idle timeout and the forced password change."""
import time

import pytest

from core.accounts import generate_password, password_problem
from models import AuditEvent, LoginThrottle, Role, User, local_now

from .helpers import PASSWORD


@pytest.mark.parametrize("password, ok", [
    ("Short1!", False),
    ("abcde12345", False),         # two classes only
    ("ABCDE!@#$%", False),         # two classes only
    ("abcdE12345", True),          # exactly ten, three classes
    ("abcde12#45", True),          # lower, digit, symbol
    ("长密码但是没有数字abcdef", False),
    ("Password123", False),        # among the commonest
    ("P@ssw0rd123", False),
])
def test_password_rule_three_of_four_classes_and_not_common(password, ok):
    assert (password_problem(password) is None) is ok


def test_password_may_not_contain_the_username():
    assert password_problem("xZhangwei2026", username="zhangwei") == "密码不能包含用户名"
    assert password_problem("Kq7-river-2026", username="zhangwei") is None


def test_password_may_not_repeat_the_last_five(client, make, login):
    user = make.user()
    login(user)
    passwords = ["Brook-2026a", "Brook-2026b", "Brook-2026c", "Brook-2026d", "Brook-2026e"]
    current = PASSWORD
    for new in passwords:
        response = client.post("/account/password", data={"current_password": current, "new_password": new,
                                                          "confirm": new})
        assert response.status_code == 302, response.get_data(as_text=True)
        current = new
    for reused in (passwords[-1], passwords[1]):  # the current one and one four changes back
        response = client.post("/account/password", data={"current_password": current, "new_password": reused,
                                                          "confirm": reused})
        assert "不能与最近 5 次使用过的密码相同" in response.get_data(as_text=True)
    response = client.post("/account/password", data={"current_password": current, "new_password": PASSWORD,
                                                      "confirm": PASSWORD})  # five changes back: allowed again
    assert response.status_code == 302


def test_generated_passwords_satisfy_the_rule():
    assert all(password_problem(generate_password()) is None for _ in range(50))


def test_login_and_logout_are_audited(client, make, login, db_conn):
    user = make.user(Role.STAFF)
    login(user)
    assert client.get("/home").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/home").status_code == 302
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions == ["auth.login", "auth.logout"]


def test_wrong_password_message_in_chinese(client, make):
    user = make.user()
    response = client.post("/login", data={"username": user.username, "password": "Wrong123456"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.get_data(as_text=True)


def test_five_failures_lock_the_account_from_that_address_for_fifteen_minutes(client, make, db_conn):
    user = make.user()
    for _ in range(5):
        client.post("/login", data={"username": user.username, "password": "Wrong123456"})
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.get_data(as_text=True)
    [throttle] = LoginThrottle.select().where(LoginThrottle.username == user.username)
    assert 14 * 60 <= (throttle.locked_until - local_now()).total_seconds() <= 15 * 60
    assert AuditEvent.select().where(AuditEvent.action == "auth.lockout").count() == 1
    # the lock expires: move it into the past and the right password works again
    LoginThrottle.update(locked_until=local_now()).execute()
    assert client.post("/login", data={"username": user.username, "password": PASSWORD}).status_code == 302


def test_idle_session_expires_after_thirty_minutes(client, make, login, db_conn):
    login(make.user())
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 31 * 60
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/home").status_code == 302  # logged out for good
    assert AuditEvent.select().where(AuditEvent.action == "auth.session_timeout").exists()


def test_active_session_is_kept(client, make, login):
    login(make.user())
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 29 * 60
    assert client.get("/home").status_code == 200


def test_expired_session_in_htmx_request_redirects_whole_page(client, make, login):
    login(make.user())
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 31 * 60
    response = client.get("/admin/audit", headers={"HX-Request": "true"})
    assert response.headers.get("HX-Redirect", "").startswith("/login")


def test_generated_password_must_be_changed_at_first_login(client, make, login, db_conn):
    user = make.user(must_change_password=True)
    login(user)
    response = client.get("/home")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/password")
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert "密码至少 10 位" in response.get_data(as_text=True)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "NewPassword99", "confirm": "NewPassword99"})
    assert response.status_code == 302
    assert client.get("/home").status_code == 200
    assert not User.get_by_id(user.id).must_change_password


def test_disabled_account_cannot_log_in(client, make):
    user = make.user(active=False)
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert "账号已停用" in response.get_data(as_text=True)


def test_login_next_only_follows_local_paths(client, make):
    user = make.user()
    response = client.post("/login?next=https://evil.example/x", data={"username": user.username, "password": PASSWORD})
    assert response.headers["Location"] == "/home"


def test_cli_creates_user(runner, app):
    result = runner.invoke(args=["user", "create", "--role", "admin", "--username", "boss"])
    assert result.exit_code == 0, result.output
    assert "初始密码" in result.output
    with app.app_context():
        boss = User.get(User.username == "boss")
        assert boss.role == "admin" and boss.must_change_password
    again = runner.invoke(args=["user", "create", "--role", "admin", "--username", "boss"])
    assert again.exit_code != 0 and "已存在" in again.output
