"""GB/T 9704-2012 in every .docx (OfficialDocument), the 发文字号, and the incident and dynamic-table review opinion
reports (第二十八、二十九条), read back from the bytes with python-docx."""
import io
import re
from datetime import date

import pytest
from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from blueprints.upkeep import operations as upkeep
from core import document_numbers, documents, settings
from models import AuditEvent, DynamicReport, Incident, IssuedDocument, Listing, Role

from .test_upkeep import GOOD, LAST_YEAR, TODAY, YEAR, enterprise_of

CITY = {"city_name": "龙江湾市", "bureau_name": "龙江湾市工业和信息化局", "bureau_contact": "王晓明",
        "bureau_phone": "0451-88880000", "document_number_prefix": "龙工信函", "signer": "李建国",
        "regulation_title": settings.DEFAULTS["regulation_title"]}
CODE = "91230100MA1234567X"
OLD_YEAR = YEAR - 2  # its tables were due on 30 March of last year: past the deadline whatever today is


def _letter(**city):
    doc = documents.OfficialDocument(date(2026, 8, 31), city={**CITY, **city})
    doc.title("关于报送有关材料的函")
    doc.addressee("省工业和信息化厅：")
    doc.paragraph(f"根据{doc.regulation()}第十四条，现报送如下。依据{doc.regulation()}第十五条核查。")
    doc.heading("一、基本情况")
    doc.table(["名称", "统一社会信用代码"], [["北辰乳业有限公司", CODE]])
    doc.annexes(["培育计划汇总表", "培育库名单"])
    doc.signature(CITY["bureau_name"], note=documents.contact_note(CITY))
    doc.annex_heading(1, "培育计划汇总表")
    doc.table(["名称", "统一社会信用代码", "类型", "区县", "目标梯度", "目标年度", "负责人"],
              [["北辰乳业有限公司", CODE, "绿色工厂", "松源区", "省级", 2027, "张三"]])
    doc.annex_heading(2, "培育库名单")
    doc.table(["名称", "区县"], [["北辰乳业有限公司", "松源区"]])
    return DocxDocument(io.BytesIO(doc.to_bytes("局")))


def _mm(length):
    return round(length / 36000, 1)


def _body_paragraphs(docx):
    return [p for p in docx.paragraphs]


def _has_sectpr(paragraph):
    return paragraph._p.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None


def _starts_page(paragraph):
    return bool(paragraph.paragraph_format.page_break_before) or bool(
        paragraph._p.xpath('./w:r/w:br[@w:type="page"]'))


def _east_asia(element):
    fonts = element.find(qn("w:rPr") + "/" + qn("w:rFonts")) if element.tag != qn("w:rPr") else element.find(
        qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def test_margins_a4_and_the_156_by_225_text_block():
    section = _letter().sections[0]
    assert [_mm(v) for v in (section.page_width, section.page_height)] == [210, 297]
    assert _mm(section.top_margin) == 37 and _mm(section.left_margin) == 28
    assert _mm(section.bottom_margin) == 35 and _mm(section.right_margin) == 26
    assert abs(section.page_width - section.left_margin - section.right_margin - Mm(156)) < Mm(0.1)


def test_page_numbers_a_page_field_between_em_dashes_outside_edges():
    docx = _letter()
    assert docx.settings.odd_and_even_pages_header_footer  # w:evenAndOddHeaders
    section = docx.sections[0]
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        paragraph = footer.paragraphs[0]
        xml = paragraph._p.xml
        assert "PAGE" in "".join(t.text for t in paragraph._p.iter(qn("w:instrText")))
        assert 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert paragraph.alignment == align
        run = paragraph.runs[0]
        assert run.font.size == Pt(14) and run.font.name == "宋体" and _east_asia(run._r) == "宋体"
    # every later section (the landscape annex) inherits the same footers
    assert all(s.footer.is_linked_to_previous for s in docx.sections[1:])


def test_fonts_by_east_asian_name():
    docx = _letter()
    assert _east_asia(docx.styles["Normal"].element.rPr) == "仿宋_GB2312"
    assert docx.styles["Normal"].font.size == Pt(16)
    paragraphs = {p.text: p for p in docx.paragraphs}
    assert _east_asia(paragraphs["关于报送有关材料的函"].runs[0]._r) == "方正小标宋简体"
    assert paragraphs["关于报送有关材料的函"].runs[0].font.size == Pt(22)
    assert _east_asia(paragraphs["一、基本情况"].runs[0]._r) == "黑体"
    assert _east_asia(paragraphs["附件1"].runs[0]._r) == "黑体" and paragraphs["附件1"].runs[0].font.size == Pt(16)


def test_no_empty_paragraph_before_a_page_break_and_annexes_headed_at_the_left_margin():
    docx = _letter()
    paragraphs = _body_paragraphs(docx)
    for previous, paragraph in zip(paragraphs, paragraphs[1:], strict=False):
        if _starts_page(paragraph):
            assert previous.text.strip() or _has_sectpr(previous), "an empty paragraph makes a blank page"
    assert not any(p._p.xpath('./w:r/w:br[@w:type="page"]') for p in paragraphs)  # breaks sit on the headings
    headings = [p for p in paragraphs if re.fullmatch(r"附件\d+", p.text)]
    assert [h.text for h in headings] == ["附件1", "附件2"]
    for heading in headings:
        assert heading.alignment in (None, WD_ALIGN_PARAGRAPH.LEFT)
        assert not heading.paragraph_format.first_line_indent and not heading.paragraph_format.left_indent
    titles = [p for p in paragraphs if p.text in ("培育计划汇总表", "培育库名单") and p.alignment == WD_ALIGN_PARAGRAPH.CENTER]
    assert len(titles) == 2
    # 附件2 follows a landscape table: the section break starts its page, nothing else
    assert _has_sectpr(paragraphs[paragraphs.index(headings[1]) - 1])
    # 附件1 opens the landscape section itself (the page break before it is the section's)
    assert _has_sectpr(paragraphs[paragraphs.index(headings[0]) - 1])


def test_annex_note_numbered_like_the_annexes():
    docx = _letter()
    lines = [p for p in docx.paragraphs if p.text.startswith(("附件：", "　　　"))]
    assert [p.text for p in lines] == ["附件：1.培育计划汇总表", "　　　2.培育库名单"]
    assert lines[0].paragraph_format.space_before == Pt(28)  # one line under the body
    first = lines[0].paragraph_format
    assert first.left_indent + first.first_line_indent == Pt(32)  # two characters in
    doc = documents.OfficialDocument(date(2026, 1, 1))
    doc.annexes([(3, "第三份"), (5, "第五份")])
    assert [p.text for p in doc.doc.paragraphs] == ["附件：3.第三份", "　　　5.第五份"]


def test_column_widths_set_and_a_credit_code_on_one_line():
    docx = _letter()
    table = docx.tables[0]
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert all(grid) and abs(sum(grid) - Mm(156).twips) < 20  # the text block, filled
    assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    cells = table._tbl.findall(qn("w:tr"))[1].findall(qn("w:tc"))
    assert [int(c.find(qn("w:tcPr") + "/" + qn("w:tcW")).get(qn("w:w"))) for c in cells] == grid
    code_width = grid[2] / 20  # points
    assert code_width >= documents._text_width(CODE, 10.5) + 10  # 18 characters and the cell margins
    assert grid[0] < grid[1]  # 序号 narrow


def test_a_wide_table_goes_on_a_landscape_section_with_its_annex_heading():
    docx = _letter()
    orientations = [s.orientation for s in docx.sections]
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    landscape = docx.sections[1]
    assert _mm(landscape.page_width) == 297 and _mm(landscape.page_height) == 210
    wide = docx.tables[1]
    grid = [int(c.get(qn("w:w"))) for c in wide._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert abs(sum(grid) - Mm(225).twips) < 20
    # the landscape section holds 附件1, its title and the table: the break sits right before 附件1
    body = list(docx.element.body.iterchildren())
    heading = next(p for p in docx.paragraphs if p.text == "附件1")._p
    assert body[body.index(heading) - 1].find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None
    # a narrow table stays portrait
    doc = documents.OfficialDocument(date(2026, 1, 1))
    doc.table(["一", "二", "三", "四", "五"], [[1, 2, 3, 4, 5]])
    assert len(doc.doc.sections) == 1


def test_document_number_line_and_the_signer():
    docx = _letter()
    first = docx.paragraphs[0]
    assert first.text == "龙工信函〔2026〕__号\t签发人：李建国"  # a draft: the number comes when it is issued
    assert _east_asia(first.runs[-1]._r) == "楷体_GB2312"  # the signer's name in 楷体
    assert documents.document_number("龙工信函", 2026, 12) == "龙工信函〔2026〕12号"
    doc = documents.OfficialDocument(date(2026, 3, 1), city={**CITY, "signer": ""}, number="龙工信函〔2026〕7号")
    assert doc.doc.paragraphs[0].text == "龙工信函〔2026〕7号"
    assert doc.doc.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert documents.OfficialDocument(date(2026, 3, 1)).doc.paragraphs == []  # no city: no number line


def test_regulation_full_title_first_then_short_name():
    text = "\n".join(p.text for p in _letter().paragraphs)
    assert ("根据《黑龙江省绿色制造与服务体系梯度培育及管理实施细则（征求意见稿）》（以下简称《实施细则》）第十四条"
            in text)
    assert "依据《实施细则》第十五条" in text
    final = _letter(regulation_title="黑龙江省绿色制造与服务体系梯度培育及管理实施细则")
    assert "根据《黑龙江省绿色制造与服务体系梯度培育及管理实施细则》（以下简称" in "\n".join(p.text for p in final.paragraphs)


def test_signature_name_centred_over_the_date_four_characters_in_and_the_note_under_it():
    paragraphs = _letter().paragraphs
    texts = [p.text for p in paragraphs]
    name = paragraphs[texts.index("龙江湾市工业和信息化局")]
    dated = paragraphs[texts.index("2026年8月31日")]
    note = paragraphs[texts.index("（联系人：王晓明，电话：0451-88880000）")]
    assert texts.index("2026年8月31日") == texts.index("龙江湾市工业和信息化局") + 1
    assert texts.index("（联系人：王晓明，电话：0451-88880000）") == texts.index("2026年8月31日") + 1
    assert dated.alignment == name.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert dated.paragraph_format.right_indent == Pt(64)  # 右空四字
    centre_date = Pt(64) + documents._text_width("2026年8月31日") * 12700 / 2
    centre_name = name.paragraph_format.right_indent + documents._text_width("龙江湾市工业和信息化局") * 12700 / 2
    assert abs(centre_date - centre_name) < Pt(1)
    assert name.paragraph_format.space_before >= Pt(56)  # room for the seal
    assert note.paragraph_format.first_line_indent == Pt(32)


# --- 发文字号: the year's sequence, allocated when issued ------------------------------------------------------

def test_document_numbers_run_per_year_and_an_issued_document_keeps_its_number(app, make, db_conn):
    staff = make.user(Role.STAFF)
    settings.save({"document_number_prefix": "龙工信函"})
    first = document_numbers.issue("incident_report", 1, "甲", 2026, staff)
    second = document_numbers.issue("dynamic_opinion", 2025, "乙", 2026, staff)
    again = document_numbers.issue("incident_report", 1, "甲", 2026, staff)
    other_year = document_numbers.issue("incident_report", 2, "丙", 2027, staff)
    assert (first.number, second.number, again.id) == ("龙工信函〔2026〕1号", "龙工信函〔2026〕2号", first.id)
    assert other_year.number == "龙工信函〔2027〕1号"
    assert IssuedDocument.select().count() == 3
    assert AuditEvent.select().where(AuditEvent.action == "document.issue").count() == 3


def test_settings_page_holds_prefix_signer_and_regulation_title(app, client, make, login):
    login(make.user(Role.ADMIN))
    html = client.get("/admin/settings").get_data(as_text=True)
    assert "发文字号机关代字" in html and "签发人" in html and "征求意见稿" in html


# --- 第二十八条: the review opinion report ---------------------------------------------------------------------

def _texts(data):
    docx = DocxDocument(io.BytesIO(data))
    return "\n".join(p.text for p in docx.paragraphs), [[c.text for c in r.cells] for t in docx.tables for r in t.rows]


def test_opinion_report_cannot_be_issued_before_the_deadline(app, client, make, login, db_conn):
    staff = make.user(Role.STAFF)
    make.listed_subject(year=YEAR)
    login(staff)
    html = client.get(f"/upkeep/dynamic?year={YEAR}").get_data(as_text=True)
    button = html.split('id="opinion-issue"')[1].split("</form>")[0]
    assert "disabled" in button and "截止后方可签发审核意见报告" in html
    response = client.post(f"/upkeep/dynamic/opinion/issue?year={YEAR}", follow_redirects=True)
    assert "截止后方可签发审核意见报告" in response.get_data(as_text=True)
    assert IssuedDocument.select().count() == 0


def test_opinion_report_cannot_be_issued_while_a_table_is_unreviewed_then_is_numbered(app, client, make, login, db_conn):
    staff = make.user(Role.STAFF)
    subject = make.listed_subject(year=OLD_YEAR, name="待审核企业有限公司")
    report, _, _ = upkeep.file_report(subject, OLD_YEAR, raw=GOOD, by=staff, today=date(OLD_YEAR + 1, 3, 1))
    settings.save({"document_number_prefix": "龙工信函", "city_name": "龙江湾市", "bureau_contact": "王晓明",
                   "bureau_phone": "0451-88880000", "bureau_name": "龙江湾市工业和信息化局"})
    login(staff)
    html = client.get(f"/upkeep/dynamic?year={OLD_YEAR}").get_data(as_text=True)
    assert "尚有1家单位的动态管理表未审核（待审核企业有限公司）" in html
    response = client.post(f"/upkeep/dynamic/opinion/issue?year={OLD_YEAR}", follow_redirects=True)
    assert "全部审核后方可签发审核意见报告" in response.get_data(as_text=True)
    draft, _ = _texts(client.get(f"/upkeep/dynamic/opinion.docx?year={OLD_YEAR}").data)
    assert f"龙工信函〔{TODAY.year}〕__号" in draft
    upkeep.review_report(DynamicReport.get_by_id(report.id), result="pass", opinion="指标真实。", by=staff)
    html = client.get(f"/upkeep/dynamic?year={OLD_YEAR}").get_data(as_text=True)
    assert "disabled" not in html.split('id="opinion-issue"')[1].split("</form>")[0]
    response = client.post(f"/upkeep/dynamic/opinion/issue?year={OLD_YEAR}")
    assert response.status_code == 200 and response.mimetype == documents.DOCX_MIMETYPE
    text, _ = _texts(response.data)
    assert f"龙工信函〔{TODAY.year}〕1号" in text and "（联系人：王晓明，电话：0451-88880000）" in text
    text, _ = _texts(client.get(f"/upkeep/dynamic/opinion.docx?year={OLD_YEAR}").data)  # the issued one, again
    assert f"龙工信函〔{TODAY.year}〕1号" in text
    assert f"龙工信函〔{TODAY.year}〕1号" in client.get(f"/upkeep/dynamic?year={OLD_YEAR}").get_data(as_text=True)


def test_opinion_report_counts_a_removed_unit_once_in_its_own_column(app, client, make, login, db_conn):
    staff = make.user(Role.STAFF)
    kept = make.listed_subject(year=OLD_YEAR, name="在册企业有限公司")
    gone = make.listed_subject(year=OLD_YEAR, name="已移出企业有限公司")
    make.listed_subject(year=OLD_YEAR, name="未填报企业有限公司")
    for subject in (kept, gone):
        report, _, _ = upkeep.file_report(subject, OLD_YEAR, raw=GOOD, by=staff, today=date(OLD_YEAR + 1, 3, 1))
        upkeep.review_report(report, result="pass", opinion="指标真实。", by=staff)
    upkeep.remove(Listing.get(Listing.subject == gone), category="major_incident", reason="发生重大事故",
                  effective_on=date(OLD_YEAR + 1, 6, 1), by=staff)
    login(staff)
    html = client.get(f"/upkeep/dynamic?year={OLD_YEAR}").get_data(as_text=True)
    assert "名单单位 3 家：已填报 1 家，未填报 1 家，已移出名单 1 家" in html
    text, rows = _texts(client.get(f"/upkeep/dynamic/opinion.docx?year={OLD_YEAR}").data)
    assert "对本地区3家名单单位" in text and "已填报1家，其中审核通过1家；未填报1家；已移出名单1家。" in text
    names = [row[1] for row in rows[1:]]
    assert sorted(names) == sorted(["在册企业有限公司", "已移出企业有限公司", "未填报企业有限公司"])
    assert [row[4] for row in rows if row[1] == "已移出企业有限公司"] == ["已移出名单"]
    assert not re.search(r"[\u4e00-\u9fff] \d|\d [\u4e00-\u9fff]", text)  # no spaces around numerals


# --- 第二十九条: the incident report --------------------------------------------------------------------------

def test_incident_report_describes_the_event_with_report_date_and_contact(app, client, make, login, db_conn):
    staff = make.user(Role.STAFF)
    subject = make.listed_subject(year=LAST_YEAR, name="发生事故企业有限公司")
    enterprise_of(make, subject)
    settings.save({"bureau_contact": "王晓明", "bureau_phone": "0451-88880000", "document_number_prefix": "龙工信函",
                   "bureau_name": "龙江湾市工业和信息化局"})
    incident = upkeep.record_incident(subject, occurred_on=TODAY, kind="safety", grade="larger", source="应急管理局通报",
                                      description="车间起火，无人员伤亡。",
                                      by=staff)
    login(staff)
    text, _ = _texts(client.get(f"/upkeep/incidents/{incident.id}/report.docx").data)
    assert "关于发生事故企业有限公司发生较大（Ⅲ级）生产安全事故的报告" in text
    for part in (f"发生时间：{documents.chinese_date(TODAY)}。", "事件类别：生产安全事故。", "事件等级：较大（Ⅲ级）。",
                 "信息来源：应急管理局通报。", "车间起火，无人员伤亡。", "未达到第二十九条规定的实时上报等级",
                 "（联系人：王晓明，电话：0451-88880000）", documents.chinese_date(TODAY)):
        assert part in text, part
    assert text.count("生产安全事故") == 2  # the title and the kind: the category is not repeated
    upkeep.mark_incident_reported(Incident.get_by_id(incident.id), reported_on=TODAY, by=staff)
    response = client.post(f"/upkeep/incidents/{incident.id}/report/issue")
    text, _ = _texts(response.data)
    assert f"龙工信函〔{TODAY.year}〕1号" in text
    again, _ = _texts(client.post(f"/upkeep/incidents/{incident.id}/report/issue").data)
    assert f"龙工信函〔{TODAY.year}〕1号" in again
    assert IssuedDocument.select().count() == 1


@pytest.mark.parametrize("path", ["/upkeep/dynamic/opinion/issue?year=2024", "/upkeep/incidents/1/report/issue"])
def test_issuing_is_for_staff(app, client, make, login, path):
    login(make.user(Role.ENTERPRISE, subject=make.subject()))
    assert client.post(path).status_code in (403, 404)
