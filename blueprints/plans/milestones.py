"""Milestones that follow the work: a step names the event that ticks it (rules.MILESTONE_EVENTS), and the event,
when it happens, ticks the open steps of that event in the subject's plans of the year.

Progress is not plan content (operations.update_milestone): a filed plan's milestones are ticked too.
The callers: application submit (blueprints/applications/operations.py), the municipal list published and a
provincial or national outcome recorded (blueprints/listing/operations.py); an agency accepting an engagement
(ENGAGEMENT_ACCEPTED) and an evaluation report uploaded (EVALUATION_REPORT) are called from blueprints/agencies.
"""
from datetime import date, datetime

import rules
from core import audit
from models import CultivationPlan, Milestone, PlanItem, db

ENGAGEMENT_ACCEPTED = "engagement_accepted"
EVALUATION_REPORT = "evaluation_report"
APPLICATION_SUBMITTED = "application_submitted"
LISTED = "listed"
EVENTS = rules.MILESTONE_EVENTS


def done_text(detail, on):
    """What ticked a milestone and when, as the row shows it: "申报已提交（2026-05-03）"."""
    return f"{detail}（{on.isoformat()}）"[:200]


def tick(subject, event, *, on, detail, by=None, rung=None, year=None):
    """Set done_date = `on` on the open milestones of `event` of the subject's active items in the plans of `year`
    (default: `on`'s year), every version, and say what ticked them (`detail`, e.g. "申报已提交"). With `rung` (an
    application's or a list's), only items aiming at that rung or below are ticked: a municipal listing does not tick
    a provincial target's step. Returns the milestones ticked; each is audited. A step already done stays as it was."""
    if event not in EVENTS:
        raise ValueError(f"unknown milestone event {event!r}")
    on = on.date() if isinstance(on, datetime) else on
    assert isinstance(on, date)
    year = year or on.year
    query = (Milestone.select(Milestone, PlanItem).join(PlanItem).join(CultivationPlan)
             .where(PlanItem.subject == subject, PlanItem.withdrawn_at.is_null(), CultivationPlan.year == year,
                    Milestone.event == event, Milestone.done_date.is_null())
             .order_by(CultivationPlan.version, Milestone.position))
    text = done_text(detail, on)
    ticked = []
    with db.atomic():
        for milestone in query:
            if rung and rules.rung_rank(milestone.item.target_rung) > rules.rung_rank(rung):
                continue
            # the check is the write: a step ticked by hand meanwhile keeps its date and note
            updated = (Milestone.update(done_date=on, done_event=text)
                       .where(Milestone.id == milestone.id, Milestone.done_date.is_null()).execute())
            if updated:
                milestone.done_date, milestone.done_event = on, text
                ticked.append(milestone)
                audit.record("plan.milestone_event", subject, user=by,
                             details={"plan": milestone.item.plan_id, "milestone": milestone.name, "event": event,
                                      "done": on, "detail": text})
    return ticked
