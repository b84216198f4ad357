"""The pool list page's rows (issue 19: pages near the framework's floor).

What a profile of the list showed, and what this does instead:
- joined models (PoolEntry + Subject + User, 40 columns, three objects a row) → only the columns the page shows, as
  named tuples (attribute access in Jinja without the failed getattr a dict costs);
- a badge macro call per cell → the badge's colour and label looked up in a dict (`BADGES`);
- COUNT(*) over the joined pool on every page → the total from subject_count (kept by triggers) unfiltered and for the
  filters it knows (kind, district, rung, status), else counted up to core.pagination.COUNT_CAP rows;
- OFFSET for deep pages → keyset pagination (core.pagination.keyset_paginate) in the order the list is sorted.
"""
from peewee import fn

from core.pagination import capped_count, keyset_paginate
from models import PoolEntry, PoolStatus, Rung, Subject, SubjectCount, SubjectKind, User

from .queries import FILTERS, pool_query

# sort key of filters["sort"] (without its "-") → (column, the row's field, type of the value in a page key)
KEYS = {
    "name": (Subject.name, "name", str),
    "year": (PoolEntry.year_admitted, "year_admitted", int),
    "district": (Subject.district, "district", str),
    "code": (Subject.credit_code, "credit_code", str),
}
COLUMNS = (PoolEntry.id.alias("entry_id"), PoolEntry.year_admitted, PoolEntry.status, PoolEntry.potential,
           PoolEntry.owner.alias("owner_id"), Subject.id.alias("subject_id"), Subject.name, Subject.credit_code,
           Subject.kind, Subject.district, Subject.industry_code, Subject.rung, Subject.contact_person,
           Subject.contact_phone,
           # the owner's name: a primary-key lookup per row shown (pool_query's join to the owner is an alias)
           User.select(User.display_name).where(User.id == PoolEntry.owner).alias("owner_name"))
BADGES = {"pool": {m.value: (m.badge, m.label) for m in PoolStatus}, "rung": {m.value: (m.badge, m.label) for m in Rung},
          "kind": {m.value: m.label for m in SubjectKind}}


# filters subject_count answers exactly: the list's filter → subject_count's column
COUNTED = {"kind": SubjectCount.kind, "district": SubjectCount.district, "rung": SubjectCount.rung,
           "status": SubjectCount.pool_status}


def counted_total(filters):
    """The pool entries (exited or not) matching `filters` from subject_count's pooled rows: exact and a few rows
    read, for filters on kind, district, rung and pool status only; None for any other filter."""
    if any(filters.get(key) for key in FILTERS if key not in COUNTED):
        return None
    query = SubjectCount.select(fn.COALESCE(fn.SUM(SubjectCount.n), 0)).where(SubjectCount.pool_status != "")
    for key, column in COUNTED.items():
        if filters.get(key):
            query = query.where(column == filters[key])
    return query.scalar()


def pool_total():
    """Every pool entry, exited or not."""
    return counted_total({})


def pool_page(filters, per_page):
    """A KeysetPage of the filtered pool list, its items named tuples of COLUMNS."""
    sort = filters.get("sort") or "-year"
    column, field, cast = KEYS[sort.lstrip("-")]
    total = counted_total(filters)
    # a filter that keeps a fiftieth of the pool or more, on a list in the pool's own order (the year): walk the
    # year index and stop after the page rather than sort every match (SQLite has no statistics to see it)
    pool_first = (total is not None and column is PoolEntry.year_admitted and any(filters.get(key) for key in COUNTED)
                  and total * 50 >= (pool_total() or 1))
    query = pool_query(filters, pool_first=pool_first)
    return keyset_paginate(
        query.select(*COLUMNS).namedtuples(), column, PoolEntry.id, sort.startswith("-"),
        key_of=lambda row: (getattr(row, field), row.entry_id),
        count=lambda: (total, False) if total is not None else capped_count(query),
        per_page=per_page, cast=cast)
