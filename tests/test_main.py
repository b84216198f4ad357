"""Home figures, health check, security headers and error pages."""
import pytest

from models import Role, SubjectKind, SubjectStatus


def test_staff_home_shows_real_figures(client, make, login):
    make.subject(district="松源区", kind=SubjectKind.FACTORY.value)
    make.subject(district="松源区", kind=SubjectKind.PARK.value)
    make.subject(district="临江区", kind=SubjectKind.FACTORY.value, status=SubjectStatus.PENDING.value)
    make.subject(district="临江区", status=SubjectStatus.DECLINED.value)
    login(make.user(Role.STAFF))
    html = client.get("/home").get_data(as_text=True)
    assert '<div class="fs-3" id="figure-waiting">1</div>' in html
    assert '<td class="text-end" id="figure-total">3</td>' in html
    assert "松源区" in html and "临江区" in html


def test_enterprise_home_is_its_subject_page(client, make, login):
    subject = make.subject(name="北辰测试乳业有限公司")
    login(make.user(Role.ENTERPRISE, subject=subject))
    assert client.get("/home").headers["Location"] == "/my/"
    assert "北辰测试乳业有限公司" in client.get("/my/").get_data(as_text=True)


def test_public_index_counts_admitted_subjects(client, make):
    make.subject(kind=SubjectKind.PARK.value)
    html = client.get("/").get_data(as_text=True)
    assert 'data-figure="pool-park">1<' in html


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_healthz_unavailable_when_database_unreachable(app, client, monkeypatch):
    from models import db

    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(db.obj, "execute_sql", broken)
    assert client.get("/healthz").status_code == 503


def test_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "HX-Request" in response.headers.get("Vary", "")


def test_session_cookie_flags(client, make, login):
    response = login(make.user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_have_no_inline_scripts(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick" not in html


@pytest.mark.parametrize("path, code, text", [
    ("/no-such-page", 404, "页面不存在"),
    ("/logout", 405, "请求方式不允许"),
])
def test_error_pages_in_chinese(client, path, code, text):
    response = client.get(path)
    assert response.status_code == code and text in response.get_data(as_text=True)


def test_oversize_request_is_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/login", data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)


def test_unexpected_error_is_a_chinese_500(app, client, make, login, monkeypatch):
    import blueprints.main.routes as main_routes

    def boom():
        raise ValueError("boom")

    monkeypatch.setattr(main_routes, "staff_figures", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(make.user(Role.STAFF))
    response = client.get("/home")
    assert response.status_code == 500 and "系统错误" in response.get_data(as_text=True)


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    from app import create_app
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": None,
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
