"""Sessions, login handling, idle timeout, forced password change, security headers and error pages."""
import os
import secrets
import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_htmx import make_response as htmx_response
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

import audit
from extensions import htmx, login_manager
from models import User

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ERROR_MESSAGES = {
    400: ("请求无效", "提交的内容无法处理，请返回上一页重试。"),
    401: ("需要登录", "请先登录。"),
    403: ("无权访问", "您的账号没有访问此页面的权限。"),
    404: ("页面不存在", "您访问的页面或对象不存在，或您无权查看。"),
    405: ("请求方式不允许", "此页面不接受这种请求方式。"),
    413: ("文件过大", "上传的内容超过了允许的大小（单个文件不超过 20 MB）。"),
    429: ("操作过于频繁", "请求次数过多，请稍后再试。"),
    500: ("系统错误", "服务器处理请求时出错，已记录。请稍后重试或联系管理员。"),
    503: ("服务暂不可用", "系统暂时无法访问数据库，请稍后重试。"),
}

# Endpoints a user with a pending forced password change may still reach.
_PASSWORD_CHANGE_EXEMPT = {"auth.change_password", "auth.logout", "static", "main.healthz"}


def configure_secret_key(app):
    """Production refuses to start without SECRET_KEY; development keeps one under instance/."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["ENV_NAME"] == "production":
        raise RuntimeError("生产环境必须通过环境变量 SECRET_KEY 设置密钥 (SECRET_KEY is required in production)")
    path = os.path.join(app.instance_path, "secret_key")
    if not os.path.exists(path):
        with open(path, "w") as fh:
            fh.write(secrets.token_hex(32))
        os.chmod(path, 0o600)
    with open(path) as fh:
        app.config["SECRET_KEY"] = fh.read().strip()


def _redirect(url):
    """A redirect that also works from inside an htmx request (the whole page moves)."""
    if htmx:
        return htmx_response("", redirect=url)
    return redirect(url)


@login_manager.user_loader
def _load_user(user_id):
    user = User.get_or_none(User.id == int(user_id)) if str(user_id).isdigit() else None
    return user if user is not None and user.active else None


@login_manager.unauthorized_handler
def _unauthorized():
    flash("请先登录。", "warning")
    target = request.full_path if request.method == "GET" and not htmx else None
    return _redirect(url_for("auth.login", next=target.rstrip("?") if target else None))


def init_app(app):
    @app.before_request
    def _idle_timeout_and_password_change():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = time.time()
        last_seen = session.get("last_seen", now)
        if now - last_seen > app.config["IDLE_TIMEOUT"].total_seconds():
            audit.record("auth.session_timeout", current_user._get_current_object())
            logout_user()
            session.clear()
            flash("长时间未操作，会话已超时，请重新登录。", "warning")
            return _redirect(url_for("auth.login"))
        session["last_seen"] = now
        session.permanent = True
        if current_user.must_change_password and request.endpoint not in _PASSWORD_CHANGE_EXEMPT:
            flash("首次登录或密码已被重置，请先设置新密码。", "info")
            return _redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            headers.add("Vary", "HX-Request")
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        return render_error(400, "页面已过期或缺少安全令牌，请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def _http_error(error):
        return render_error(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("unhandled error")
        return render_error(500)


def render_error(code, message=None):
    title, default_message = ERROR_MESSAGES.get(code, ("出错了", "请求未能完成。"))
    template = "errors/_error.html" if htmx and not htmx.history_restore_request else "errors/error.html"
    return render_template(template, code=code, title=title, message=message or default_message), code
