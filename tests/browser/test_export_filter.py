"""A clerk types a search after the pool page loaded, waits for the table, clicks export: the downloaded .xlsx holds
exactly the rows on the screen (issue 15 item 12). The public list does the same with its year filter."""
import io
import re
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect

from core import settings
from models import Listing, PoolEntry, Role, db
from tests.helpers import Factory

from .steps import login


def data_rows(download):
    """The table's rows as {column title: value}: below the header row (the one holding 名称), above any footer."""
    with open(download.path(), "rb") as fh:  # the saved download has no .xlsx suffix, which openpyxl wants
        sheet = load_workbook(io.BytesIO(fh.read())).active
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if "名称" in row)
    header = rows[header_at]
    return [dict(zip(header, row, strict=True)) for row in rows[header_at + 1:] if isinstance(row[0], int)]


def test_pool_export_after_a_search_holds_only_the_rows_found(live_server, browser):
    make = Factory()
    with db.connection_context():
        settings.save({"districts": ["松源区", "临江区"], "bureau_name": "龙江湾市工业和信息化局"})
    staff = make.user(Role.STAFF)
    names = ["北湖滤镜乳业有限公司", "南岭滤镜钢铁有限公司"] + [f"其他化工{n}有限公司" for n in range(5)]
    with db.connection_context():
        for name in names:
            PoolEntry.create(subject=make.subject(name=name), year_admitted=2025)

    page = browser.new_context().new_page()
    login(page, live_server, staff.username)
    page.goto(live_server + "/pool/")
    expect(page.locator("#pool-total")).to_contain_text("共 7 条")
    page.get_by_label("搜索名称或信用代码").fill("滤镜")
    expect(page.locator("#pool-total")).to_contain_text("共 2 条")
    expect(page.locator("#export-link")).to_have_attribute("href", "/pool/export?q=%E6%BB%A4%E9%95%9C&sort=-year")

    with page.expect_download() as info:
        page.locator("#export-link").click()
    rows = data_rows(info.value)
    assert len(rows) == 2 == len(page.locator("#pool-table tbody tr").all())
    assert sorted(row["名称"] for row in rows) == sorted(names[:2])

    page.get_by_label("搜索名称或信用代码").fill("")  # clearing the search widens the export again
    expect(page.locator("#pool-total")).to_contain_text("共 7 条")
    with page.expect_download() as info:
        page.locator("#export-link").click()
    assert len(data_rows(info.value)) == 7


def test_public_list_export_follows_the_year_chosen(live_server, browser):
    make = Factory()
    with db.connection_context():
        for n, year in enumerate((2024, 2024, 2025)):
            Listing.create(subject=make.subject(name=f"名单单位{n}有限公司"), rung="municipal", year=year,
                           source="municipal_review", listed_on=date(year, 9, 20))
    page = browser.new_context().new_page()
    page.goto(live_server + "/list")
    expect(page.locator("#public-list tbody tr")).to_have_count(3)
    page.get_by_label("年度").select_option("2024")
    expect(page.locator("#public-list tbody tr")).to_have_count(2)
    with page.expect_download() as info:
        page.locator("#list-export").click()
    assert sorted(row["名称"] for row in data_rows(info.value)) == ["名单单位0有限公司", "名单单位1有限公司"]


def test_a_search_typed_before_htmx_listens_is_still_sent(live_server, browser):
    """On a slow link a clerk types while htmx's script is still on its way: once htmx starts, the search goes out
    (htmx takes the typed value as its starting point, so only the search event can wake it)."""
    make = Factory()
    staff = make.user(Role.STAFF)
    with db.connection_context():
        for name in ["北湖慢网乳业有限公司", "其他化工一有限公司", "其他化工二有限公司"]:
            PoolEntry.create(subject=make.subject(name=name), year_admitted=2025)
    page = browser.new_context().new_page()
    login(page, live_server, staff.username)

    def late_htmx(route):
        page.wait_for_timeout(1500)
        route.continue_()

    page.route("**/htmx.min.js", late_htmx)
    page.goto(live_server + "/pool/", wait_until="commit")
    page.get_by_label("搜索名称或信用代码").fill("慢网")
    expect(page.locator("#pool-total")).to_contain_text("共 1 条")
    expect(page).to_have_url(re.compile(r"/pool/\?q=%E6%85%A2%E7%BD%91"))
