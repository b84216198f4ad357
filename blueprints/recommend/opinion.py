"""The wording of a recommendation opinion (第十四、十五、十八、二十二、二十七条), written from one applicant's entry
in the round's snapshot (operations.row_facts): pure functions, data in, Chinese text out. Dates as 2026年8月31日,
no bracket inside a bracket, nothing in ISO form."""
from datetime import date

import rules
from core.dates import chinese_date
from core.enums import ScoreBand
from models import CheckResult, Decision, EvaluationMethod, Rung, SubjectKind, VetoResult

SHORT = "《实施细则》"
_KIND_ARTICLE = {"factory": "第六条", "park": "第七条", "supply_chain": "第八条"}


def day(value):
    """An ISO date from the snapshot as an official document writes it."""
    return chinese_date(date.fromisoformat(value)) if value else ""


def score_text(score):
    """88 → "88", 84.45 → "84.5" (rules.score_display)."""
    if score is None:
        return ""
    text = str(rules.score_display(score))
    return text[:-2] if text.endswith(".0") else text


def list_name(row):
    """The list applied for: 省级绿色工厂, 国家级绿色工业园区 …"""
    return Rung.label_of(row["application"]["rung"]) + SubjectKind.label_of(row["subject"]["kind"])


def title(row, year, draft=False):
    name = row["subject"]["name"]
    text = (f"关于推荐{name}申报{year}年{list_name(row)}的意见" if row.get("decision") == Decision.RECOMMEND.value
            else f"关于{name}申报{year}年{list_name(row)}的审核意见")
    return text + ("（草稿）" if draft else "")


def _standard_clause(standard):
    """符合……要求, without "要求）要求" (第二十二条's standards already end in 要求 or name a whole system)."""
    if "；" in standard:
        return f"符合{SHORT}第二十二条规定的评价标准要求"
    return f"符合{standard}" if "要求" in standard else f"符合{standard}的要求"


def _article_split(problem):
    """"第二十六条：X 已被取消资格" → ("第二十六条", "X 已被取消资格")."""
    head, sep, rest = problem.partition("：")
    return (head, rest) if sep and head.startswith("第") and head.endswith("条") else ("", problem)


def veto_findings(row):
    """第十五条 in prose: (ok, clauses)."""
    problems = []
    hits = [v["article"] for v in row["vetoes"] if v["counts"]]
    if hits:
        problems.append(f"近三年存在{SHORT}{'、'.join(hits)}所列情形")
    for member in row["member_hits"]:
        problems.append(f"园区内企业{member['member']}近三年存在{SHORT}{member['article']}所列情形")
    stale = [v["article"] for v in row["vetoes"] if v["stale"]]
    if stale:
        problems.append(f"{'、'.join(stale)}的核查已超过{row['facts']['veto_max_age_days']}天有效期")
    unchecked = [v["article"] for v in row["vetoes"] if v["result"] not in (VetoResult.CLEAR, VetoResult.HIT)]
    if unchecked:
        problems.append(f"{'、'.join(unchecked)}尚未核查")
    if problems:
        return False, problems
    park = "，含园区内企业" if row["subject"]["kind"] == "park" and row["members"] else ""
    return True, [f"近三年未发现{SHORT}第十五条所列情形{park}"]


def evaluation_clause(row):
    """第十二、十八条: how it was evaluated and the score with its band."""
    facts = row["facts"]
    score = row["application"]["claimed_score"]
    if facts["third_party"]:
        who = f"经第三方评价机构{facts['agency_name']}评价" if facts["agency_name"] else "经第三方评价"
    else:
        who = "经自评价"
    if score is None:
        return who + "，未填报评价得分"
    return f"{who}，得分{score_text(score)}分（{facts['score_band_text']}）"


def findings(row):
    """(good, problems): the facts of the checklist in prose, in the order a clerk reads them."""
    facts, good, problems = row["facts"], [], []
    if facts["listed"]:
        good.append("已列入市级绿色制造名单")
    elif facts["pooled"]:
        good.append("已纳入我市绿色制造培育库")
    else:
        problems.append("既未纳入我市绿色制造培育库，也未列入市级绿色制造名单")
    ok, clauses = veto_findings(row)
    (good if ok else problems).extend(clauses)
    if facts["missing_materials"]:
        problems.append("申报材料尚缺" + "、".join(facts["missing_materials"]))
    else:
        good.append("申报材料齐全")
    (good if facts["score_band"] in (ScoreBand.QUALIFIED, ScoreBand.KEY) else problems).append(evaluation_clause(row))
    if facts["third_party"]:
        if facts["agency_problem"]:
            article, text = _article_split(facts["agency_problem"])
            problems.append(f"{text}，不符合{SHORT}{article}的规定" if article else text)
        elif not facts["agency_approved"]:
            problems.append(f"评价机构{facts['agency_name']}尚未经认可" if facts["agency_name"] else "未选择评价机构")
    dynamic = row["dynamic"]
    if dynamic is not None:
        (good if dynamic["ok"] else problems).append(dynamic_clause(dynamic))
    return good, problems


def dynamic_clause(dynamic):
    """第二十七条: last year's dynamic management table, in a clause."""
    year, deadline = dynamic["year"], day(dynamic["deadline"])
    if dynamic["received_on"]:
        clause = f"于{day(dynamic['received_on'])}报送{year}年度动态管理表"
        if dynamic["timeliness"] == "按时":
            return clause + "，按时报送"
        clause += f"，{dynamic['timeliness'].replace(' ', '')}"
        return clause + (f"，已记录理由：{dynamic['late_reason']}" if dynamic["late_reason"] else "，未记录理由")
    if not dynamic["due"]:
        return f"尚未报送{year}年度动态管理表，截止日期{deadline}未到"
    if dynamic["late_reason"]:
        return f"未报送{year}年度动态管理表，已记录理由：{dynamic['late_reason']}"
    return f"未在{deadline}前报送{year}年度动态管理表"


def intro(row):
    subject = row["subject"]
    return (f"{subject['name']}，统一社会信用代码{subject['credit_code']}，位于{subject['district']}，"
            f"所属行业为{subject['industry'].split(' ', 1)[-1]}，申报{row['application']['year']}年{list_name(row)}。")


def prose(row, decision, regulation=SHORT):
    """The paragraph an opinion opens with: "……。经我局初步审查，该单位……，同意推荐。" `regulation`: how the
    first mention of the regulation reads (a document gives the full title with its short name)."""
    good, problems = findings(row)
    text = intro(row) + "经我局初步审查，该单位" + "，".join(good + problems)
    if decision == Decision.RECOMMEND.value:
        if problems:
            text += "。经我局研究，同意推荐，理由见特殊情况说明。"
        else:
            text += f"，{_standard_clause(row['standard'])}，同意推荐。"
    elif problems:
        text += "，不符合推荐条件，暂不予推荐。"
    else:
        text += "。经综合比选，暂不予推荐。"
    return text.replace(SHORT, regulation, 1)


# --- the sections of the opinion document ------------------------------------------------------------------------

def veto_table(row):
    """第十五条, six rows: condition, result, source, date checked."""
    rows = []
    for veto in row["vetoes"]:
        if veto["result"] == "hit" and veto["counts"]:
            result = f"存在，事件日期{day(veto['event_on'])}" if veto["event_on"] else "存在"
        elif veto["result"] == "hit":
            result = f"未发现近三年情形，事件日期{day(veto['event_on'])}不计入"
        elif veto["result"] == "clear":
            result = "未发现"
        else:
            result = "未核查"
        if veto["stale"]:
            result += "，核查已超过有效期"
        rows.append([f"{veto['article']}：{veto['text']}", result, veto["source"] or "—",
                     day(veto["checked_on"]) or "—"])
    return rows


def member_table(row):
    """第十五条（含园区内企业）: each current member of a park."""
    rows = []
    for member in row["members"]:
        if not member["registered"]:
            result = "未在本系统登记，未纳入核查"
        elif member["hits"]:
            result = "存在" + "、".join(member["hits"]) + "所列情形"
        else:
            result = "均未发现" if member["complete"] else "未核查完整"
        rows.append([member["name"], member["credit_code"], result, day(member["checked_on"]) or "—"])
    return rows


def eligibility_table(row):
    """第六、七、八条: each entry condition with its recorded result."""
    return [[f"{item['article']}：{item['text']}",
             CheckResult.label_of(item["result"]) if item["result"] != "unchecked" else "未核查",
             ("重点培育事项，非必备条件。" if item["priority"] else "") + (item["evidence"] or ""),
             day(item["checked_on"]) or "—"] for item in row["eligibility"]]


def eligibility_sentence(row):
    article = _KIND_ARTICLE.get(row["subject"]["kind"], "第六至八条")
    required = [item for item in row["eligibility"] if not item["priority"]]
    unmet = [item["article"] for item in required if item["result"] == CheckResult.UNMET]
    unknown = [item["article"] for item in required if item["result"] not in (CheckResult.MET, CheckResult.UNMET)]
    if not unmet and not unknown:
        return f"经核实，该单位符合{SHORT}{article}所列各项条件。"
    parts = []
    if unmet:
        parts.append(f"{'、'.join(unmet)}经核实不符合")
    if unknown:
        parts.append(f"{'、'.join(unknown)}尚未核实")
    return f"对照{SHORT}{article}，该单位" + "，".join(parts) + "。"


def evaluation_paragraph(row):
    """第十二、十八、二十二条."""
    facts, application = row["facts"], row["application"]
    score = application["claimed_score"]
    if facts["third_party"]:
        text = (f"该单位采用{EvaluationMethod.label_of(EvaluationMethod.THIRD_PARTY.value)}方式，评价机构为"
                f"{facts['agency_name'] or '未选择'}")
        if facts["agency_name"] and facts["agency_status_label"]:
            text += f"，机构状态为{facts['agency_status_label']}"
        if facts["agency_problem"]:
            article, problem = _article_split(facts["agency_problem"])
            text += f"，{problem}" + (f"，不符合{SHORT}{article}的规定" if article else "")
    else:
        text = f"该单位采用{EvaluationMethod.label_of(EvaluationMethod.SELF.value)}方式"
    if score is None:
        text += "，未填报评价得分。"
    else:
        text += f"，评价得分{score_text(score)}分，按{SHORT}第十八条为“{facts['score_band_text']}”。"
    return text + f"依照{SHORT}第二十二条，该单位适用的评价标准为{row['standard']}。"


def dynamic_paragraph(row):
    """第二十七条, for a unit on a list: last year's table; None for a unit on no list."""
    if row["dynamic"] is not None:
        return f"该单位{dynamic_clause(row['dynamic'])}。"
    if row["facts"]["listed"]:
        return "该单位列入名单未满一个年度，尚无须报送动态管理表。"
    return None


def conclusion(row):
    """The decision and the rank within the list applied for."""
    name = list_name(row)
    if row["decision"] != Decision.RECOMMEND.value:
        return "审核结论：暂不予推荐。"
    if row.get("kind_count") == 1:
        text = f"审核结论：同意推荐，该单位为我局本次推荐的唯一一家{name}"
    elif row.get("kind_rank"):
        text = f"审核结论：同意推荐，在我局本次推荐的{row['kind_count']}家{name}中排序第{row['kind_rank']}位"
    else:
        text = "审核结论：同意推荐"
    if row.get("rank"):
        text += f"，在推荐汇总表中列第{row['rank']}位"
    return text + "。"
