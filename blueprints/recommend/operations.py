"""The provincial recommendation round (第十四、十五、二十一、三十一条): computed checks, opinions, ranking, sign-off
and versions. Each transition checks, changes in db.atomic(), and audits."""
import hashlib
import json

from peewee import IntegrityError

import rules
from blueprints.applications import operations as apps
from blueprints.pool import operations as pool_operations
from blueprints.upkeep import operations as upkeep_operations
from core import audit, database, document_numbers, settings
from core.database import compare_and_set
from core.industries import industry_label
from models import (
    AgencyStatus,
    Application,
    ApplicationStatus,
    Decision,
    DynamicReport,
    EvaluationMethod,
    ParkMember,
    Recommendation,
    RecommendationRound,
    RoundPackage,
    RoundStatus,
    Rung,
    Subject,
    VetoResult,
    db,
    local_now,
)
from rules import Refused

from . import opinion, writers

ROUND_RUNGS = (Rung.PROVINCIAL.value, Rung.NATIONAL.value)
SIGNED_MEANWHILE = "本轮推荐刚刚已被签发（在其他窗口或由其他人签发），本次修改未保存；如需更正请创建新版本"


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
        dynamic_table=upkeep_operations.dynamic_table_check(subject, application.year, today=today),  # 第二十七、三十条
        park_green_factories=application.park_green_factories,
        supplier_green_factories=application.supplier_green_factories, national_intent=application.national_intent)


def checks(application, *, today, extra_checks=(), gathered=None):
    """The checks panel, computed from the data (never typed): rules.recommendation_checks over the facts."""
    result = rules.recommendation_checks(gathered or facts(application, today))
    conditions = [c for c in result if not c.informative]
    return conditions + list(extra_checks) + [c for c in result if c.informative]


def red(check_list):
    return [c for c in check_list if not c.ok and not c.informative]


def blocking(check_list):
    """Red checks no written reason overrides (第十五条, 第二十六条 …): recommending is refused outright."""
    return rules.blocking_checks(check_list)


def _refusal(check_list):
    return "；".join(f"{c.title}未通过（{c.article}：{c.detail}）" for c in blocking(check_list))


def default_opinion(application, *, check_list, decision):
    """The usual wording, pre-filled from the facts (staff edit it): the prose the opinion document opens with
    ("经我局初步审查，该单位……"). `check_list` is kept for callers; the prose is written from the facts."""
    return opinion.prose(row_facts(application, today=local_now().date(), check_list=check_list), decision)


def open_round(year, *, by):
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


def decide(recommendation, *, rank, decision, opinion, exception_reason, by, today):
    """Record a rank, a decision and the opinion. Recommending a subject whose checks are not all green (including
    one neither pooled nor listed) needs a written reason, which goes into the opinion (第十四条)."""
    round_ = recommendation.round
    if round_.locked:
        raise Refused("本轮推荐已签发（在其他窗口或由其他人签发），本次修改未保存；如需更正请创建新版本")
    if decision not in (Decision.RECOMMEND.value, Decision.NOT_RECOMMEND.value):
        raise Refused("请选择推荐或不推荐", field="decision")
    if not opinion:
        raise Refused("请填写推荐意见", field="opinion")
    if decision == Decision.RECOMMEND.value:
        if rank is None or rank < 1:
            raise Refused("推荐的申报须填写排序（从 1 开始的整数）", field="rank")
        taken = (Recommendation.select().where(Recommendation.round == round_, Recommendation.rank == rank,
                                               Recommendation.id != recommendation.id,
                                               Recommendation.decision == Decision.RECOMMEND.value))
        if taken.exists():
            raise Refused(f"排序 {rank} 已被 {taken.get().application.subject.name} 使用，排序不能重复", field="rank")
        check_list = checks(recommendation.application, today=today)
        if blocking(check_list):  # 第十五条：不得推荐 — no written reason overrides it
            raise Refused("不得推荐：" + _refusal(check_list) + "。书面理由不能替代")
        if red(check_list) and not exception_reason:
            raise Refused("该申报有未通过的检查项（或既不在培育库也不在市级名单），推荐须写明理由", field="exception_reason")
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


def sign(round_, *, by):
    """The admin signs off the round; it is locked from then on."""
    if round_.locked:
        raise Refused("本轮推荐已签发")
    rows = list(round_.recommendations)
    if not rows:
        raise Refused("本轮没有需要推荐的申报")
    undecided = [r.application.subject.name for r in rows if not r.decision or not r.opinion]
    if undecided:
        raise Refused("以下申报尚未形成推荐意见：" + "、".join(undecided))
    # one sign-off of a year at a time on every app server (an advisory lock on PostgreSQL): the second waits, then
    # finds the round signed (compare_and_set) and never builds a second package or takes a second document number
    with database.exclusive(f"recommend-sign-{round_.year}", wait=True), db.atomic():
        compare_and_set(round_, "status", RoundStatus.DRAFT.value, "本轮推荐已签发（刚刚已被其他人签发），请刷新页面",
                        status=RoundStatus.SIGNED.value, signed_by=by, signed_at=local_now())
        rows = list(round_.recommendations)  # again, now that the round is ours: an opinion may have changed
        if any(not r.decision or not r.opinion for r in rows):
            raise Refused("有申报的推荐意见刚刚被修改，请刷新页面后再签发")
        # 第十五条：不得推荐. A hit recorded (or a check gone stale) after the decision keeps the round unsigned.
        today = local_now().date()
        refused = [f"{r.application.subject.name}：{_refusal(check_list)}" for r in rows
                   if r.decision == Decision.RECOMMEND.value
                   and blocking(check_list := checks(r.application, today=today))]
        if refused:
            raise Refused("本轮含有不得推荐的申报，不能签发，请改为不推荐或重新核查：" + "；".join(refused))
        upkeep_operations.report_changes(round_)  # 第三十一条: refused while a change waits; else they go in this package
        # Frozen from here on: the facts, checks, opinions, ranks and adjustments as signed, and the package built
        # from them once; every later download sends these bytes (later data changes reach a new version only).
        frozen = snapshot(round_, today=today, issued_on=round_.signed_at.date())
        frozen["document_number"] = document_numbers.issue(  # 发文字号, the year's next (GB/T 9704 7.2.4)
            "recommendation", round_.id, writers.cover_title(round_.year), round_.signed_at.year, by).number
        content = writers.build_package(frozen)
        digest = hashlib.sha256(content).hexdigest()
        RoundPackage.create(round=round_, content=content)
        round_.snapshot, round_.package_sha256 = json.dumps(frozen, ensure_ascii=False, sort_keys=True), digest
        round_.save(only=[RecommendationRound.snapshot, RecommendationRound.package_sha256])
        audit.record("recommend.sign", round_, user=by, object_type="recommendation_round",
                     details={"recommended": sum(1 for r in rows if r.decision == Decision.RECOMMEND.value),
                              "sha256": digest, "size": len(content)})


def new_version(round_, *, by):
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


# --- the frozen round (issue 17) ---------------------------------------------------------------------------------
# Everything the package says is gathered here into plain JSON data (dates as ISO strings): the sign-off stores it on
# the round and builds the package from it once; a draft is gathered afresh on each download.

SNAPSHOT_FORMAT = 1
# The settings the documents read (the bureau's name and contacts, 发文字号, the regulation's title, thresholds)
SNAPSHOT_SETTINGS = ("city_name", "division_code", "districts", "bureau_name", "bureau_address", "bureau_contact",
                     "bureau_phone", "bureau_email", "document_number_prefix", "signer", "regulation_title",
                     "qualifying_score", "key_cultivation_score", "veto_check_max_age_days")


def _iso(value):
    return value.isoformat() if value else None


def _veto_rows(own, max_age_days, today):
    """第十五条, one row per condition: the newest check of the subject (or 'unchecked')."""
    latest = {fact.condition_key: fact for fact in own}
    rows = []
    for key, article, text in rules.VETO_CONDITIONS:
        fact = latest.get(key)
        if fact is None:
            rows.append({"key": key, "article": article, "text": text, "result": "unchecked", "counts": False,
                         "source": "", "checked_on": None, "event_on": None, "stale": False})
            continue
        rows.append({"key": key, "article": article, "text": text, "result": fact.result,
                     "counts": rules.veto_hit_counts(fact), "source": fact.source, "checked_on": _iso(fact.checked_on),
                     "event_on": _iso(fact.event_on), "stale": rules.veto_stale(fact.checked_on, today, max_age_days)})
    return rows


def _member_rows(subject, member_facts):
    """第十五条（含园区内企业）: each current member of a park with its newest checks' outcome."""
    if subject.kind != "park":
        return []
    by_member = {}
    for fact in member_facts:
        by_member.setdefault(fact.member, []).append(fact)
    rows = []
    for member in ParkMember.current(subject):
        name = member.display_name
        found = by_member.get(name, []) if member.member_id else []
        counting = {f.condition_key for f in found if rules.veto_hit_counts(f)}
        checked = {f.condition_key for f in found if f.result in (VetoResult.CLEAR, VetoResult.HIT)}
        rows.append({"name": name, "credit_code": member.credit_code, "registered": bool(member.member_id),
                     "hits": [article for key, article, _ in rules.VETO_CONDITIONS if key in counting],
                     "complete": len(checked) == len(rules.VETO_CONDITIONS),
                     "checked_on": _iso(max((f.checked_on for f in found), default=None))})
    return rows


def _eligibility_rows(subject):
    """第六、七、八条: the newest recorded check per entry condition of the subject's kind."""
    eligibility, _ = pool_operations.latest_checks(subject)
    rows = []
    for key, article, text in rules.eligibility_items(subject.kind):
        row = eligibility.get(key)
        rows.append({"key": key, "article": article, "text": text, "result": row.result if row else "unchecked",
                     "evidence": row.evidence if row else "",
                     "checked_on": _iso(row.checked_at.date()) if row and row.checked_at else None,
                     "priority": key in rules.PRIORITY_ITEMS.get(subject.kind, {})})
    return rows


def _dynamic_row(subject, round_year, today):
    """第二十七条: last year's dynamic table of a unit on a list that year; None when none was owed."""
    year = round_year - 1
    if not upkeep_operations.must_file(subject, year):
        return None
    report = DynamicReport.get_or_none(DynamicReport.subject == subject, DynamicReport.year == year)
    received = report.received if report else None
    ok, _ = rules.dynamic_report_check(True, year, received, report.late_reason if report else "", today)
    return {"year": year, "deadline": _iso(rules.dynamic_report_deadline(year)), "received_on": _iso(received),
            "timeliness": report.timeliness if report else "", "late_reason": report.late_reason if report else "",
            "ok": ok, "due": today > rules.dynamic_report_deadline(year)}


def row_facts(application, *, today, check_list=None):
    """One application's part of the snapshot: the subject, the application, the facts of the checklist (第十四、
    十五、十八、二十一、二十二、二十四、二十六、二十七条), the 第六至八条 items and the checks."""
    subject = application.subject
    gathered = facts(application, today)
    check_list = check_list if check_list is not None else checks(application, today=today, gathered=gathered)
    vetoes = _veto_rows(gathered.vetoes, gathered.veto_max_age_days, today)
    recorded = [v for v in vetoes if v["checked_on"]]
    hit = any(v["counts"] for v in vetoes)
    clear = all(v["result"] in (VetoResult.CLEAR, VetoResult.HIT) and not v["counts"] for v in vetoes)
    return {
        "subject": {"name": subject.name, "credit_code": subject.credit_code, "kind": subject.kind,
                    "district": subject.district, "industry_code": subject.industry_code,
                    "industry": industry_label(subject.industry_code)},
        "application": {"id": application.id, "year": application.year, "rung": application.rung,
                        "method": application.method, "claimed_score": application.claimed_score,
                        "national_intent": bool(application.national_intent)},
        "facts": {"today": _iso(today), "pooled": gathered.pooled, "listed": gathered.listed,
                  "energy_level": gathered.energy_level or "", "missing_materials": list(gathered.missing_materials),
                  "score_band": gathered.score_band, "score_band_text": gathered.score_band_text,
                  "third_party": gathered.third_party, "agency_name": gathered.agency_name or "",
                  "agency_status_label": gathered.agency_status_label, "agency_approved": gathered.agency_approved,
                  "agency_problem": gathered.agency_problem or "", "agency_barred": gathered.agency_barred,
                  "veto_max_age_days": gathered.veto_max_age_days,
                  "park_green_factories": gathered.park_green_factories,
                  "supplier_green_factories": gathered.supplier_green_factories},
        "standard": rules.applicable_standard(subject.kind, subject.industry_code),  # 第二十二条
        "vetoes": vetoes,
        "members": _member_rows(subject, gathered.member_vetoes),
        "member_hits": [{"member": f.member, "article": rules.VETO_CONDITION_TEXT[f.condition_key][0]}
                        for f in gathered.member_vetoes if rules.veto_hit_counts(f)],
        "veto_summary": {"text": "存在否决情形" if hit else ("均未发现" if clear else "未核查完整"),
                         "date": min((v["checked_on"] for v in recorded), default=None)},
        "eligibility": _eligibility_rows(subject),
        "dynamic": _dynamic_row(subject, application.year, today),
        "checks": [{"title": c.title, "article": c.article, "ok": c.ok, "detail": c.detail,
                    "informative": c.informative, "overridable": c.overridable} for c in check_list],
    }


def _kind_ranks(entries):
    """The rank of each recommended application among those recommended for the same list (rung and kind)."""
    groups = {}
    for entry in entries:
        if entry["decision"] == Decision.RECOMMEND.value:
            groups.setdefault((entry["application"]["rung"], entry["subject"]["kind"]), []).append(entry)
    for group in groups.values():
        group.sort(key=lambda e: (e["rank"] or 0, e["subject"]["name"]))
        for position, entry in enumerate(group, start=1):
            entry["kind_rank"], entry["kind_count"] = position, len(group)


def snapshot(round_, *, today, issued_on):
    """What the round's package says, as JSON data: the city, every applicant (facts, checks, opinion, decision,
    rank) in the summary table's order, and the 第三十一条 adjustments. Read with the round as it stands."""
    values = settings.get_all()
    entries = []
    for row in ordered(round_):
        entry = row_facts(row.application, today=today)
        entry.update({"id": row.id, "rank": row.rank, "decision": row.decision or "", "opinion": row.opinion,
                      "exception_reason": row.exception_reason, "kind_rank": None, "kind_count": None})
        entries.append(entry)
    _kind_ranks(entries)
    return {
        "format": SNAPSHOT_FORMAT,
        "round": {"id": round_.id, "year": round_.year, "version": round_.version, "signed": round_.locked,
                  "signed_at": _iso(round_.signed_at)},
        "issued_on": _iso(issued_on),
        "city": {key: values.get(key) for key in SNAPSHOT_SETTINGS},
        "rows": entries,
        "adjustments": [list(row) for row in upkeep_operations.adjustment_rows(round_.year, round_)],
        # data.json (the package's rows as data) is written by writers.build_package from this same snapshot
    }


def package_for(round_):
    """(bytes, frozen): a signed round's package as it was signed; a draft's (or a round signed before migration
    019's) built from the data as they stand today, the draft marked 草稿 in every document."""
    if round_.locked and round_.package_sha256:
        stored = RoundPackage.get_or_none(RoundPackage.round == round_)
        if stored is not None:
            return bytes(stored.content), True
    today = local_now().date()
    when = round_.signed_at.date() if round_.signed_at else today
    return writers.build_package(snapshot(round_, today=today, issued_on=when)), False


def package_bytes(round_):
    """The package's ZIP for a round: a signed round's as its sign-off built it; a draft's (marked 草稿 inside every
    document) from the data as they stand."""
    return package_for(round_)[0]


def stored_snapshot(round_):
    """The facts a signed round was signed on (None for a draft or a round signed before migration 019)."""
    return json.loads(round_.snapshot) if round_.snapshot else None
