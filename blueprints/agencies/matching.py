"""Which agencies fit a subject for an engagement, and what stands in the way (第十条、第二十四至二十六条).

`candidates()` is the one ranking: the one-subject match page, the operation that proposes an engagement and the
batch assignment all read it. Facts are loaded for many subjects at once (a batch has hundreds) in a fixed handful of
queries, then each subject's candidates are ranked by fit.

The fit (higher is better) is a sum the page shows term by term:
  +3 the agency's expertise covers the subject's industry; +2 it covers the subject's kind (factory, park …);
  +0.25 per evaluation it completed at the engagement's rung or above (any year), at most +1;
  +1 its address is in the subject's district;
  minus the year's load: 3 × load / capacity (the capacity staff set for the year, else rules.DEFAULT_AGENCY_CAPACITY,
  the same the batch assignment counts).
The pass rate and the enterprise's stated preference are shown beside the row and never enter the fit (第二十四条:
不得承诺保过). Marks that make a choice need a stored reason (needs_reason): the agency consulted for the subject
(an evaluation, 第二十四条), it is full for the year, the enterprise objected to it (第十二条), it declined or let
expire an invitation for the subject this year, or the subject already has a live engagement of the same purpose,
year and rung with another agency.

The recommended row (`recommended()`) is the first offered row that needs no reason: the match page's 推荐 badge,
the operation's choice check and the batch's "top" all read it; anything else needs a reason.
"""
from dataclasses import dataclass, field

from peewee import fn

import rules
from models import Agency, AgencyCapacity, AgencyStatus, Engagement, EngagementPurpose, EngagementStatus, Rung

from . import operations, preferences

INDUSTRY_WEIGHT = 3.0
KIND_WEIGHT = 2.0
DISTRICT_WEIGHT = 1.0
EXPERIENCE_STEP, EXPERIENCE_MAX = 0.25, 1.0
LOAD_WEIGHT = 3.0  # times the share of the year's capacity already used
_CHUNK = 500  # subject ids per IN (…) list


@dataclass
class Candidate:
    agency: Agency
    score: float  # fit: higher is better
    reasons: list = field(default_factory=list)  # why the score ("擅长该行业", "本年度 3/10 项" …)
    conflicts: list = field(default_factory=list)  # marks shown before choosing (consulted before, engaged this year …)
    needs_reason: bool = False  # choosing it needs a stored reason even when it is the top row
    reason_marks: list = field(default_factory=list)  # the conflicts that make needs_reason (shown when asking)
    excluded: str = ""  # why it is never offered ("" when it is): suspended, disqualified, the national cap is full
    covers_industry: bool = False  # the agency's expertise includes the subject's industry
    load: int = 0  # its engagements of the year holding a slot (Engagement.LIVE)
    capacity: int = rules.DEFAULT_AGENCY_CAPACITY  # for the year (capacity_of)
    cap_used: int | None = None  # national evaluations of its legal representative this year (national evaluations)
    passed: int = 0  # evaluations that passed, from the bureau's recorded outcomes (operations.pass_rate)
    decided: int = 0  # evaluations with a recorded outcome: the pass rate's sample size
    rate_flag: str = ""  # rules.pass_rate_flag: for staff attention only

    @property
    def offered(self):
        return not self.excluded

    @property
    def pass_rate_text(self):
        return pass_rate_text(self.passed, self.decided)


def pass_rate_text(passed, decided):
    """"80%（8/10）" or "—" when nothing is decided yet."""
    return f"{round(100 * passed / decided)}%（{passed}/{decided}）" if decided else "—"


def load_by_agency(year):
    """{agency_id: engagements of the year holding a slot (Engagement.LIVE)}."""
    return dict(Engagement.select(Engagement.agency, fn.COUNT(Engagement.id))
                .where(Engagement.year == year, Engagement.status.in_(Engagement.LIVE))
                .group_by(Engagement.agency).tuples())


def capacity_by_agency(year):
    """{agency_id: capacity staff set for the year} (only the agencies with one: see capacity_of)."""
    return dict(AgencyCapacity.select(AgencyCapacity.agency, AgencyCapacity.capacity)
                .where(AgencyCapacity.year == year).tuples())


def capacity_of(stated, agency_id):
    """An agency's capacity for the year: the one staff set (`stated`, from capacity_by_agency), else the default."""
    return stated.get(agency_id, rules.DEFAULT_AGENCY_CAPACITY)


def national_used_by_legal_representative(year):
    """{trimmed legal representative: national evaluations of the year across its agencies} (第二十四条), the same
    count as operations.national_evaluations, for every legal representative in one query."""
    name = fn.TRIM(Agency.legal_representative)
    return dict(Engagement.select(name, fn.COUNT(Engagement.id)).join(Agency)
                .where(Engagement.year == year, Engagement.purpose == EngagementPurpose.EVALUATION.value,
                       Engagement.rung == Rung.NATIONAL.value, Engagement.status.in_(Engagement.LIVE))
                .group_by(name).tuples())


def completed_at_or_above(rung):
    """{agency_id: evaluations it completed (any year) at `rung` or above}: experience at that rung."""
    floor = rules.rung_rank(rung)
    counts = {}
    for agency_id, at, count in (Engagement.select(Engagement.agency, Engagement.rung, fn.COUNT(Engagement.id))
                                 .where(Engagement.purpose == EngagementPurpose.EVALUATION.value,
                                        Engagement.status == EngagementStatus.COMPLETED.value)
                                 .group_by(Engagement.agency, Engagement.rung).tuples()):
        if rules.rung_rank(at) >= floor:
            counts[agency_id] = counts.get(agency_id, 0) + count
    return counts


def _history(subject_ids):
    """{(subject_id, agency_id): [(purpose, year, status, rung)]} for the subjects' engagements with any agency."""
    history = {}
    ids = list(subject_ids)
    for start in range(0, len(ids), _CHUNK):
        for subject_id, agency_id, purpose, year, status, rung in (
                Engagement.select(Engagement.subject, Engagement.agency, Engagement.purpose, Engagement.year,
                                  Engagement.status, Engagement.rung)
                .where(Engagement.subject.in_(ids[start:start + _CHUNK])).tuples()):
            history.setdefault((subject_id, agency_id), []).append((purpose, year, status, rung))
    return history


def _engaged_elsewhere(history, purpose, rung, year):
    """{subject_id: {agency_id}}: the subjects' live engagements of this purpose, year and rung, by agency."""
    engaged = {}
    for (subject_id, agency_id), rows in history.items():
        if any(p == purpose and y == year and s in Engagement.LIVE and r == rung for p, y, s, r in rows):
            engaged.setdefault(subject_id, set()).add(agency_id)
    return engaged


def _marks(rows, purpose, year):
    """(excluded, conflicts, reason_marks) from one subject's engagements with one agency."""
    excluded, conflicts, reason_marks = "", [], []
    other = (EngagementPurpose.CONSULTING.value if purpose == EngagementPurpose.EVALUATION.value
             else EngagementPurpose.EVALUATION.value)
    for row_purpose, row_year, status, _ in rows:
        if row_purpose == purpose and row_year == year and status in Engagement.LIVE:
            excluded = f"{rules.ALREADY_ENGAGED}（{EngagementStatus.label_of(status)}）"
    if any(p == other and s in Engagement.LIVE for p, _, s, _ in rows):  # operations.consult_and_evaluate, any year
        if purpose == EngagementPurpose.EVALUATION.value:  # evaluating after consulting: a stored reason
            conflicts.append(rules.CONSULTED_MARK)
            reason_marks.append(rules.CONSULTED_MARK)
        else:  # consulting for a subject it evaluates: marked (the engagement's warning says it again)
            conflicts.append(rules.EVALUATED_MARK)
    for status, mark in ((EngagementStatus.DECLINED.value, rules.DECLINED_MARK),
                         (EngagementStatus.EXPIRED.value, rules.EXPIRED_MARK)):
        if any(y == year and s == status for _, y, s, _ in rows):  # it said no (or nothing) this year: explain
            conflicts.append(mark)
            reason_marks.append(mark)
    return excluded, conflicts, reason_marks


def candidates(subjects, purpose, rung, year, today):
    """{subject_id: [Candidate]}: offered agencies best first, then the excluded ones with why. Rejected agencies
    (never recognised) are not listed at all."""
    subjects = list(subjects)
    agencies = list(Agency.select().where(Agency.status != AgencyStatus.REJECTED.value).order_by(Agency.id))
    load, capacity = load_by_agency(year), capacity_by_agency(year)
    national = purpose == EngagementPurpose.EVALUATION.value and rung == Rung.NATIONAL.value
    cap_used = national_used_by_legal_representative(year) if national else {}
    experience = completed_at_or_above(rung)
    rates = operations.pass_rate()
    history = _history(s.id for s in subjects)
    elsewhere = _engaged_elsewhere(history, purpose, rung, year)
    names = {a.id: a.name for a in agencies}
    stated = preferences.preferences_for([s.id for s in subjects], year)  # the enterprise's say (第十二条)
    rung_label = Rung.label_of(rung)

    per_agency = {}  # what does not depend on the subject
    for agency in agencies:
        score, reasons, conflicts, reason_marks = 0.0, [], [], []
        done = experience.get(agency.id, 0)
        if done:
            score += min(EXPERIENCE_MAX, EXPERIENCE_STEP * done)
            reasons.append(f"已完成{rung_label}及以上评价 {done} 项")
        current, limit = load.get(agency.id, 0), capacity_of(capacity, agency.id)
        score -= LOAD_WEIGHT * (current / limit if limit else 1)
        reasons.append(f"本年度 {current}/{limit} 项" + ("" if agency.id in capacity else "（默认容量）"))
        full = rules.capacity_problem(current, limit)
        if full:
            conflicts.append(full)
            reason_marks.append(full)
        excluded = operations.blocked_reason(agency, today) or ""
        used = None
        if national:
            used = cap_used.get((agency.legal_representative or "").strip(), 0)
            excluded = excluded or rules.national_cap_problem(used) or ""
            if used:
                conflicts.append(rules.national_cap_mark(used))
        passed, decided = rates.get(agency.id, (0, 0))
        per_agency[agency.id] = (score, reasons, conflicts, reason_marks, excluded, current, limit, used, passed,
                                 decided)

    ranked = {}
    for subject in subjects:
        rows = []
        for agency in agencies:
            base, base_reasons, base_conflicts, base_marks, base_excluded, current, limit, used, passed, decided = (
                per_agency[agency.id])
            score, reasons = base, []
            covers = subject.industry_code in agency.industries
            if covers:
                score += INDUSTRY_WEIGHT
                reasons.append("擅长该行业")
            if subject.kind in agency.kinds:
                score += KIND_WEIGHT
                reasons.append("擅长该类型")
            if subject.district and subject.district in (agency.address or ""):
                score += DISTRICT_WEIGHT
                reasons.append("同区县")
            excluded, conflicts, marks = _marks(history.get((subject.id, agency.id), ()), purpose, year)
            others = sorted(elsewhere.get(subject.id, set()) - {agency.id})
            if others:  # the subject already has this engagement with another agency: a second needs a reason
                conflicts.append(rules.ENGAGED_ELSEWHERE_MARK.format(
                    agencies="、".join(names.get(a, "其他机构") for a in others)))
                marks.append(conflicts[-1])
            stance, said = stated.get((subject.id, agency.id), (None, ""))
            if stance == "object":
                conflicts.append(rules.OBJECTED_MARK.format(reason=said))
                marks.append(conflicts[-1])
            elif stance == "prefer":
                reasons.append(rules.PREFERRED_NOTE.format(reason=said))
            rows.append(Candidate(
                agency, round(score, 2), reasons + base_reasons, conflicts + base_conflicts,
                needs_reason=bool(marks or base_marks), reason_marks=marks + base_marks,
                excluded=base_excluded or excluded, covers_industry=covers,
                load=current, capacity=limit, cap_used=used, passed=passed, decided=decided,
                rate_flag=rules.pass_rate_flag(passed, decided)))
        ranked[subject.id] = sorted(rows, key=lambda c: (bool(c.excluded), -c.score, c.agency.id))
    return ranked


def ranked_for(subject, purpose, rung, year, today):
    """One subject's candidates (see candidates())."""
    return candidates([subject], purpose, rung, year, today)[subject.id]


def recommended(rows):
    """The recommended (top) row of ranked rows: the first offered candidate that needs no reason, or None."""
    return next((c for c in rows if c.offered and not c.needs_reason), None)


def is_recommended(rows, agency_id):
    """Choosing this agency from these ranked rows needs no reason: it is the recommended row, or an offered row
    without marks tied with it on the fit (the order among equal scores is only the agencies' ids)."""
    top = recommended(rows)
    row = next((c for c in rows if c.agency.id == agency_id), None)
    return (top is not None and row is not None and row.offered and not row.needs_reason
            and row.score >= top.score)


def recommended_ids(rows):
    """{agency_id} of the rows is_recommended() says need no reason (the page's 推荐 badge)."""
    return {c.agency.id for c in rows if is_recommended(rows, c.agency.id)}


def choice_problem(rows, agency_id, reason):
    """Why choosing this agency from these ranked rows is refused now, or "": an excluded (or unlisted) agency is
    never chosen; a row with a mark needing a reason, or any row but the recommended one, needs `reason`."""
    row = next((c for c in rows if c.agency.id == agency_id), None)
    if row is None:
        return "该机构不可对接（未认可）"
    if row.excluded:
        return row.excluded
    if (reason or "").strip():
        return ""
    if row.needs_reason:
        return rules.CHOICE_REASON_NEEDED_MARKED.format(marks="；".join(row.reason_marks) or "需说明")
    if not is_recommended(rows, agency_id):
        return rules.CHOICE_REASON_NEEDED
    return ""
