"""The shared document writers, pure functions from data to bytes: .xlsx tables (`xlsx_table`), .docx in the
official-document layout of GB/T 9704 (`OfficialDocument`) and byte-stable .zip (`normalize_zip`). Each area's
`writers.py` builds its own documents from these.

Spreadsheets follow the bureau's conventions: a 序号 column, codes stored as text, a frozen header row, readable
column widths, and no cell that a spreadsheet would evaluate. Dates are written by core.dates.chinese_date.
"""
import copy
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.compat import safe_string
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.cell_range import CellRange

from core.dates import chinese_date
from core.validation import INVISIBLE

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


# What XML 1.0 forbids: C0 controls but tab, LF and CR (openpyxl's ILLEGAL_CHARACTERS_RE), lone surrogates and
# U+FFFE/U+FFFF. openpyxl raises IllegalCharacterError on them and lxml (python-docx) ValueError: text stored before
# input was cleaned, or an append-only audit row, would break its export for good.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """Text without the characters XML forbids; any other value as it is. Every writer here passes text through it."""
    return _XML_ILLEGAL.sub("", value) if isinstance(value, str) else value


_FILENAME_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_FILENAME_UNSAFE = re.compile(r'[/\\:*?"<>|]')


def safe_filename(name, fallback="file"):
    """A file name built from stored text (a subject's name) that every system accepts: no directories, control,
    invisible or bidi characters, nor the characters Windows refuses; never empty, at most 255 characters."""
    clean = _FILENAME_UNSAFE.sub("_", INVISIBLE.sub("", _FILENAME_CONTROL.sub("", xml_safe(str(name or ""))))).strip(" .")
    return clean[:255] or fallback


def safe_cell(value):
    """Text without XML-forbidden characters; text that starts like a formula is prefixed with an apostrophe so
    no spreadsheet evaluates it."""
    value = xml_safe(value)
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


_WIDE = re.compile("[\u2e81-\U0010ffff]")  # what _display_width counts as two columns (ord > 0x2E80)


def _display_width(value):
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value if value is not None else "")
    return len(text) + len(_WIDE.findall(text))


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def normalize_zip(data, when, *, replace=None):
    """Rewrite a zip (docx/xlsx/bundle) with every entry, and the Office core dates, set to `when`:
    the same content gives the same bytes (openpyxl and python-docx otherwise stamp the time of saving).
    `replace` {member name: function of its bytes} rewrites members on the way (one pass, one compression)."""
    iso = _as_datetime(when).strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    replace = dict(replace or {})
    replace.setdefault("docProps/core.xml", lambda content: _CORE_DATES.sub(lambda m: m.group(1) + iso + m.group(3),
                                                                           content))
    files = {}
    for name in source.namelist():  # keep the writer's order: [Content_Types].xml must stay first
        content = source.read(name)
        files[name] = replace[name](content) if name in replace else content
    return stamped_zip(files, when)


def stamped_zip(files, when, *, stored=()):
    """A zip of {name: bytes} in order, every entry dated `when` (the same files give the same bytes). Names ending
    in one of `stored` (files already compressed: .xlsx, .docx) are stored, not deflated a second time."""
    moment = _as_datetime(when)
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED if stored and name.endswith(tuple(stored)) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


def xlsx_table(title, columns, rows, *, numbered=True, when=None, heading=None, footer=(), printed=False):
    """One sheet: header row (frozen), optional 序号, every string stored as text, "" written as an empty cell.
    Returns bytes.

    columns: list of header strings; rows: iterables of cell values in the same order.
    heading: a title row above the header, merged across the table. footer: lines under the table (after one blank
    row), such as the 填报单位（盖章） line. printed: print setup for a table that is printed and sealed — A4
    landscape, fit to the page width, the header row repeated on every page, thin borders on the table.
    """
    header = (["序号"] if numbered else []) + list(columns)
    body = [([index] if numbered else []) + [None if v == "" else safe_cell(v) for v in row]
            for index, row in enumerate(rows, start=1)]
    widths = [_display_width(h) for h in header]
    for values in body:
        for col, value in enumerate(values):
            widths[col] = max(widths[col], _display_width(value))
    wb = Workbook(write_only=True)  # streams rows: several times faster and leaner for a 5,000-row pool
    ws = wb.create_sheet(xml_safe(title)[:31])
    header_row = 2 if heading else 1
    ws.freeze_panes = f"A{header_row + 1}"
    for col_idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col_idx)].width = min(60, max(6, width + 2))
    last = get_column_letter(len(header))
    border = _THIN_BORDER if printed else None
    if printed:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = 9  # A4 (Worksheet.PAPERSIZE_A4)
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # one page wide, as many pages long as it takes
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.print_title_rows = f"{header_row}:{header_row}"
    if heading:
        ws.merged_cells.add(CellRange(f"A1:{last}1"))
        cell = WriteOnlyCell(ws, value=xml_safe(heading))
        cell.font, cell.alignment = _HEADING_FONT, Alignment(horizontal="center", vertical="center")
        ws.row_dimensions[1].height = 30
        ws.append([cell])
    ws.append([_header_cell(ws, text, border) for text in header])
    # The body and the footer are written as the sheet's XML directly, the way openpyxl writes its cells (inline
    # strings, one style id per kind of cell): an openpyxl cell object per value costs 15 µs, most of a 5,000-row
    # sheet's time. They go in after the header row when the workbook is saved.
    style_ids = {kind: _style_id(ws, kind, border) for kind in (None, "text", "date", "datetime")}
    first = header_row + len(body) + 2
    for offset, _line in enumerate(footer):
        ws.merged_cells.add(CellRange(f"A{first + offset}:{last}{first + offset}"))
    rows_xml = _rows_xml(body, header_row + 1, style_ids, border is not None)
    # the sheet's size, which openpyxl's write-only mode leaves out: a reader (our own import among them) would
    # otherwise parse every row once just to learn how many there are
    dimension = f'<dimension ref="A1:{last}{first - 2 + len(footer) + (1 if footer else 0)}"/>'.encode()
    if footer:
        rows_xml += f'<row r="{first - 1}"></row>' + "".join(
            f'<row r="{first + offset}">{_cell_xml(f"A{first + offset}", xml_safe(line), None)}</row>'
            for offset, line in enumerate(footer))
    buffer = io.BytesIO()
    wb.save(buffer)
    return _finish_xlsx(buffer.getvalue(), rows_xml.encode("utf-8"), when, dimension)


def _style_id(ws, kind, border):
    """The workbook's style id of a body cell of this kind (registered now, written with the styles); 0: none."""
    if kind is None and border is None:
        return 0
    cell = WriteOnlyCell(ws)
    if kind is not None:
        cell.number_format = {"text": "@", "datetime": "yyyy-mm-dd hh:mm", "date": "yyyy-mm-dd"}[kind]
    if border is not None:
        cell.border = border
    return cell.style_id


def _sheet_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _cell_xml(ref, value, style):
    """One <c> as openpyxl's writer makes it: text inline, numbers with %.16g, dates as Excel serial numbers."""
    s = f' s="{style}"' if style else ""
    if isinstance(value, str):
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_sheet_text(value)}</t></is></c>'
    if value is None:
        return f'<c r="{ref}"{s} t="n"></c>' if style else ""
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (datetime, date)):
        return f'<c r="{ref}"{s} t="n"><v>{safe_string(to_excel(value))}</v></c>'
    if isinstance(value, (int, float, Decimal)):
        return f'<c r="{ref}"{s} t="n"><v>{safe_string(value)}</v></c>'
    return _cell_xml(ref, xml_safe(str(value)), style)


def _rows_xml(body, first_row, style_ids, bordered):
    letters = [get_column_letter(i) for i in range(1, max((len(v) for v in body), default=0) + 1)]
    plain = style_ids[None]
    parts = []
    for number, values in enumerate(body, start=first_row):
        parts.append(f'<row r="{number}">')
        for letter, value in zip(letters, values, strict=False):
            kind = ("text" if isinstance(value, str) else "datetime" if isinstance(value, datetime)
                    else "date" if isinstance(value, date) else None)
            parts.append(_cell_xml(f"{letter}{number}", value, style_ids[kind] if kind else plain))
        parts.append("</row>")
    return "".join(parts)


def _finish_xlsx(data, rows_xml, when, dimension=b""):
    """The saved workbook with the body rows put in after the header, dates normalized when `when` is given."""
    def with_rows(content):
        if dimension and b"<dimension" not in content:
            content = content.replace(b"<sheetViews>", dimension + b"<sheetViews>", 1)
        return content.replace(b"</sheetData>", rows_xml + b"</sheetData>", 1)

    if when is not None:
        return normalize_zip(data, when, replace={"xl/worksheets/sheet1.xml": with_rows})
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():  # the writer's order: [Content_Types].xml must stay first
            content = source.read(info.filename)
            target.writestr(info, with_rows(content) if info.filename == "xl/worksheets/sheet1.xml" else content)
    return out.getvalue()


_THIN = Side(style="thin")
_THIN_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADING_FONT = Font(bold=True, size=14)


def _header_cell(ws, text, border=None):
    cell = WriteOnlyCell(ws, value=xml_safe(text))
    cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if border is not None:
        cell.border = border
    return cell


def _as_datetime(value):
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)


# GB/T 9704-2012: A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156×225 mm text block); title in
# 小标宋 二号 (22 pt); body in 仿宋 三号 (16 pt), 28 pt line pitch (22 lines); first-level headings 黑体, second-level
# 楷体; page numbers 4号 半角宋体 between em dashes, 7 mm under the text block, right on odd pages and left on even.
# The fonts are the ones a bureau's Word/WPS has; the Latin fallback keeps digits readable.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312"}
LATIN_FONT = "Times New Roman"
PAGE_NUMBER_FONT = "宋体"
CHAR = 16  # one character of body text (三号), in points: indents are counted in characters
LINE = 28  # the line pitch, in points
BLOCK_MM = (156, 225)  # the text block, width × height, portrait
PORTRAIT_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
# A landscape page keeps the 156×225 block, turned: 225 wide, 156 high.
LANDSCAPE_MARGINS_MM = {"top": 28, "bottom": 26, "left": 37, "right": 35}
WIDE_TABLE_COLUMNS = 7  # a table this wide (序号 included) goes on a landscape page
REGULATION_SHORT = "《实施细则》"
DEFAULT_REGULATION_TITLE = "《黑龙江省绿色制造与服务体系梯度培育及管理实施细则（征求意见稿）》"


def document_number(prefix, year, sequence=None):
    """发文字号 (GB/T 9704 7.2.4): 龙工信函〔2026〕12号 — 六角括号, no 第, no leading zero; a draft, whose number is
    allocated only when it is issued, shows 〔2026〕__号."""
    return f"{prefix or ''}〔{year}〕{sequence if sequence else '__'}号"


def contact_note(city):
    """The 附注 of a letter: 联系人 and phone from settings ('' when neither is set)."""
    parts = [f"联系人：{city['bureau_contact']}" if city.get("bureau_contact") else "",
             f"电话：{city['bureau_phone']}" if city.get("bureau_phone") else ""]
    return "，".join(p for p in parts if p)


def _text_width(text, size=CHAR):
    """Printed width in points: CJK and full-width characters one em, the rest (digits, Latin) about half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.55 for ch in str(text))


def _set_font(target, east_asia, size=None, bold=None, latin=LATIN_FONT):
    """Set a run's or style's font, Latin and East-Asian (python-docx needs rFonts w:eastAsia for the latter)."""
    font = target.font
    font.name = latin
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    rpr = target.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), east_asia)


def _set_margins(section, margins):
    section.top_margin, section.bottom_margin = Mm(margins["top"]), Mm(margins["bottom"])
    section.left_margin, section.right_margin = Mm(margins["left"]), Mm(margins["right"])


def _page_number_footer(footer, odd):
    """— 1 —: a PAGE field between em dashes, 4号 宋体, one character in from the outside edge."""
    paragraph = footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.first_line_indent = Pt(0)
    if odd:
        fmt.right_indent = Pt(14)
    else:
        fmt.left_indent = Pt(14)
    run = paragraph.add_run("— ")
    _set_font(run, PAGE_NUMBER_FONT, 14, latin=PAGE_NUMBER_FONT)
    field = paragraph.add_run()
    _set_font(field, PAGE_NUMBER_FONT, 14, latin=PAGE_NUMBER_FONT)
    for xml in ('<w:fldChar %s w:fldCharType="begin"/>', '<w:instrText %s xml:space="preserve"> PAGE </w:instrText>',
                '<w:fldChar %s w:fldCharType="separate"/>', '<w:t %s>1</w:t>', '<w:fldChar %s w:fldCharType="end"/>'):
        field._r.append(parse_xml(xml % nsdecls("w")))
    run = paragraph.add_run(" —")
    _set_font(run, PAGE_NUMBER_FONT, 14, latin=PAGE_NUMBER_FONT)


class OfficialDocument:
    """A letter or report in the layout of GB/T 9704. Build it, then take .to_bytes().

    `city` (the settings) gives the 发文字号 prefix, the 签发人 and the regulation's title; `number` is the issued
    number (the text as allocated, or the sequence); without one the document is a draft: 〔year〕__号. Without
    `city`, or with numbered=False (an annex sent as its own file), no 发文字号 line is written."""

    def __init__(self, issued_on, *, city=None, number=None, numbered=True):
        self.issued_on = issued_on
        self.city = city or {}
        self.doc = DocxDocument()
        self.doc.settings.odd_and_even_pages_header_footer = True  # w:evenAndOddHeaders
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        _set_margins(section, PORTRAIT_MARGINS_MM)
        section.footer_distance = Mm(25)  # the number's dashes about 7 mm under the text block
        _page_number_footer(section.footer, odd=True)
        _page_number_footer(section.even_page_footer, odd=False)
        normal = self.doc.styles["Normal"]
        _set_font(normal, BODY_FONT, CHAR)
        normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal.paragraph_format.line_spacing = Pt(LINE)
        normal.paragraph_format.space_after = Pt(0)
        self._table_styles = {}
        self._landscape = False
        self._annex_start = None  # the 附件N paragraph while nothing but its title follows it
        self._regulation_cited = False
        self._number = None
        if city is not None and numbered:  # an annex sent as its own file carries no 发文字号
            self._number_line(number)

    # --- the 版头 --------------------------------------------------------------------------------------------

    @property
    def number(self):
        return self._number

    def _number_line(self, number):
        """发文字号; with a 签发人, as a 上行文: the number one character in from the left, 签发人 one in from the
        right on the same line (签发人 in 仿宋, the name in 楷体). A red rule under it."""
        year = self.issued_on.year
        if isinstance(number, str) and number:
            self._number = number
        else:
            self._number = document_number(self.city.get("document_number_prefix", ""), year, number)
        signer = (self.city.get("signer") or "").strip()
        paragraph = self.doc.add_paragraph()
        paragraph.paragraph_format.space_before = Pt(LINE * 2)
        if signer:
            paragraph.paragraph_format.left_indent = Pt(CHAR)
            right = Mm(BLOCK_MM[0]) - Pt(CHAR)
            paragraph.paragraph_format.tab_stops.add_tab_stop(right, alignment=WD_TAB_ALIGNMENT.RIGHT)
            _set_font(paragraph.add_run(xml_safe(self._number) + "\t签发人："), BODY_FONT, CHAR)
            _set_font(paragraph.add_run(xml_safe(signer)), HEADING_FONTS[2], CHAR)
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _set_font(paragraph.add_run(xml_safe(self._number)), BODY_FONT, CHAR)
        ppr = paragraph._p.get_or_add_pPr()
        ppr.append(parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="12" w:space="11" '
                             'w:color="FF0000"/></w:pBdr>'))

    def regulation(self):
        """The regulation's full title (a setting) on first mention, with its short name; then the short name."""
        if self._regulation_cited:
            return REGULATION_SHORT
        self._regulation_cited = True
        title = (self.city.get("regulation_title") or DEFAULT_REGULATION_TITLE).strip()
        if not title.startswith("《"):
            title = f"《{title}》"
        return f"{title}（以下简称{REGULATION_SHORT}）"

    # --- sections: a wide table on a landscape page -------------------------------------------------------------

    def _break_section(self, before=None):
        """End the current section (its properties go into the paragraph that closes it) and start a new page.
        `before`: the element the new section starts with (default: whatever comes next)."""
        body = self.doc.element.body
        sentinel = body.get_or_add_sectPr()
        anchor = before.getprevious() if before is not None else sentinel.getprevious()
        if anchor is None or anchor.tag != qn("w:p") or anchor.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
            # a table (or nothing) ends the section: a paragraph of one point carries the break, no blank line
            anchor_p = parse_xml(f'<w:p {nsdecls("w")}><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" '
                                 'w:lineRule="exact"/><w:rPr><w:sz w:val="2"/></w:rPr></w:pPr></w:p>')
            (before if before is not None else sentinel).addprevious(anchor_p)
            anchor = anchor_p
        ppr = anchor.find(qn("w:pPr"))
        if ppr is None:
            ppr = anchor.makeelement(qn("w:pPr"), {})
            anchor.insert(0, ppr)
        ppr.append(copy.deepcopy(sentinel))
        for ref in sentinel.xpath("w:headerReference|w:footerReference"):
            sentinel.remove(ref)  # the new section inherits the page-number footers

    def _orient(self, landscape, before=None):
        if landscape == self._landscape:
            return
        self._break_section(before)
        section = self.doc.sections[-1]
        if landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = Mm(297), Mm(210)
            _set_margins(section, LANDSCAPE_MARGINS_MM)
        else:
            section.orientation = WD_ORIENT.PORTRAIT
            section.page_width, section.page_height = Mm(210), Mm(297)
            _set_margins(section, PORTRAIT_MARGINS_MM)
        self._landscape = landscape
        if before is not None and before.tag == qn("w:p"):  # the section break already starts a page
            ppr = before.find(qn("w:pPr"))
            if ppr is not None:
                for node in ppr.findall(qn("w:pageBreakBefore")):
                    ppr.remove(node)

    def _block_width(self):
        return Mm(BLOCK_MM[1] if self._landscape else BLOCK_MM[0])

    # --- content -----------------------------------------------------------------------------------------------

    def _table_style(self, name, east_asia, size, bold=False):
        """A paragraph style for table cells: fonts set once here, so rows need no run properties."""
        key = (name, size)
        if key not in self._table_styles:
            style = self.doc.styles.add_style(f"{name}{size:g}", WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = self.doc.styles["Normal"]
            _set_font(style, east_asia, size, bold)
            style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
            style.paragraph_format.first_line_indent = Pt(0)
            self._table_styles[key] = style.style_id
        return self._table_styles[key]

    def _paragraph(self, text, *, font=BODY_FONT, size=CHAR, bold=None, align=None, indent=False, keep_page=False):
        if not keep_page:
            self._orient(False, before=self._annex_start)
            self._annex_start = None
        paragraph = self.doc.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(size * 2)
        run = paragraph.add_run(xml_safe(text))
        _set_font(run, font, size, bold)
        return paragraph

    def title(self, text):
        paragraph = self._paragraph(text, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER)
        paragraph.paragraph_format.line_spacing = Pt(35)  # 二号 lines; one blank line under the title
        if self._number is not None:
            paragraph.paragraph_format.space_before = Pt(LINE * 2)  # two lines under the red rule
        paragraph.paragraph_format.space_after = Pt(LINE)

    def addressee(self, text):
        self._paragraph(text)

    def paragraph(self, text):
        for line in xml_safe(text or "").splitlines() or [""]:  # a stray \x0b or \x0c is no paragraph break
            if line.strip():
                self._paragraph(line.strip(), indent=True)

    def heading(self, text, level=1):
        self._paragraph(text, font=HEADING_FONTS[level], indent=True)

    def annexes(self, names):
        """附件说明, one line under the body, two characters in: "附件：1.…", numbered as the annexes are.

        names: the annexes in order; an item may be (number, name) when the numbers are the files' own. A single
        annex is written without a number. Lines wrap under the name, not under 附件."""
        items = [item if isinstance(item, (tuple, list)) else (index, item)
                 for index, item in enumerate(names, start=1)]
        single = len(items) == 1 and not isinstance(names[0], (tuple, list))
        for position, (number, name) in enumerate(items):
            label = "" if single else f"{number}."
            prefix = "附件：" if position == 0 else "　　　"
            paragraph = self._paragraph(f"{prefix}{label}{name}")
            fmt = paragraph.paragraph_format
            hang = CHAR * 3 + _text_width(label)
            fmt.left_indent = Pt(CHAR * 2 + hang)
            fmt.first_line_indent = Pt(-hang)
            if position == 0:
                fmt.space_before = Pt(LINE)

    def signature(self, organisation, when=None, *, note=None):
        """GB/T 9704 7.3.5.1: room for the seal under the body, the bureau's name centred over the date, the date in
        Arabic numerals four characters in from the right; the 附注 (note, such as 联系人 and phone) in brackets on
        the line under the date, two characters in."""
        day = chinese_date(when or self.issued_on)
        name = xml_safe(organisation or "")
        offset = max(0.0, CHAR * 4 + (_text_width(day) - _text_width(name)) / 2)
        signed = self._paragraph(name, align=WD_ALIGN_PARAGRAPH.RIGHT)
        signed.paragraph_format.space_before = Pt(LINE * 2)  # the seal's room: it presses on the name and the date
        signed.paragraph_format.right_indent = Pt(offset)
        signed.paragraph_format.keep_with_next = True
        dated = self._paragraph(day, align=WD_ALIGN_PARAGRAPH.RIGHT)
        dated.paragraph_format.right_indent = Pt(CHAR * 4)
        if note:
            dated.paragraph_format.keep_with_next = True
            self._paragraph(f"（{note}）", indent=True)

    def annex_heading(self, number, title):
        """A new page (a page break on the heading itself, no blank paragraph): 附件N in 3号 黑体 at the left margin,
        then the annex's title centred on the third line."""
        # the orientation is left to what follows: a wide table keeps a landscape page, anything else turns it back
        heading = self._paragraph(f"附件{number}", font=HEADING_FONTS[1], keep_page=True)
        heading.paragraph_format.page_break_before = True
        heading.paragraph_format.keep_with_next = True
        titled = self._paragraph(title, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, keep_page=True)
        titled.paragraph_format.line_spacing = Pt(35)
        titled.paragraph_format.space_before = Pt(LINE)
        titled.paragraph_format.space_after = Pt(LINE)
        self._annex_start = heading._p

    def table(self, headers, rows, size=10.5, *, landscape=None):
        """A grid table with 序号 first; header in 黑体, cells in 仿宋 at a size that fits the page; columns as wide as
        their content needs (a credit code on one line). A table of seven columns or more goes on a landscape page
        (with its annex heading when it opens an annex); `landscape` overrides that.

        Rows are written as XML (python-docx builds cells one element at a time, which is slow for
        the thousand-row annexes of a filing)."""
        header = ["序号"] + list(headers)
        body = [[index] + ["" if v is None else v for v in row] for index, row in enumerate(rows, start=1)]
        wide = len(header) >= WIDE_TABLE_COLUMNS if landscape is None else landscape
        self._orient(wide, before=self._annex_start)
        self._annex_start = None
        widths = _column_widths(header, body, size, self._block_width())
        table = self.doc.add_table(rows=0, cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        tbl = table._tbl
        tbl_pr = tbl.tblPr
        for node in tbl_pr.findall(qn("w:tblW")):
            tbl_pr.remove(node)
        tbl_pr.append(parse_xml(f'<w:tblW {nsdecls("w")} w:w="{sum(widths)}" w:type="dxa"/>'))
        tbl_pr.append(parse_xml(f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>'))
        for grid_col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
            grid_col.set(qn("w:w"), str(width))
        header_style = self._table_style("表头", HEADING_FONTS[1], size)
        body_style = self._table_style("表格", BODY_FONT, size)
        tbl.append(_row_xml(header, header_style, header=True, widths=widths))
        for values in body:
            tbl.append(_row_xml(values, body_style, widths=widths))
        return table

    def to_bytes(self, author=""):
        properties = self.doc.core_properties
        stamp = _as_datetime(self.issued_on)
        properties.created = properties.modified = properties.last_printed = stamp
        properties.author = properties.last_modified_by = xml_safe(author)
        properties.revision = 1
        buffer = io.BytesIO()
        self.doc.save(buffer)
        return normalize_zip(buffer.getvalue(), stamp)


_CELL_MARGINS_PT = 10.8  # Word's default cell margins, left and right together
_SPLITTABLE = re.compile(r"[\u2e80-\uffff\s]")


def _column_widths(header, body, size, block):
    """Column widths in twips that fill the text block: a column whose text has no place to wrap (a credit code, a
    date, a number) is as wide as its longest value; the others share the rest by how much text they hold."""
    natural, rigid = [], []
    for col, title in enumerate(header):
        values = [str(row[col]) for row in body if col < len(row)]
        longest = max([_text_width(v, size) for v in values] + [0.0])
        head = min(_text_width(title, size), size * 4)  # a header may wrap after four characters
        unbreakable = bool(values) and not any(_SPLITTABLE.search(v) for v in values if v)
        rigid.append(unbreakable)
        natural.append(max(longest if unbreakable else min(longest, size * 20), head, size * 2) + _CELL_MARGINS_PT)
    available = block.pt
    fixed = sum(w for w, r in zip(natural, rigid, strict=True) if r)
    flexible = sum(w for w, r in zip(natural, rigid, strict=True) if not r)
    if fixed + flexible <= available or fixed >= available or not flexible:  # all fits (or nothing can give)
        scale = available / (fixed + flexible)
        points = [w * scale for w in natural]
    else:  # each text column keeps room for four characters (or its text), the rest goes by how much text is left
        floors = [w if r else min(w, size * 4 + _CELL_MARGINS_PT) for w, r in zip(natural, rigid, strict=True)]
        spare = available - sum(floors)
        if spare <= 0:
            points = [w * available / sum(floors) for w in floors]
        else:
            extra = [0.0 if r else w - f for w, f, r in zip(natural, floors, rigid, strict=True)]
            points = [f + spare * e / sum(extra) for f, e in zip(floors, extra, strict=True)]
    return [int(p * 20) for p in points]


def _row_xml(values, style_id, header=False, widths=None):
    cells = "".join(
        f'<w:tc>{_cell_width(widths, col)}<w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>'
        f'<w:r><w:t xml:space="preserve">{_xml_text("" if v is None else v)}</w:t></w:r></w:p></w:tc>'
        for col, v in enumerate(values))
    header_mark = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""  # repeat the header on every page
    return parse_xml(f"<w:tr {nsdecls('w')}>{header_mark}{cells}</w:tr>")


def _cell_width(widths, col):
    if not widths or col >= len(widths):
        return ""
    return f'<w:tcPr><w:tcW w:w="{widths[col]}" w:type="dxa"/></w:tcPr>'


_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _xml_text(value):
    text = xml_safe(str(value))
    return "".join(_XML_ESCAPES.get(ch, ch) for ch in text)


DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
