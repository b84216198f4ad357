"""Sessions end on the server, login tells nothing and cannot lock the bureau out, passwords age (等保 2.0),
an htmx request after the session is gone lands on the login page and comes back, and denials are audited."""
import statistics
import time
from datetime import timedelta

import pytest

from core import settings
from models import AuditEvent, LoginThrottle, RateLimitCounter, Role, User, db, local_now

from .helpers import PASSWORD


def _copy_session(app, client):
    """A second browser holding a copy of `client`'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _logged_in(client):
    return client.get("/home").status_code == 200


def _actions():
    return [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]


# --- Sessions end on the server --------------------------------------------------------------------------------

def test_a_cookie_copied_before_logout_is_dead_after_it(app, client, make, login):
    login(make.user())
    thief = _copy_session(app, client)
    assert _logged_in(thief)
    client.post("/logout")
    assert not _logged_in(thief)


def test_logout_ends_the_users_other_sessions(app, make):
    user = make.user()
    office, laptop = app.test_client(), app.test_client()
    for browser in (office, laptop):
        browser.post("/login", data={"username": user.username, "password": PASSWORD})
    office.post("/logout")
    assert not _logged_in(laptop)


def test_changing_ones_password_ends_other_sessions_but_keeps_this_one(app, client, make, login):
    login(make.user())
    thief = _copy_session(app, client)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "Riverbank-2027", "confirm": "Riverbank-2027"})
    assert response.status_code == 302
    assert _logged_in(client)
    assert not _logged_in(thief)


@pytest.mark.parametrize("action, data", [
    ("reset-password", None),
    ("active", None),
    ("", {"role": Role.EXPERT.value}),
])
def test_admin_actions_end_the_accounts_sessions(app, client, make, login, action, data):
    victim = make.user(Role.STAFF)
    theirs = app.test_client()
    theirs.post("/login", data={"username": victim.username, "password": PASSWORD})
    assert _logged_in(theirs)
    login(make.user(Role.ADMIN))
    path = f"/admin/users/{victim.id}" + (f"/{action}" if action else "")
    assert client.post(path, data=data or {}).status_code in (200, 302)
    assert not _logged_in(theirs)


def test_a_session_ends_after_its_maximum_age_however_busy(client, make, login):
    login(make.user())
    with client.session_transaction() as session:
        session["signed_in_at"] = time.time() - 13 * 3600
    response = client.get("/home")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not _logged_in(client)


def test_a_forged_session_id_loads_nobody(app, make):
    user = make.user()
    forger = app.test_client()
    with forger.session_transaction() as session:
        session["_user_id"] = str(user.id)  # no version: an old-style or hand-made id
        session["_fresh"] = True
    assert not _logged_in(forger)


# --- Login tells nothing and cannot lock the bureau out --------------------------------------------------------

def _login_from(app, address, username, password):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser.post("/login", data={"username": username, "password": password})


def test_unknown_and_known_names_get_the_same_answers(app, make):
    user = make.user()
    for name in (user.username, "nobody-here"):
        answers = [_login_from(app, "127.0.0.5", name, "Wrong-pass-1").get_data(as_text=True) for _ in range(6)]
        assert all("用户名或密码错误" in a for a in answers[:4]), name
        assert all("登录失败次数过多" in a for a in answers[4:]), name


def test_lockout_is_by_account_and_address_so_the_admin_still_gets_in(app, make):
    admin = make.user(Role.ADMIN)
    for _ in range(8):
        _login_from(app, "127.0.0.66", admin.username, "Wrong-pass-1")
    locked_out = _login_from(app, "127.0.0.66", admin.username, PASSWORD)
    assert "登录失败次数过多" in locked_out.get_data(as_text=True)
    at_her_desk = _login_from(app, "127.0.0.7", admin.username, PASSWORD)
    assert at_her_desk.status_code == 302


def test_an_unknown_name_costs_as_much_time_as_a_wrong_password(app, make):
    user = make.user()
    known, unknown = [], []
    for attempt in range(7):
        for name, times in ((user.username, known), (f"ghost{attempt}", unknown)):
            started = time.perf_counter()
            _login_from(app, f"127.0.1.{attempt}", name, "Wrong-pass-1")
            times.append(time.perf_counter() - started)
    known_median, unknown_median = statistics.median(known), statistics.median(unknown)
    assert 0.5 < unknown_median / known_median < 2, (known_median, unknown_median)


def test_cli_unlocks_an_account(app, runner, make, db_conn):
    user = make.user()
    for _ in range(5):
        _login_from(app, "127.0.0.9", user.username, "Wrong-pass-1")
    result = runner.invoke(args=["user", "unlock", user.username])
    assert result.exit_code == 0 and "已解除" in result.output, result.output
    assert _login_from(app, "127.0.0.9", user.username, PASSWORD).status_code == 302
    event = AuditEvent.select().where(AuditEvent.action == "user.unlock").get()
    assert event.ip == "cli" and '"os_user"' in event.details
    assert runner.invoke(args=["user", "unlock", "nobody"]).exit_code != 0


def test_admin_unlocks_from_the_user_page(app, client, make, login, db_conn):
    user = make.user()
    for _ in range(5):
        _login_from(app, "127.0.0.9", user.username, "Wrong-pass-1")
    login(make.user(Role.ADMIN))
    assert "已从 1 个地址锁定" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    client.post(f"/admin/users/{user.id}/unlock")
    assert not LoginThrottle.select().where(LoginThrottle.username == user.username).exists()


# --- Passwords age -------------------------------------------------------------------------------------------

def test_staff_passwords_expire_when_the_bureau_sets_an_age(client, make, login, db_conn):
    user = make.user(Role.STAFF)
    enterprise_user = make.user(Role.ENTERPRISE)
    with db.atomic():
        settings.save({"password_max_age_days": 90})
    User.update(password_changed_at=local_now() - timedelta(days=91)).execute()
    login(user)
    response = client.get("/home")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/password")
    client.post("/account/password", data={"current_password": PASSWORD, "new_password": "Maple-leaf-2027",
                                           "confirm": "Maple-leaf-2027"})
    assert client.get("/home").status_code == 200
    client.post("/logout")
    login(enterprise_user)  # enterprises are not made to rotate
    assert "/account/password" not in client.get("/home").headers.get("Location", "")


# --- htmx after the session is gone ----------------------------------------------------------------------------

def test_htmx_get_after_the_session_is_gone_goes_to_login_and_back(client, make, login):
    user = make.user()
    response = client.get("/admin/audit?action=auth.login", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/pool/?q=%E6%9D%BE"})
    target = response.headers["HX-Redirect"]
    assert target.startswith("/login?next=")
    back = client.post(target, data={"username": user.username, "password": PASSWORD})
    assert back.headers["Location"] == "/pool/?q=%E6%9D%BE"


def test_htmx_post_after_idle_timeout_goes_to_login_with_the_page(client, make, login):
    login(make.user())
    with client.session_transaction() as session:
        session["last_seen"] = time.time() - 31 * 60
    response = client.post("/logout", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/plans/3"})
    assert response.headers["HX-Redirect"] == "/login?next=/plans/3"


def test_htmx_post_whose_session_cookie_expired_goes_to_login_not_to_an_error(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    browser = app.test_client()  # the cookie is gone: no session, no token
    response = browser.post("/review/1/score", data={"score": "88"},
                            headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/review/"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/login?next=/review/"


def test_next_from_another_site_is_ignored(client):
    response = client.get("/home", headers={"HX-Request": "true", "HX-Current-URL": "https://evil.example/x"})
    assert response.headers["HX-Redirect"] == "/login"


# --- The audit trail sees denials, downloads and shell commands -------------------------------------------------

def test_permission_denials_and_csrf_failures_are_audited(app, client, make, login, db_conn):
    login(make.user(Role.ENTERPRISE))
    assert client.get("/admin/users").status_code == 403
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/logout").status_code == 400
    actions = _actions()
    assert "security.forbidden" in actions and "security.csrf_failed" in actions
    event = AuditEvent.get(AuditEvent.action == "security.forbidden")
    assert event.result == "denied" and "/admin/users" in event.details


def test_a_flood_of_denials_fills_no_table(client, make, login):
    login(make.user(Role.ENTERPRISE))
    for _ in range(60):
        client.get("/admin/users")
    assert 1 <= _actions().count("security.forbidden") <= 20


def test_every_download_is_audited_and_not_cached(client, make, login):
    login(make.user(Role.STAFF))
    response = client.get("/pool/template")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    response = client.get("/list.xlsx")
    assert response.status_code == 200
    assert _actions().count("document.download") == 2
    client.get("/pool/export")  # already audited as pool.export, not twice
    assert _actions().count("document.download") == 2 and "pool.export" in _actions()


def test_an_invalid_audit_filter_is_an_error_not_an_unfiltered_export(client, make, login):
    login(make.user(Role.ADMIN))
    response = client.get("/admin/audit/export?date_from=2026-13-45")
    assert response.status_code == 400
    assert "Content-Disposition" not in response.headers
    assert "起始日期" in response.get_data(as_text=True)
    page = client.get("/admin/audit?date_from=2026-10-01&date_to=2026-09-01").get_data(as_text=True)
    assert "截止日期不能早于起始日期" in page


# --- Rate limits in the shared store --------------------------------------------------------------------------

@pytest.mark.app_config(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="greenladder://")
def test_login_rate_limit_counts_in_the_database_and_says_when_to_retry(app, make, db_conn):
    browser = app.test_client()
    codes = [browser.post("/login", data={"username": "x", "password": "y"}).status_code for _ in range(32)]
    assert codes.count(429) == 2
    response = browser.post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "操作过于频繁" in response.get_data(as_text=True)
    assert "security.rate_limited" in _actions()
    # the count lives in the database, where every worker reads it
    assert RateLimitCounter.select().where(RateLimitCounter.count >= 30).exists()


@pytest.mark.app_config(TRUSTED_PROXIES=1)
def test_forwarded_address_is_honoured_only_behind_a_configured_proxy(app, make, db_conn):
    user = make.user()
    browser = app.test_client()
    for _ in range(5):
        browser.post("/login", data={"username": user.username, "password": "Wrong-pass-1"},
                     headers={"X-Forwarded-For": "192.0.2.10"})
    assert [t.ip for t in LoginThrottle.select()] == ["192.0.2.10"]


def test_forwarded_address_is_ignored_without_a_proxy(app, make, db_conn):
    user = make.user()
    app.test_client().post("/login", data={"username": user.username, "password": "Wrong-pass-1"},
                           headers={"X-Forwarded-For": "192.0.2.10"})
    assert [t.ip for t in LoginThrottle.select()] == ["127.0.0.1"]
