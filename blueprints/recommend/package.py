"""The recommendation package (第十四条): cover letter, one opinion per applicant, the ranked summary table,
the change adjustments (第三十一条) when there are any, and a manifest. Pure: data in, bytes out."""
from blueprints.filing.bundle import manifest, zip_files
from documents import OfficialDocument, safe_filename, xlsx_table
from industries import industry_label
from models import Decision, EvaluationMethod, SubjectKind

COVER = "01-推荐函.docx"
SUMMARY = "02-推荐汇总表.xlsx"
ADJUSTMENTS = "03-变更调整意见.docx"


def _opinion_text(row):
    text = row.opinion
    if row.exception_reason:
        text += f"\n特殊情况说明：{row.exception_reason}"
    return text


def cover_letter(round_, rows, city, when):
    recommended = [r for r in rows if r.decision == Decision.RECOMMEND.value]
    doc = OfficialDocument(when)
    doc.title(f"关于推荐{round_.year}年省级绿色制造名单的函")
    doc.addressee("省工业和信息化厅：")
    doc.paragraph(f"根据《黑龙江省绿色制造与服务体系梯度培育及管理实施细则》第十四条，我局对本地区 {len(rows)} 家申报"
                  f"{round_.year}年省级绿色制造名单的企业、园区材料进行了审核，按照第十五条逐项核查了否决情形，"
                  f"形成推荐意见，择优推荐 {len(recommended)} 家，排序见推荐汇总表。")
    doc.annexes(["推荐汇总表"] + [f"{r.application.subject.name}推荐意见" for r in rows])
    doc.paragraph(f"联系人：{city['bureau_contact']}，电话：{city['bureau_phone']}。")
    doc.signature(city["bureau_name"], when)
    return doc.to_bytes(city["bureau_name"])


def opinion_document(round_, row, checks, city, when):
    subject = row.application.subject
    doc = OfficialDocument(when)
    doc.title(f"{subject.name}推荐意见")
    doc.table(["检查项", "依据", "结果", "说明"],
              [[c.title, c.article, ("—" if c.informative else ("通过" if c.ok else "未通过")), c.detail] for c in checks])
    doc.paragraph("")
    doc.paragraph(_opinion_text(row))
    doc.paragraph(f"审核结论：{Decision.label_of(row.decision)}" + (f"（排序第 {row.rank} 位）" if row.rank else ""))
    doc.signature(city["bureau_name"], when)
    return doc.to_bytes(city["bureau_name"])


SUMMARY_COLUMNS = ["排序", "名称", "统一社会信用代码", "类型", "区县", "行业", "评价方式", "评价机构", "评价得分",
                   "培育库/市级名单", "否决项核查结果", "否决项核查日期", "推荐结论", "创建国家级意愿"]


def summary_sheet(rows, facts, when):
    body = []
    for row in rows:
        subject, application = row.application.subject, row.application
        fact = facts[row.id]
        body.append([row.rank or "", subject.name, subject.credit_code, SubjectKind.label_of(subject.kind),
                     subject.district, industry_label(subject.industry_code), EvaluationMethod.label_of(application.method),
                     fact["agency"], application.claimed_score, fact["membership"], fact["veto_text"],
                     fact["veto_date"] or "", Decision.label_of(row.decision), "是" if application.national_intent else "否"])
    return xlsx_table("推荐汇总表", SUMMARY_COLUMNS, body, when=when)


def adjustments_document(round_, adjustments, city, when):
    doc = OfficialDocument(when)
    doc.title("绿色制造名单单位变更调整意见")
    doc.paragraph("根据《实施细则》第三十一条，现将名单单位变更情况及我局复核调整意见一并报送。")
    doc.table(["名称", "变更事项", "复核结论"], adjustments)
    doc.signature(city["bureau_name"], when)
    return doc.to_bytes(city["bureau_name"])


def build(round_, rows, checks_by_row, facts, city, when, adjustments=()):
    files = {COVER: cover_letter(round_, rows, city, when), SUMMARY: summary_sheet(rows, facts, when)}
    for index, row in enumerate(rows, start=1):
        files[f"{index + 3:02d}-推荐意见-{safe_filename(row.application.subject.name)}.docx"] = opinion_document(
            round_, row, checks_by_row[row.id], city, when)
    if adjustments:
        files[ADJUSTMENTS] = adjustments_document(round_, adjustments, city, when)
    return zip_files({"00-文件清单.txt": manifest(files), **files}, when)
