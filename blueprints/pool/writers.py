"""The pool's documents: the .xlsx export of the pool list and the import template, in the columns of the import
(spreadsheet.py)."""
from core.documents import xlsx_table
from models import PoolStatus, Potential, SubjectKind

from .spreadsheet import HEADERS, SHEET_TITLE


def export_row(entry):
    s = entry.subject
    share = s.park_value_added_share
    return [s.name, s.credit_code, SubjectKind.label_of(s.kind), s.district, s.industry_code, s.address,
            s.legal_representative, s.contact_person, s.contact_phone, s.contact_email, s.park_management_body,
            share if share is not None else "", s.park_boundary_note, s.energy_efficiency_level,
            entry.year_admitted, PoolStatus.label_of(entry.status), Potential.label_of(entry.potential),
            entry.owner.username if entry.owner_id else ""]


def build_pool_xlsx(entries):
    """The pool list as filtered, one row per entry, in the import's columns (an untouched export imports as a no-op)."""
    return xlsx_table(SHEET_TITLE, HEADERS, (export_row(e) for e in entries))


def build_template_xlsx():
    """The import template: the same columns, no rows."""
    return xlsx_table(SHEET_TITLE, HEADERS, [])
