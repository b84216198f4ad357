"""The plan dashboard a 局长 reads at a glance: per kind and rung the target, the items assigned to it, on track, at
risk (an overdue milestone) and achieved this year; overdue items by district and by owner; targets per district; and
year-end snapshots of these figures, kept with the plan and never changed.

Everything is computed here from the items, milestones and listings (nothing stored but the snapshot and the district
targets). The figures are plain JSON-ready data, so a snapshot renders with the same template as the live page.
"""
import json
from collections import defaultdict

import rules
from core import audit, settings
from models import Listing, ListingStatus, PlanDistrictTarget, PlanSnapshot, Rung, SubjectKind, User, db, local_now

from .operations import _editable, _rungs_held_before, _touch, active_items, milestones_by_item

UNASSIGNED = "（未指定）"


def _percent(count, target):
    return round(100 * count / target) if target else None


def achieved_this_year(year, items):
    """The ids of the items whose subject reached its target rung or above within `year`: a Listing of that year
    (still on the list), not a rung held before the year began (operations._rungs_held_before)."""
    subject_ids = [item.subject_id for item in items]
    if not subject_ids:
        return set()
    reached = {}
    for subject_id, rung in (Listing.select(Listing.subject, Listing.rung)
                             .where(Listing.subject.in_(subject_ids), Listing.year == year,
                                    Listing.status == ListingStatus.LISTED.value).tuples()):
        if rules.rung_rank(rung) > rules.rung_rank(reached.get(subject_id)):
            reached[subject_id] = rung
    held = _rungs_held_before(year, subject_ids)
    return {item.id for item in items
            if rules.rung_rank(reached.get(item.subject_id)) >= rules.rung_rank(item.target_rung)
            and rules.rung_rank(held.get(item.subject_id)) < rules.rung_rank(item.target_rung)}


def district_targets(plan):
    """{district: count} set for the plan."""
    return {t.district: t.count for t in PlanDistrictTarget.select().where(PlanDistrictTarget.plan == plan)}


def districts_of(plan, items=None):
    """The districts the dashboard lists: the city's (settings), those of the plan's items and those with a target."""
    items = list(active_items(plan)) if items is None else items
    names = list(settings.get("districts") or [])
    for name in sorted({item.subject.district for item in items} | set(district_targets(plan))):
        if name not in names:
            names.append(name)
    return names


def figures(plan, today=None):
    """The dashboard's figures for the plan as of `today`."""
    today = today or local_now().date()
    items = list(active_items(plan))
    milestones = milestones_by_item(items)
    achieved = achieved_this_year(plan.year, items)
    overdue = {item.id for item in items if any(m.is_overdue(today) for m in milestones[item.id])}
    targets = {(t.kind, t.rung): t.count for t in plan.targets}

    rows = []
    for kind in SubjectKind:
        for rung in rules.TARGET_RUNGS:
            mine = [i for i in items if i.subject.kind == kind.value and i.target_rung == rung]
            target = targets.get((kind.value, rung), 0)
            if target or mine:
                rows.append(_row(f"{kind.label} · {Rung.label_of(rung)}", target, mine, achieved, overdue,
                                 kind=kind.value, rung=rung))
    total = _row("合计", sum(r["target"] for r in rows), items, achieved, overdue)

    per_district = district_targets(plan)
    districts = []
    for name in districts_of(plan, items):
        mine = [i for i in items if i.subject.district == name]
        row = _row(name, per_district.get(name, 0), mine, achieved, overdue, district=name)
        row["target_set"] = name in per_district
        districts.append(row)

    owners = defaultdict(list)
    for item in items:
        owners[item.owner_id].append(item)
    names = {u.id: u.display_name for u in User.select().where(User.id.in_([k for k in owners if k]))} if owners else {}
    by_owner = [_row(names.get(owner_id, UNASSIGNED), 0, mine, achieved, overdue, owner_id=owner_id)
                for owner_id, mine in sorted(owners.items(), key=lambda kv: (kv[0] is None, names.get(kv[0], "")))]

    scale = max([1] + [max(r["target"], r["assigned"]) for r in rows])
    return {"plan_id": plan.id, "year": plan.year, "version": plan.version, "as_of": today.isoformat(),
            "rows": rows, "total": total, "districts": districts, "owners": by_owner, "scale": scale,
            # district targets that do not add up to the plan's are pointed out, not refused (a district may aim higher)
            "district_target_total": sum(per_district.values()) if per_district else None,
            "far_above_factor": rules.ASSIGNED_FAR_ABOVE_FACTOR}


def _row(label, target, items, achieved, overdue, **keys):
    """One line of counts: assigned = achieved + at risk + on track (an achieved item is no longer at risk)."""
    done = sum(1 for i in items if i.id in achieved)
    at_risk = sum(1 for i in items if i.id in overdue and i.id not in achieved)
    assigned = len(items)
    on_track = assigned - done - at_risk
    return {"label": label, "target": target, "assigned": assigned, "on_track": on_track, "at_risk": at_risk,
            "achieved": done, "overdue": sum(1 for i in items if i.id in overdue),
            # assigned and achieved against the target; on track and at risk as shares of what is assigned
            "assigned_pct": _percent(assigned, target), "on_track_pct": _percent(on_track, assigned),
            "at_risk_pct": _percent(at_risk, assigned), "achieved_pct": _percent(done, target),
            "far_above": bool(target) and rules.assigned_far_above_target(assigned, target),
            "below": assigned < target, **keys}


def set_district_targets(plan, counts, *, by):
    """Set the plan's targets per district {district: count} (plan content: refused once filed, and an approved plan
    goes back to draft). A district's target is set to 0, never deleted."""
    _editable(plan)
    known = set(districts_of(plan))
    unknown = [name for name in counts if name not in known]
    if unknown:
        raise rules.Refused("区县不在本市区县列表中：" + "、".join(unknown))
    current = district_targets(plan)
    changes = {name: count for name, count in counts.items() if current.get(name, 0) != count}  # unset counts as 0
    if not changes:
        return False
    with db.atomic():
        for name, count in changes.items():
            (PlanDistrictTarget.insert(plan=plan, district=name, count=count)
             .on_conflict(conflict_target=[PlanDistrictTarget.plan, PlanDistrictTarget.district],
                          update={PlanDistrictTarget.count: count}).execute())
        _touch(plan, by, "plan.district_targets", targets=changes)
    return True


def take_snapshot(plan, *, by):
    """Keep the dashboard's figures as they stand now with the plan (the year-end snapshot); never changed after."""
    with db.atomic():
        snapshot = PlanSnapshot.create(plan=plan, taken_at=local_now(), taken_by=by,
                                       figures=json.dumps(figures(plan), ensure_ascii=False, sort_keys=True))
        audit.record("plan.snapshot", plan, user=by, details={"snapshot": snapshot.id})
    return snapshot


def snapshots(plan):
    return PlanSnapshot.select().where(PlanSnapshot.plan == plan).order_by(PlanSnapshot.taken_at.desc(),
                                                                             PlanSnapshot.id.desc())
