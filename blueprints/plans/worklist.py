"""The plan as a clerk's work queue (issue 20 item 8): its items filtered by owner, district, overdue and "no agency"
with counts, milestones ticked for many items at once, chase-up messages (催办) to the enterprises, and the preview of
a bulk add from the pool that says, row by row, what adding will do.

Checks first, changes inside db.atomic(), every change audited (as in operations.py).
"""
from collections import Counter
from datetime import timedelta

import rules
from core import audit
from core.bounds import int_in
from core.database import compare_and_set
from models import (
    MessageKind,
    Milestone,
    PlanItem,
    Rung,
    Subject,
    SubjectMessage,
    User,
    db,
    local_now,
)
from rules import Refused

from . import operations

# The GET parameters of plans.plan_detail / plans.plan_progress (a contract: the plan dashboard links to them).
ITEM_FILTERS = ("owner", "district", "overdue", "no_agency")
NO_OWNER = "none"  # owner=none: the items nobody is in charge of
CHASE_UP_MAX = 2000
CHASE_UP_ALERT_DAYS = 30  # the enterprise's page shows a 催办 as an alert this long, unless it answered first
BULK_ADD_MAX = 500  # rows in one bulk-add preview


def item_filters_from(args):
    """The work-queue filters from a request's args or form; anything malformed is ignored, not an error."""
    owner = (args.get("owner") or "").strip()
    if owner != NO_OWNER and not int_in(owner):
        owner = ""
    return {
        "owner": owner,
        "district": (args.get("district") or "").strip()[:50],
        "overdue": "1" if args.get("overdue") == "1" else "",
        "no_agency": "1" if args.get("no_agency") == "1" else "",
    }


def set_filters(filters):
    """Only the filters in use (for URLs)."""
    return {key: value for key, value in filters.items() if value}


def work_queue(plan, items, milestones, filters, today):
    """The items passing `filters`, and for each filter value how many items it would show together with the other
    filters in use (so a count is what clicking it gives).

    items: the plan's active items (operations.active_items); milestones: operations.milestones_by_item(items)."""
    # matched = confirmed by the enterprise, as the plan's documents list it (operations.agencies_by_subject)
    agencies = operations.agencies_by_subject({item.subject_id for item in items}, plan.year)
    facts = {}
    for item in items:
        facts[item.id] = {
            "owner": str(item.owner_id) if item.owner_id else NO_OWNER,
            "district": item.subject.district,
            "overdue": "1" if any(m.is_overdue(today) for m in milestones.get(item.id, [])) else "",
            "no_agency": "" if agencies.get(item.subject_id) else "1",
        }

    def passes(item, leave_out=None):
        return all(not value or facts[item.id][key] == value
                   for key, value in filters.items() if key != leave_out)

    def counted(key):
        return Counter(facts[item.id][key] for item in items if passes(item, leave_out=key))

    owners = {}
    for item in items:
        if item.owner_id:
            owners[str(item.owner_id)] = item.owner.display_name
    owner_counts, district_counts = counted("owner"), counted("district")
    return {
        "items": [item for item in items if passes(item)],
        "total": len(items),
        "filters": filters,
        "active": set_filters(filters),
        "agencies": agencies,
        "overdue_count": counted("overdue")["1"],
        "no_agency_count": counted("no_agency")["1"],
        "owner_options": [(key, name, owner_counts[key]) for key, name in sorted(owners.items(), key=lambda kv: kv[1])]
        + [(NO_OWNER, "未指定负责人", owner_counts[NO_OWNER])],
        "district_options": [(name, district_counts[name])
                             for name in sorted({facts[item.id]["district"] for item in items})],
        "labels": filter_labels(filters),
    }


def filter_labels(filters):
    """The filters in use, in words (shown with the page title)."""
    labels = []
    if filters.get("owner") == NO_OWNER:
        labels.append("未指定负责人")
    elif filters.get("owner"):
        user = User.get_or_none(User.id == int_in(filters["owner"]))
        labels.append(f"负责人：{user.display_name if user else '（不存在）'}")
    if filters.get("district"):
        labels.append(f"区县：{filters['district']}")
    if filters.get("overdue"):
        labels.append("有逾期节点")
    if filters.get("no_agency"):
        labels.append("尚无对接机构")
    return labels


def milestone_names(items, milestones):
    """The names of the milestones still open among these items, in the order they come in the items."""
    names = []
    for item in items:
        for milestone in milestones.get(item.id, []):
            if milestone.done_date is None and milestone.name not in names:
                names.append(milestone.name)
    return names


def _plan_items(plan, item_ids):
    """The items of this plan among the ids (any order, unknown ids dropped), with their subjects."""
    ids = [i for i in {int_in(str(v)) for v in item_ids} if i]
    if not ids:
        return []
    return list(PlanItem.select(PlanItem, Subject).join(Subject)
                .where(PlanItem.id.in_(ids), PlanItem.plan == plan)
                .order_by(Subject.district, Subject.name, PlanItem.id))


def tick_milestones(plan, item_ids, *, name, done_date, by):
    """Record `name` done on `done_date` for every selected item that has it open. Progress, not plan content: allowed
    on a filed plan (as operations.update_milestone). Returns (ticked [(item, milestone)], skipped [(name, reason)])."""
    if not name:
        raise Refused("请选择要登记完成的节点")
    if done_date is None:
        raise Refused("请填写完成日期")
    if done_date > local_now().date():
        raise Refused("完成日期不能晚于今天")
    items = _plan_items(plan, item_ids)
    if not items:
        raise Refused("请先勾选培育对象")
    ticked, skipped = [], []
    for item in items:
        if item.withdrawn_at:
            skipped.append((item.subject.name, "已移出本计划"))
            continue
        same_name = list(item.milestones.where(Milestone.name == name).order_by(Milestone.position))
        open_ones = [m for m in same_name if m.done_date is None]
        if not same_name:
            skipped.append((item.subject.name, f"没有“{name}”节点"))
            continue
        if not open_ones:
            skipped.append((item.subject.name, f"“{name}”已于 {same_name[0].done_date:%Y-%m-%d} 完成"))
            continue
        milestone = open_ones[0]
        if rules.manual_tick_problem(milestone.event):
            skipped.append((item.subject.name, rules.manual_tick_problem(milestone.event)))
            continue
        try:
            with db.atomic():
                compare_and_set(milestone, "done_date", None, f"“{name}”刚刚已由其他人登记完成",
                                done_date=done_date, confirmed_by=by)
                audit.record("plan.milestone", item.subject, user=by,
                             details={"plan": plan.id, "milestone": name, "due": milestone.due_date,
                                      "done": done_date, "bulk": True})
        except Refused as refused:
            skipped.append((item.subject.name, str(refused)))
            continue
        ticked.append((item, milestone))
    return ticked, skipped


def chase_up_problem(body):
    if not body:
        return "请填写催办内容"
    if len(body) > CHASE_UP_MAX:
        return f"催办内容不能超过 {CHASE_UP_MAX} 字"
    return None


def chase_up(plan, item_ids, *, body, by):
    """Send a chase-up message (催办) to the enterprise of each selected item: stored in-site with its subject (the
    enterprise sees it on its page), one audit event per enterprise. Returns the subjects chased."""
    body = (body or "").strip()
    problem = chase_up_problem(body)
    if problem:
        raise Refused(problem)
    items = [item for item in _plan_items(plan, item_ids) if item.withdrawn_at is None]
    if not items:
        raise Refused("请先勾选要催办的培育对象")
    with db.atomic():
        for item in items:
            SubjectMessage.create(subject=item.subject, kind=MessageKind.CHASE_UP.value, body=body, created_by=by)
            audit.record("subject.chase_up", item.subject, user=by,
                         details={"plan": plan.id, "item": item.id, "text": body})
    return [item.subject for item in items]


def chase_up_alert(messages, now):
    """The 催办 the enterprise's page still shows as an alert: the newest one, unless the enterprise replied after it
    or it is older than CHASE_UP_ALERT_DAYS. `messages` the subject's, oldest first; every one stays in the history."""
    alert = None
    for message in messages:
        if message.kind == MessageKind.CHASE_UP.value:
            alert = message
        elif message.kind == MessageKind.REPLY.value:
            alert = None
    if alert is not None and now - alert.created_at <= timedelta(days=CHASE_UP_ALERT_DAYS):
        return alert
    return None


def recipients(plan, item_ids, today):
    """The selected items that can be chased, each with its overdue milestones (shown while the message is written)."""
    items = [item for item in _plan_items(plan, item_ids) if item.withdrawn_at is None]
    milestones = operations.milestones_by_item(items)
    return items, {item.id: [m for m in milestones[item.id] if m.is_overdue(today)] for item in items}


def default_target(rung):
    """The next rung of rules.TARGET_RUNGS above the subject's, or None when it stands on the top one."""
    for target in rules.TARGET_RUNGS:
        if rules.rung_rank(target) > rules.rung_rank(rung):
            return target
    return None


def target_choices(rung):
    """The targets a subject on `rung` may be given."""
    return [(target, Rung.label_of(target)) for target in rules.TARGET_RUNGS
            if rules.rung_rank(target) > rules.rung_rank(rung)]


def bulk_preview(plan, entries, chosen=None):
    """One row per pool entry: its target (the one chosen, else the next rung up) and why adding it would be refused
    (operations.item_problem with that target), or None."""
    chosen = chosen or {}
    entries = list(entries)
    in_plan = operations.subjects_in_plan(plan, [entry.subject_id for entry in entries])
    rows = []
    for entry in entries:
        subject = entry.subject
        choices = target_choices(subject.rung)
        target = chosen.get(subject.id) if chosen.get(subject.id) in dict(choices) else default_target(subject.rung)
        problem = operations.addition_problem(subject, target_rung=target or rules.TARGET_RUNGS[-1],
                                              pool_status=entry.status,
                                              in_plan=subject.id in in_plan)
        rows.append({"entry": entry, "subject": subject, "target": target, "choices": choices, "problem": problem})
    return rows


def bulk_pairs(form):
    """[(subject, target)] from a bulk-add form: the ticked subjects and each row's target; unknown ids reported.
    Returns (pairs, [reasons])."""
    ids = []
    for value in form.getlist("subject")[:BULK_ADD_MAX]:
        subject_id = int_in(value)
        if subject_id and subject_id not in ids:
            ids.append(subject_id)
    subjects = {s.id: s for s in Subject.select().where(Subject.id.in_(ids))} if ids else {}
    pairs, missing = [], []
    for subject_id in ids:
        if subject_id not in subjects:
            missing.append(f"编号 {subject_id} 的培育对象不存在")
            continue
        pairs.append((subjects[subject_id], (form.get(f"target-{subject_id}") or "").strip()))
    return pairs, missing
