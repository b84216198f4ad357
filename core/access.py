"""Who may use which endpoint: one decorator per rule, declared on every view.

tests/test_access.py walks app.url_map and fails for a view without a declared policy.
Ownership of enterprise and agency objects is checked by owned_or_404 (another's object is 404).
Who may read a stored document is DOCUMENT_READERS, consulted by uploads.may_read (staff always may).
"""
from functools import wraps

from flask import abort
from flask_login import current_user

from core import audit
from core.extensions import login_manager
from models import (
    Agency,
    AgencyStatus,
    Application,
    ChangeNotice,
    Engagement,
    EngagementStatus,
    ReviewAssignment,
    Role,
)

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
enterprise_only = roles_required(Role.ENTERPRISE.value)
agency_only = roles_required(Role.AGENCY.value)
expert_only = roles_required(Role.EXPERT.value)
staff_or_enterprise = roles_required(*STAFF_ROLES, Role.ENTERPRISE.value)


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


# Who may read a stored document, by its owner type: any reader answering True grants access (staff always may).
# Each reader is called as reader(user, owner_id) for a logged-in user who is not staff.

def _own_subject_documents(user, subject_id):
    """An enterprise reads the documents of its own subject."""
    return user.role == Role.ENTERPRISE.value and user.subject_id == subject_id


def _engaged(user, subject_id):
    """An agency reads a subject's documents once it has accepted an engagement with it, and only while it is
    recognised: a suspended or disqualified agency reads none (第二十六条), an ended engagement shares nothing."""
    return user.role == Role.AGENCY.value and user.agency_id is not None and Engagement.select().join(Agency).where(
        Engagement.subject == subject_id, Engagement.agency == user.agency_id,
        Agency.status == AgencyStatus.APPROVED.value,
        Engagement.status.in_((EngagementStatus.ACTIVE.value, EngagementStatus.COMPLETED.value))).exists()


def _own_agency(user, agency_id):
    """An agency reads its own agency's documents."""
    return user.role == Role.AGENCY.value and user.agency_id == agency_id


def _own_report(user, engagement_id):
    """An agency reads the evaluation reports of its own engagements, on the same terms."""
    return user.role == Role.AGENCY.value and user.agency_id is not None and Engagement.select().join(Agency).where(
        Engagement.id == engagement_id, Engagement.agency == user.agency_id,
        Agency.status == AgencyStatus.APPROVED.value, Engagement.status != EngagementStatus.ENDED.value).exists()


def _own_application(user, application_id):
    """An enterprise reads the documents of its own subject's applications."""
    return user.role == Role.ENTERPRISE.value and Application.select().where(
        Application.id == application_id, Application.subject == user.subject_id).exists()


def _assigned_expert(user, application_id):
    """An expert reads the documents of the applications assigned to them (not after withdrawing for a conflict)."""
    return user.role == Role.EXPERT.value and ReviewAssignment.active().where(
        ReviewAssignment.application == application_id, ReviewAssignment.expert == user.id).exists()


def _own_change(user, change_id):
    """An enterprise reads the documents of its own subject's change notices."""
    return user.role == Role.ENTERPRISE.value and ChangeNotice.select().where(
        ChangeNotice.id == change_id, ChangeNotice.subject == user.subject_id).exists()


DOCUMENT_READERS = {
    "subject": [_engaged, _own_subject_documents],
    "agency": [_own_agency],
    "engagement": [_own_report],
    "application": [_own_application, _assigned_expert],
    "change": [_own_change],
}
