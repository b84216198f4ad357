"""Admin pages: users, settings, the audit viewer and its export; the audit trail is append-only."""
import io
import re

import pytest
from openpyxl import load_workbook

from core import settings
from models import AppendOnlyError, AuditEvent, Role, User


@pytest.fixture
def admin(make, login):
    user = make.user(Role.ADMIN)
    login(user)
    return user


def test_create_user_shows_password_once_and_forces_change(client, admin, app, db_conn):
    response = client.post("/admin/users/new", data={
        "username": "zhang.san", "display_name": "张三", "role": "expert", "organisation": "龙江湾工业大学"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "只显示这一次" in html
    password = re.search(r'id="one-time-password">([^<]+)<', html).group(1)
    user = User.get(User.username == "zhang.san")
    assert user.must_change_password and user.check_password(password) and user.role == "expert"
    assert AuditEvent.get(AuditEvent.action == "user.create").object_id == user.id


def test_create_user_errors_beside_fields(client, admin):
    response = client.post("/admin/users/new", data={"username": admin.username, "display_name": "", "role": "x"})
    html = response.get_data(as_text=True)
    assert "该用户名已被使用" in html and "请输入姓名或名称" in html


def test_disable_enable_reset_and_change_role(client, admin, make, db_conn):
    other = make.user(Role.STAFF)
    client.post(f"/admin/users/{other.id}/active")
    assert not User.get_by_id(other.id).active
    client.post(f"/admin/users/{other.id}/active")
    response = client.post(f"/admin/users/{other.id}/reset-password")
    assert "密码已重置" in response.get_data(as_text=True)
    client.post(f"/admin/users/{other.id}", data={"role": "expert"})
    changed = User.get_by_id(other.id)
    assert changed.active and changed.must_change_password and changed.role == "expert"
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.object_id == other.id,
                                                            AuditEvent.object_type == "user")]
    assert {"user.disable", "user.enable", "user.reset_password", "user.change_role"} <= set(actions)


def test_admin_cannot_disable_self(client, admin, db_conn):
    client.post(f"/admin/users/{admin.id}/active")
    assert User.get_by_id(admin.id).active


def test_unknown_user_is_404(client, admin):
    assert client.get("/admin/users/9999").status_code == 404


VALID_SETTINGS = {
    "city_name": "龙江湾市", "division_code": "239900", "districts": "松源区\n临江区",
    "bureau_name": "龙江湾市工业和信息化局", "bureau_address": "政务大道8号", "bureau_contact": "王晓明",
    "bureau_phone": "0451-88880000", "bureau_email": "", "qualifying_score": "80", "key_cultivation_score": "90",
    "veto_check_max_age_days": "180", "experts_per_application": "3", "province_call_date": "04-15",
    "city_recommendation_due": "07-10", "password_max_age_days": "0",
}


def test_settings_saved_and_audited(client, admin, app):
    response = client.post("/admin/settings", data=VALID_SETTINGS)
    assert response.status_code == 302
    with app.app_context():
        assert settings.get("districts") == ["松源区", "临江区"]
        assert settings.get("qualifying_score") == 80
        assert AuditEvent.get(AuditEvent.action == "settings.update")


@pytest.mark.parametrize("field, value, message", [
    ("division_code", "23990", "行政区划代码为 6 位数字"),
    ("key_cultivation_score", "70", "重点培育分数线不能低于合格分数线"),
    ("qualifying_score", "101", "分数须在 0–100 之间"),
    ("districts", "松源区\n松源区", "区县名称有重复"),
    ("city_recommendation_due", "7月10日", "格式为 月-日"),
])
def test_bad_settings_keep_what_was_stored(client, admin, app, field, value, message):
    client.post("/admin/settings", data=VALID_SETTINGS)
    response = client.post("/admin/settings", data={**VALID_SETTINGS, field: value, "city_name": "改名市"})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    with app.app_context():
        assert settings.get("city_name") == "龙江湾市"


def test_audit_viewer_filters_with_htmx(client, admin, make):
    other = make.user(Role.STAFF)
    client.post(f"/admin/users/{other.id}/active")
    response = client.get("/admin/audit?action=user.disable", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<html" not in html and "停用用户" in html and "登录" not in html.split("<tbody>")[1]
    full = client.get("/admin/audit?action=user.disable").get_data(as_text=True)
    assert "<html" in full and len(html) < len(full)


def test_audit_viewer_filters_by_the_object_as_named_in_chinese(client, admin, make, db_conn):
    from urllib.parse import quote

    from core import audit

    audit.record("plan.update", object_type="plan", details={})
    audit.record("plan.approve", object_type="cultivationplan", details={})
    audit.record("subject.update", make.subject(name="别的对象有限公司"), details={})
    page = client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="培育计划">培育计划</option>' in page  # a choice, not a box for an internal name
    html = client.get("/admin/audit?object_type=" + quote("培育计划"), headers={"HX-Request": "true"}) \
        .get_data(as_text=True)
    rows = html.split("<tbody>")[1]
    assert rows.count("<tr") == 2 and "别的对象有限公司" not in rows  # both names the trail uses for a plan
    response = client.get("/admin/audit?object_type=plan")  # not a choice: a message, never a 500
    assert response.status_code == 200 and "<tbody>" in response.get_data(as_text=True)


def test_audit_viewer_bad_date_does_not_fail(client, admin):
    response = client.get("/admin/audit?date_from=not-a-date")
    assert response.status_code == 200


def test_audit_export(client, admin):
    response = client.get("/admin/audit/export?action=auth.login")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "序号" and sheet["E2"].value == "登录"


def test_audit_events_cannot_be_changed_or_deleted(app, admin, db_conn):
    event = AuditEvent.select().first()
    event.result = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete_instance()
    with pytest.raises(AppendOnlyError):
        AuditEvent.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.update(result="x")
