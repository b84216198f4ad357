"""Keeping the list true (第二十七至三十二条): dynamic tables, change notices, removals, incidents, public reports.
Each transition checks, changes inside db.atomic(), and audits."""
import json

from peewee import IntegrityError

import audit
import ladder
import rules
from blueprints.agencies import operations as agency_operations
from database import compare_and_set
from documents import OfficialDocument, chinese_date
from models import (
    AgencyStatus,
    ChangeNotice,
    ChangeStatus,
    Complaint,
    DynamicReport,
    Incident,
    Listing,
    ListingStatus,
    Notice,
    PoolEntry,
    PoolStatus,
    ReviewResult,
    Role,
    Rung,
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
    """For the table on `year` (due 30 March of the next year): who filed, who has not, and whether it is overdue."""
    subjects = listed_subjects(year)
    reports = {r.subject_id: r for r in DynamicReport.select().where(DynamicReport.year == year)}
    deadline = rules.dynamic_report_deadline(year)
    missing = [s for s in subjects if s.id not in reports]
    return {"year": year, "deadline": deadline, "overdue": today > deadline, "subjects": subjects,
            "reports": reports, "missing": missing, "flagged": missing if today > deadline else []}


def file_report(subject, year, raw, by, today):
    """The unit files (or corrects) its table; numbers are checked, implausible ones are flagged for review."""
    if year >= today.year:
        raise Refused("动态管理表填报的是上一年度（或更早年度）的数据")
    if not must_file(subject, year) and not DynamicReport.select().where(
            DynamicReport.subject == subject, DynamicReport.year == year).exists():
        raise Refused(f"贵单位不在{year}年度的绿色制造名单中，无需填报该年度动态管理表")
    values, errors, warnings = rules.indicator_problems(subject.kind, raw)
    if errors:
        return None, errors, warnings
    try:
        with db.atomic():
            report = DynamicReport.get_or_none(DynamicReport.subject == subject, DynamicReport.year == year)
            before = None if report is None else {"indicators": json.loads(report.indicators),
                                                  "review": [report.review_result, report.review_opinion]}
            if report is None:
                report = DynamicReport(subject=subject, year=year)
            report.indicators = json.dumps(values)
            report.warnings = json.dumps(warnings, ensure_ascii=False)
            report.submitted_by, report.submitted_at = by, local_now()
            report.review_result, report.review_opinion, report.reviewed_at = None, "", None  # changed: review again
            report.save()
            audit.record("dynamic.edit" if before is not None else "dynamic.file", subject, user=by,
                         details={"year": year, "before": before, "after": values,
                                  "late": today > rules.dynamic_report_deadline(year)})
    except IntegrityError:  # the same table filed twice at once: the first one stands
        raise Refused("该年度动态管理表刚刚已提交，请刷新页面后在原表上修改")
    return report, {}, warnings


def remind(subjects, year, by):
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


def review_report(report, result, opinion, by):
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


def opinion_report(year, status, city, when):
    """第二十八条: the review opinion report (.docx) listing every listed unit's result."""
    doc = OfficialDocument(when)
    doc.title(f"{city.get('city_name', '')}{year}年度绿色制造名单动态管理表审核意见报告")
    reports = status["reports"]
    passed = sum(1 for r in reports.values() if r.review_result == ReviewResult.PASS.value)
    doc.paragraph(f"根据《实施细则》第二十八条，我局对照第三十条对本地区 {len(status['subjects'])} 家名单单位填报的"
                  f"{year}年度动态管理表进行了审核：已填报 {len(reports)} 家，审核通过 {passed} 家，"
                  f"未填报 {len(status['missing'])} 家。")
    if status["flagged"]:
        doc.paragraph("截至" + chinese_date(status["deadline"]) + "仍未填报的单位，拟按第三十条第二项移出名单。")
    rows = []
    for subject in status["subjects"]:
        report = reports.get(subject.id)
        if report is None:
            rows.append([subject.name, subject.credit_code, "未填报", "拟按第三十条第二项移出" if status["overdue"] else ""])
        else:
            rows.append([subject.name, subject.credit_code, report.review_label, report.review_opinion])
    doc.table(["单位名称", "统一社会信用代码", "审核结论", "审核意见"], rows)
    doc.signature(city.get("bureau_name", ""), when)
    return doc.to_bytes(city.get("bureau_name", ""))


def declare_change(subject, kind, description, new_name, by):
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


def decide_change(notice, accepted, still_meets, verification, by):
    """Staff verify a change; an accepted name change renames the subject (the old name stays on the notice and in
    the audit trail). A unit that no longer meets the standard is then removed (第三十一条)."""
    if notice.status != ChangeStatus.PENDING.value:
        raise Refused("该变更已复核")
    if not verification:
        raise Refused("请填写复核情况")
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
        audit.record("change.decide", subject, user=by, details={
            "accepted": accepted, "still_meets": still_meets, "old_name": notice.old_name, "new_name": notice.new_name})


def adjustment_rows(year):
    """第三十一条: the year's change notices, pending and decided, as the rows of the adjustment opinion that goes up
    with the recommendation (name, change, the bureau's conclusion)."""
    kinds = dict(rules.CHANGE_KINDS)
    rows = []
    for notice in (ChangeNotice.select(ChangeNotice, Subject).join(Subject)
                   .where(ChangeNotice.submitted_at.year == year).order_by(ChangeNotice.id)):
        change = kinds[notice.kind] + (f"：{notice.old_name} → {notice.new_name}" if notice.new_name else "")
        if notice.status == ChangeStatus.PENDING.value:
            conclusion = "待复核"
        elif notice.status == ChangeStatus.REJECTED.value:
            conclusion = "不予确认：" + notice.verification
        elif notice.still_meets_standard:
            conclusion = "确认变更，仍符合相关标准：" + notice.verification
        else:
            conclusion = "确认变更，不再符合相关标准，移出名单：" + notice.verification
        rows.append([notice.old_name or notice.subject.name, change, conclusion])
    return rows


def remove(listing, category, reason, effective_on, by):
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
        audit.record("listing.remove", subject, user=by,
                     details={"rung": listing.rung, "year": listing.year, "category": category, "reason": reason,
                              "effective_on": effective_on})


def record_incident(subject, occurred_on, kind, grade, source, description, by):
    """第二十九条: record the incident; the report to the province follows, and removal is proposed."""
    if kind not in dict(rules.INCIDENT_KINDS):
        raise Refused("请选择事故或事件类别")
    if occurred_on > local_now().date():
        raise Refused("发生日期不能晚于今天")
    with db.atomic():
        incident = Incident.create(subject=subject, occurred_on=occurred_on, kind=kind, grade=grade, source=source,
                                   description=description, recorded_by=by)
        audit.record("incident.record", subject, user=by, details={"kind": kind, "grade": grade, "date": occurred_on})
    return incident


def incident_report(incident, city, when):
    """第二十九条: the report to the province (.docx)."""
    subject = incident.subject
    listings = [f"{row.year}年{Rung.label_of(row.rung)}名单"
                for row in subject.listings.where(Listing.status == ListingStatus.LISTED.value)]
    doc = OfficialDocument(when)
    doc.title(f"关于{subject.name}发生{dict(rules.INCIDENT_KINDS)[incident.kind]}的报告")
    doc.addressee("省工业和信息化厅：")
    doc.paragraph(f"{subject.name}（统一社会信用代码：{subject.credit_code}）为" + ("、".join(listings) or "绿色制造名单")
                  + f"单位。{chinese_date(incident.occurred_on)}，该单位发生{dict(rules.INCIDENT_KINDS)[incident.kind]}"
                  f"（{incident.grade}），信息来源：{incident.source}。")
    doc.paragraph(incident.description)
    doc.paragraph("根据《实施细则》第二十九条、第三十条，现予报告，并建议将该单位从各层级绿色制造名单中移出。")
    doc.signature(city.get("bureau_name", ""), when)
    return doc.to_bytes(city.get("bureau_name", ""))


def submit_complaint(subject, agency, name, contact, matter, ip):
    """第三十二条: a real-name report from anyone, about a listed unit or an agency."""
    if subject is None and agency is None:
        raise Refused("请选择举报对象（名单单位或第三方机构）")
    with db.atomic():
        complaint = Complaint.create(subject=subject, agency=agency, reporter_name=name, reporter_contact=contact,
                                     matter=matter, ip=ip)
        audit.record("complaint.submit", complaint, object_type="complaint",
                     details={"subject": subject.id if subject else None, "agency": agency.id if agency else None})
    return complaint


def handle_complaint(complaint, finding, outcome, by):
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
                agency_operations.disqualify(complaint.agency, f"经核实举报（第三十二条）：{finding}", local_now().date(),
                                             by)
            except Refused:  # disqualified meanwhile by someone else: the complaint stands as handled
                pass


def unread_notices(user):
    """The user's unread notices (shown on its page once, then marked read: a read receipt, not audited)."""
    notices = list(Notice.select().where(Notice.user == user, Notice.read_at.is_null()).order_by(Notice.id))
    if notices:
        Notice.update(read_at=local_now()).where(Notice.id.in_([n.id for n in notices])).execute()
    return notices
