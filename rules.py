"""The regulation's rules, in one place.

Source: 《黑龙江省绿色制造与服务体系梯度培育及管理实施细则（征求意见稿）》 (shared/regulation/).
Every constant and checklist cites its article. When the final rules replace the draft, this is
the file that changes; values the versions disagree on are defaults that settings can override.
"""
from datetime import date, timedelta

# 第十八条: 80 and above qualifies; 90 and above is key cultivation toward the national list.
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
# 第七条第一项: a park's industrial value-added share must exceed 50%.
PARK_MIN_VALUE_ADDED_SHARE = 50


def score_band(score, qualifying=QUALIFYING_SCORE, key=KEY_CULTIVATION_SCORE):
    """第十八条: 'key' (≥90, toward national), 'qualified' (≥80), or 'failed'."""
    if score is None:
        return None
    if score >= key:
        return "key"
    if score >= qualifying:
        return "qualified"
    return "failed"


def deadline_in(year, month_day):
    """The date a (month, day) deadline falls on in a given year."""
    month, day = month_day
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
    problems = []
    for key, article, text in eligibility_items(kind):
        result = eligibility_results.get(key)
        if result == "unmet":
            problems.append(f"{article}：不符合（{text}）")
        elif result != "met":
            problems.append(f"{article}：尚未核实（{text}）")
    if kind == "park" and (park_value_added_share is None or park_value_added_share <= PARK_MIN_VALUE_ADDED_SHARE):
        problems.append(f"第七条第一项：园区工业增加值占比须超过 {PARK_MIN_VALUE_ADDED_SHARE}%")
    return problems + veto_problems(veto_results)


class Refused(Exception):
    """An operation refused by a rule; the message (Chinese, citing the article where there is one) is shown."""


# 第十条: the bureau guides each pooled subject to upgrade step by step; 第十二、十三条: it evaluates itself or
# through a third party, then applies. Milestones of a plan item, per kind, with a default due date (month, day)
# in the plan's year.
MILESTONE_TEMPLATES = {
    "factory": (("节能诊断", (3, 31)), ("绿色化改造", (6, 30)), ("自评价或第三方评价", (9, 30)), ("申报", (10, 31))),
    "park": (("园区绿色工厂培育计划发布", (3, 31)), ("循环化改造/绿色微电网建设", (7, 31)),
             ("自评价或第三方评价", (9, 30)), ("申报", (10, 31))),
    "supply_chain": (("供应商绿色工厂培育计划", (3, 31)), ("绿色供应链管理体系建设", (6, 30)),
                     ("自评价或第三方评价", (9, 30)), ("申报", (10, 31))),
}
# The rungs a plan can aim a subject at (the bureau decides the municipal list; the province and ministry above).
TARGET_RUNGS = ("municipal", "provincial", "national")
LADDER_ORDER = ("interest", "pool", "municipal", "provincial", "national")


def rung_rank(rung):
    return LADDER_ORDER.index(rung) if rung in LADDER_ORDER else -1


def target_rung_problem(current_rung, target_rung):
    """A plan may only aim a subject above where it stands now."""
    if target_rung not in TARGET_RUNGS:
        return "目标梯度须为市级、省级或国家级"
    if rung_rank(target_rung) <= rung_rank(current_rung):
        return "目标梯度须高于该对象当前所在梯度"
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
APPLICATION_RUNGS = ("municipal", "provincial", "national")


def missing_materials(kind, present_keys):
    return [label for key, label in APPLICATION_MATERIALS.get(kind, ()) if key not in present_keys]


def application_problems(*, kind, rung, pooled, veto_results, removed_on, held_rungs, today, has_report,
                         present_materials, agency_problem=None):
    """Why an application may not be submitted; empty when it may (第十条、第十四条、第十五条)."""
    problems = []
    if "hit" in veto_results.values():
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
    """The municipal review's final score: the mean of the experts' scores, to one decimal."""
    return round(sum(scores) / len(scores), 1) if scores else None


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


def last_day_of_years(start, years):
    """The last day of a block of `years` years from `start`: the block ends the day before the anniversary (a
    29 February start's anniversary is 1 March)."""
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        anniversary = date(start.year + years, 3, 1)
    return anniversary - timedelta(days=1)


def disqualification_until(decided_on):
    """第二十六条: a disqualified agency's reports are not accepted for three years from the decision; the last day of
    the block (from the third anniversary on they are accepted again)."""
    return last_day_of_years(decided_on, AGENCY_DISQUALIFICATION_YEARS)


def removal_bar_until(removed_on):
    """第十五条第三项: a unit removed from a list may not apply for three years from the removal; the last day barred."""
    return last_day_of_years(removed_on, REMOVAL_BAR_YEARS)


def removal_bar_problem(removed_on, today):
    """Why a unit removed on `removed_on` may not apply `today`, or None."""
    if removed_on is None or today > removal_bar_until(removed_on):
        return None
    return (f"第十五条第三项：{removed_on:%Y年%m月%d日}被移出绿色制造名单，"
            f"三年内（至{removal_bar_until(removed_on):%Y年%m月%d日}）不得申请")


def national_cap_problem(existing_count):
    """第二十四条: at most 15 national evaluation projects a year for agencies sharing one legal representative;
    `existing_count` is how many they already have that year (proposed, active or completed)."""
    if existing_count >= NATIONAL_EVALUATIONS_PER_LEGAL_REP:
        return (f"第二十四条：同一法定代表人的第三方机构本年度国家级评价项目已达 {existing_count} 项，"
                f"不得超过 {NATIONAL_EVALUATIONS_PER_LEGAL_REP} 项")
    return None


CONSULT_AND_EVALUATE_WARNING = "第二十四条：该机构同时为此对象提供咨询和评价服务，请核实是否存在服务搭售或影响评价独立性的情况"


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
REMOVAL_CATEGORIES = (
    ("veto", "第三十条第一项：存在第十五条所列情形"),
    ("no_dynamic_report", "第三十条第二项：拒不按时填报动态管理表"),
    ("falsified", "第三十条第三项：提交材料或数据存在造假"),
    ("major_incident", "第三十条、第二十九条：发生重大及以上安全、质量事故或Ⅱ级以上突发环境事件"),
    ("no_longer_meets", "第三十一条：变更后不再符合相关标准"),
)
CHANGE_KINDS = (("name", "名称变更"), ("scope", "实际生产经营范围变更"), ("address", "生产地址变更"),
                ("boundary", "组织边界变更"))
# 第三十一条: once a subject is in the pool or on a list, these profile fields change only through a declared change
# (变更申报) that the bureau verifies, which keeps the former name; contacts stay self-service.
DECLARED_CHANGE_FIELDS = {"name": "名称", "credit_code": "统一社会信用代码", "kind": "类型", "address": "地址",
                          "energy_efficiency_level": "能效水平"}
# 第二十九条: what must be reported to the province at once.
INCIDENT_KINDS = (("safety", "重大及以上生产安全事故"), ("quality", "重大及以上质量事故"),
                  ("environment", "Ⅱ级（重大）及以上突发环境污染事件"))
# 第三十二条: how a verified report ends.
COMPLAINT_OUTCOMES = (("unfounded", "举报不实"), ("rectify", "责令整改"), ("remove", "移出名单（第二十九条）"),
                      ("disqualify_agency", "取消第三方机构资格（第二十六条）"))
