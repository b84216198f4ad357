import io

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from markupsafe import Markup

import rules
from blueprints import views
from blueprints.listing.forms import GreenCodeForm
from core import audit, search, settings, templating, uploads, versions
from core.access import staff_required
from core.documents import XLSX_MIMETYPE
from core.extensions import htmx
from core.pagination import chosen_sort, paginate
from models import (
    LADDER,
    AuditEvent,
    CheckResult,
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
    VetoResult,
    local_now,
)
from rules import Refused

from . import bp, operations, previews, rows, spreadsheet, writers
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
from .queries import filter_choices, filters_from, pool_query


@bp.route("/pool/")
@staff_required
def pool_list():
    """The cultivation pool: active search, filters, sorting and pagination, kept in the URL."""
    filters = filters_from(request.args)
    fragment = bool(htmx and not htmx.history_restore_request)

    def rendered(template, **context):
        return Markup(render_template(template, filters=filters, **context))  # noqa: S704 - escaped by the template

    def results():
        page = rows.pool_page(filters, per_page=current_app.config["PAGE_SIZE"])
        return rendered("pool/_results.html", page=page, badges=rows.BADGES, fragment=fragment)

    # rendered once for these arguments, then served again while the pool is unchanged (core/versions.py); the
    # whole page's part adds the filter bar (its choices and the districts setting) and the figures panel
    arguments = (request.script_root, tuple(request.args.items(multi=True)))
    if fragment:
        return versions.remembered("pool", ("pool/_results.html", *arguments), results)
    districts = tuple(settings.get("districts") or ())
    body = versions.remembered("pool", ("pool/_list_body.html", *arguments, districts), lambda: rendered(
        "pool/_list_body.html", results=results(), pool_figures=pool_figures, **filter_choices()))
    return render_template("pool/list.html", body=body)


@bp.route("/pool/export")
@staff_required
def pool_export():
    """Exactly the filtered rows of the pool list, as .xlsx."""
    filters = filters_from(request.args)
    data = writers.build_pool_xlsx(pool_query(filters))
    audit.record("pool.export", object_type="pool", details={"filters": {k: v for k, v in filters.items() if v}})
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"培育库-{local_now():%Y%m%d}.xlsx")


@bp.route("/pool/template")
@staff_required
def pool_template():
    """The empty import template: the same columns as the export."""
    return send_file(io.BytesIO(writers.build_template_xlsx()), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name="培育库导入模板.xlsx")


def _import_page(**context):
    return render_template("pool/import.html", park_min_share=rules.PARK_MIN_VALUE_ADDED_SHARE, **context)


@bp.route("/pool/import", methods=["GET", "POST"])
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


@bp.route("/pool/import/confirm", methods=["POST"])
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
            created, updated = spreadsheet.apply_import(plan, views.me())
    except previews.Busy:
        flash("该导入正在写入（重复点击），请稍后在培育库中查看结果。", "info")
        return redirect(url_for("pool.pool_list"))
    flash(f"导入完成：新增 {created} 个，更新 {updated} 个，未变化 {plan.count('unchanged')} 个。", "success")
    if plan.not_pooled:
        flash(f"其中 {len(plan.not_pooled)} 个对象为待审核的意向登记，须完成第六至八条入库条件和第十五条否决项核查后"
              "方可纳入培育库。", "info")
    return redirect(url_for("pool.pool_list"))


REGISTRATION_SORTS = {"name": Subject.name, "-name": Subject.name.desc()}


@bp.route("/pool/registrations")
@staff_required
def registrations():
    """Registrations waiting for the bureau's decision, oldest first (or by name), searched by name or credit code."""
    filters = {"q": search.query_text(request.args), "sort": chosen_sort(request.args, REGISTRATION_SORTS)}
    sort = REGISTRATION_SORTS.get(filters["sort"])
    query = (Subject.select()
             .where(Subject.status.in_([SubjectStatus.PENDING.value, SubjectStatus.INFO_REQUESTED.value]))
             .order_by(*((sort,) if sort is not None else (Subject.created_at,)), Subject.id))
    condition = search.subject_condition(filters["q"])
    if condition is not None:
        query = query.where(condition)
    return render_template("pool/registrations.html", page=paginate(query), filters=filters)


@bp.route("/pool/subjects/new", methods=["GET", "POST"])
@staff_required
def subject_new():
    """Staff record a subject's interest on its behalf (no account is created)."""
    form = SubjectForm()
    if form.validate_on_submit():
        try:
            subject, _ = operations.register(form.profile_data(), username=None, password=None,
                                             source=SubjectSource.STAFF.value,
                                             by=views.me())
        except Refused as error:
            form.credit_code.errors.append(str(error))
        else:
            flash("已登记，请完成入库条件和否决项核查。", "success")
            return redirect(url_for("pool.subject_detail", subject_id=subject.id))
    return render_template("pool/subject_form.html", form=form, subject=None)


def _admit_form(subject):
    """The admit form, starting from what the import row asked for a registration that came in by import."""
    form = AdmitForm(formdata=None, year_admitted=local_now().year)
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
    eligibility, veto = checks = operations.latest_checks(subject)
    return {
        "eligibility_items": rules.eligibility_items(subject.kind),
        "veto_items": rules.VETO_CONDITIONS,
        "eligibility": eligibility,
        "veto": veto,
        "problems": operations.admission_problems(subject, checks),
        "priority_keys": rules.PRIORITY_ITEMS.get(subject.kind, {}),  # 第七条第三项: markers, not entry conditions
        "markers": rules.priority_markers(subject.kind, {k: r.result for k, r in eligibility.items()}),
        "today": local_now().date(),
        "veto_counts": {k: rules.veto_hit_counts(operations.veto_fact(r)) for k, r in veto.items()},  # 近三年
    }


def check_form(kind, row=None):
    """The form of one check row ("eligibility" or "veto"), filled from the stored check `row` (or the defaults of an
    unchecked item), never from what another form posted."""
    if kind == "veto":
        defaults = {} if row else {"result": VetoResult.UNKNOWN.value, "checked_on": local_now().date()}
        return VetoItemForm(formdata=None, obj=row, **defaults)
    return EligibilityItemForm(formdata=None, obj=row, **({} if row else {"result": CheckResult.UNKNOWN.value}))


@bp.app_template_global()
def check_row_form(kind, key, row, row_form, error, editing):
    """The form a check row shows, or None when the row reads as its record: recorded, nothing wrong with what was
    last posted, and not opened by 修改 (`editing`, the row's id)."""
    if row and not row_form and not error and editing != f"{kind}-{key}":
        return None
    return row_form or check_form(kind, row)


@bp.route("/pool/subjects/<int:subject_id>")
@staff_required
def subject_detail(subject_id):
    """The subject page: profile, ladder, applicable standard, checks, decisions, documents and timeline."""
    return subject_page(views.get_object_or_404(Subject, Subject.id == subject_id))


def subject_page(subject, admit_form=None, reason_form=None, status_form=None, green_form=None, upload_form=None):
    """The subject page; a form posted on it with wrong input comes back here bound, its errors beside the fields."""
    entry = PoolEntry.get_or_none(PoolEntry.subject == subject)
    timeline = list(AuditEvent.for_object("subject", subject.id).limit(100))
    templating.look_up_names(event.username for event in timeline)
    if status_form is None and entry is not None:
        status_form = PoolStatusForm(formdata=None, obj=entry, owner=str(entry.owner_id or ""))
    return render_template(
        "pool/subject.html", subject=subject, entry=entry, ladder=LADDER,
        standard=rules.applicable_standard(subject.kind, subject.industry_code),
        messages=subject.messages.order_by(SubjectMessage.id), documents=Document.of("subject", subject.id, withdrawn=True),
        timeline=timeline,
        # the admission panel's forms: only a registration awaiting the decision shows them
        admit_form=admit_form or (_admit_form(subject) if subject.awaits_decision else None),
        reason_form=reason_form or ReasonForm(formdata=None),
        status_form=status_form,
        upload_form=upload_form or UploadForm(formdata=None), listings=subject.listings.order_by(Listing.year.desc()),
        recommendation=Recommendation.signed_for(subject), engagements=Engagement.of_subject(subject),
        green_form=green_form or GreenCodeForm(formdata=None, grade=subject.green_code_grade,
                                               year=subject.green_code_year),
        removal_review=operations.removal_review(subject), editing=request.args.get("edit"),  # a check row's 修改
        **_members_context(subject), **_checks_context(subject))


@bp.route("/pool/subjects/<int:subject_id>/edit", methods=["GET", "POST"])
@staff_required
def subject_edit(subject_id):
    """Staff edit a subject's profile."""
    subject = views.get_object_or_404(Subject, Subject.id == subject_id)
    form = SubjectForm(obj=subject)
    if form.validate_on_submit():
        try:
            changes = operations.update_profile(subject, form.profile_data(), by=views.me())
        except Refused as error:
            form.credit_code.errors.append(str(error))
        else:
            flash(f"已保存（{len(changes)} 项修改）。" if changes else "没有修改。", "success")
            return redirect(url_for("pool.subject_detail", subject_id=subject.id))
    return render_template("pool/subject_form.html", form=form, subject=subject)


@bp.route("/pool/subjects/<int:subject_id>/eligibility/<item_key>", methods=["GET", "POST"])
@staff_required
def eligibility_record(subject_id, item_key):
    """Record one 第六/七/八条 item inline (htmx: the row and the admission panel are re-rendered)."""
    subject = views.get_object_or_404(Subject, Subject.id == subject_id)
    items = {key: (article, text) for key, article, text in rules.eligibility_items(subject.kind)}
    if item_key not in items:
        abort(404)
    if request.method == "GET":
        return _check_form_row(subject, "eligibility", item_key)
    form = EligibilityItemForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.record_eligibility(subject, item_key, result=form.result.data, evidence=form.evidence.data,
                                          by=views.me())
        except Refused as refused:
            error = None if views.beside_field(form, refused) else str(refused)
    return _check_response(subject, "eligibility", item_key, form, error)


@bp.route("/pool/subjects/<int:subject_id>/veto/<condition_key>", methods=["GET", "POST"])
@staff_required
def veto_record(subject_id, condition_key):
    """Record one 第十五条 veto condition check inline."""
    subject = views.get_object_or_404(Subject, Subject.id == subject_id)
    if condition_key not in {key for key, _, _ in rules.VETO_CONDITIONS}:
        abort(404)
    if request.method == "GET":
        return _check_form_row(subject, "veto", condition_key)
    form = VetoItemForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.record_veto(subject, condition_key, result=form.result.data, source=form.source.data,
                                   checked_on=form.checked_on.data,
                                   evidence=form.evidence.data, by=views.me(), event_on=form.event_on.data)
        except Refused as refused:
            error = None if views.beside_field(form, refused) else str(refused)
    return _check_response(subject, "veto", condition_key, form, error)


def _check_row(subject, which, key, **context):
    checks = _checks_context(subject)
    items = checks["eligibility_items"] if which == "eligibility" else checks["veto_items"]
    item = next(i for i in items if i[0] == key)
    return render_template(f"pool/_{which}_row.html", subject=subject, item=item, row=checks[which].get(key),
                           **checks, **context)


def _check_form_row(subject, which, key):
    """修改 on a recorded check: its form in place of the record (htmx), or the page with that row's form open;
    ?read=1 (取消) the record again."""
    dom_id = f"{which}-{key}"
    if not htmx:
        return redirect(url_for("pool.subject_detail", subject_id=subject.id, _anchor=dom_id,
                                **({} if request.args.get("read") else {"edit": dom_id})))
    return _check_row(subject, which, key, editing=None if request.args.get("read") else dom_id, error=None,
                      row_form=None)


def _check_response(subject, which, key, form, error=None):
    """The row after recording a check: `form` the posted form (its messages beside its fields, what was typed kept
    when anything was wrong), `error` a refusal about no one field (under the row)."""
    failed = error or "；".join(m for messages in form.errors.values() for m in messages) or None

    return views.inline_answer(failed, url_for("pool.subject_detail", subject_id=subject.id, _anchor="checks"),
                               lambda: _check_row(subject, which, key, error=error, row_form=form if failed else None),
                               trigger="checks-changed", done="已记录。")


@bp.route("/pool/subjects/<int:subject_id>/admission")
@staff_required
def admission_panel(subject_id):
    """The admission panel alone: refreshed whenever a check changes."""
    subject = views.get_object_or_404(Subject, Subject.id == subject_id)
    return render_template("pool/_admission.html", subject=subject, admit_form=_admit_form(subject),
                           reason_form=ReasonForm(), entry=PoolEntry.get_or_none(PoolEntry.subject == subject),
                           **_checks_context(subject))


@bp.route("/pool/subjects/<int:subject_id>/admit", methods=["POST"])
@staff_required
def subject_admit(subject_id):
    """Admit the registration into the pool when every check allows it."""
    subject = views.get_object_or_404(Subject, Subject.id == subject_id)
    form = AdmitForm()
    if form.validate_on_submit():
        owner = User.get_or_none(User.id == int(form.owner.data)) if form.owner.data else None
        try:
            operations.admit(subject, year_admitted=form.year_admitted.data, potential=form.potential.data, owner=owner,
                             by=views.me())
            flash(f"{subject.name} 已纳入培育库。", "success")
        except Refused as error:
            if views.beside_field(form, error):
                return subject_page(subject, admit_form=form)
            flash(str(error), "danger")  # a rule of the whole registration: the panel lists what is missing
    elif subject.awaits_decision:
        return subject_page(subject, admit_form=form)
    else:
        return views.errors_flashed(form, url_for("pool.subject_detail", subject_id=subject.id))
    return redirect(url_for("pool.subject_detail", subject_id=subject.id))


def _decision(subject_id, operation, done_message):
    subject = views.get_object_or_404(Subject, Subject.id == subject_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            operation(subject, form.reason.data, by=views.me())
            flash(done_message, "success")
        except Refused as error:
            flash(str(error), "danger")  # the registration is no longer waiting: no field to show it beside
    elif subject.awaits_decision:
        return subject_page(subject, reason_form=form)
    else:
        return views.errors_flashed(form, url_for("pool.subject_detail", subject_id=subject.id))
    return redirect(url_for("pool.subject_detail", subject_id=subject.id))


@bp.route("/pool/subjects/<int:subject_id>/request-info", methods=["POST"])
@staff_required
def subject_request_info(subject_id):
    """Ask the registrant for more information."""
    return _decision(subject_id, operations.request_info, "已发出补充材料要求，企业登录后可见。")


@bp.route("/pool/subjects/<int:subject_id>/decline", methods=["POST"])
@staff_required
def subject_decline(subject_id):
    """Decline the registration with a reason the registrant sees."""
    return _decision(subject_id, operations.decline, "已不予受理，理由已告知企业。")


@bp.route("/pool/subjects/<int:subject_id>/pool-status", methods=["POST"])
@staff_required
def subject_pool_status(subject_id):
    """Change the pool entry's status, potential or owner."""
    subject = views.get_object_or_404(Subject, Subject.id == subject_id)
    entry = PoolEntry.get_or_none(PoolEntry.subject == subject)
    if entry is None:
        abort(404)
    form = PoolStatusForm()
    if form.validate_on_submit():
        owner = User.get_or_none(User.id == int(form.owner.data)) if form.owner.data else None
        try:
            changed = operations.change_pool_status(entry, status=form.status.data, potential=form.potential.data,
                                                    owner=owner,
                                                    reason=form.reason.data, by=views.me())
            flash("培育状态已更新。" if changed else "没有修改。", "success")
        except Refused as error:
            views.beside_field(form, error, fallback="reason")
            return subject_page(subject, status_form=form)
    else:
        return subject_page(subject, status_form=form)
    return redirect(url_for("pool.subject_detail", subject_id=subject.id))


@bp.route("/pool/subjects/<int:subject_id>/documents", methods=["POST"])
@staff_required
def subject_upload(subject_id):
    """Attach a document to the subject."""
    subject = views.get_object_or_404(Subject, Subject.id == subject_id)
    failed = views.upload_posted_document(subject)
    if failed is not None:
        return subject_page(subject, upload_form=failed)
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
    return views.inline_answer(error, url_for("pool.subject_detail", subject_id=subject.id, _anchor="park-members"),
                               lambda: render_template("pool/_park_members.html", subject=subject,
                                                       today=local_now().date(), **_members_context(subject, form, error)),
                               trigger="members-changed")


@bp.route("/pool/subjects/<int:subject_id>/members", methods=["POST"])
@staff_required
def member_add(subject_id):
    """Add an enterprise to the park (htmx: the members card comes back, with any error beside the form)."""
    subject = views.get_object_or_404(Subject, Subject.id == subject_id)
    if subject.kind != "park":
        abort(404)
    form = MemberForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.add_member(subject, form.credit_code.data, name=form.name.data,
                                  by=views.me())
            form = None
        except Refused as refused:
            error = str(refused)
    else:
        error = "；".join(m for messages in form.errors.values() for m in messages)
    return _members_response(subject, form, error)


@bp.route("/pool/members/<int:member_id>/end", methods=["POST"])
@staff_required
def member_end(member_id):
    """An enterprise leaves the park: an end date, never a deletion."""
    membership = views.get_object_or_404(ParkMember, ParkMember.id == member_id)
    subject = membership.park
    form = MemberEndForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.end_member(membership, ended_on=form.ended_on.data, reason=form.reason.data,
                                  by=views.me())
        except Refused as refused:
            error = str(refused)
    else:
        error = "；".join(m for messages in form.errors.values() for m in messages)
    return _members_response(subject, None, error)
