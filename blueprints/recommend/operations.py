"""The provincial recommendation round (第十四、十五、二十一、三十一条): computed checks, opinions, ranking, sign-off
and versions. Each transition checks, changes in db.atomic(), and audits."""
from peewee import IntegrityError

import audit
import rules
import settings
from blueprints.applications import operations as apps
from blueprints.pool import operations as pool_operations
from blueprints.upkeep import operations as upkeep_operations
from database import compare_and_set
from models import (
    AgencyStatus,
    Application,
    ApplicationStatus,
    Decision,
    EvaluationMethod,
    Recommendation,
    RecommendationRound,
    RoundStatus,
    Rung,
    Subject,
    db,
    local_now,
)
from rules import Refused

ROUND_RUNGS = (Rung.PROVINCIAL.value, Rung.NATIONAL.value)
SIGNED_MEANWHILE = "本轮推荐刚刚已被签发，不能修改；如需更正请创建新版本（请刷新页面）"


Check = rules.Check  # the checklist itself is rules.recommendation_checks (第十四、十五、十八、二十一、二十四、二十六条)


def round_applications(year):
    """Provincial and national applications of the year that have been submitted."""
    return (Application.select(Application, Subject).join(Subject)
            .where(Application.year == year, Application.rung.in_(ROUND_RUNGS),
                   Application.status == ApplicationStatus.SUBMITTED.value)
            .order_by(Subject.name, Application.id))


def facts(application, today):
    """Gather what the recommendation checklist needs to know about one application (rules.RecommendationFacts)."""
    subject = application.subject
    missing = rules.missing_materials(subject.kind, apps.materials_present(application))
    if application.report_id is None:
        missing.append("评价报告")
    band = apps.score_band(application.claimed_score)
    third_party = application.method == EvaluationMethod.THIRD_PARTY.value
    agency = application.agency if third_party and application.agency_id else None
    return rules.RecommendationFacts(
        today=today, kind=subject.kind, industry_code=subject.industry_code,
        energy_level=subject.energy_efficiency_level, pooled=apps.is_pooled(subject),
        listed="municipal" in apps.held_rungs(subject),
        vetoes=pool_operations.veto_facts(subject), member_vetoes=pool_operations.member_veto_facts(subject),
        veto_max_age_days=settings.get("veto_check_max_age_days"), missing_materials=tuple(missing),
        claimed_score=application.claimed_score, score_band=band,
        score_band_text=rules.score_band_label(application.claimed_score, settings.get_all()) if band else "",
        third_party=third_party, agency_name=agency.name if agency else None,
        agency_status_label=AgencyStatus.label_of(agency.status) if agency else "",
        agency_approved=agency is not None and agency.status == AgencyStatus.APPROVED.value,
        agency_problem=apps.agency_problem(application) if third_party else None,
        agency_barred=agency is not None and agency.status == AgencyStatus.DISQUALIFIED.value
        and agency.disqualified_until is not None and today <= agency.disqualified_until,
        dynamic_table=upkeep_operations.dynamic_table_check(subject, application.year, today),  # 第二十七、三十条
        park_green_factories=application.park_green_factories,
        supplier_green_factories=application.supplier_green_factories, national_intent=application.national_intent)


def checks(application, today, extra_checks=()):
    """The checks panel, computed from the data (never typed): rules.recommendation_checks over the facts."""
    result = rules.recommendation_checks(facts(application, today))
    conditions = [c for c in result if not c.informative]
    return conditions + list(extra_checks) + [c for c in result if c.informative]


def red(check_list):
    return [c for c in check_list if not c.ok and not c.informative]


def blocking(check_list):
    """Red checks no written reason overrides (第十五条, 第二十六条 …): recommending is refused outright."""
    return rules.blocking_checks(check_list)


def _refusal(check_list):
    return "；".join(f"{c.title}未通过（{c.article}：{c.detail}）" for c in blocking(check_list))


def default_opinion(application, check_list, decision):
    """The usual wording, pre-filled from the checks (staff edit it)."""
    subject = application.subject
    if decision == Decision.RECOMMEND.value:
        facts = "，".join(f"{c.title}（{c.detail}）" for c in check_list if c.ok and not c.informative)
        return rules.OPINION_TEMPLATE_RECOMMEND.format(
            name=subject.name, code=subject.credit_code, facts=facts,
            score=application.claimed_score if application.claimed_score is not None else "—",
            standard=rules.applicable_standard(subject.kind, subject.industry_code))
    problems = "，".join(f"{c.title}不满足（{c.detail}，{c.article}）" for c in red(check_list)) or "经综合比选"
    return rules.OPINION_TEMPLATE_NOT_RECOMMEND.format(name=subject.name, code=subject.credit_code, problems=problems)


def open_round(year, by):
    """Start the year's round (version 1) with every submitted provincial and national application."""
    if RecommendationRound.select().where(RecommendationRound.year == year).exists():
        raise Refused(f"{year} 年推荐工作已开始")
    try:
        with db.atomic():
            round_ = RecommendationRound.create(year=year, created_by=by)
            added = sync(round_)
            audit.record("recommend.open", round_, user=by, object_type="recommendation_round",
                         details={"year": year, "applications": added})
    except IntegrityError:  # opened at the same moment elsewhere: (year, version) is unique
        raise Refused(f"{year} 年推荐工作已开始")
    return round_


def sync(round_):
    """Add applications submitted since the round opened (a draft round only)."""
    if round_.locked:
        return 0
    present = {r.application_id for r in round_.recommendations}
    added = 0
    for application in round_applications(round_.year):
        if application.id not in present:
            try:
                with db.atomic():
                    Recommendation.create(round=round_, application=application)
                added += 1
            except IntegrityError:  # added at the same moment by another request showing the round
                pass
    return added


def decide(recommendation, rank, decision, opinion, exception_reason, by, today):
    """Record a rank, a decision and the opinion. Recommending a subject whose checks are not all green (including
    one neither pooled nor listed) needs a written reason, which goes into the opinion (第十四条)."""
    round_ = recommendation.round
    if round_.locked:
        raise Refused("本轮推荐已签发，不能修改；如需更正请创建新版本")
    if decision not in (Decision.RECOMMEND.value, Decision.NOT_RECOMMEND.value):
        raise Refused("请选择推荐或不推荐")
    if not opinion:
        raise Refused("请填写推荐意见")
    if decision == Decision.RECOMMEND.value:
        if rank is None or rank < 1:
            raise Refused("推荐的申报须填写排序（从 1 开始的整数）")
        taken = (Recommendation.select().where(Recommendation.round == round_, Recommendation.rank == rank,
                                               Recommendation.id != recommendation.id,
                                               Recommendation.decision == Decision.RECOMMEND.value))
        if taken.exists():
            raise Refused(f"排序 {rank} 已被 {taken.get().application.subject.name} 使用，排序不能重复")
        check_list = checks(recommendation.application, today)
        if blocking(check_list):  # 第十五条：不得推荐 — no written reason overrides it
            raise Refused("不得推荐：" + _refusal(check_list) + "。书面理由不能替代")
        if red(check_list) and not exception_reason:
            raise Refused("该申报有未通过的检查项（或既不在培育库也不在市级名单），推荐须写明理由")
    else:
        rank = None
    try:
        with db.atomic():
            compare_and_set(round_, "status", RoundStatus.DRAFT.value, SIGNED_MEANWHILE)  # still a draft, and ours
            recommendation.rank, recommendation.decision = rank, decision
            recommendation.opinion, recommendation.exception_reason = opinion, exception_reason or ""
            recommendation.decided_by, recommendation.decided_at = by, local_now()
            recommendation.save()
            audit.record("recommend.decide", recommendation.application.subject, user=by,
                         details={"round": round_.id, "decision": decision, "rank": rank})
    except IntegrityError:  # the same rank given at the same moment to another application
        raise Refused(f"排序 {rank} 刚刚已被其他申报使用，排序不能重复，请刷新页面")


def sign(round_, by):
    """The admin signs off the round; it is locked from then on."""
    if round_.locked:
        raise Refused("本轮推荐已签发")
    rows = list(round_.recommendations)
    if not rows:
        raise Refused("本轮没有需要推荐的申报")
    undecided = [r.application.subject.name for r in rows if not r.decision or not r.opinion]
    if undecided:
        raise Refused("以下申报尚未形成推荐意见：" + "、".join(undecided))
    with db.atomic():
        compare_and_set(round_, "status", RoundStatus.DRAFT.value, "本轮推荐已签发（刚刚已被其他人签发），请刷新页面",
                        status=RoundStatus.SIGNED.value, signed_by=by, signed_at=local_now())
        rows = list(round_.recommendations)  # again, now that the round is ours: an opinion may have changed
        if any(not r.decision or not r.opinion for r in rows):
            raise Refused("有申报的推荐意见刚刚被修改，请刷新页面后再签发")
        # 第十五条：不得推荐. A hit recorded (or a check gone stale) after the decision keeps the round unsigned.
        today = local_now().date()
        refused = [f"{r.application.subject.name}：{_refusal(check_list)}" for r in rows
                   if r.decision == Decision.RECOMMEND.value
                   and blocking(check_list := checks(r.application, today))]
        if refused:
            raise Refused("本轮含有不得推荐的申报，不能签发，请改为不推荐或重新核查：" + "；".join(refused))
        upkeep_operations.report_changes(round_)  # 第三十一条: refused while a change waits; else they go in this package
        audit.record("recommend.sign", round_, user=by, object_type="recommendation_round",
                     details={"recommended": sum(1 for r in rows if r.decision == Decision.RECOMMEND.value)})


def new_version(round_, by):
    """Correct a signed round: a new draft version carrying every opinion; both versions stay."""
    if not round_.locked:
        raise Refused("草稿可以直接修改，无需创建新版本")
    latest = RecommendationRound.latest_for(round_.year)
    if latest.id != round_.id:
        raise Refused(f"已存在更新的版本（第 {latest.version} 版）")
    try:
        with db.atomic():
            compare_and_set(round_, "status", RoundStatus.SIGNED.value, "该版本尚未签发，可以直接修改")
            latest = RecommendationRound.latest_for(round_.year)
            if latest.id != round_.id:
                raise Refused(f"已存在更新的版本（第 {latest.version} 版，刚刚由其他人创建），请刷新页面")
            copy = RecommendationRound.create(year=round_.year, version=round_.version + 1, supersedes=round_,
                                              created_by=by)
            for r in round_.recommendations:
                Recommendation.create(round=copy, application=r.application, rank=r.rank, decision=r.decision,
                                      opinion=r.opinion, exception_reason=r.exception_reason)
            sync(copy)
            audit.record("recommend.new_version", copy, user=by, object_type="recommendation_round",
                         details={"from_version": round_.version})
    except IntegrityError:  # (year, version) is unique: the other new version came first
        raise Refused("已存在更新的版本（刚刚由其他人创建），请刷新页面")
    return copy


def ordered(round_):
    """Recommended ones by rank, then the others by name: the order of the summary table."""
    rows = list(round_.recommendations.join(Application).join(Subject))
    return sorted(rows, key=lambda r: (r.decision != Decision.RECOMMEND.value, r.rank or 0, r.application.subject.name))
