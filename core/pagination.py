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


def paginate(query, per_page=50, page=None):
    page = page or page_number()
    total = query.count()
    page = min(page, max(1, math.ceil(total / per_page)))
    return Page(items=list(query.paginate(page, per_page)), total=total, page=page, per_page=per_page)
