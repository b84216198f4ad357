"""The plan as documents: the .docx in official layout (with its two summary tables as annexes) and the items .xlsx."""
import rules
from core.dates import chinese_date
from core.documents import OfficialDocument, xlsx_table
from core.industries import industry_label
from models import Rung, SubjectKind

from .operations import active_items, agencies_by_subject, milestones_by_item, progress, projects_by_item

ANNEXES = ("培育计划汇总表", "绿色化改造项目及计划汇总表")


def targets_rows(plan):
    counts = {(t.kind, t.rung): t.count for t in plan.targets}
    return [[kind.label] + [counts.get((kind.value, rung), 0) for rung in rules.TARGET_RUNGS] for kind in SubjectKind]


def _done_by(milestone, day):
    """Done as of `day`: a step done later is not shown done on a document dated before it."""
    return milestone.done_date is not None and milestone.done_date <= day


def _steps_text(milestones, day):
    return "；".join(f"{m.name}（计划{chinese_date(m.due_date)}" +
                    (f"，已完成{chinese_date(m.done_date)}）" if _done_by(m, day) else "）") for m in milestones) or "—"


def _investment(value):
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value is not None else ""


def build_plan_docx(plan, city, issued_on):
    """培育计划 (第十条、第十四条): goals, targets table, measures, and the two summary tables as annexes: 附件1 each
    subject's target, year and matched agency; 附件2 each subject's real upgrade projects with its milestones as of
    `issued_on`."""
    items = list(active_items(plan))
    milestones = milestones_by_item(items)
    projects = projects_by_item(items)
    agencies = agencies_by_subject({i.subject_id for i in items}, plan.year)
    doc = OfficialDocument(issued_on, city=city, numbered=False)  # an annex of the 备案函 (its number)
    doc.title(plan.title)
    doc.heading("一、培育目标")
    doc.paragraph(plan.goals or "（未填写）")
    doc.paragraph(f"本年度计划培育对象{len(items)}个，目标如下表。")
    doc.table(["类型"] + [f"{Rung.label_of(r)}（个）" for r in rules.TARGET_RUNGS], targets_rows(plan), size=12)
    doc.heading("二、培育对象和路径")
    by_kind = {k: sum(1 for i in items if i.subject.kind == k.value) for k in SubjectKind}
    total_investment = sum(p.investment for ps in projects.values() for p in ps)
    doc.paragraph("培育对象从本市绿色制造培育库中确定，其中" +
                  "，".join(f"{k.label}{n}个" for k, n in by_kind.items()) +
                  f"。各对象的目标梯度、目标年度和对接机构见附件1；绿色化改造项目{sum(map(len, projects.values()))}个，"
                  f"计划投资{_investment(total_investment)}万元，项目和节点安排见附件2。")
    doc.heading("三、工作措施和支持政策")
    doc.paragraph(plan.measures or "（未填写）")
    doc.annexes(ANNEXES)
    doc.signature(city.get("bureau_name") or "", issued_on)
    doc.annex_heading(1, f"{plan.year}年{ANNEXES[0]}")
    doc.table(["名称", "统一社会信用代码", "类型", "区县", "当前梯度", "目标梯度", "目标年度", "对接机构", "负责人"],
              [[i.subject.name, i.subject.credit_code, SubjectKind.label_of(i.subject.kind), i.subject.district,
                Rung.label_of(i.subject.rung), Rung.label_of(i.target_rung), i.target_year,
                "、".join(agencies.get(i.subject_id, [])) or "尚未对接", i.owner.display_name if i.owner_id else ""]
               for i in items])
    doc.annex_heading(2, f"{plan.year}年{ANNEXES[1]}")
    rows = []
    for item in items:
        steps = _steps_text(milestones[item.id], issued_on)
        for number, project in enumerate(projects[item.id] or [None]):
            if project is None:
                rows.append([item.subject.name, "（尚未填报改造项目）", "", "", "", steps])
                continue
            rows.append([item.subject.name if number == 0 else "", project.name,
                         f"{chinese_date(project.start_on)}至{chinese_date(project.end_on)}",
                         _investment(project.investment), project.effect, steps if number == 0 else "同上"])
    doc.table(["名称", "改造项目", "建设周期", "投资（万元）", "预期效果", "节点安排"], rows)
    return doc.to_bytes(city.get("bureau_name") or "")


def build_items_xlsx(plan, today, when=None):
    items = list(active_items(plan))
    milestones = milestones_by_item(items)
    projects = projects_by_item(items)
    agencies = agencies_by_subject({i.subject_id for i in items}, plan.year)
    rows = []
    for item in items:
        s = item.subject
        done, total, percent = progress(milestones[item.id])
        overdue = sum(1 for m in milestones[item.id] if m.is_overdue(today))
        steps = "；".join(f"{m.name} {m.due_date:%m-%d}{'（已完成 ' + m.done_date.isoformat() + '）' if _done_by(m, today) else ''}"
                         for m in milestones[item.id])
        upgrades = "；".join(f"{p.name}（{p.start_on:%Y-%m}至{p.end_on:%Y-%m}，{_investment(p.investment)}万元）"
                            for p in projects[item.id])
        rows.append([s.name, s.credit_code, SubjectKind.label_of(s.kind), s.district, industry_label(s.industry_code),
                     Rung.label_of(s.rung), Rung.label_of(item.target_rung), item.target_year,
                     item.owner.display_name if item.owner_id else "", "、".join(agencies.get(item.subject_id, [])),
                     f"{done}/{total}", percent, overdue, steps, upgrades])
    return xlsx_table(f"{plan.year}年培育计划", ["名称", "统一社会信用代码", "类型", "区县", "行业", "当前梯度", "目标梯度",
                                            "目标年度", "负责人", "对接机构", "完成节点", "进度(%)", "逾期节点", "节点安排",
                                            "绿色化改造项目"],
                      rows, when=when)
