"""The pool list's query: filters, search and sorting from the URL, shared by the pool page, its fragment and its
export (and `flask pool export`), the plan's bulk add and the batch assignment's choice of subjects."""
from peewee import JOIN

from core import search, versions
from core.bounds import int_in, year_in
from core.pagination import chosen_sort
from models import PoolEntry, Subject, User, db

FILTERS = ("q", "kind", "district", "industry", "status", "rung", "year", "owner")
SORTS = {
    "name": Subject.name, "-name": Subject.name.desc(),
    "year": PoolEntry.year_admitted, "-year": PoolEntry.year_admitted.desc(),
    "district": Subject.district, "-district": Subject.district.desc(),
    "code": Subject.credit_code, "-code": Subject.credit_code.desc(),
}
DEFAULT_SORT = "-year"


def filters_from(args):
    values = {key: (args.get(key) or "").strip()[:100] for key in FILTERS}
    values["sort"] = chosen_sort(args, SORTS, DEFAULT_SORT)
    return values


def pool_query(filters, pool_first=False):
    """PoolEntry rows with their Subject and owner, filtered and sorted (ties broken by id: a stable order).

    `pool_first`: the pool is read first, in the list's order (SQLite keeps the left table of a CROSS JOIN outside),
    for filters that keep many rows: walking the sort's index and stopping after a page beats sorting every match
    (blueprints/pool/rows.py decides from the counts)."""
    Owner = User.alias()
    query = PoolEntry.select(PoolEntry, Subject, Owner)
    if pool_first:
        query = query.join(Subject, JOIN.CROSS).where(PoolEntry.subject == Subject.id)
    else:
        query = query.join(Subject)
    query = query.switch(PoolEntry).join(Owner, JOIN.LEFT_OUTER, on=(PoolEntry.owner == Owner.id))
    condition = search.subject_condition(filters.get("q"))  # through the trigram index (issue 19)
    if condition is not None:
        query = query.where(condition)
    for key, column in (("kind", Subject.kind), ("district", Subject.district), ("industry", Subject.industry_code),
                        ("status", PoolEntry.status), ("rung", Subject.rung)):
        if filters.get(key):
            query = query.where(column == filters[key])
    if year_in(filters.get("year")):
        query = query.where(PoolEntry.year_admitted == year_in(filters["year"]))
    if int_in(filters.get("owner")):
        query = query.where(PoolEntry.owner == int_in(filters["owner"]))
    sort = filters.get("sort") or DEFAULT_SORT
    # the tie-break runs the same way as the sort, so the default order walks the year index backwards and stops
    # after one page instead of sorting the whole pool
    return query.order_by(SORTS[sort], PoolEntry.id.desc() if sort.startswith("-") else PoolEntry.id)


# The distinct years admitted, newest first, one index probe a year (a loose index scan): SELECT DISTINCT read every
# entry on PostgreSQL (7.5 ms at 50,000 entries).
YEARS_ADMITTED = """WITH RECURSIVE years(year) AS (
    SELECT MAX(year_admitted) FROM pool_entry
    UNION ALL
    SELECT (SELECT MAX(year_admitted) FROM pool_entry WHERE year_admitted < years.year) FROM years
    WHERE years.year IS NOT NULL)
SELECT year FROM years WHERE year IS NOT NULL"""


def filter_choices():
    """What the pool filter bar (pool/_filter_fields.html) offers: staff, industries and the years admitted; read
    again only when the pool or a staff name changed (core/versions.py)."""
    from core.industries import INDUSTRIES

    def read():
        return {"staff": list(User.staff_members()), "industries": INDUSTRIES,
                "years": [year for (year,) in db.execute_sql(YEARS_ADMITTED).fetchall()]}

    return dict(versions.remembered("pool", "filter_choices", read))


def staff_choices():
    """Whom a pool entry can be given to (负责经办人), as a select's (id, name) choices; read again only when a staff
    name changed (core/versions.py)."""
    return versions.remembered("pool", "staff_choices",
                               lambda: [(str(u.id), u.display_name) for u in User.staff_members()])
