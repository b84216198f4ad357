import io

import segno
from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from openpyxl import load_workbook

from blueprints.filing.writers import build_list_xlsx
from blueprints.pool.spreadsheet import check_sheet_rows, check_workbook_size
from blueprints.views import beside_field, fragment_or_page, get_object_or_404, me
from core import search, settings, uploads
from core.access import public, staff_required
from core.bounds import year_in
from core.documents import XLSX_MIMETYPE, safe_filename
from core.extensions import limiter
from core.identifiers import normalize_credit_code
from core.pagination import paginate
from models import (
    Listing,
    ListingStatus,
    Objection,
    Publicity,
    PublicityEntry,
    PublicityStatus,
    RemovalNotice,
    Rung,
    Subject,
    db,
    local_now,
)
from rules import PUBLICITY_DAYS, Refused, publicity_end

from . import bp, operations
from .forms import GreenCodeForm, HandleForm, ObjectionForm, OutcomeForm, OutcomeImportForm, PublicityForm


def _errors(form):
    return "；".join(m for messages in form.errors.values() for m in messages)


@bp.route("/listing/publicity", methods=["GET", "POST"])
@staff_required
def publicity_list():
    """Publicities, and opening one for the year's approved municipal applications."""
    form = PublicityForm(year=local_now().year, start_date=local_now().date())
    if form.validate_on_submit():
        try:
            publicity = operations.open_publicity(form.year.data, start_date=form.start_date.data, by=me())
        except Refused as error:
            form.year.errors.append(str(error))
        else:
            flash(f"公示已开始，至 {publicity_end(publicity.start_date)} 结束。", "success")
            return redirect(url_for("listing.publicity_detail", publicity_id=publicity.id))
    publicities = Publicity.select().order_by(Publicity.start_date.desc(), Publicity.id.desc())
    return render_template("listing/publicities.html", form=form, publicities=publicities, end=publicity_end,
                           days=PUBLICITY_DAYS)


@bp.route("/listing/publicity/<int:publicity_id>")
@staff_required
def publicity_detail(publicity_id):
    """A publicity: its subjects, the objections and how each was handled, and publishing."""
    return _publicity_page(get_object_or_404(Publicity, Publicity.id == publicity_id))


def _publicity_page(publicity, failed=None, failed_form=None):
    """The publicity page; an objection's handling posted wrong (`failed`, its bound `failed_form`) comes back with
    the message beside that objection's fields."""
    return render_template("listing/publicity.html", publicity=publicity, end=operations.end_date(publicity),
                           today=local_now().date(), handle_form=HandleForm(formdata=None),
                           failed_id=failed.id if failed else None, failed_form=failed_form,
                           objections=publicity.objections.order_by(Objection.id))


@bp.route("/listing/objections/<int:objection_id>/handle", methods=["POST"])
@staff_required
def objection_handle(objection_id):
    """Record how an objection was verified and handled."""
    objection = get_object_or_404(Objection, Objection.id == objection_id)
    form = HandleForm()
    if form.validate_on_submit():
        try:
            operations.handle_objection(objection, upheld=form.upheld.data == "yes", handling=form.handling.data,
                                        by=me())
            flash("已记录处理情况。", "success")
        except Refused as error:
            if beside_field(form, error):
                return _publicity_page(objection.publicity, objection, form)
            flash(str(error), "danger")  # handled by someone else meanwhile: its form is gone
    elif objection.upheld is None:  # its form is still on the page: the messages beside its fields
        return _publicity_page(objection.publicity, objection, form)
    else:
        flash(_errors(form), "danger")
    return redirect(url_for("listing.publicity_detail", publicity_id=objection.publicity_id))


@bp.route("/listing/publicity/<int:publicity_id>/publish", methods=["POST"])
@staff_required
def publicity_publish(publicity_id):
    """Publish the list after the window (once)."""
    publicity = get_object_or_404(Publicity, Publicity.id == publicity_id)
    try:
        vetoed = [gate for gate in operations.veto_gates(publicity).values() if gate.hit]
        listed = operations.publish(publicity, by=me())
        flash(f"名单已公布，{listed} 个对象列入 {publicity.year} 年市级绿色制造名单。", "success")
        for gate in vetoed:  # 第十五条：不得列入
            flash(f"{gate.name} 未列入名单：{'；'.join(gate.problems)}", "warning")
    except Refused as error:
        flash(str(error), "danger")
    return redirect(url_for("listing.publicity_detail", publicity_id=publicity.id))


@bp.route("/publicity/<int:publicity_id>", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
@public
def publicity_notice(publicity_id):
    """The public notice of a publicity, with the real-name objection form (第二十条、第三十二条)."""
    publicity = get_object_or_404(Publicity, Publicity.id == publicity_id)
    entries = list(PublicityEntry.select().where(PublicityEntry.publicity == publicity))
    form = ObjectionForm()
    form.application.choices = [(e.application_id, e.application.subject.name) for e in entries]
    if form.validate_on_submit():
        try:
            operations.raise_objection(publicity, form.application.data, name=form.name.data, contact=form.contact.data,
                                       content=form.content.data, evidence_file=form.evidence.data,
                                       ip=request.remote_addr or "")
        except (Refused, uploads.UploadError) as error:
            form.content.errors.append(str(error))
        else:
            flash("异议已提交，主管部门将核实处理并与您联系。", "success")
            return redirect(url_for("listing.publicity_notice", publicity_id=publicity.id))
    today = local_now().date()
    return render_template("listing/notice.html", publicity=publicity, entries=entries, form=form,
                           end=operations.end_date(publicity), days=PUBLICITY_DAYS,
                           window_open=publicity.status == PublicityStatus.OPEN.value
                           and publicity.start_date <= today <= operations.end_date(publicity))


def _list_filters():
    return {key: (request.args.get(key) or "").strip()[:50] for key in ("year", "kind", "district", "q")}


def _list_query(filters):
    query = operations.published_list(year_in(filters["year"]))
    if filters["kind"]:
        query = query.where(Subject.kind == filters["kind"])
    if filters["district"]:
        query = query.where(Subject.district == filters["district"])
    if filters["q"]:
        query = query.where(search.subject_condition(filters["q"]))  # any part of the name or the credit code
    return query


@bp.route("/list")
@public
def public_list():
    """The published municipal green-manufacturing list, by year, kind and district, searchable."""
    filters = _list_filters()
    page = paginate(_list_query(filters))
    years = [y for (y,) in Listing.select(Listing.year).where(Listing.rung == Rung.MUNICIPAL.value)
             .distinct().order_by(Listing.year.desc()).tuples()]
    return fragment_or_page("listing/_list_results.html", "listing/list.html", page=page, filters=filters, years=years,
                            publicities=Publicity.select().where(Publicity.status == PublicityStatus.OPEN.value))


@bp.route("/list.xlsx")
@public
def public_list_export():
    """The published list as .xlsx, as filtered."""
    # the province's columns, without the units' contacts: a public page never carries them
    data = build_list_xlsx(_list_query(_list_filters()), settings.get_all(), contacts=False)
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=safe_filename(f"{settings.get('city_name')}市级绿色制造名单.xlsx"))


@bp.route("/list/removals")
@public
def removal_notices():
    """第三十条: the public notices of removals from the lists, by year of effect (unit, list, category, date)."""
    years = sorted({row.effective_on.year for row in RemovalNotice.select(RemovalNotice.effective_on)}, reverse=True)
    year = year_in(request.args.get("year")) or (years[0] if years else local_now().year)
    return render_template("listing/removals.html", notices=list(RemovalNotice.of_year(year)), year=year, years=years)


@bp.route("/green/<token>")
@public
def green_code(token):
    """The subject's public green-code page: its rung, whether it was removed, its 企业绿码 grade (第三十四条)."""
    subject = Subject.get_or_none(Subject.public_token == token)
    if subject is None or subject.rung == Rung.INTEREST.value and not subject.listings.exists():
        abort(404)
    removed = (Listing.select().where(Listing.subject == subject, Listing.status == ListingStatus.REMOVED.value)
               .order_by(Listing.removed_on.desc()).first())
    return render_template("listing/green.html", subject=subject, highest=operations.highest_listing(subject),
                           removed=removed)


@bp.route("/listing/subjects/<int:subject_id>/qr.svg")
@staff_required
def green_code_qr(subject_id):
    """A printable QR code of the subject's green-code page (segno, SVG)."""
    subject = get_object_or_404(Subject, Subject.id == subject_id)
    url = url_for("listing.green_code", token=subject.public_token, _external=True)
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, border=2, title=subject.name)
    return Response(buffer.getvalue(), mimetype="image/svg+xml")


@bp.route("/listing/subjects/<int:subject_id>/green-code", methods=["POST"])
@staff_required
def green_code_set(subject_id):
    """Record the subject's ministry 企业绿码 grade and year."""
    subject = get_object_or_404(Subject, Subject.id == subject_id)
    form = GreenCodeForm()
    if form.validate_on_submit():
        try:
            operations.set_green_code(subject, grade=form.grade.data or "", year=form.year.data, by=me())
            flash("企业绿码已登记。" if form.grade.data else "企业绿码已清除。", "success")
            return redirect(url_for("pool.subject_detail", subject_id=subject.id))
        except Refused as error:
            beside_field(form, error, fallback="grade")
    from blueprints.pool.routes import subject_page  # the pool area imports this one's forms

    return subject_page(subject, green_form=form)


@bp.route("/listing/outcomes", methods=["GET", "POST"])
@staff_required
def outcomes():
    """Record provincial and national outcomes one by one, so each subject's ladder is complete."""
    form = OutcomeForm(year=local_now().year)
    if form.validate_on_submit():
        subject = Subject.get_or_none(Subject.credit_code == normalize_credit_code(form.credit_code.data))
        if subject is None:
            form.credit_code.errors.append("本市没有该统一社会信用代码的培育对象")
        else:
            try:
                created = operations.record_outcome(subject, rung=form.rung.data, year=form.year.data,
                                                    listed_on=form.listed_on.data, by=me())
                flash(f"已登记：{subject.name}" if created else f"{subject.name} 的该项结果已登记过", "success")
                return redirect(url_for("listing.outcomes"))
            except Refused as error:
                form.rung.errors.append(str(error))
    return _outcomes_page(form)


def _outcomes_page(form=None, import_form=None):
    """The outcomes page; either form posted with wrong input comes back bound, its errors beside the fields."""
    recorded = (Listing.select(Listing, Subject).join(Subject)
                .where(Listing.rung.in_([Rung.PROVINCIAL.value, Rung.NATIONAL.value]))
                .order_by(Listing.year.desc(), Listing.rung, Subject.name))
    return render_template("listing/outcomes.html", form=form or OutcomeForm(formdata=None, year=local_now().year),
                           import_form=import_form or OutcomeImportForm(formdata=None), recorded=recorded)


@bp.route("/listing/outcomes/import", methods=["POST"])
@staff_required
def outcomes_import():
    """Import the province's or the ministry's .xlsx, matched on credit code; all or nothing."""
    form = OutcomeImportForm()
    if not form.validate_on_submit():
        return _outcomes_page(import_form=form)
    try:
        data, _ = uploads.read_checked(form.file.data, kinds=("xlsx",))
        rows = _outcome_rows(data)
    except (uploads.UploadError, ValueError) as error:
        form.file.errors = [*form.file.errors, f"导入失败：{error}"]
        return _outcomes_page(import_form=form)
    created = 0
    with db.atomic():
        for subject, rung, year in rows:
            created += int(operations.record_outcome(subject, rung=rung, year=year, listed_on=form.listed_on.data,
                                                     by=me()))
    flash(f"已导入 {len(rows)} 行，新登记 {created} 项（已登记过的不重复）。", "success")
    return redirect(url_for("listing.outcomes"))


_RUNG_BY_LABEL = {"省级": Rung.PROVINCIAL.value, "国家级": Rung.NATIONAL.value}


def _outcome_rows(data):
    """(subject, rung, year) per row of the province's sheet; ValueError listing every bad row."""
    stream, max_rows = io.BytesIO(data), current_app.config["IMPORT_MAX_ROWS"]
    check_workbook_size(stream)  # the same limits as the pool import, before any row is read
    try:
        sheet = load_workbook(stream, read_only=True, data_only=True).worksheets[0]
    except Exception:  # openpyxl raises many kinds for a broken workbook
        raise ValueError("无法读取该 Excel 文件")
    check_sheet_rows(sheet, max_rows)
    rows, errors = [], []
    for number, row in enumerate(sheet.iter_rows(min_row=2, max_row=max_rows + 2, values_only=True), start=2):
        if number > max_rows + 1:
            raise ValueError(f"工作表超过 {max_rows + 1} 行，一次最多导入 {max_rows} 行，请分批导入")
        if not row or not any(row):
            continue
        code, _name, rung_label, year = (list(row) + [None] * 4)[:4]
        subject = Subject.get_or_none(Subject.credit_code == normalize_credit_code(str(code or "")))
        rung = _RUNG_BY_LABEL.get(str(rung_label or "").strip())
        year_text = str(year or "").strip().split(".")[0]
        if subject is None:
            errors.append(f"第 {number} 行：本市没有代码为 {code} 的培育对象")
        elif rung is None:
            errors.append(f"第 {number} 行：级别应为“省级”或“国家级”")
        elif year_in(year_text) is None:
            errors.append(f"第 {number} 行：年度不正确")
        else:
            rows.append((subject, rung, year_in(year_text)))
    if errors:
        raise ValueError("；".join(errors[:20]) + ("……" if len(errors) > 20 else "") + "。未写入任何数据")
    if not rows:
        raise ValueError("文件中没有数据行")
    return rows

