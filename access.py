"""Who may use which endpoint: one decorator per rule, declared on every view.

tests/test_access.py walks app.url_map and fails for a view without a declared policy.
Ownership of enterprise and agency objects is checked by owned_or_404 (another's object is 404).
"""
from functools import wraps

from flask import abort
from flask_login import current_user

import audit
from extensions import login_manager
from models import Role

STAFF_ROLES = (Role.ADMIN.value, Role.STAFF.value)


def public(view):
    """Anyone, logged in or not."""
    view.access_policy = "public"
    return view


def roles_required(*roles):
    """Logged-in users whose role is one of `roles`; others get the login page or 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access_policy = tuple(roles)
        return wrapped

    return decorator


def login_required(view):
    """Any logged-in user, whatever the role."""
    return roles_required(*[r.value for r in Role])(view)


staff_required = roles_required(*STAFF_ROLES)
admin_required = roles_required(Role.ADMIN.value)


def own_subject():
    """The logged-in enterprise user's subject; an account without one finds nothing."""
    subject = current_user.subject
    if subject is None:
        abort(404)
    return subject


def owned_or_404(subject_id):
    """An enterprise user may only reach its own subject: anything else is 'not found'."""
    if current_user.is_staff:
        return
    if current_user.role != Role.ENTERPRISE.value or current_user.subject_id != subject_id:
        audit.record_security_event("security.not_owner", object_type="subject",
                                    details={"subject_id": subject_id})
        abort(404)
