import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

import rules
from blueprints.views import beside_field, errors_flashed, get_object_or_404, me
from core import search, uploads
from core.access import enterprise_only, staff_or_enterprise, staff_required
from core.bounds import int_in, year_in
from core.documents import XLSX_MIMETYPE, xlsx_table
from core.pagination import chosen_sort, paginate
from models import (
    Agency,
    Application,
    ApplicationStatus,
    Document,
    EvaluationMethod,
    ReviewAssignment,
    Rung,
    Subject,
    SubjectKind,
    User,
    local_now,
)
from rules import Refused

from . import bp, operations
from .forms import (
    ApplicationEditForm,
    ApplicationForm,
    AssignForm,
    AttachForm,
    ReasonForm,
    StaffApplicationForm,
    YearForm,
)


def application_or_404(application_id):
    """Staff reach any application; an enterprise only its own subject's (anything else is 'not found')."""
    mine = [] if current_user.is_staff else [Application.subject == current_user.subject_id]
    return get_object_or_404(Application, Application.id == application_id, *mine)


def _back(application):
    return redirect(url_for("applications.application_detail", application_id=application.id))


def _agency(agency_id):
    return Agency.get_or_none(Agency.id == agency_id) if agency_id else None


def _errors(form):
    return "；".join(m for messages in form.errors.values() for m in messages)


SORTS = {"name": (Subject.name, Application.year.desc()), "-name": (Subject.name.desc(), Application.year.desc()),
         "year": (Application.year, Application.rung, Subject.name),
         "-year": (Application.year.desc(), Application.rung, Subject.name)}
DEFAULT_ORDER = (Application.year.desc(), Application.rung, Subject.name)


def _filters():
    """The list's filters from the URL: year, rung, status, the search `q` (name or credit code) and the sort (""
    for the default order: newest year first; an unknown value is the default)."""
    filters = {key: (request.args.get(key) or "").strip()[:100] for key in ("year", "rung", "status")}
    return {**filters, "q": search.query_text(request.args), "sort": chosen_sort(request.args, SORTS)}


def _query(filters):
    query = (Application.select(Application, Subject).join(Subject)
             .order_by(*SORTS.get(filters.get("sort"), DEFAULT_ORDER), Application.id))
    condition = search.subject_condition(filters.get("q"))
    if condition is not None:
        query = query.where(condition)
    if year_in(filters["year"]):
        query = query.where(Application.year == year_in(filters["year"]))
    if filters["rung"]:
        query = query.where(Application.rung == filters["rung"])
    if filters["status"]:
        query = query.where(Application.status == filters["status"])
    return query


def _scores(applications):
    """{application_id: (final score as shown or None, band, band label)} for a list of applications, in one pass
    over the reviews. The band comes from the exact mean; only the shown score is rounded (第十八条)."""
    result = {}
    for application in applications:
        value = operations.final_score(application)
        result[application.id] = (rules.score_display(value), operations.score_band(value),
                                  operations.score_label(value) if value is not None else "")
    return result


@bp.route("/")
@staff_required
def application_list():
    """Every application, filtered by year, rung and status, with the final score once complete."""
    return _list_page()


def _list_page(year_form=None):
    """The list; the auto-assign year posted wrong comes back with the message beside it."""
    filters = _filters()
    page = paginate(_query(filters))
    return render_template("applications/list.html", page=page, filters=filters, scores=_scores(page.items),
                           year_form=year_form or YearForm(formdata=None, year=local_now().year))


@bp.route("/export")
@staff_required
def application_export():
    """The filtered applications and their scores as .xlsx."""
    applications = list(_query(_filters()))
    scores = _scores(applications)
    rows = [[a.subject.name, a.subject.credit_code, SubjectKind.label_of(a.subject.kind), a.subject.district, a.year,
             Rung.label_of(a.rung), EvaluationMethod.label_of(a.method), a.claimed_score,
             float(scores[a.id][0]) if scores[a.id][0] is not None else None, scores[a.id][2],
             ApplicationStatus.label_of(a.status)] for a in applications]
    data = xlsx_table("申报与评分", ["名称", "统一社会信用代码", "类型", "区县", "年度", "级别", "评价方式", "自评/机构得分",
                                  "专家评审得分", "分档（第十八条）", "状态"], rows)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"申报与评分-{local_now():%Y%m%d}.xlsx")


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def application_new():
    """Staff start an application on a subject's behalf."""
    form = StaffApplicationForm(year=local_now().year)
    if form.validate_on_submit():
        subject = Subject.get_or_none(Subject.id == form.subject_id.data)
        try:
            if subject is None:
                raise Refused("培育对象不存在")
            application = operations.create(subject, form.year.data, rung=form.rung.data, method=form.method.data,
                                            claimed_score=form.claimed_score.data,
                                            national_intent=form.national_intent.data, by=me(),
                                            agency=_agency(form.agency_id.data))
        except Refused as error:
            form.subject_id.errors.append(str(error))
        else:
            return _back(application)
    subjects = Subject.select().where(Subject.rung != Rung.INTEREST.value).order_by(Subject.name)
    return render_template("applications/new.html", form=form, subjects=subjects)


@bp.route("/mine", methods=["GET", "POST"])
@enterprise_only
def my_applications():
    """The enterprise's applications, and a form to start one."""
    subject = current_user.subject
    if subject is None:
        abort(404)
    form = ApplicationForm(year=local_now().year)
    if form.validate_on_submit():
        try:
            application = operations.create(subject, form.year.data, rung=form.rung.data, method=form.method.data,
                                            claimed_score=form.claimed_score.data,
                                            national_intent=form.national_intent.data, by=me(),
                                            agency=_agency(form.agency_id.data))
        except Refused as error:
            form.rung.errors.append(str(error))
        else:
            flash("申报草稿已创建，请上传评价报告和材料后提交。", "success")
            return _back(application)
    applications = subject.applications.order_by(Application.year.desc(), Application.id.desc())
    return render_template("applications/mine.html", form=form, applications=applications)


@bp.route("/<int:application_id>")
@staff_or_enterprise
def application_detail(application_id):
    """One application: what it holds, what still stops it, and the actions of the user's role."""
    return _detail_page(application_or_404(application_id))


def _detail_page(application, edit_form=None, attach_form=None, reason_form=None, assign_form=None):
    """The application page; a form posted with wrong input comes back bound, its errors beside the fields."""
    present = operations.materials_present(application)
    materials = rules.APPLICATION_MATERIALS.get(application.subject.kind, ())
    attach_form = attach_form or AttachForm(formdata=None)
    attach_form.purpose.choices = [("evaluation_report", "评价报告（首页为基本信息表，PDF/Word）")] + list(materials)
    reviews = list(ReviewAssignment.select().where(ReviewAssignment.application == application)
                   .order_by(ReviewAssignment.id)) if current_user.is_staff else []
    assign_form = assign_form or AssignForm(formdata=None)
    assign_form.expert.choices = [(str(e.id), f"{e.display_name}（{e.organisation or '未填单位'}）")
                                  for e in operations.experts()]
    value = operations.final_score(application)  # exact: the band compares it; the page shows it rounded
    return render_template(
        "applications/detail.html", application=application, materials=materials, present=present,
        documents=Document.of("application", application.id), attach_form=attach_form,
        edit_form=edit_form or ApplicationEditForm(formdata=None, obj=application, agency_id=application.agency_id or 0),
        reason_form=reason_form or ReasonForm(formdata=None), assign_form=assign_form,
        problems=operations.submit_problems(application) if application.status in operations.EDITABLE else [],
        reviews=reviews, final=rules.score_display(value), band=operations.score_band(value),
        band_label=operations.score_label(value), needed=operations.needed(application))


@bp.route("/<int:application_id>/edit", methods=["POST"])
@staff_or_enterprise
def application_edit(application_id):
    """Change the method, the claimed score and the national intent of a draft."""
    application = application_or_404(application_id)
    form = ApplicationEditForm()
    if form.validate_on_submit():
        try:
            operations.update(application, method=form.method.data, claimed_score=form.claimed_score.data,
                              national_intent=form.national_intent.data, by=me(),
                              agency=_agency(form.agency_id.data))
            flash("已保存。", "success")
        except Refused as error:
            if beside_field(form, error):
                return _detail_page(application, edit_form=form)
            flash(str(error), "danger")  # submitted meanwhile: the form is gone from the page
    elif application.is_editable:
        return _detail_page(application, edit_form=form)
    else:
        return errors_flashed(form, url_for("applications.application_detail", application_id=application.id))
    return _back(application)


@bp.route("/<int:application_id>/attach", methods=["POST"])
@staff_or_enterprise
def application_attach(application_id):
    """Upload the evaluation report or one material."""
    application = application_or_404(application_id)
    form = AttachForm()
    keys = {"evaluation_report"} | {key for key, _ in rules.APPLICATION_MATERIALS.get(application.subject.kind, ())}
    form.purpose.choices = [(key, key) for key in keys]
    if form.validate_on_submit():
        try:
            operations.attach(application, form.file.data, purpose=form.purpose.data, by=me())
            flash("已上传。", "success")
        except Refused as error:
            flash(f"上传失败：{error}", "danger")  # submitted meanwhile: the form is gone from the page
        except uploads.UploadError as error:
            form.file.errors = [*form.file.errors, f"上传失败：{error}"]
            return _detail_page(application, attach_form=form)
    elif application.is_editable:
        if not form.errors:
            form.file.errors = ["请选择材料类型和文件"]
        return _detail_page(application, attach_form=form)
    else:
        return errors_flashed(form, url_for("applications.application_detail", application_id=application.id))
    return _back(application)


@bp.route("/<int:application_id>/submit", methods=["POST"])
@staff_or_enterprise
def application_submit(application_id):
    """Submit or resubmit; refused with the article cited when a rule forbids it."""
    application = application_or_404(application_id)
    try:
        operations.submit(application, by=me())
        flash("申报已提交。", "success")
    except Refused as error:
        flash(str(error), "danger")
    return _back(application)


@bp.route("/<int:application_id>/return", methods=["POST"])
@staff_required
def application_return(application_id):
    """Return the application for correction, with reasons the enterprise sees."""
    application = application_or_404(application_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            operations.return_for_correction(application, reason=form.reason.data, by=me())
            flash("已退回补正。", "success")
        except Refused as error:
            flash(str(error), "danger")  # no longer submitted: no field to show it beside
    elif application.in_review:  # the return form is on the page (submitted or under review)
        return _detail_page(application, reason_form=form)
    else:
        return errors_flashed(form, url_for("applications.application_detail", application_id=application.id))
    return _back(application)


@bp.route("/<int:application_id>/start-review", methods=["POST"])
@staff_required
def application_start_review(application_id):
    """Send a municipal application to expert review."""
    application = application_or_404(application_id)
    try:
        operations.start_review(application, by=me())
        flash("已进入专家评审，请指派专家。", "success")
    except Refused as error:
        flash(str(error), "danger")
    return _back(application)


@bp.route("/<int:application_id>/assign", methods=["POST"])
@staff_required
def application_assign(application_id):
    """Assign one expert by hand."""
    application = application_or_404(application_id)
    expert = User.get_or_none(User.id == int_in(request.form.get("expert"))) \
        if int_in(request.form.get("expert")) else None
    if expert is None and application.status == ApplicationStatus.UNDER_REVIEW.value:  # its form is on the page
        form = AssignForm()
        form.expert.errors = ["请选择评审专家"]
        return _detail_page(application, assign_form=form)
    try:
        if expert is None:
            raise Refused("请选择评审专家")
        operations.assign(application, expert, by=me())
        flash(f"已指派 {expert.display_name}。", "success")
    except Refused as error:
        if application.status != ApplicationStatus.UNDER_REVIEW.value:
            flash(str(error), "danger")  # the review ended meanwhile: the form is gone from the page
        else:
            form = AssignForm()
            form.expert.errors = [str(error)]
            return _detail_page(application, assign_form=form)
    return _back(application)


@bp.route("/auto-assign", methods=["POST"])
@staff_required
def auto_assign():
    """Assign experts to every municipal application under review in a year, balancing loads, avoiding conflicts."""
    form = YearForm()
    if not form.validate_on_submit():
        return _list_page(year_form=form)
    applications = list(Application.select().where(Application.year == form.year.data,
                                                   Application.rung == Rung.MUNICIPAL.value,
                                                   Application.status == ApplicationStatus.UNDER_REVIEW.value))
    assigned, short = operations.auto_assign(applications, by=me())
    message = f"已自动指派 {assigned} 人次。"
    if short:
        message += f" 以下申报可用专家不足：{'、'.join(short)}"
    flash(message, "warning" if short else "success")
    return redirect(url_for("applications.application_list", year=form.year.data, status="under_review"))


@bp.route("/<int:application_id>/conclude", methods=["POST"])
@staff_required
def application_conclude(application_id):
    """Close the review with the computed final score (第十八条 thresholds)."""
    application = application_or_404(application_id)
    try:
        approved = operations.conclude(application, by=me())
        flash("评审通过。" if approved else "评审未通过。", "success")
    except Refused as error:
        flash(str(error), "danger")
    return _back(application)
