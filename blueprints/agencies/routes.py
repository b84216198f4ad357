import io

from flask import abort, flash, redirect, render_template, request, send_file, session, url_for
from flask_login import current_user

import rules
from blueprints.pool.forms import ReasonForm
from blueprints.views import beside_field, errors_flashed, get_object_or_404, inline_answer, me
from core import search, uploads
from core.access import agency_only, public, staff_required
from core.bounds import year_in
from core.documents import XLSX_MIMETYPE, xlsx_table
from core.extensions import htmx, limiter
from core.identifiers import normalize_credit_code
from core.industries import industry_label
from core.pagination import chosen_sort
from models import (
    Agency,
    AgencyReport,
    AgencyStatus,
    CheckResult,
    Document,
    Engagement,
    EngagementPurpose,
    EngagementStatus,
    Rung,
    Subject,
    db,
    local_now,
)
from rules import Refused

from . import bp, matching, operations
from .forms import (
    AgencyCheckForm,
    AgencyRegistrationForm,
    CompleteForm,
    DeclarationForm,
    DeclineForm,
    DisqualifyForm,
    NoteForm,
    OnBehalfForm,
    ProposeForm,
    ReportForm,
)


def _today():
    return local_now().date()


def _errors(form):
    return "；".join(m for ms in form.errors.values() for m in ms)


# --- public registration -----------------------------------------------------------------------------------

@bp.route("/agencies/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@public
def agency_register():
    """An agency registers (第二十三、二十四条) with its counts, expertise and qualification documents."""
    form = AgencyRegistrationForm()
    if form.validate_on_submit():
        try:
            data, kind = uploads.read_checked(form.qualification.data)
        except uploads.UploadError as error:
            form.qualification.errors.append(str(error))
        else:
            try:
                agency = operations.register(form.profile_data(), username=form.username.data,
                                             password=form.password.data,
                                             declared=form.declaration.data)
                with db.atomic():
                    uploads.save(data, kind, form.qualification.data.filename, "agency", agency.id, purpose="资质证明")
            except Refused as error:
                form.credit_code.errors.append(str(error))
            else:
                session["registered_agency"] = agency.name
                return redirect(url_for("agencies.agency_registered"))
    return render_template("agencies/register.html", form=form, rules=rules)


@bp.route("/agencies/register/done")
@public
def agency_registered():
    """What happens after an agency registers."""
    return render_template("agencies/registered.html", name=session.pop("registered_agency", None))


# --- staff: the registry --------------------------------------------------------------------------------------

def _agency_filters(args):
    """The registry's filters from the URL: status, the search `q` (name or credit code) and the sort ("" for the
    default order, by status then name; an unknown value is the default)."""
    return {"status": args.get("status", ""), "q": search.query_text(args), "sort": chosen_sort(args, AGENCY_SORTS)}


AGENCY_SORTS = {"name": Agency.name, "-name": Agency.name.desc()}


def _agency_query(filters, default_order=(Agency.status, Agency.name)):
    """The agencies under `filters`. The search matches a part of the name, or of the credit code in any case (LIKE,
    its wildcards escaped by peewee); the code is also tried normalized (half-width, upper case, no dashes)."""
    sort = AGENCY_SORTS.get(filters["sort"])
    query = Agency.select().order_by(*((sort,) if sort is not None else default_order), Agency.id)
    if filters["status"]:
        query = query.where(Agency.status == filters["status"])
    if filters["q"]:
        text, code = filters["q"], normalize_credit_code(filters["q"])
        condition = Agency.name.contains(text) | Agency.credit_code.contains(text)
        if code and code != text:
            condition |= Agency.credit_code.contains(code)
        query = query.where(condition)
    return query


@bp.route("/agencies/")
@staff_required
def agency_list():
    """Every agency with its status, counts check, load and pass rate; searched by name or credit code."""
    filters = _agency_filters(request.args)
    agencies = list(_agency_query(filters))
    year = _today().year
    return render_template("agencies/list.html", agencies=agencies, status=filters["status"], filters=filters,
                           rates=operations.pass_rate(),
                           pass_rate_flag=rules.pass_rate_flag, year=year, **_year_load(year),
                           problems=operations.qualification_problems_for(agencies), today=_today())


def _year_load(year):
    """The load the match and batch pages count: {load: {agency_id: live engagements of the year}, capacity:
    {agency_id: the year's capacity staff set}} (matching.capacity_of gives the default for the rest)."""
    operations.expire_overdue(_today())  # an overdue invitation holds no slot
    return {"load": matching.load_by_agency(year), "capacity": matching.capacity_by_agency(year)}


@bp.route("/agencies/export")
@staff_required
def agency_export():
    """The agencies as .xlsx, as filtered and searched on the list (by name unless the list is sorted otherwise)."""
    query = _agency_query(_agency_filters(request.args), default_order=(Agency.name,))
    rates = operations.pass_rate()
    year = _today().year
    loads = _year_load(year)
    rows = [[a.name, a.credit_code, a.legal_representative, AgencyStatus.label_of(a.status), a.staff_mid_level,
             a.staff_senior, a.platform_registration_no, "、".join(industry_label(c) for c in a.industries),
             f"{loads['load'].get(a.id, 0)}/{matching.capacity_of(loads['capacity'], a.id)}",
             matching.pass_rate_text(*rates.get(a.id, (0, 0))), rates.get(a.id, (0, 0))[1],
             rules.pass_rate_flag(*rates.get(a.id, (0, 0))), a.disqualified_until or ""]
            for a in query]
    data = xlsx_table("第三方机构", ["名称", "统一社会信用代码", "法定代表人", "状态", "中级以上专职", "相关高级职称",
                                  "平台注册号", "擅长行业", f"{year}年度在办/容量", "评价通过率（通过/有结论）",
                                  "有结论的评价数", "通过率提示", "取消资格至"], rows)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name="第三方机构.xlsx")


@bp.route("/agencies/<int:agency_id>")
@staff_required
def agency_detail(agency_id):
    """One agency: the 第二十三条 checks beside its evidence, its engagements and pass rate, and the decisions."""
    return _detail_page(get_object_or_404(Agency, Agency.id == agency_id))


def _detail_page(agency, reason_form=None, disqualify_form=None):
    """The agency page; a decision posted with a wrong form comes back here with its errors beside the fields."""
    passed, total = operations.pass_rate([agency.id]).get(agency.id, (0, 0))
    outcomes, _ = operations.evaluation_outcomes([agency.id])
    return render_template(
        "agencies/detail.html", agency=agency, blocked=operations.blocked_reason(agency, _today()),
        documents=Document.of("agency", agency.id), engagements=agency.engagements.order_by(Engagement.id.desc()),
        passed=passed, total=total, rate_flag=rules.pass_rate_flag(passed, total), outcomes=outcomes,
        reports=agency.reports.order_by(AgencyReport.year.desc()),
        reason_form=reason_form or ReasonForm(formdata=None),
        disqualify_form=disqualify_form or DisqualifyForm(formdata=None, decided_on=_today()), today=_today(),
        **_qualification_context(agency))


def _qualification_context(agency):
    checks = operations.latest_checks(agency)
    return {"conditions": rules.AGENCY_CONDITIONS, "checks": checks,
            "problems": operations.qualification_problems(agency, checks), "rules": rules}


@bp.route("/agencies/<int:agency_id>/checks/<item_key>", methods=["POST"])
@staff_required
def agency_check(agency_id, item_key):
    """Record one 第二十三条 item inline (htmx: the row is re-rendered and the qualification panel refreshes)."""
    agency = get_object_or_404(Agency, Agency.id == agency_id)
    if item_key not in {key for key, _, _ in rules.AGENCY_CONDITIONS}:
        abort(404)
    form = AgencyCheckForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.record_check(agency, item_key, result=form.result.data, evidence=form.evidence.data, by=me())
        except Refused as refused:
            error = None if beside_field(form, refused) else str(refused)
    failed = error or _errors(form) or None

    def row():
        item = next(i for i in rules.AGENCY_CONDITIONS if i[0] == item_key)
        return render_template("agencies/_condition_row.html", agency=agency, item=item, error=error,
                               row_form=form if failed else None,
                               row=_qualification_context(agency)["checks"].get(item_key))

    return inline_answer(failed, url_for("agencies.agency_detail", agency_id=agency.id, _anchor="conditions"), row,
                         trigger="agency-checks-changed", done="已记录。")


@bp.app_template_global()
def agency_check_form(row=None):
    """The form of one 第二十三条 row, filled from the stored check `row`, never from what another form posted."""
    return AgencyCheckForm(formdata=None, obj=row, **({} if row else {"result": CheckResult.UNKNOWN.value}))


@bp.route("/agencies/<int:agency_id>/qualification")
@staff_required
def agency_qualification(agency_id):
    """The qualification verdict alone: refreshed whenever a check changes."""
    agency = get_object_or_404(Agency, Agency.id == agency_id)
    return render_template("agencies/_qualification.html", agency=agency, **_qualification_context(agency))


def _decision(agency_id, operation, message, **kwargs):
    agency = get_object_or_404(Agency, Agency.id == agency_id)
    try:
        operation(agency, **kwargs)
        flash(message, "success")
    except Refused as error:
        flash(str(error), "danger")
    return redirect(url_for("agencies.agency_detail", agency_id=agency.id))


@bp.route("/agencies/<int:agency_id>/approve", methods=["POST"])
@staff_required
def agency_approve(agency_id):
    """Recognise the agency (refused while the counts or the platform registration fall short)."""
    return _decision(agency_id, operations.approve, "已认可该机构。", by=me(), today=_today())


def _with_reason(agency_id, operation, message):
    form = ReasonForm()
    if not form.validate_on_submit():
        return _detail_page(get_object_or_404(Agency, Agency.id == agency_id), reason_form=form)
    return _decision(agency_id, operation, message, reason=form.reason.data, by=me())


@bp.route("/agencies/<int:agency_id>/reject", methods=["POST"])
@staff_required
def agency_reject(agency_id):
    """Refuse recognition with a reason the agency sees."""
    return _with_reason(agency_id, operations.reject, "已不予认可，理由已告知机构。")


@bp.route("/agencies/<int:agency_id>/suspend", methods=["POST"])
@staff_required
def agency_suspend(agency_id):
    """Suspend the agency until lifted."""
    return _with_reason(agency_id, operations.suspend, "已暂停该机构。")


@bp.route("/agencies/<int:agency_id>/lift", methods=["POST"])
@staff_required
def agency_lift(agency_id):
    """Lift a suspension."""
    return _decision(agency_id, operations.lift_suspension, "已恢复该机构。", by=me())


@bp.route("/agencies/<int:agency_id>/disqualify", methods=["POST"])
@staff_required
def agency_disqualify(agency_id):
    """第二十六条: disqualify; its reports are not accepted for three years from the decision."""
    form = DisqualifyForm()
    if not form.validate_on_submit():
        return _detail_page(get_object_or_404(Agency, Agency.id == agency_id), disqualify_form=form)
    return _decision(agency_id, operations.disqualify, "已取消该机构资格。", reason=form.reason.data,
                     decided_on=form.decided_on.data, by=me(), category=form.category.data)


def _next_rung(subject):
    """The rung an engagement for the subject most likely aims at: the one above where it stands."""
    ladder = list(rules.APPLICATION_RUNGS)
    above = [r for r in ladder if rules.rung_rank(r) > rules.rung_rank(subject.rung)]
    return above[0] if above else ladder[-1]


@bp.route("/agencies/match/<int:subject_id>", methods=["GET", "POST"])
@staff_required
def agency_match(subject_id):
    """Agencies ranked by fit for a subject for the engagement chosen on the page (purpose, rung, year: GET
    parameters, re-ranked by htmx), each row with its reasons and conflict marks; excluded agencies greyed with why.
    Choosing a row below the first, or a marked one, needs a reason, kept with the engagement."""
    subject = get_object_or_404(Subject, Subject.id == subject_id)
    today = _today()
    operations.expire_overdue(today)  # an overdue invitation holds no slot in the load shown
    purposes = {value for value, _ in EngagementPurpose.choices()}
    args = request.args
    form = ProposeForm(purpose=args.get("purpose") if args.get("purpose") in purposes else
                       EngagementPurpose.EVALUATION.value,
                       rung=args.get("rung") if args.get("rung") in rules.APPLICATION_RUNGS else _next_rung(subject),
                       year=year_in(args.get("year")) or today.year)
    chosen = None
    if form.validate_on_submit():
        chosen = form.agency_id.data
        agency = Agency.get_or_none(Agency.id == chosen)
        rows = matching.ranked_for(subject, form.purpose.data, form.rung.data, form.year.data, today)
        row = next((c for c in rows if agency and c.agency.id == agency.id), None)
        problem = matching.choice_problem(rows, chosen, form.choice_reason.data)
        if row is not None and row.offered and problem:  # a reason is needed: say so beside the field
            form.choice_reason.errors.append(problem)
        else:
            try:
                if agency is None:
                    raise Refused("请选择机构")
                engagement = operations.propose(subject, agency, purpose=form.purpose.data, rung=form.rung.data,
                                                year=form.year.data,
                                                by=me(), today=today, reason=form.choice_reason.data or "")
            except Refused as error:
                flash(str(error), "danger")
            else:
                flash(f"已向 {agency.name} 发出对接邀请，请其于 {engagement.reply_by} 前答复。"
                      + (f"注意：{engagement.warning}" if engagement.warning else ""),
                      "warning" if engagement.warning else "success")
                return redirect(url_for("agencies.agency_match", subject_id=subject.id, purpose=form.purpose.data,
                                        rung=form.rung.data, year=form.year.data))
    valid = not (form.purpose.errors or form.rung.errors or form.year.errors)
    purpose = form.purpose.data if valid else EngagementPurpose.EVALUATION.value
    rung = form.rung.data if valid else _next_rung(subject)
    year = form.year.data if valid else today.year
    rows = matching.ranked_for(subject, purpose, rung, year, today)
    context = {"subject": subject, "rows": rows, "recommended": matching.recommended_ids(rows), "form": form,
               "chosen": chosen, "purpose": purpose, "rung": rung, "year": year}
    if htmx and request.method == "GET":  # the engagement chosen above changed: the ranking alone
        return render_template("agencies/_match_results.html", **context)
    return render_template("agencies/match.html", engagements=Engagement.of_subject(subject), **context)


ENGAGEMENT_SORTS = {"name": Subject.name, "-name": Subject.name.desc()}


def _engagement_filters(args):
    """The engagement list's filters from the URL: status, year, the search `q` (the subject's name or credit code, or
    the agency's name) and the sort ("" for the default order; an unknown value is the default)."""
    status = args.get("status", "")
    return {"status": status if status in {s.value for s in EngagementStatus} else "", "year": year_in(args.get("year")),
            "q": search.query_text(args), "sort": chosen_sort(args, ENGAGEMENT_SORTS)}


def _engagement_query(filters, default_order):
    sort = ENGAGEMENT_SORTS.get(filters["sort"])
    engagements = (Engagement.select(Engagement, Agency, Subject).join(Agency).switch(Engagement).join(Subject)
                   .order_by(*((sort, Engagement.id.desc()) if sort is not None else default_order)))
    if filters["status"]:
        engagements = engagements.where(Engagement.status == filters["status"])
    if filters["year"]:
        engagements = engagements.where(Engagement.year == filters["year"])
    condition = search.subject_condition(filters["q"])
    if condition is not None:
        engagements = engagements.where(condition | Agency.name.contains(filters["q"]))
    return engagements


@bp.route("/agencies/engagements")
@staff_required
def engagement_list():
    """Every engagement, newest first, filtered by status and year: invitations waiting for the agency (with the
    reply-by day), engagements waiting for the enterprise's confirmation, declined, expired …"""
    return engagement_list_page(request.args)


def engagement_list_page(args, failed=None, on_behalf_form=None, back=None):
    """The list under the filters `args`; an on-behalf form posted with wrong input (`failed` the engagement, its
    bound form) comes back in its row with the message beside the field."""
    operations.expire_overdue(_today())
    filters = _engagement_filters(args)
    engagements = _engagement_query(filters, default_order=(Engagement.id.desc(),))
    return render_template("agencies/engagements.html", engagements=engagements, status=filters["status"],
                           year=filters["year"], filters=filters,
                           statuses=list(EngagementStatus), on_behalf_form=OnBehalfForm(formdata=None),
                           failed=failed, failed_form=on_behalf_form, back=back, outcomes=operations.evaluation_outcomes()[0])


@bp.route("/agencies/engagements/export")
@staff_required
def engagement_export():
    """The engagements as .xlsx, as filtered and searched on the list (the result column: the bureau's recorded
    outcome, operations.evaluation_outcomes)."""
    outcomes = operations.evaluation_outcomes()[0]
    query = _engagement_query(_engagement_filters(request.args), default_order=(Engagement.year.desc(), Engagement.id))
    rows = [[e.subject.name, e.subject.credit_code, e.agency.name, EngagementPurpose.label_of(e.purpose),
             Rung.label_of(e.rung), e.year, EngagementStatus.label_of(e.status),
             {True: "通过", False: "未通过"}.get(outcomes.get(e.id), ""),
             e.reply_by.isoformat() if e.reply_by else "", e.choice_reason, e.decline_reason, e.ended_reason, e.warning]
            for e in query]
    data = xlsx_table("对接", ["培育对象", "统一社会信用代码", "机构", "内容", "梯度", "年度", "状态", "评审/名单结论",
                             "答复期限", "选择理由", "谢绝理由", "终止理由", "提示"], rows)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name="机构对接.xlsx")


@bp.route("/agencies/reports")
@staff_required
def annual_reports():
    """第二十五条: who has filed the year's work report, and who has not."""
    year = year_in(request.args.get("year")) or local_now().year
    reports = AgencyReport.select(AgencyReport, Agency).join(Agency).where(AgencyReport.year == year)
    return render_template("agencies/reports.html", year=year, reports=reports,
                           missing=operations.missing_annual_reports(year))


# --- the agency's own workspace -------------------------------------------------------------------------------

def own_agency():
    if current_user.agency is None:
        abort(404)
    return current_user.agency


def own_engagement_or_404(engagement_id):
    return get_object_or_404(Engagement, Engagement.id == engagement_id, Engagement.agency == current_user.agency_id)


@bp.route("/agency/")
@agency_only
def workspace():
    """The agency's status and its engagements (only the subjects it is engaged with)."""
    return _workspace_page(own_agency())


def _workspace_page(agency, report_form=None, declaration_form=None):
    """The workspace; a form posted with wrong input comes back here with its errors beside the fields."""
    operations.expire_overdue(_today())
    return render_template("agencies/workspace.html", agency=agency,
                           blocked=operations.blocked_reason(agency, _today()),
                           stopped=agency.status in (AgencyStatus.SUSPENDED.value, AgencyStatus.DISQUALIFIED.value),
                           engagements=agency.engagements.order_by(Engagement.id.desc()),
                           reports=agency.reports.order_by(AgencyReport.year.desc()),
                           report_form=report_form or ReportForm(year=local_now().year), reason_form=ReasonForm(),
                           declaration_form=declaration_form or DeclarationForm())


@bp.route("/agency/declare", methods=["POST"])
@agency_only
def agency_declare():
    """第二十四条: an agency registered before the declaration was asked makes it."""
    agency = own_agency()
    form = DeclarationForm()
    if not form.validate_on_submit():
        if agency.declared_at is None:  # the declaration card is on the page
            return _workspace_page(agency, declaration_form=form)
        return errors_flashed(form, url_for("agencies.workspace"))
    try:
        operations.declare(agency, by=me())
        flash("已作出承诺。", "success")
    except Refused as error:
        flash(str(error), "danger")
    return redirect(url_for("agencies.workspace"))


@bp.route("/agency/engagements/<int:engagement_id>")
@agency_only
def workspace_engagement(engagement_id):
    """One engagement: the subject, the documents it shares, progress, the outcome and the evaluation report."""
    return _engagement_page(own_engagement_or_404(engagement_id))


def _engagement_page(engagement, decline_form=None, declaration_form=None, note_form=None, report_error=None):
    blocked = operations.blocked_reason(engagement.agency, _today())  # 第二十六条: a stopped agency sees no material
    shared = not blocked and engagement.status in (EngagementStatus.ACTIVE.value, EngagementStatus.COMPLETED.value)
    return render_template("agencies/engagement.html", engagement=engagement, subject=engagement.subject,
                           documents=Document.of("subject", engagement.subject_id) if shared else [],
                           reports=Document.of("engagement", engagement.id) if shared else [],
                           note_form=note_form or NoteForm(), report_error=report_error,
                           complete_form=CompleteForm(), reason_form=decline_form or DeclineForm(), blocked=blocked,
                           declaration_form=declaration_form or DeclarationForm(), today=_today())


def _engagement_action(engagement_id, operation, message, **kwargs):
    engagement = own_engagement_or_404(engagement_id)
    try:
        operation(engagement, **kwargs)
        flash(message, "success")
    except Refused as error:
        flash(str(error), "danger")
    return redirect(url_for("agencies.workspace_engagement", engagement_id=engagement.id))


@bp.route("/agency/engagements/<int:engagement_id>/accept", methods=["POST"])
@agency_only
def engagement_accept(engagement_id):
    """Accept a proposed engagement with the 第二十四条 declaration (the rules are checked again now). Without the
    declaration ticked, the page comes back with the message beside the checkbox, while it still offers accepting."""
    engagement = own_engagement_or_404(engagement_id)
    form = DeclarationForm()
    if (not form.validate_on_submit() and engagement.status == EngagementStatus.PROPOSED.value
            and not operations.blocked_reason(engagement.agency, _today())
            and not rules.invitation_overdue(engagement.reply_by, _today())):
        return _engagement_page(engagement, declaration_form=form)
    return _engagement_action(engagement_id, operations.accept, "已接受对接。", by=me(), today=_today(),
                              declared=bool(form.declaration.data))


@bp.route("/agency/engagements/<int:engagement_id>/decline", methods=["POST"])
@agency_only
def engagement_decline(engagement_id):
    """Decline an invitation with the reason staff read (required: the form comes back with it beside the field)."""
    engagement = own_engagement_or_404(engagement_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _engagement_page(engagement, decline_form=form)
    return _engagement_action(engagement_id, operations.decline, "已拒绝对接。", reason=form.reason.data, by=me())


@bp.route("/agency/engagements/<int:engagement_id>/note", methods=["POST"])
@agency_only
def engagement_note(engagement_id):
    """Record progress."""
    engagement = own_engagement_or_404(engagement_id)  # another agency's is not found, whatever the form holds
    form = NoteForm()
    if not form.validate_on_submit():
        if (engagement.status == EngagementStatus.ACTIVE.value
                and not operations.blocked_reason(engagement.agency, _today())):  # the form is on the page
            return _engagement_page(engagement, note_form=form)
        flash(_errors(form), "danger")
        return redirect(url_for("agencies.workspace_engagement", engagement_id=engagement.id))
    return _engagement_action(engagement_id, operations.add_note, "已记录。", text=form.text.data, by=me())


@bp.route("/agency/engagements/<int:engagement_id>/complete", methods=["POST"])
@agency_only
def engagement_complete(engagement_id):
    """Close the engagement (the agency records no result: see operations.pass_rate)."""
    own_engagement_or_404(engagement_id)
    form = CompleteForm()
    if not form.validate_on_submit():
        flash(_errors(form) or "请刷新页面后重试", "danger")
        return redirect(url_for("agencies.workspace_engagement", engagement_id=engagement_id))
    return _engagement_action(engagement_id, operations.complete, "对接已完成。", by=me(), today=_today())


@bp.route("/agency/engagements/<int:engagement_id>/report", methods=["POST"])
@agency_only
def engagement_report(engagement_id):
    """Upload the evaluation report (PDF/Word)."""
    engagement = own_engagement_or_404(engagement_id)
    try:
        operations.upload_report(engagement, request.files.get("file"), by=me(), today=_today())
    except Refused as error:  # the engagement or the agency does not allow it: the form is not on the page
        flash(f"上传失败：{error}", "danger")
        return redirect(url_for("agencies.workspace_engagement", engagement_id=engagement.id))
    except uploads.UploadError as error:
        return _engagement_page(engagement, report_error=f"上传失败：{error}")
    flash("评价报告已上传。", "success")
    return redirect(url_for("agencies.workspace_engagement", engagement_id=engagement.id))


@bp.route("/agency/annual-report", methods=["POST"])
@agency_only
def annual_report_submit():
    """第二十五条: upload the year's work report."""
    agency = own_agency()
    form = ReportForm()
    if form.validate_on_submit():
        try:
            operations.submit_annual_report(agency, form.year.data, file_storage=form.file.data, by=me())
        except uploads.UploadError as error:
            form.file.errors.append(f"上传失败：{error}")
        else:
            flash("年度工作报告已提交。", "success")
            return redirect(url_for("agencies.workspace"))
    return _workspace_page(agency, report_form=form)
