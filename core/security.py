"""Sessions, login handling, idle timeout, forced password change, security headers and error pages."""
import os
import secrets
import time
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_htmx import make_response as htmx_response
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core import accounts, audit, settings
from core.extensions import htmx, login_manager
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
    """Production refuses to start without SECRET_KEY, or with one shorter than 32 bytes (a short key signs
    session cookies that can be brute-forced offline); development keeps one under instance/."""
    key = app.config.get("SECRET_KEY")
    if key and app.config["ENV_NAME"] == "production":
        if len(key.encode() if isinstance(key, str) else key) < 32:
            raise RuntimeError("生产环境的 SECRET_KEY 至少 32 字节，请用 `python -c 'import secrets; "
                               "print(secrets.token_hex(32))'` 生成 (SECRET_KEY must be at least 32 bytes)")
        return
    if key:
        return
    if app.config["ENV_NAME"] == "production":
        raise RuntimeError("生产环境必须通过环境变量 SECRET_KEY 设置密钥 (SECRET_KEY is required in production)")
    if (app.config.get("DATABASE_URL") or "").startswith("postgres"):  # a database app servers may share
        app.logger.warning("未设置 SECRET_KEY：使用本机 instance/secret_key。多台应用服务器共用数据库时须在每台设置相同的 "
                           "SECRET_KEY，否则登录会话只在签发它的服务器上有效 (docs/operations.md)")
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
def _load_user(session_id):
    """The id in the session is "<user id>.<session version>": a cookie from before a logout, a password
    change, a reset, a role change or disabling names an older version and loads nobody."""
    user_id, _, version = str(session_id).partition(".")
    if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 12 or len(version) > 12:
        return None
    user = User.get_or_none(User.id == int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def current_page():
    """The page the user is on: the request's own path, or for htmx the page that sent it (same site only)."""
    if htmx and htmx.current_url:
        parts = urlsplit(htmx.current_url)
        if parts.netloc == request.host and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
        return None
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return None


def to_login(message="请先登录。"):
    """Send the browser to the login page, coming back to the current page after login (htmx too)."""
    flash(message, "warning")
    return _redirect(url_for("auth.login", next=current_page()))


@login_manager.unauthorized_handler
def _unauthorized():
    return to_login()


def init_app(app):
    @app.before_request
    def _no_nul_in_the_address():
        # PostgreSQL text cannot hold NUL: a %00 in a search would otherwise fail in the driver (a 500).
        if "\x00" in request.path or any("\x00" in value for value in request.args.values()):
            abort(400)

    @app.before_request
    def _session_limits_and_password_change():
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = time.time()
        last_seen = session.get("last_seen", now)
        signed_in = session.get("signed_in_at", now)
        idle = now - last_seen > app.config["IDLE_TIMEOUT"].total_seconds()
        if idle or now - signed_in > app.config["SESSION_MAX_AGE"].total_seconds():
            audit.record("auth.session_timeout", current_user._get_current_object(),
                         details={"reason": "idle" if idle else "max_age"})
            logout_user()
            session.clear()
            return to_login("长时间未操作，会话已超时，请重新登录。" if idle else "登录已超过最长时限，请重新登录。")
        session["last_seen"] = now
        session.setdefault("signed_in_at", now)
        session.permanent = True
        if request.endpoint in _PASSWORD_CHANGE_EXEMPT:
            return None
        if current_user.must_change_password:
            flash("首次登录或密码已被重置，请先设置新密码。", "info")
            return _redirect(url_for("auth.change_password"))
        if accounts.password_expired(current_user, settings.get("password_max_age_days")):
            flash("密码已超过有效期，请设置新密码。", "info")
            return _redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config["ENV_NAME"] == "production":  # production runs behind HTTPS (SESSION_COOKIE_SECURE)
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html":
            headers.add("Vary", "HX-Request")
            headers.setdefault("Cache-Control", "no-store")
        return response

    @app.after_request
    def _downloads_audited_and_not_cached(response):
        disposition = response.headers.get("Content-Disposition", "")
        if response.status_code == 200 and disposition.startswith("attachment"):
            response.headers["Cache-Control"] = "no-store"
            if not audit.recorded_in_this_request("export", "package", "download"):
                audit.record("document.download", object_type=request.endpoint or "",
                             details={"path": request.full_path.rstrip("?")[:300], "file": disposition[:300]})
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(error):
        audit.record_security_event("security.csrf_failed", details={"reason": error.description})
        if htmx and not current_user.is_authenticated:  # the session, and with it the token, is gone
            return to_login("会话已过期，请重新登录后再操作。")
        return render_error(400, "页面已过期或缺少安全令牌，请刷新页面后重新提交。")

    @app.errorhandler(HTTPException)
    def _http_error(error):
        if error.code == 403:
            audit.record_security_event("security.forbidden")
        elif error.code == 429:
            audit.record_security_event("security.rate_limited")
        return render_error(error.code)

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("unhandled error")
        return render_error(500)


def render_error(code, message=None):
    title, default_message = ERROR_MESSAGES.get(code, ("出错了", "请求未能完成。"))
    template = "errors/_error.html" if htmx and not htmx.history_restore_request else "errors/error.html"
    return render_template(template, code=code, title=title, message=message or default_message), code
