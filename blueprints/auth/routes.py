import time
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from blueprints.views import me
from core import audit
from core.access import login_required, public
from core.accounts import authenticate, end_sessions, password_problem, recent_password_hashes, set_password
from core.extensions import limiter
from models import db

from . import bp
from .forms import ChangePasswordForm, LoginForm


def _safe_next(target):
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@public
def login():
    """Log in with username and password (5 failures lock the account for 15 minutes)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user, error = authenticate(form.username.data, form.password.data)
        if error:
            form.password.errors.append(error)
        else:
            _start_session(user)
            flash(f"欢迎，{user.display_name}。", "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


def _start_session(user):
    """A fresh session for the user (nothing kept from before login)."""
    session.clear()
    login_user(user)
    session.permanent = True
    session["signed_in_at"] = session["last_seen"] = time.time()


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Log out (POST, so that a link cannot log anyone out); every other session of the account ends too."""
    if current_user.is_authenticated:
        user = me()
        with db.atomic():
            end_sessions(user)
            audit.record("auth.logout", user)
        logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (forced at first login, after a reset and when it has expired).

    Every other session of the account ends; this one goes on under the new session version."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = me()
        problem = password_problem(form.new_password.data, user.username, recent_password_hashes(user))
        if not user.check_password(form.current_password.data):
            form.current_password.errors.append("当前密码不正确")
        elif problem:
            form.new_password.errors.append(problem)
        else:
            with db.atomic():
                set_password(user, form.new_password.data)
                user.save()
                end_sessions(user)
                audit.record("auth.password_changed", user)
            _start_session(user)
            flash("密码已修改，其他设备上的登录已退出。", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
