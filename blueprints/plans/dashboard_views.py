"""The plan dashboard's pages: the figures, the targets per district (edited there) and the year-end snapshots."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional

import rules
from blueprints.views import get_object_or_404
from core.access import staff_required
from core.validation import Form
from models import CultivationPlan, PlanSnapshot, PlanStatus
from rules import Refused

from . import bp
from . import dashboard as figures_module


@bp.app_context_processor
def _milestone_events():
    """The names of the events that tick milestones, and those only the event may tick, for every page that shows a
    milestone."""
    return {"MILESTONE_EVENTS": rules.MILESTONE_EVENTS, "EVENTS_RECORDED_HERE": rules.EVENTS_RECORDED_HERE}


class SnapshotForm(Form):
    """Only the CSRF token: 保存年终快照."""


def district_form(plan, formdata=None):
    """One number per district (field d<i>, labelled with the district's name), filled with the plan's targets."""
    names = figures_module.districts_of(plan)

    class DistrictTargetsForm(Form):
        pass

    for index, name in enumerate(names):
        setattr(DistrictTargetsForm, f"d{index}",
                IntegerField(name, validators=[Optional(), NumberRange(0, 10000, "目标数须为 0–10000 的整数")]))
    current = figures_module.district_targets(plan)
    form = DistrictTargetsForm(formdata=formdata, data={f"d{i}": current.get(n, 0) for i, n in enumerate(names)})
    form.districts = list(enumerate(names))
    return form


def _render(plan, district_targets_form=None, status=200):
    return render_template("plans/dashboard.html", plan=plan, data=figures_module.figures(plan),
                           district_form=district_targets_form or district_form(plan, formdata=None),
                           snapshot_form=SnapshotForm(formdata=None), snapshots=list(figures_module.snapshots(plan)),
                           snapshot=None), status


@bp.route("/<int:plan_id>/dashboard")
@staff_required
def plan_dashboard(plan_id):
    """Per kind and rung: target, assigned, on track, at risk, achieved this year; overdue by district and owner;
    targets per district; the year-end snapshots."""
    return _render(get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id))


@bp.route("/<int:plan_id>/district-targets", methods=["POST"])
@staff_required
def plan_district_targets(plan_id):
    """Set the plan's targets per district (plan content: an approved plan goes back to draft)."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    form = district_form(plan, formdata=request.form)
    if not form.validate_on_submit():
        return _render(plan, form, 200)
    counts = {name: form[f"d{index}"].data or 0 for index, name in form.districts}
    was_approved = plan.status == PlanStatus.APPROVED.value
    try:
        changed = figures_module.set_district_targets(plan, counts, by=current_user._get_current_object())
    except Refused as refused:
        flash(str(refused), "danger")
    else:
        flash(("区县目标已保存。" + ("内容有变更，计划已退回草稿，需重新批准。" if was_approved else ""))
              if changed else "区县目标没有变化。", "success")
    return redirect(url_for("plans.plan_dashboard", plan_id=plan.id, _anchor="district-table"))


@bp.route("/<int:plan_id>/snapshots", methods=["POST"])
@staff_required
def plan_snapshot_create(plan_id):
    """Keep the dashboard's figures as they stand now (保存年终快照)."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    if SnapshotForm().validate_on_submit():
        snapshot = figures_module.take_snapshot(plan, by=current_user._get_current_object())
        flash("年终快照已保存，此后计划变化不影响快照内容。", "success")
        return redirect(url_for("plans.plan_snapshot", snapshot_id=snapshot.id))
    flash("请求已过期，请刷新页面后重试。", "danger")
    return redirect(url_for("plans.plan_dashboard", plan_id=plan.id))


@bp.route("/snapshots/<int:snapshot_id>")
@staff_required
def plan_snapshot(snapshot_id):
    """One snapshot, as it was taken (read-only)."""
    snapshot = get_object_or_404(PlanSnapshot, PlanSnapshot.id == snapshot_id)
    return render_template("plans/dashboard.html", plan=snapshot.plan, data=snapshot.figures_dict, snapshot=snapshot,
                           snapshots=list(figures_module.snapshots(snapshot.plan)), district_form=None,
                           snapshot_form=None)
