"""Issue 19: substring search through a trigram index (SQLite FTS5 / PostgreSQL pg_trgm), kept current by triggers;
keyset pagination of the pool list; the subject counts the home page reads, kept by triggers."""
import html
import re

import pytest
from peewee import JOIN, fn

from blueprints.main.routes import staff_figures
from blueprints.pool.figures import pool_figures
from core import search
from models import PoolEntry, Rung, Subject, SubjectCount, SubjectStatus

pytestmark = pytest.mark.staff(login=True)
NEXT = re.compile(r'<a class="page-link" href="([^"]+)"[^>]*>下一页</a>')
PREV = re.compile(r'<a class="page-link" href="([^"]+)"[^>]*>上一页</a>')
ROW_NAME = re.compile(r'<a href="/pool/subjects/\d+">([^<]+)</a>')


def found(text):
    return {s.name for s in Subject.select().where(search.subject_condition(text))}


def pooled(make, name, year=2025, **fields):
    subject = make.subject(name=name, rung=Rung.POOL.value, **fields)
    PoolEntry.create(subject=subject, year_admitted=year)
    return subject


def test_search_finds_substrings_of_names_and_credit_codes(app, make):
    dairy = make.subject(name="北辰乳业集团有限公司")
    paper = make.subject(name="临江纸业有限公司")
    assert found("乳业集团") == {dairy.name}
    assert found("辰乳业") == {dairy.name}  # three characters from the middle
    assert found("有限公司") == {dairy.name, paper.name}
    code = paper.credit_code
    assert found(code[-6:]) == {paper.name}  # a run from the middle of the code (the serial part)
    assert found(code[-6:].lower()) == {paper.name}  # case does not matter
    assert found(code[2:8]) == {dairy.name, paper.name}  # the division code, shared
    assert found("不存在的名称") == set()
    assert found('"乳业') == set() and found("乳业 OR 纸业") == set()  # FTS syntax is text, not an operator


def test_search_index_follows_inserts_and_renames(app, make, db_conn):
    subject = make.subject(name="松源钢铁有限公司")
    assert found("源钢铁") == {subject.name}
    Subject.update(name="松源新材料有限公司").where(Subject.id == subject.id).execute()
    assert found("源钢铁") == set()
    assert found("新材料") == {"松源新材料有限公司"}
    later = make.subject(name="东宁新材料科技有限公司")
    assert found("新材料") == {"松源新材料有限公司", later.name}


def test_short_queries_fall_back_to_like(app, make):
    dairy = make.subject(name="北辰乳业有限公司")
    make.subject(name="临江纸业有限公司")
    assert found("乳") == {dairy.name}
    assert found("乳业") == {dairy.name}
    assert found(dairy.credit_code[:2]) >= {dairy.name}


def test_pool_list_search_uses_the_index(client, staff, make):
    pooled(make, "北辰乳业集团有限公司")
    pooled(make, "临江纸业有限公司")
    page = client.get("/pool/?q=乳业集团", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "北辰乳业集团有限公司" in page and "临江纸业" not in page and "共 1 条" in page


def walk(client, url):
    """Every page from `url` on by its "下一页" links: the names in order, and the URLs visited."""
    names, urls = [], []
    while url:
        urls.append(url)
        page = client.get(url).get_data(as_text=True)
        names += [html.unescape(n) for n in ROW_NAME.findall(page)]
        link = NEXT.search(page)
        url = html.unescape(link.group(1)) if link else None
    return names, urls


@pytest.mark.app_config(PAGE_SIZE=3)
@pytest.mark.parametrize("sort", ["-year", "year", "name", "-name"])
def test_keyset_pages_walk_the_whole_list_with_ties(client, staff, make, sort, db_conn):
    """Eleven subjects, many sharing a year and some a name: following "下一页" visits each once, in order."""
    for index in range(11):
        pooled(make, f"同名企业{index % 3}有限公司", year=2024 + index % 2)
    column = {"year": PoolEntry.year_admitted, "name": Subject.name}[sort.lstrip("-")]
    order = (column.desc(), PoolEntry.id.desc()) if sort.startswith("-") else (column, PoolEntry.id)
    expected = [n for (n,) in PoolEntry.select(Subject.name).join(Subject).order_by(*order).tuples()]
    names, urls = walk(client, f"/pool/?sort={sort}")
    assert names == expected and len(urls) == 4
    assert "after=" in urls[2] and "page=3" in urls[2]  # the next link carries the last row's sort key
    last = client.get(urls[3]).get_data(as_text=True)
    assert "第 4 / 4 页" in last and NEXT.search(last) is None


@pytest.mark.app_config(PAGE_SIZE=2)
def test_keyset_previous_page_and_bad_keys(client, staff, make, monkeypatch):
    from core import pagination

    monkeypatch.setattr(pagination, "KEYSET_FROM", 1)  # from page 2 on, "上一页" carries a key too
    for index in range(9):
        pooled(make, f"企业{index}有限公司", year=2025)
    names, urls = walk(client, "/pool/")
    page4 = client.get(urls[3]).get_data(as_text=True)
    previous = html.unescape(PREV.search(page4).group(1))
    assert "before=" in previous
    assert [html.unescape(n) for n in ROW_NAME.findall(client.get(previous).get_data(as_text=True))] == names[4:6]
    for bad in ("after=x", "after=~", "after=abc~1", "before=2025~99999999999999", "after=2025~-1&page=9"):
        response = client.get(f"/pool/?{bad}")
        assert response.status_code == 200 and "培育库" in response.get_data(as_text=True)


def counted(db_rows):
    return {k: v for k, v in db_rows if v}


def test_subject_counts_follow_every_change(app, make, db_conn):
    """subject_count, kept by triggers, equals a count of the tables after inserts, updates and pool changes."""
    a = make.subject(name="甲有限公司", district="松源区", status=SubjectStatus.PENDING.value)
    b = pooled(make, "乙有限公司", district="临江区")
    make.subject(name="丙有限公司", district="临江区", kind="park")
    Subject.update(status=SubjectStatus.ADMITTED.value, district="河东区").where(Subject.id == a.id).execute()
    PoolEntry.create(subject=a, year_admitted=2026)
    PoolEntry.update(status="exited").where(PoolEntry.subject == b.id).execute()
    Subject.update(rung=Rung.MUNICIPAL.value).where(Subject.id == b.id).execute()
    kept = counted(((d, k, r, s, p), n) for d, k, r, s, p, n in SubjectCount.select(
        SubjectCount.district, SubjectCount.kind, SubjectCount.rung, SubjectCount.status,
        SubjectCount.pool_status, SubjectCount.n).tuples())
    scanned = counted(((d, k, r, s, p or ""), n) for d, k, r, s, p, n in Subject.select(
        Subject.district, Subject.kind, Subject.rung, Subject.status, PoolEntry.status, fn.COUNT(Subject.id))
        .join(PoolEntry, on=(PoolEntry.subject == Subject.id), join_type=JOIN.LEFT_OUTER)
        .group_by(Subject.district, Subject.kind, Subject.rung, Subject.status, PoolEntry.status).tuples())
    assert kept == scanned
    figures = pool_figures()
    assert figures.total == 1 and figures.exited == 1 and figures.row("河东区")["total"] == 1
    home = staff_figures()
    assert home["total"] == 3 and home["waiting"] == 0
    assert home["by_district"]["临江区"] == {"factory": 1, "park": 1}


def test_home_page_shows_the_counts(client, staff, make):
    pooled(make, "北辰乳业有限公司", district="松源区")
    make.subject(name="待审企业有限公司", status=SubjectStatus.PENDING.value)
    page = client.get("/home").get_data(as_text=True)
    assert '<div class="fs-3" id="figure-waiting">1</div>' in page
    assert 'id="pool-figures-total">1<' in page


@pytest.mark.app_config(PAGE_SIZE=2)
def test_filtered_pages_read_in_the_pool_order_give_the_same_rows(client, staff, make, db_conn):
    """A filter keeping many rows reads the pool in its own order (pool_query(pool_first=True)): same rows, same
    order, same total as the filtered join."""
    for index in range(7):
        pooled(make, f"企业{index}有限公司", year=2024 + index % 3, district="临江区" if index % 2 else "松源区")
    expected = [n for (n,) in PoolEntry.select(Subject.name).join(Subject).where(Subject.district == "临江区")
                .order_by(PoolEntry.year_admitted.desc(), PoolEntry.id.desc()).tuples()]
    names, urls = walk(client, "/pool/?district=临江区")
    assert names == expected and len(urls) == 2
    assert "共 3 条" in client.get(urls[0]).get_data(as_text=True)


def test_a_search_that_fits_one_page_is_counted_from_its_rows(client, staff, make, monkeypatch):
    from blueprints.pool import rows

    for n in range(3):
        pooled(make, f"北辰乳业{n}有限公司")
    pooled(make, "临江纸业有限公司")

    def no_count(query, *args, **kwargs):
        raise AssertionError("a page that holds the whole list needs no COUNT")

    monkeypatch.setattr(rows, "capped_count", no_count)
    html = client.get("/pool/?q=北辰乳业", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "共 3 条" in html and len(ROW_NAME.findall(html)) == 3
