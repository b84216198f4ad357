"""Every endpoint declares who may use it; staff endpoints refuse everyone else; CSRF on every change."""
import re

import pytest

from core.access import STAFF_ROLES
from models import Role

EXEMPT = {"static"}


def _url_for_rule(rule):
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "1", rule.rule)


def test_every_endpoint_declares_a_policy(app):
    missing = [rule.endpoint for rule in app.url_map.iter_rules()
               if rule.endpoint not in EXEMPT and not hasattr(app.view_functions[rule.endpoint], "access_policy")]
    assert missing == []


def _staff_rules(app):
    return [rule for rule in app.url_map.iter_rules()
            if getattr(app.view_functions[rule.endpoint], "access_policy", None) is not None
            and app.view_functions[rule.endpoint].access_policy != "public"
            and set(app.view_functions[rule.endpoint].access_policy) <= set(STAFF_ROLES)]


def test_there_are_staff_endpoints_to_check(app):
    assert len(_staff_rules(app)) >= 5


@pytest.mark.parametrize("role", [None, Role.ENTERPRISE.value, Role.AGENCY.value, Role.EXPERT.value])
def test_staff_endpoints_refuse_others(app, client, make, login, role):
    if role:
        login(make.user(role))
    for rule in _staff_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url_for_rule(rule), method=method)
            if role is None:
                assert response.status_code == 302 and "/login" in response.headers["Location"], rule.rule
            else:
                assert response.status_code == 403, (rule.rule, method, response.status_code)


def test_staff_cannot_reach_admin_pages(client, make, login):
    login(make.user(Role.STAFF))
    for path in ("/admin/users", "/admin/settings", "/admin/audit", "/admin/audit/export"):
        assert client.get(path).status_code == 403


def test_admin_reaches_admin_pages(client, make, login):
    login(make.user(Role.ADMIN))
    for path in ("/admin/users", "/admin/settings", "/admin/audit", "/admin/users/new"):
        assert client.get(path).status_code == 200, path


def test_unauthorized_htmx_request_gets_hx_redirect(client):
    response = client.get("/admin/audit", headers={"HX-Request": "true"})
    assert response.headers.get("HX-Redirect", "").startswith("/login")


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_post_without_csrf_token_is_refused(csrf_app, make):
    client = csrf_app.test_client()
    user = make.user()
    response = client.post("/login", data={"username": user.username, "password": "Testing12345"})
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)


def test_htmx_post_without_csrf_header_is_refused(csrf_app, make):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    user = make.user()
    client.post("/login", data={"username": user.username, "password": "Testing12345"}, headers={"X-CSRFToken": token})
    response = client.post("/logout", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert client.get("/home").status_code == 200  # still logged in: the post did nothing


def test_htmx_post_with_csrf_header_from_page_is_accepted(csrf_app, make):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    user = make.user()
    response = client.post("/login", data={"username": user.username, "password": "Testing12345"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 302
    home = client.get("/home").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    response = client.post("/logout", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 302
