"""Upkeep's documents to the province (.docx in official layout): the 第二十八条 review opinion report on the
dynamic tables and the 第二十九条 incident report. Pure: what operations gathered in, bytes out."""
import rules
from core.dates import chinese_date
from core.documents import OfficialDocument, contact_note
from models import IncidentGrade, Listing, ListingStatus, ReviewResult, Rung


def build_opinion_report_docx(year, *, status, city, when, number=None):
    """第二十八条: the review opinion report (.docx) listing every unit that owed the table, each counted once:
    filed (with the review), missing, or removed from the list since. `number`: the issued 发文字号 (None: a draft)."""
    doc = OfficialDocument(when, city=city, number=number)
    doc.title(f"{city.get('city_name', '')}{year}年度绿色制造名单动态管理表审核意见报告")
    doc.addressee("省工业和信息化厅：")
    reports, removed = status["reports"], status["removed"]
    filed = status.get("filed", [s for s in status["subjects"] if s.id in reports])
    passed = sum(1 for s in filed if reports[s.id].review_result == ReviewResult.PASS.value)
    total = len(status["subjects"]) + len(removed)
    doc.paragraph(f"根据{doc.regulation()}第二十八条，我局对照第三十条对本地区{total}家名单单位的{year}年度动态管理表"
                  f"进行了审核：已填报{len(filed)}家，其中审核通过{passed}家；未填报{len(status['missing'])}家"
                  + (f"；已移出名单{len(removed)}家" if removed else "") + "。")
    if status["flagged"]:
        doc.paragraph("截至" + chinese_date(status["deadline"]) + "仍未填报的单位，拟按第三十条第二项移出名单。")
    if status["late"]:
        doc.paragraph(f"逾期填报{len(status['late'])}家（截止日期{chinese_date(status['deadline'])}），"
                      "未记录逾期理由的，按第三十条第二项审查。")
    rows = []
    for subject in status["subjects"]:
        report = reports.get(subject.id)
        if report is None:
            rows.append([subject.name, subject.credit_code, "未填报" if status["overdue"] else "待填报", "",
                         "拟按第三十条第二项移出" if status["overdue"] else ""])
        else:
            timeliness = report.timeliness + (f"（逾期理由：{report.late_reason}）" if report.late_reason else "")
            rows.append([subject.name, subject.credit_code, timeliness, report.review_label, report.review_opinion])
    for subject, listing in removed:
        report = reports.get(subject.id)
        rows.append([subject.name, subject.credit_code, report.timeliness if report else "未填报",
                     "已移出名单", f"{chinese_date(listing.removed_on)}移出（{listing.removal_category}）"])
    doc.table(["单位名称", "统一社会信用代码", "填报情况", "审核结论", "审核意见"], rows)
    doc.signature(city.get("bureau_name", ""), when, note=contact_note(city))
    return doc.to_bytes(city.get("bureau_name", ""))


def build_incident_report_docx(incident, *, city, when, number=None):
    """第二十九条: the report to the province (.docx), describing the event from its record — kind, grade, date,
    source and description — dated the day it is reported (the day marked as sent, else `when`), with 联系人 as 附注.
    `number`: the issued 发文字号 (None: a draft)."""
    subject = incident.subject
    reported_on = incident.reported_on or when
    listings = [f"{row.year}年{Rung.label_of(row.rung)}名单"
                for row in subject.listings.where(Listing.status == ListingStatus.LISTED.value)]
    grade = IncidentGrade.label_of(incident.grade)
    what = grade + rules.INCIDENT_NOUNS.get(incident.kind, "事故事件")
    doc = OfficialDocument(reported_on, city=city, number=number)
    doc.title(f"关于{subject.name}发生{what}的报告")
    doc.addressee("省工业和信息化厅：")
    doc.paragraph(f"{subject.name}（统一社会信用代码：{subject.credit_code}）为" + ("、".join(listings) or "绿色制造名单")
                  + f"单位。根据{doc.regulation()}第二十九条，现将有关情况报告如下。")
    doc.heading("一、事件基本情况")
    doc.paragraph(f"发生时间：{chinese_date(incident.occurred_on)}。")
    doc.paragraph(f"事件类别：{rules.INCIDENT_NOUNS.get(incident.kind, '事故事件')}。")
    doc.paragraph(f"事件等级：{grade}" + (f"（原记录等级：{incident.grade_note}）" if incident.grade_note else "") + "。")
    doc.paragraph(f"信息来源：{incident.source}。")
    doc.heading("二、事件经过")
    doc.paragraph(incident.description)
    doc.heading("三、处理意见")
    if incident.reportable:
        doc.paragraph("该事件等级为重大及以上，按照第二十九条规定实时上报；根据第三十条，建议将该单位从各层级绿色制造名单中移出。")
    else:
        doc.paragraph(f"该事件等级为{grade}，未达到第二十九条规定的实时上报等级（重大及以上），现予报告备查。")
    doc.signature(city.get("bureau_name", ""), reported_on, note=contact_note(city))
    return doc.to_bytes(city.get("bureau_name", ""))
