"""Keeping the list true (第二十七至三十二条): dynamic tables, change notices, removals, incidents, public reports.
Each transition checks, changes inside db.atomic(), and audits."""
import json
from datetime import date, datetime

from peewee import IntegrityError

import rules
from blueprints.agencies import operations as agency_operations
from core import audit, ladder
from core.database import compare_and_set
from core.dates import chinese_date
from models import (
    AgencyStatus,
    ChangeNotice,
    ChangeStatus,
    Complaint,
    DynamicReport,
    Incident,
    IncidentGrade,
    Listing,
    ListingStatus,
    Notice,
    PoolEntry,
    PoolStatus,
    RecommendationRound,
    RemovalNotice,
    ReportChannel,
    ReviewResult,
    Role,
    Rung,
    SpotCheck,
    SpotCheckResult,
    Subject,
    User,
    db,
    local_now,
)
from rules import Refused


def _listed(year=None):
    query = Listing.select(Listing.subject).where(Listing.status == ListingStatus.LISTED.value)
    return query.where(Listing.year <= year) if year is not None else query


def listed_subjects(year=None):
    """Every subject on a list (any rung) now, in a stable order; with `year`, those listed in that year or before,
    who owe the table on that year (第二十七条)."""
    return list(Subject.select().where(Subject.id.in_(_listed(year))).order_by(Subject.district, Subject.name))


def must_file(subject, year):
    """Whether the subject owes the dynamic table on `year`: it is on a list published that year or before."""
    return _listed(year).where(Listing.subject == subject).exists()


def dynamic_report_status(year, today):
    """For the table on `year` (due 30 March of the next year): who filed, who has not, and whether it is overdue.
    `flagged`: missing after the deadline; `late`: filed after it; `removal_review`: both, less the late tables the
    bureau recorded a reason for — the units to review for removal (第三十条第二项)."""
    subjects = listed_subjects(year)
    reports = {r.subject_id: r for r in DynamicReport.select().where(DynamicReport.year == year)}
    deadline = rules.dynamic_report_deadline(year)
    missing = [s for s in subjects if s.id not in reports]
    flagged = missing if today > deadline else []
    late = [s for s in subjects if s.id in reports and reports[s.id].days_late]
    review = {s.id for s in flagged} | {s.id for s in late if not reports[s.id].late_reason}
    return {"year": year, "deadline": deadline, "overdue": today > deadline, "subjects": subjects,
            "reports": reports, "missing": missing, "flagged": flagged, "late": late,
            "removal_review": [s for s in subjects if s.id in review],
            "filed": [s for s in subjects if s.id in reports], "removed": removed_since(year)}


def removed_since(year):
    """The units that owed the table on `year` (listed that year or before) and have since left every list (removed
    on or after 1 January of the next year): the opinion report counts them once, as removed — neither filed nor
    missing. [(subject, listing)] with the removal that took the last list, in name order."""
    still_listed = Listing.select(Listing.subject).where(Listing.status == ListingStatus.LISTED.value)
    rows = (Listing.select(Listing, Subject).join(Subject)
            .where(Listing.year <= year, Listing.status == ListingStatus.REMOVED.value,
                   Listing.removed_on >= date(year + 1, 1, 1), Listing.subject.not_in(still_listed))
            .order_by(Subject.district, Subject.name, Listing.removed_on.desc(), Listing.id.desc()))
    latest = {}
    for listing in rows:
        latest.setdefault(listing.subject_id, (listing.subject, listing))
    return list(latest.values())


def opinion_report_blockers(status, today):
    """第二十八条: why the year's review opinion report cannot be issued yet — before the deadline (more tables may
    come), or while a filed table is unreviewed (an explicit opinion on every one). [] when it can."""
    reasons = []
    if today <= status["deadline"]:
        reasons.append(f"{status['year']}年度动态管理表的填报截止日期为{chinese_date(status['deadline'])}，"
                       "截止后方可签发审核意见报告")
    unreviewed = [s for s in status["filed"] if status["reports"][s.id].review_result is None]
    if unreviewed:
        names = "、".join(s.name for s in unreviewed[:3]) + ("等" if len(unreviewed) > 3 else "")
        reasons.append(f"尚有{len(unreviewed)}家单位的动态管理表未审核（{names}），全部审核后方可签发审核意见报告")
    return reasons


def subject_dynamic(subject, today):
    """第二十七条、第三十条第二项: the subject's tables, one row per year it owed one or filed one (newest first), each
    with its timeliness and whether it is up for removal review: {year, report, timeliness, review}."""
    listed_years = [row.year for row in Listing.select(Listing.year).where(
        Listing.subject == subject, Listing.status == ListingStatus.LISTED.value)]
    reports = {r.year: r for r in subject.dynamic_reports}
    years = set(reports)
    if listed_years:  # it owes the table on every past year from its first listing on
        years |= set(range(min(listed_years), today.year))
    rows = []
    for year in sorted(years, reverse=True):
        report = reports.get(year)
        if report is not None:
            rows.append({"year": year, "report": report, "timeliness": report.timeliness,
                         "review": bool(report.days_late) and not report.late_reason})
        elif today > rules.dynamic_report_deadline(year):
            rows.append({"year": year, "report": None, "timeliness": "未填报", "review": True})
        else:
            rows.append({"year": year, "report": None, "timeliness": "待填报", "review": False})
    return rows


def dynamic_table_check(subject, round_year, *, today):
    """第二十七条、第三十条第二项, for the recommendation round of `round_year`: a listed unit filed last year's table on
    time, or the bureau recorded a reason. (title, article, ok, detail), or None for a unit that owed no table."""
    year = round_year - 1
    if not must_file(subject, year):
        return None
    report = DynamicReport.get_or_none(DynamicReport.subject == subject, DynamicReport.year == year)
    ok, detail = rules.dynamic_report_check(True, year, report.received if report else None,
                                            report.late_reason if report else "", today)
    return "上一年度动态管理表按时填报（或已记录理由）", "第二十七、三十条", ok, detail


def file_report(subject, year, *, raw, by, today):
    """The unit files (or corrects) its table; numbers are checked, implausible ones are flagged for review."""
    if year >= today.year:
        raise Refused("动态管理表填报的是上一年度（或更早年度）的数据")
    if not must_file(subject, year) and not DynamicReport.select().where(
            DynamicReport.subject == subject, DynamicReport.year == year).exists():
        raise Refused(f"贵单位不在{year}年度的绿色制造名单中，无需填报该年度动态管理表")

    def online(report):
        before = None if report is None else {"indicators": json.loads(report.indicators),
                                              "review": [report.review_result, report.review_opinion]}
        if report is None:  # first filing: today is the day it reached the bureau (第二十七条)
            report = DynamicReport(subject=subject, year=year, received_on=today, channel=ReportChannel.ONLINE.value)
        return report, "dynamic.edit" if before is not None else "dynamic.file", before

    return _store_table(subject, year, raw, by, online, late=today > rules.dynamic_report_deadline(year),
                        race="该年度动态管理表刚刚已提交，请刷新页面后在原表上修改")  # the first one stands


def _store_table(subject, year, raw, by, prepare, *, race, **details):
    """Check a table's figures and store them in the unit's table for the year, in one transaction. `prepare(report)`
    (None: not filed yet) gives the table to store, the audit action and what stood before; `details` go into the
    audit record. Returns (report, errors, warnings); a table stored twice at once: `race` for the second."""
    values, errors, warnings = rules.indicator_problems(subject.kind, raw)
    if errors:
        return None, errors, warnings
    try:
        with db.atomic():
            report, action, before = prepare(
                DynamicReport.get_or_none(DynamicReport.subject == subject, DynamicReport.year == year))
            _save_figures(report, values, warnings, by)
            audit.record(action, subject, user=by,
                         details={"year": year, "before": before, "after": values, "received_on": report.received,
                                  "timeliness": report.timeliness, **details})
    except IntegrityError:
        raise Refused(race)
    return report, {}, warnings


def _save_figures(report, values, warnings, by):
    """Store a table's (new) figures; changed figures are reviewed again. Inside the caller's transaction."""
    report.indicators = json.dumps(values)
    report.warnings = json.dumps(warnings, ensure_ascii=False)
    report.submitted_by, report.submitted_at = by, local_now()
    report.review_result, report.review_opinion, report.reviewed_at = None, "", None
    report.save()


def record_paper_report(subject, year, *, received_on, raw, by, today):
    """第二十七条: staff key in a table the unit handed in on paper. The receipt date, not today, decides 按时 / 逾期;
    on a table already filed online, the earlier of the two days stands."""
    if not must_file(subject, year):
        raise Refused(f"该单位不在{year}年度的绿色制造名单中，无需填报该年度动态管理表")
    if received_on is None:
        raise Refused("请填写纸质动态管理表的收到日期")
    if received_on > today:
        raise Refused("收到日期不能晚于今天")
    if received_on.year <= year:
        raise Refused(f"{year}年度动态管理表应在{year + 1}年收到：收到日期不能早于{year + 1}年1月1日")

    def paper(report):
        before = None if report is None else {"indicators": json.loads(report.indicators),
                                              "received_on": report.received, "channel": report.channel}
        if report is None:
            report = DynamicReport(subject=subject, year=year, received_on=received_on)
        else:
            report.received_on = min(report.received, received_on)
        report.channel = ReportChannel.PAPER.value
        return report, "dynamic.paper", before

    return _store_table(subject, year, raw, by, paper, received_on=received_on,
                        race="该单位刚刚已提交该年度动态管理表，请刷新页面")  # filed online at the same moment


def record_late_reason(report, *, reason, by):
    """第三十条第二项: the bureau records why a late table is accepted; the unit then leaves the removal review and
    the recommendation check counts the table (audited)."""
    if not report.days_late:
        raise Refused("该动态管理表按时填报，无需记录逾期理由")
    if not reason:
        raise Refused("请填写逾期理由")
    with db.atomic():
        compare_and_set(report, "late_reason", report.late_reason, "逾期理由刚刚已被其他人修改，请刷新页面",
                        late_reason=reason, late_reason_by=by, late_reason_at=local_now())
        audit.record("dynamic.late_reason", report.subject, user=by,
                     details={"year": report.year, "timeliness": report.timeliness, "reason": reason})


def remind(subjects, year, *, by):
    """An in-site notice to every enterprise account of these subjects; returns how many were sent."""
    sent = 0
    deadline = rules.dynamic_report_deadline(year)
    with db.atomic():
        for user in User.select().where(User.subject.in_([s.id for s in subjects]), User.role == Role.ENTERPRISE.value,
                                        User.active == True):  # noqa: E712
            Notice.create(user=user, created_by=by, link="upkeep.my_dynamic",
                          text=f"请于{chinese_date(deadline)}前填报{year}年度绿色制造动态管理表（第二十七条）。"
                               "逾期不填报的，将按第三十条第二项移出名单。")
            sent += 1
        audit.record("dynamic.remind", object_type="dynamic_report", user=by, details={"year": year, "sent": sent})
    return sent


def review_report(report, *, result, opinion, by):
    """第二十八条: review against 第三十条 with an explicit opinion."""
    if result not in ReviewResult._value2member_map_:
        raise Refused("请选择审核结论")
    if not opinion:
        raise Refused("请填写审核意见")
    before = {"result": report.review_result, "opinion": report.review_opinion}
    with db.atomic():
        # reviewed_at as this request read it: another review, or the unit refiling the table, changes it
        compare_and_set(report, "reviewed_at", report.reviewed_at, "该动态管理表刚刚已被其他人审核或已被企业修改，请刷新页面后再审核",
                        review_result=result, review_opinion=opinion, reviewed_by=by, reviewed_at=local_now())
        audit.record("dynamic.review", report.subject, user=by,
                     details={"year": report.year, "result": result, "opinion": opinion, "before": before})


def declare_change(subject, *, kind, description, new_name, by):
    """第三十一条: the unit declares a change; staff verify it."""
    if kind not in dict(rules.CHANGE_KINDS):
        raise Refused("请选择变更事项")
    if kind == "name" and not new_name:
        raise Refused("名称变更须填写变更后的名称")
    with db.atomic():
        notice = ChangeNotice.create(subject=subject, kind=kind, description=description, old_name=subject.name,
                                     new_name=new_name if kind == "name" else "", submitted_by=by)
        audit.record("change.declare", subject, user=by, details={"kind": kind, "new_name": new_name})
    return notice


def decide_change(notice, *, accepted, still_meets, verification, by):
    """Staff verify a change; an accepted name change renames the subject (the old name stays on the notice and in
    the audit trail). A confirmed change after which the unit no longer meets the standard removes it, in the same
    transaction, from every list it is on (第三十一条 → 第三十条, the category 'no_longer_meets'); the notice keeps
    what was done, for the adjustment document."""
    if notice.status != ChangeStatus.PENDING.value:
        raise Refused("该变更已复核")
    if not verification:
        raise Refused("请填写复核情况")
    today = local_now().date()
    with db.atomic():
        compare_and_set(notice, "status", ChangeStatus.PENDING.value,
                        lambda status: f"该变更已被其他人复核（{ChangeStatus.label_of(status)}），请刷新页面",
                        status=ChangeStatus.ACCEPTED.value if accepted else ChangeStatus.REJECTED.value,
                        still_meets_standard=still_meets, verification=verification, decided_by=by,
                        decided_at=local_now())
        subject = notice.subject
        if accepted and notice.kind == "name" and notice.new_name:
            subject.name, subject.updated_at = notice.new_name, local_now()
            subject.save(only=[Subject.name, Subject.updated_at])
        removed = []
        if accepted and not still_meets:
            for listing in (Listing.select().where(Listing.subject == subject,
                                                   Listing.status == ListingStatus.LISTED.value)
                            .order_by(Listing.year, Listing.id)):
                remove(listing, category="no_longer_meets", reason=f"变更复核（第三十一条）：{verification}",
                       effective_on=max(today, listing.listed_on or today), by=by)
                removed.append(f"{listing.year}年{Rung.label_of(listing.rung)}名单")
            notice.action_taken = (f"已于{chinese_date(today)}移出" + "、".join(removed) if removed
                                   else "该单位不在名单中，无需移出")
            notice.save(only=[ChangeNotice.action_taken])
        audit.record("change.decide", subject, user=by, details={
            "accepted": accepted, "still_meets": still_meets, "old_name": notice.old_name, "new_name": notice.new_name,
            "removed_from": removed})


def _package_notices(year, round_=None):
    """第三十一条: the change notices in the package of the year's recommendation round `round_` (None: the next one to
    be signed). A signed round holds those it reported (with its earlier versions'); a draft adds every change not
    yet reported in any signed package — decided since the last one, or still pending — declared by the year's end."""
    versions = RecommendationRound.select(RecommendationRound.id).where(RecommendationRound.year == year)
    if round_ is not None:
        versions = versions.where(RecommendationRound.version <= round_.version)
    condition = ChangeNotice.reported_in.in_(versions)
    if round_ is None or not round_.locked:
        condition |= (ChangeNotice.reported_in.is_null()
                      & (ChangeNotice.submitted_at < datetime(year + 1, 1, 1)))
    return ChangeNotice.select(ChangeNotice, Subject).join(Subject).where(condition).order_by(ChangeNotice.id)


def adjustment_rows(year, round_=None):
    """第三十一条: the rows of the adjustment opinion that goes up with the recommendation (name, change, the bureau's
    conclusion and what it did), for the package of `round_` (see _package_notices)."""
    kinds = dict(rules.CHANGE_KINDS)
    rows = []
    for notice in _package_notices(year, round_):
        change = kinds[notice.kind] + (f"：{notice.old_name} → {notice.new_name}" if notice.new_name else "")
        if notice.status == ChangeStatus.PENDING.value:
            conclusion = "待复核"
        elif notice.status == ChangeStatus.REJECTED.value:
            conclusion = "不予确认：" + notice.verification
        elif notice.still_meets_standard:
            conclusion = "确认变更，仍符合相关标准：" + notice.verification
        else:
            done = notice.action_taken or ("尚未移出名单" if Listing.select().where(
                Listing.subject == notice.subject_id, Listing.status == ListingStatus.LISTED.value).exists()
                else "已不在名单中")
            conclusion = f"确认变更，不再符合相关标准，{done}：" + notice.verification
        rows.append([notice.old_name or notice.subject.name, change, conclusion])
    return rows


class PendingChanges(Refused):
    """第三十一条: sign-off refused while change notices wait for verification; the message links to each."""

    def __init__(self, notices):
        self.notices = notices
        names = "、".join(n.old_name or n.subject.name for n in notices)
        super().__init__(f"第三十一条：尚有 {len(notices)} 项名单单位变更待复核（{names}），复核后其调整意见随推荐"
                         "材料一并上报，请先完成复核再签发")

    def __html__(self):
        from flask import url_for
        from markupsafe import Markup, escape
        links = Markup("、").join(
            Markup('<a href="{}">{}</a>').format(url_for("upkeep.change_decide", notice_id=n.id),
                                                 n.old_name or n.subject.name) for n in self.notices)
        return Markup("第三十一条：尚有 {} 项名单单位变更待复核（{}），复核后其调整意见随推荐材料一并上报，"
                      "请先完成复核再签发").format(len(self.notices), links) if links else escape(str(self))


def report_changes(round_):
    """第三十一条, inside the sign-off of a recommendation round: refuse while a change declared by the year's end is
    pending; else mark every decided change not yet reported as reported by this round's package. Returns how many."""
    pending = list(ChangeNotice.select(ChangeNotice, Subject).join(Subject).where(
        ChangeNotice.status == ChangeStatus.PENDING.value,
        ChangeNotice.submitted_at < datetime(round_.year + 1, 1, 1)).order_by(ChangeNotice.id))
    if pending:
        raise PendingChanges(pending)
    return ChangeNotice.update(reported_in=round_).where(
        ChangeNotice.reported_in.is_null(), ChangeNotice.status != ChangeStatus.PENDING.value,
        ChangeNotice.submitted_at < datetime(round_.year + 1, 1, 1)).execute()


def remove(listing, *, category, reason, effective_on, by):
    """第三十条: remove a unit from a list. /list, the green-code page and the ladder follow at once; the three-year
    bar (第十五条第三项) runs from `effective_on`."""
    if listing.status != ListingStatus.LISTED.value:
        raise Refused("该单位已不在此名单中")
    labels = dict(rules.REMOVAL_CATEGORIES)
    if category not in labels:
        raise Refused("请选择移出情形")
    if not reason:
        raise Refused("请填写移出的事实和理由")
    if effective_on > local_now().date():
        raise Refused("移出生效日期不能晚于今天：名单、绿码页面随即更新")
    if listing.listed_on and effective_on < listing.listed_on:
        raise Refused(f"移出生效日期不能早于列入日期（{listing.listed_on:%Y年%m月%d日}）")
    with db.atomic():
        compare_and_set(listing, "status", ListingStatus.LISTED.value, "该单位刚刚已被其他人移出此名单，请刷新页面",
                        status=ListingStatus.REMOVED.value, removed_on=effective_on,
                        removal_category=labels[category], removal_reason=reason)
        subject = listing.subject
        if not Listing.select().where(Listing.subject == subject, Listing.status == ListingStatus.LISTED.value).exists():
            # off every list: it leaves the pool too (第十五条第三项 bars it for three years)
            PoolEntry.update(status=PoolStatus.EXITED.value, exit_reason=labels[category], exited_on=effective_on) \
                .where(PoolEntry.subject == subject).execute()
        ladder.refresh(subject)
        # 第三十条: 移出并公布 — the public notice, without the reason text (it may name people)
        notice = RemovalNotice.create(listing=listing, subject=subject, subject_name=subject.name,
                                      credit_code=subject.credit_code, kind=subject.kind, rung=listing.rung,
                                      list_year=listing.year, category=labels[category], effective_on=effective_on)
        audit.record("listing.remove", subject, user=by,
                     details={"rung": listing.rung, "year": listing.year, "category": category, "reason": reason,
                              "effective_on": effective_on, "notice": notice.id})


def record_incident(subject, *, occurred_on, kind, grade, source, description, by):
    """第二十九条: record the incident; for 重大 (Ⅱ级) and above the report to the province follows at once, and
    removal is proposed."""
    if kind not in dict(rules.INCIDENT_KINDS):
        raise Refused("请选择事故或事件类别")
    if grade not in IncidentGrade._value2member_map_:
        raise Refused("请选择事故或事件等级")
    if occurred_on > local_now().date():
        raise Refused("发生日期不能晚于今天")
    with db.atomic():
        incident = Incident.create(subject=subject, occurred_on=occurred_on, kind=kind, grade=grade, source=source,
                                   description=description, recorded_by=by)
        audit.record("incident.record", subject, user=by, details={"kind": kind, "grade": grade, "date": occurred_on})
    return incident


def mark_incident_reported(incident, *, reported_on, by):
    """第二十九条: the report went to the province on `reported_on`; the calendar stops asking for it."""
    if incident.reported_on is not None:
        raise Refused(f"该事故事件已于{chinese_date(incident.reported_on)}标记报送")
    if reported_on is None:
        raise Refused("请选择报送日期")
    if reported_on > local_now().date():
        raise Refused("报送日期不能晚于今天")
    if reported_on < incident.occurred_on:
        raise Refused(f"报送日期不能早于发生日期（{chinese_date(incident.occurred_on)}）")
    with db.atomic():
        compare_and_set(incident, "reported_on", None, "该事故事件刚刚已被其他人标记报送，请刷新页面",
                        reported_on=reported_on, reported_by=by)
        audit.record("incident.reported", incident.subject, user=by,
                     details={"incident": incident.id, "reported_on": reported_on})


def unreported_incidents():
    """第二十九条: incidents of 重大 (Ⅱ级) and above whose report is not yet marked as sent, oldest first."""
    return list(Incident.unreported().order_by(Incident.recorded_at, Incident.id))


def was_listed_on(subject, day):
    """Whether the subject stood on a list (any rung) on `day`."""
    return Listing.select().where(
        Listing.subject == subject, Listing.listed_on <= day,
        (Listing.status == ListingStatus.LISTED.value) | (Listing.removed_on >= day)).exists()


def record_spot_check(subject, *, checked_on, method, inspectors, findings, result, by):
    """第二十九条: a spot check (现场抽查复核) of a unit that was on a list on the day; its documents are stored by
    the caller in the same transaction."""
    if result not in SpotCheckResult._value2member_map_:
        raise Refused("请选择抽查结论")
    if method not in dict(rules.SPOT_CHECK_METHODS):
        raise Refused("请选择抽查方式")
    if not inspectors:
        raise Refused("请填写检查人员")
    if not findings:
        raise Refused("请填写检查发现")
    if checked_on is None or checked_on > local_now().date():
        raise Refused("抽查日期不能晚于今天")
    if not was_listed_on(subject, checked_on):
        raise Refused("该单位在抽查日期不在绿色制造名单中（第二十九条抽查对象为名单单位）")
    with db.atomic():
        check = SpotCheck.create(subject=subject, checked_on=checked_on, method=method, inspectors=inspectors,
                                 findings=findings, result=result, recorded_by=by)
        audit.record("spot_check.record", subject, user=by,
                     details={"spot_check": check.id, "date": checked_on, "method": method, "result": result,
                              "inspectors": inspectors})
    return check


def submit_complaint(subject, agency, *, name, contact, matter, ip, has_evidence=False, no_evidence_reason=""):
    """第三十二条: a real-name report from anyone, about a listed unit or an agency, with its evidence or the reason
    none can be attached (the evidence file itself is stored by the caller in the same transaction)."""
    if subject is None and agency is None:
        raise Refused("请选择举报对象（名单单位或第三方机构）")
    problem = rules.complaint_evidence_problem(has_evidence, no_evidence_reason)
    if problem:
        raise Refused(problem)
    with db.atomic():
        complaint = Complaint.create(subject=subject, agency=agency, reporter_name=name, reporter_contact=contact,
                                     matter=matter, ip=ip, no_evidence_reason="" if has_evidence else no_evidence_reason)
        audit.record("complaint.submit", complaint, object_type="complaint",
                     details={"subject": subject.id if subject else None, "agency": agency.id if agency else None,
                              "evidence": "file" if has_evidence else "reason"})
    return complaint


def handle_complaint(complaint, *, finding, outcome, by):
    """Staff record the finding and the outcome. A finding against an agency disqualifies it at once (第三十二条 →
    第二十六条: its reports are not accepted for three years); a removal is then carried out on the removal page,
    where the category and the effective date are chosen."""
    if complaint.outcome:
        raise Refused("该举报已处理")
    if outcome not in dict(rules.COMPLAINT_OUTCOMES):
        raise Refused("请选择处理结果")
    if outcome == "disqualify_agency" and complaint.agency_id is None:
        raise Refused("该举报不涉及第三方机构")
    if outcome == "remove" and complaint.subject_id is None:
        raise Refused("该举报不涉及名单单位")
    if not finding:
        raise Refused("请填写核实情况")
    with db.atomic():
        compare_and_set(complaint, "outcome", None, "该举报已被其他人处理，请刷新页面", finding=finding, outcome=outcome,
                        handled_by=by, handled_at=local_now())
        audit.record("complaint.handle", complaint, user=by, object_type="complaint", details={"outcome": outcome})
        if outcome == "disqualify_agency" and complaint.agency.status != AgencyStatus.DISQUALIFIED.value:
            try:
                agency_operations.disqualify(complaint.agency, reason=f"经核实举报（第三十二条）：{finding}",
                                             decided_on=local_now().date(),
                                             by=by)
            except Refused:  # disqualified meanwhile by someone else: the complaint stands as handled
                pass


def unread_notices(user):
    """The user's unread notices (shown on its page once, then marked read: a read receipt, not audited)."""
    notices = list(Notice.select().where(Notice.user == user, Notice.read_at.is_null()).order_by(Notice.id))
    if notices:
        Notice.update(read_at=local_now()).where(Notice.id.in_([n.id for n in notices])).execute()
    return notices
