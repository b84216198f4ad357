"""Accounts: the password rule, generated passwords, login with lockout, sessions that end, creating users.

The rules follow 网络安全等级保护 2.0 (GB/T 22239-2019) level 2: complex passwords not reused, failed logins
limited, sessions ended on the server. Lockout is by account name *and* source address: an anonymous visitor
can lock out only his own address, never the bureau's admin at her desk.
"""
import json
import os
import re
import secrets
import string
from datetime import timedelta
from functools import lru_cache

from flask import current_app, has_request_context, request
from werkzeug.security import check_password_hash, generate_password_hash

from core import audit
from models import LoginThrottle, User, db, local_now

PASSWORD_MIN_LENGTH = 10
PASSWORD_HISTORY = 5  # a new password may not equal the current one or the four before it
_CHARACTER_CLASSES = (r"[a-z]", r"[A-Z]", r"\d", r"[^A-Za-z0-9]")
_COMMON_PASSWORDS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "common_passwords.txt")

LOGIN_FAILED = "用户名或密码错误"
LOCKED_OUT = "登录失败次数过多，请在约 {minutes} 分钟后再试，或联系管理员解锁"


@lru_cache(maxsize=1)
def common_passwords():
    with open(_COMMON_PASSWORDS_FILE, encoding="utf-8") as fh:
        return frozenset(line.strip().lower() for line in fh if line.strip() and not line.startswith("#"))


def password_problem(password, username=None, previous_hashes=()):
    """The Chinese reason a password is refused, or None when it is acceptable."""
    password = password or ""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"密码至少 {PASSWORD_MIN_LENGTH} 位"
    if sum(1 for pattern in _CHARACTER_CLASSES if re.search(pattern, password)) < 3:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类"
    if username and username.strip().lower() in password.lower():
        return "密码不能包含用户名"
    if password.lower() in common_passwords():
        return "该密码过于常见，容易被猜中，请换一个"
    if any(check_password_hash(h, password) for h in previous_hashes):
        return f"新密码不能与最近 {PASSWORD_HISTORY} 次使用过的密码相同"
    return None


def generate_password():
    """A random password that satisfies the rule (the user must change it at first login)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14))
        if password_problem(candidate) is None:
            return candidate


def recent_password_hashes(user):
    """The current password's hash and those before it, newest first."""
    return [user.password_hash, *json.loads(user.password_history or "[]")][:PASSWORD_HISTORY]


def set_password(user, password, *, must_change=False):
    """Give the account a new password (the caller saves it), keeping the last few hashes."""
    if user.password_hash:
        user.password_history = json.dumps(recent_password_hashes(user)[:PASSWORD_HISTORY - 1])
    user.set_password(password)
    user.password_changed_at = local_now()
    user.must_change_password = must_change


def password_expired(user, max_age_days, now=None):
    """Staff and admin passwords expire after `max_age_days` when the bureau sets one (0: never)."""
    if not max_age_days or not user.is_staff:
        return False
    changed = user.password_changed_at or user.created_at
    return changed is not None and (now or local_now()) - changed > timedelta(days=max_age_days)


def end_sessions(user):
    """End every session of the account: the version in its session cookies no longer matches."""
    User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
    user.session_version = User.get_by_id(user.id).session_version


def _lockout_settings():
    cfg = current_app.config
    return cfg["LOCKOUT_THRESHOLD"], cfg["LOCKOUT_DURATION"]


def _source_address():
    return (request.remote_addr or "")[:45] if has_request_context() else "cli"


@lru_cache(maxsize=1)
def _dummy_hash():
    """Checked for unknown names, so that an unknown name takes as long as a wrong password."""
    return generate_password_hash(secrets.token_hex(16), method="scrypt")


def _locked_message(throttle, now):
    minutes = max(1, int((throttle.locked_until - now).total_seconds() // 60) + 1)
    return LOCKED_OUT.format(minutes=minutes)


def _count_failure(username, ip, now, threshold, duration):
    """One more failure for (name, address); returns the throttle row, locked once the threshold is reached."""
    (LoginThrottle.insert(username=username, ip=ip, failures=1, updated_at=now)
     .on_conflict(conflict_target=[LoginThrottle.username, LoginThrottle.ip],
                  update={LoginThrottle.failures: LoginThrottle.failures + 1, LoginThrottle.updated_at: now})
     .execute())
    throttle = LoginThrottle.get(LoginThrottle.username == username, LoginThrottle.ip == ip)
    if throttle.failures >= threshold:
        throttle.locked_until, throttle.failures = now + duration, 0
        throttle.save()
    return throttle


def authenticate(username, password):
    """Check a login. Returns (user, None) or (None, Chinese error). Known and unknown names answer alike."""
    threshold, duration = _lockout_settings()
    username = (username or "").strip()[:50]
    ip, now = _source_address(), local_now()
    throttle = LoginThrottle.get_or_none(LoginThrottle.username == username, LoginThrottle.ip == ip)
    user = User.get_or_none(User.username == username)
    if throttle is not None and throttle.locked_until and throttle.locked_until > now:
        audit.record("auth.login_failed", user, result="locked", user=user, object_type="user",
                     details={"username": username})
        return None, _locked_message(throttle, now)
    password_ok = check_password_hash(user.password_hash if user else _dummy_hash(), password or "")
    if user is None or not password_ok:
        with db.atomic():
            throttle = _count_failure(username, ip, now, threshold, duration)
            audit.record("auth.login_failed", user, result="denied", user=user, object_type="user",
                         details={"username": username})
            if throttle.locked_until and throttle.locked_until > now:
                audit.record("auth.lockout", user, user=user, object_type="user",
                              details={"username": username, "until": throttle.locked_until})
        if throttle.locked_until and throttle.locked_until > now:
            return None, _locked_message(throttle, now)
        return None, LOGIN_FAILED
    if not user.active:
        audit.record("auth.login_failed", user, result="disabled", user=user)
        return None, "账号已停用，请联系管理员"
    with db.atomic():
        LoginThrottle.delete().where(LoginThrottle.username == username, LoginThrottle.ip == ip).execute()
        user.last_login_at = now
        user.save()
        audit.record("auth.login", user, user=user)
    return user, None


def unlock(user, *, by=None):
    """Lift every lockout of the account (from any address). Returns how many addresses were locked."""
    with db.atomic():
        locked = user.locked_sources().count()
        LoginThrottle.delete().where(LoginThrottle.username == user.username).execute()
        audit.record("user.unlock", user, user=by, details={"sources": locked})
    return locked


def create_user(username, role, display_name=None, password=None, *, by=None, **fields):
    """Create an account. Without a password, one is generated and must be changed at first login.

    Returns (user, password_in_clear). Call inside db.atomic().
    """
    must_change = password is None
    password = password or generate_password()
    user = User(username=username, role=role, display_name=display_name or username, **fields)
    set_password(user, password, must_change=must_change)
    user.save()
    audit.record("user.create", user, user=by, details={"role": role})
    return user, password
