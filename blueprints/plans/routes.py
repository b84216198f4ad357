import io

from flask import flash, redirect, render_template, request, send_file, url_for

from blueprints.pool.queries import filter_choices, filters_from, pool_query
from blueprints.views import beside_field, get_object_or_404, inline_answer, me
from core import audit, settings
from core.access import admin_required, staff_required
from core.bounds import int_in
from core.documents import DOCX_MIMETYPE, XLSX_MIMETYPE
from models import CultivationPlan, Engagement, Milestone, PlanItem, PlanProject, PlanStatus, Subject, User, local_now
from rules import Refused

from . import bp, operations, worklist, writers
from .forms import (
    BulkAddForm,
    BulkTickForm,
    ItemAddForm,
    ItemEditForm,
    MilestoneForm,
    PlanCreateForm,
    PlanEditForm,
    ProjectForm,
)


def _user(form_value):
    return User.get_or_none(User.id == int_in(form_value)) if int_in(form_value) else None


def _form_errors(form):
    return "；".join(m for messages in form.errors.values() for m in messages)


@bp.route("/")
@staff_required
def plan_list():
    """Every plan, newest year and version first."""
    plans = CultivationPlan.select().order_by(CultivationPlan.year.desc(), CultivationPlan.version.desc())
    year = local_now().year
    return render_template("plans/list.html", plans=plans,
                           form=PlanCreateForm(year=year, title=f"{settings.get('city_name')}{year}年绿色制造梯度培育计划"))


@bp.route("/new", methods=["POST"])
@staff_required
def plan_create():
    """Start a year's plan, empty or from last year's."""
    form = PlanCreateForm()
    if form.validate_on_submit():
        try:
            plan = operations.create_plan(form.year.data, title=form.title.data, by=me(),
                                          copy_last_year=form.copy_last_year.data)
        except Refused as error:
            form.year.errors.append(str(error))
        else:
            flash("培育计划已创建。", "success")
            return redirect(url_for("plans.plan_detail", plan_id=plan.id))
    plans = CultivationPlan.select().order_by(CultivationPlan.year.desc(), CultivationPlan.version.desc())
    return render_template("plans/list.html", plans=plans, form=form)


def _plan_context(plan, args=None, tick_form=None, selected=()):
    """The plan's items as a work queue: filtered by the args (worklist.ITEM_FILTERS), with counts per filter, the
    progress of the items shown, and the bulk-tick form."""
    today = local_now().date()
    all_items = list(operations.active_items(plan))
    milestones = operations.milestones_by_item(all_items)
    queue = worklist.work_queue(plan, all_items, milestones, worklist.item_filters_from(args or {}), today)
    items = queue["items"]
    shown_milestones = [m for item in items for m in milestones[item.id]]
    names = worklist.milestone_names(items, milestones)
    if tick_form is None:
        tick_form = BulkTickForm(formdata=None, done_date=today)
    tick_form.milestone.choices = [("", "选择节点")] + [(n, n) for n in names]
    return {
        "plan": plan, "items": items, "milestones": milestones, "today": today, "queue": queue,
        "tick_form": tick_form, "selected": {str(s) for s in selected},
        "progress": operations.progress, "plan_progress": operations.progress(shown_milestones),
        "versions": CultivationPlan.select().where(CultivationPlan.year == plan.year).order_by(CultivationPlan.version),
    }


def detail_page(plan, args=None, edit_form=None, add_form=None, **queue_state):
    """The plan page (also re-rendered by the work-queue actions, the plan edit and the add-one form when their input
    is wrong: the bound form passed in shows what was typed and the errors beside the fields)."""
    if edit_form is None:
        edit_form = PlanEditForm(formdata=None, obj=plan)
        edit_form.typed_targets = {(t.kind, t.rung): t.count for t in plan.targets}
    add_subject = None
    if add_form is None:
        add_form = ItemAddForm(formdata=None)
    elif int_in(str(add_form.subject_id.data)):  # the subject chosen stays chosen (an id out of range finds none)
        add_subject = Subject.get_or_none(Subject.id == add_form.subject_id.data)
    return render_template("plans/detail.html", edit_form=edit_form, targets=edit_form.typed_targets,
                           add_form=add_form, add_subject=add_subject, **_plan_context(plan, args, **queue_state))


@bp.route("/<int:plan_id>")
@staff_required
def plan_detail(plan_id):
    """The plan: its text and targets, its items (filtered: owner, district, overdue, no_agency) with computed
    progress, and its actions."""
    return detail_page(get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id), request.args)


@bp.route("/<int:plan_id>/progress")
@staff_required
def plan_progress(plan_id):
    """The plan's items and progress alone, under the same filters: refreshed whenever a milestone changes."""
    return render_template("plans/_items.html", **_plan_context(get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id), request.args))


@bp.route("/<int:plan_id>/edit", methods=["POST"])
@staff_required
def plan_edit(plan_id):
    """Change the plan's title, goals, measures and targets."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    form = PlanEditForm()
    targets, error = form.targets(request.form)
    if not form.validate_on_submit() or targets is None:
        form.targets_error = error
        form.typed_targets = {(kind, rung): request.form.get(name, "") for kind, rung, name in form.target_fields}
        return detail_page(plan, edit_form=form)
    was_approved = plan.status == PlanStatus.APPROVED.value
    try:
        operations.update_plan(plan, title=form.title.data, goals=form.goals.data or "",
                               measures=form.measures.data or "", targets=targets,
                               by=me())
        flash("计划已保存。" + ("内容有变更，计划已退回草稿，需重新批准。" if was_approved else ""), "success")
    except Refused as refused:  # the plan is locked: nothing about one field
        flash(str(refused), "danger")
    return redirect(url_for("plans.plan_detail", plan_id=plan.id))


@bp.route("/<int:plan_id>/approve", methods=["POST"])
@admin_required
def plan_approve(plan_id):
    """The admin approves the plan."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    try:
        operations.approve(plan, by=me())
        flash("计划已批准。", "success")
    except Refused as error:
        flash(str(error), "danger")
    return redirect(url_for("plans.plan_detail", plan_id=plan.id))


@bp.route("/<int:plan_id>/new-version", methods=["POST"])
@staff_required
def plan_new_version(plan_id):
    """Open a new draft version of a filed plan (the filed one stays as it was)."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    try:
        copy = operations.new_version(plan, by=me())
    except Refused as error:
        flash(str(error), "danger")
        return redirect(url_for("plans.plan_detail", plan_id=plan.id))
    flash(f"已创建第 {copy.version} 版（草稿）。", "success")
    return redirect(url_for("plans.plan_detail", plan_id=copy.id))


@bp.route("/<int:plan_id>/items", methods=["POST"])
@staff_required
def item_add(plan_id):
    """Add one pooled subject to the plan."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    form = ItemAddForm()
    if form.validate_on_submit():
        subject = Subject.get_or_none(Subject.id == form.subject_id.data)
        try:
            if subject is None:
                raise Refused("培育对象不存在")
            operations.add_item(plan, subject, target_rung=form.target_rung.data, owner=_user(form.owner.data),
                                by=me())
        except Refused as error:
            if plan.locked:  # the add form is not shown on a locked plan
                flash(str(error), "danger")
                return redirect(url_for("plans.plan_detail", plan_id=plan.id))
            form.subject_id.errors.append(str(error))  # the subject chosen: not pooled, already in, target too low
        else:
            flash(f"已加入：{subject.name}", "success")
            return redirect(url_for("plans.plan_detail", plan_id=plan.id))
    return detail_page(plan, add_form=form)


@bp.route("/<int:plan_id>/subjects")
@staff_required
def subject_options(plan_id):
    """Pooled subjects matching a search, as <option>s for the add-one form (htmx)."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    in_plan = PlanItem.select(PlanItem.subject).where(PlanItem.plan == plan)
    query = pool_query(filters_from({"q": request.args.get("q", "")})).where(Subject.id.not_in(in_plan)).limit(30)
    return render_template("plans/_subject_options.html", entries=query)


@bp.route("/<int:plan_id>/bulk", methods=["GET", "POST"])
@staff_required
def items_bulk(plan_id):
    """Add subjects of a pool filter: a preview row per subject with its target and, before adding, why it would be
    refused; then the ticked rows are added (each checked again; the refused ones reported, the rest added)."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    filters = filters_from(request.args)  # the preview form posts to the URL of its filter
    matches = list(pool_query(filters).limit(worklist.BULK_ADD_MAX + 1))
    more = len(matches) > worklist.BULK_ADD_MAX
    form = BulkAddForm()
    chosen, ticked, error = {}, None, None
    if request.method == "POST":
        pairs, missing = worklist.bulk_pairs(request.form)
        chosen = {subject.id: target for subject, target in pairs}
        ticked = set(chosen)
        if not form.validate_on_submit():
            error = _form_errors(form)
        elif not pairs and not missing:
            error = "请先勾选要加入的培育对象"
        else:
            was_approved = plan.status == PlanStatus.APPROVED.value
            try:
                added, skipped = operations.add_items(plan, pairs, owner=_user(form.owner.data),
                                                      by=me())
            except Refused as refused:
                error = str(refused)
            else:
                skipped = missing + skipped
                text = f"已加入 {len(added)} 个培育对象"
                if skipped:
                    text += f"；{len(skipped)} 个未加入：" + "；".join(skipped[:10]) + ("……" if len(skipped) > 10 else "")
                if added and was_approved:
                    text += "。计划内容有变更，已退回草稿，需重新批准"
                flash(text + "。", "success" if added and not skipped else "warning")
                return redirect(url_for("plans.plan_detail", plan_id=plan.id))
    rows = worklist.bulk_preview(plan, matches[:worklist.BULK_ADD_MAX], chosen)
    return render_template("plans/bulk.html", plan=plan, filters=filters, rows=rows, more=more, form=form,
                           ticked=ticked, error=error, addable=sum(1 for r in rows if not r["problem"]),
                           **filter_choices())


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@staff_required
def item_detail(item_id):
    """One item: its target, owner, the bureau's note and the milestones (edited inline)."""
    item = get_object_or_404(PlanItem, PlanItem.id == item_id)
    form = ItemEditForm(obj=item, owner=str(item.owner_id or ""))
    if request.method == "POST" and form.validate_on_submit():
        try:
            steps = operations.update_item(item, target_rung=form.target_rung.data, owner=_user(form.owner.data),
                                           note=form.note.data or "", by=me())
            flash("已保存。" + operations.describe_step_changes(steps), "success")
            return redirect(url_for("plans.item_detail", item_id=item.id))
        except Refused as error:
            flash(str(error), "danger")
    milestones = list(item.milestones.order_by(Milestone.position))
    engagements = item.subject.engagements.where(Engagement.status.in_(Engagement.LIVE), Engagement.year == item.plan.year)
    return render_template("plans/item.html", item=item, plan=item.plan, form=form, milestones=milestones,
                           today=local_now().date(), progress=operations.progress(milestones), engagements=engagements,
                           **_projects_context(item))


def _projects_context(item, error=None, new_form=None):
    """The item's projects component: its live projects, an add form, and the error of the last change if any."""
    return {"projects": operations.projects_by_item([item])[item.id], "project_error": error,
            "new_project_form": new_form or ProjectForm(formdata=None)}


def _projects_answer(item, error=None, new_form=None):
    """After a project change: the component alone for htmx (200 even on error, site-wide), else back to the page.
    `error` is a refusal of no one field (shown above the list); the add form's own messages sit beside its fields."""
    failed = error or (_form_errors(new_form) if new_form is not None else None) or None
    return inline_answer(failed, url_for("plans.item_detail", item_id=item.id),
                         lambda: render_template("plans/_projects.html", item=item, plan=item.plan,
                                                 **_projects_context(item, error, new_form)),
                         trigger="plan-changed")


@bp.route("/items/<int:item_id>/projects", methods=["POST"])
@staff_required
def project_add(item_id):
    """Add a green-upgrade project to the item (htmx, inline)."""
    item = get_object_or_404(PlanItem, PlanItem.id == item_id)
    form = ProjectForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.add_project(item, name=form.name.data, start_on=form.start_on.data, end_on=form.end_on.data,
                                   investment=form.investment.data,
                                   effect=form.effect.data, by=me())
            form = None
        except Refused as refused:
            error = None if beside_field(form, refused) else str(refused)
    return _projects_answer(PlanItem.get_by_id(item.id), error, form)


@bp.route("/projects/<int:project_id>", methods=["POST"])
@staff_required
def project_update(project_id):
    """Change one project inline (htmx): what, when, investment, expected effect."""
    project = get_object_or_404(PlanProject, PlanProject.id == project_id)
    form = ProjectForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.update_project(project, name=form.name.data, start_on=form.start_on.data,
                                      end_on=form.end_on.data,
                                      investment=form.investment.data, effect=form.effect.data, by=me())
        except Refused as refused:
            error = str(refused)
    else:
        error = _form_errors(form)
    return _projects_answer(PlanItem.get_by_id(project.item_id), error)


@bp.route("/projects/<int:project_id>/withdraw", methods=["POST"])
@staff_required
def project_withdraw(project_id):
    """Take a project off the item (kept on record)."""
    project = get_object_or_404(PlanProject, PlanProject.id == project_id)
    error = None
    try:
        operations.withdraw_project(project, by=me())
    except Refused as refused:
        error = str(refused)
    return _projects_answer(PlanItem.get_by_id(project.item_id), error)


@bp.route("/items/<int:item_id>/withdraw", methods=["POST"])
@staff_required
def item_withdraw(item_id):
    """Take the item out of the plan (kept on record)."""
    item = get_object_or_404(PlanItem, PlanItem.id == item_id)
    try:
        operations.withdraw_item(item, by=me())
        flash(f"已将 {item.subject.name} 移出本计划。", "success")
    except Refused as error:
        flash(str(error), "danger")
    return redirect(url_for("plans.plan_detail", plan_id=item.plan_id))


@bp.route("/milestones/<int:milestone_id>", methods=["POST"])
@staff_required
def milestone_update(milestone_id):
    """Edit one milestone inline (htmx): the row comes back, and the progress elsewhere refreshes."""
    milestone = get_object_or_404(Milestone, Milestone.id == milestone_id)
    form = MilestoneForm()
    error = None
    if form.validate_on_submit():
        try:
            operations.update_milestone(milestone, due_date=form.due_date.data, done_date=form.done_date.data,
                                        evidence_note=form.evidence_note.data or "",
                                        by=me())
        except Refused as refused:
            error = str(refused)
    else:
        error = _form_errors(form)
    milestone = Milestone.get_by_id(milestone.id)  # what is stored, not what was typed
    return inline_answer(error, url_for("plans.item_detail", item_id=milestone.item_id),
                         lambda: render_template("plans/_milestone.html", m=milestone, error=error,
                                                 today=local_now().date(), plan=milestone.item.plan),
                         trigger="plan-changed")


@bp.route("/items/<int:item_id>/progress")
@staff_required
def item_progress(item_id):
    """The item's progress bar alone (refreshed on plan-changed)."""
    item = get_object_or_404(PlanItem, PlanItem.id == item_id)
    return render_template("plans/_progress.html", progress=operations.progress(list(item.milestones)),
                           url=url_for("plans.item_progress", item_id=item.id))


@bp.route("/<int:plan_id>/plan.docx")
@staff_required
def plan_docx(plan_id):
    """The plan as an official document (.docx)."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    data = writers.build_plan_docx(plan, settings.get_all(), local_now().date())
    audit.record("plan.export", plan, details={"format": "docx"})
    return send_file(io.BytesIO(data), mimetype=DOCX_MIMETYPE, as_attachment=True,
                     download_name=f"{plan.year}年培育计划-第{plan.version}版.docx")


@bp.route("/<int:plan_id>/items.xlsx")
@staff_required
def plan_items_xlsx(plan_id):
    """The plan's items as .xlsx."""
    plan = get_object_or_404(CultivationPlan, CultivationPlan.id == plan_id)
    data = writers.build_items_xlsx(plan, local_now().date())
    audit.record("plan.export", plan, details={"format": "xlsx"})
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=f"{plan.year}年培育计划条目-第{plan.version}版.xlsx")
