"""The plan's work queue actions: tick a milestone for the selected items, chase up their enterprises (催办)."""
from flask import flash, redirect, render_template, request, url_for

from blueprints.views import get_object_or_404, me
from core.access import staff_required
from models import CultivationPlan, local_now
from rules import Refused

from . import bp, worklist
from .forms import BulkTickForm, ChaseUpForm
from .routes import detail_page


def _back(plan):
    """The plan page under the filters the action was taken with."""
    filters = worklist.set_filters(worklist.item_filters_from(request.form))
    return redirect(url_for("plans.plan_detail", plan_id=plan.id, **filters) + "#plan-items")


@bp.route("/<int:plan_id>/milestones/tick", methods=["POST"])
@staff_required
def milestones_tick(plan_id):
    """Record one milestone (by name) done on a date for every ticked item that has it open; then say what was
    ticked and what was skipped and why."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    form = BulkTickForm()
    form.milestone.choices = [(request.form.get("milestone", ""),) * 2]
    item_ids = request.form.getlist("item")
    valid = form.validate_on_submit()
    if not item_ids:
        form.milestone.errors = [*form.milestone.errors, "请先勾选要登记的培育对象"]
        valid = False
    if not valid:
        return detail_page(plan, request.form, tick_form=form, selected=item_ids)
    try:
        ticked, skipped = worklist.tick_milestones(plan, item_ids, name=form.milestone.data,
                                                   done_date=form.done_date.data,
                                                   by=me())
    except Refused as refused:
        form.milestone.errors = [str(refused)]
        return detail_page(plan, request.form, tick_form=form, selected=item_ids)
    filters = worklist.set_filters(worklist.item_filters_from(request.form))
    return render_template("plans/queue_result.html", plan=plan, name=form.milestone.data,
                           done_date=form.done_date.data, ticked=ticked, skipped=skipped, filters=filters)


@bp.route("/<int:plan_id>/chase-up", methods=["GET", "POST"])
@staff_required
def chase_up(plan_id):
    """Write a chase-up message (催办) to the enterprises of one or the selected items (GET ?item=… or the queue's
    button, which posts step=compose); sending stores it with each subject, audited."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    args = request.args if request.method == "GET" else request.form
    item_ids = args.getlist("item")
    composing = request.method == "GET" or request.form.get("step") == "compose"
    items, overdue = worklist.recipients(plan, item_ids, local_now().date())
    if composing:
        form = ChaseUpForm(formdata=None, body=_suggested_text(plan))
    else:
        form = ChaseUpForm()
        if form.validate_on_submit():
            try:
                subjects = worklist.chase_up(plan, [item.id for item in items], body=form.body.data,
                                             by=me())
            except Refused as refused:
                form.body.errors = [str(refused)]
            else:
                names = "、".join(s.name for s in subjects[:5]) + (" 等" if len(subjects) > 5 else "")
                flash(f"已向 {len(subjects)} 家企业发出催办（{names}），企业在其页面可见。", "success")
                return _back(plan)
    filters = worklist.set_filters(worklist.item_filters_from(args))
    return render_template("plans/chase_up.html", plan=plan, items=items, overdue=overdue, form=form,
                           filters=filters)


def _suggested_text(plan):
    return (f"贵单位列入{plan.year}年绿色制造梯度培育计划，目前有培育节点已逾期或即将到期。"
            "请抓紧推进相关工作，并在本网站“培育计划”页面提交佐证材料；如有困难请与经办人联系。")
