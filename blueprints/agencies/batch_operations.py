"""Batch assignment (第十条、第二十四条): the facts the method needs, the per-year capacity staff set for an agency,
and sending a whole batch of invitations in one step. See docs/matching.md."""
from dataclasses import dataclass

import rules
from core import audit
from core.database import compare_and_set
from models import Agency, AgencyCapacity, AgencyStatus, AssignmentBatch, EngagementPurpose, Rung, db, local_now
from rules import Refused

from . import assignment, matching, operations


class BatchRefused(Refused):
    """Some rows of a batch were refused: nothing was sent; `errors` is {subject_id: why}."""

    def __init__(self, errors, message="部分对象未能发出邀请，本批均未发送，请按各行提示修改后重试"):
        super().__init__(message)
        self.errors = errors


@dataclass
class Row:
    subject: object
    agency: object
    reason: str = ""


def capacities(year, agency_ids):
    """{agency_id: capacity for the year} (matching.capacity_of)."""
    stated = matching.capacity_by_agency(year)
    return {a: matching.capacity_of(stated, a) for a in agency_ids}


def is_national(purpose, rung):
    return purpose == EngagementPurpose.EVALUATION.value and rung == Rung.NATIONAL.value


def group_key(agency):
    return (agency.legal_representative or "").strip()


def plan(subjects, *, purpose, rung, year, today):
    """The proposal for these subjects: (ranked candidates, {subject_id: Proposal}, loads).

    loads is {agency_id: (load, capacity)} for every agency offered to some subject. Rows whose choice needs a stored
    reason (a 第二十四条 mark, a full agency, a decline …) are never proposed by the method: the clerk may still
    choose them. Proposal.top says the proposal is the subject's recommended row (matching.is_recommended); one that
    is not was picked lower because of capacity and is sent with assignment.generated_reason()."""
    ranked = matching.candidates(subjects, purpose, rung, year, today)
    agencies = {c.agency.id: c.agency for rows in ranked.values() for c in rows if c.offered}
    load = matching.load_by_agency(year)
    capacity = capacities(year, agencies)
    remaining = {a: capacity[a] - load.get(a, 0) for a in agencies}
    group_of = headroom = None
    if is_national(purpose, rung):
        used = matching.national_used_by_legal_representative(year)
        group_of = {a: group_key(agency) for a, agency in agencies.items()}
        headroom = {g: rules.NATIONAL_EVALUATIONS_PER_LEGAL_REP - used.get(g, 0) for g in set(group_of.values())}
    proposable = {s: [c for c in rows if c.offered and not c.needs_reason] for s, rows in ranked.items()}
    proposals = assignment.propose(proposable, remaining, group_of, headroom)
    for s, proposal in proposals.items():
        offered = [c for c in ranked[s] if c.offered]
        proposal.top = proposal.agency_id is not None and matching.is_recommended(ranked[s], proposal.agency_id)
        if proposal.agency_id is None and offered and not proposable[s]:
            full = all(c.load >= c.capacity for c in offered)
            proposal.why = assignment.CAPACITY_FULL if full else assignment.ONLY_MARKED
    return ranked, proposals, {a: (load.get(a, 0), capacity[a]) for a in agencies}


def set_capacity(agency, year, *, capacity, by):
    """Staff set how many engagements of the year the agency takes on (audited; the earlier figure is kept in the
    audit trail). A figure below the year's current load is accepted: the agency then gets no new invitations.

    Two saves at once: the agency's row is locked first (UPDATE … SET id = id: SQLite's write transaction, a row lock
    on PostgreSQL), so the audited "from" is read after the other save committed; the write is an upsert on the
    (agency, year) unique index, so neither save fails on it."""
    if capacity is None or capacity < 0 or capacity > 1000:
        raise Refused("容量须为 0 至 1000 之间的整数")
    with db.atomic():
        if not Agency.update(id=Agency.id).where(Agency.id == agency.id).execute():
            raise Refused("该机构不存在")
        old = (AgencyCapacity.select(AgencyCapacity.capacity)
               .where(AgencyCapacity.agency == agency, AgencyCapacity.year == year).scalar())
        now = local_now()
        (AgencyCapacity.insert(agency=agency, year=year, capacity=capacity, updated_by=by, updated_at=now)
         .on_conflict(conflict_target=[AgencyCapacity.agency, AgencyCapacity.year],
                      update={AgencyCapacity.capacity: capacity, AgencyCapacity.updated_by: by,
                              AgencyCapacity.updated_at: now})
         .execute())
        audit.record("agency.capacity", agency, user=by, details={"year": year, "from": old, "to": capacity})
    return AgencyCapacity.get(AgencyCapacity.agency == agency, AgencyCapacity.year == year)


def send_batch(rows, *, purpose, rung, year, by, today, method=assignment.METHOD, ranked=None):
    """Send every row's invitation in one step, all or nothing: one AssignmentBatch, then operations.propose per row
    (each audited) inside one transaction. The agencies' capacities and the national cap are checked again here;
    when any row is refused, nothing is sent and BatchRefused carries the reason per subject.

    Each row's choice is checked against one ranking of the whole batch: `ranked` ({subject_id: [Candidate]}, the one
    the clerk decided on: plan()'s), else matching.candidates() once here; overdue invitations expire once. A row
    without a reason must be its subject's recommended row in that ranking (the method's lower picks carry
    assignment.generated_reason())."""
    if not rows:
        raise Refused("请至少选择一个对象")
    seen = set()
    for row in rows:
        if row.subject.id in seen:
            raise Refused(f"{row.subject.name} 在本批中出现两次")
        seen.add(row.subject.id)
    agencies = sorted({row.agency.id: row.agency for row in rows}.values(), key=lambda a: a.id)
    errors = {}
    operations.expire_overdue(today)
    with db.atomic():
        # lock each agency row (in id order) and check it is still recognised: on PostgreSQL two batches for the
        # same agencies then run one after the other; SQLite's write transaction already does
        for agency in agencies:
            try:
                compare_and_set(agency, "status", AgencyStatus.APPROVED.value,
                                lambda status: f"该机构当前为「{AgencyStatus.label_of(status)}」，不能对接")
            except Refused as error:
                for row in rows:
                    if row.agency.id == agency.id:
                        errors[row.subject.id] = str(error)
        load = matching.load_by_agency(year)
        capacity = capacities(year, [a.id for a in agencies])
        taken = {}
        for row in rows:
            a = row.agency.id
            taken[a] = taken.get(a, 0) + 1
            if load.get(a, 0) + taken[a] > capacity[a] and row.subject.id not in errors:
                errors[row.subject.id] = (f"超出 {row.agency.name} 本年度容量（已有 {load.get(a, 0)} 项，"
                                          f"容量 {capacity[a]} 项），请改选其他机构或先调整容量")
        if ranked is None:
            ranked = matching.candidates([row.subject for row in rows], purpose, rung, year, today)
        batch = AssignmentBatch.create(year=year, purpose=purpose, rung=rung, method=method, subject_count=len(rows),
                                       created_by=by)
        for row in rows:
            if row.subject.id in errors:
                continue
            try:
                operations.propose(row.subject, row.agency, purpose=purpose, rung=rung, year=year, by=by, today=today,
                                   reason=row.reason,
                                   batch=batch, ranked=ranked.get(row.subject.id))
            except Refused as error:
                errors[row.subject.id] = str(error)
        if errors:
            raise BatchRefused(errors)
        audit.record("assignment.batch", batch, user=by, details={
            "purpose": purpose, "rung": rung, "year": year, "method": method, "subjects": len(rows),
            "agencies": {a.name: taken[a.id] for a in agencies}})
    return batch
