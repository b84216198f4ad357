"""The plan as documents: the .docx in official layout (with its two summary tables as annexes) and the items .xlsx."""
import rules
from documents import OfficialDocument, chinese_date, xlsx_table
from industries import industry_label
from models import Rung, SubjectKind

from .operations import active_items, milestones_by_item, progress

ANNEXES = ("培育计划汇总表", "绿色化改造项目及计划汇总表")


def targets_rows(plan):
    counts = {(t.kind, t.rung): t.count for t in plan.targets}
    return [[kind.label] + [counts.get((kind.value, rung), 0) for rung in rules.TARGET_RUNGS] for kind in SubjectKind]


def plan_docx(plan, city, issued_on):
    """培育计划 (第十条、第十四条): goals, targets table, measures, and the two summary tables as annexes."""
    items = list(active_items(plan))
    milestones = milestones_by_item(items)
    doc = OfficialDocument(issued_on)
    doc.title(plan.title)
    doc.heading("一、培育目标")
    doc.paragraph(plan.goals or "（未填写）")
    doc.paragraph(f"本年度计划培育对象 {len(items)} 个，目标如下表。")
    doc.table(["类型"] + [f"{Rung.label_of(r)}（个）" for r in rules.TARGET_RUNGS], targets_rows(plan), size=12)
    doc.heading("二、培育对象和路径")
    by_kind = {k: sum(1 for i in items if i.subject.kind == k.value) for k in SubjectKind}
    doc.paragraph("培育对象从本市绿色制造培育库中确定，其中" +
                  "，".join(f"{k.label} {n} 个" for k, n in by_kind.items()) +
                  "。各对象的目标梯度、对接机构和负责人见附件1，绿色化改造节点安排见附件2。")
    doc.heading("三、工作措施和支持政策")
    doc.paragraph(plan.measures or "（未填写）")
    doc.annexes(ANNEXES)
    doc.signature(city.get("bureau_name") or "", issued_on)
    doc.annex_heading(1, f"{plan.year}年{ANNEXES[0]}")
    doc.table(["名称", "统一社会信用代码", "类型", "区县", "目标梯度", "目标年度", "负责人"],
              [[i.subject.name, i.subject.credit_code, SubjectKind.label_of(i.subject.kind), i.subject.district,
                Rung.label_of(i.target_rung), i.target_year, i.owner.display_name if i.owner_id else ""] for i in items])
    doc.annex_heading(2, f"{plan.year}年{ANNEXES[1]}")
    doc.table(["名称", "改造/创建节点", "计划完成", "实际完成"],
              [[i.subject.name, m.name, chinese_date(m.due_date), chinese_date(m.done_date) or "—"]
               for i in items for m in milestones[i.id]])
    return doc.to_bytes(city.get("bureau_name") or "")


def items_xlsx(plan, today, when=None):
    items = list(active_items(plan))
    milestones = milestones_by_item(items)
    rows = []
    for item in items:
        s = item.subject
        done, total, percent = progress(milestones[item.id])
        overdue = sum(1 for m in milestones[item.id] if m.is_overdue(today))
        steps = "；".join(f"{m.name} {m.due_date:%m-%d}{'（已完成 ' + m.done_date.isoformat() + '）' if m.done_date else ''}"
                         for m in milestones[item.id])
        rows.append([s.name, s.credit_code, SubjectKind.label_of(s.kind), s.district, industry_label(s.industry_code),
                     Rung.label_of(s.rung), Rung.label_of(item.target_rung), item.target_year,
                     item.owner.display_name if item.owner_id else "", f"{done}/{total}", percent, overdue, steps])
    return xlsx_table(f"{plan.year}年培育计划", ["名称", "统一社会信用代码", "类型", "区县", "行业", "当前梯度", "目标梯度",
                                            "目标年度", "负责人", "完成节点", "进度(%)", "逾期节点", "节点安排"],
                      rows, when=when)
