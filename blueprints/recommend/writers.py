"""The recommendation package (第十四条): cover letter, one opinion per applicant, the ranked summary table,
the change adjustments (第三十一条) when there are any, and a manifest. Pure: a round's snapshot in
(operations.snapshot: JSON data), bytes out; the same snapshot gives the same bytes. A draft says 草稿 inside every
document (title and page header), not only in the file name."""
import io
from datetime import date

from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import load_workbook

from blueprints.filing.writers import manifest, zip_files
from core import datapackage
from core.documents import OfficialDocument, contact_note, normalize_zip, safe_filename, xlsx_table
from models import Decision, EvaluationMethod, SubjectKind

from . import opinion

MANIFEST = "00-文件清单.txt"
# The letter, then its annexes numbered as its 附件说明 numbers them (附件1 is file 01): the summary, the adjustments
# when there are any, then one opinion per applicant.
COVER = "推荐函.docx"
SUMMARY = "01-推荐汇总表.xlsx"
ADJUSTMENTS = "02-变更调整意见.docx"
DRAFT_MARK = "草稿（未签发）"


def _draft_title(text, draft):
    return text + ("（草稿）" if draft else "")


def _mark_draft(doc):
    """The page header of every page, odd and even: 草稿（未签发）."""
    section = doc.doc.sections[0]
    for header in (section.header, section.even_page_header, section.first_page_header):
        paragraph = header.paragraphs[0]
        paragraph.text = DRAFT_MARK
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _document(when, draft, city=None, numbered=False, number=None):
    doc = OfficialDocument(when, city=city, numbered=numbered, number=number)
    if draft:
        _mark_draft(doc)
    return doc


def _issued_on(snapshot):
    return date.fromisoformat(snapshot["issued_on"])


def cover_title(year):
    return f"关于推荐{year}年省级绿色制造名单的函"


def cover_letter(snapshot, draft=False):
    rows, city, year, when = snapshot["rows"], snapshot["city"], snapshot["round"]["year"], _issued_on(snapshot)
    recommended = [r for r in rows if r["decision"] == Decision.RECOMMEND.value]
    doc = _document(when, draft, city, numbered=True, number=snapshot.get("document_number"))
    doc.title(_draft_title(cover_title(year), draft))
    doc.addressee("省工业和信息化厅：")
    doc.paragraph(f"根据{doc.regulation()}第十四条，我局对本地区{len(rows)}家申报{year}年省级绿色制造名单的企业、"
                  f"园区材料进行了审核，按照第十五条逐项核查了否决情形，形成推荐意见，择优推荐{len(recommended)}家，"
                  "排序见推荐汇总表。")
    # 附件说明 numbered as the attached files are (推荐汇总表, 变更调整意见 when there is one, the opinions)
    doc.annexes([(1, "推荐汇总表")] + ([(2, "绿色制造名单单位变更调整意见")] if snapshot["adjustments"] else [])
                + [(_first_opinion(snapshot) + index, f"{r['subject']['name']}推荐意见") for index, r in enumerate(rows)])
    doc.signature(city["bureau_name"], when, note=contact_note(city))
    return doc.to_bytes(city["bureau_name"])


def opinion_document(snapshot, row, draft=False):
    """One applicant's opinion: title naming the year and the list, the prose, the 第十五条 items (and a park's
    members), the 第六至八条 conditions, the evaluation, the dynamic table of a listed unit, the conclusion with its
    rank, and the signature kept on the page of the conclusion where it fits."""
    city, year, when = snapshot["city"], snapshot["round"]["year"], _issued_on(snapshot)
    doc = _document(when, draft, city)
    doc.title(opinion.title(row, year, draft))
    doc.addressee("省工业和信息化厅：")
    doc.paragraph(opinion.prose(row, row["decision"], doc.regulation()))
    headings = iter("一二三四五六")
    doc.heading(f"{next(headings)}、否决情形核查情况")
    doc.table(["否决情形", "核查结果", "信息来源", "核查日期"], opinion.veto_table(row))
    if row["subject"]["kind"] == "park":
        doc.paragraph(f"园区内企业核查情况：登记在册的园区内企业共{len(row['members'])}家。" if row["members"]
                      else "园区内企业核查情况：尚未登记园区内企业。")
        if row["members"]:
            doc.table(["企业名称", "统一社会信用代码", "核查结果", "最近核查日期"], opinion.member_table(row))
    doc.heading(f"{next(headings)}、申报条件符合情况")
    doc.paragraph(opinion.eligibility_sentence(row))
    doc.table(["条件", "核查结果", "说明", "核查日期"], opinion.eligibility_table(row))
    doc.heading(f"{next(headings)}、评价情况")
    doc.paragraph(opinion.evaluation_paragraph(row))
    if dynamic := opinion.dynamic_paragraph(row):
        doc.heading(f"{next(headings)}、动态管理情况")
        doc.paragraph(dynamic)
    doc.heading(f"{next(headings)}、审核结论")
    start = len(doc.doc.paragraphs) - 1
    if row["opinion"] and row["opinion"].strip() != opinion.prose(row, row["decision"]).strip():
        doc.paragraph("我局意见：" + row["opinion"].strip())
    if row["exception_reason"]:
        doc.paragraph("特殊情况说明：" + row["exception_reason"].strip())
    doc.paragraph(opinion.conclusion(row))
    doc.signature(city["bureau_name"], when)
    for paragraph in doc.doc.paragraphs[start:-1]:  # the conclusion and the signature stay on one page
        paragraph.paragraph_format.keep_with_next = True
    return doc.to_bytes(city["bureau_name"])


SUMMARY_COLUMNS = ["排序", "名称", "统一社会信用代码", "类型", "区县", "行业", "评价方式", "评价机构", "评价得分",
                   "培育库/市级名单", "否决项核查结果", "否决项核查日期", "推荐结论", "创建国家级意愿"]


def _membership(row):
    return "市级名单" if row["facts"]["listed"] else ("培育库" if row["facts"]["pooled"] else "均不在")


def summary_sheet(snapshot, draft=False, keep=None):
    """推荐汇总表; `keep` (a dict) receives its columns and rows under "summary", for data.json."""
    body = []
    for row in snapshot["rows"]:
        subject, application, veto = row["subject"], row["application"], row["veto_summary"]
        body.append([row["rank"] or "", subject["name"], subject["credit_code"], SubjectKind.label_of(subject["kind"]),
                     subject["district"], subject["industry"], EvaluationMethod.label_of(application["method"]),
                     row["facts"]["agency_name"] if row["facts"]["third_party"] else "", application["claimed_score"],
                     _membership(row), veto["text"], date.fromisoformat(veto["date"]) if veto["date"] else "",
                     Decision.label_of(row["decision"]), "是" if application["national_intent"] else "否"])
    if keep is not None:
        keep["summary"] = (SUMMARY_COLUMNS, body)
    when = _issued_on(snapshot)
    data = xlsx_table(_draft_title("推荐汇总表", draft), SUMMARY_COLUMNS, body, when=when)
    return _mark_draft_sheet(data, when) if draft else data


def _mark_draft_sheet(data, when):
    """A draft sheet: 草稿（未签发） in the printed header of every page (the sheet's name already says 草稿)."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    sheet.oddHeader.center.text = sheet.evenHeader.center.text = DRAFT_MARK
    buffer = io.BytesIO()
    workbook.save(buffer)
    return normalize_zip(buffer.getvalue(), when)


def adjustments_document(snapshot, draft=False):
    city, when = snapshot["city"], _issued_on(snapshot)
    doc = _document(when, draft)
    doc.title(_draft_title("绿色制造名单单位变更调整意见", draft))
    doc.paragraph(f"根据{opinion.SHORT}第三十一条，现将名单单位变更情况及我局复核调整意见一并报送。")
    doc.table(["名称", "变更事项", "复核结论"], snapshot["adjustments"])
    doc.signature(city["bureau_name"], when)
    return doc.to_bytes(city["bureau_name"])


def _first_opinion(snapshot):
    """The file number of the first opinion: after the summary, and after the adjustments when there are any."""
    return 3 if snapshot["adjustments"] else 2


def opinion_name(number, row):
    return f"{number:02d}-推荐意见-{safe_filename(row['subject']['name'])}.docx"


def files(snapshot):
    """Every document of the package, in order: {name: bytes}."""
    draft = not snapshot["round"]["signed"]
    tables = {}
    result = {COVER: cover_letter(snapshot, draft), SUMMARY: summary_sheet(snapshot, draft, keep=tables)}
    if snapshot["adjustments"]:
        result[ADJUSTMENTS] = adjustments_document(snapshot, draft)
    for number, row in enumerate(snapshot["rows"], start=_first_opinion(snapshot)):
        result[opinion_name(number, row)] = opinion_document(snapshot, row, draft)
    # data.json (the same rows as data, for the province to check and merge) goes here, built from
    # the same snapshot, so that it is listed in the manifest and frozen with the signed package.
    result[datapackage.DATA] = package_data(snapshot, tables)
    return result


def package_data(snapshot, tables):
    """data.json (docs/schema/recommendation-package.schema.json): the summary sheet's rows, the letter's counts."""
    rows, round_ = snapshot["rows"], snapshot["round"]
    counts = {"applicants": len(rows), "recommended": sum(1 for r in rows if r["decision"] == Decision.RECOMMEND.value),
              "version": round_["version"], "signed": bool(round_["signed"])}
    return datapackage.data_json("recommendation-package", city=snapshot["city"], year=round_["year"],
                                 when=_issued_on(snapshot), letter=COVER, counts=counts, tables=tables,
                                 files={"summary": SUMMARY})


def build_package(snapshot):
    """The package ZIP: the manifest first, then the documents."""
    documents = files(snapshot)
    return zip_files({MANIFEST: manifest(documents), **documents}, _issued_on(snapshot))
