"""Exports follow what is on the screen (issue 15 item 12): a search typed after a list page loaded redraws the
table through htmx, and the same fragment carries the export link for that search (hx-swap-oob)."""
import io
import re
from datetime import date
from html import unescape

import pytest
from openpyxl import load_workbook

from models import AuditEvent, Listing, PoolEntry, Role

from .helpers import make_agency

HX = {"HX-Request": "true"}


pytestmark = pytest.mark.staff(login=True)


@pytest.fixture
def staff(staff, districts):
    """The logged-in staff user, with two districts configured."""
    return staff


@pytest.fixture
def pool(make, db_conn):
    subjects = [make.subject(name=name) for name in ("滤镜乳业有限公司", "滤镜钢铁有限公司", "其他化工有限公司")]
    for year, subject in zip((2024, 2025, 2025), subjects, strict=True):
        PoolEntry.create(subject=subject, year_admitted=year)
    return subjects


def export_href(html, link_id):
    """The href of the element with that id, and whether it is sent out of band."""
    tag = re.search(rf'<a [^>]*id="{link_id}"[^>]*>', html)
    assert tag, f"no #{link_id} in the response"
    return unescape(re.search(r'href="([^"]*)"', tag.group(0)).group(1)), 'hx-swap-oob="true"' in tag.group(0)


def rows_of(client, href):
    response = client.get(href)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    header_row = int(sheet.freeze_panes[1:]) - 1  # a printed sheet has a title row above its header
    return [row for row in sheet.iter_rows(min_row=header_row + 1, values_only=True) if any(row)]


def test_the_pool_fragment_carries_the_export_link_of_its_search(client, staff, pool):
    full = client.get("/pool/").get_data(as_text=True)
    href, oob = export_href(full, "export-link")
    assert not oob and len(rows_of(client, href)) == 3

    fragment = client.get("/pool/", query_string={"q": "滤镜", "year": "2025", "page": "1"}, headers=HX)
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and 'id="pool-table"' in html
    href, oob = export_href(html, "export-link")
    assert oob and href.startswith("/pool/export?") and "page=" not in href
    assert "year=2025" in href and "q=%E6%BB%A4%E9%95%9C" in href
    rows = rows_of(client, href)
    assert [r[1] for r in rows] == ["滤镜钢铁有限公司"]


def test_a_page_loaded_with_a_search_links_its_export_without_oob(client, staff, pool):
    html = client.get("/pool/?q=滤镜").get_data(as_text=True)
    href, oob = export_href(html, "export-link")
    assert not oob and html.count('id="export-link"') == 1
    assert sorted(r[1] for r in rows_of(client, href)) == ["滤镜乳业有限公司", "滤镜钢铁有限公司"]


def test_history_restore_gets_the_whole_page_with_one_export_link(client, staff, pool):
    html = client.get("/pool/?q=滤镜", headers={**HX, "HX-History-Restore-Request": "true"}).get_data(as_text=True)
    href, oob = export_href(html, "export-link")
    assert "<html" in html and not oob and html.count('id="export-link"') == 1


def test_the_public_list_fragment_carries_its_export_link(client, make, db_conn):
    for name, year in (("名单甲有限公司", 2024), ("名单乙有限公司", 2025)):
        subject = make.subject(name=name)
        Listing.create(subject=subject, rung="municipal", year=year, source="municipal_review",
                       listed_on=date(year, 9, 20))
    html = client.get("/list?year=2025", headers=HX).get_data(as_text=True)
    href, oob = export_href(html, "list-export")
    assert oob and href == "/list.xlsx?year=2025"
    assert [r[4] for r in rows_of(client, href)] == ["名单乙有限公司"]  # 序号, 市（地）, 区划代码, 区县, 名称
    href, oob = export_href(client.get("/list").get_data(as_text=True), "list-export")
    assert not oob and len(rows_of(client, href)) == 2


def test_the_audit_log_fragment_carries_its_export_link(app, client, make, login):
    admin = make.user(Role.ADMIN, username="chief")
    login(admin)
    html = client.get("/admin/audit?username=chief", headers=HX).get_data(as_text=True)
    href, oob = export_href(html, "audit-export")
    assert oob and href == "/admin/audit/export?username=chief"
    assert {r[2] for r in rows_of(client, href)} == {"chief"}


def test_the_agency_list_export_follows_its_status_filter(client, staff):
    make_agency(status="approved", name="已认可机构有限公司")
    make_agency(status="pending", name="待审核机构有限公司")
    href, _ = export_href(client.get("/agencies/?status=pending").get_data(as_text=True), "agency-export")
    assert href == "/agencies/export?status=pending"
    assert [r[1] for r in rows_of(client, href)] == ["待审核机构有限公司"]


def test_an_export_is_audited_with_the_filters_it_carried(app, client, staff, pool):
    href, _ = export_href(client.get("/pool/?q=滤镜", headers=HX).get_data(as_text=True), "export-link")
    client.get(href)
    with app.app_context():
        event = AuditEvent.select().where(AuditEvent.action == "pool.export").order_by(AuditEvent.id.desc()).get()
    assert "滤镜" in event.details
