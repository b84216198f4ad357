"""The regulation's rules, in one place.

Source: 《黑龙江省绿色制造与服务体系梯度培育及管理实施细则（征求意见稿）》 (shared/regulation/).
Every constant and checklist cites its article. When the final rules replace the draft, this is
the file that changes; values the versions disagree on are defaults that settings can override.
"""
import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from core.dates import chinese_date
from core.enums import (
    ChangeKind,
    ComplaintOutcome,
    DisqualificationCategory,
    IncidentGrade,
    IncidentKind,
    RemovalCategory,
    Rung,
    ScoreBand,
    SpotCheckMethod,
    VetoResult,
)

# 第十八条: the qualifying score and the key-cultivation score (toward the national list), "及以上" both.
# Defaults only: the bureau's values are settings.qualifying_score and settings.key_cultivation_score.
QUALIFYING_SCORE = 80
KEY_CULTIVATION_SCORE = 90

# 第二十条: publicity lasts 15 days.
PUBLICITY_DAYS = 15

# 第十四条: the year's plan, pool or municipal list is filed with the province by 31 August.
FILING_DEADLINE = (8, 31)
# 第二十一条: the province recommends to the ministry by 31 July; the city's recommendations come before.
PROVINCE_TO_MINISTRY_DEADLINE = (7, 31)
# 第二十七条: listed units file the dynamic management table by 30 March.
DYNAMIC_REPORT_DEADLINE = (3, 30)
# 第二十五条: agencies send their yearly work report by the end of the year.
AGENCY_REPORT_DEADLINE = (12, 31)

# 第十五条: the veto looks back over the last three years; 第十五条第三项 bars removed subjects.
VETO_LOOKBACK_YEARS = 3
REMOVAL_BAR_YEARS = 3
# 第二十三条第三项: agency staffing.
AGENCY_MIN_MID_LEVEL_STAFF = 10
AGENCY_MIN_SENIOR_STAFF = 5
AGENCY_SENIOR_FIELDS = ("能源", "环境", "生态", "低碳", "生命周期评价")
# 第二十四条: national-rung evaluation projects per legal representative per year.
NATIONAL_EVALUATIONS_PER_LEGAL_REP = 15
# 第二十六条: a disqualified agency's reports are not accepted for three years.
AGENCY_DISQUALIFICATION_YEARS = 3
# 第十条: how many engagements of a year (proposed to completed) an agency takes on when staff have set no capacity
# for it that year (the bureau's working figure; the regulation sets none). The ranking and the batch both count it.
DEFAULT_AGENCY_CAPACITY = 20
# 第十条: an agency invited to an engagement answers within this many days, or the invitation expires. The bureau's
# own working term (the regulation sets none).
INVITATION_REPLY_DAYS = 14
# 第二十四、二十五条: a pass rate at or above this share over at least this many decided evaluations is flagged for
# staff attention (不得承诺保过); it is never rewarded in the ranking.
PASS_RATE_FLAG_MIN_DECIDED = 10
PASS_RATE_FLAG_SHARE = 0.95

# 第十五条: the six veto conditions, each checked per subject (clear / hit / unknown).
VETO_CONDITIONS = (
    ("abnormal_operation", "第十五条第一项", "被市场监督管理部门列入经营异常名录或严重违法失信名单且未被信用修复"),
    ("accident_or_violation", "第十五条第二项", "发生安全（含网络安全、数据安全）、质量、环境污染等事故以及偷漏税等违法违规行为"),
    ("removed_from_list", "第十五条第三项", "被动态调整出绿色制造名单"),
    ("inspection_problem", "第十五条第四项", "在国务院及有关部委相关督查工作中被发现存在严重问题"),
    ("energy_inspection", "第十五条第五项", "被列入工业节能监察整改名单且未按要求完成整改，或拒不接受工业节能监察、节能诊断、工业固体废物资源综合利用评价"),
    ("dishonest_debtor", "第十五条第六项", "企业被列为失信被执行人"),
)
VETO_SOURCES = ("信用中国", "国家企业信用信息公示系统", "中国执行信息公开网", "其他")

# 第六、七、八条: entry conditions per kind, one checklist item each.
ELIGIBILITY_CHECKLISTS = {
    "factory": (
        ("legal_entity", "第六条第一项", "依法设立，具有独立法人资格或视同法人的独立核算单位，且从事实际生产的制造型企业"),
        ("compliance", "第六条第二项", "遵守法律法规、政策和标准，生产经营良好，绩效优于行业平均，质量、环境、安全、能源管理体系健全有效"),
        ("accepts_supervision", "第六条第三项", "主动接受工业节能监察、节能诊断、工业固体废物资源综合利用评价"),
        ("meets_standard", "第六条第四项", "符合绿色工厂相关行业评价标准要求"),
    ),
    "park": (
        ("boundary_and_body", "第七条第一项", "具有法定边界和范围、具备统一管理机构，以产品制造和能源供给为主要功能，工业增加值占比超过50%"),
        ("cultivation_plan", "第七条第二项", "发布园区绿色工厂培育计划，组织园区内企业开展绿色工厂、绿色供应链管理企业创建"),
        ("circular_upgrade", "第七条第三项", "开展循环化改造、建设绿色微电网（重点培育），鼓励创建无废园区、零碳园区"),
        ("meets_standard", "第七条第四项", "符合绿色工业园区有关评价标准要求"),
    ),
    "supply_chain": (
        ("legal_entity_leader", "第八条第一项", "依法设立的独立法人或视同法人的独立核算单位，行业影响力大、在产业链发挥主导作用，积极创建绿色工厂"),
        ("supplier_management", "第八条第二项", "供应商管理体系完善，制定供应商绿色工厂培育计划，推动供应商开展绿色工厂创建"),
        ("accepts_supervision", "第八条第三项", "主动接受工业节能监察、节能诊断"),
        ("meets_standard", "第八条第四项", "符合绿色供应链管理企业相关行业评价标准要求"),
    ),
}
# 第七条第一项: a park's industrial value-added share must exceed 50% ("超过": 50.0 itself does not).
PARK_MIN_VALUE_ADDED_SHARE = 50
PARK_SHARE_ITEM = ("park", "boundary_and_body")
# 第七条第三项: parks doing 循环化改造 or building a 绿色微电网 are cultivated with priority (重点培育), and 无废园区 /
# 零碳园区 are encouraged. "重点培育…鼓励…" ranks parks; it does not bar one from the pool: a priority marker shown on
# the park's page and in the recommendation, not an entry condition.
PRIORITY_ITEMS = {
    "park": {"circular_upgrade": "第七条第三项：重点培育园区（开展循环化改造、建设绿色微电网；鼓励创建无废园区、零碳园区）"},
}


def park_share_problem(share):
    """第七条第一项: why a park's industrial value-added share does not qualify, or None when it exceeds 50%."""
    if share is None:
        return f"第七条第一项：园区须填写工业增加值占比（须超过 {PARK_MIN_VALUE_ADDED_SHARE}%）"
    if share <= PARK_MIN_VALUE_ADDED_SHARE:
        return f"第七条第一项：园区工业增加值占比 {share:g}%，须超过 {PARK_MIN_VALUE_ADDED_SHARE}%"
    return None


def score_band(score, qualifying=QUALIFYING_SCORE, key=KEY_CULTIVATION_SCORE):
    """第十八条: 'key' (key-cultivation score and above, toward national), 'qualified' (qualifying score and above),
    or 'failed'. Compares the score as given: pass the exact mean (final_score), never a rounded one."""
    if score is None:
        return None
    if score >= key:
        return ScoreBand.KEY.value
    if score >= qualifying:
        return ScoreBand.QUALIFIED.value
    return ScoreBand.FAILED.value


def score_band_label(score, values):
    """第十八条: the band of `score` in words, with the thresholds from the bureau's settings (`values` holds
    qualifying_score and key_cultivation_score). The one place a band is put into words."""
    qualifying, key = values["qualifying_score"], values["key_cultivation_score"]
    band = score_band(score, qualifying, key)
    if band is None:
        return "未评分"
    return {ScoreBand.KEY: f"{key} 分及以上，重点培育推荐国家级", ScoreBand.QUALIFIED: f"{qualifying} 分及以上，合格",
            ScoreBand.FAILED: f"低于 {qualifying} 分，不合格"}[band]


def score_display(score):
    """A score as shown: one decimal, rounded half up (84.45 → 84.5). For display only; compare the exact value."""
    if score is None:
        return None
    return Decimal(str(score)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def deadline_in(year, month_day):
    """The date a (month, day) deadline falls on in a given year (a 29 February date set by the bureau falls on the
    28th in other years)."""
    month, day = month_day
    if (month, day) == (2, 29) and not calendar.isleap(year):
        day = 28
    return date(year, month, day)


# 第二十二条: which evaluation standard applies. Factories use the ministry's industry standard where their
# industry has one, else GB/T 36132; parks and supply chains have their own requirements. The table names the
# industries (GB/T 4754 divisions) covered by the ministry's green-factory industry standards; the standard
# numbers are those on the ministry's list (工信部节能司网站), which the bureau keeps current here.
GENERAL_FACTORY_STANDARD = "《绿色工厂评价通则》（GB/T 36132）"
PARK_STANDARD = "《绿色工业园区评价要求》"
SUPPLY_CHAIN_STANDARD = "工业和信息化部发布的绿色供应链管理企业行业指标体系；未发布的行业依据《绿色供应链管理企业评价要求》"
FACTORY_INDUSTRY_STANDARDS = {
    "14": "乳制品等食品行业绿色工厂评价要求（工业和信息化部行业标准）",
    "17": "印染等纺织行业绿色工厂评价要求（工业和信息化部行业标准）",
    "22": "制浆造纸行业绿色工厂评价要求（工业和信息化部行业标准）",
    "25": "石油化工行业绿色工厂评价要求（工业和信息化部行业标准）",
    "26": "化工行业（化肥、氯碱、涂料等）绿色工厂评价要求（工业和信息化部行业标准）",
    "27": "医药行业绿色工厂评价要求（工业和信息化部行业标准）",
    "29": "轮胎行业绿色工厂评价要求（工业和信息化部行业标准）",
    "30": "水泥、平板玻璃、建筑卫生陶瓷行业绿色工厂评价要求（工业和信息化部行业标准）",
    "31": "钢铁行业绿色工厂评价要求（工业和信息化部行业标准）",
    "32": "有色金属（电解铝、铜冶炼等）行业绿色工厂评价要求（工业和信息化部行业标准）",
    "36": "汽车整车制造行业绿色工厂评价要求（工业和信息化部行业标准）",
    "38": "家用电器等电气机械行业绿色工厂评价要求（工业和信息化部行业标准）",
    "39": "电子信息制造业绿色工厂评价要求（工业和信息化部行业标准）",
}


def applicable_standard(kind, industry_code):
    """第二十二条: the evaluation standard for a subject of this kind and industry."""
    if kind == "park":
        return PARK_STANDARD
    if kind == "supply_chain":
        return SUPPLY_CHAIN_STANDARD
    return FACTORY_INDUSTRY_STANDARDS.get(industry_code, GENERAL_FACTORY_STANDARD)


def eligibility_items(kind):
    return ELIGIBILITY_CHECKLISTS.get(kind, ())


def required_eligibility_items(kind):
    """The 第六/七/八条 items a subject must meet to enter the pool: every item but the priority markers."""
    return tuple(item for item in eligibility_items(kind) if item[0] not in PRIORITY_ITEMS.get(kind, {}))


def priority_markers(kind, eligibility_results):
    """The priority markers (第七条第三项) the subject's recorded checks earn it: labels to show, never a refusal."""
    return [label for key, label in PRIORITY_ITEMS.get(kind, {}).items() if eligibility_results.get(key) == "met"]


def eligibility_record_problem(kind, item_key, result, park_value_added_share):
    """Why an item may not be recorded with this result, or None. 第七条第一项 requires a share over 50%: nobody can
    mark it 符合 for a park whose recorded share is 50% or less."""
    if (kind, item_key) == PARK_SHARE_ITEM and result == "met":
        problem = park_share_problem(park_value_added_share)
        if problem:
            return problem + "，不能记为符合"
    return None


def checklist_problems(items, results):
    """Why a checklist of (key, article, text) items is not all met ({key: 'met' / 'unmet' / ...}); empty when it is."""
    problems = []
    for key, article, text in items:
        result = results.get(key)
        if result == "unmet":
            problems.append(f"{article}：不符合（{text}）")
        elif result != "met":
            problems.append(f"{article}：尚未核实（{text}）")
    return problems


def veto_problems(veto_results):
    """第十五条: every veto condition must be checked and clear. veto_results: {condition_key: result}."""
    problems = []
    for key, article, text in VETO_CONDITIONS:
        result = veto_results.get(key)
        if result == "hit":
            problems.append(f"{article}：存在否决情形（{text}）")
        elif result != "clear":
            problems.append(f"{article}：尚未核查（{text}）")
    return problems


def admission_problems(kind, eligibility_results, veto_results, park_value_added_share=None):
    """Why a subject may not enter the pool (第六/七/八条 items met, 第十五条 all clear); empty when it may."""
    problems = checklist_problems(required_eligibility_items(kind), eligibility_results)
    if kind == "park" and (problem := park_share_problem(park_value_added_share)):
        problems.append(problem)
    return problems + veto_problems(veto_results)


class Refused(Exception):
    """An operation refused by a rule; the message (Chinese, citing the article where there is one) is shown. `field`
    names the form field the refusal is about, if it is about one: the view shows the message beside that field."""

    def __init__(self, message="", field=None):
        super().__init__(message)
        self.field = field


# 第十条: the bureau guides each pooled subject to upgrade step by step and organises third-party agencies to work
# with it; 第十二、十三条: it evaluates itself or through a third party, then applies; 第十四、二十条: the lists. The events
# that tick a step by themselves (blueprints/plans/milestones.py): "" is a step staff tick by hand.
MILESTONE_EVENTS = {
    "engagement_accepted": "机构对接",  # an agency accepted the subject's engagement (第十条)
    "evaluation_report": "评价报告",  # the evaluation report was uploaded (第十三条)
    "application_submitted": "申报",  # the application was submitted (第十二条)
    "listed": "入选名单",  # the subject stands on the list of its target rung (第二十条, or the province's/ministry's)
}
# Steps whose event this site records itself (the application, the list as published or recorded here): a date
# typed by hand would make the plan say what the records do not, so only the event sets them.
EVENTS_RECORDED_HERE = ("application_submitted", "listed")


def manual_tick_problem(event):
    """Why a step may not have its done date set or changed by hand, or None."""
    if event in EVENTS_RECORDED_HERE:
        return f"该节点在{MILESTONE_EVENTS[event]}记录后自动完成，不能手工登记或修改完成日期"
    return None


# The first, hands-on steps of each kind (ticked by staff on evidence).
_PREPARATION_STEPS = {
    "factory": ("节能诊断", "绿色化改造"),
    "park": ("园区绿色工厂培育计划发布", "循环化改造/绿色微电网建设"),
    "supply_chain": ("供应商绿色工厂培育计划", "绿色供应链管理体系建设"),
}
_LIST_STEP = {"municipal": "入选市级名单", "provincial": "入选省级名单", "national": "入选国家级名单"}


def _template(kind, rung):
    first, second = _PREPARATION_STEPS[kind]
    steps = [(first, (3, 31), "")]
    if rung != "municipal":  # a provincial or national application rests on a third party's work (第十条、第十三条)
        steps.append(("第三方机构对接", (4, 30), "engagement_accepted"))
    steps += [(second, (6, 30), ""), ("自评价或第三方评价", (9, 30), "evaluation_report"),
              ("申报", (10, 31), "application_submitted"), (_LIST_STEP[rung], (12, 31), "listed")]
    return tuple(steps)


# A plan item's steps per (kind, target rung): (name, default due (month, day) in the plan's year, event key). The
# dates hold for a municipal target in the plan from the start of the year; milestone_schedule moves the others.
MILESTONE_TEMPLATES = {(kind, rung): _template(kind, rung)
                       for kind in _PREPARATION_STEPS for rung in (r.value for r in Rung.lists())}
# The bureau's own lead time, not an article's: a provincial or national applicant's application step (申报) falls
# this many days before the city's recommendation date, so the bureau can review it and form its opinion (第十四条).
APPLICATION_LEAD_DAYS = 15


def milestone_event_of(name):
    """The event key of a template step's name ("" when no template step of that name is ticked by an event)."""
    for steps in MILESTONE_TEMPLATES.values():
        for step_name, _, event in steps:
            if step_name == name:
                return event
    return ""


def milestone_schedule(kind, target_rung, joined_on, year, recommendation_due):
    """A plan item's default milestones [(name, due date, event key)], every date in the plan's `year`.

    The template dates hold for a subject in the plan from the start of the year. For a provincial or national target
    the steps up to the application end APPLICATION_LEAD_DAYS before the city's recommendation date
    (`recommendation_due`, a (month, day) the bureau sets: 第十四条 names no date). A subject added during the year
    (`joined_on`) gets those steps spaced from that day, so none is overdue when it is added; one added after the
    application's date, to the end of the year. The steps after the application (the list) keep their date, never
    before the application's."""
    first_day, last_day = date(year, 1, 1), date(year, 12, 31)
    steps = MILESTONE_TEMPLATES[kind, target_rung]
    applied = next(i for i, (_, _, event) in enumerate(steps) if event == "application_submitted")
    defaults = [(name, deadline_in(year, month_day), event) for name, month_day, event in steps]
    work, after = defaults[:applied + 1], defaults[applied + 1:]
    end = work[-1][1]
    if rung_rank(target_rung) > Rung.MUNICIPAL.rank:
        end = min(end, deadline_in(year, recommendation_due) - timedelta(days=APPLICATION_LEAD_DAYS))
    start = joined_on if joined_on.year == year else first_day  # a past year's plan keeps its template
    if start > end:
        end = last_day
    if not all(start <= due <= end for _, due, _ in work):
        whole, span = (work[-1][1] - first_day).days, (end - start).days
        work = [(name, start + timedelta(days=round(span * (due - first_day).days / whole)), event)
                for name, due, event in work]
    return work + [(name, max(due, work[-1][1]), event) for name, due, event in after]


# A row of the plan dashboard whose assigned items exceed its target this many times over is flagged: the bureau's
# own rule of thumb (no article sets it) that a target is being over-committed, and staff time with it.
ASSIGNED_FAR_ABOVE_FACTOR = 1.5


def assigned_far_above_target(assigned, target):
    """Whether `assigned` plan items are far above a `target` count (a row with no target and some assigned is)."""
    return assigned > ASSIGNED_FAR_ABOVE_FACTOR * target if target else assigned > 0


# The rungs a plan can aim a subject at (the bureau decides the municipal list; the province and ministry above).
TARGET_RUNGS = tuple(r.value for r in Rung.lists())
LADDER_ORDER = Rung.values()


def rung_rank(rung):
    return LADDER_ORDER.index(rung) if rung in LADDER_ORDER else -1


def target_rung_problem(current_rung, target_rung):
    """A plan may only aim a subject above where it stands now."""
    if target_rung not in TARGET_RUNGS:
        return "目标梯度须为市级、省级或国家级"
    if rung_rank(target_rung) <= rung_rank(current_rung):
        return "目标梯度须高于该对象当前所在梯度"
    return None


# 第十条、第十四条: the plan the city files states its goals, targets, measures and the subjects it cultivates; a plan
# missing any of these is not approved (an empty part would be filed as "（未填写）").
PLAN_REQUIRED_PARTS = (("goals", "培育目标"), ("targets", "目标数"), ("measures", "工作措施和支持政策"),
                       ("items", "培育对象"))


def plan_missing_parts(goals, target_total, measures, item_count):
    """The titles of the plan's required parts that are empty, in the document's order."""
    present = {"goals": bool((goals or "").strip()), "targets": target_total > 0,
               "measures": bool((measures or "").strip()), "items": item_count > 0}
    return [title for key, title in PLAN_REQUIRED_PARTS if not present[key]]


# 第十条: a plan item names a subject of the pool and aims it above where it stands.
def plan_item_problem(in_pool, current_rung, target_rung):
    """Why an item cannot stand in the plan as filed, or None."""
    if not in_pool:
        return "不在培育库中（第十条：培育计划针对培育库中的对象）"
    if rung_rank(target_rung) <= rung_rank(current_rung):
        return "已达到目标梯度，目标须高于当前梯度"
    return None


# 第十二条: an application carries the application report and its materials; the evaluation report (第十三条),
# whose first page is the 基本信息表, is uploaded on its own. Per kind, the materials checklist.
APPLICATION_MATERIALS = {
    "factory": (("application_report", "申请报告"), ("license", "营业执照"),
                ("management_systems", "质量、环境、能源管理体系运行证明"),
                ("commitment", "近三年无第十五条所列情形的承诺书")),
    "park": (("application_report", "申请报告"), ("establishment", "园区设立批复及四至范围"),
             ("cultivation_plan", "园区绿色工厂培育计划"), ("commitment", "近三年无第十五条所列情形的承诺书")),
    "supply_chain": (("application_report", "申请报告"), ("license", "营业执照"),
                     ("supplier_plan", "供应商绿色工厂培育计划"), ("commitment", "近三年无第十五条所列情形的承诺书")),
}
APPLICATION_RUNGS = tuple(r.value for r in Rung.lists())
# What each stored application file is, by the key kept in Document.purpose (shown wherever a file is listed).
MATERIAL_TITLES = {"evaluation_report": "评价报告",
                   **{key: title for materials in APPLICATION_MATERIALS.values() for key, title in materials}}


def material_title(purpose):
    """A stored file's purpose as a person reads it: a material key's title, a free-text purpose as written."""
    return MATERIAL_TITLES.get(purpose, purpose or "")


def missing_materials(kind, present_keys):
    return [label for key, label in APPLICATION_MATERIALS.get(kind, ()) if key not in present_keys]


def application_problems(*, kind, rung, pooled, veto_results, removed_on, held_rungs, today, has_report,
                         present_materials, agency_problem=None, veto_gate=None):
    """Why an application may not be submitted; empty when it may (第十条、第十四条、第十五条)."""
    problems = []
    if veto_gate is not None:  # 第十五条 at the door, computed by veto_gate_problems (own and park members' checks)
        problems += list(veto_gate)
    elif "hit" in veto_results.values():
        problems.append("第十五条：近三年存在否决情形，不得申请")
    if barred := removal_bar_problem(removed_on, today):
        problems.append(barred)
    if rung == "municipal" and not pooled:
        problems.append("第十条：市级名单的申报对象须已纳入市级培育库")
    if rung in held_rungs:
        problems.append("已在该级名单中，不能重复申报")
    if not has_report:
        problems.append("第十三条：请上传评价报告（PDF 或 Word）")
    missing = missing_materials(kind, present_materials)
    if missing:
        problems.append("申报材料不全：" + "、".join(missing))
    if agency_problem:
        problems.append(agency_problem)
    return problems


def final_score(scores):
    """The municipal review's final score: the exact mean of the experts' scores, as a Decimal. 第十八条 compares
    this unrounded mean (five scores of 79.99 do not qualify); score_display rounds it for showing only."""
    if not scores:
        return None
    return sum(Decimal(str(score)) for score in scores) / len(scores)


def publicity_end(start):
    """第二十条: 15 days of publicity. The start day is not counted (《民法典》第二百零一条), so a publicity
    starting on 1 June runs to the end of 16 June."""
    return start + timedelta(days=PUBLICITY_DAYS)


def in_publicity_window(start, today):
    return start <= today <= publicity_end(start)


# 第二十一条: what the province looks for when it recommends to the ministry.
ENERGY_PRIORITY_LEVELS = ("标杆水平", "1级")  # energy-efficiency benchmark, or limit-standard advanced value / level 1
SUPPLY_CHAIN_PRIORITY_INDUSTRIES = {"36": "汽车", "34": "机械", "35": "机械", "39": "电子、通信制造", "17": "纺织",
                                    "18": "纺织"}


def national_facts(kind, industry_code, energy_level, park_green_factories, supplier_green_factories):
    """第二十一条 facts shown beside a provincial application (information, not a refusal)."""
    if kind == "factory":
        return [("能效水平", energy_level or "未填报", energy_level in ENERGY_PRIORITY_LEVELS)]
    if kind == "park":
        return [("园区内绿色工厂数量", "未填报" if park_green_factories is None else f"{park_green_factories} 家",
                 bool(park_green_factories))]
    industry = SUPPLY_CHAIN_PRIORITY_INDUSTRIES.get(industry_code)
    return [("优先行业", industry or "非优先行业", industry is not None),
            ("供应商中绿色工厂数量", "未填报" if supplier_green_factories is None else f"{supplier_green_factories} 家",
             bool(supplier_green_factories))]


OPINION_TEMPLATE_RECOMMEND = ("经我局初步审查，{name}（统一社会信用代码：{code}）{facts}，评价得分 {score} 分，"
                              "符合{standard}要求，同意推荐。")
OPINION_TEMPLATE_NOT_RECOMMEND = "经我局初步审查，{name}（统一社会信用代码：{code}）{problems}，暂不予推荐。"


def agency_staffing_problems(mid_level, senior):
    """第二十三条第三项: ≥10 full-time staff with a mid-level title or above, of whom ≥5 senior in energy,
    environment, ecology, low-carbon or life-cycle assessment. Empty when met."""
    problems = []
    if mid_level < AGENCY_MIN_MID_LEVEL_STAFF:
        problems.append(f"第二十三条第三项：中级职称以上专职人员 {mid_level} 人，少于 {AGENCY_MIN_MID_LEVEL_STAFF} 人")
    if senior < AGENCY_MIN_SENIOR_STAFF:
        problems.append(f"第二十三条第三项：相关专业高级职称人员 {senior} 人，少于 {AGENCY_MIN_SENIOR_STAFF} 人")
    return problems


# 第二十三条: the agency's basic conditions. Items (一)(二)(四)(五) are facts staff check against evidence, one row
# per item like a subject's eligibility rows; item (三) is the staffing counts (agency_staffing_problems).
AGENCY_CONDITIONS = (
    ("legal_entity", "第二十三条第一项", "在中华人民共和国境内注册并具有独立法人资格的企事业单位、行业协会等，具有开展相关评价的经验和能力"),
    ("office_and_finance", "第二十三条第二项", "具有固定的办公场所及开展评价工作的办公条件，具有健全的财务管理制度"),
    ("law_and_procedure", "第二十三条第四项", "评价机构人员遵守国家法律法规和评价程序，熟悉绿色制造相关政策和标准规范"),
    ("capability_and_record", "第二十三条第五项", "具备开展绿色工厂、绿色工业园区、绿色供应链等领域评价的能力，近五年主导或参与绿色制造相关"
                                                "评审、论证、评价或省级以上科研项目，或国家及行业标准制定、绿色制造相关政策制定等"),
)
# 第二十四条: what an agency must not do; it declares so when it registers and again on accepting each engagement.
AGENCY_BANNED_PRACTICES = ("与培育对象签订对赌协议", "承诺保过", "认证服务搭售评价", "其他扰乱培育咨询评价服务市场的行为")
AGENCY_DECLARATION = ("本机构承诺（第二十四条）：不与培育对象签订对赌协议，不承诺保过，不以认证服务搭售评价，"
                      "不从事其他扰乱培育咨询评价服务市场的行为；如经查实存在上述行为，接受取消评价资格的处理（第二十六条）。")
# 第二十六条 (with 第二十四条): the reason an agency is disqualified, as a category.
DISQUALIFICATION_CATEGORIES = tuple(DisqualificationCategory.choices())


def agency_condition_problems(condition_results):
    """第二十三条第一、二、四、五项: each item recorded as met (results {item_key: 'met' / 'unmet' / ...})."""
    return checklist_problems(AGENCY_CONDITIONS, condition_results)


def agency_qualification_problems(*, condition_results, mid_level, senior, platform_registration_no,
                                  platform_approved, declared):
    """Why an agency may not be recognised (第二十三条 items in order, then 第二十四条); empty when it may."""
    conditions = agency_condition_problems(condition_results)
    problems = conditions[:2] + agency_staffing_problems(mid_level, senior) + conditions[2:]
    if not platform_registration_no or not platform_approved:
        problems.append("第二十四条：须在工业节能与绿色发展管理平台注册，上传资质证明材料并通过审核")
    if not declared:
        problems.append("第二十四条：机构尚未承诺不签订对赌协议、不承诺保过、不以认证服务搭售评价")
    return problems


def agency_blocked_reason(status, disqualified_until, today, status_label=""):
    """第二十六条: why an agency may not take on or carry out work now, or None. Its status ('approved', 'pending',
    'rejected', 'suspended', 'disqualified') and the last day of a disqualification are the facts."""
    if status == "disqualified":
        if disqualified_until and today <= disqualified_until:
            return f"第二十六条：已取消资格，至{chinese_date(disqualified_until)}（含）不采信其评价报告"
        return "已取消资格（三年期满，须重新审核认可）"
    if status == "suspended":
        return "机构已被暂停"
    if status != "approved":
        return f"机构尚未认可（{status_label or status}）"
    return None


def reapproval_problem(status, disqualified_until, today):
    """第二十六条: a disqualified agency is not recognised again within three years of the decision."""
    if status == "disqualified" and disqualified_until and today <= disqualified_until:
        return f"第二十六条：取消资格三年内不得重新认可（至 {disqualified_until}）"
    return None


def evaluation_agency_problem(*, agency_name, status, disqualified_until, engaged, today):
    """第十三、二十六条: a third-party evaluation needs an agency (agency_name None: none chosen) that is not within a
    disqualification nor suspended and has an active or completed evaluation engagement with the subject (`engaged`)."""
    if agency_name is None:
        return "第十三条：第三方评价须选择评价机构"
    if status == "disqualified" and disqualified_until and today <= disqualified_until:
        return f"第二十六条：{agency_name} 已被取消资格，其评价报告不予采信"
    if status == "suspended":
        return f"第二十六条：{agency_name} 已被暂停，暂停期间不能以其评价报告申报"
    if not engaged:
        return f"第十三条：{agency_name} 与本对象没有进行中或已完成的评价对接"
    return None


def last_day_of_years(start, years):
    """The last day of a period of `years` years counted from the day `start` (a decision, a removal).

    《民法典》第二百零一条: the day it starts is not counted, the period runs from the next day; 第二百零二条: a period
    of years ends on the corresponding day of the last year, or on the last day of that month where there is none.
    So a three-year bar from 10 May 2026 runs to 10 May 2029 included, one from 29 February 2024 to 28 February 2027
    - the same reckoning as 近三年 counted back from a check (veto_lookback_start)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February: no corresponding day, the month's last day
        return date(start.year + years, 2, 28)


def disqualification_until(decided_on):
    """第二十六条: a disqualified agency's reports are not accepted for three years from the decision; the last day of
    the block (the third anniversary, included: last_day_of_years)."""
    return last_day_of_years(decided_on, AGENCY_DISQUALIFICATION_YEARS)


def removal_bar_until(removed_on):
    """第十五条第三项: a unit removed from a list may not apply for three years from the removal; the last day barred."""
    return last_day_of_years(removed_on, REMOVAL_BAR_YEARS)


def removal_bar_problem(removed_on, today):
    """Why a unit removed on `removed_on` may not apply `today`, or None."""
    if removed_on is None or today > removal_bar_until(removed_on):
        return None
    return (f"第十五条第三项：{removed_on:%Y年%m月%d日}被移出绿色制造名单，"
            f"三年内（至{chinese_date(removal_bar_until(removed_on))}（含））不得申请")


def invitation_overdue(reply_by, today):
    """An invitation (第十条) is answered by its reply-by day, that day included; after it, it expires unanswered."""
    return reply_by is not None and today > reply_by


def national_cap_problem(existing_count):
    """第二十四条: at most 15 national evaluation projects a year for agencies sharing one legal representative;
    `existing_count` is how many they already have that year (proposed, active or completed)."""
    if existing_count >= NATIONAL_EVALUATIONS_PER_LEGAL_REP:
        return (f"第二十四条：同一法定代表人的第三方机构本年度国家级评价项目已达 {existing_count} 项，"
                f"不得超过 {NATIONAL_EVALUATIONS_PER_LEGAL_REP} 项")
    return None


CONSULT_AND_EVALUATE_WARNING = "第二十四条：该机构同时为此对象提供咨询和评价服务，请核实是否存在服务搭售或影响评价独立性的情况"

# The marks a ranked agency row carries before staff choose it (第十条、第二十四条). CONSULTED_MARK, DECLINED_MARK,
# EXPIRED_MARK, ENGAGED_ELSEWHERE_MARK, OBJECTED_MARK and capacity_problem make the choice need a stored reason even
# when the row is ranked first (the batch method never proposes such a row); so does any row but the recommended one,
# the first offered row without such a mark (CHOICE_REASON_NEEDED).
CONSULTED_MARK = "第二十四条：该机构为此对象提供咨询，选其评价须说明理由"
EVALUATED_MARK = "第二十四条：该机构为此对象提供评价，请核实不存在服务搭售"
DECLINED_MARK = "本年度曾拒绝该对象的邀请"
EXPIRED_MARK = "本年度对该对象的邀请逾期未答复"
ENGAGED_ELSEWHERE_MARK = "该对象本年度已有同类对接（{agencies}）"
ALREADY_ENGAGED = "本年度已与该对象有同类对接"
CHOICE_REASON_NEEDED = "所选机构不是推荐的机构，请填写选择理由"
# 第十条、第十二条: the enterprise commissions and pays the agency: its stated objection is a mark needing a reason;
# its preference is shown beside the fit (it does not change the rank)
OBJECTED_MARK = "企业有异议：{reason}"
PREFERRED_NOTE = "企业倾向委托：{reason}"
CHOICE_REASON_NEEDED_MARKED = "所选机构有需说明的情形（{marks}），请填写选择理由"


def national_cap_mark(used):
    """第二十四条: the legal representative's national evaluations of the year, as shown on a ranked row."""
    return f"国家级评价 {used}/{NATIONAL_EVALUATIONS_PER_LEGAL_REP}（同一法定代表人）"


def capacity_problem(load, capacity):
    """The agency's engagements of the year against its capacity for the year: a mark when it is full, so that
    choosing it needs a reason; None otherwise."""
    if load >= capacity:
        return f"本年度已满负荷（{load}/{capacity} 项）"
    return None


def pass_rate_flag(passed, decided):
    """第二十四条（不得承诺保过）、第二十五条: a very high pass rate over many decided evaluations is flagged for staff
    attention, never rewarded; "" when there is nothing to flag."""
    if decided >= PASS_RATE_FLAG_MIN_DECIDED and passed >= PASS_RATE_FLAG_SHARE * decided:
        return "通过率异常偏高，请关注（第二十四条：不得承诺保过）"
    return ""


# 第二十七条: the key indicators of the dynamic management table, per kind: (key, label, unit, plausible range).
# Values must be numbers ≥ 0; outside the plausible range they are accepted with a warning to check them.
DYNAMIC_INDICATORS = {
    "factory": (
        ("output_value", "工业总产值", "万元", (0, 10_000_000)),
        ("energy_consumption", "综合能源消费量", "吨标准煤", (0, 5_000_000)),
        ("energy_per_output", "单位产值综合能耗", "吨标准煤/万元", (0, 5)),
        ("water_use", "取水量", "万立方米", (0, 50_000)),
        ("solid_waste_utilisation", "工业固体废物综合利用率", "%", (0, 100)),
        ("renewable_share", "可再生能源使用比例", "%", (0, 100)),
        ("carbon_emissions", "二氧化碳排放量", "吨", (0, 20_000_000)),
    ),
    "park": (
        ("industrial_value_added", "工业增加值", "万元", (0, 50_000_000)),
        ("energy_per_value_added", "单位工业增加值能耗", "吨标准煤/万元", (0, 5)),
        ("water_per_value_added", "单位工业增加值用水量", "立方米/万元", (0, 500)),
        ("green_factories", "园区内绿色工厂数量", "家", (0, 1000)),
        ("renewable_share", "可再生能源使用比例", "%", (0, 100)),
        ("solid_waste_utilisation", "工业固体废物综合利用率", "%", (0, 100)),
    ),
    "supply_chain": (
        ("output_value", "营业收入", "万元", (0, 100_000_000)),
        ("green_suppliers", "绿色供应商数量", "家", (0, 100_000)),
        ("green_procurement_share", "绿色采购金额占比", "%", (0, 100)),
        ("recycling_rate", "产品回收利用率", "%", (0, 100)),
        ("carbon_emissions", "二氧化碳排放量", "吨", (0, 20_000_000)),
    ),
}


def dynamic_report_deadline(year_reported):
    """第二十七条: the table for a year is due by 30 March of the next year."""
    return deadline_in(year_reported + 1, DYNAMIC_REPORT_DEADLINE)


def dynamic_report_days_late(year_reported, received_on):
    """第二十七条: how many days after 30 March of the next year the table on `year_reported` was received; 0 when
    it came on or before the deadline. The day it was received decides (a paper table's receipt date, not the day
    it was keyed in)."""
    return max(0, (received_on - dynamic_report_deadline(year_reported)).days)


def dynamic_report_timeliness(year_reported, received_on):
    """"按时" or "逾期 N 天" (第二十七条), as shown wherever a table appears."""
    days = dynamic_report_days_late(year_reported, received_on)
    return f"逾期 {days} 天" if days else "按时"


def dynamic_report_check(owes, year_reported, received_on, late_reason, today):
    """第二十七条、第三十条第二项: (ok, detail) for "the table on `year_reported` was filed on time, or the bureau
    recorded a reason". `owes`: the unit was on a list that year; `received_on`: None when nothing was received."""
    deadline = dynamic_report_deadline(year_reported)
    if not owes:
        return True, f"{year_reported}年度不在名单中，无需填报"
    if received_on is None:
        if today <= deadline:
            return True, f"{year_reported}年度动态管理表尚未填报，截止日期 {deadline:%Y年%m月%d日} 未到"
        if late_reason:
            return True, f"{year_reported}年度动态管理表未填报（已记录理由：{late_reason}）"
        return False, f"{year_reported}年度动态管理表未填报（截止 {deadline:%Y年%m月%d日}），拟按第三十条第二项审查移出"
    timeliness = dynamic_report_timeliness(year_reported, received_on)
    if timeliness == "按时":
        return True, f"{year_reported}年度动态管理表按时填报（{received_on:%Y年%m月%d日}收到）"
    if late_reason:
        return True, f"{year_reported}年度动态管理表{timeliness}（已记录理由：{late_reason}）"
    return False, f"{year_reported}年度动态管理表{timeliness}（{received_on:%Y年%m月%d日}收到），未记录理由"


def indicator_problems(kind, raw):
    """(values, errors, warnings) for the submitted indicator texts {key: text}: errors refuse, warnings advise."""
    values, errors, warnings = {}, {}, []
    for key, label, unit, (low, high) in DYNAMIC_INDICATORS[kind]:
        text = (raw.get(key) or "").strip().replace(",", "")
        try:
            value = float(text)
        except ValueError:
            errors[key] = f"{label}须填写数字（单位：{unit}）"
            continue
        if value != value or value in (float("inf"), float("-inf")):
            errors[key] = f"{label}须填写数字（单位：{unit}）"
        elif value < 0:
            errors[key] = f"{label}不能为负数"
        else:
            values[key] = value
            if not low <= value <= high:
                warnings.append(f"{label} {value:g} {unit} 超出常见范围（{low:g}–{high:g}），请核实")
    return values, errors, warnings


# 第三十条 (and 第二十九、三十一条): why a unit is removed from a list.
REMOVAL_CATEGORIES = tuple(RemovalCategory.choices())
CHANGE_KINDS = tuple(ChangeKind.choices())  # 第三十一条
# 第三十一条: once a subject is in the pool or on a list, these profile fields change only through a declared change
# (变更申报) that the bureau verifies, which keeps the former name; contacts stay self-service.
DECLARED_CHANGE_FIELDS = {"name": "名称", "credit_code": "统一社会信用代码", "kind": "类型", "address": "地址",
                          "energy_efficiency_level": "能效水平"}
# 第二十九条: what must be reported to the province at once.
INCIDENT_KINDS = tuple(IncidentKind.choices())
INCIDENT_NOUNS = {"safety": "生产安全事故", "quality": "质量事故", "environment": "突发环境污染事件"}
# 第二十九条: the grade of an accident or incident (the national grading: 特别重大/重大/较大/一般, for environmental
# incidents Ⅰ–Ⅳ级). 重大 and above is what the article has reported to the province at once; the lower grades are kept
# on record by the bureau. The grades themselves are core.enums.IncidentGrade.
INCIDENT_REPORTABLE_GRADES = tuple(g.value for g in IncidentGrade if g.reportable)


def incident_reportable(grade):
    """第二十九条: whether an incident of this grade goes to the province at once (重大 / Ⅱ级 and above)."""
    return grade in INCIDENT_REPORTABLE_GRADES


# 第二十九条: how the bureau checks a listed unit on site (不定期现场抽查复核, by energy inspection and other means).
SPOT_CHECK_METHODS = tuple(SpotCheckMethod.choices())


def complaint_evidence_problem(has_file, reason):
    """第三十二条: a real-name report comes with evidence (佐证材料); without a file, the reporter says why it cannot
    be attached. Returns the message shown beside the evidence field, or None."""
    if has_file or (reason or "").strip():
        return None
    return "第三十二条：请上传佐证材料，或说明无法提供的原因"


# 第三十二条: how a verified report ends.
COMPLAINT_OUTCOMES = tuple(ComplaintOutcome.choices())


# --- 第十五条 at every door: 不得申请、推荐和列入 ------------------------------------------------------------------
# A hit within 近三年, or a check older than the bureau's freshness setting (settings.veto_check_max_age_days),
# refuses submitting an application, concluding a review as passed, publishing into the municipal list, recommending
# and signing a round that recommends. No written reason overrides it. For a park, 第十五条 says 含园区内企业: the
# newest checks of its member enterprises count as well (a member's hit is named).

VETO_DOORS = {  # door: (what 第十五条 forbids, what a fresh check allows)
    "apply": ("不得申请", "申请"),
    "list": ("不得列入绿色制造名单", "列入名单"),
    "recommend": ("不得推荐", "推荐"),
}


@dataclass(frozen=True)
class VetoFact:
    """The newest recorded check of one 第十五条 condition: of the subject itself, or (member set) of a park member."""

    condition_key: str
    result: str  # clear / hit / unknown (models.VetoResult)
    checked_on: date
    event_on: date | None = None  # the date of the event a hit found; None: none found (or a hit recorded before 014)
    source: str = ""
    member: str = ""  # the member enterprise's name (第十五条：含园区内企业); "" for the subject itself


def veto_lookback_start(checked_on):
    """第十五条 近三年: the earliest event date a check made on `checked_on` still counts. Counted back by calendar
    from the check date (《民法典》第二百零二条: the corresponding day ends a period of years), so an event exactly three
    years before the check counts and one a day earlier does not; from 29 February the corresponding day is 1 March."""
    try:
        return checked_on.replace(year=checked_on.year - VETO_LOOKBACK_YEARS)
    except ValueError:  # 29 February
        return date(checked_on.year - VETO_LOOKBACK_YEARS, 3, 1)


def veto_hit_counts(fact):
    """A hit counts when its event lies within 近三年 of the check date; a hit recorded without its event date
    (rows from before the date was asked for) counts, as nobody can show it is older."""
    if fact.result != "hit":
        return False
    return fact.event_on is None or fact.event_on >= veto_lookback_start(fact.checked_on)


def veto_effective_result(fact):
    """clear / hit / unknown as 第十五条 reads it: a hit older than three years is 近三年未发现 (clear)."""
    if fact.result == "hit" and not veto_hit_counts(fact):
        return "clear"
    return fact.result


def veto_stale(checked_on, today, max_age_days):
    """The bureau's freshness setting: a check older than `max_age_days` no longer vouches for today."""
    return (today - checked_on).days > max_age_days


def _veto_hit_text(fact):
    article, text = VETO_CONDITION_TEXT[fact.condition_key]
    event = f"事件日期 {fact.event_on:%Y年%m月%d日}" if fact.event_on else "事件日期未记录"
    where = f"，{fact.source}" if fact.source else ""
    return article, f"{text}（{event}{where}，{fact.checked_on:%Y年%m月%d日}核查）"


def veto_gate_problems(own, members=(), *, today, max_age_days, door, require_complete=False):
    """第十五条: why the subject may not pass `door` (a key of VETO_DOORS); empty when it may.

    `own`: VetoFacts of the subject's newest check per condition; `members`: those of its park members. A counting
    hit blocks (a member's names the member); so does an own check older than `max_age_days`; with
    `require_complete`, so does a condition never checked or recorded as 未核查 (the recommendation checklist)."""
    forbidden, action = VETO_DOORS[door]
    problems = []
    latest = {fact.condition_key: fact for fact in own}
    for key, _, _ in VETO_CONDITIONS:
        fact = latest.get(key)
        if fact is not None and veto_hit_counts(fact):
            article, text = _veto_hit_text(fact)
            problems.append(f"{article}：近三年存在否决情形——{text}，{forbidden}")
    for fact in sorted(members, key=lambda f: (f.member, VETO_ORDER.get(f.condition_key, 99))):
        if veto_hit_counts(fact):
            article, text = _veto_hit_text(fact)
            problems.append(f"{article}（含园区内企业）：园区内企业「{fact.member}」近三年存在否决情形——{text}，"
                            f"园区{forbidden}")
    stale = [f"{VETO_CONDITION_TEXT[key][0]}（{latest[key].checked_on:%Y年%m月%d日}核查）"
             for key, _, _ in VETO_CONDITIONS
             if key in latest and veto_stale(latest[key].checked_on, today, max_age_days)]
    if stale:
        problems.append(f"第十五条：否决情形核查已超过有效期（{max_age_days} 天）：{'、'.join(stale)}，"
                        f"须重新核查后方可{action}")
    if require_complete:
        unchecked = [article for key, article, _ in VETO_CONDITIONS
                     if key not in latest or latest[key].result not in (VetoResult.CLEAR, VetoResult.HIT)]
        if unchecked:
            problems.append(f"第十五条：尚未核查{'、'.join(unchecked)}，须核查后方可{action}")
    return problems


VETO_CONDITION_TEXT = {key: (article, text) for key, article, text in VETO_CONDITIONS}
VETO_ORDER = {key: n for n, (key, _, _) in enumerate(VETO_CONDITIONS)}


def removal_review_problems(own, members=()):
    """第三十条第一项: a listed unit with a counting 第十五条 hit (its own or, for a park, a member's) is up for
    removal review; the hits, named. Freshness does not matter here: a finding is a finding."""
    found = []
    for fact in [*own, *members]:
        if veto_hit_counts(fact):
            article, text = _veto_hit_text(fact)
            found.append(f"{'园区内企业「' + fact.member + '」' if fact.member else ''}{article}：{text}")
    return found


# --- the recommendation checklist (第十四、十五、十八、二十一、二十四、二十六条) -------------------------------------
# A pure function over facts: recommend/operations gathers RecommendationFacts, recommendation_checks() returns the
# checks. To add a check (e.g. 第二十七条's dynamic table): give RecommendationFacts the fact it needs, write a
# function facts → Check (or None, or a list) below, and put it into RECOMMENDATION_CHECKS before the informative ones.


@dataclass
class Check:
    title: str
    article: str
    ok: bool
    detail: str
    informative: bool = False  # shown, but not a condition (第二十一条 facts)
    # A written reason may override a red check only where the article leaves it to judgement: 第十四条 says the
    # recommended are 原则上 pooled or listed. 第十五条 (不得推荐) and a report from an agency barred under 第二十六条
    # are never overridden; nor are materials (第十二条) or the score (第十八条).
    overridable: bool = False


@dataclass(frozen=True)
class RecommendationFacts:
    today: date
    kind: str
    industry_code: str = ""
    energy_level: str = ""
    pooled: bool = False
    listed: bool = False
    vetoes: tuple = ()  # VetoFacts of the subject's newest checks
    member_vetoes: tuple = ()  # VetoFacts of a park's members' newest checks
    veto_max_age_days: int = 180
    missing_materials: tuple = ()  # labels, the evaluation report included when absent
    claimed_score: float | None = None
    score_band: str | None = None  # score_band() with the bureau's thresholds
    score_band_text: str = ""
    third_party: bool = False
    agency_name: str | None = None
    agency_status_label: str = ""
    agency_approved: bool = False
    agency_problem: str | None = None  # evaluation_agency_problem(), None when none
    agency_barred: bool = False  # 第二十六条: disqualified, its reports not accepted for three years
    dynamic_table: tuple | None = None  # 第二十七、三十条: (title, article, ok, detail), None when no table was owed
    park_green_factories: int | None = None
    supplier_green_factories: int | None = None
    national_intent: bool = False


def _membership_check(f):
    return Check("已纳入市级培育库或市级名单", "第十四条", f.pooled or f.listed,
                 "市级名单" if f.listed else ("培育库" if f.pooled else "既不在培育库也不在市级名单"),
                 overridable=True)


def _veto_check(f):
    problems = veto_gate_problems(f.vetoes, f.member_vetoes, today=f.today, max_age_days=f.veto_max_age_days,
                                  door="recommend", require_complete=True)
    if problems:
        return Check("否决项均未发现且在有效期内核查", "第十五条", False, "；".join(problems))
    oldest = min(v.checked_on for v in f.vetoes)
    old_hits = [v for v in [*f.vetoes, *f.member_vetoes] if v.result == "hit"]
    note = f"（另有 {len(old_hits)} 项情形发生于三年以前，不计入）" if old_hits else ""
    return Check("否决项均未发现且在有效期内核查", "第十五条", True,
                 f"近三年均未发现{note}；最早核查于 {oldest}（有效期 {f.veto_max_age_days} 天）")


def _materials_check(f):
    return Check("申报材料齐全", "第十二条", not f.missing_materials,
                 "缺：" + "、".join(f.missing_materials) if f.missing_materials else "齐全")


def _score_check(f):
    score = f.claimed_score if f.claimed_score is not None else "—"
    return Check("评价得分达到合格线", "第十八条", f.score_band in (ScoreBand.QUALIFIED, ScoreBand.KEY),
                 f"{score} 分（{f.score_band_text or '未填报得分'}）")


def _agency_check(f):
    if not f.third_party:
        return None
    ok = f.agency_approved and not f.agency_problem and not f.agency_barred
    detail = f.agency_problem or (f"{f.agency_name}（{f.agency_status_label}）" if f.agency_name else "未选择机构")
    return Check("评价机构已认可且未被取消资格", "第二十四、二十六条", ok, detail)


def _dynamic_table_check(f):
    """第二十七条、第三十条第二项: last year's dynamic table filed on time (or a late reason recorded in upkeep)."""
    return Check(*f.dynamic_table) if f.dynamic_table else None


def _national_checks(f):
    rows = [Check(title, "第二十一条", good, value, informative=True)
            for title, value, good in national_facts(f.kind, f.industry_code, f.energy_level,
                                                     f.park_green_factories, f.supplier_green_factories)]
    rows.append(Check("有意愿创建国家级", "第二十一条", f.national_intent, "是" if f.national_intent else "否",
                      informative=True))
    return rows


RECOMMENDATION_CHECKS = (_membership_check, _veto_check, _materials_check, _score_check, _agency_check,
                         _dynamic_table_check,
                         # conditions above this line, informative facts below
                         _national_checks)


def recommendation_checks(facts, checks=RECOMMENDATION_CHECKS):
    """The recommendation checklist for one application, computed from its facts."""
    result = []
    for check in checks:
        produced = check(facts)
        if produced is None:
            continue
        result.extend(produced if isinstance(produced, list) else [produced])
    return result


def blocking_checks(check_list):
    """The red checks no written reason overrides (第十五条, 第二十六条 …)."""
    return [c for c in check_list if not c.ok and not c.informative and not c.overridable]
