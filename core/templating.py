"""Jinja filters and globals shared by every template."""
from flask import g
from flask_login import current_user
from peewee import JOIN

import rules
from core import settings
from core.audit import action_label, object_type_label, result_label
from core.dates import chinese_date
from core.enums import LADDER, Role, SubjectKind, SubjectSource, Titled
from core.industries import industry_label
from models import Agency, Subject, User

# Navigation per role: (endpoint, label). Areas add their entries here as they land.
NAVIGATION = {
    "staff": [("main.home", "工作台"), ("pool.registrations", "登记审核"), ("pool.pool_list", "培育库"),
              ("plans.plan_list", "培育计划"), ("applications.application_list", "申报评审"),
              ("listing.publicity_list", "公示公布"), ("recommend.recommend_home", "省级推荐"), ("agencies.agency_list", "第三方机构"),
              ("listing.outcomes", "上级名单"), ("upkeep.dynamic_list", "名单维护"),
              ("filing.filing_home", "备案")],
    "admin_extra": [("admin.users", "用户管理"), ("admin.settings_page", "系统设置"), ("admin.audit_log", "审计日志")],
    "member": [("main.home", "首页")],
    "enterprise": [("enterprise.my_subject", "我的培育对象"), ("enterprise.my_agencies", "第三方机构"),
                   ("enterprise.my_plan", "培育计划"),
                   ("applications.my_applications", "申报"), ("upkeep.my_dynamic", "动态管理表"),
                   ("upkeep.my_changes", "变更申报")],
    "expert": [("review.my_reviews", "评审任务")],
    "agency": [("agencies.workspace", "机构工作台")],
    "public": [("listing.public_list", "市级绿色制造名单"), ("pool.register", "登记意向"),
               ("agencies.agency_register", "机构登记"), ("upkeep.complaint_new", "举报")],
}


def mask_phone(value):
    """138****5678: personal phone numbers are masked in lists."""
    value = (value or "").strip()
    if len(value) < 7:
        return value
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value):
    """张** : a reporter's name is masked in lists (第三十二条 reports are real-name, seen in full by staff only)."""
    value = (value or "").strip()
    return value[:1] + "*" * min(len(value) - 1, 3) if len(value) > 1 else value


def mask_contact(value):
    """A phone number or an e-mail address, masked for lists."""
    value = (value or "").strip()
    if "@" in value:
        local, _, domain = value.partition("@")
        return local[:1] + "***@" + domain
    return mask_phone(value)


def format_datetime(value, fmt="%Y-%m-%d %H:%M"):
    return value.strftime(fmt) if value else ""


def person(username):
    """The name shown for a login name kept in the audit trail (the login name itself once the account is gone)."""
    if not username:
        return "系统"
    names = g.setdefault("shown_names", {})
    if username not in names:
        look_up_names([username])
    return names[username]


def look_up_names(usernames):
    """Read at once the names `person` will show for these login names (a timeline's): one query, not one a name."""
    names = g.setdefault("shown_names", {})
    wanted = {u for u in usernames if u and u not in names}
    if not wanted:
        return
    accounts = (User.select(User.username, User.display_name, Subject.name, Agency.name)
                .join_from(User, Subject, JOIN.LEFT_OUTER, on=(User.subject == Subject.id))
                .join_from(User, Agency, JOIN.LEFT_OUTER, on=(User.agency == Agency.id))
                .where(User.username.in_(wanted)).tuples())
    found = {username: User.name_to_show(*names) for username, *names in accounts}
    names.update({username: found.get(username, username) for username in wanted})


def navigation():
    if not current_user.is_authenticated:
        return NAVIGATION["public"]
    if current_user.is_staff:
        return NAVIGATION["staff"] + (NAVIGATION["admin_extra"] if current_user.is_admin else [])
    return NAVIGATION["member"] + NAVIGATION.get(current_user.role, [])


def init_app(app):
    app.jinja_env.filters.update(
        mask_phone=mask_phone,
        mask_name=mask_name,
        mask_contact=mask_contact,
        dt=format_datetime,
        cndate=chinese_date,
        person=person,
        purpose=rules.material_title,
        industry=industry_label,
        action_label=action_label,
        result_label=result_label,
        object_type_label=object_type_label,
        role_label=Role.label_of,
        kind_label=SubjectKind.label_of,
        source_label=SubjectSource.label_of,
    )

    # Every enum of core/enums.py by its class name, so a template compares `plan.status == PlanStatus.DRAFT`
    # (tests/test_vocabulary.py keeps raw state strings out of the templates).
    app.jinja_env.globals.update(LADDER=LADDER, **Titled.vocabulary())

    @app.context_processor
    def _globals():
        return {
            "nav_items": navigation(),
            "site_settings": settings.get_all,
        }
