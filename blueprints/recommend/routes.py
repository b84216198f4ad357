import hashlib
import io

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_htmx import make_response as htmx_response

import rules
from blueprints.pool.operations import priority_markers
from blueprints.views import get_object_or_404, me
from core import audit
from core.access import admin_required, staff_required
from core.bounds import year_in
from core.extensions import htmx
from models import Decision, Recommendation, RecommendationRound, local_now
from rules import Refused

from . import bp, operations
from .forms import DecisionForm


@bp.route("/")
@staff_required
def recommend_home():
    """The current year's round (or the button to open it)."""
    year = year_in(request.args.get("year")) or local_now().year
    round_ = RecommendationRound.latest_for(year)
    if round_ is not None:
        return redirect(url_for("recommend.round_detail", round_id=round_.id))
    return render_template("recommend/start.html", year=year, waiting=operations.round_applications(year).count())


@bp.route("/open", methods=["POST"])
@staff_required
def round_open():
    """Open the year's recommendation round."""
    year = year_in(request.form.get("year")) or local_now().year
    try:
        round_ = operations.open_round(year, by=me())
    except Refused as error:
        flash(str(error), "danger")
        return redirect(url_for("recommend.recommend_home", year=year))
    return redirect(url_for("recommend.round_detail", round_id=round_.id))


def _row_context(row, today, frozen=None):
    """One applicant's row: a signed round shows the checks it was signed on, a draft computes them today."""
    if frozen is not None and row.id in frozen:
        check_list = [rules.Check(**check) for check in frozen[row.id]["checks"]]
    else:
        check_list = operations.checks(row.application, today=today)
    form = DecisionForm(obj=row, prefix=f"r{row.id}")
    return {"row": row, "checks": check_list, "red": operations.red(check_list), "form": form,
            "markers": priority_markers(row.application.subject),  # 第七条第三项: shown, never a red check
            "suggested": {d.value: operations.default_opinion(row.application, check_list=check_list,
                                                              decision=d.value) for d in Decision}}


@bp.route("/rounds/<int:round_id>")
@staff_required
def round_detail(round_id):
    """Every applicant with its computed checks, rank, opinion and decision."""
    round_ = get_object_or_404(RecommendationRound, RecommendationRound.id == round_id)
    if not round_.locked:
        with_new = operations.sync(round_)
        if with_new:
            flash(f"已加入 {with_new} 份新提交的申报。", "info")
    return _round_page(round_)


def _round_page(round_, failed=None, form=None, error=None):
    """The round page; a row saved with wrong input without htmx (`failed`, its bound `form` and the `error` not
    about one field) comes back with what was typed and the messages beside the fields."""
    today = local_now().date()
    snapshot = operations.stored_snapshot(round_)
    frozen = {entry["id"]: entry for entry in snapshot["rows"]} if snapshot else None
    rows = [_row_context(r, today, frozen) for r in operations.ordered(round_)]
    for context in rows:
        if failed is not None and context["row"].id == failed.id:
            context.update(form=form, error=error)
    versions = RecommendationRound.select().where(RecommendationRound.year == round_.year).order_by(RecommendationRound.version)
    return render_template("recommend/round.html", round=round_, rows=rows, versions=versions,
                           frozen=frozen is not None)


@bp.route("/recommendations/<int:recommendation_id>", methods=["POST"])
@staff_required
def recommendation_save(recommendation_id):
    """Save one applicant's rank, decision and opinion (htmx: the row comes back with any error beside it)."""
    row = get_object_or_404(Recommendation, Recommendation.id == recommendation_id)
    form = DecisionForm(prefix=f"r{row.id}")
    error = None
    if form.validate_on_submit():
        try:
            operations.decide(row, rank=form.rank.data, decision=form.decision.data, opinion=form.opinion.data or "",
                              exception_reason=form.exception_reason.data or "", by=me(), today=local_now().date())
        except Refused as refused:
            if refused.field in form:
                form[refused.field].errors.append(str(refused))  # about one field: beside it
            else:
                error = str(refused)
    elif not any(getattr(form, name).errors for name in ("rank", "decision", "opinion", "exception_reason")):
        error = "；".join(m for ms in form.errors.values() for m in ms) or "请刷新页面后重试"  # the token, not a field
    invalid = bool(error) or any(field.errors for field in form)
    if not htmx:
        if invalid:
            return _round_page(row.round, failed=row, form=form, error=error)
        flash("已保存。", "success")
        return redirect(url_for("recommend.round_detail", round_id=row.round_id))
    context = _row_context(Recommendation.get_by_id(row.id), local_now().date())
    if invalid:
        context["form"] = form
    return htmx_response(render_template("recommend/_row.html", error=error, round=row.round, **context))


@bp.route("/rounds/<int:round_id>/sign", methods=["POST"])
@admin_required
def round_sign(round_id):
    """The admin signs off the round, which locks it."""
    round_ = get_object_or_404(RecommendationRound, RecommendationRound.id == round_id)
    try:
        operations.sign(round_, by=me())
        flash("推荐意见已签发。", "success")
    except Refused as error:  # a refusal that links to what to do (第三十一条: the pending changes) keeps its links
        flash(error.__html__() if hasattr(error, "__html__") else str(error), "danger")
    return redirect(url_for("recommend.round_detail", round_id=round_.id))


@bp.route("/rounds/<int:round_id>/new-version", methods=["POST"])
@staff_required
def round_new_version(round_id):
    """Open a corrected version of a signed round; both stay."""
    round_ = get_object_or_404(RecommendationRound, RecommendationRound.id == round_id)
    try:
        copy = operations.new_version(round_, by=me())
    except Refused as error:
        flash(str(error), "danger")
        return redirect(url_for("recommend.round_detail", round_id=round_.id))
    flash(f"已创建第 {copy.version} 版。", "success")
    return redirect(url_for("recommend.round_detail", round_id=copy.id))


@bp.route("/rounds/<int:round_id>/package.zip")
@staff_required
def round_package(round_id):
    """Download the package: a signed round, or a draft when asked explicitly (?draft=1)."""
    round_ = get_object_or_404(RecommendationRound, RecommendationRound.id == round_id)
    if not round_.locked and request.args.get("draft") != "1":
        flash("本轮尚未签发；如需草稿，请使用“下载草稿”。", "warning")
        return redirect(url_for("recommend.round_detail", round_id=round_.id))
    data, frozen = operations.package_for(round_)  # a signed round: the bytes its sign-off built, every time
    audit.record("recommend.package", round_, object_type="recommendation_round",
                 details={"draft": not round_.locked, "frozen": frozen, "sha256": hashlib.sha256(data).hexdigest()})
    name = f"{round_.year}年省级绿色制造名单推荐材料-第{round_.version}版{'' if round_.locked else '（草稿）'}.zip"
    return send_file(io.BytesIO(data), mimetype="application/zip", as_attachment=True, download_name=name)


