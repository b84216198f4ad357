"""The staff lists without the pool's search get one (申报评审, 第三方机构, 机构对接, 登记审核): a search on the name or
the credit code kept in the URL and in its export, and sort links on the name (and the year)."""
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from core.identifiers import make_credit_code
from models import Agency, Application, Engagement, SubjectStatus, local_now

from .helpers import make_agency

pytestmark = pytest.mark.staff(login=True)
YEAR = local_now().year
# 丁 before 张 in code points, in pinyin and in strokes: the same order on SQLite and PostgreSQL
FIRST, SECOND = "丁香乳业有限公司", "张家钢铁集团有限公司"
HOSTILE = ("\"'<script>alert(1)</script>", "%", "_", "100%_'\" OR 1=1 --", "乳业\" OR \"钢铁", "<", "'")


def code(serial):
    return make_credit_code("239902", serial)


CODES = {FIRST: code(71234567), SECOND: code(79876543)}


def names_in(html, names=(FIRST, SECOND)):
    """The names among `names` the page shows in its table, in their order on the page."""
    body = html.split("<table", 1)[1]
    found = [(body.index(name), name) for name in names if name in body]
    return [name for _, name in sorted(found)]


def sheet_column(client, url, column=1):  # after 序号
    response = client.get(url)
    assert response.status_code == 200, url
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=2, values_only=True))
    return [row[column] for row in rows]


def export_href(client, path, link_id, **args):
    """The href of the export link (`link_id`) on the list at `path` with the filters `args`."""
    html = client.get(path, query_string=args).get_data(as_text=True)
    return unescape(re.search(rf'id="{link_id}" [^>]*href="([^"]*)"', html).group(1))


def sort_href(html, label):
    """The href of the sort link whose text starts with `label`."""
    match = re.search(rf'<a href="([^"]*sort=[^"]*)">{label}', html)
    assert match, f"no sort link {label}"
    return unescape(match.group(1))


def check_search(client, path, default_order):
    """The search box is there, a part of the name or of the credit code finds one row of two, the text stays in the
    box, and hostile text is only text."""
    html = client.get(path).get_data(as_text=True)
    assert names_in(html) == default_order
    assert re.search(r'<label [^>]*for="([^"]+)">搜索[^<]*</label><input type="search" id="\1" name="q"', html)
    html = client.get(path, query_string={"q": "香乳业"}).get_data(as_text=True)
    assert names_in(html) == [FIRST] and 'value="香乳业"' in html
    html = client.get(path, query_string={"q": "乳"}).get_data(as_text=True)  # short: the LIKE fallback
    assert names_in(html) == [FIRST]
    html = client.get(path, query_string={"q": CODES[SECOND][-7:]}).get_data(as_text=True)
    assert names_in(html) == [SECOND]
    html = client.get(path, query_string={"q": CODES[SECOND][-7:].lower()}).get_data(as_text=True)
    assert names_in(html) == [SECOND]  # the code in lower case
    for text in HOSTILE:
        response = client.get(path, query_string={"q": text})
        assert response.status_code == 200, text
        page = response.get_data(as_text=True)
        assert "<script>alert" not in page
        if text in ("%", "_", "'", "<"):  # wildcards are characters, not patterns
            assert names_in(page) == []


def check_sort(client, path, label, expected_first):
    """The heading's link orders the rows, clicked again the other way; a made-up sort is the default order."""
    html = client.get(path).get_data(as_text=True)
    href = sort_href(html, label)
    html = client.get(href).get_data(as_text=True)
    assert names_in(html) == expected_first
    again = client.get(sort_href(html, label)).get_data(as_text=True)
    assert names_in(again) == expected_first[::-1]
    assert "▼" in again
    assert client.get(path, query_string={"sort": "id; drop table subject"}).status_code == 200
    assert client.get(path, query_string={"sort": "-"}).status_code == 200


# -- 申报评审 -------------------------------------------------------------------------------------------------------

@pytest.fixture
def applications(make, db_conn):
    first = make.pooled_subject(name=FIRST, credit_code=CODES[FIRST])
    second = make.pooled_subject(name=SECOND, credit_code=CODES[SECOND])
    # the default order is the newest year first: the second subject's application is the newer one
    Application.create(subject=first, year=YEAR - 1, rung="municipal", method="self")
    Application.create(subject=second, year=YEAR, rung="municipal", method="self")


def test_the_application_list_searches_and_sorts(client, staff, applications):
    check_search(client, "/applications/", [SECOND, FIRST])
    check_sort(client, "/applications/", "名称", [FIRST, SECOND])
    check_sort(client, "/applications/", "年度", [FIRST, SECOND])  # ascending: last year first
    html = client.get("/applications/?sort=name&q=有限公司&year=" + str(YEAR)).get_data(as_text=True)
    assert 'name="sort" value="name"' in html  # a new search keeps the order chosen
    assert names_in(html) == [SECOND]


def test_the_application_export_follows_the_search(client, staff, applications):
    href = export_href(client, "/applications/", "application-export", q="钢铁")
    assert "q=" in href
    assert sheet_column(client, href) == [SECOND]
    assert sheet_column(client, "/applications/export?q=" + CODES[FIRST][-7:]) == [FIRST]
    assert sheet_column(client, "/applications/export?q=%25") == []
    assert sheet_column(client, "/applications/export?sort=name") == [FIRST, SECOND]
    assert sheet_column(client, "/applications/export?sort=bogus") == [SECOND, FIRST]


# -- 第三方机构 -----------------------------------------------------------------------------------------------------

@pytest.fixture
def agencies(db_conn):
    for agency in (make_agency(name=SECOND), make_agency(name=FIRST, status="pending")):
        Agency.update(credit_code=CODES[agency.name]).where(Agency.id == agency.id).execute()


def test_the_agency_list_searches_and_sorts(client, staff, agencies):
    check_search(client, "/agencies/", [SECOND, FIRST])  # approved before pending
    check_sort(client, "/agencies/", "名称", [FIRST, SECOND])
    html = client.get("/agencies/?status=pending&q=有限").get_data(as_text=True)
    assert names_in(html) == [FIRST]
    assert "没有符合条件的机构" in client.get("/agencies/?q=不存在的机构").get_data(as_text=True)


def test_the_agency_export_follows_the_search(client, staff, agencies):
    href = export_href(client, "/agencies/", "agency-export", q="钢铁", status="approved")
    assert "q=" in href and "status=approved" in href
    assert sheet_column(client, href) == [SECOND]
    assert sheet_column(client, "/agencies/export?q=" + CODES[FIRST][-7:].lower()) == [FIRST]
    assert sheet_column(client, "/agencies/export?q=_") == []
    assert sheet_column(client, "/agencies/export") == [FIRST, SECOND]


# -- 机构对接 -------------------------------------------------------------------------------------------------------

@pytest.fixture
def engagements(make, staff, db_conn):
    first_agency = make_agency(name="北方评价中心有限公司")
    second_agency = make_agency(name="南岭咨询有限公司")
    first = make.subject(name=FIRST, credit_code=CODES[FIRST])
    second = make.subject(name=SECOND, credit_code=CODES[SECOND])
    # the list shows the newest first: the first subject's engagement is the newer one
    Engagement.create(subject=second, agency=second_agency, purpose="evaluation", rung="municipal", year=YEAR - 1,
                      status="declined", proposed_by=staff)
    Engagement.create(subject=first, agency=first_agency, purpose="evaluation", rung="municipal", year=YEAR,
                      status="declined", proposed_by=staff)


def test_the_engagement_list_searches_and_sorts(client, staff, engagements):
    check_search(client, "/agencies/engagements", [FIRST, SECOND])
    html = client.get("/agencies/engagements", query_string={"q": "南岭咨询"}).get_data(as_text=True)
    assert names_in(html) == [SECOND]  # the agency's name
    html = client.get("/agencies/engagements", query_string={"q": "北方"}).get_data(as_text=True)
    assert names_in(html) == [FIRST]
    check_sort(client, "/agencies/engagements", "培育对象", [FIRST, SECOND])


def test_the_engagement_export_follows_the_list(client, staff, engagements):
    href = export_href(client, "/agencies/engagements", "engagement-export", q="南岭")
    assert "q=" in href
    assert sheet_column(client, href) == [SECOND]
    assert sheet_column(client, "/agencies/engagements/export?q=" + CODES[FIRST][-7:]) == [FIRST]
    assert sheet_column(client, f"/agencies/engagements/export?year={YEAR - 1}") == [SECOND]  # the existing filter
    assert sheet_column(client, "/agencies/engagements/export?status=expired") == []
    assert sheet_column(client, "/agencies/engagements/export?q=%25") == []
    assert sheet_column(client, "/agencies/engagements/export") == [FIRST, SECOND]  # newest year first, as before


# -- 登记审核 -------------------------------------------------------------------------------------------------------

@pytest.fixture
def registrations(make, db_conn):
    make.subject(name=SECOND, credit_code=CODES[SECOND], status=SubjectStatus.PENDING.value)
    make.subject(name=FIRST, credit_code=CODES[FIRST], status=SubjectStatus.INFO_REQUESTED.value)
    make.subject(name="丁香乳业已入库有限公司", status=SubjectStatus.ADMITTED.value)  # not in the queue


def test_the_registration_queue_searches_and_sorts(client, staff, registrations):
    check_search(client, "/pool/registrations", [SECOND, FIRST])  # oldest first
    assert "丁香乳业已入库有限公司" not in client.get("/pool/registrations?q=乳业").get_data(as_text=True)
    check_sort(client, "/pool/registrations", "名称", [FIRST, SECOND])
    assert "没有符合条件的登记" in client.get("/pool/registrations?q=不存在").get_data(as_text=True)


def test_the_search_is_kept_in_the_pagination_links(client, staff, make, db_conn):
    for n in range(51):
        make.subject(name=f"松花乳业{n:02d}有限公司", status=SubjectStatus.PENDING.value)
    make.subject(name="其他纸业有限公司", status=SubjectStatus.PENDING.value)
    html = client.get("/pool/registrations?q=松花乳业&sort=name").get_data(as_text=True)
    assert "其他纸业有限公司" not in html and "第 1 / 2 页" in html
    href = unescape(re.search(r'<a class="page-link" href="([^"]*)"\s*>下一页', html).group(1))
    assert "q=" in href and "sort=name" in href and "page=2" in href
    page_two = client.get(href).get_data(as_text=True)
    assert "松花乳业50有限公司" in page_two and "松花乳业00有限公司" not in page_two
