"""Publicity (公示, 第二十条), objections, publishing the municipal list, and recording provincial and national outcomes."""
from dataclasses import dataclass

from peewee import IntegrityError

import rules
from blueprints.plans import milestones as plan_milestones
from blueprints.pool import operations as pool_operations
from core import audit, ladder, settings, uploads
from core.database import compare_and_set
from models import (
    Application,
    ApplicationStatus,
    Listing,
    ListingSource,
    ListingStatus,
    Objection,
    PoolEntry,
    PoolStatus,
    Publicity,
    PublicityEntry,
    PublicityStatus,
    Rung,
    Subject,
    db,
    local_now,
)
from rules import Refused


def end_date(publicity):
    return rules.publicity_end(publicity.start_date)


def _to_publicise(year):
    publicised = PublicityEntry.select(PublicityEntry.application)
    return list(Application.select().where(
        Application.year == year, Application.rung == Rung.MUNICIPAL.value,
        Application.status == ApplicationStatus.APPROVED.value, Application.id.not_in(publicised)))


def open_publicity(year, *, start_date, by):
    """Put the year's approved municipal applications not yet publicised into a 15-day publicity."""
    if start_date < local_now().date():
        raise Refused("公示开始日期不能早于今天")
    nothing = f"{year} 年没有待公示的评审通过申报"
    if not _to_publicise(year):
        raise Refused(nothing)
    try:
        with db.atomic():
            # the insert comes first (it takes SQLite's write lock); the list is read again after it, and the
            # unique index on publicity_entry.application settles a publicity opened at the same moment elsewhere
            publicity = Publicity.create(year=year, start_date=start_date, created_by=by)
            applications = _to_publicise(year)
            if not applications:
                raise Refused(nothing + "（可能刚刚已被其他人发起公示，请刷新页面）")
            for application in applications:
                PublicityEntry.create(publicity=publicity, application=application)
            audit.record("publicity.open", publicity, user=by, object_type="publicity",
                         details={"year": year, "start": start_date, "end": rules.publicity_end(start_date),
                                  "count": len(applications)})
    except IntegrityError:
        raise Refused("这些申报刚刚已被其他人列入公示，请刷新页面")
    return publicity


def raise_objection(publicity, application_id, *, name, contact, content, evidence_file, ip):
    """Anyone raises an objection during the window (the public page)."""
    today = local_now().date()
    if publicity.status != PublicityStatus.OPEN.value or not rules.in_publicity_window(publicity.start_date, today):
        raise Refused(f"公示期为 {publicity.start_date} 至 {end_date(publicity)}，当前不在公示期内，不能提出异议")
    entry_ids = {e.application_id for e in publicity.entries}
    if application_id not in entry_ids:
        raise Refused("请选择公示名单中的对象")
    with db.atomic():
        objection = Objection.create(publicity=publicity, application=application_id, name=name, contact=contact,
                                     content=content, ip=ip)
        if evidence_file is not None and evidence_file.filename:
            objection.evidence = uploads.store(evidence_file, "objection", objection.id, purpose="佐证材料")
            objection.save()
        audit.record("publicity.objection", objection, object_type="objection",
                     details={"publicity": publicity.id, "application": application_id, "name": name})
    return objection


def handle_objection(objection, *, upheld, handling, by):
    """Staff record how an objection was verified and handled; an upheld one keeps the subject off the list."""
    if not handling:
        raise Refused("请填写处理情况", field="handling")
    with db.atomic():
        compare_and_set(objection, "upheld", None, "该异议已被其他人处理，请刷新页面", upheld=upheld, handling=handling,
                        handled_by=by, handled_at=local_now())
        audit.record("publicity.objection_handled", objection, user=by, object_type="objection",
                     details={"upheld": upheld, "handling": handling})


def publish(publicity, *, by):
    """After the window, publish: the subjects without an upheld objection become municipal Listing rows and
    leave the pool's 培育中 for 已入选名单. Publishing twice changes nothing."""
    today = local_now().date()
    if publicity.status == PublicityStatus.PUBLISHED.value:
        raise Refused("该公示已公布，名单不会重复生成")
    if today <= end_date(publicity):
        raise Refused(f"公示期至 {end_date(publicity)} 结束，期满后才能公布")
    if publicity.objections.where(Objection.upheld.is_null()).exists():
        raise Refused("尚有异议未处理，请先记录处理情况")
    _refuse_stale(veto_gates(publicity, today))
    listed = 0
    with db.atomic():
        compare_and_set(publicity, "status", PublicityStatus.OPEN.value, "该公示已公布，名单不会重复生成",
                        status=PublicityStatus.PUBLISHED.value, published_at=local_now(), published_by=by)
        # read again now that the publicity is ours: an objection may have been handled meanwhile
        if publicity.objections.where(Objection.upheld.is_null()).exists():
            raise Refused("尚有异议未处理，请先记录处理情况")
        upheld = {o.application_id for o in publicity.objections.where(Objection.upheld == True)}  # noqa: E712
        gates = veto_gates(publicity, today)  # again, inside: a check may have been recorded meanwhile
        _refuse_stale(gates)
        vetoed = {application_id: gate for application_id, gate in gates.items() if gate.hit}
        for entry in publicity.entries:
            application = entry.application
            if application.id in upheld or application.id in vetoed:  # 第十五条：不得列入
                continue
            _, created = Listing.get_or_create(
                subject=application.subject, rung=publicity.rung, year=publicity.year,
                defaults={"source": ListingSource.MUNICIPAL_REVIEW.value, "application": application,
                          "listed_on": today, "created_by": by})
            listed += int(created)
            if created:
                plan_milestones.tick(application.subject, plan_milestones.LISTED, on=today, detail="入选市级名单（公布）", by=by,
                                     rung=publicity.rung, year=publicity.year)
            PoolEntry.update(status=PoolStatus.LISTED.value).where(
                PoolEntry.subject == application.subject, PoolEntry.status == PoolStatus.CULTIVATING.value).execute()
            ladder.refresh(application.subject)
        audit.record("publicity.publish", publicity, user=by, object_type="publicity",
                     details={"listed": listed, "excluded": len(upheld),
                              "vetoed": {gate.name: gate.problems for gate in vetoed.values()}})
    return listed


@dataclass
class PublicityGate:
    name: str
    hit: bool  # a counting 第十五条 hit (own, or a park member's): not listed
    problems: list


def veto_gates(publicity, today=None):
    """第十五条：不得列入, for each subject of a publicity that 第十五条 stops: {application_id: PublicityGate}. A hit
    recorded during the publicity keeps the subject off the list, as an upheld objection does; a check gone stale
    (the bureau's freshness setting) must be redone before the list is published."""
    today = today or local_now().date()
    gates = {}
    for entry in publicity.entries:
        subject = entry.application.subject
        own, members = pool_operations.veto_facts(subject), pool_operations.member_veto_facts(subject)
        problems = rules.veto_gate_problems(own, members, today=today, door="list",
                                            max_age_days=settings.get("veto_check_max_age_days"))
        if problems:
            hit = any(rules.veto_hit_counts(fact) for fact in (*own, *members))
            gates[entry.application_id] = PublicityGate(subject.name, hit, problems)
    return gates


def _refuse_stale(gates):
    stale = [f"{gate.name}（{'；'.join(gate.problems)}）" for gate in gates.values() if not gate.hit]
    if stale:
        raise Refused("不能公布：" + "；".join(stale))


def record_outcome(subject, *, rung, year, listed_on, by):
    """Record a provincial or national outcome (the province's or the ministry's list) so the ladder is complete."""
    if rung not in (Rung.PROVINCIAL.value, Rung.NATIONAL.value):
        raise Refused("只能登记省级或国家级名单结果")
    source = ListingSource.PROVINCE.value if rung == Rung.PROVINCIAL.value else ListingSource.MINISTRY.value
    with db.atomic():
        listing, created = Listing.get_or_create(subject=subject, rung=rung, year=year,
                                                 defaults={"source": source, "listed_on": listed_on, "created_by": by})
        if created:
            ladder.refresh(subject)
            audit.record("listing.record", subject, user=by, details={"rung": rung, "year": year})
            plan_milestones.tick(subject, plan_milestones.LISTED, on=listed_on,
                                 detail=f"入选{Rung.label_of(rung)}名单（登记）", by=by,
                                 rung=rung, year=year)
    return created


def set_green_code(subject, *, grade, year, by):
    """第三十四条: the ministry's 企业绿码 grade for the subject, as recorded by staff."""
    if grade not in ("", "A+", "A", "B"):
        raise Refused("企业绿码等级应为 A+、A 或 B", field="grade")
    if grade and not year:
        raise Refused("请填写企业绿码的评定年度", field="year")
    if not grade and year:
        raise Refused("选择“未登记”时不填年度（将清除已登记的绿码）", field="year")
    with db.atomic():
        subject.green_code_grade, subject.green_code_year = grade, year if grade else None
        subject.save(only=[Subject.green_code_grade, Subject.green_code_year])
        audit.record("subject.green_code", subject, user=by, details={"grade": grade, "year": year})


def highest_listing(subject):
    """The subject's highest current listing, or None."""
    rows = list(Listing.select().where(Listing.subject == subject, Listing.status == ListingStatus.LISTED.value))
    return max(rows, key=lambda r: (rules.rung_rank(r.rung), r.year)) if rows else None


def published_list(year=None):
    """The published municipal list (listed, not removed), with subjects, in a stable order."""
    query = (Listing.select(Listing, Subject).join(Subject)
             .where(Listing.rung == Rung.MUNICIPAL.value, Listing.status == ListingStatus.LISTED.value))
    if year:
        query = query.where(Listing.year == year)
    return query.order_by(Listing.year.desc(), Subject.district, Subject.name, Listing.id)
