import io
import json
from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from peewee import JOIN

import rules
from blueprints.views import get_object_or_404, me
from core import audit, document_numbers, settings, uploads
from core.access import enterprise_only, own_subject, public, staff_required
from core.bounds import int_in, year_in
from core.documents import DOCX_MIMETYPE, XLSX_MIMETYPE, safe_filename, xlsx_table
from core.enums import ComplaintOutcome, IncidentKind, SpotCheckMethod
from core.extensions import limiter
from core.templating import format_datetime, mask_contact, mask_name
from models import (
    Agency,
    AgencyStatus,
    ChangeNotice,
    ChangeStatus,
    Complaint,
    Document,
    DynamicReport,
    Incident,
    IncidentGrade,
    Listing,
    ListingStatus,
    Rung,
    SpotCheck,
    SpotCheckResult,
    Subject,
    User,
    db,
    local_now,
)
from rules import Refused

from . import bp, operations, writers
from .forms import (
    ChangeForm,
    ComplaintForm,
    DecideChangeForm,
    HandleComplaintForm,
    IncidentForm,
    IncidentReportedForm,
    LateReasonForm,
    RemovalForm,
    ReviewForm,
    SpotCheckForm,
)


@bp.context_processor
def _labels():
    return {"change_kinds": dict(rules.CHANGE_KINDS)}


@bp.app_template_global()
def dynamic_tables_of(subject):
    """The subject's dynamic tables with 按时 / 逾期 and the removal review (第二十七、三十条), for its staff page."""
    return operations.subject_dynamic(subject, _today())


@bp.app_template_global()
def supervision_of(subject):
    """The subject's spot checks and incidents (第二十九条), newest first, for its staff page."""
    return {"checks": list(subject.spot_checks.order_by(SpotCheck.checked_on.desc(), SpotCheck.id.desc())),
            "incidents": list(subject.incidents.order_by(Incident.occurred_on.desc(), Incident.id.desc())),
            "methods": dict(rules.SPOT_CHECK_METHODS), "kinds": dict(rules.INCIDENT_KINDS)}


def _today():
    return local_now().date()


def _day(value):
    """A date (or the day of a datetime) as the exports write it: YYYY-MM-DD, empty when there is none."""
    return format_datetime(value, "%Y-%m-%d")


def _names(ids):
    """{user id: display name} of the accounts that recorded or handled the exported rows, in one query."""
    ids = {i for i in ids if i}
    return {u.id: u.display_name for u in User.select(User.id, User.display_name).where(User.id.in_(ids))} if ids else {}


def _send_xlsx(data, name):
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"{name}-{local_now():%Y%m%d}.xlsx")


def _year():
    """The year reported on: the one asked for, else last year (the table covers the past year)."""
    return year_in(request.values.get("year")) or _today().year - 1


# --- dynamic management tables (第二十七、二十八条) ----------------------------------------------------------

@bp.route("/upkeep/dynamic")
@staff_required
def dynamic_list():
    """Who has filed the year's table and who has not; reminders; the review opinion report."""
    year, today = _year(), _today()
    status = operations.dynamic_report_status(year, today)
    return render_template("upkeep/dynamic.html", status=status, year=year,
                           blockers=operations.opinion_report_blockers(status, today),
                           issued=document_numbers.issued("dynamic_opinion", year))


@bp.route("/upkeep/dynamic/remind", methods=["POST"])
@staff_required
def dynamic_remind():
    """Send an in-site reminder to every listed unit that has not filed."""
    year = _year()
    status = operations.dynamic_report_status(year, _today())
    sent = operations.remind(status["missing"], year, by=me())
    flash(f"已向 {sent} 个企业账号发送提醒。", "success")
    return redirect(url_for("upkeep.dynamic_list", year=year))


@bp.route("/upkeep/dynamic/<int:report_id>", methods=["GET", "POST"])
@staff_required
def dynamic_review(report_id):
    """Review one table against 第三十条 with an explicit opinion (第二十八条)."""
    report = get_object_or_404(DynamicReport, DynamicReport.id == report_id)
    form = ReviewForm(obj=report, result=report.review_result or "")
    if form.validate_on_submit():
        try:
            operations.review_report(report, result=form.result.data, opinion=form.opinion.data, by=me())
            flash("审核意见已保存。", "success")
            return redirect(url_for("upkeep.dynamic_list", year=report.year))
        except Refused as error:
            form.result.errors.append(str(error))
    return render_template("upkeep/review.html", report=report, form=form, values=json.loads(report.indicators),
                           warnings=json.loads(report.warnings), indicators=rules.DYNAMIC_INDICATORS[report.subject.kind],
                           reason_form=LateReasonForm(obj=report))


@bp.route("/upkeep/dynamic/<int:report_id>/late-reason", methods=["POST"])
@staff_required
def dynamic_late_reason(report_id):
    """Record why a late table is accepted (第三十条第二项): the unit leaves the removal review."""
    report = get_object_or_404(DynamicReport, DynamicReport.id == report_id)
    form = LateReasonForm()
    if form.validate_on_submit():
        try:
            operations.record_late_reason(report, reason=form.late_reason.data, by=me())
            flash("逾期理由已记录。", "success")
            return redirect(url_for("upkeep.dynamic_review", report_id=report.id))
        except Refused as error:
            form.late_reason.errors.append(str(error))
    form_review = ReviewForm(obj=report, result=report.review_result or "", formdata=None)
    return render_template("upkeep/review.html", report=report, form=form_review, reason_form=form,
                           values=json.loads(report.indicators), warnings=json.loads(report.warnings),
                           indicators=rules.DYNAMIC_INDICATORS[report.subject.kind])


@bp.route("/upkeep/dynamic/paper/<int:subject_id>", methods=["GET", "POST"])
@staff_required
def dynamic_paper(subject_id):
    """Key in a table the unit handed in on paper, with the day it was received (第二十七条: that day decides)."""
    subject = get_object_or_404(Subject, Subject.id == subject_id)
    year = _year()
    report = DynamicReport.get_or_none(DynamicReport.subject == subject, DynamicReport.year == year)
    keys = [key for key, *_ in rules.DYNAMIC_INDICATORS[subject.kind]]
    errors, warnings = {}, []
    received_text = request.form.get("received_on", "") if request.method == "POST" else ""
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in keys}
        try:
            received_on = date.fromisoformat(received_text) if received_text else None
        except ValueError:
            received_on, errors = None, {"received_on": "请填写有效的收到日期"}
        if not errors:
            try:
                filed, errors, warnings = operations.record_paper_report(subject, year, received_on=received_on,
                                                                         raw=request.form,
                                                                         by=me(), today=_today())
            except Refused as error:
                errors = {"received_on": str(error)}
            else:
                if filed is not None:
                    flash(f"已登记 {subject.name} 的纸质动态管理表（{filed.timeliness}）。", "success")
                    return redirect(url_for("upkeep.dynamic_list", year=year))
    else:
        stored = json.loads(report.indicators) if report else {}
        values = {key: f"{stored[key]:g}" for key in keys if key in stored}
    return render_template("upkeep/paper.html", subject=subject, year=year, report=report, values=values,
                           errors=errors, warnings=warnings, received_text=received_text,
                           indicators=rules.DYNAMIC_INDICATORS[subject.kind],
                           deadline=rules.dynamic_report_deadline(year), today=_today())


def _opinion_title(year):
    return f"{year}年度动态管理表审核意见报告"


@bp.route("/upkeep/dynamic/opinion.docx")
@staff_required
def dynamic_opinion():
    """第二十八条: the review opinion report for the year — as issued (with its 发文字号), else the draft."""
    year = _year()
    row = document_numbers.issued("dynamic_opinion", year)
    data = writers.build_opinion_report_docx(year, status=operations.dynamic_report_status(year, _today()),
                                     city=settings.get_all(),
                                     when=_today(), number=row.number if row else None)
    return send_file(io.BytesIO(data), mimetype=DOCX_MIMETYPE, as_attachment=True,
                     download_name=f"{_opinion_title(year)}{'' if row else '（草稿）'}.docx")


@bp.route("/upkeep/dynamic/opinion/issue", methods=["POST"])
@staff_required
def dynamic_opinion_issue():
    """第二十八条: issue the report — after the deadline and with every filed table reviewed — with the next 发文字号."""
    year, today = _year(), _today()
    status = operations.dynamic_report_status(year, today)
    blockers = operations.opinion_report_blockers(status, today)
    if blockers:
        flash("；".join(blockers) + "。", "danger")
        return redirect(url_for("upkeep.dynamic_list", year=year))
    try:
        row = document_numbers.issue("dynamic_opinion", year, _opinion_title(year), today.year, me())
    except Refused as refused:
        flash(str(refused), "danger")
        return redirect(url_for("upkeep.dynamic_list", year=year))
    data = writers.build_opinion_report_docx(year, status=status, city=settings.get_all(), when=today, number=row.number)
    return send_file(io.BytesIO(data), mimetype=DOCX_MIMETYPE, as_attachment=True,
                     download_name=f"{_opinion_title(year)}.docx")


@bp.route("/my/dynamic", methods=["GET", "POST"])
@enterprise_only
def my_dynamic():
    """The enterprise files (or corrects) its table for last year."""
    subject = own_subject()
    year = _year()
    report = DynamicReport.get_or_none(DynamicReport.subject == subject, DynamicReport.year == year)
    keys = [key for key, *_ in rules.DYNAMIC_INDICATORS[subject.kind]]
    errors, warnings = {}, json.loads(report.warnings) if report else []
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in keys}
        try:
            filed, errors, warnings = operations.file_report(subject, year, raw=request.form, by=me(), today=_today())
        except Refused as error:
            flash(str(error), "danger")
        else:
            if filed is not None:
                flash("动态管理表已提交" + ("，请核实提示的数据。" if warnings else "。"), "warning" if warnings else "success")
                return redirect(url_for("upkeep.my_dynamic", year=year))
    else:
        stored = json.loads(report.indicators) if report else {}
        values = {key: f"{stored[key]:g}" for key in keys if key in stored}
    history = list(subject.dynamic_reports.order_by(DynamicReport.year.desc()))
    return render_template("upkeep/my_dynamic.html", subject=subject, year=year, report=report, history=history,
                           must_file=operations.must_file(subject, year),
                           indicators=rules.DYNAMIC_INDICATORS[subject.kind], values=values, errors=errors,
                           warnings=warnings, deadline=rules.dynamic_report_deadline(year), today=_today())


@bp.route("/my/dynamic/<int:report_id>")
@enterprise_only
def my_dynamic_view(report_id):
    """One of the enterprise's own filed tables with the bureau's opinion; another unit's table is not found."""
    report = DynamicReport.get_or_none(DynamicReport.id == report_id, DynamicReport.subject == current_user.subject_id)
    if report is None:
        abort(404)
    return render_template("upkeep/my_dynamic_view.html", report=report, values=json.loads(report.indicators),
                           warnings=json.loads(report.warnings), indicators=rules.DYNAMIC_INDICATORS[report.subject.kind])


# --- change notices (第三十一条) -------------------------------------------------------------------------------

@bp.route("/my/changes", methods=["GET", "POST"])
@enterprise_only
def my_changes():
    """The enterprise declares a change with its documents, and follows the bureau's verification."""
    subject = own_subject()
    form = ChangeForm()
    if form.validate_on_submit():
        try:
            with db.atomic():
                notice = operations.declare_change(subject, kind=form.kind.data, description=form.description.data,
                                                   new_name=form.new_name.data or "", by=me())
                if form.document.data and form.document.data.filename:
                    uploads.store(form.document.data, "change", notice.id, purpose="变更证明", user=me())
            flash("变更说明已提交，主管部门将复核。", "success")
            return redirect(url_for("upkeep.my_changes"))
        except (Refused, uploads.UploadError) as error:
            form.description.errors.append(str(error))
    return render_template("upkeep/my_changes.html", form=form,
                           notices=subject.change_notices.order_by(ChangeNotice.id.desc()))


@bp.route("/upkeep/changes")
@staff_required
def change_list():
    """Every change notice, pending first."""
    notices = ChangeNotice.select().order_by(ChangeNotice.status != ChangeStatus.PENDING.value, ChangeNotice.id.desc())
    return render_template("upkeep/changes.html", notices=notices)


@bp.route("/upkeep/changes/<int:notice_id>", methods=["GET", "POST"])
@staff_required
def change_decide(notice_id):
    """Verify a change and record whether the unit still meets the standard."""
    notice = get_object_or_404(ChangeNotice, ChangeNotice.id == notice_id)
    form = DecideChangeForm()
    if form.validate_on_submit():
        try:
            operations.decide_change(notice, accepted=form.accepted.data == "yes",
                                     still_meets=form.still_meets.data != "n",
                                     verification=form.verification.data, by=me())
            removed = notice.action_taken if notice.status == ChangeStatus.ACCEPTED.value else ""
            flash("复核结果已记录。" + (f"该单位变更后不再符合相关标准（第三十一条）：{removed}。" if removed else ""),
                  "warning" if removed else "success")
            return redirect(url_for("upkeep.change_list"))
        except Refused as error:  # decided meanwhile: the form is gone from the page, so say it above
            flash(str(error), "danger")
    return render_template("upkeep/change.html", notice=notice, form=form, documents=Document.of("change", notice.id),
                           listings=notice.subject.listings.where(Listing.status == ListingStatus.LISTED.value))


# --- removal (第三十条) ----------------------------------------------------------------------------------------

@bp.route("/upkeep/listings/<int:listing_id>/remove", methods=["GET", "POST"])
@staff_required
def listing_remove(listing_id):
    """Remove a unit from a list with the reason category and the effective date."""
    listing = get_object_or_404(Listing, Listing.id == listing_id)
    form = RemovalForm(category=request.args.get("category", ""), effective_on=_today())
    if form.validate_on_submit():
        try:
            operations.remove(listing, category=form.category.data, reason=form.reason.data,
                              effective_on=form.effective_on.data, by=me())
            flash(f"已将 {listing.subject.name} 移出{listing.year}年{Rung.label_of(listing.rung)}名单；"
                  "三年内不得申请（第十五条第三项）。", "success")
            return redirect(url_for("pool.subject_detail", subject_id=listing.subject_id))
        except Refused as error:
            form.category.errors.append(str(error))
    return render_template("upkeep/remove.html", listing=listing, form=form)


# --- incidents (第二十九条) ------------------------------------------------------------------------------------

def _incident_form(**kwargs):
    form = IncidentForm(occurred_on=_today(), **kwargs)
    form.subject_id.choices = [(s.id, s.name) for s in operations.listed_subjects()]
    return form


@bp.route("/upkeep/incidents", methods=["GET", "POST"])
@staff_required
def incident_list():
    """Record an incident of a listed unit; 重大 and above have their report to the province, marked when sent, and a
    proposed removal."""
    form = _incident_form()
    if form.validate_on_submit():
        subject = Subject.get_or_none(Subject.id == form.subject_id.data)
        try:
            if subject is None:
                raise Refused("请选择名单单位")
            incident = operations.record_incident(subject, occurred_on=form.occurred_on.data, kind=form.kind.data,
                                                  grade=form.grade.data,
                                                  source=form.source.data, description=form.description.data, by=me())
            if incident.reportable:
                flash("已记录。请立即下载报告报送省厅并标记已报送，并办理移出（第二十九条、第三十条）。", "warning")
            else:
                flash("已记录。该等级无需立即报送省厅（第二十九条）。", "success")
            return redirect(url_for("upkeep.incident_list", highlight=incident.id))
        except Refused as error:
            message = str(error)
            target = form.grade if "等级" in message else form.kind if "类别" in message else form.occurred_on
            target.errors.append(message)
    return _incidents_page(form)


def _incidents():
    """The incidents the list shows (and the export writes), newest first."""
    return (Incident.select(Incident, Subject).join(Subject)
            .order_by(Incident.occurred_on.desc(), Incident.id.desc()))


@bp.route("/upkeep/incidents/export")
@staff_required
def incident_export():
    """The incidents of the list as .xlsx, for the records and the reports to the province (第二十九条)."""
    incidents = list(_incidents())
    names = _names([i.recorded_by_id for i in incidents] + [i.reported_by_id for i in incidents])
    rows = [[_day(i.occurred_on), i.subject.name, i.subject.credit_code, IncidentKind.label_of(i.kind),
             IncidentGrade.label_of(i.grade), i.grade_note, i.report_text(_day), _day(i.reported_on),
             names.get(i.reported_by_id, ""), i.source, i.description, names.get(i.recorded_by_id, ""),
             _day(i.recorded_at)] for i in incidents]
    data = xlsx_table("事故事件", ["发生日期", "单位", "统一社会信用代码", "类别", "等级", "原记录等级", "报送省厅",
                                "报送日期", "报送标记人", "信息来源", "经过和影响", "记录人", "记录日期"], rows)
    audit.record("incident.export", object_type="incident", details={"rows": len(rows)})
    return _send_xlsx(data, "事故事件")


def _incidents_page(form, failed=None, failed_form=None):
    """The incidents page; a 标记已报送 posted with a wrong date (`failed`, its bound `failed_form`) comes back with the
    message beside that row's date."""
    return render_template("upkeep/incidents.html", form=form, incidents=_incidents(), kinds=dict(rules.INCIDENT_KINDS),
                           grades=IncidentGrade, reported_form=IncidentReportedForm(formdata=None, reported_on=_today()),
                           failed_id=failed.id if failed else None, failed_form=failed_form)


@bp.route("/upkeep/incidents/<int:incident_id>/reported", methods=["POST"])
@staff_required
def incident_reported(incident_id):
    """标记已报送: the day the incident report went to the province (第二十九条)."""
    incident = get_object_or_404(Incident, Incident.id == incident_id)
    form = IncidentReportedForm()
    if not form.validate_on_submit():
        if not form.reported_on.errors:
            form.reported_on.errors.append("请刷新页面后重试")  # the token: not about the date, but shown where it was
        return _incidents_page(_incident_form(formdata=None), incident, form)
    try:
        operations.mark_incident_reported(incident, reported_on=form.reported_on.data, by=me())
    except Refused as error:
        if incident.reported_on:  # marked meanwhile: the row shows no date to put the message beside
            flash(str(error), "danger")
            return redirect(url_for("upkeep.incident_list", highlight=incident.id))
        form.reported_on.errors.append(str(error))  # the date is wrong
        return _incidents_page(_incident_form(formdata=None), incident, form)
    flash(f"已标记：{incident.subject.name}的事故事件报告已于{form.reported_on.data:%Y年%m月%d日}报送省厅。", "success")
    return redirect(url_for("upkeep.incident_list", highlight=incident.id))


# --- spot checks (第二十九条) ----------------------------------------------------------------------------------

def _spot_check_form():
    form = SpotCheckForm(checked_on=_today())
    form.subject_id.choices = [(s.id, s.name) for s in operations.listed_subjects()]
    return form


def _spot_checks():
    """The spot checks the list shows (and the export writes), newest first, and {check id: its documents}."""
    checks = list(SpotCheck.select(SpotCheck, Subject).join(Subject)
                  .order_by(SpotCheck.checked_on.desc(), SpotCheck.id.desc()))
    documents = {}
    for document in (Document.select().where(Document.owner_type == "spot_check", Document.withdrawn_at.is_null(),
                                             Document.owner_id.in_([c.id for c in checks]))
                     .order_by(Document.id)) if checks else ():
        documents.setdefault(document.owner_id, []).append(document)
    return checks, documents


@bp.route("/upkeep/spot-checks/export")
@staff_required
def spot_check_export():
    """The spot checks of the list as .xlsx (第二十九条)."""
    checks, documents = _spot_checks()
    names = _names(c.recorded_by_id for c in checks)
    rows = [[_day(c.checked_on), c.subject.name, c.subject.credit_code, SpotCheckMethod.label_of(c.method),
             c.inspectors, SpotCheckResult.label_of(c.result), c.findings,
             "、".join(d.original_name for d in documents.get(c.id, [])) or "无",
             names.get(c.recorded_by_id, ""), _day(c.recorded_at)] for c in checks]
    data = xlsx_table("抽查复核", ["抽查日期", "单位", "统一社会信用代码", "方式", "检查人员", "结论", "检查发现",
                                "材料", "记录人", "记录日期"], rows)
    audit.record("spot_check.export", object_type="spot_check", details={"rows": len(rows)})
    return _send_xlsx(data, "抽查复核")


@bp.route("/upkeep/spot-checks", methods=["GET", "POST"])
@staff_required
def spot_check_list():
    """Record a spot check (抽查复核) of a listed unit with its documents; every check, newest first."""
    form = _spot_check_form()
    if form.validate_on_submit():
        subject = Subject.get_or_none(Subject.id == form.subject_id.data)
        try:
            if subject is None:
                raise Refused("请选择名单单位")
            with db.atomic():
                check = operations.record_spot_check(subject, checked_on=form.checked_on.data,
                                                     method=form.method.data or "",
                                                     inspectors=form.inspectors.data, findings=form.findings.data,
                                                     result=form.result.data or "",
                                                     by=me())
                for upload in form.documents.data or []:
                    if upload and upload.filename:
                        uploads.store(upload, "spot_check", check.id, purpose="抽查材料", user=me())
        except uploads.UploadError as error:
            form.documents.errors.append(str(error))
        except Refused as error:
            message = str(error)
            target = (form.result if "结论" in message else form.method if "方式" in message
                      else form.subject_id if "名单" in message else form.checked_on)
            target.errors.append(message)
        else:
            flash(f"已记录对 {subject.name} 的抽查（{SpotCheckResult.label_of(check.result)}）。",
                  "success" if check.result == SpotCheckResult.COMPLIANT.value else "warning")
            return redirect(url_for("upkeep.spot_check_list", highlight=check.id))
    checks, documents = _spot_checks()
    return render_template("upkeep/spot_checks.html", form=form, checks=checks, documents=documents,
                           methods=dict(rules.SPOT_CHECK_METHODS))


@bp.route("/upkeep/incidents/<int:incident_id>/report.docx")
@staff_required
def incident_report(incident_id):
    """The incident report to the province (.docx)."""
    incident = get_object_or_404(Incident, Incident.id == incident_id)
    row = document_numbers.issued("incident_report", incident.id)
    data = writers.build_incident_report_docx(incident, city=settings.get_all(), when=_today(),
                                      number=row.number if row else None)
    return send_file(io.BytesIO(data), mimetype=DOCX_MIMETYPE, as_attachment=True,
                     download_name=safe_filename(f"{incident.subject.name}事故事件报告{'' if row else '（草稿）'}.docx"))


@bp.route("/upkeep/incidents/<int:incident_id>/report/issue", methods=["POST"])
@staff_required
def incident_report_issue(incident_id):
    """第二十九条: issue the report to the province with the next 发文字号 (issuing it again gives the same number)."""
    incident = get_object_or_404(Incident, Incident.id == incident_id)
    today = _today()
    title = f"{incident.subject.name}事故事件报告"
    try:
        row = document_numbers.issue("incident_report", incident.id, title, (incident.reported_on or today).year, me())
    except Refused as refused:
        flash(str(refused), "danger")
        return redirect(url_for("upkeep.incident_list"))
    data = writers.build_incident_report_docx(incident, city=settings.get_all(), when=today, number=row.number)
    return send_file(io.BytesIO(data), mimetype=DOCX_MIMETYPE, as_attachment=True,
                     download_name=safe_filename(f"{title}.docx"))


# --- public reports (第三十二条) -------------------------------------------------------------------------------

def _complaint_form():
    form = ComplaintForm()
    form.target.choices = ([("", "请选择")] + [(f"s{s.id}", f"名单单位：{s.name}") for s in operations.listed_subjects()]
                           # approved agencies only: the public list names no pending, refused or stopped registrant
                           + [(f"a{a.id}", f"第三方机构：{a.name}") for a in Agency.select()
                              .where(Agency.status == AgencyStatus.APPROVED.value).order_by(Agency.name)])
    return form


def _complaint_target(value):
    """(subject, agency) from the form's "s<id>" or "a<id>"; (None, None) for anything else."""
    kind, number = value[:1], int_in(value[1:])
    if number is None:
        return None, None
    return (Subject.get_or_none(Subject.id == number) if kind == "s" else None,
            Agency.get_or_none(Agency.id == number) if kind == "a" else None)


@bp.route("/report", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@public
def complaint_new():
    """A real-name report about a listed unit or an agency, with evidence (第三十二条)."""
    form = _complaint_form()
    if form.validate_on_submit():
        subject, agency = _complaint_target(form.target.data or "")
        has_evidence = bool(form.evidence.data and form.evidence.data.filename)
        try:
            with db.atomic():
                complaint = operations.submit_complaint(subject, agency, name=form.reporter_name.data,
                                                        contact=form.reporter_contact.data, matter=form.matter.data,
                                                        ip=request.remote_addr or "", has_evidence=has_evidence,
                                                        no_evidence_reason=form.no_evidence_reason.data or "")
                if has_evidence:
                    uploads.store(form.evidence.data, "complaint", complaint.id, purpose="佐证材料")
        except uploads.UploadError as error:
            form.evidence.errors.append(str(error))
        except Refused as error:  # 第三十二条: the evidence, or why there is none, goes beside the evidence field
            (form.evidence if "佐证材料" in str(error) else form.matter).errors.append(str(error))
        else:
            flash("举报已受理，主管部门将核实处理，并按您留下的联系方式反馈。", "success")
            return redirect(url_for("upkeep.complaint_new"))
    return render_template("upkeep/report.html", form=form)


def _complaints():
    """The reports the list shows (and the export writes), unhandled first, and the ids of those with evidence."""
    complaints = list(Complaint.select(Complaint, Subject, Agency)  # the subject or agency named: no query per row
                      .join(Subject, JOIN.LEFT_OUTER).switch(Complaint).join(Agency, JOIN.LEFT_OUTER)
                      .order_by(Complaint.outcome.is_null(False), Complaint.id.desc()))
    with_evidence = {owner_id for (owner_id,) in Document.select(Document.owner_id).where(
        Document.owner_type == "complaint", Document.withdrawn_at.is_null(),
        Document.owner_id.in_([c.id for c in complaints])).tuples()} if complaints else set()
    return complaints, with_evidence


@bp.route("/upkeep/complaints/export")
@staff_required
def complaint_export():
    """The reports of the list as .xlsx (第三十二条). The reporter's name and contact stay masked as on the list: the
    file leaves the screen, the full data stays on each report's page."""
    complaints, with_evidence = _complaints()
    names = _names(c.handled_by_id for c in complaints)
    rows = [[format_datetime(c.submitted_at),
             f"名单单位：{c.subject.name}" if c.subject_id else f"第三方机构：{c.agency.name}" if c.agency_id else "",
             mask_name(c.reporter_name), mask_contact(c.reporter_contact), c.matter,
             "已附材料" if c.id in with_evidence else "未附，已说明原因" if c.no_evidence_reason else "未附",
             c.no_evidence_reason, ComplaintOutcome.label_of(c.outcome) if c.outcome else "待核实", c.finding,
             names.get(c.handled_by_id, ""), _day(c.handled_at)] for c in complaints]
    data = xlsx_table("举报处理", ["收到时间", "举报对象", "举报人", "联系方式", "举报事项", "佐证材料",
                                "无法提供佐证材料的原因", "处理结果", "核实情况", "处理人", "处理日期"], rows)
    audit.record("complaint.export", object_type="complaint", details={"rows": len(rows)})
    return _send_xlsx(data, "举报处理")


@bp.route("/upkeep/complaints")
@staff_required
def complaint_list():
    """Every public report; the reporter's personal data is masked here. Each shows whether evidence came with it or
    why not (第三十二条)."""
    complaints, with_evidence = _complaints()
    return render_template("upkeep/complaints.html", complaints=complaints, with_evidence=with_evidence,
                           outcomes=dict(rules.COMPLAINT_OUTCOMES))


@bp.route("/upkeep/complaints/<int:complaint_id>", methods=["GET", "POST"])
@staff_required
def complaint_handle(complaint_id):
    """Verify a report and record the finding and the outcome."""
    complaint = get_object_or_404(Complaint, Complaint.id == complaint_id)
    form = HandleComplaintForm(obj=complaint)
    if form.validate_on_submit():
        try:
            operations.handle_complaint(complaint, finding=form.finding.data, outcome=form.outcome.data, by=me())
            flash("处理结果已记录。", "success")
            return redirect(url_for("upkeep.complaint_handle", complaint_id=complaint.id))
        except Refused as error:
            form.outcome.errors.append(str(error))
    listing = (complaint.subject.listings.where(Listing.status == ListingStatus.LISTED.value).first()
               if complaint.subject_id else None)
    return render_template("upkeep/complaint.html", complaint=complaint, form=form, listing=listing,
                           documents=Document.of("complaint", complaint.id), outcomes=dict(rules.COMPLAINT_OUTCOMES))

