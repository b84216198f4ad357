"""Account administration and the site's settings: each change checks, changes inside db.atomic(), audits, and
ends the account's sessions where its rights change (role, disabling, a reset password)."""
from core import audit, settings
from core.accounts import create_user, end_sessions, generate_password, set_password, unlock
from models import db
from rules import Refused


def create_account(username, role, *, display_name, organisation="", phone="", by):
    """A new account with a generated password, to be changed at first login. Returns (user, password)."""
    with db.atomic():
        return create_user(username.strip(), role, display_name.strip(), by=by,
                           organisation=organisation or "", phone=phone or "")


def change_role(user, role, *, by):
    """Give the account another role; its open sessions end, so the old role's pages close at once."""
    if user.id == by.id:
        raise Refused("不能修改自己的角色。")
    if role == user.role:
        return False
    old = user.role
    with db.atomic():
        user.role = role
        user.save()
        end_sessions(user)
        audit.record("user.change_role", user, user=by, details={"from": old, "to": role})
    return True


def set_active(user, active, *, by):
    """Disable (its sessions end at once) or re-enable an account; accounts are never deleted."""
    if user.id == by.id:
        raise Refused("不能停用自己的账号。")
    with db.atomic():
        user.active = active
        user.save()
        end_sessions(user)
        audit.record("user.enable" if active else "user.disable", user, user=by)
        if active and user.locked_sources().exists():
            unlock(user, by=by)


def reset_password(user, *, by):
    """A new generated password, to be changed at next login; lockouts lifted, sessions ended. Returns it."""
    password = generate_password()
    with db.atomic():
        set_password(user, password, must_change=True)
        user.save()
        end_sessions(user)
        audit.record("user.reset_password", user, user=by)
        if user.locked_sources().exists():
            unlock(user, by=by)
    return password


def save_settings(values, *, by):
    """Store the settings that changed and audit them. Returns the keys changed."""
    with db.atomic():
        changed = settings.save(values, by)
        if changed:
            audit.record("settings.update", object_type="setting", user=by,
                         details={"changed": {k: values[k] for k in changed}})
    return changed
