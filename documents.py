"""Document writers: pure functions from data to bytes (.xlsx now; .docx and .zip join them here).

Spreadsheets follow the bureau's conventions (DESIGN.md §5): a 序号 column, codes stored as text,
a frozen header row, readable column widths, and no cell that a spreadsheet would evaluate.
"""
import io
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def safe_cell(value):
    """Text that starts like a formula is prefixed with an apostrophe so no spreadsheet evaluates it."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def _display_width(value):
    text = value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value if value is not None else "")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def xlsx_table(title, columns, rows, *, numbered=True):
    """One sheet: header row (frozen), optional 序号, every string stored as text. Returns bytes.

    columns: list of header strings; rows: iterables of cell values in the same order.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    header = (["序号"] if numbered else []) + list(columns)
    ws.append(header)
    widths = [_display_width(h) for h in header]
    for index, row in enumerate(rows, start=1):
        values = ([index] if numbered else []) + [safe_cell(v) for v in row]
        ws.append(values)
        for col, value in enumerate(values):
            widths[col] = max(widths[col], _display_width(value))
    for col_idx in range(1, len(header) + 1):
        cell = ws.cell(row=1, column=col_idx)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col_idx)].width = min(60, max(6, widths[col_idx - 1] + 2))
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.number_format = "@"
            elif isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
