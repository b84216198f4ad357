"""Paginating a peewee query with a total count, for list pages and their htmx fragments."""
import math
from dataclasses import dataclass

from flask import request

from core.bounds import int_in


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def first_index(self):
        return (self.page - 1) * self.per_page + 1


def page_number():
    return int_in(request.args.get("page")) or 1


def chosen_sort(args, sorts, default=""):
    """The list's `sort` argument when it names one of `sorts`, else `default` (never an error)."""
    sort = args.get("sort")
    return sort if sort in sorts else default


def paginate(query, per_page=50, page=None):
    page = page or page_number()
    total = query.count()
    page = min(page, max(1, math.ceil(total / per_page)))
    return Page(items=list(query.paginate(page, per_page)), total=total, page=page, per_page=per_page)


# -- keyset pagination for lists that grow to a province (issue 19) -------------------------------------------------
# The first pages go by number (a small OFFSET); "next" and "previous" beyond them carry the sort key of the last
# (first) row shown, so page 900 costs what page 2 costs. The total is counted up to COUNT_CAP rows at most.

KEYSET_FROM = 5  # pages up to this number are linked by number
COUNT_CAP = 10_000
KEY_SEPARATOR = "~"


@dataclass
class KeysetPage:
    items: list
    total: int  # exact, or COUNT_CAP when `capped`
    capped: bool
    page: int
    per_page: int
    has_next: bool
    next_key: str | None = None  # the sort key of the last row shown: the next page starts after it
    prev_key: str | None = None  # the sort key of the first row shown: the previous page ends before it

    @property
    def pages(self):
        return None if self.capped else max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def first_index(self):
        return (self.page - 1) * self.per_page + 1

    @property
    def total_label(self):
        return f"{COUNT_CAP:,}+" if self.capped else str(self.total)

    def link_args(self, args, direction):
        """The query arguments of the "next" or "previous" link, keeping the filters."""
        args = {k: v for k, v in args.items() if k not in ("page", "after", "before")}
        if direction == "next":
            return {**args, "page": self.page + 1, "after": self.next_key}
        if self.page - 1 <= KEYSET_FROM or not self.prev_key:
            return {**args, "page": self.page - 1}
        return {**args, "page": self.page - 1, "before": self.prev_key}


def capped_count(query, cap=COUNT_CAP):
    """(count, capped): the rows of `query`, counting no further than `cap`."""
    n = query.order_by().limit(cap + 1).count()
    return (cap, True) if n > cap else (n, False)


def encode_key(value, row_id):
    return f"{value}{KEY_SEPARATOR}{row_id}"


def decode_key(text, cast=str):
    """(value, id) from a key of encode_key, or None for anything malformed."""
    value, separator, row_id = (text or "")[:300].rpartition(KEY_SEPARATOR)
    row_id = int_in(row_id)
    if not separator or row_id is None:
        return None
    try:
        return cast(value), row_id
    except (TypeError, ValueError):
        return None


def _after(column, tiebreak, key, descending):
    """Rows after `key` in the order (column, tiebreak), both ascending or both descending. The redundant bound on
    `column` alone lets the database walk the column's index from the key."""
    value, row_id = key
    if descending:
        return (column <= value) & ((column < value) | (tiebreak < row_id))
    return (column >= value) & ((column > value) | (tiebreak > row_id))


def keyset_paginate(query, column, tiebreak, descending, key_of, count, per_page=50, cast=str):
    """A KeysetPage of `query` (not yet ordered) in the order (column, tiebreak), descending or not.

    `key_of(row)` gives a row's (value, id); `count()` gives (total, capped). The request's `page`, `after` and
    `before` arguments choose the page: `after` / `before` carry a key, `page` alone is a page number."""
    page = page_number()
    after = decode_key(request.args.get("after"), cast)
    before = None if after else decode_key(request.args.get("before"), cast)
    forward = (column.desc(), tiebreak.desc()) if descending else (column.asc(), tiebreak.asc())
    backward = (column.asc(), tiebreak.asc()) if descending else (column.desc(), tiebreak.desc())
    if after:
        rows = list(query.where(_after(column, tiebreak, after, descending)).order_by(*forward).limit(per_page + 1))
        has_next = len(rows) > per_page
        rows = rows[:per_page]
    elif before:
        rows = list(query.where(_after(column, tiebreak, before, not descending)).order_by(*backward)
                    .limit(per_page))
        rows.reverse()
        has_next = True
        if len(rows) < per_page:  # the start of the list was reached: show the first page
            rows, page, has_next = None, 1, None
    else:
        rows = None
    total = capped = None
    if rows is None:
        if page > 1:  # a page number past the end shows the last page
            total, capped = count()
            if not capped:
                page = min(page, max(1, math.ceil(total / per_page)))
        rows = list(query.order_by(*forward).offset((page - 1) * per_page).limit(per_page + 1))
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        if page == 1 and not has_next:  # the whole list is on this page: its rows are the count (a search, mostly)
            total, capped = len(rows), False
    if total is None:
        total, capped = count()
    return KeysetPage(items=rows, total=total, capped=capped, page=page, per_page=per_page, has_next=has_next,
                      next_key=encode_key(*key_of(rows[-1])) if rows and has_next else None,
                      prev_key=encode_key(*key_of(rows[0])) if rows and page > 1 else None)
