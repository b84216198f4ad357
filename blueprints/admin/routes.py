import io
from datetime import datetime, time

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_wtf import FlaskForm

from blueprints.views import fragment_or_page, get_object_or_404, me
from core import audit, settings, templating
from core.access import admin_required
from core.accounts import unlock
from core.documents import XLSX_MIMETYPE, xlsx_table
from core.pagination import paginate
from models import AuditEvent, Role, User, local_now
from rules import Refused

from . import bp, operations
from .forms import AuditFilterForm, RoleForm, SettingsForm, UserCreateForm, district_lines


@bp.route("/users")
@admin_required
def users():
    """All accounts, newest first."""
    query = User.select().order_by(User.role, User.username)
    return render_template("admin/users.html", page=paginate(query), action_form=FlaskForm(), roles=Role)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_create():
    """Create an account with a generated password shown once."""
    form = UserCreateForm()
    if form.validate_on_submit():
        user, password = operations.create_account(form.username.data, form.role.data,
                                                   display_name=form.display_name.data,
                                                   organisation=form.organisation.data, phone=form.phone.data,
                                                   by=me())
        return render_template("admin/password_shown.html", user=user, password=password, created=True)
    return render_template("admin/user_form.html", form=form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_detail(user_id):
    """One account: its role, state and recent activity; change the role."""
    user = get_object_or_404(User, User.id == user_id)
    form = RoleForm(obj=user)
    if form.validate_on_submit():
        try:
            if operations.change_role(user, form.role.data, by=me()):
                flash(f"已将 {user.username} 的角色改为{Role.label_of(user.role)}，其现有登录已退出。", "success")
        except Refused as refused:
            flash(str(refused), "danger")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    events = AuditEvent.select().where(AuditEvent.user == user).order_by(AuditEvent.id.desc()).limit(20)
    return render_template("admin/user_detail.html", user=user, form=form, events=events,
                           action_form=FlaskForm())


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@admin_required
def user_toggle_active(user_id):
    """Disable (its sessions end at once) or re-enable an account (accounts are never deleted)."""
    user = get_object_or_404(User, User.id == user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        operations.set_active(user, not user.active, by=me())
        flash(f"账号 {user.username} 已{'启用' if user.active else '停用'}。", "success")
    except Refused as refused:
        flash(str(refused), "danger")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@admin_required
def user_reset_password(user_id):
    """Give the account a new generated password, to be changed at next login; unlocks it, ends its sessions."""
    user = get_object_or_404(User, User.id == user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    password = operations.reset_password(user, by=me())
    return render_template("admin/password_shown.html", user=user, password=password, created=False)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@admin_required
def user_unlock(user_id):
    """Lift the account's login lockouts from every address."""
    user = get_object_or_404(User, User.id == user_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    unlock(user, by=me())
    flash(f"已解除账号 {user.username} 的登录锁定。", "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


def _settings_form_data():
    values = settings.get_all()
    values["districts"] = "\n".join(values["districts"])
    return values


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings_page():
    """The city, its districts, the bureau's contacts and the configurable thresholds."""
    form = SettingsForm(data=None if request.method == "POST" else _settings_form_data())
    if form.validate_on_submit():
        values = {name: field.data for name, field in form._fields.items()
                  if name in settings.DEFAULTS}
        values["districts"] = district_lines(form.districts.data)
        for key in ("city_name", "bureau_name", "bureau_address", "bureau_contact", "bureau_phone", "bureau_email",
                    "document_number_prefix", "signer", "regulation_title"):
            values[key] = (values[key] or "").strip()
        values["regulation_title"] = values["regulation_title"] or settings.DEFAULTS["regulation_title"]
        changed = operations.save_settings(values, by=me())
        flash("设置已保存。" if changed else "设置没有变化。", "success")
        return redirect(url_for("admin.settings_page"))
    return render_template("admin/settings.html", form=form)


def _audit_query(form):
    """The events the (validated) filter selects."""
    query = AuditEvent.select().order_by(AuditEvent.id.desc())
    if form.username.data:
        query = query.where(AuditEvent.username == form.username.data.strip())
    if form.action.data:
        query = query.where(AuditEvent.action == form.action.data)
    if form.object_type.data:
        query = query.where(AuditEvent.object_type.in_(audit.object_types_labelled(form.object_type.data)))
    if form.date_from.data:
        query = query.where(AuditEvent.created_at >= datetime.combine(form.date_from.data, time.min))
    if form.date_to.data:
        # the end of that day, not the next midnight: 9999-12-31 has no next day
        query = query.where(AuditEvent.created_at <= datetime.combine(form.date_to.data, time.max))
    return query


def _audit_filter_form():
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "全部操作")] + sorted(audit.ACTION_LABELS.items(), key=lambda kv: kv[0])
    form.object_type.choices = [("", "全部对象")] + [(label, label) for label in sorted(set(audit.OBJECT_TYPE_LABELS.values()))]
    return form


@bp.route("/audit")
@admin_required
def audit_log():
    """The audit trail, filtered by user, action, object and date range (the table alone for htmx)."""
    form = _audit_filter_form()
    page = paginate(_audit_query(form) if form.validate() else AuditEvent.select().where(False))
    templating.look_up_names(event.username for event in page.items)
    return fragment_or_page("admin/_audit_table.html", "admin/audit.html", form=form, page=page)


@bp.route("/audit/export")
@admin_required
def audit_export():
    """The filtered audit trail as .xlsx."""
    form = _audit_filter_form()
    if not form.validate():  # never a silently unfiltered export: show the filter with its errors
        return render_template("admin/audit.html", form=form,
                               page=paginate(AuditEvent.select().where(False))), 400
    events = _audit_query(form).limit(100_000)
    rows = ((e.created_at, e.username, e.ip, audit.action_label(e.action), e.action, e.object_type,
             e.object_id, e.object_label, e.result, e.details) for e in events)
    data = xlsx_table("审计日志", ["时间", "用户", "IP", "操作", "操作代码", "对象类型", "对象ID", "对象", "结果", "详情"], rows)
    audit.record("audit.export", object_type="auditevent", details={"filters": request.args.to_dict()})
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"审计日志-{local_now():%Y%m%d%H%M}.xlsx")
