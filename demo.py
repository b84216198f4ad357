"""The demo city: a fictional Heilongjiang city (龙江湾市), its bureau, subjects and one user per role."""
import random
from datetime import timedelta

import rules
from core import audit, settings
from core.accounts import create_user
from core.factory import Factory
from core.identifiers import make_credit_code
from models import (
    EligibilityCheck,
    MessageKind,
    Milestone,
    PoolEntry,
    PoolStatus,
    Potential,
    Role,
    Rung,
    Subject,
    SubjectKind,
    SubjectMessage,
    SubjectSource,
    SubjectStatus,
    VetoCheck,
    db,
    local_now,
)

DEMO_PASSWORD = "Ladder2026demo"
factory = Factory(password=DEMO_PASSWORD)  # the app's builders (core/factory.py), where the demo builds the same
CITY = {
    "city_name": "龙江湾市",
    "division_code": "239900",
    "districts": ["松源区", "临江区", "河东区", "高新技术产业开发区", "东宁县", "青山县"],
    "bureau_name": "龙江湾市工业和信息化局",
    "bureau_address": "龙江湾市松源区政务大道 8 号",
    "bureau_contact": "节能与综合利用科 王晓明",
    "bureau_phone": "0451-88880000",
    "bureau_email": "jnk@ljw.example.cn",
    "document_number_prefix": "龙工信函",
    "signer": "李建国",
}
DISTRICT_CODES = {"松源区": "239902", "临江区": "239903", "河东区": "239904",
                  "高新技术产业开发区": "239971", "东宁县": "239921", "青山县": "239922"}

# (name stem, industry code) — fictional enterprises of a northern industrial city.
FACTORIES = [
    ("北辰乳业", "14"), ("松源粮油", "13"), ("雪原啤酒", "15"), ("黑土米业", "13"), ("寒地肉类加工", "13"),
    ("临江纸业", "22"), ("河东木业", "20"), ("冰城家具", "21"), ("龙湾石化", "25"), ("东宁化工", "26"),
    ("青山制药", "27"), ("松花生物医药", "27"), ("北疆化纤", "28"), ("兴安轮胎", "29"), ("远航塑业", "29"),
    ("龙湾水泥", "30"), ("晶石玻璃", "30"), ("北钢特材", "31"), ("银河铝业", "32"), ("精工金属制品", "33"),
    ("重型机床", "34"), ("龙江泵业", "34"), ("寒区农机", "35"), ("极光汽车零部件", "36"), ("北方客车", "36"),
    ("龙湾轨道装备", "37"), ("东极电气", "38"), ("华光电缆", "38"), ("星河电子", "39"), ("北斗仪表", "40"),
    ("绿源再生资源", "42"), ("松源机电修理", "43"), ("冰雪饮品", "15"), ("黑金大豆", "13"), ("林海纸制品", "22"),
    ("龙湾光伏材料", "38"), ("北国电池", "38"), ("雪峰制冷设备", "34"), ("江畔食品", "14"), ("寒地药业", "27"),
    ("新材科技", "26"), ("嘉禾包装", "22"), ("龙湾陶瓷", "30"), ("天鹅汽车电子", "39"), ("兴业铸造", "33"),
]
PARKS = [
    ("龙江湾经济技术开发区", "松源区"), ("临江化工产业园", "临江区"), ("河东装备制造产业园", "河东区"),
    ("高新区新材料产业园", "高新技术产业开发区"), ("东宁绿色食品产业园", "东宁县"), ("青山循环经济产业园", "青山县"),
]
SUPPLY_CHAINS = [
    ("北方客车集团", "36"), ("东极电气集团", "38"), ("北辰乳业集团", "14"), ("龙湾轨道装备集团", "37"),
    ("星河电子集团", "39"), ("重型机床集团", "34"), ("银河铝业集团", "32"), ("松源粮油集团", "13"),
    ("兴安轮胎集团", "29"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林高罗"
GIVEN = ["建国", "海燕", "志强", "丽华", "明辉", "秀英", "国庆", "晓东", "春梅", "立新", "雪松", "玉兰"]
STREETS = ["工业大街", "经开路", "兴业路", "滨江大道", "北环路", "创新路", "长青街", "松花江路"]


def _person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _subject_rows(rng):
    districts = CITY["districts"]
    rows = []
    for i, (stem, industry) in enumerate(FACTORIES):
        rows.append(dict(kind=SubjectKind.FACTORY.value, name=f"龙江湾{stem}有限公司",
                         district=districts[i % len(districts)], industry_code=industry))
    for name, district in PARKS:
        rows.append(dict(kind=SubjectKind.PARK.value, name=name, district=district, industry_code="44",
                         park_management_body=f"{name}管理委员会",
                         park_value_added_share=round(rng.uniform(55, 85), 1),
                         park_boundary_note="经省政府批准设立，四至范围以规划批复为准"))
    for i, (stem, industry) in enumerate(SUPPLY_CHAINS):
        rows.append(dict(kind=SubjectKind.SUPPLY_CHAIN.value, name=f"龙江湾{stem}股份有限公司",
                         district=districts[(i * 2) % len(districts)], industry_code=industry))
    return rows


def _status_for(index):
    """Most subjects are admitted; a few registrations wait, one needs more material, one was declined."""
    if index % 10 == 3:
        return SubjectStatus.PENDING.value
    if index == 17:
        return SubjectStatus.INFO_REQUESTED.value
    if index == 29:
        return SubjectStatus.DECLINED.value
    return SubjectStatus.ADMITTED.value


def load():
    """Fill an empty database. The caller has checked that it is empty."""
    rng = random.Random(2026)
    now = local_now()
    with db.atomic():
        settings.save(CITY)
        subjects = []
        for index, row in enumerate(_subject_rows(rng)):
            subjects.append(Subject.create(
                credit_code=make_credit_code(DISTRICT_CODES[row["district"]], 10_000_000 + index * 7919),
                address=f"龙江湾市{row['district']}{rng.choice(STREETS)}{rng.randint(1, 399)}号",
                legal_representative=_person(rng),
                contact_person=_person(rng),
                contact_phone=f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
                contact_email=f"green{index + 1:02d}@ljw-demo.example.cn",
                source=SubjectSource.DEMO.value,
                status=_status_for(index),
                energy_efficiency_level=rng.choice(["", "", "标杆水平", "1级", "2级"]),
                created_at=now, updated_at=now,
                **row,
            ))
        accounts = [
            ("admin", Role.ADMIN, "局管理员 赵立新", {}),
            ("staff", Role.STAFF, "经办人 王晓明", {}),
            ("staff2", Role.STAFF, "经办人 李春梅", {}),
            ("expert1", Role.EXPERT, "专家 孙国庆", {"organisation": "龙江湾工业大学"}),
            ("expert2", Role.EXPERT, "专家 周丽华", {"organisation": "省节能技术服务中心"}),
            ("expert3", Role.EXPERT, "专家 吴志强", {"organisation": "龙江湾市环境科学研究院"}),
            ("enterprise", Role.ENTERPRISE, subjects[0].name, {"subject": subjects[0]}),
            ("agency", Role.AGENCY, "龙江湾绿色低碳评价中心", {}),
        ]
        users = {username: create_user(username, role.value, display_name, DEMO_PASSWORD, **extra)[0]
                 for username, role, display_name, extra in accounts}
        _load_pool(rng, subjects, users)
        _load_plans(rng, users)
        _load_chase_up(users)
        evaluated = _load_agencies(rng, users)
        _load_invitation_states(users)
        _load_batch_assignment(users)
        _load_reviews(rng, users, evaluated)
        _demo_plan_events_and_snapshot(rng, users)
        _load_filing(users)
        _load_recommendations(users)
        _load_upkeep(users)
        _load_park_members(subjects, users)
        _load_subject_documents(subjects[0], users)
        audit.record("demo.load", object_type="database", details={"subjects": len(subjects)})
    return demo_logins_text()


def _record_checks(rng, subject, checker, complete=True):
    """Eligibility (第六至八条) and veto (第十五条) checks as staff would have recorded them."""
    today = local_now().date()
    items = rules.eligibility_items(subject.kind)
    for index, (key, _, _) in enumerate(items):
        if not complete and index >= 2:
            break
        EligibilityCheck.create(subject=subject, item_key=key, result="met", checked_by=checker,
                                evidence=rng.choice(["营业执照、排污许可证已核", "现场核查记录", "管理体系认证证书已核",
                                                     "企业承诺书及近三年节能监察记录"]))
    for index, (key, _, _) in enumerate(rules.VETO_CONDITIONS):
        if not complete and index >= 3:
            break
        VetoCheck.create(subject=subject, condition_key=key, result="clear", checked_by=checker,
                         source=rng.choice(rules.VETO_SOURCES[:2]),
                         checked_on=today - timedelta(days=rng.randint(5, 150)))


def _load_subject_documents(subject, users):
    """The demo enterprise's own files on its record: one current, one withdrawn (a wrong version, 撤回 with its
    reason; kept, struck through, out of the materials)."""
    from blueprints.pool import operations as pool_operations
    from core import uploads
    enterprise = users["enterprise"]
    uploads.save(_demo_pdf("Energy audit 2026"), "pdf", "能源审计报告（2026年修订版）.pdf", "subject", subject.id,
                 purpose="能源审计报告", user=enterprise)
    wrong = uploads.save(_demo_pdf("Energy audit draft"), "pdf", "能源审计报告（初稿）.pdf", "subject", subject.id,
                         purpose="能源审计报告", user=enterprise)
    pool_operations.withdraw_document(wrong, reason="上传的是初稿，已另行上传修订版", by=enterprise)


def _load_park_members(subjects, users):
    """第十五条：园区（含园区内企业）. A park with three member enterprises: two registered factories, one of which had
    an accident more than three years before its last check (shown on the park's page, not counted), and one
    enterprise not registered here, entered by name and credit code."""
    from blueprints.pool import operations as pool_operations

    park = next((s for s in subjects if s.kind == SubjectKind.PARK.value), None)
    if park is None:
        return
    factories = [s for s in subjects[1:] if s.kind == SubjectKind.FACTORY.value]
    factories.sort(key=lambda s: s.district != park.district)  # the park's own district first
    if len(factories) < 2:
        return
    staff, today = users["staff"], local_now().date()
    old_case = factories[1]
    VetoCheck.create(subject=old_case, condition_key="accident_or_violation", result="hit", source="信用中国",
                     checked_on=today - timedelta(days=20), event_on=today.replace(year=today.year - 4),
                     evidence="四年前一般环境污染事故，已整改并结案", checked_by=staff)
    for member in factories[:2]:
        pool_operations.add_member(park, member.credit_code, name="", by=staff)
    pool_operations.add_member(park, make_credit_code("230199", 88_000_001), name="龙江湾开发区配套物流有限公司", by=staff)


def _load_pool(rng, subjects, users):
    """Admitted subjects enter the pool with their checks; waiting ones have some checks; the rest have messages."""
    staff = [users["staff"], users["staff2"]]
    this_year = local_now().year
    for index, subject in enumerate(subjects):
        checker = staff[index % 2]
        if subject.status == SubjectStatus.ADMITTED.value:
            _record_checks(rng, subject, checker)
            PoolEntry.create(subject=subject, year_admitted=this_year - (index % 3), owner=checker,
                             potential=rng.choice([Potential.ORDINARY.value, Potential.HIGH.value, Potential.KEY.value]),
                             status=PoolStatus.CULTIVATING.value)
            subject.rung = Rung.POOL.value
            subject.save()
        elif subject.status == SubjectStatus.PENDING.value:
            _record_checks(rng, subject, checker, complete=index % 2 == 0)
        elif subject.status == SubjectStatus.INFO_REQUESTED.value:
            SubjectMessage.create(subject=subject, kind=MessageKind.INFO_REQUEST.value, created_by=checker,
                                  body="请补充近三年能源审计报告及质量、环境、能源管理体系认证证书扫描件。")
        elif subject.status == SubjectStatus.DECLINED.value:
            SubjectMessage.create(subject=subject, kind=MessageKind.DECLINE.value, created_by=checker,
                                  body="经核查，企业目前以贸易为主，无实际生产，不符合第六条第一项“从事实际生产的制造型企业”的条件。")


def _load_plans(rng, users):
    """Last year's plan and this year's (started from it), approved, with progress on the milestones."""
    from blueprints.plans import operations as plans

    admin, staff = users["admin"], users["staff"]
    city = CITY["city_name"]
    today = local_now().date()
    this_year = today.year
    pooled = [e.subject for e in PoolEntry.select().order_by(PoolEntry.id)]
    by_kind = {kind.value: [s for s in pooled if s.kind == kind.value] for kind in SubjectKind}
    last = plans.create_plan(this_year - 1, title=f"{city}{this_year - 1}年绿色制造梯度培育计划", by=staff)
    plans.update_plan(last, title=last.title,
                      goals="以绿色工厂创建为基础，推动重点行业企业对标达标，力争新增市级绿色工厂 8 家、省级 3 家。",
                      measures="一、建立培育库动态管理机制；二、组织第三方机构开展节能诊断服务进企业；三、对新认定的市级、省级"
                      "绿色工厂分别给予一次性奖励（以市政府奖补政策为准）。",
                      targets={("factory", "municipal"): 8, ("factory", "provincial"): 3,
                               ("park", "provincial"): 1}, by=staff)
    # the first six factories go onto last year's municipal list through its review (_load_reviews): the plans aim
    # other subjects above where they stand (第十条)
    for subject in by_kind["factory"][6:16] + by_kind["park"][:2]:
        target = "provincial" if subject.kind == "park" else "municipal"
        plans.add_item(last, subject, target_rung=target, owner=staff, by=staff)
    _demo_projects(rng, last, staff)
    plans.approve(last, by=admin)
    current = plans.create_plan(this_year, title=f"{city}{this_year}年绿色制造梯度培育计划", by=staff, copy_last_year=True)
    plans.update_plan(current, title=current.title,
                      goals="巩固提升已培育对象，新增市级绿色工厂 10 家，推荐省级绿色工厂 4 家、省级绿色工业园区 1 家，"
                      "培育 1 家绿色供应链管理企业冲刺国家级。",
                      measures=last.measures + "四、对冲刺国家级的培育对象实行“一企一策”专人跟踪。",
                      targets={("factory", "municipal"): 10, ("factory", "provincial"): 4, ("park", "provincial"): 1,
                       ("supply_chain", "national"): 1}, by=staff)
    for subject in by_kind["factory"][16:30] + by_kind["park"][2:4] + by_kind["supply_chain"][:2]:
        target = {"park": "provincial", "supply_chain": "national"}.get(subject.kind, rng.choice(["municipal", "provincial"]))
        plans.add_item(current, subject, target_rung=target, owner=rng.choice([staff, users["staff2"]]), by=staff)
    for item in plans.active_items(current):
        for milestone in item.milestones.order_by(Milestone.position):
            if milestone.due_date < today and rng.random() < 0.7:
                milestone.done_date = milestone.due_date - timedelta(days=rng.randint(0, 20))
                milestone.confirmed_by = staff
                milestone.evidence_note = "已提交报告并经经办人核实"
                milestone.save()
    _demo_projects(rng, current, staff)
    _demo_plan_dashboard(rng, current, staff)
    plans.approve(current, by=admin)


def _load_chase_up(users):
    """The plan's work queue in use: staff chased up (催办) one enterprise of this year's plan with an overdue
    milestone; the message is on its page under 与主管部门往来."""
    from blueprints.plans import operations as plans
    from blueprints.plans import worklist
    from models import CultivationPlan

    today = local_now().date()
    plan = CultivationPlan.latest_for(today.year)
    items = list(plans.active_items(plan))
    milestones = plans.milestones_by_item(items)
    late = [i for i in items if any(m.is_overdue(today) for m in milestones[i.id])] or items
    if late:
        worklist.chase_up(plan, [late[0].id], body="贵单位列入本年度绿色制造梯度培育计划，请按计划节点推进，于两周内提交节能诊断"
                          "报告等佐证材料；如有困难请与经办人王晓明联系。", by=users["staff"])


# 附件2 of the plan: each subject's real green-upgrade projects (what, investment in 万元, expected effect)
DEMO_PROJECTS = {
    "factory": (("余热余压回收利用改造", 420, "年节约标准煤约 1,800 吨，减少二氧化碳排放约 4,700 吨"),
                ("屋顶分布式光伏发电项目", 960, "装机 3 兆瓦，年发电约 330 万千瓦时，可再生能源占比提高到 18%"),
                ("高效电机及变频系统替换", 185, "替换 IE2 以下电机 120 台，电机系统节电约 15%"),
                ("污水处理及中水回用改造", 310, "中水回用率提高到 60%，年减少新鲜水取用约 12 万吨"),
                ("能源管理中心建设", 260, "重点用能设备计量全覆盖，建成能耗在线监测平台")),
    "park": (("园区集中供热管网改造", 2600, "替代分散燃煤锅炉 14 台，年节约标准煤约 9,000 吨"),
             ("园区固废资源化利用中心", 1850, "一般工业固废综合利用率提高到 92%")),
    "supply_chain": (("供应商绿色评价与碳足迹管理平台", 380, "一级供应商绿色评价覆盖率达到 80%"),
                     ("绿色包装循环利用体系", 240, "可循环包装使用率提高到 50%，年减少包装废弃物约 600 吨")),
}


def _demo_projects(rng, plan, by):
    """One or two real upgrade projects per item of the plan (edited on the item page in the site)."""
    from datetime import date

    from blueprints.plans import operations as plans

    for item in plans.active_items(plan):
        choices = DEMO_PROJECTS[item.subject.kind]
        for name, investment, effect in rng.sample(choices, k=min(len(choices), rng.choice([1, 1, 2]))):
            start = date(plan.year, rng.randint(2, 6), 1)
            end = date(plan.year + (1 if rng.random() < 0.2 else 0), rng.randint(9, 12), 30)
            plans.add_project(item, name=name, start_on=start, end_on=end,
                              investment=float(investment + rng.randint(-20, 20) * 5), effect=effect, by=by)


def _demo_plan_dashboard(rng, plan, by):
    """The current plan's targets per district, and some items at risk: a step that fell due and was not done."""
    from collections import Counter

    from blueprints.plans import dashboard
    from blueprints.plans import operations as plans

    today = local_now().date()
    items = list(plans.active_items(plan))
    counts = Counter(item.subject.district for item in items)
    dashboard.set_district_targets(plan, {district: max(1, n - 1) for district, n in counts.items()}, by=by)
    for item in items[::4]:  # every fourth item has fallen behind
        step = item.milestones.where(Milestone.done_date.is_null()).order_by(Milestone.position).first()
        due = max(today.replace(month=1, day=1), today - timedelta(days=rng.randint(5, 40)))
        if step and due < today:
            step.due_date = due
            step.save()


def _demo_plan_events_and_snapshot(rng, users):
    """Milestones ticked by the events they name (evaluation reports uploaded here; applications and listings tick
    theirs as they happen), and the year-end snapshot kept with last year's plan."""
    import json
    from datetime import date, datetime

    from blueprints.plans import dashboard, milestones
    from blueprints.plans import operations as plans
    from models import CultivationPlan, PlanSnapshot

    today = local_now().date()
    for item in list(plans.active_items(CultivationPlan.latest_for(today.year)))[1::3]:
        uploaded = max(today.replace(month=1, day=1), today - timedelta(days=rng.randint(1, 30)))
        milestones.tick(item.subject, milestones.EVALUATION_REPORT, on=uploaded, detail="评价报告已上传", by=users["staff"])
    last = CultivationPlan.latest_for(today.year - 1)
    figures = dashboard.figures(last, today=date(last.year, 12, 31))
    PlanSnapshot.create(plan=last, taken_at=datetime(last.year, 12, 31, 16, 30), taken_by=users["staff"],
                        figures=json.dumps(figures, ensure_ascii=False, sort_keys=True))


def _demo_pdf(title):
    """A one-page PDF standing in for an uploaded report (a real file, so downloads work)."""
    text = title.encode("ascii", "replace")
    stream = b"BT /F1 14 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


AGENCIES = [
    # name, legal representative, mid-level, senior, industries, kinds, status
    ("龙江湾绿色低碳评价中心有限公司", "刘建国", 18, 7, "13,14,15,22,26,27,30,31", "factory,park", "approved"),
    ("黑龙江北疆节能环保技术研究院有限公司", "刘建国", 25, 9, "25,26,31,32,33,34,36,38", "factory,supply_chain", "approved"),
    ("龙江湾清源环境咨询有限公司", "陈海燕", 12, 5, "13,14,17,22,29,39", "factory", "approved"),
    ("北方蓝天碳资产管理有限公司", "赵明辉", 11, 5, "30,31,44", "factory,park", "suspended"),
    ("松江绿色认证评价有限公司", "孙立新", 14, 6, "13,14,15", "factory", "disqualified"),
    ("龙江湾新锐节能服务有限公司", "周晓东", 8, 3, "34,35,38", "factory", "pending"),
]


def _load_agencies(rng, users):
    """Agencies in every status, two sharing a legal representative, and engagements in every state.
    Returns {subject_id: agency} for the subjects an agency is evaluating this year."""
    from blueprints.agencies import operations as agencies
    from models import Agency, AgencyReport, Engagement

    staff = users["staff"]
    today = local_now().date()
    this_year, last_year = today.year, today.year - 1
    created = []
    for index, (name, legal, mid, senior, industries, kinds, status) in enumerate(AGENCIES):
        agency = Agency.create(name=name, credit_code=make_credit_code("239902", 70_000_000 + index * 131),
                               legal_representative=legal, address=f"龙江湾市{CITY['districts'][index % 3]}科技路{index + 10}号",
                               contact_person=_person(rng), contact_phone=f"0451-8{rng.randint(1_000_000, 9_999_999)}",
                               platform_registration_no=f"GIP-{2023 + index % 2}-{1000 + index}", platform_approved=True,
                               staff_mid_level=mid, staff_senior=senior, expertise_industries=industries,
                               expertise_kinds=kinds, experience="近五年承担本省绿色工厂第三方评价、节能诊断和省级绿色制造科研项目。",
                               declaration=rules.AGENCY_DECLARATION, declared_at=local_now())
        if status in ("approved", "suspended", "disqualified"):
            factory.approve_agency(agency, by=staff, today=today)  # 第二十三条 items checked, then approved
        if status == "suspended":
            agencies.suspend(agency, reason="年度抽查发现评价报告数据核验不充分，暂停新增业务，整改后恢复。", by=staff)
        if status == "disqualified":
            agencies.disqualify(agency, reason="经查实为企业出具的评价报告存在数据造假。", decided_on=today - timedelta(days=200), by=staff,
                                category="fraud")
        created.append(Agency.get_by_id(agency.id))
    users["agency"].agency = created[0]
    users["agency"].save()

    pooled = [e.subject for e in PoolEntry.select().order_by(PoolEntry.id)]
    factories = [s for s in pooled if s.kind == SubjectKind.FACTORY.value]
    evaluated = {}
    for index, subject in enumerate(factories[:6]):  # last year's municipal list: evaluated and passed
        Engagement.create(subject=subject, agency=created[index % 2], purpose="evaluation", rung="municipal",
                          year=last_year, status="completed", proposed_by=staff)
    Engagement.create(subject=factories[20], agency=created[2], purpose="evaluation", rung="municipal", year=last_year,
                      status="completed", proposed_by=staff)
    for index, subject in enumerate(factories[6:14]):  # this year's municipal applicants
        agency = created[0] if index % 2 == 0 else created[2]
        if index % 3 == 0:
            consulting = agencies.propose(subject, created[1], purpose="consulting", rung="municipal", year=this_year,
                                          by=staff, today=today,
                                          reason="企业已与该机构洽谈节能诊断，按企业意向委托")
            agencies.accept(consulting, by=staff, today=today, declared=True)
        engagement = agencies.propose(subject, agency, purpose="evaluation", rung="municipal", year=this_year,
                                      by=staff, today=today,
                                      reason="两家机构轮流承担本年度市级评价，均衡负荷")
        agencies.accept(engagement, by=staff, today=today, declared=True)
        evaluated[subject.id] = agency
    for subject in factories[2:5] + [s for s in pooled if s.kind == SubjectKind.PARK.value][:1]:  # provincial
        engagement = agencies.propose(subject, created[1], purpose="evaluation", rung="provincial", year=this_year,
                                      by=staff, today=today,
                                      reason="该机构省级评价经验较多，企业同意委托")
        agencies.accept(engagement, by=staff, today=today, declared=True)
        evaluated[subject.id] = created[1]
    agencies.propose(factories[16], created[0], purpose="consulting", rung="municipal", year=this_year, by=staff,
                     today=today,
                     reason="企业指定该机构提供咨询")  # awaiting reply
    declined = agencies.propose(factories[17], created[2], purpose="evaluation", rung="municipal", year=this_year,
                                by=staff, today=today,
                                reason="企业指定该机构评价")
    agencies.decline(declined, reason="本年度评价任务已满，建议另行对接。", by=staff)
    from core import uploads
    for agency in created[1:3]:
        document = uploads.save(_demo_pdf("Annual report"), "pdf", f"{last_year}年度工作报告.pdf", "agency", agency.id,
                                purpose=f"{last_year}年度工作报告")
        AgencyReport.create(agency=agency, year=last_year, document=document)
    return evaluated


def _load_invitation_states(users):
    """The enterprise's side and invitations that end (第十条、第十二条): the evaluations the agencies accepted are
    confirmed (the demo enterprise confirms its own, staff record the others on the enterprises' behalf), consulting
    ones wait for the enterprise; one invitation expires unanswered; the demo enterprise prefers one agency and
    objects to another."""
    from blueprints.agencies import operations as agencies
    from blueprints.agencies import preferences
    from models import Agency, AgencyStatus, Engagement, EngagementStatus

    staff, enterprise = users["staff"], users["enterprise"]
    today = local_now().date()
    for engagement in (Engagement.select().where(Engagement.status == EngagementStatus.ACCEPTED.value)
                       .order_by(Engagement.id)):
        if engagement.purpose == "consulting":
            continue  # waiting for the enterprise's confirmation
        if engagement.subject_id == enterprise.subject_id:
            agencies.confirm(engagement, by=enterprise, today=today)
        else:
            agencies.confirm(engagement, by=staff, today=today, note="企业联系人电话确认委托（演示）")
    approved = list(Agency.select().where(Agency.status == AgencyStatus.APPROVED.value).order_by(Agency.id))
    engaged = Engagement.select(Engagement.subject).where(Engagement.year == today.year)
    idle = (Subject.select().join(PoolEntry, on=(PoolEntry.subject == Subject.id))
            .where(Subject.id.not_in(engaged), Subject.id != enterprise.subject_id).order_by(Subject.id).first())
    late = agencies.propose(idle, approved[-1], purpose="consulting", rung="municipal", year=today.year, by=staff,
                            today=today - timedelta(days=20), reason="演示：逾期未答复的邀请")
    Engagement.update(reply_by=today - timedelta(days=6)).where(Engagement.id == late.id).execute()
    agencies.expire_overdue(today)
    own = enterprise.subject
    waiting = (Engagement.select().where(Engagement.subject == own, Engagement.status == EngagementStatus.PROPOSED.value)
               .order_by(Engagement.id).first())
    if waiting is not None:  # the demo enterprise has one to confirm when it logs in
        agencies.accept(waiting, by=staff, today=today, declared=True)
    preferences.state(own, approved[0], year=today.year, stance="prefer", reason="曾为本企业做过节能诊断，熟悉本企业乳制品生产工艺。",
                      by=enterprise, today=today)
    preferences.state(own, approved[-1], year=today.year, stance="object", reason="该机构的一名评价人员曾在本企业任职，可能影响评价独立性。",
                      by=enterprise, today=today)


def _load_batch_assignment(users):
    """Capacities for the approved agencies this year and one batch of consulting invitations (the batch
    assignment's min-cost method) for this year's cultivating subjects not yet engaged for consulting."""
    from blueprints.agencies import assignment, batch_operations
    from models import Agency, AgencyStatus, Engagement

    staff = users["staff"]
    today = local_now().date()
    for index, agency in enumerate(Agency.select().where(Agency.status == AgencyStatus.APPROVED.value)
                                   .order_by(Agency.id)):
        batch_operations.set_capacity(agency, today.year, capacity=10 if index == 0 else 14, by=staff)
    consulted = Engagement.select(Engagement.subject).where(Engagement.year == today.year,
                                                            Engagement.purpose == "consulting")
    subjects = list(Subject.select().join(PoolEntry, on=(PoolEntry.subject == Subject.id))
                    .where(PoolEntry.status == PoolStatus.CULTIVATING.value, Subject.id.not_in(consulted))
                    .order_by(Subject.id).limit(12))
    _, proposals, _ = batch_operations.plan(subjects, purpose="consulting", rung="municipal", year=today.year,
                                            today=today)
    agencies = {a.id: a for a in Agency.select()}
    rows = [batch_operations.Row(s, agencies[proposals[s.id].agency_id],
                                 "" if proposals[s.id].top else assignment.generated_reason())
            for s in subjects if proposals[s.id].agency_id]
    if rows:
        batch_operations.send_batch(rows, purpose="consulting", rung="municipal", year=today.year, by=staff,
                                    today=today)


def _load_reviews(rng, users, evaluated):
    """Last year's municipal list (published), this year's review in every state, an open publicity with an
    objection, provincial applications waiting for the recommendation round, and recorded upper-rung outcomes."""
    from blueprints.applications import operations as apps
    from blueprints.listing import operations as listing
    from models import (
        Application,
        ApplicationStatus,
        Engagement,
        Listing,
        ListingSource,
        Objection,
        Publicity,
        PublicityEntry,
        PublicityStatus,
        ReviewAssignment,
    )

    staff = users["staff"]
    experts = [users["expert1"], users["expert2"], users["expert3"]]
    today = local_now().date()
    this_year, last_year = today.year, today.year - 1
    pooled = [e.subject for e in PoolEntry.select().order_by(PoolEntry.id)]
    factories = [s for s in pooled if s.kind == SubjectKind.FACTORY.value]

    # Last year: six factories went through review and publicity and are on the municipal list.
    last_publicity = Publicity.create(year=last_year, start_date=today.replace(year=last_year, month=9, day=1),
                                      status=PublicityStatus.PUBLISHED.value, created_by=staff, published_by=staff,
                                      published_at=local_now().replace(year=last_year, month=9, day=20))
    for subject in factories[:6]:
        evaluator = subject.engagements.where(Engagement.year == last_year).first().agency  # its pass rate counts it
        application = Application.create(subject=subject, year=last_year, rung="municipal", method="third_party",
                                         agency=evaluator,
                                         claimed_score=rng.randint(82, 93), status=ApplicationStatus.APPROVED.value,
                                         created_by=staff, submitted_at=local_now().replace(year=last_year, month=6))
        for expert in experts:
            ReviewAssignment.create(application=application, expert=expert, assigned_by=staff, conflict=False,
                                    score=rng.randint(80, 95), scored_at=local_now().replace(year=last_year, month=7))
        PublicityEntry.create(publicity=last_publicity, application=application)
        Listing.create(subject=subject, rung="municipal", year=last_year, source=ListingSource.MUNICIPAL_REVIEW.value,
                       application=application, listed_on=last_publicity.start_date + timedelta(days=19),
                       created_by=staff)
        PoolEntry.update(status=PoolStatus.LISTED.value).where(PoolEntry.subject == subject).execute()
        subject.rung = Rung.MUNICIPAL.value
        subject.save()
    # Two of them were confirmed by the province this year; one holds the ministry's green code.
    for subject in factories[:2]:
        listing.record_outcome(subject, rung="provincial", year=this_year, listed_on=today - timedelta(days=40),
                               by=staff)
    listing.set_green_code(factories[0], grade="A", year=this_year, by=staff)

    # This year: municipal applications from the pool, each further along.
    candidates = factories[6:14]
    for index, subject in enumerate(candidates):
        agency = evaluated.get(subject.id)
        application = apps.create(subject, this_year, rung="municipal", method="third_party" if agency else "self",
                                  claimed_score=rng.randint(78, 94), national_intent=False, by=staff, agency=agency)
        if index == 7:
            continue  # a draft the enterprise is still filling in
        factory.complete_application(application, by=staff, pdf=_demo_pdf)
        apps.submit(application, by=staff)
        if index == 6:
            apps.return_for_correction(application, reason="评价报告首页基本信息表缺少第三方机构盖章，请补正后重新提交。", by=staff)
            continue
        apps.start_review(application, by=staff)
        scored_by = experts if index < 5 else experts[:1]  # the last under review waits for two experts' scores
        for expert in experts:
            assignment = apps.assign(application, expert, by=staff)
            apps.declare(assignment, conflict=False, reason="", by=expert)
            if expert in scored_by:
                low, high = (70, 79) if index == 4 else (84, 96)
                apps.score(assignment, value=rng.randint(low, high), comments="资料完整，能源管理体系运行有效，建议加强光伏等可再生能源利用。",
                           by=expert)
        if index < 5:
            apps.conclude(application, by=staff)
    publicity = listing.open_publicity(this_year, start_date=today, by=staff)
    publicity.start_date = today - timedelta(days=3)  # opened three days ago, still within the window
    publicity.save()
    first = publicity.entries.first()
    Objection.create(publicity=publicity, application=first.application, name="王某某（实名）", contact="13700001234",
                     content="该企业厂区东侧排污口近期有异味，请核实其环境管理是否达标。")

    # Provincial applications waiting for the city's recommendation (第十四条).
    for subject in factories[2:5] + [s for s in pooled if s.kind == SubjectKind.PARK.value][:1]:
        application = apps.create(subject, this_year, rung="provincial", method="third_party",
                                  claimed_score=rng.randint(85, 95),
                                  national_intent=subject.kind != SubjectKind.PARK.value and rng.random() < 0.5,
                                  by=staff,
                                  agency=evaluated[subject.id])
        factory.complete_application(application, by=staff, pdf=_demo_pdf)
        apps.submit(application, by=staff)


def _load_filing(users):
    """Last year's filing, built and sent today (it locked last year's plan)."""
    from blueprints.filing import operations as filing

    last_year = local_now().year - 1
    # a filing is dated the day it is built (blueprints/filing/operations.date_problem): the demo's is today's
    today = local_now().date()
    record = filing.build(last_year, filing_date=today, by=users["staff"])
    filing.mark_sent(record, sent_on=today, how="省工信厅政务服务平台", by=users["staff"])


def _load_recommendations(users):
    """This year's recommendation round: every provincial applicant ranked, with opinions, signed by the admin."""
    from blueprints.recommend import operations as recommend
    from models import Decision

    today = local_now().date()
    round_ = recommend.open_round(today.year, by=users["staff"])
    for rank, row in enumerate(recommend.ordered(round_), start=1):
        checks = recommend.checks(row.application, today=today)
        decision = Decision.RECOMMEND.value if not recommend.red(checks) else Decision.NOT_RECOMMEND.value
        recommend.decide(row, rank=rank if decision == Decision.RECOMMEND.value else None, decision=decision,
                         opinion=recommend.default_opinion(row.application, check_list=checks,
                                                           decision=decision), exception_reason="", by=users["staff"],
                                                           today=today)
    recommend.sign(round_, by=users["admin"])


def demo_logins_text():
    lines = [f"演示城市：龙江湾市（虚构）。演示账号（密码均为 {DEMO_PASSWORD}）：",
             "  admin 管理员 · staff 经办人 · expert1/expert2/expert3 评审专家 · enterprise 企业 · agency 第三方机构"]
    return "\n".join(lines)


def _load_upkeep(users):
    """Keeping last year's list true: tables filed and reviewed (one still waiting, one missing after the deadline),
    change notices decided and pending, two spot checks, an incident reported and ending in removal (with its public
    notice), and two public reports, one with evidence and one saying why it has none."""
    from datetime import date

    from blueprints.upkeep import operations as upkeep
    from core import uploads
    from models import Agency, AgencyStatus, Listing, ReviewResult

    staff = users["staff"]
    today = local_now().date()
    year = today.year - 1
    listed = [row.subject for row in Listing.select().where(Listing.year == year, Listing.rung == "municipal")
              .order_by(Listing.id)]
    filed_on = date(today.year, 3, 20)
    for index, subject in enumerate(listed[:4]):
        output = 18_000 + index * 9_500
        energy = round(output * (0.062 - index * 0.008), 1)
        values = {"output_value": output, "energy_consumption": energy, "energy_per_output": round(energy / output, 4),
                  "water_use": 12.5 + index * 4, "solid_waste_utilisation": 92.5 + index, "renewable_share": 8 + index * 3,
                  "carbon_emissions": round(energy * 2.46)}
        if index == 3:
            values["energy_per_output"] = 7.2  # typed in the wrong unit: accepted with a warning for review
        late_on = rules.dynamic_report_deadline(year) + timedelta(days=19)
        if index == 2 and late_on <= today:  # 第二十七条: handed in on paper on 18 April: 逾期 19 天, up for removal review
            report, _, _ = upkeep.record_paper_report(subject, year, received_on=late_on,
                                                      raw={k: str(v) for k, v in values.items()},
                                                      by=staff, today=today)
        else:
            report, _, _ = upkeep.file_report(subject, year, raw={k: str(v) for k, v in values.items()}, by=staff,
                                              today=filed_on)
            report.submitted_at = local_now().replace(year=today.year, month=3, day=20 + index)
            report.save()
        if index < 3:
            upkeep.review_report(report, result=ReviewResult.PASS.value,
                                 opinion="经审核，该单位关键指标真实有效，未发现第三十条所列情形，同意保留名单资格。", by=staff)
    upkeep.remind(listed[4:5], year, by=staff)

    renamed = upkeep.declare_change(listed[1], kind="name", description="因集团整合更名，营业执照已换发，生产地址和组织边界未变。",
                                    new_name=listed[1].name.replace("有限公司", "集团有限公司"), by=staff)  # filed on paper
    upkeep.decide_change(renamed, accepted=True, still_meets=True, verification="已核对新营业执照和市场监管部门变更登记通知书。", by=staff)
    upkeep.declare_change(listed[0], kind="scope", description="新增一条低温酸奶生产线，年产能 2 万吨，能耗计入厂区边界。",
                          new_name="", by=users["enterprise"])

    # 第二十九条: spot checks of listed units, one finding something to put right
    upkeep.record_spot_check(listed[0], checked_on=today - timedelta(days=60), method="energy_inspection",
                             inspectors="市节能监察支队 王立新、赵敏",
                             findings="抽查主要用能设备台账和能源计量器具配备情况，单位产值能耗与动态管理表填报一致。", result="compliant",
                             by=staff)
    with db.atomic():
        check = upkeep.record_spot_check(listed[2], checked_on=today - timedelta(days=30), method="onsite",
                                         inspectors="市工信局 张海峰；特邀专家 孙立",
                                         findings="现场核查发现余热回收装置停用，能源管理体系内审记录缺失 2025 年度。",
                                         result="rectify", by=staff)
        uploads.save(_demo_pdf("Spot check record"), "pdf", "现场抽查记录表.pdf", "spot_check", check.id,
                     purpose="抽查材料", user=staff)

    removed = listed[5]
    incident = upkeep.record_incident(removed, occurred_on=today - timedelta(days=25), kind="environment",
                                      grade="major",
                                      source="市生态环境局通报", description="厂区污水处理设施故障导致含油废水外溢进入河道，下游断面指标超标。",
                                      by=staff)
    upkeep.mark_incident_reported(incident, reported_on=incident.occurred_on, by=staff)
    for row in removed.listings.where(Listing.status == "listed"):
        upkeep.remove(row, category="major_incident", reason=f"{incident.occurred_on:%Y年%m月%d日}发生Ⅱ级突发环境事件（第二十九条）。",
                      effective_on=today - timedelta(days=20), by=staff)

    with db.atomic():
        reported = upkeep.submit_complaint(listed[3], None, name="刘建华", contact="13904510088",
                                           matter="该企业动态管理表填报的单位产值能耗与实际用能情况明显不符，附用电量统计截图。",
                                           ip="10.8.1.23", has_evidence=True)
        uploads.save(_demo_pdf("Electricity statistics"), "pdf", "用电量统计截图.pdf", "complaint", reported.id,
                     purpose="佐证材料")
    agency = Agency.select().where(Agency.status == AgencyStatus.APPROVED.value).order_by(Agency.id.desc()).first()
    complaint = upkeep.submit_complaint(None, agency, name="龙江湾市某电镀企业", contact="ljw-plating@example.cn",
                                        matter="该机构为我单位出具评价报告时未到现场核查。", ip="10.8.1.40",
                                        no_evidence_reason="未到现场一事无书面材料，可由我单位当日值班人员作证。")
    upkeep.handle_complaint(complaint, finding="经调阅现场核查记录和照片，该机构按规定开展了现场核查，举报事项不属实。", outcome="unfounded",
                            by=staff)
