"""Which agencies fit a subject for an engagement, and what stands in the way (第十条、第二十四至二十六条).

`candidates()` is the one ranking: the one-subject match page and the batch assignment both read it. Facts are
loaded for many subjects at once (a batch has hundreds), then each subject's candidates are ranked by fit.
"""
from dataclasses import dataclass, field

from peewee import fn

from models import Agency, AgencyCapacity, AgencyStatus, Engagement

from . import operations


@dataclass
class Candidate:
    agency: Agency
    score: float  # fit: higher is better
    reasons: list = field(default_factory=list)  # why the score ("擅长该行业", "在办 3 项" …)
    conflicts: list = field(default_factory=list)  # marks shown before choosing (consulted before, engaged this year …)
    needs_reason: bool = False  # choosing it needs a stored reason even when it is the top row
    excluded: str = ""  # why it is never offered ("" when it is): suspended, disqualified, the national cap is full
    covers_industry: bool = False  # the agency's expertise includes the subject's industry

    @property
    def offered(self):
        return not self.excluded


def load_by_agency(year):
    """{agency_id: engagements of the year holding a slot (Engagement.LIVE)}."""
    return dict(Engagement.select(Engagement.agency, fn.COUNT(Engagement.id))
                .where(Engagement.year == year, Engagement.status.in_(Engagement.LIVE))
                .group_by(Engagement.agency).tuples())


def capacity_by_agency(year):
    """{agency_id: capacity set for the year}; an agency without one has no stated limit."""
    return dict(AgencyCapacity.select(AgencyCapacity.agency, AgencyCapacity.capacity)
                .where(AgencyCapacity.year == year).tuples())


def candidates(subjects, purpose, rung, year, today):
    """{subject_id: [Candidate]}: offered agencies best first, then the excluded ones with why."""
    load = operations.active_load()
    agencies = list(Agency.select().where(Agency.status != AgencyStatus.REJECTED.value).order_by(Agency.id))
    ranked = {}
    for subject in subjects:
        rows = []
        for agency in agencies:
            score, reasons = 0.0, []
            covers = subject.industry_code in agency.industries
            if covers:
                score += 3
                reasons.append("擅长该行业")
            if subject.kind in agency.kinds:
                score += 2
                reasons.append("擅长该类型")
            current = load.get(agency.id, 0)
            score -= 0.3 * current
            reasons.append(f"在办 {current} 项")
            if subject.district and subject.district in agency.address:
                score += 1
                reasons.append("同区县")
            rows.append(Candidate(agency, round(score, 2), reasons, excluded=operations.blocked_reason(agency, today)
                                  or "", covers_industry=covers))
        ranked[subject.id] = sorted(rows, key=lambda c: (bool(c.excluded), -c.score, c.agency.id))
    return ranked


def ranked_for(subject, purpose, rung, year, today):
    """One subject's candidates (see candidates())."""
    return candidates([subject], purpose, rung, year, today)[subject.id]
