"""Batch assignment pages (staff): choose subjects from a pool filter or a plan, see the proposed assignment with a
load bar per agency, change rows with a reason, send every invitation in one step; the capacity per agency and year.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_htmx import make_response as htmx_response
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

import rules
from blueprints.plans import operations as plan_operations
from blueprints.pool.queries import filter_choices, filters_from, pool_query
from blueprints.views import get_object_or_404, me
from core.access import staff_required
from core.bounds import YEAR_MAX, YEAR_MIN, int_in, year_in
from core.extensions import htmx
from core.validation import Form
from models import (
    Agency,
    AgencyCapacity,
    AssignmentBatch,
    CultivationPlan,
    Engagement,
    EngagementPurpose,
    Rung,
    Subject,
    local_now,
)
from rules import Refused

from . import assignment, batch_operations, bp, matching, operations

MAX_SUBJECTS = 500


class BatchSetupForm(Form):
    """What the batch is for and where its subjects come from (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    source = SelectField("对象来源", choices=[("pool", "培育库筛选"), ("plan", "培育计划")], default="pool")
    plan = SelectField("培育计划", choices=[], validators=[Optional()])
    purpose = SelectField("对接内容", choices=EngagementPurpose.choices(), default=EngagementPurpose.CONSULTING.value)
    target = SelectField("评价梯度", choices=[(r, Rung.label_of(r)) for r in rules.APPLICATION_RUNGS],
                         default="municipal")
    for_year = IntegerField("对接年度", validators=[InputRequired("请输入年度"),
                                                   NumberRange(YEAR_MIN, YEAR_MAX, "年度不正确")])
    limit = IntegerField("对象数（至多）", default=50,
                         validators=[InputRequired("请输入对象数"), NumberRange(1, MAX_SUBJECTS, f"须为 1 至 {MAX_SUBJECTS}")])

    def validate_plan(self, field):
        if self.source.data == "plan" and not int_in(field.data):
            raise ValidationError("请选择培育计划")


class CapacityForm(Form):
    year = IntegerField("年度", validators=[InputRequired("请输入年度"), NumberRange(YEAR_MIN, YEAR_MAX, "年度不正确")])
    capacity = IntegerField("容量（项）", validators=[InputRequired("请输入容量"),
                                                  NumberRange(0, 1000, "容量须为 0 至 1000 之间的整数")])
    next = HiddenField()


def _today():
    return local_now().date()


def _setup_form(args):
    form = BatchSetupForm(formdata=args if args.get("purpose") else None, for_year=local_now().year)
    form.plan.choices = [("", "—")] + [(str(p.id), f"{p.title}（{p.year}，第{p.version}版）")
                                       for p in CultivationPlan.select().order_by(CultivationPlan.year.desc(),
                                                                                  CultivationPlan.version.desc())]
    return form


def _subjects(form, filters):
    """The batch's subjects, in a stable order, at most `limit` of them (from the pool filter or the plan)."""
    limit = form.limit.data
    if form.source.data == "plan":
        plan = CultivationPlan.get_or_none(CultivationPlan.id == int_in(form.plan.data))
        if plan is None:
            return []
        return [item.subject for item in plan_operations.active_items(plan).limit(limit)]
    return [entry.subject for entry in pool_query(filters).limit(limit)]


def _subjects_by_ids(values):
    ids = [i for i in (int_in(v) for v in values) if i][:MAX_SUBJECTS]
    by_id = {s.id: s for s in Subject.select().where(Subject.id.in_(ids))} if ids else {}
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]


def _query_args(form, filters):
    """The page's query string as a dict (the POST goes back to the same URL)."""
    args = {key: value for key, value in filters.items() if value and key != "sort"}
    args.update(source=form.source.data, plan=form.plan.data or None, purpose=form.purpose.data,
                target=form.target.data, for_year=form.for_year.data, limit=form.limit.data)
    return {k: v for k, v in args.items() if v not in (None, "")}


def _context(form, filters, subjects, choices=None, errors=None, error=None, planned=None):
    """Everything the page shows for these subjects: rows, load bars, the subjects nobody covers. A row starts ticked
    only when the method proposed an agency for it, so the page as first shown can be sent as it is."""
    ranked, proposals, loads = planned or batch_operations.plan(
        subjects, purpose=form.purpose.data, rung=form.target.data, year=form.for_year.data, today=_today())
    choices = choices or {}
    rows = []
    for subject in subjects:
        proposal = proposals[subject.id]
        offered = [c for c in ranked[subject.id] if c.offered]
        posted = choices.get(subject.id)
        rows.append({
            "subject": subject, "proposal": proposal, "offered": offered,
            "recommended": matching.recommended_ids(ranked[subject.id]),
            "chosen": posted["agency_id"] if posted else proposal.agency_id,
            "reason": posted["reason"] if posted else "",
            "included": posted["included"] if posted else proposal.agency_id is not None,
            "error": (errors or {}).get(subject.id, ""),
        })
    batch_load = {}
    for row in rows:
        if row["included"] and row["chosen"]:
            batch_load[row["chosen"]] = batch_load.get(row["chosen"], 0) + 1
    agencies = {c.agency.id: c.agency for row in rows for c in row["offered"]}
    stated = matching.capacity_by_agency(form.for_year.data)
    bars = sorted(({"agency": agencies[a], "load": load, "capacity": capacity, "batch": batch_load.get(a, 0),
                    "stated": a in stated}
                   for a, (load, capacity) in loads.items()), key=lambda b: (-b["batch"], b["agency"].name))
    return {
        "form": form, "filters": filters, "rows": rows, "bars": bars, "error": error,
        "no_agency": [r["subject"] for r in rows if not r["offered"]],
        "not_covered": [r["subject"] for r in rows if r["offered"] and not any(c.covers_industry for c in r["offered"])],
        "proposed": sum(1 for r in rows if r["proposal"].agency_id),
        "unticked": sum(1 for r in rows if r["offered"] and not r["included"]),
        "query_args": _query_args(form, filters),
        "default_capacity": rules.DEFAULT_AGENCY_CAPACITY, "capacity_form": CapacityForm(year=form.for_year.data),
    }


def _recent_batches():
    return list(AssignmentBatch.select().order_by(AssignmentBatch.id.desc()).limit(10))


@bp.route("/agencies/batch", methods=["GET", "POST"])
@staff_required
def batch_assign():
    """The batch assignment page: the proposal on GET, every invitation sent in one step on POST."""
    filters = filters_from(request.args)
    form = _setup_form(request.args)
    choices = dict(filter_choices(), recent=_recent_batches())
    if not request.args.get("purpose"):
        return render_template("agencies/batch.html", form=form, filters=filters, rows=None, **choices)
    if not form.validate():
        return render_template("agencies/batch.html", form=form, filters=filters, rows=None, **choices)
    operations.expire_overdue(_today())  # an overdue invitation holds no slot in the loads shown or checked
    if request.method == "GET":
        subjects = _subjects(form, filters)
        return render_template("agencies/batch.html", **_context(form, filters, subjects), **choices)
    return _send(form, filters, choices)


def _send(form, filters, choices):
    """Check every row (the agency offered, a reason when it differs from the proposal), then send_batch with the
    one ranking the rows were checked against."""
    subjects = _subjects_by_ids(request.form.getlist("subject"))
    planned = batch_operations.plan(subjects, purpose=form.purpose.data, rung=form.target.data,
                                    year=form.for_year.data, today=_today())
    ranked, proposals, _ = planned
    posted, errors, rows = {}, {}, []
    for subject in subjects:
        included = request.form.get(f"include_{subject.id}") == "1"
        agency_id = int_in(request.form.get(f"agency_{subject.id}"))
        reason = (request.form.get(f"reason_{subject.id}") or "").strip()[:500]
        posted[subject.id] = {"agency_id": agency_id, "reason": reason, "included": included}
        if not included:
            continue
        offered = {c.agency.id: c for c in ranked[subject.id] if c.offered}
        if agency_id is None:
            if offered:
                errors[subject.id] = "请选择机构，或取消勾选以不发送"
            continue  # nobody can take it: nothing to send for this row
        if agency_id not in offered:
            errors[subject.id] = "所选机构当前不可对接，请改选"
            continue
        proposal = proposals[subject.id]
        if agency_id != proposal.agency_id and not reason:
            errors[subject.id] = "与建议分配不同，请填写改选理由"
            continue
        if agency_id == proposal.agency_id and not proposal.top and not reason:
            reason = assignment.generated_reason()
        problem = matching.choice_problem(ranked[subject.id], agency_id, reason)
        if problem:
            errors[subject.id] = problem
            continue
        rows.append(batch_operations.Row(subject, offered[agency_id].agency, reason))
    message = None
    if not errors:
        try:
            batch = batch_operations.send_batch(rows, purpose=form.purpose.data, rung=form.target.data,
                                                year=form.for_year.data, by=me(),
                                                today=_today(), ranked=ranked)
        except batch_operations.BatchRefused as refused:
            errors, message = refused.errors, str(refused)
        except Refused as refused:
            message = str(refused)
        else:
            flash(f"已发出 {len(rows)} 份对接邀请（第 {batch.id} 批）。", "success")
            return redirect(url_for("agencies.batch_detail", batch_id=batch.id))
    if errors and not message:
        message = f"有 {len(errors)} 行需要修改，本批尚未发送"
    context = _context(form, filters, subjects, posted, errors, message, planned)
    return render_template("agencies/batch.html", **context, **choices)


@bp.route("/agencies/batches/<int:batch_id>")
@staff_required
def batch_detail(batch_id):
    """One batch: its invitations and where each stands."""
    batch = get_object_or_404(AssignmentBatch, AssignmentBatch.id == batch_id)
    engagements = (Engagement.select(Engagement, Agency, Subject).join(Agency).switch(Engagement).join(Subject)
                   .where(Engagement.batch == batch).order_by(Agency.name, Subject.name))
    engagements = list(engagements)
    states = {}
    for e in engagements:
        states[e.status] = states.get(e.status, 0) + 1
    return render_template("agencies/batch_detail.html", batch=batch, engagements=engagements, states=states)


# --- capacity per agency and year ----------------------------------------------------------------------------------

@bp.app_template_global()
def agency_capacity(agency, year):
    """(capacity staff set for the year or None, the year's load) for the agency detail page (a year out of range, as
    typed into a refused form, reads as nothing set and no load)."""
    if year_in(str(year)) is None:
        return None, 0
    row = AgencyCapacity.get_or_none(AgencyCapacity.agency == agency, AgencyCapacity.year == year)
    return (row.capacity if row else None), matching.load_by_agency(year).get(agency.id, 0)


@bp.app_template_global()
def default_agency_capacity():
    return rules.DEFAULT_AGENCY_CAPACITY


@bp.app_template_global()
def capacity_form_for(year):
    """A fresh capacity form for the agency detail page."""
    return CapacityForm(formdata=None, year=year)


def _safe_next(target):
    return target if target and target.startswith("/") and not target.startswith("//") else None


@bp.route("/agencies/<int:agency_id>/capacity", methods=["POST"])
@staff_required
def agency_capacity_set(agency_id):
    """Set the agency's capacity for a year (htmx: the form comes back with the message beside the field)."""
    agency = get_object_or_404(Agency, Agency.id == agency_id)
    form = CapacityForm()
    saved = False
    if form.validate_on_submit():
        try:
            batch_operations.set_capacity(agency, form.year.data, capacity=form.capacity.data, by=me())
            saved = True
        except Refused as error:
            form.capacity.errors = [str(error)]
    back = _safe_next(form.next.data) or url_for("agencies.agency_detail", agency_id=agency.id)
    if htmx:
        body = render_template("agencies/batch_capacity.html", agency=agency, capacity_form=form, saved=saved)
        return htmx_response(body, trigger="capacity-changed" if saved else None)
    if saved:
        flash(f"已将 {agency.name} {form.year.data} 年度容量设为 {form.capacity.data} 项。", "success")
        return redirect(back)
    return render_template("agencies/batch_capacity_page.html", agency=agency, capacity_form=form, saved=False)
