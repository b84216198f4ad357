"""The 31 August filing (第十四条): readiness, building the bundle atomically and reproducibly, and records."""
import hashlib
import json
import os
import secrets
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app

import rules
from blueprints.listing.operations import published_list
from blueprints.plans import operations as plans
from blueprints.plans import writers as plan_writers
from blueprints.pool.figures import pool_figures
from core import audit, database, document_numbers, settings
from core.database import compare_and_set
from models import (
    CultivationPlan,
    EligibilityCheck,
    Filing,
    FilingDeclaration,
    PlanItem,
    PlanStatus,
    PoolEntry,
    PoolStatus,
    Subject,
    VetoCheck,
    db,
    local_now,
)
from rules import Refused

from . import writers


@dataclass(frozen=True)
class Link:
    """Where to fix something, as an endpoint and its arguments: the template builds the URL (url_for), so operations
    need no request."""
    endpoint: str
    args: dict = field(default_factory=dict)


@dataclass
class ReadinessItem:
    title: str
    ok: bool
    detail: str
    link: Link
    problems: list = field(default_factory=list)  # (name, Link) of what to fix


def filings_dir():
    return current_app.config["FILING_DIR"]


def year_problem(year, today):
    if year > today.year + 1:
        return f"只能为本年度或下一年度备案（{year} 年太远）"
    if year < 2015:
        return "年度不正确"
    return None


# What the readiness page and the bundle read of each pooled subject: only these columns are fetched (the pool can
# hold tens of thousands of rows, and every column is a value peewee converts).
FILED_SUBJECT_COLUMNS = (Subject.id, Subject.name, Subject.credit_code, Subject.kind, Subject.rung, Subject.district,
                         Subject.industry_code, Subject.contact_person, Subject.contact_phone)


def pooled_entries():
    """The pool as filed: every entry not exited, with its subject's filed columns, in a stable order."""
    return (PoolEntry.select(PoolEntry.id, PoolEntry.subject, PoolEntry.year_admitted, PoolEntry.status,
                             *FILED_SUBJECT_COLUMNS).join(Subject)
            .where(PoolEntry.status != PoolStatus.EXITED.value)
            .order_by(Subject.district, Subject.credit_code, PoolEntry.id))


def check_summaries(kinds):
    """Per pooled subject ({subject_id: kind}): eligibility complete?, veto date and result, hit?, clear?,
    from the newest check rows (read as tuples: the pool can hold thousands)."""
    eligibility = defaultdict(dict)  # {subject_id: {item: newest result}}
    # plain ids and strings: read off the cursor, without peewee's per-row conversion
    for subject_id, key, result in db.execute(EligibilityCheck.select(EligibilityCheck.subject,
                                                                      EligibilityCheck.item_key, EligibilityCheck.result)
                                              .join(PoolEntry, on=(PoolEntry.subject == EligibilityCheck.subject))
                                              .where(PoolEntry.status != PoolStatus.EXITED.value)
                                              .order_by(EligibilityCheck.id)).fetchall():
        eligibility[subject_id][key] = result
    veto = defaultdict(dict)  # {subject_id: {condition: (result as 第十五条 reads it, checked on as stored)}}
    as_date = VetoCheck.checked_on.python_value  # dates converted only where read: a hit's, and the oldest
    for subject_id, key, recorded, checked_on, event_on in db.execute(
            VetoCheck.select(VetoCheck.subject, VetoCheck.condition_key, VetoCheck.result, VetoCheck.checked_on,
                             VetoCheck.event_on)
            .join(PoolEntry, on=(PoolEntry.subject == VetoCheck.subject))
            .where(PoolEntry.status != PoolStatus.EXITED.value).order_by(VetoCheck.id)).fetchall():
        if recorded == "hit":  # 近三年: an older hit is clear
            recorded = rules.veto_effective_result(rules.VetoFact(key, recorded, as_date(checked_on), as_date(event_on)))
        veto[subject_id][key] = (recorded, checked_on)  # ISO text on SQLite, a date on PostgreSQL: both order by day
    result = {}
    for subject_id, kind in kinds.items():
        done = eligibility[subject_id]
        complete = all(done.get(k) == "met" for k, _, _ in rules.required_eligibility_items(kind))
        rows = [veto[subject_id].get(k) for k, _, _ in rules.VETO_CONDITIONS]
        hit = any(r and r[0] == "hit" for r in rows)
        clear = all(r and r[0] == "clear" for r in rows)
        oldest = as_date(min((r[1] for r in rows if r), default=None))
        text = "存在否决情形" if hit else ("均未发现" if clear else "未核查完整")
        result[subject_id] = {"eligible": complete, "veto_date": oldest, "veto_text": text, "hit": hit, "clear": clear}
    return result


def _year_plan(year):
    return (CultivationPlan.select().where(CultivationPlan.year == year,
                                           CultivationPlan.status.in_([PlanStatus.APPROVED.value, PlanStatus.FILED.value]))
            .order_by(CultivationPlan.version.desc()).first())


def readiness(year, *, entries=None, summaries=None):
    """The checks before building, each green or red with a link to fix it (第十四条)."""
    items = []
    latest_plan = CultivationPlan.latest_for(year)
    plan = _year_plan(year)
    plan_ok = plan is not None and (latest_plan.id == plan.id)
    missing = plans.missing_parts(plan) if plan_ok else []
    items.append(ReadinessItem(
        f"{year} 年培育计划已批准，内容完整", plan_ok and not missing,
        (f"第 {plan.version} 版，{plan.status_enum.label}" + ("，尚未填写" + "、".join(missing) if missing else "")) if plan_ok else
        ("尚未制定" if latest_plan is None else f"最新版本（第 {latest_plan.version} 版）状态为{latest_plan.status_enum.label}"),
        Link("plans.plan_detail", {"plan_id": latest_plan.id}) if latest_plan else Link("plans.plan_list")))
    if latest_plan is not None:
        # 第十条: the plan filed names subjects of the pool as it stands today, each aimed above its rung
        wrong = plans.item_problems(latest_plan)
        items.append(ReadinessItem(
            "培育计划的对象均在培育库中，目标梯度高于当前梯度（第十条）", not wrong,
            f"{len(wrong)} 个计划条目需调整（移出计划或修改目标；已备案的版本请创建新版本）" if wrong else "均符合",
            Link("plans.plan_detail", {"plan_id": latest_plan.id}),
            [(f"{item.subject.name}：{problem}", Link("plans.item_detail", {"item_id": item.id}))
             for item, problem in wrong[:20]]))

    if entries is None:
        entries = list(pooled_entries())
        summaries = check_summaries({e.subject_id: e.subject.kind for e in entries})
    incomplete = [e.subject for e in entries if not summaries[e.subject_id]["eligible"] or not summaries[e.subject_id]["clear"]]
    items.append(ReadinessItem(
        "每个培育库对象的入库条件和否决项均已核查（第六至八条、第十五条）", not incomplete,
        f"{len(entries)} 个培育对象" + (f"，{len(incomplete)} 个核查不完整" if incomplete else "，均已核查"),
        Link("pool.pool_list"),
        [(s.name, Link("pool.subject_detail", {"subject_id": s.id})) for s in incomplete[:20]]))
    hits = [e.subject for e in entries if summaries[e.subject_id]["hit"]]
    items.append(ReadinessItem(
        "培育库和名单中没有存在否决情形的对象（第十五条）", not hits,
        f"{len(hits)} 个对象存在否决情形" if hits else "未发现",
        Link("pool.pool_list"), [(s.name, Link("pool.subject_detail", {"subject_id": s.id})) for s in hits[:20]]))

    listed = published_list(year).count()
    declaration = FilingDeclaration.get_or_none(FilingDeclaration.year == year)
    items.append(ReadinessItem(
        f"{year} 年市级绿色制造名单已公布（或说明本年度无市级名单）", listed > 0 or declaration is not None,
        f"已公布 {listed} 个" if listed else ("已说明：" + declaration.statement if declaration else "尚未公布，也未说明"),
        Link("listing.publicity_list")))
    missing = settings.missing_for_documents()
    items.append(ReadinessItem("系统设置完整（主管部门名称、地址、联系人等）", not missing,
                               "完整" if not missing else f"缺 {len(missing)} 项",
                               Link("admin.settings_page")))
    return items


def gather(year, filing_date):
    """Everything the bundle needs, read once, in a stable order."""
    entries = list(pooled_entries())
    summaries = check_summaries({e.subject_id: e.subject.kind for e in entries})
    plan = _year_plan(year)
    targets = {}
    if plan is not None:
        targets = {i.subject_id: i.target_rung for i in PlanItem.select(PlanItem.subject, PlanItem.target_rung)
                   .where(PlanItem.plan == plan, PlanItem.withdrawn_at.is_null())}
    listings = list(published_list())  # the whole municipal list in force, each row with its year
    new_this_year = sum(1 for listing in listings if listing.year == year)
    declaration = FilingDeclaration.get_or_none(FilingDeclaration.year == year)
    figures = pool_figures()  # the same counts the staff home page and the pool list show
    data = {
        "entries": entries, "summaries": summaries, "figures": figures,
        "year": year, "filing_date": filing_date, "city": settings.get_all(), "plan": plan, "pool": entries,
        "targets": targets, "listings": listings,
        "veto": {sid: (s["veto_date"], s["veto_text"]) for sid, s in summaries.items()},
        "no_list_statement": declaration.statement if declaration and not new_this_year else "",
        "counts": {"pool": len(entries), "exited": figures.exited, "list": len(listings), "list_new": new_this_year,
                   "plan_items": plans.active_items(plan).count() if plan else 0},
        "codes": {"pool": sorted(e.subject.credit_code for e in entries),
                  "list": sorted(listing.subject.credit_code for listing in listings)},
    }
    data["changes"] = changes_since_previous(year, data["codes"])
    return data


def changes_since_previous(year, codes):
    """Who entered or left the pool and the list since the previous year's sent filing."""
    previous = (Filing.select().where(Filing.year < year, Filing.sent_on.is_null(False))
                .order_by(Filing.year.desc(), Filing.built_at.desc()).first())
    empty = {"previous": None, "pool_in": [], "pool_out": [], "list_in": [], "list_out": []}
    if previous is None:
        return empty
    before = json.loads(previous.counts).get("codes", {"pool": [], "list": []})
    names = dict(Subject.select(Subject.credit_code, Subject.name).tuples())

    def diff(now, then):
        return sorted(names.get(c, c) for c in set(now) - set(then))

    return {"previous": previous.filing_date,
            "pool_in": diff(codes["pool"], before["pool"]), "pool_out": diff(before["pool"], codes["pool"]),
            "list_in": diff(codes["list"], before["list"]), "list_out": diff(before["list"], codes["list"])}


@contextmanager
def _year_lock(year, directory=None):
    """One build per year at a time, across workers and app servers (core.database.exclusive: an advisory lock on
    PostgreSQL, the flock `.build-<year>.lock` under FILING_DIR on SQLite). On PostgreSQL the build runs in the
    lock's transaction. A second build of the year is refused, not queued."""
    try:
        with database.exclusive(f"build-{year}", lock_dir=directory or filings_dir()):
            yield
    except database.Busy:
        raise Refused("该年度的备案材料正在生成，请稍后刷新查看") from None


_YearLock = _year_lock  # the name tests know


def _remove_leftovers(directory, year, recorded=None):
    """Remove the year's `.part` files and, when `recorded` (the stored names Filing rows know) is given, its
    bundles no Filing row records. The caller holds the year's lock."""
    for name in os.listdir(directory):
        if not name.startswith(f"{year}-"):
            continue
        if name.endswith(".zip.part") or (recorded is not None and name.endswith(".zip") and name not in recorded):
            os.remove(os.path.join(directory, name))


def sweep_leftovers(directory):
    """At start-up: remove the `.part` files a build killed midway left behind. Each year is swept under its lock,
    so a build running in another process is never touched (that year is skipped). Bundles moved into place but
    never committed are removed at the next build of their year, which can check them against Filing rows."""
    if not os.path.isdir(directory):
        return
    years = {n.split("-", 1)[0] for n in os.listdir(directory) if n.endswith(".zip.part")}
    if not years:
        return
    opened = database.is_postgres() and db.is_closed()  # PostgreSQL's lock needs a connection: one for the sweep
    if opened:
        db.connect()
    try:
        for year in years:
            try:
                with _YearLock(year, directory):
                    _remove_leftovers(directory, year)
            except Refused:
                continue
    finally:
        if opened:
            db.close()


def date_problem(filing_date, today):
    """A filing is dated the day it is built: its pool, list, plan and milestones are the state of that day, so a
    bundle dated earlier or later would show what was not yet (or no longer) true on its date."""
    if filing_date != today:
        return (f"备案日期须为今天（{today.isoformat()}）：备案材料按生成当天的培育库、名单和计划编制，不能倒签或预签；"
                "已生成的备案材料请在下方记录中下载原文件")
    return None


def build(year, *, filing_date, by):
    """Build the year's bundle: refuse a date other than today and while a readiness item is red; write to a
    temporary file and move it into place only when complete; record the immutable Filing; lock the plan version it
    includes. A recorded filing is never rebuilt: its stored file is what is downloaded."""
    today = local_now().date()
    problem = year_problem(year, today)
    if problem:
        raise Refused(problem)
    problem = date_problem(filing_date, today)
    if problem:
        raise Refused(problem, field="filing_date")
    os.makedirs(filings_dir(), exist_ok=True)
    with _YearLock(year):
        _remove_leftovers(filings_dir(), year, {n for (n,) in Filing.select(Filing.stored_name).tuples()})
        data = gather(year, filing_date)
        red = [item.title for item in readiness(year, entries=data["entries"],
                                                summaries=data["summaries"]) if not item.ok]
        if red:
            raise Refused("尚不能生成备案材料：" + "；".join(red))
        # 发文字号 (GB/T 9704 7.2.4): one per year's filing letter, so a rebuild from the same data is the same bytes
        data["document_number"] = document_numbers.issue(
            "filing", year, writers.cover_title(data["city"], year), filing_date.year, by).number
        files = writers.build_files(data, plan_writers.build_plan_docx)
        content = writers.zip_files(files, filing_date)
        stored_name = f"{year}-{secrets.token_hex(8)}.zip"
        final_path = os.path.join(filings_dir(), stored_name)
        temp_path = final_path + ".part"
        with open(temp_path, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            with db.atomic():
                counts = {**data["counts"], "codes": data["codes"], "files": {n: len(b) for n, b in files.items()}}
                filing = Filing.create(year=year, filing_date=filing_date, stored_name=stored_name, size=len(content),
                                       sha256=hashlib.sha256(content).hexdigest(), plan=data["plan"], built_by=by,
                                       counts=json.dumps(counts, ensure_ascii=False, default=str))
                if data["plan"] is not None and data["plan"].status == PlanStatus.APPROVED.value:
                    plans.mark_filed(data["plan"], by=by)
                os.replace(temp_path, final_path)
                audit.record("filing.build", filing, user=by, object_type="filing",
                             details={"year": year, "sha256": filing.sha256, "counts": data["counts"]})
        finally:
            if os.path.exists(temp_path):
                os.remove(temp_path)
    return filing


def mark_sent(filing, *, sent_on, how, by):
    """Record that this bundle was sent to the province (date, by whom, how)."""
    if filing.sent_on is not None:
        raise Refused("该备案材料已标记为已报送")
    if sent_on > local_now().date():
        raise Refused("报送日期不能晚于今天", field="sent_on")
    if sent_on < filing.built_at.date():
        raise Refused("报送日期不能早于备案材料的生成日期", field="sent_on")
    with db.atomic():
        compare_and_set(filing, "sent_on", None, "该备案材料刚刚已被其他人标记为已报送，请刷新页面", sent_on=sent_on,
                        sent_by=by, sent_how=how)
        audit.record("filing.sent", filing, user=by, object_type="filing",
                     details={"sent_on": sent_on, "how": how})


def declare_no_list(year, *, statement, by):
    """State that the city has no municipal list this year (the article asks for plan, pool *or* list)."""
    with db.atomic():
        (FilingDeclaration.insert(year=year, statement=statement, declared_by=by, declared_at=local_now())
         .on_conflict(conflict_target=[FilingDeclaration.year],
                      update={FilingDeclaration.statement: statement, FilingDeclaration.declared_by: by})
         .execute())
        audit.record("filing.no_list", object_type="filing", user=by, details={"year": year, "statement": statement})


def filing_path(filing):
    return os.path.join(filings_dir(), filing.stored_name)
