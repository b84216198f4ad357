import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_htmx import make_response as htmx_response
from flask_login import current_user

import rules
from blueprints import views
from blueprints.listing.forms import GreenCodeForm
from core import audit, uploads
from core.access import staff_required
from core.documents import XLSX_MIMETYPE
from core.extensions import htmx
from core.industries import INDUSTRIES
from core.pagination import paginate
from models import (
    LADDER,
    AuditEvent,
    Document,
    Engagement,
    Listing,
    ParkMember,
    PoolEntry,
    Recommendation,
    Subject,
    SubjectMessage,
    SubjectSource,
    SubjectStatus,
    User,
    local_now,
)
from rules import Refused

from . import bp, operations, previews, spreadsheet
from .figures import pool_figures
from .forms import (
    AdmitForm,
    EligibilityItemForm,
    ImportForm,
    MemberEndForm,
    MemberForm,
    PoolStatusForm,
    ReasonForm,
    SubjectForm,
    UploadForm,
    VetoItemForm,
)
from .listing import filters_from, pool_query


def subject_or_404(subject_id):
    subject = Subject.get_or_none(Subject.id == subject_id)
    if subject is None:
        abort(404)
    return subject


def _fragment_or_page(fragment_template, page_template, **context):
    """The fragment alone for an htmx request, the whole page otherwise (and on history restore)."""
    template = fragment_template if htmx and not htmx.history_restore_request else page_template
    return render_template(template, **context)


@bp.route("/")
@staff_required
def pool_list():
    """The cultivation pool: active search, filters, sorting and pagination, kept in the URL."""
    filters = filters_from(request.args)
    page = paginate(pool_query(filters), per_page=current_app.config["PAGE_SIZE"])
    return _fragment_or_page("pool/_results.html", "pool/list.html", page=page, filters=filters,
                             pool_figures=pool_figures,  # called by the page only: the whole pool, not the filtered rows
                             staff=list(User.staff_members()), industries=INDUSTRIES,
                             years=[y for (y,) in PoolEntry.select(PoolEntry.year_admitted).distinct()
                                    .order_by(PoolEntry.year_admitted.desc()).tuples()])


@bp.route("/export")
@staff_required
def pool_export():
    """Exactly the filtered rows of the pool list, as .xlsx."""
    filters = filters_from(request.args)
    data = spreadsheet.export_xlsx(pool_query(filters))
    audit.record("pool.export", object_type="pool", details={"filters": {k: v for k, v in filters.items() if v}})
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"培育库-{local_now():%Y%m%d}.xlsx")


@bp.route("/template")
@staff_required
def pool_template():
    """The empty import template: the same columns as the export."""
    return send_file(io.BytesIO(spreadsheet.template_xlsx()), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name="培育库导入模板.xlsx")


def _import_page(**context):
    return render_template("pool/import.html", park_min_share=rules.PARK_MIN_VALUE_ADDED_SHARE, **context)


@bp.route("/import", methods=["GET", "POST"])
@staff_required
def pool_import():
    """Upload a filled template and see, row by row, what would be created or updated, and every error."""
    form = ImportForm()
    if form.validate_on_submit():
        try:
            data, _ = uploads.read_checked(form.file.data, kinds=("xlsx",))
        except uploads.UploadError as error:
            form.file.errors.append(str(error))
            return _import_page(form=form, plan=None)
        plan = spreadsheet.plan_import(io.BytesIO(data))
        token = previews.keep(data) if plan.ok else None
        return _import_page(form=form, plan=plan, token=token)
    return _import_page(form=form, plan=None)


@bp.route("/import/confirm", methods=["POST"])
@staff_required
def pool_import_confirm():
    """Write a previewed import, all or nothing (the file is checked again)."""
    try:
        with previews.confirming(request.form.get("token", "")) as data:
            if data is None:
                flash("导入预览已失效（已导入、超过一天未确认或链接有误），请重新上传文件。", "warning")
                return redirect(url_for("pool.pool_import"))
            plan = spreadsheet.plan_import(io.BytesIO(data))
            if not plan.ok:
                flash("数据已变化，导入文件现有错误，未写入任何数据。请重新上传。", "danger")
                return redirect(url_for("pool.pool_import"))
            created, updated = spreadsheet.apply_import(plan, current_user._get_current_object())
    except previews.Busy:
        flash("该导入正在写入（重复点击），请稍后在培育库中查看结果。", "info")
        return redirect(url_for("pool.pool_list"))
    flash(f"导入完成：新增 {created} 个，更新 {updated} 个，未变化 {plan.count('unchanged')} 个。", "success")
    if plan.not_pooled:
        flash(f"其中 {len(plan.not_pooled)} 个对象为待审核的意向登记，须完成第六至八条入库条件和第十五条否决项核查后"
              "方可纳入培育库。", "info")
    return redirect(url_for("pool.pool_list"))


@bp.route("/registrations")
@staff_required
def registrations():
    """Registrations waiting for the bureau's decision, oldest first."""
    query = (Subject.select()
             .where(Subject.status.in_([SubjectStatus.PENDING.value, SubjectStatus.INFO_REQUESTED.value]))
             .order_by(Subject.created_at, Subject.id))
    return render_template("pool/registrations.html", page=paginate(query))


@bp.route("/subjects/new", methods=["GET", "POST"])
@staff_required
def subject_new():
    """Staff record a subject's interest on its behalf (no account is created)."""
    form = SubjectForm()
    if form.validate_on_submit():
        try:
            subject, _ = operations.register(form.profile_data(), None, None, source=SubjectSource.STAFF.value,
                                             by=current_user._get_current_object())
        except Refused as error:
            form.credit_code.errors.append(str(error))
        else:
            flash("已登记，请完成入库条件和否决项核查。", "success")
            return redirect(url_for("pool.subject_detail", subject_id=subject.id))
    return render_template("pool/subject_form.html", form=form, subject=None)


def _admit_form(subject):
    """The admit form, starting from what the import row asked for a registration that came in by import."""
    form = AdmitForm(year_admitted=local_now().year)
    if subject.source == SubjectSource.IMPORT.value and subject.status != SubjectStatus.ADMITTED.value:
        event = (AuditEvent.for_object("subject", subject.id).where(AuditEvent.action == "subject.register").first())
        asked = event.details_dict.get("pool") if event else None
        if isinstance(asked, dict):
            form.year_admitted.data = asked.get("year_admitted") or form.year_admitted.data
            if asked.get("potential") in dict(form.potential.choices):
                form.potential.data = asked["potential"]
            if str(asked.get("owner_id") or "") in dict(form.owner.choices):
                form.owner.data = str(asked.get("owner_id") or "")
    return form


def _checks_context(subject):
    eligibility, veto = operations.latest_checks(subject)
    return {
        "eligibility_items": rules.eligibility_items(subject.kind),
        "veto_items": rules.VETO_CONDITIONS,
        "eligibility": eligibility,
        "veto": veto,
        "problems": operations.admission_problems(subject),
        "priority_keys": rules.PRIORITY_ITEMS.get(subject.kind, {}),  # 第七条第三项: markers, not entry conditions
        "markers": rules.priority_markers(subject.kind, {k: r.result for k, r in eligibility.items()}),
        "veto_sources": rules.VETO_SOURCES,
        "today": local_now().date(),
        "veto_counts": {k: rules.veto_hit_counts(operations.veto_fact(r)) for k, r in veto.items()},  # 近三年
    }


@bp.route("/subjects/<int:subject_id>")
@staff_required
def subject_detail(subject_id):
    """The subject page: profile, ladder, applicable standard, checks, decisions, documents and timeline."""
    subject = subject_or_404(subject_id)
    entry = PoolEntry.get_or_none(PoolEntry.subject == subject)
    return render_template(
        "pool/subject.html", subject=subject, entry=entry, ladder=LADDER,
        standard=rules.applicable_standard(subject.kind, subject.industry_code),
        messages=subject.messages.order_by(SubjectMessage.id), documents=Document.of("subject", subject.id),
        timeline=AuditEvent.for_object("subject", subject.id).limit(100),
        admit_form=_admit_form(subject), reason_form=ReasonForm(),
        status_form=PoolStatusForm(obj=entry, owner=str(entry.owner_id or "")) if entry else None,
        upload_form=UploadForm(), listings=subject.listings.order_by(Listing.year.desc()),
        recommendation=Recommendation.signed_for(subject), engagements=Engagement.of_subject(subject),
        green_form=GreenCodeForm(grade=subject.green_code_grade, year=subject.green_code_year),
        removal_review=operations.removal_review(subject), **_members_context(subject), **_checks_context(subject))


@bp.route("/subjects/<int:subject_id>/edit", methods=["GET", "POST"])
@staff_required
def subject_edit(subject_id):
    """Staff edit a subject's profile."""
    subject = subject_or_404(subject_id)
    form = SubjectForm(obj=subject)
    if form.validate_on_submit():
        try:
            changes = operations.update_profile(subject, form.profile_data(), current_user._get_current_object())
        except Refused as error:
            form.credit_code.errors.append(str(error))
        else:
            flash(f"已保存（{len(changes)} 项修改）。" if changes else "没有修改。", "success")
            return redirect(url_for("pool.subject_detail", subject_id=subject.id))
    return render_template("pool/subject_form.html", form=form, subject=subject)


@bp.route("/subjects/<int:subject_id>/eligibility/<item_key>", methods=["POST"])
@staff_required
def eligibility_record(subject_id, item_key):
    """Record one 第六/七/八条 item inline (htmx: the row and the admission panel are re-rendered)."""
    subject = subject_or_404(subject_id)
    items = {key: (article, text) for key, article, text in rules.eligibility_items(subject.kind)}
    if item_key not in items:
        abort(404)
    form = EligibilityItemForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.record_eligibility(subject, item_key, form.result.data, form.evidence.data,
                                          current_user._get_current_object())
        except Refused as refused:
            error = str(refused)
    else:
        error = "；".join(m for messages in form.errors.values() for m in messages)
    return _check_response(subject, "eligibility", item_key, error)


@bp.route("/subjects/<int:subject_id>/veto/<condition_key>", methods=["POST"])
@staff_required
def veto_record(subject_id, condition_key):
    """Record one 第十五条 veto condition check inline."""
    subject = subject_or_404(subject_id)
    if condition_key not in {key for key, _, _ in rules.VETO_CONDITIONS}:
        abort(404)
    form = VetoItemForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.record_veto(subject, condition_key, form.result.data, form.source.data, form.checked_on.data,
                                   form.evidence.data, current_user._get_current_object(), event_on=form.event_on.data)
        except Refused as refused:
            error = str(refused)
    else:
        error = "；".join(m for messages in form.errors.values() for m in messages)
    return _check_response(subject, "veto", condition_key, error)


def _check_response(subject, which, key, error):
    if not htmx:
        flash(error or "已记录。", "danger" if error else "success")
        return redirect(url_for("pool.subject_detail", subject_id=subject.id, _anchor="checks"))
    context = _checks_context(subject)
    items = context["eligibility_items"] if which == "eligibility" else context["veto_items"]
    item = next(i for i in items if i[0] == key)
    body = render_template(f"pool/_{which}_row.html", subject=subject, item=item, row=context[which].get(key),
                           error=error, **context)
    return htmx_response(body, trigger=None if error else "checks-changed")


@bp.route("/subjects/<int:subject_id>/admission")
@staff_required
def admission_panel(subject_id):
    """The admission panel alone: refreshed whenever a check changes."""
    subject = subject_or_404(subject_id)
    return render_template("pool/_admission.html", subject=subject, admit_form=_admit_form(subject),
                           reason_form=ReasonForm(), entry=PoolEntry.get_or_none(PoolEntry.subject == subject),
                           **_checks_context(subject))


@bp.route("/subjects/<int:subject_id>/admit", methods=["POST"])
@staff_required
def subject_admit(subject_id):
    """Admit the registration into the pool when every check allows it."""
    subject = subject_or_404(subject_id)
    form = AdmitForm()
    if form.validate_on_submit():
        owner = User.get_or_none(User.id == int(form.owner.data)) if form.owner.data else None
        try:
            operations.admit(subject, form.year_admitted.data, form.potential.data, owner,
                             current_user._get_current_object())
            flash(f"{subject.name} 已纳入培育库。", "success")
        except Refused as error:
            flash(str(error), "danger")
    else:
        flash("；".join(m for messages in form.errors.values() for m in messages), "danger")
    return redirect(url_for("pool.subject_detail", subject_id=subject.id))


def _decision(subject_id, operation, done_message):
    subject = subject_or_404(subject_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            operation(subject, form.reason.data, current_user._get_current_object())
            flash(done_message, "success")
        except Refused as error:
            flash(str(error), "danger")
    else:
        flash("请填写说明。", "danger")
    return redirect(url_for("pool.subject_detail", subject_id=subject.id))


@bp.route("/subjects/<int:subject_id>/request-info", methods=["POST"])
@staff_required
def subject_request_info(subject_id):
    """Ask the registrant for more information."""
    return _decision(subject_id, operations.request_info, "已发出补充材料要求，企业登录后可见。")


@bp.route("/subjects/<int:subject_id>/decline", methods=["POST"])
@staff_required
def subject_decline(subject_id):
    """Decline the registration with a reason the registrant sees."""
    return _decision(subject_id, operations.decline, "已不予受理，理由已告知企业。")


@bp.route("/subjects/<int:subject_id>/pool-status", methods=["POST"])
@staff_required
def subject_pool_status(subject_id):
    """Change the pool entry's status, potential or owner."""
    subject = subject_or_404(subject_id)
    entry = PoolEntry.get_or_none(PoolEntry.subject == subject)
    if entry is None:
        abort(404)
    form = PoolStatusForm()
    if form.validate_on_submit():
        owner = User.get_or_none(User.id == int(form.owner.data)) if form.owner.data else None
        try:
            changed = operations.change_pool_status(entry, form.status.data, form.potential.data, owner,
                                                    form.reason.data, current_user._get_current_object())
            flash("培育状态已更新。" if changed else "没有修改。", "success")
        except Refused as error:
            flash(str(error), "danger")
    else:
        flash("；".join(m for messages in form.errors.values() for m in messages), "danger")
    return redirect(url_for("pool.subject_detail", subject_id=subject.id))


@bp.route("/subjects/<int:subject_id>/documents", methods=["POST"])
@staff_required
def subject_upload(subject_id):
    """Attach a document to the subject."""
    subject = subject_or_404(subject_id)
    views.upload_posted_document(subject)
    return redirect(url_for("pool.subject_detail", subject_id=subject.id, _anchor="documents"))


# --- a park's member enterprises (第十五条：园区（含园区内企业）) ---------------------------------------------------

def _members_context(subject, form=None, error=None):
    if subject.kind != "park":
        return {"members": None}
    members = list(ParkMember.current(subject))
    hits = {}
    for fact in operations.member_veto_facts(subject):
        if fact.result == "hit":
            hits.setdefault(fact.member, []).append((fact, rules.veto_hit_counts(fact)))
    former = (ParkMember.select().where(ParkMember.park == subject, ParkMember.ended_on.is_null(False))
              .order_by(ParkMember.ended_on.desc(), ParkMember.id.desc()))
    return {"members": members, "member_hits": hits, "former_members": list(former),
            "member_form": form or MemberForm(), "member_error": error, "end_form": MemberEndForm(),
            "veto_text": {key: (article, text) for key, article, text in rules.VETO_CONDITIONS}}


def _members_response(subject, form=None, error=None):
    if not htmx:
        flash(error or "已保存。", "danger" if error else "success")
        return redirect(url_for("pool.subject_detail", subject_id=subject.id, _anchor="park-members"))
    body = render_template("pool/_park_members.html", subject=subject, today=local_now().date(),
                           **_members_context(subject, form, error))
    return htmx_response(body, trigger=None if error else "members-changed")


@bp.route("/subjects/<int:subject_id>/members", methods=["POST"])
@staff_required
def member_add(subject_id):
    """Add an enterprise to the park (htmx: the members card comes back, with any error beside the form)."""
    subject = subject_or_404(subject_id)
    if subject.kind != "park":
        abort(404)
    form = MemberForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.add_member(subject, form.credit_code.data, form.name.data,
                                  current_user._get_current_object())
            form = None
        except Refused as refused:
            error = str(refused)
    else:
        error = "；".join(m for messages in form.errors.values() for m in messages)
    return _members_response(subject, form, error)


@bp.route("/members/<int:member_id>/end", methods=["POST"])
@staff_required
def member_end(member_id):
    """An enterprise leaves the park: an end date, never a deletion."""
    membership = ParkMember.get_or_none(ParkMember.id == member_id)
    if membership is None:
        abort(404)
    subject = membership.park
    form = MemberEndForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.end_member(membership, form.ended_on.data, form.reason.data,
                                  current_user._get_current_object())
        except Refused as refused:
            error = str(refused)
    else:
        error = "；".join(m for messages in form.errors.values() for m in messages)
    return _members_response(subject, None, error)
