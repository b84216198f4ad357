"""Applications (申报) and the municipal expert review: each transition checks, changes in db.atomic(), audits."""
from collections import Counter

from peewee import IntegrityError

import rules
from blueprints.plans import milestones as plan_milestones
from blueprints.pool.operations import latest_checks, veto_gate
from core import audit, settings, uploads
from core.database import compare_and_set
from core.enums import ScoreBand
from models import (
    Application,
    ApplicationStatus,
    Document,
    EvaluationMethod,
    Listing,
    ListingStatus,
    PoolEntry,
    PoolStatus,
    ReviewAssignment,
    Role,
    Rung,
    User,
    db,
    local_now,
)
from rules import Refused

EDITABLE = (ApplicationStatus.DRAFT.value, ApplicationStatus.RETURNED.value)
REPORT_KINDS = ("pdf", "docx")


def _changed_meanwhile(status):
    """The loser's message when another person moved the application first."""
    return f"该申报已被其他人处理（当前状态：{ApplicationStatus.label_of(status)}），请刷新页面"


def materials_present(application):
    return {d.purpose for d in Document.of("application", application.id)}


def removal_date(subject):
    """The latest date the subject was removed from any list (第十五条第三项), or None."""
    row = (Listing.select(Listing.removed_on)
           .where(Listing.subject == subject, Listing.status == ListingStatus.REMOVED.value)
           .order_by(Listing.removed_on.desc()).first())
    return row.removed_on if row else None


def held_rungs(subject):
    return {row.rung for row in Listing.select(Listing.rung)
            .where(Listing.subject == subject, Listing.status == ListingStatus.LISTED.value)}


def is_pooled(subject):
    entry = PoolEntry.get_or_none(PoolEntry.subject == subject)
    return entry is not None and entry.status != PoolStatus.EXITED.value


def agency_problem(application):
    """第十三、二十四、二十六条: a third-party evaluation needs an engaged, not disqualified agency."""
    if application.method != EvaluationMethod.THIRD_PARTY.value:
        return None
    from blueprints.agencies.operations import evaluation_agency_problem
    return evaluation_agency_problem(application.subject, application.agency, today=local_now().date())


def submit_problems(application):
    subject = application.subject
    _, veto = latest_checks(subject)
    return rules.application_problems(
        kind=subject.kind, rung=application.rung, pooled=is_pooled(subject),
        veto_results={k: r.result for k, r in veto.items()}, removed_on=removal_date(subject),
        held_rungs=held_rungs(subject), today=local_now().date(), has_report=application.report_id is not None,
        present_materials=materials_present(application), agency_problem=agency_problem(application),
        veto_gate=veto_gate(subject, "apply"))  # 第十五条：不得申请 (a hit in 近三年, a stale check, a park member's hit)


def create(subject, year, *, rung, method, claimed_score, national_intent, by, agency=None):
    """Start a draft application for a subject (the enterprise's own, or by staff on its behalf)."""
    if rung in held_rungs(subject):
        raise Refused(f"该对象已在{Rung.label_of(rung)}名单中，不能重复申报")
    if barred := rules.removal_bar_problem(removal_date(subject), local_now().date()):
        raise Refused(barred)
    open_ones = Application.select().where(Application.subject == subject, Application.year == year,
                                           Application.rung == rung,
                                           Application.status != ApplicationStatus.REJECTED.value)
    duplicate = f"{year} 年已有该级别的申报，请在原申报上继续"
    if open_ones.exists():
        raise Refused(duplicate)
    try:
        with db.atomic():
            application = Application.create(subject=subject, year=year, rung=rung, method=method, agency=agency,
                                             claimed_score=claimed_score, national_intent=national_intent,
                                             created_by=by)
            audit.record("application.create", subject, user=by,
                         details={"application": application.id, "rung": rung})
    except IntegrityError:  # started at the same moment: the unique index keeps one open application
        raise Refused(duplicate)
    return application


def update(application, *, method, claimed_score, national_intent, by, agency=None):
    if application.status not in EDITABLE:
        raise Refused("申报已提交，不能修改")
    with db.atomic():
        compare_and_set(application, "status", EDITABLE, "申报已提交，不能修改", method=method,
                        claimed_score=claimed_score, national_intent=national_intent,
                        agency=agency if method == EvaluationMethod.THIRD_PARTY.value else None)
        audit.record("application.update", application.subject, user=by, details={"application": application.id})


def attach(application, file_storage, *, purpose, by):
    """Upload the evaluation report (PDF/DOCX only) or one of the materials."""
    if application.status not in EDITABLE:
        raise Refused("申报已提交，不能再上传材料")
    kinds = REPORT_KINDS if purpose == "evaluation_report" else uploads.ALLOWED_DEFAULT
    with db.atomic():
        compare_and_set(application, "status", EDITABLE, "申报已提交，不能再上传材料")
        document = uploads.store(file_storage, "application", application.id, purpose=purpose, user=by, kinds=kinds)
        if purpose == "evaluation_report":
            application.report = document
            application.save(only=[Application.report])
    return document


def submit(application, *, by):
    """Submit (or resubmit after a return); refused with the article cited when a rule forbids it."""
    if application.status not in EDITABLE:
        raise Refused(f"当前状态为「{application.status_enum.label}」，不能提交")
    problems = submit_problems(application)
    if problems:
        raise Refused("不能提交：" + "；".join(problems))
    with db.atomic():
        compare_and_set(application, "status", application.status, _changed_meanwhile,
                        status=ApplicationStatus.SUBMITTED.value,
                        submitted_at=local_now(), return_reason="")
        audit.record("application.submit", application.subject, user=by, details={"application": application.id})
        plan_milestones.tick(application.subject, plan_milestones.APPLICATION_SUBMITTED, on=local_now().date(),
                             detail=f"{Rung.label_of(application.rung)}申报已提交", by=by, rung=application.rung,
                             year=application.year)


def return_for_correction(application, *, reason, by):
    """Send a submitted application back with reasons; the enterprise fixes and resubmits."""
    if application.status not in (ApplicationStatus.SUBMITTED.value, ApplicationStatus.UNDER_REVIEW.value):
        raise Refused("只有已提交或评审中的申报可以退回")
    with db.atomic():
        # the status checked above, as this request saw it: a review started meanwhile makes this one lose
        compare_and_set(application, "status", application.status, _changed_meanwhile,
                        status=ApplicationStatus.RETURNED.value, return_reason=reason)
        audit.record("application.return", application.subject, user=by,
                     details={"application": application.id, "reason": reason})


def start_review(application, *, by):
    """A municipal application goes to expert review."""
    if application.rung != "municipal":
        raise Refused("省级、国家级申报由主管部门审核推荐，不进行市级专家评审")
    if application.status != ApplicationStatus.SUBMITTED.value:
        raise Refused("只有已提交的申报可以进入评审")
    with db.atomic():
        compare_and_set(application, "status", ApplicationStatus.SUBMITTED.value, _changed_meanwhile,
                        status=ApplicationStatus.UNDER_REVIEW.value)
        audit.record("application.review", application.subject, user=by, details={"application": application.id})


# --- experts -------------------------------------------------------------------------------------------------------

def experts():
    return User.select().where(User.role == Role.EXPERT.value, User.active == True).order_by(User.id)  # noqa: E712


def has_conflict(expert, application):
    """A declared conflict on this application, or the expert works for the applicant."""
    declared = ReviewAssignment.select().where(ReviewAssignment.application == application,
                                               ReviewAssignment.expert == expert, ReviewAssignment.conflict == True)  # noqa: E712
    same_organisation = bool(expert.organisation) and expert.organisation.strip() == application.subject.name.strip()
    return declared.exists() or same_organisation


def assign(application, expert, *, by):
    if application.status != ApplicationStatus.UNDER_REVIEW.value:
        raise Refused("只有评审中的申报可以指派专家")
    if expert.role != Role.EXPERT.value:
        raise Refused("只能指派评审专家账号")
    if has_conflict(expert, application):
        raise Refused(f"{expert.display_name} 与该申报存在利益冲突，不能指派")
    if ReviewAssignment.select().where(ReviewAssignment.application == application,
                                       ReviewAssignment.expert == expert).exists():
        raise Refused(f"{expert.display_name} 已指派过该申报")
    try:
        with db.atomic():
            compare_and_set(application, "status", ApplicationStatus.UNDER_REVIEW.value, _changed_meanwhile)
            assignment = ReviewAssignment.create(application=application, expert=expert, assigned_by=by)
            audit.record("review.assign", application.subject, user=by,
                         details={"application": application.id, "expert": expert.username})
    except IntegrityError:  # one assignment per expert and application
        raise Refused(f"{expert.display_name} 已指派过该申报")
    return assignment


def needed(application):
    """How many more experts the application needs to reach the number in settings."""
    active = ReviewAssignment.active().where(ReviewAssignment.application == application).count()
    return max(0, settings.get("experts_per_application") - active)


def auto_assign(applications, *, by):
    """Fill every application up to the required number of experts, least-loaded expert first, never with a
    conflict (declared or same organisation), as conference review systems do. Returns (assigned, short)."""
    pool = list(experts())
    load = Counter(a.expert_id for a in ReviewAssignment.active().where(ReviewAssignment.scored_at.is_null()))
    assigned, short = 0, []
    with db.atomic():
        for application in applications:
            taken = {a.expert_id for a in ReviewAssignment.select().where(ReviewAssignment.application == application)}
            for _ in range(needed(application)):
                candidates = [e for e in pool if e.id not in taken and not has_conflict(e, application)]
                if not candidates:
                    short.append(application.subject.name)
                    break
                expert = min(candidates, key=lambda e: (load[e.id], e.id))
                ReviewAssignment.create(application=application, expert=expert, assigned_by=by)
                taken.add(expert.id)
                load[expert.id] += 1
                assigned += 1
        audit.record("review.auto_assign", object_type="application", user=by,
                     details={"assigned": assigned, "short": short})
    return assigned, short


def declare(assignment, *, conflict, reason, by):
    """The expert declares, before scoring, whether there is a conflict of interest. A conflict removes the
    assignment (kept on record) and the application then needs another expert."""
    if assignment.conflict is not None:
        raise Refused("已声明过利益冲突情况")
    if conflict and not reason:
        raise Refused("请说明利益冲突情况")
    with db.atomic():
        compare_and_set(assignment, "conflict", None, "已声明过利益冲突情况", conflict=conflict, conflict_reason=reason,
                        declared_at=local_now(), removed_at=local_now() if conflict else None)
        audit.record("review.declare", assignment.application.subject, user=by,
                     details={"application": assignment.application_id, "conflict": conflict, "reason": reason})


def score(assignment, *, value, comments, by):
    if assignment.conflict is None:
        raise Refused("请先声明是否存在利益冲突")
    if assignment.removed_at is not None:
        raise Refused("您已回避该申报，不能评分")
    if assignment.application.status != ApplicationStatus.UNDER_REVIEW.value:
        raise Refused("该申报不在评审中")
    if value is None or not 0 <= value <= 100:
        raise Refused("评分须在 0–100 之间")
    with db.atomic():
        compare_and_set(assignment.application, "status", ApplicationStatus.UNDER_REVIEW.value, "该申报已结束评审，不能再评分")
        assignment.score, assignment.comments, assignment.scored_at = value, comments, local_now()
        assignment.save(only=[ReviewAssignment.score, ReviewAssignment.comments, ReviewAssignment.scored_at])
        audit.record("review.score", assignment.application.subject, user=by,
                     details={"application": assignment.application_id, "score": value})


def final_score(application):
    """The final score (the exact mean, a Decimal: 第十八条 compares it unrounded), or None until every assigned
    expert has scored and there are enough of them."""
    active = list(ReviewAssignment.active().where(ReviewAssignment.application == application))
    if not active or len(active) < settings.get("experts_per_application") or any(a.score is None for a in active):
        return None
    return rules.final_score([a.score for a in active])


def score_band(value):
    values = settings.get_all()
    return rules.score_band(value, values["qualifying_score"], values["key_cultivation_score"])


def score_label(value):
    """第十八条: the band of a score in words, with the bureau's thresholds."""
    return rules.score_band_label(value, settings.get_all())


def conclude(application, *, by):
    """Close the review: 通过 at or above the qualifying score (第十八条), otherwise 未通过."""
    if application.status != ApplicationStatus.UNDER_REVIEW.value:
        raise Refused("该申报不在评审中")
    value = final_score(application)
    if value is None:
        raise Refused("尚有专家未评分或专家人数不足，不能结束评审")
    with db.atomic():
        compare_and_set(application, "status", ApplicationStatus.UNDER_REVIEW.value, _changed_meanwhile,
                        decided_at=local_now())
        value = final_score(application)  # again, now that the row is ours: a score may have landed meanwhile
        if value is None:
            raise Refused("尚有专家未评分或专家人数不足，不能结束评审")
        approved = score_band(value) in (ScoreBand.QUALIFIED, ScoreBand.KEY)
        # 第十五条：不得列入. A hit recorded during the review (or a check gone stale) refuses 通过, whatever the score.
        if approved and (problems := veto_gate(application.subject, "list")):
            raise Refused("不能作出“通过”结论：" + "；".join(problems) + "。情形属实的，请退回申报；核查过期的，请重新核查")
        compare_and_set(application, "status", ApplicationStatus.UNDER_REVIEW.value, _changed_meanwhile,
                        status=ApplicationStatus.APPROVED.value if approved else ApplicationStatus.REJECTED.value)
        audit.record("application.decide", application.subject, user=by,
                     details={"application": application.id, "score": str(rules.score_display(value)),
                              "mean": str(value), "approved": approved})
    return approved
