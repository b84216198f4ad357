from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

import audit
from access import login_required, public
from accounts import authenticate
from extensions import limiter
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
            session.clear()
            login_user(user)
            session.permanent = True
            flash(f"欢迎，{user.display_name}。", "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Log out (POST, so that a link cannot log anyone out)."""
    if current_user.is_authenticated:
        audit.record("auth.logout", current_user._get_current_object())
        logout_user()
    session.clear()
    flash("您已安全退出。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (forced at first login and after a reset)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not user.check_password(form.current_password.data):
            form.current_password.errors.append("当前密码不正确")
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append("新密码不能与当前密码相同")
        else:
            with db.atomic():
                user.set_password(form.new_password.data)
                user.must_change_password = False
                user.save()
                audit.record("auth.password_changed", user)
            flash("密码已修改。", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
