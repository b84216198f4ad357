"""Accounts: the password rule, generated passwords, login with lockout, and creating users."""
import re
import secrets
import string
from datetime import timedelta

from flask import current_app

import audit
from models import User, db, local_now

PASSWORD_MIN_LENGTH = 10


def password_problem(password):
    """The Chinese reason a password is refused, or None when it is acceptable."""
    if len(password or "") < PASSWORD_MIN_LENGTH:
        return f"密码至少 {PASSWORD_MIN_LENGTH} 位"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "密码须同时包含字母和数字"
    return None


def generate_password():
    """A random password that satisfies the rule (the user must change it at first login)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14))
        if password_problem(candidate) is None:
            return candidate


def _lockout_settings():
    try:
        cfg = current_app.config
        return cfg["LOCKOUT_THRESHOLD"], cfg["LOCKOUT_DURATION"]
    except RuntimeError:  # outside an app context (CLI helpers call inside one anyway)
        return 5, timedelta(minutes=15)


def authenticate(username, password):
    """Check a login. Returns (user, None) or (None, Chinese error). Counts failures and locks."""
    threshold, duration = _lockout_settings()
    user = User.get_or_none(User.username == (username or "").strip())
    now = local_now()
    if user is None:
        audit.record("auth.login_failed", result="denied", details={"username": username}, object_type="user")
        return None, "用户名或密码错误"
    if user.is_locked(now):
        audit.record("auth.login_failed", user, result="locked", user=user)
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return None, f"账号已锁定，请在约 {minutes} 分钟后再试，或联系管理员"
    if not user.check_password(password or ""):
        with db.atomic():
            user.failed_logins += 1
            locked = user.failed_logins >= threshold
            if locked:
                user.locked_until = now + duration
                user.failed_logins = 0
            user.save()
            audit.record("auth.login_failed", user, result="denied", user=user)
            if locked:
                audit.record("auth.lockout", user, user=user, details={"until": user.locked_until})
        if locked:
            return None, f"连续 {threshold} 次密码错误，账号已锁定 {int(duration.total_seconds() // 60)} 分钟"
        return None, "用户名或密码错误"
    if not user.active:
        audit.record("auth.login_failed", user, result="disabled", user=user)
        return None, "账号已停用，请联系管理员"
    with db.atomic():
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        user.save()
        audit.record("auth.login", user, user=user)
    return user, None


def create_user(username, role, display_name=None, password=None, *, by=None, **fields):
    """Create an account. Without a password, one is generated and must be changed at first login.

    Returns (user, password_in_clear). Call inside db.atomic().
    """
    must_change = password is None
    password = password or generate_password()
    user = User(username=username, role=role, display_name=display_name or username,
                must_change_password=must_change, **fields)
    user.set_password(password)
    user.save()
    audit.record("user.create", user, user=by, details={"role": role})
    return user, password
