"""The cultivation plan's transitions (草稿 → 已批准 → 已备案, new versions) and its items and milestones.

Each function checks, changes inside db.atomic(), and audits. Progress is computed here, never stored.
"""
from collections import defaultdict
from datetime import date

from peewee import JOIN, IntegrityError

import rules
from core import audit, settings
from core.database import compare_and_set
from models import (
    Agency,
    CultivationPlan,
    Engagement,
    EngagementStatus,
    Listing,
    ListingStatus,
    Milestone,
    PlanItem,
    PlanProject,
    PlanStatus,
    PlanTarget,
    PoolEntry,
    PoolStatus,
    Rung,
    Subject,
    User,
    db,
    local_now,
)
from rules import Refused

LOCKED_MESSAGE = "该计划已备案，内容已锁定；如需调整，请创建新版本（原版本保留）"


def _plan_changed(status):
    return f"该计划已被其他人处理（当前状态：{PlanStatus.label_of(status)}），请刷新页面"


def _editable(plan):
    if plan.locked:
        raise Refused(LOCKED_MESSAGE)


def _touch(plan, by, action, **details):
    """A content change: an approved plan goes back to draft and needs approving again."""
    # not filed meanwhile (the check is the write; the edits before it in the transaction roll back otherwise)
    compare_and_set(plan, "status", (PlanStatus.DRAFT.value, PlanStatus.APPROVED.value), LOCKED_MESSAGE)
    if plan.status == PlanStatus.APPROVED.value:
        plan.status = PlanStatus.DRAFT.value
        plan.approved_by = plan.approved_at = None
        details["back_to_draft"] = True
    plan.updated_at = local_now()
    plan.save()
    audit.record(action, plan, user=by, details=details)


def milestone_dates(kind, *, target_rung, year, joined_on=None):
    """The default milestones for a subject joining the plan today (rules.milestone_schedule), with the city's
    recommendation date from settings."""
    return rules.milestone_schedule(kind, target_rung, joined_on or local_now().date(), year,
                                    settings.month_day("city_recommendation_due"))


def _create_item(plan, subject, target_rung, owner, note="", milestones=None):
    item = PlanItem.create(plan=plan, subject=subject, target_rung=target_rung, target_year=plan.year, owner=owner,
                           note=note)
    # (name, due, event) from the template, or (name, due, event, done, evidence, done_event) copied from a version
    for position, (name, due, event, *rest) in enumerate(milestones
                                                         or milestone_dates(subject.kind, target_rung=target_rung,
                                                                            year=plan.year)):
        done, evidence, done_event = (list(rest) + [None, "", ""])[:3]
        Milestone.create(item=item, position=position, name=name, due_date=due, event=event, done_date=done,
                         evidence_note=evidence or "", done_event=done_event or "")
    return item


def create_plan(year, *, title, by, copy_last_year=False):
    """Start the year's plan, empty or as a copy of last year's (carrying the subjects still being cultivated)."""
    if CultivationPlan.select().where(CultivationPlan.year == year).exists():
        raise Refused(f"{year} 年的培育计划已存在，请在原计划上修改或创建新版本")
    previous = CultivationPlan.latest_for(year - 1) if copy_last_year else None
    if copy_last_year and previous is None:
        raise Refused(f"没有 {year - 1} 年的培育计划可以复制")
    try:
        return _create_plan(year, title, by, previous)
    except IntegrityError:  # created at the same moment elsewhere: (year, version) is unique
        raise Refused(f"{year} 年的培育计划已存在（刚刚由其他人创建），请刷新页面")


def _create_plan(year, title, by, previous):
    with db.atomic():
        plan = CultivationPlan.create(year=year, title=title, created_by=by,
                                      goals=previous.goals if previous else "",
                                      measures=previous.measures if previous else "")
        carried = 0
        if previous:
            for target in previous.targets:
                PlanTarget.create(plan=plan, kind=target.kind, rung=target.rung, count=target.count)
            for item in active_items(previous):
                entry = PoolEntry.get_or_none(PoolEntry.subject == item.subject)
                still_cultivated = entry is not None and entry.status == PoolStatus.CULTIVATING.value
                if still_cultivated and rules.rung_rank(item.subject.rung) < rules.rung_rank(item.target_rung):
                    _create_item(plan, item.subject, item.target_rung, item.owner, item.note)
                    carried += 1
        audit.record("plan.create", plan, user=by,
                     details={"year": year, "copied_from": previous.id if previous else None, "carried": carried})
    return plan


def update_plan(plan, *, title, goals, measures, targets, by):
    """Change the plan's text and its targets {(kind, rung): count}."""
    _editable(plan)
    with db.atomic():
        plan.title, plan.goals, plan.measures = title, goals, measures
        for (kind, rung), count in targets.items():
            (PlanTarget.insert(plan=plan, kind=kind, rung=rung, count=count)
             .on_conflict(conflict_target=[PlanTarget.plan, PlanTarget.kind, PlanTarget.rung],
                          update={PlanTarget.count: count}).execute())
        _touch(plan, by, "plan.update", targets={f"{k}/{r}": c for (k, r), c in targets.items()})


def missing_parts(plan):
    """The plan's required parts that are still empty (rules.plan_missing_parts)."""
    target_total = sum(t.count for t in plan.targets)
    return rules.plan_missing_parts(plan.goals, target_total, plan.measures, active_items(plan).count())


def approve(plan, *, by):
    """The admin approves a draft plan, complete in every required part (第十条、第十四条)."""
    if plan.status != PlanStatus.DRAFT.value:
        raise Refused(f"只有草稿状态的计划可以批准（当前：{plan.status_enum.label}）")
    missing = missing_parts(plan)
    if missing:
        raise Refused("计划内容不完整，不能批准：尚未填写" + "、".join(missing))
    with db.atomic():
        compare_and_set(plan, "status", PlanStatus.DRAFT.value, _plan_changed, status=PlanStatus.APPROVED.value,
                        approved_by=by, approved_at=local_now())
        audit.record("plan.approve", plan, user=by)


def mark_filed(plan, *, by):
    """A filing includes this version: it is locked from now on (第十四条)."""
    if plan.status != PlanStatus.APPROVED.value:
        raise Refused("只有已批准的计划可以备案")
    with db.atomic():
        compare_and_set(plan, "status", PlanStatus.APPROVED.value, _plan_changed, status=PlanStatus.FILED.value,
                        filed_at=local_now())
        audit.record("plan.filed", plan, user=by)


def new_version(plan, *, by):
    """Copy a filed plan into a new draft version; both versions stay."""
    if not plan.locked:
        raise Refused("只有已备案的计划需要创建新版本，当前计划可直接修改")
    latest = CultivationPlan.latest_for(plan.year)
    if latest.id != plan.id:
        raise Refused(f"已存在更新的版本（第 {latest.version} 版）")
    try:
        return _copy_plan(plan, by)
    except IntegrityError:  # (year, version) is unique: the other new version came first
        raise Refused("已存在更新的版本（刚刚由其他人创建），请刷新页面")


def _copy_plan(plan, by):
    with db.atomic():
        compare_and_set(plan, "status", PlanStatus.FILED.value, "只有已备案的计划需要创建新版本，当前计划可直接修改")
        latest = CultivationPlan.latest_for(plan.year)
        if latest.id != plan.id:
            raise Refused(f"已存在更新的版本（第 {latest.version} 版，刚刚由其他人创建），请刷新页面")
        copy = CultivationPlan.create(year=plan.year, version=plan.version + 1, title=plan.title, goals=plan.goals,
                                      measures=plan.measures, supersedes=plan, created_by=by)
        for target in plan.targets:
            PlanTarget.create(plan=copy, kind=target.kind, rung=target.rung, count=target.count)
        for item in active_items(plan):
            milestones = [(m.name, m.due_date, m.event, m.done_date, m.evidence_note, m.done_event)
                          for m in item.milestones.order_by(Milestone.position)]
            copied = _create_item(copy, item.subject, item.target_rung, item.owner, item.note, milestones)
            for project in item.projects.where(PlanProject.withdrawn_at.is_null()).order_by(PlanProject.id):
                PlanProject.create(item=copied, name=project.name, start_on=project.start_on, end_on=project.end_on,
                                   investment=project.investment, effect=project.effect, created_by=by)
        audit.record("plan.new_version", copy, user=by, details={"from_version": plan.version})
    return copy


def active_items(plan):
    """The plan's items (not withdrawn) with their subject and owner, in a stable order."""
    owner = User.alias()
    return (PlanItem.select(PlanItem, Subject, owner)
            .join(Subject).switch(PlanItem).join(owner, JOIN.LEFT_OUTER, on=(PlanItem.owner == owner.id))
            .where(PlanItem.plan == plan, PlanItem.withdrawn_at.is_null())
            .order_by(Subject.district, Subject.name, PlanItem.id))


def item_problem(plan, subject, *, target_rung):
    """Why this subject cannot be added with this target, or None."""
    entry = PoolEntry.get_or_none(PoolEntry.subject == subject)
    return addition_problem(subject, target_rung=target_rung, pool_status=entry.status if entry else None,
                            in_plan=subject.id in subjects_in_plan(plan, [subject.id]))


def addition_problem(subject, *, target_rung, pool_status, in_plan):
    """item_problem over facts already read (the subject's pool status, None when never pooled; whether it is in the
    plan), for a preview of many rows."""
    if pool_status is None or pool_status == PoolStatus.EXITED.value:
        return f"{subject.name} 不在培育库中（第十条：培育计划针对培育库中的对象）"
    problem = rules.target_rung_problem(subject.rung, target_rung)
    if problem:
        return f"{subject.name}：{problem}（当前：{Rung.label_of(subject.rung)}）"
    if in_plan:
        return f"{subject.name} 已在本计划中"
    return None


def subjects_in_plan(plan, subject_ids):
    """The ids among `subject_ids` that have an item in the plan (withdrawn ones too: an item is added once)."""
    ids = list(subject_ids)
    if not ids:
        return set()
    return {subject_id for (subject_id,) in PlanItem.select(PlanItem.subject)
            .where(PlanItem.plan == plan, PlanItem.subject.in_(ids)).tuples()}


def add_item(plan, subject, *, target_rung, owner, by, note=""):
    """Add one pooled subject to the plan, with the milestones of its kind."""
    _editable(plan)
    problem = item_problem(plan, subject, target_rung=target_rung)
    if problem:
        raise Refused(problem)
    with db.atomic():
        item = _create_item(plan, subject, target_rung, owner, note)
        _touch(plan, by, "plan.add_item", subject=subject.name, target=target_rung)
    return item


def add_items(plan, pairs, *, owner, by):
    """Add many subjects (from a pool filter) in one go, each with its own target: pairs is [(subject, target_rung)].
    Each pair is checked again here (item_problem); the refused ones are reported, the rest added.
    Returns (added items, [reasons skipped])."""
    _editable(plan)
    added, skipped = [], []
    with db.atomic():
        for subject, target_rung in pairs:
            problem = item_problem(plan, subject, target_rung=target_rung)
            if problem:
                skipped.append(problem)
                continue
            added.append(_create_item(plan, subject, target_rung, owner))
        if added:
            targets = defaultdict(int)
            for item in added:
                targets[item.target_rung] += 1
            _touch(plan, by, "plan.add_items", count=len(added), targets=dict(targets),
                   subjects=[item.subject.name for item in added][:200])
    return added, skipped


def update_item(item, *, target_rung, owner, note, by):
    """Change an item's target, owner and note; a new target brings its steps (_follow_target). Returns what
    happened to the milestones."""
    plan = item.plan
    _editable(plan)
    problem = rules.target_rung_problem(item.subject.rung, target_rung)
    if problem:
        raise Refused(problem)
    with db.atomic():
        old_target = item.target_rung
        # the target it was read with, or refuse: of two changes at once one reschedules the steps
        compare_and_set(item, "target_rung", old_target, "该培育对象的目标梯度刚刚已被修改，请刷新后重试",
                        target_rung=target_rung, owner=owner, note=note)
        item.target_rung, item.owner, item.note = target_rung, owner, note
        steps = _follow_target(item, old_target) if target_rung != old_target else {}
        _touch(plan, by, "plan.update_item", subject=item.subject.name, target=target_rung, **steps)
    return steps


STEP_CHANGES = {"steps_added": "新增", "steps_moved": "改期", "steps_removed": "移除（未曾登记）",
                "steps_kept": "保留（已有进展）"}


def describe_step_changes(steps):
    """What a target change did to the item's milestones, as the clerk reads it ("" when nothing)."""
    parts = [f"{label}：{'、'.join(steps[key])}" for key, label in STEP_CHANGES.items() if steps.get(key)]
    return f"节点已随目标梯度调整（{'；'.join(parts)}）。" if parts else ""


def _step_key(name, event):
    return event or name  # a step ticked by an event is that event's under any name (入选市级名单 / 入选省级名单)


def _follow_target(item, old_target):
    """The item's milestones after its target changed from `old_target`: the new target's steps
    (rules.MILESTONE_TEMPLATES), dated as when the item joined. A step both targets share keeps its progress and
    takes the new name, and, while not done and still on the old default date, the new date. A step only the old
    target had goes if nothing was recorded on it, else it stays, after the new steps. Returns what changed."""
    joined, year, kind = item.created_at.date(), item.plan.year, item.subject.kind
    old_defaults = {_step_key(name, event): due
                    for name, due, event in milestone_dates(kind, target_rung=old_target, year=year, joined_on=joined)}
    existing = {_step_key(m.name, m.event): m for m in item.milestones.order_by(Milestone.position)}
    added, moved = [], []
    steps = milestone_dates(kind, target_rung=item.target_rung, year=year, joined_on=joined)
    for position, (name, due, event) in enumerate(steps):
        milestone = existing.pop(_step_key(name, event), None)
        if milestone is None:
            Milestone.create(item=item, position=position, name=name, due_date=due, event=event)
            added.append(name)
            continue
        if milestone.done_date is None and milestone.due_date == old_defaults.get(_step_key(name, event)) \
                and milestone.due_date != due:
            milestone.due_date = due
            moved.append(name)
        milestone.position, milestone.name = position, name
        milestone.save()
    removed, kept = [], []
    for position, milestone in enumerate(existing.values(), start=len(steps)):
        if milestone.done_date or milestone.evidence_note or milestone.document_id or milestone.submitted_at:
            milestone.position = position
            milestone.save()
            kept.append(milestone.name)
        else:  # generated from the old target's template and never touched: nothing anyone entered goes with it
            milestone.delete_instance()
            removed.append(milestone.name)
    return {key: names for key, names in
            (("steps_added", added), ("steps_moved", moved), ("steps_removed", removed), ("steps_kept", kept)) if names}


def withdraw_item(item, *, by):
    """Take an item out of the plan (it stays on record)."""
    _editable(item.plan)
    with db.atomic():
        item.withdrawn_at = local_now()
        item.save()
        _touch(item.plan, by, "plan.withdraw_item", subject=item.subject.name)


def update_milestone(milestone, *, due_date, done_date, evidence_note, by):
    """Staff edit a milestone inline. Due dates are plan content (locked once filed); progress is not."""
    plan = milestone.item.plan
    if due_date != milestone.due_date:
        _editable(plan)
        if due_date.year != plan.year:
            raise Refused(f"到期日须在计划年度（{plan.year} 年）内")
    if done_date and done_date > local_now().date():
        raise Refused("完成日期不能晚于今天")
    if done_date != milestone.done_date and rules.manual_tick_problem(milestone.event):
        raise Refused(rules.manual_tick_problem(milestone.event))
    with db.atomic():
        if done_date != milestone.done_date:  # ticked, changed or cleared by hand: no event did it
            milestone.done_event = ""
        milestone.due_date, milestone.done_date, milestone.evidence_note = due_date, done_date, evidence_note
        if done_date:
            milestone.confirmed_by = by
        milestone.save()
        audit.record("plan.milestone", milestone.item.subject, user=by,
                     details={"plan": plan.id, "milestone": milestone.name, "due": due_date, "done": done_date})


def submit_evidence(milestone, document, *, note, by):
    """The enterprise attaches evidence to a milestone and asks the bureau to confirm it."""
    if milestone.done_date:
        raise Refused("该节点已确认完成")
    if milestone.item.plan.year < local_now().year:
        raise Refused(f"{milestone.item.plan.year} 年的培育计划已结束，不再提交佐证")
    with db.atomic():
        milestone.document, milestone.submitted_at = document, local_now()
        if note:
            milestone.evidence_note = note
        milestone.save()
        audit.record("plan.evidence", milestone.item.subject, user=by, details={"milestone": milestone.name})


def progress(milestones):
    """(done, total, percent) of a list of milestones."""
    total = len(milestones)
    done = sum(1 for m in milestones if m.done_date)
    return done, total, round(100 * done / total) if total else 0


def milestones_by_item(items):
    """All milestones of these items in one query: {item_id: [milestones in order]}."""
    grouped = defaultdict(list)
    ids = [item.id for item in items]
    if ids:
        for milestone in Milestone.select().where(Milestone.item.in_(ids)).order_by(Milestone.item, Milestone.position):
            grouped[milestone.item_id].append(milestone)
    return grouped


def project_problem(item, *, start_on, end_on, investment):
    """Why a project's dates or investment are wrong, as (the field it concerns, the message), or None."""
    if end_on < start_on:
        return "end_on", "计划完成日期不能早于开始日期"
    if end_on.year < item.plan.year:
        return "end_on", f"计划完成日期不能早于计划年度（{item.plan.year} 年）"
    if not 0 <= investment <= 10_000_000:
        return "investment", "投资额须为 0–10000000 万元"
    return None


def _check_project(item, start_on, end_on, investment):
    """What adding or changing a project needs: the plan still editable, the dates and investment right."""
    _editable(item.plan)
    problem = project_problem(item, start_on=start_on, end_on=end_on, investment=investment)
    if problem:
        field, message = problem
        raise Refused(message, field=field)


def add_project(item, *, name, start_on, end_on, investment, effect, by):
    """Add a green-upgrade project to a plan item (plan content: locked once filed)."""
    if item.withdrawn_at:
        raise Refused("该条目已移出计划")
    _check_project(item, start_on, end_on, investment)
    with db.atomic():
        project = PlanProject.create(item=item, name=name, start_on=start_on, end_on=end_on, investment=investment,
                                     effect=effect, created_by=by)
        _touch(item.plan, by, "plan.add_project", subject=item.subject.name, project=name, investment=investment)
    return project


def update_project(project, *, name, start_on, end_on, investment, effect, by):
    """Change a project's what, when, investment or expected effect."""
    item = project.item
    if project.withdrawn_at:
        raise Refused("该项目已删除")
    _check_project(item, start_on, end_on, investment)
    with db.atomic():
        project.name, project.start_on, project.end_on = name, start_on, end_on
        project.investment, project.effect = investment, effect
        project.save()
        _touch(item.plan, by, "plan.update_project", subject=item.subject.name, project=name, investment=investment)


def withdraw_project(project, *, by):
    """Take a project off the item (kept on record)."""
    item = project.item
    _editable(item.plan)
    if project.withdrawn_at:
        raise Refused("该项目已删除")
    with db.atomic():
        project.withdrawn_at = local_now()
        project.save()
        _touch(item.plan, by, "plan.withdraw_project", subject=item.subject.name, project=project.name)


def projects_by_item(items):
    """The live projects of these items in one query: {item_id: [projects]}."""
    grouped = defaultdict(list)
    ids = [item.id for item in items]
    if ids:
        for project in (PlanProject.select().where(PlanProject.item.in_(ids), PlanProject.withdrawn_at.is_null())
                        .order_by(PlanProject.item, PlanProject.start_on, PlanProject.id)):
            grouped[project.item_id].append(project)
    return grouped


def agencies_by_subject(subject_ids, year):
    """The third-party agencies matched with these subjects for the year (第十条: 组织第三方机构与培育对象对接):
    {subject_id: [agency names]}, from live engagements: accepted by the agency and confirmed by the enterprise that
    commissions it (第十二条); an invitation, or one accepted but not yet confirmed, is no match yet."""
    grouped = defaultdict(list)
    if subject_ids:
        query = (Engagement.select(Engagement.subject, Agency.name).join(Agency)
                 .where(Engagement.subject.in_(list(subject_ids)), Engagement.year == year,
                        Engagement.status.in_((EngagementStatus.ACTIVE.value, EngagementStatus.COMPLETED.value)))
                 .order_by(Engagement.subject, Engagement.id))
        for subject_id, name in query.tuples():
            if name not in grouped[subject_id]:
                grouped[subject_id].append(name)
    return grouped


def _rungs_held_before(year, subject_ids):
    """{subject id: the highest rung of a list it stood on when `year` began} (only subjects that stood on one)."""
    if not subject_ids:
        return {}
    start = date(year, 1, 1)
    held = {}
    for subject_id, rung in (Listing.select(Listing.subject, Listing.rung)
                             .where(Listing.subject.in_(subject_ids), Listing.year < year,
                                    (Listing.status == ListingStatus.LISTED.value) | (Listing.removed_on >= start))
                             .tuples()):
        if rules.rung_rank(rung) > rules.rung_rank(held.get(subject_id)):
            held[subject_id] = rung
    return held


def item_problems(plan):
    """The plan's items that cannot be filed as they stand: [(item, problem)] (rules.plan_item_problem)."""
    items = list(active_items(plan))
    pooled = {subject_id for (subject_id,) in PoolEntry.select(PoolEntry.subject)
              .where(PoolEntry.subject.in_([i.subject_id for i in items]),
                     PoolEntry.status != PoolStatus.EXITED.value).tuples()} if items else set()
    held_before = _rungs_held_before(plan.year, [i.subject_id for i in items])
    problems = []
    for item in items:
        # a target reached during the plan year is the plan's success, not a fault: compare with the rung the
        # subject held when the year began
        start_rung = held_before.get(item.subject_id, Rung.POOL.value)
        problem = rules.plan_item_problem(item.subject_id in pooled, start_rung, item.target_rung)
        if problem:
            problems.append((item, problem))
    return problems
