"""The pool's counts by district, kind and rung: one function, so the staff home page, the pool list, the filing's
cover letter and its summary sheet (汇总表) always show the same figures.

The pool as the province sees it is every entry not exited (退出); exited entries are counted apart.
"""
from dataclasses import dataclass, field

from peewee import fn

from core import settings, versions
from models import LADDER, PoolStatus, Rung, SubjectCount, SubjectKind

KINDS = [kind.value for kind in SubjectKind]
# an entry in the pool stands at least on the 培育库 rung (第十条): a rung below it is counted there
RUNGS = [rung.value for rung in LADDER if rung != Rung.INTEREST]


def filed_rung(rung):
    """The rung a pooled subject is filed at: its current rung, never below 培育库."""
    return rung if rung in RUNGS else Rung.POOL.value


@dataclass
class PoolFigures:
    districts: list  # configured districts first (with zeros), then any other district found, sorted
    by_district: dict  # {district: {"kinds": {kind: n}, "rungs": {rung: n}, "total": n}}
    kinds: dict = field(default_factory=dict)  # {kind: n}, every kind
    rungs: dict = field(default_factory=dict)  # {rung: n}, every filed rung
    total: int = 0
    exited: int = 0

    kind_keys = KINDS
    rung_keys = RUNGS

    def row(self, district):
        return self.by_district.get(district) or {"kinds": dict.fromkeys(KINDS, 0), "rungs": dict.fromkeys(RUNGS, 0),
                                                  "total": 0}

    def sentence(self):
        """The figures as the cover letter states them."""
        kinds = "、".join(f"{SubjectKind.label_of(k)}{self.kinds[k]}个" for k in KINDS)
        rungs = "、".join(f"{Rung.label_of(r)}{self.rungs[r]}个" for r in RUNGS)
        districts = "、".join(f"{d}{self.row(d)['total']}个" for d in self.districts)
        text = f"培育库名单共列入培育对象{self.total}个，按类型：{kinds}；按梯度：{rungs}"
        text += f"；按区县：{districts}。" if districts else "。"
        if self.exited:
            text += f"已退出培育库的{self.exited}家未列入。"
        return text


def pool_figures():
    """Count the pool (entries not exited) by district, kind and rung, and the exited entries: a few rows of
    subject_count (kept by triggers in the same transaction as every change, migrations/027_search_index.py), not a
    scan of the pool; counted again only when the pool changed (core/versions.py). Treat the result as read-only."""
    districts = tuple(settings.get("districts") or ())
    return versions.remembered("pool", ("pool_figures", districts), lambda: _count_pool(districts))


def _count_pool(configured):
    rows = (SubjectCount.select(SubjectCount.district, SubjectCount.kind, SubjectCount.rung, SubjectCount.pool_status,
                                fn.SUM(SubjectCount.n))
            .where(SubjectCount.pool_status != "", SubjectCount.n != 0)
            .group_by(SubjectCount.district, SubjectCount.kind, SubjectCount.rung, SubjectCount.pool_status).tuples())
    by_district, exited = {}, 0
    for district, kind, rung, status, n in rows:
        if status == PoolStatus.EXITED.value:
            exited += n
            continue
        row = by_district.setdefault(district, {"kinds": dict.fromkeys(KINDS, 0), "rungs": dict.fromkeys(RUNGS, 0),
                                                "total": 0})
        row["kinds"][kind] = row["kinds"].get(kind, 0) + n
        row["rungs"][filed_rung(rung)] += n
        row["total"] += n
    districts = list(configured) + sorted(d for d in by_district if d not in configured)
    return PoolFigures(
        districts=districts, by_district=by_district,
        kinds={k: sum(r["kinds"].get(k, 0) for r in by_district.values()) for k in KINDS},
        rungs={r: sum(row["rungs"][r] for row in by_district.values()) for r in RUNGS},
        total=sum(r["total"] for r in by_district.values()), exited=exited)
