"""Third-party agencies (第二十三至二十六条) and their engagements with subjects (第十条): each transition checks,
changes inside db.atomic(), and audits."""
from datetime import timedelta

from peewee import IntegrityError, fn

import rules
from blueprints.plans import milestones as plan_milestones
from core import audit, uploads
from core.accounts import create_user
from core.database import compare_and_set
from models import (
    Agency,
    AgencyCheck,
    AgencyReport,
    AgencyStatus,
    Application,
    ApplicationStatus,
    Decision,
    Engagement,
    EngagementPurpose,
    EngagementStatus,
    Listing,
    Recommendation,
    RecommendationRound,
    Role,
    RoundStatus,
    Rung,
    db,
    local_now,
)
from rules import Refused

LIVE = Engagement.LIVE


def blocked_reason(agency, today):
    """Why the agency may not take on or carry out work now (rules.agency_blocked_reason, 第二十六条), or None."""
    return rules.agency_blocked_reason(agency.status, agency.disqualified_until, today,
                                       AgencyStatus.label_of(agency.status))


def latest_checks(agency):
    """The newest recorded check per 第二十三条 item: {item_key: AgencyCheck}."""
    return {row.item_key: row for row in
            AgencyCheck.select().where(AgencyCheck.agency == agency).order_by(AgencyCheck.id)}


def qualification_problems(agency, checks=None):
    """第二十三、二十四条 (rules.agency_qualification_problems) over the agency's recorded checks, counts, platform
    registration and declaration; empty when the agency qualifies."""
    checks = latest_checks(agency) if checks is None else checks
    return rules.agency_qualification_problems(
        condition_results={key: row.result for key, row in checks.items()}, mid_level=agency.staff_mid_level,
        senior=agency.staff_senior, platform_registration_no=agency.platform_registration_no,
        platform_approved=agency.platform_approved, declared=agency.declared_at is not None)


def qualification_problems_for(agencies):
    """{agency_id: problems} for a list page, with every agency's checks read in one query."""
    checks = {}
    for row in (AgencyCheck.select().where(AgencyCheck.agency.in_([a.id for a in agencies]))
                .order_by(AgencyCheck.id)):
        checks.setdefault(row.agency_id, {})[row.item_key] = row
    return {a.id: qualification_problems(a, checks.get(a.id, {})) for a in agencies}


def record_check(agency, item_key, *, result, evidence, by):
    """Staff record one 第二十三条 item (第一、二、四、五项) with its evidence (a new row; earlier ones stay)."""
    if item_key not in {key for key, _, _ in rules.AGENCY_CONDITIONS}:
        raise Refused("该检查项不属于第二十三条所列条件")
    with db.atomic():
        row = AgencyCheck.create(agency=agency, item_key=item_key, result=result, evidence=evidence or "",
                                 checked_by=by, checked_at=local_now())
        audit.record("agency.check", agency, user=by, details={"item": item_key, "result": result})
    return row


def register(data, *, username, password, declared=False):
    """An agency registers itself (public): a pending Agency and its account, with its 第二十四条 declaration."""
    if not declared:
        raise Refused("第二十四条：请阅读并勾选承诺")
    if Agency.select().where(Agency.credit_code == data["credit_code"]).exists():
        raise Refused("该统一社会信用代码已登记为第三方机构")
    try:
        with db.atomic():
            agency = Agency.create(**data, declaration=rules.AGENCY_DECLARATION, declared_at=local_now())
            user, _ = create_user(username, Role.AGENCY.value, data["name"], password, agency=agency,
                                  phone=data["contact_phone"])
            audit.record("agency.register", agency, user=user)
    except IntegrityError:
        raise Refused("该统一社会信用代码或用户名刚刚已被登记，请核对后重试")
    return agency


def declare(agency, *, by):
    """第二十四条: an agency registered before the declaration was asked makes it now (the text and the time)."""
    if agency.declared_at is not None:
        raise Refused(f"本机构已于 {agency.declared_at:%Y-%m-%d %H:%M} 作出承诺")
    with db.atomic():
        changed = (Agency.update(declaration=rules.AGENCY_DECLARATION, declared_at=local_now())
                   .where(Agency.id == agency.id, Agency.declared_at.is_null()).execute())
        if changed:
            audit.record("agency.declare", agency, user=by)


def _agency_changed(status):
    return f"该机构已被其他人处理（当前状态：{AgencyStatus.label_of(status)}），请刷新页面"


def _engagement_changed(status):
    return f"该对接已被处理（当前状态：{EngagementStatus.label_of(status)}），请刷新页面"


def _set_status(agency, expected, status, reason, by, action, **extra):
    """Move the agency from one of the `expected` statuses (checked by the write itself) to `status`."""
    old = agency.status
    with db.atomic():
        compare_and_set(agency, "status", expected, _agency_changed, status=status, status_reason=reason, **extra)
        audit.record(action, agency, user=by, details={"from": old, "to": status, "reason": reason, **extra})


def approve(agency, *, by, today):
    """Staff recognise the agency: every 第二十三条 item checked and met, the counts, the platform registration and
    the declaration of 第二十四条."""
    if agency.status == AgencyStatus.APPROVED.value:
        raise Refused("该机构已认可")
    barred = rules.reapproval_problem(agency.status, agency.disqualified_until, today)
    if barred:
        raise Refused(barred)
    problems = qualification_problems(agency)
    if problems:
        raise Refused("不符合条件：" + "；".join(problems))
    _set_status(agency, agency.status, AgencyStatus.APPROVED.value, "", by, "agency.approve")


def reject(agency, *, reason, by):
    if agency.status != AgencyStatus.PENDING.value:
        raise Refused("只有待审核的机构可以不予认可")
    _set_status(agency, AgencyStatus.PENDING.value, AgencyStatus.REJECTED.value, reason, by, "agency.reject")


def end_open_engagements(agency, *, reason, by):
    """第二十六条: the agency stops at once: its proposed and active engagements end with the reason, each audited.
    Call inside db.atomic(); lifting a suspension later revives none of them."""
    ended = 0
    for engagement in agency.engagements.where(Engagement.status.in_(Engagement.OPEN)).order_by(Engagement.id):
        now = local_now()
        changed = (Engagement.update(status=EngagementStatus.ENDED.value, ended_reason=reason, ended_at=now)
                   .where(Engagement.id == engagement.id, Engagement.status == engagement.status).execute())
        if changed:
            ended += 1
            audit.record("engagement.end", engagement.subject, user=by, details={
                "engagement": engagement.id, "agency": agency.name, "from": engagement.status, "reason": reason})
    return ended


def suspend(agency, *, reason, by):
    """Suspend an approved agency, without an end date, until lifted; its open engagements end now."""
    if agency.status != AgencyStatus.APPROVED.value:
        raise Refused("只有已认可的机构可以暂停")
    with db.atomic():
        _set_status(agency, AgencyStatus.APPROVED.value, AgencyStatus.SUSPENDED.value, reason, by, "agency.suspend")
        end_open_engagements(agency, reason=f"机构已被暂停：{reason}", by=by)


def lift_suspension(agency, *, by):
    if agency.status != AgencyStatus.SUSPENDED.value:
        raise Refused("该机构未被暂停")
    _set_status(agency, AgencyStatus.SUSPENDED.value, AgencyStatus.APPROVED.value, "", by, "agency.lift")


def disqualify(agency, *, reason, decided_on, by, category=""):
    """第二十六条: fraud, concealment, poor quality, or a confirmed breach of 第二十四条 (rules.DISQUALIFICATION_CATEGORIES;
    "" when another procedure gives the reason): disqualified, reports not accepted for three years."""
    categories = dict(rules.DISQUALIFICATION_CATEGORIES)
    if category and category not in categories:
        raise Refused("请选择取消资格的情形")
    if agency.status == AgencyStatus.DISQUALIFIED.value:
        raise Refused("该机构已被取消资格")
    if category:
        reason = f"{categories[category]}。{reason}"
    with db.atomic():
        _set_status(agency, [s.value for s in AgencyStatus if s != AgencyStatus.DISQUALIFIED],
                    AgencyStatus.DISQUALIFIED.value, reason, by, "agency.disqualify",
                    disqualified_on=decided_on, disqualified_until=rules.disqualification_until(decided_on),
                    disqualified_category=category)
        end_open_engagements(agency, reason=f"第二十六条：机构已被取消资格：{reason}", by=by)


def national_evaluations(legal_representative, year, *, exclude_id=None):
    """National-rung evaluation projects of the year across every agency with this legal representative
    (matched on the trimmed name: the registry holds no personal identity numbers)."""
    query = (Engagement.select().join(Agency)
             .where(fn.TRIM(Agency.legal_representative) == legal_representative.strip(), Engagement.year == year,
                    Engagement.purpose == EngagementPurpose.EVALUATION.value, Engagement.rung == Rung.NATIONAL.value,
                    Engagement.status.in_(LIVE)))
    if exclude_id is not None:
        query = query.where(Engagement.id != exclude_id)
    return query.count()


def _rules_at(agency, purpose, rung, year, today, exclude_id=None, expire=True):
    if expire:  # an invitation past its reply-by day holds no slot when the rules count them
        expire_overdue(today)
    reason = blocked_reason(agency, today)
    if reason:
        raise Refused(reason)
    if purpose == EngagementPurpose.EVALUATION.value and rung == Rung.NATIONAL.value:
        problem = rules.national_cap_problem(national_evaluations(agency.legal_representative, year,
                                                                  exclude_id=exclude_id))
        if problem:
            raise Refused(problem)


def consult_and_evaluate(subject, agency, *, purpose, exclude_id=None):
    """第二十四条: one agency both consulting for and evaluating the same subject deserves a warning."""
    other = (EngagementPurpose.EVALUATION.value if purpose == EngagementPurpose.CONSULTING.value
             else EngagementPurpose.CONSULTING.value)
    query = Engagement.select().where(Engagement.subject == subject, Engagement.agency == agency,
                                      Engagement.purpose == other, Engagement.status.in_(LIVE))
    if exclude_id is not None:
        query = query.where(Engagement.id != exclude_id)
    return rules.CONSULT_AND_EVALUATE_WARNING if query.exists() else ""


def propose(subject, agency, *, purpose, rung, year, by, today, reason="", reply_by=None, batch=None, ranked=None):
    """Staff invite an agency to an engagement; the rules hold now and again when the agency accepts. The choice is
    checked against the ranking (matching.ranked_for, or `ranked`: the subject's candidates a batch computed once for
    all its rows, after expiring overdue invitations once): an excluded agency is refused, and any agency but the
    recommended row (matching.recommended), or one whose row is marked as needing a reason (consulted for the
    subject, full for the year …), needs `reason`, kept in Engagement.choice_reason. The blocked, national cap and
    duplicate rules are checked here either way. The agency answers by `reply_by` (default: today +
    rules.INVITATION_REPLY_DAYS)."""
    from . import matching  # matching reads this module

    _rules_at(agency, purpose, rung, year, today, expire=ranked is None)
    duplicate = Engagement.select().where(Engagement.subject == subject, Engagement.agency == agency,
                                          Engagement.purpose == purpose, Engagement.year == year,
                                          Engagement.status.in_(LIVE))
    if duplicate.exists():
        raise Refused("该机构与此对象本年度已有同类对接")
    reason = (reason or "").strip()
    if ranked is None:
        ranked = matching.ranked_for(subject, purpose, rung, year, today)
    problem = matching.choice_problem(ranked, agency.id, reason)
    if problem:
        raise Refused(problem)
    reply_by = reply_by or today + timedelta(days=rules.INVITATION_REPLY_DAYS)
    warning = consult_and_evaluate(subject, agency, purpose=purpose)
    try:
        with db.atomic():
            engagement = Engagement.create(subject=subject, agency=agency, purpose=purpose, rung=rung, year=year,
                                           proposed_by=by, warning=warning, choice_reason=reason, reply_by=reply_by,
                                           batch=batch)
            audit.record("engagement.propose", subject, user=by, details={
                "agency": agency.name, "purpose": purpose, "rung": rung, "year": year, "warning": warning,
                "reason": reason, "reply_by": reply_by.isoformat(), "batch": getattr(batch, "id", batch)})
    except IntegrityError:  # proposed twice at once: the partial unique index keeps one live engagement
        raise Refused("该机构与此对象本年度已有同类对接")
    return engagement


def accept(engagement, *, by, today, declared):
    """The agency accepts a proposed engagement by its reply-by day, declaring again that it keeps to 第二十四条
    (stored with the time). It then waits for the enterprise, which commissions the agency, to confirm it (第十二条):
    only then is it live (ACTIVE) and the subject's documents shared."""
    if engagement.status == EngagementStatus.ENDED.value:
        raise Refused(f"该对接已终止：{engagement.ended_reason}")
    if engagement.status == EngagementStatus.PROPOSED.value and rules.invitation_overdue(engagement.reply_by, today):
        expire_overdue(today)
        raise Refused(f"该邀请须于 {engagement.reply_by:%Y-%m-%d} 前答复，已过期，不能再接受；如仍需对接请联系主管部门重新邀请")
    if engagement.status != EngagementStatus.PROPOSED.value:
        raise Refused(f"该对接当前为「{EngagementStatus.label_of(engagement.status)}」，不能再接受")
    _rules_at(engagement.agency, engagement.purpose, engagement.rung, engagement.year, today, exclude_id=engagement.id)
    if not declared:
        raise Refused("第二十四条：接受对接须勾选承诺（不签订对赌协议、不承诺保过、不以认证服务搭售评价）")
    with db.atomic():
        now = local_now()
        compare_and_set(engagement, "status", EngagementStatus.PROPOSED.value, _engagement_changed,
                        status=EngagementStatus.ACCEPTED.value, accepted_at=now,
                        declaration=rules.AGENCY_DECLARATION, declared_at=now)
        engagement.warning = consult_and_evaluate(engagement.subject, engagement.agency, purpose=engagement.purpose,
                                                  exclude_id=engagement.id)
        engagement.save(only=[Engagement.warning])
        audit.record("engagement.accept", engagement.subject, user=by, details={"engagement": engagement.id})


def decline(engagement, *, reason, by):
    """The agency declines an invitation with its reason (shown to staff, kept apart from progress notes)."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请填写拒绝理由")
    if engagement.status != EngagementStatus.PROPOSED.value:
        raise Refused("只有待接受的对接可以拒绝")
    with db.atomic():
        compare_and_set(engagement, "status", EngagementStatus.PROPOSED.value, _engagement_changed,
                        status=EngagementStatus.DECLINED.value, decline_reason=reason, ended_at=local_now())
        audit.record("engagement.decline", engagement.subject, user=by,
                     details={"engagement": engagement.id, "reason": reason})


REFUSED_BY_ENTERPRISE = "企业不予确认："  # how an enterprise's refusal reads in decline_reason (status WITHDRAWN)


def _for_the_enterprise(engagement, by, note):
    """Who may confirm or refuse for the subject (第十二条: the enterprise commissions the agency): its own enterprise
    account, or staff recording on behalf of a subject, with a note of how the enterprise told them. Returns whether
    it is on behalf."""
    if by.role == Role.ENTERPRISE.value:
        if by.subject_id != engagement.subject_id:
            raise Refused("只能确认本企业的对接")
        return False
    if by.is_staff:
        if not (note or "").strip():
            raise Refused("代企业确认须注明企业如何确认（如电话、书面确认及联系人）")
        return True
    raise Refused("只有企业本身或主管部门（代企业）可以确认对接")


def confirm(engagement, *, by, today, note=""):
    """The enterprise confirms an engagement the agency accepted (第十条、第十二条): it is live from now on."""
    on_behalf = _for_the_enterprise(engagement, by, note)
    if engagement.status != EngagementStatus.ACCEPTED.value:
        raise Refused(f"该对接当前为「{EngagementStatus.label_of(engagement.status)}」，只有机构已接受、待企业确认的对接可以确认")
    reason = blocked_reason(engagement.agency, today)
    if reason:
        raise Refused(reason)
    with db.atomic():
        compare_and_set(engagement, "status", EngagementStatus.ACCEPTED.value, _engagement_changed,
                        status=EngagementStatus.ACTIVE.value, confirmed_at=local_now(), confirmed_by=by)
        audit.record("engagement.confirm", engagement.subject, user=by, details={
            "engagement": engagement.id, "agency": engagement.agency.name, "on_behalf": on_behalf,
            "note": (note or "").strip()})
        plan_milestones.tick(engagement.subject, plan_milestones.ENGAGEMENT_ACCEPTED, on=today,
                             detail=f"与{engagement.agency.name}的对接已确认", by=by, year=engagement.year)


def upload_report(engagement, file_storage, *, by, today):
    """The agency uploads the evaluation report of a live engagement (第十三条); the plan's evaluation step ticks."""
    blocked = blocked_reason(engagement.agency, today)
    if blocked:
        raise Refused(blocked)
    if engagement.status == EngagementStatus.ENDED.value:
        raise Refused(f"该对接已终止：{engagement.ended_reason}")
    if engagement.status not in (EngagementStatus.ACTIVE.value, EngagementStatus.COMPLETED.value):
        raise Refused("对接确认后才能上传评价报告")
    with db.atomic():
        document = uploads.store(file_storage, "engagement", engagement.id, purpose="评价报告", user=by,
                                 kinds=("pdf", "docx"))
        if engagement.purpose == EngagementPurpose.EVALUATION.value:
            plan_milestones.tick(engagement.subject, plan_milestones.EVALUATION_REPORT, on=today,
                                 detail=f"{engagement.agency.name}上传评价报告", by=by, rung=engagement.rung,
                                 year=engagement.year)
    return document


def refuse(engagement, *, reason, by):
    """The enterprise does not commission the agency the bureau matched (第十二条): the engagement is withdrawn with
    the enterprise's reason (decline_reason, prefixed so staff read whose reason it is); staff may record it on the
    enterprise's behalf, the reason being what the enterprise said."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请填写不予确认的理由")
    on_behalf = _for_the_enterprise(engagement, by, reason)
    if engagement.status != EngagementStatus.ACCEPTED.value:
        raise Refused(f"该对接当前为「{EngagementStatus.label_of(engagement.status)}」，只有待企业确认的对接可以不予确认")
    with db.atomic():
        compare_and_set(engagement, "status", EngagementStatus.ACCEPTED.value, _engagement_changed,
                        status=EngagementStatus.WITHDRAWN.value, decline_reason=REFUSED_BY_ENTERPRISE + reason,
                        ended_at=local_now())
        audit.record("engagement.refuse", engagement.subject, user=by, details={
            "engagement": engagement.id, "agency": engagement.agency.name, "reason": reason, "on_behalf": on_behalf})


def expire_overdue(today):
    """Invitations left unanswered after their reply-by day expire, each audited as the system: they hold no slot of
    the national cap or the agency's capacity any more. There is no scheduler: the pages that count or show
    invitations call this, and `flask engagements expire` runs it daily from cron. Returns how many expired."""
    overdue = list(Engagement.select().where(Engagement.status == EngagementStatus.PROPOSED.value,
                                             Engagement.reply_by < today).order_by(Engagement.id))
    expired = 0
    for engagement in overdue:
        try:
            with db.atomic():
                compare_and_set(engagement, "status", EngagementStatus.PROPOSED.value, _engagement_changed,
                                status=EngagementStatus.EXPIRED.value, ended_at=local_now())
                audit.record("engagement.expire", engagement.subject, user=audit.SYSTEM, details={
                    "engagement": engagement.id, "agency_id": engagement.agency_id,
                    "reply_by": engagement.reply_by.isoformat()})
        except Refused:  # answered or expired meanwhile
            continue
        expired += 1
    return expired


def add_note(engagement, *, text, by):
    if engagement.status == EngagementStatus.ENDED.value:
        raise Refused(f"该对接已终止，不能再记录进展：{engagement.ended_reason}")
    if engagement.status != EngagementStatus.ACTIVE.value:
        raise Refused("只有进行中的对接可以记录进展")
    with db.atomic():
        compare_and_set(engagement, "status", EngagementStatus.ACTIVE.value, _engagement_changed)
        engagement = Engagement.get_by_id(engagement.id)  # the notes as they are now, not as this request read them
        stamp = local_now().strftime("%Y-%m-%d %H:%M")
        engagement.notes = (engagement.notes + "\n" if engagement.notes else "") + f"[{stamp}] {text}"
        engagement.save(only=[Engagement.notes])
        audit.record("engagement.note", engagement.subject, user=by, details={"engagement": engagement.id})


def complete(engagement, *, by, today):
    """Close an engagement. The agency records no result: an evaluation's pass or fail is what the bureau records
    for the subject (pass_rate below), so Engagement.outcome is no longer written."""
    if engagement.status != EngagementStatus.ACTIVE.value:
        raise Refused("只有进行中的对接可以完成")
    if engagement.purpose == EngagementPurpose.EVALUATION.value:
        reason = blocked_reason(engagement.agency, today)
        if reason:
            raise Refused(reason)
    with db.atomic():
        compare_and_set(engagement, "status", EngagementStatus.ACTIVE.value, _engagement_changed,
                        status=EngagementStatus.COMPLETED.value, completed_at=local_now())
        audit.record("engagement.complete", engagement.subject, user=by, details={"engagement": engagement.id})


def evaluation_outcomes(agency_ids=None):
    """{engagement_id: True (passed) / False (failed) / None (undecided)} for active and completed evaluation
    engagements, from what the bureau recorded, never from the agency (第二十四、二十五条). An evaluation of subject S
    at rung R in year Y is decided by S's applications for (Y, R) naming this agency: listed at R for Y (the
    municipal list, or the province's or the ministry's list as recorded) or an application 通过 -> passed;
    otherwise an application 未通过, or (provincial and national) 不推荐 in the year's newest signed recommendation
    round -> failed; otherwise (no such application, under review, recommended and no list recorded yet) undecided."""
    engagements = (Engagement.select(Engagement.id, Engagement.agency, Engagement.subject, Engagement.rung,
                                     Engagement.year)
                   .where(Engagement.purpose == EngagementPurpose.EVALUATION.value,
                          Engagement.status.in_((EngagementStatus.ACTIVE.value, EngagementStatus.COMPLETED.value))))
    if agency_ids is not None:
        engagements = engagements.where(Engagement.agency.in_(list(agency_ids)))
    engagements = list(engagements.tuples())
    evaluated = Engagement.select(Engagement.subject).where(Engagement.purpose == EngagementPurpose.EVALUATION.value)
    named = Application.select(Application.id).where(Application.agency.is_null(False),
                                                     Application.subject.in_(evaluated))
    applications = {}  # (subject, year, rung, agency) -> [(application_id, status)]
    for app_id, subject_id, year, rung, agency_id, status in (
            Application.select(Application.id, Application.subject, Application.year, Application.rung,
                               Application.agency, Application.status)
            .where(Application.id.in_(named)).tuples()):
        applications.setdefault((subject_id, year, rung, agency_id), []).append((app_id, status))
    listed = set(Listing.select(Listing.subject, Listing.rung, Listing.year)
                 .where(Listing.subject.in_(evaluated)).tuples())
    not_recommended, seen = set(), set()
    for app_id, decision in (Recommendation.select(Recommendation.application, Recommendation.decision)
                             .join(RecommendationRound)
                             .where(RecommendationRound.status == RoundStatus.SIGNED.value,
                                    Recommendation.application.in_(named))
                             .order_by(RecommendationRound.year, RecommendationRound.version.desc()).tuples()):
        if app_id not in seen:  # the newest signed version decides
            seen.add(app_id)
            if decision == Decision.NOT_RECOMMEND.value:
                not_recommended.add(app_id)
    outcomes = {}
    for engagement_id, agency_id, subject_id, rung, year in engagements:
        rows = applications.get((subject_id, year, rung, agency_id), [])
        if not rows:
            outcomes[engagement_id] = None
        elif (subject_id, rung, year) in listed or any(s == ApplicationStatus.APPROVED.value for _, s in rows):
            outcomes[engagement_id] = True
        elif any(s == ApplicationStatus.REJECTED.value or a in not_recommended for a, s in rows):
            outcomes[engagement_id] = False
        else:
            outcomes[engagement_id] = None
    return outcomes, {engagement_id: agency_id for engagement_id, agency_id, *_ in engagements}


def pass_rate(agency_ids=None):
    """{agency_id: (passed, decided)}: the pass rate of 第二十五条 from the bureau's recorded outcomes of the subjects
    the agency evaluated (evaluation_outcomes); `decided` is the sample size. An agency with nothing decided has no
    entry. rules.pass_rate_flag reads these for staff attention; the ranking never does."""
    outcomes, agency_of = evaluation_outcomes(agency_ids)
    rates = {}
    for engagement_id, passed in outcomes.items():
        if passed is None:
            continue
        agency_id = agency_of[engagement_id]
        done, total = rates.get(agency_id, (0, 0))
        rates[agency_id] = (done + int(passed), total + 1)
    return rates


def submit_annual_report(agency, year, *, file_storage, by):
    """第二十五条: the agency's yearly work report (a new upload replaces none: every version stays)."""
    with db.atomic():
        document = uploads.store(file_storage, "agency", agency.id, purpose=f"{year}年度工作报告", user=by,
                                 kinds=("pdf", "docx"))
        report = AgencyReport.create(agency=agency, year=year, document=document, submitted_by=by)
        audit.record("agency.annual_report", agency, user=by, details={"year": year})
    return report


def missing_annual_reports(year):
    """Approved agencies that have not yet filed the year's work report."""
    reported = AgencyReport.select(AgencyReport.agency).where(AgencyReport.year == year)
    return list(Agency.select().where(Agency.status == AgencyStatus.APPROVED.value, Agency.id.not_in(reported))
                .order_by(Agency.name))


def evaluation_agency_problem(subject, agency, *, today):
    """rules.evaluation_agency_problem (第十三、二十六条) over the facts: the agency chosen, its disqualification, and
    whether it has an active or completed evaluation engagement for the subject."""
    if agency is None:
        return rules.evaluation_agency_problem(agency_name=None, status=None, disqualified_until=None, engaged=False,
                                               today=today)
    engaged = Engagement.select().where(Engagement.subject == subject, Engagement.agency == agency,
                                        Engagement.purpose == EngagementPurpose.EVALUATION.value,
                                        Engagement.status.in_((EngagementStatus.ACTIVE.value,
                                                               EngagementStatus.COMPLETED.value))).exists()
    return rules.evaluation_agency_problem(agency_name=agency.name, status=agency.status,
                                           disqualified_until=agency.disqualified_until, engaged=engaged, today=today)
