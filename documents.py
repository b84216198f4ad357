"""Document writers: pure functions from data to bytes (.xlsx now; .docx and .zip join them here).

Spreadsheets follow the bureau's conventions (DESIGN.md §5): a 序号 column, codes stored as text,
a frozen header row, readable column widths, and no cell that a spreadsheet would evaluate.
"""
import io
import re
import zipfile
from datetime import date, datetime

from docx import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from validation import INVISIBLE

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


def _display_width(value):
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value if value is not None else "")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def normalize_zip(data, when):
    """Rewrite a zip (docx/xlsx/bundle) with every entry, and the Office core dates, set to `when`:
    the same content gives the same bytes (openpyxl and python-docx otherwise stamp the time of saving)."""
    moment = _as_datetime(when)
    stamp = (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, 0)
    iso = moment.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():  # keep the writer's order: [Content_Types].xml must stay first
            content = source.read(name)
            if name == "docProps/core.xml":
                content = _CORE_DATES.sub(lambda m: m.group(1) + iso + m.group(3), content)
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, content)
    return out.getvalue()


def xlsx_table(title, columns, rows, *, numbered=True, when=None):
    """One sheet: header row (frozen), optional 序号, every string stored as text. Returns bytes.

    columns: list of header strings; rows: iterables of cell values in the same order.
    """
    header = (["序号"] if numbered else []) + list(columns)
    body = [([index] if numbered else []) + [safe_cell(v) for v in row] for index, row in enumerate(rows, start=1)]
    widths = [_display_width(h) for h in header]
    for values in body:
        for col, value in enumerate(values):
            widths[col] = max(widths[col], _display_width(value))
    wb = Workbook(write_only=True)  # streams rows: several times faster and leaner for a 5,000-row pool
    ws = wb.create_sheet(xml_safe(title)[:31])
    ws.freeze_panes = "A2"
    for col_idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col_idx)].width = min(60, max(6, width + 2))
    ws.append([_header_cell(ws, text) for text in header])
    for values in body:
        ws.append([_typed_cell(ws, value) for value in values])
    buffer = io.BytesIO()
    wb.save(buffer)
    return normalize_zip(buffer.getvalue(), when) if when is not None else buffer.getvalue()


def _header_cell(ws, text):
    cell = WriteOnlyCell(ws, value=xml_safe(text))
    cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    return cell


def _typed_cell(ws, value):
    """Text is stored as text (credit codes stay codes); dates get a date format."""
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "@"
        return cell
    if isinstance(value, (date, datetime)):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, datetime) else "yyyy-mm-dd"
        return cell
    return value


def _as_datetime(value):
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)


def chinese_date(value):
    """2026年8月31日, as official documents write dates."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


# GB/T 9704-2012: A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title in 小标宋 二号 (22 pt);
# body in 仿宋 三号 (16 pt), 28 pt line pitch; first-level headings 黑体, second-level 楷体. The fonts are the
# ones a bureau's Word/WPS has; the Latin fallback keeps digits readable.
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312"}
LATIN_FONT = "Times New Roman"


def _set_font(target, east_asia, size=None, bold=None):
    """Set a run's or style's font, Latin and East-Asian (python-docx needs rFonts w:eastAsia for the latter)."""
    font = target.font
    font.name = LATIN_FONT
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


class OfficialDocument:
    """A letter or report in the layout of GB/T 9704. Build it, then take .to_bytes()."""

    def __init__(self, issued_on):
        self.issued_on = issued_on
        self.doc = DocxDocument()
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        normal = self.doc.styles["Normal"]
        _set_font(normal, BODY_FONT, 16)
        normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal.paragraph_format.line_spacing = Pt(28)
        normal.paragraph_format.space_after = Pt(0)
        self._table_styles = {}

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

    def _paragraph(self, text, *, font=BODY_FONT, size=16, bold=None, align=None, indent=False):
        paragraph = self.doc.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(size * 2)
        run = paragraph.add_run(xml_safe(text))
        _set_font(run, font, size, bold)
        return paragraph

    def title(self, text):
        self._paragraph(text, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER)
        self._paragraph("")

    def addressee(self, text):
        self._paragraph(text)

    def paragraph(self, text):
        for line in xml_safe(text or "").splitlines() or [""]:  # a stray \x0b or \x0c is no paragraph break
            if line.strip():
                self._paragraph(line.strip(), indent=True)

    def heading(self, text, level=1):
        self._paragraph(text, font=HEADING_FONTS[level], indent=True)

    def annexes(self, names):
        """附件：1. … (the attachment lines, under the body, before the signature)."""
        self._paragraph("")
        for index, name in enumerate(names, start=1):
            prefix = "附件：" if index == 1 else "　　　"
            self._paragraph(f"{prefix}{index}. {name}", indent=True)

    def signature(self, organisation, when=None):
        self._paragraph("")
        self._paragraph(organisation, align=WD_ALIGN_PARAGRAPH.RIGHT)
        self._paragraph(chinese_date(when or self.issued_on), align=WD_ALIGN_PARAGRAPH.RIGHT)

    def annex_heading(self, number, title):
        """A new page: 附件N in 黑体, then the annex's title."""
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        self._paragraph(f"附件{number}", font=HEADING_FONTS[1])
        self._paragraph(title, font=TITLE_FONT, size=18, align=WD_ALIGN_PARAGRAPH.CENTER)

    def table(self, headers, rows, size=10.5):
        """A grid table with 序号 first; header in 黑体, cells in 仿宋 at a size that fits the page.

        Rows are written as XML (python-docx builds cells one element at a time, which is slow for
        the thousand-row annexes of a filing)."""
        table = self.doc.add_table(rows=0, cols=len(headers) + 1)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header_style = self._table_style("表头", HEADING_FONTS[1], size)
        body_style = self._table_style("表格", BODY_FONT, size)
        tbl = table._tbl
        tbl.append(_row_xml(["序号"] + list(headers), header_style, header=True))
        for index, row in enumerate(rows, start=1):
            tbl.append(_row_xml([index] + list(row), body_style))
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


def _row_xml(values, style_id, header=False):
    cells = "".join(
        f'<w:tc><w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr><w:r><w:t xml:space="preserve">'
        f'{_xml_text("" if v is None else v)}</w:t></w:r></w:p></w:tc>' for v in values)
    header_mark = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""  # repeat the header on every page
    return parse_xml(f"<w:tr {nsdecls('w')}>{header_mark}{cells}</w:tr>")


_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _xml_text(value):
    text = xml_safe(str(value))
    return "".join(_XML_ESCAPES.get(ch, ch) for ch in text)


DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
