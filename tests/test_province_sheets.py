"""Sheets the province merges (issue 17 item 6): the pool, the list and the summary in the filing bundle, and the
public list, read back from their bytes; the same counts in the cover letter, the 汇总表 and the site's pages."""
import io
import re
from datetime import date

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook

from blueprints.filing import operations as filing
from blueprints.filing import writers as bundle
from blueprints.plans import writers as plan_writers
from core import settings
from core.dates import chinese_date
from models import (
    Listing,
    PoolEntry,
    Rung,
    SubjectKind,
    SubjectStatus,
    local_now,
)

from .helpers import factory

YEAR = local_now().year
TODAY = local_now().date()
CITY = {"city_name": "龙江湾市", "division_code": "239900", "districts": ["松源区", "临江区"],
        "bureau_name": "龙江湾市工业和信息化局", "bureau_address": "政务大道8号", "bureau_contact": "王晓明",
        "bureau_phone": "0451-88880000"}
SEAL = "填报单位（盖章）：龙江湾市工业和信息化局"

POOL_HEADER = ["序号", "市（地）", "区划代码", "区县", "名称", "统一社会信用代码", "类型", "梯度", "行业代码", "行业名称",
               "入库年度", "培育状态", "目标梯度", "联系人", "联系电话", "否决项核查日期", "否决项核查结果"]
LIST_HEADER = ["序号", "市（地）", "区划代码", "区县", "名称", "统一社会信用代码", "类型", "梯度", "行业代码", "行业名称",
               "年度", "公布日期"]
SUMMARY_HEADER = ["市（地）", "区划代码", "区县", "类型：绿色工厂", "类型：绿色工业园区", "类型：绿色供应链管理企业",
                  "梯度：培育库", "梯度：市级", "梯度：省级", "梯度：国家级", "合计"]


def checked(subject):
    factory.eligibility_checks(subject)
    factory.veto_checks(subject, checked_on=date(YEAR, 1, 5))


@pytest.fixture
def city(app, make, staff):
    """Four pooled units (two districts, three kinds, three rungs), one that left the pool, one registration."""
    units = {
        "factory": make.subject(name="松源乳业有限公司", district="松源区", rung=Rung.POOL.value,
                                contact_person="赵一", contact_phone="13900000001"),
        "park": make.subject(name="临江经济开发区", kind=SubjectKind.PARK.value, district="临江区",
                             rung=Rung.MUNICIPAL.value, industry_code="44", contact_person="钱二",
                             contact_phone="13900000002"),
        "chain": make.subject(name="松源链主有限公司", kind=SubjectKind.SUPPLY_CHAIN.value, district="松源区",
                              rung=Rung.POOL.value, industry_code="99", contact_person="孙三",
                              contact_phone="13900000003"),
        "provincial": make.subject(name="临江钢铁有限公司", district="临江区", rung=Rung.PROVINCIAL.value,
                                   industry_code="31", contact_person="李四", contact_phone="13900000004"),
        "exited": make.subject(name="已退出企业有限公司", district="临江区", rung=Rung.POOL.value),
        "pending": make.subject(name="待审核企业有限公司", status=SubjectStatus.PENDING.value),
    }
    with app.test_request_context():
        settings.save(CITY)
        for key in ("factory", "park", "chain", "provincial"):
            PoolEntry.create(subject=units[key], year_admitted=YEAR - 1, owner=staff,
                             status="listed" if key == "park" else "cultivating")
            if key != "chain":  # the chain is not checked yet: its veto date is an empty cell
                checked(units[key])
        PoolEntry.create(subject=units["exited"], year_admitted=YEAR - 2, status="exited", exit_reason="自愿退出",
                         exited_on=date(YEAR, 1, 2))
        Listing.create(subject=units["park"], rung="municipal", year=YEAR, source="municipal_review",
                       listed_on=date(YEAR, 6, 1))
    return units


@pytest.fixture
def files(app, city):
    """The bundle's files built from the gathered data, as the build writes them."""
    with app.test_request_context():
        return bundle.build_files(filing.gather(YEAR, TODAY), plan_writers.build_plan_docx)


def sheet_of(data):
    return load_workbook(io.BytesIO(data)).active


def header_and_rows(sheet):
    """Row 2 is the header (row 1 the title); the table's rows follow until the first empty row."""
    header = [c.value for c in sheet[2]]
    rows = []
    for values in sheet.iter_rows(min_row=3, values_only=True):
        if not any(v is not None for v in values):
            break
        rows.append(dict(zip(header, values, strict=True)))
    return header, rows


def letter_text(files):
    return "\n".join(p.text for p in DocxDocument(io.BytesIO(files[bundle.COVER])).paragraphs)


def test_the_pool_sheet_has_the_province_columns_and_true_empty_cells(files, city):
    sheet = sheet_of(files[bundle.POOL])
    header, rows = header_and_rows(sheet)
    assert header == POOL_HEADER
    by_name = {row["名称"]: row for row in rows}
    park, chain = by_name["临江经济开发区"], by_name["松源链主有限公司"]
    assert (park["市（地）"], park["区划代码"], park["区县"]) == ("龙江湾市", "239900", "临江区")
    assert (park["类型"], park["梯度"], park["行业代码"], park["行业名称"]) == (
        "绿色工业园区", "市级", "44", "电力、热力生产和供应业")
    assert (park["联系人"], park["联系电话"]) == ("钱二", "13900000002")
    assert by_name["临江钢铁有限公司"]["梯度"] == "省级"
    assert chain["行业代码"] == "99" and chain["行业名称"] is None  # not a GB/T 4754 division: no name, no ""
    assert chain["否决项核查日期"] is None and park["目标梯度"] is None  # unchecked; no plan this year
    cells = [c for row in sheet.iter_rows(min_row=3, max_row=2 + len(rows)) for c in row]
    assert all(c.value not in ("", "—") for c in cells)
    code_cell = sheet.cell(row=3, column=header.index("区划代码") + 1)
    assert code_cell.data_type == "s" and code_cell.number_format == "@"  # 239900 stays a code


def test_units_that_left_the_pool_are_not_sent_up_and_the_letter_says_so(files, city):
    _, rows = header_and_rows(sheet_of(files[bundle.POOL]))
    names = {row["名称"] for row in rows}
    assert names == {"松源乳业有限公司", "临江经济开发区", "松源链主有限公司", "临江钢铁有限公司"}
    assert "已退出企业有限公司" not in names and "待审核企业有限公司" not in names
    assert "已退出培育库的1家未列入" in letter_text(files)
    summary = sheet_of(files[bundle.SUMMARY])
    assert any("已退出培育库的1家未列入" in str(c.value) for row in summary.iter_rows() for c in row if c.value)


@pytest.mark.parametrize("name", ["02-培育库名单.xlsx", "04-市级绿色制造名单.xlsx", "03-培育库汇总表.xlsx"])
def test_every_province_sheet_prints_on_a4_landscape_under_its_title_with_the_seal_line(files, name):
    sheet = sheet_of(files[name])
    setup = sheet.page_setup
    assert (setup.orientation, str(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == ("landscape", "9", 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$2:$2" and sheet.freeze_panes == "A3"
    assert sheet["A1"].value.startswith("龙江湾市") and any(str(r).startswith("A1:") for r in sheet.merged_cells.ranges)
    header, rows = header_and_rows(sheet)
    assert rows
    for cell in (sheet.cell(row=2, column=1), sheet.cell(row=2 + len(rows), column=len(header))):
        assert {cell.border.left.style, cell.border.right.style, cell.border.top.style, cell.border.bottom.style} == {"thin"}
    lines = [row[0] for row in sheet.iter_rows(min_row=3 + len(rows), values_only=True) if row[0]]
    assert lines[-1] == f"{SEAL}　　　　日期：{chinese_date(TODAY)}"


def test_the_list_sheet_carries_contacts_and_the_public_list_never(app, client, files, city):
    header, rows = header_and_rows(sheet_of(files[bundle.LIST]))
    assert header == LIST_HEADER + ["联系人", "联系电话"]
    assert [(r["名称"], r["梯度"], r["联系人"], r["联系电话"]) for r in rows] == [
        ("临江经济开发区", "市级", "钱二", "13900000002")]

    response = client.get("/list.xlsx")
    assert response.status_code == 200
    public = sheet_of(response.data)
    header, rows = header_and_rows(public)
    assert header == LIST_HEADER
    assert [(r["市（地）"], r["区划代码"], r["名称"], r["行业代码"], r["行业名称"]) for r in rows] == [
        ("龙江湾市", "239900", "临江经济开发区", "44", "电力、热力生产和供应业")]
    values = {c.value for row in public.iter_rows() for c in row}
    assert "钱二" not in values and "13900000002" not in values
    assert public.page_setup.orientation == "landscape" and public.print_title_rows == "$2:$2"
    assert not any(str(v).startswith("填报单位") for v in values if v)  # a download, not a sealed filing


LETTER = re.compile(r"培育库名单共列入培育对象(\d+)个，按类型：绿色工厂(\d+)个、绿色工业园区(\d+)个、绿色供应链管理企业(\d+)个；"
                    r"按梯度：培育库(\d+)个、市级(\d+)个、省级(\d+)个、国家级(\d+)个；按区县：松源区(\d+)个、临江区(\d+)个。"
                    r"已退出培育库的(\d+)家未列入。")
KEYS = ["total", "factory", "park", "supply_chain", "pool", "municipal", "provincial", "national", "松源区", "临江区",
        "exited"]
EXPECTED = dict(zip(KEYS, [4, 2, 1, 1, 2, 1, 1, 0, 2, 2, 1], strict=True))


def figures_on_page(html):
    """The figures the pool partial shows: totals by kind and rung, per district, the total and the exited."""
    def cell(element_id):
        match = re.search(rf'id="{element_id}">(\d+)<', html)
        assert match, element_id
        return int(match.group(1))
    found = {k: cell(f"pool-figures-kind-{k}") for k in ("factory", "park", "supply_chain")}
    found |= {r: cell(f"pool-figures-rung-{r}") for r in ("pool", "municipal", "provincial", "national")}
    for district in ("松源区", "临江区"):
        row = re.search(rf'<tr data-district="{district}">(.*?)</tr>', html, re.S).group(1)
        found[district] = int(re.search(r"data-total>(\d+)<", row).group(1))
    return found | {"total": cell("pool-figures-total"), "exited": cell("pool-figures-exited")}


def test_the_counts_agree_across_letter_summary_sheet_staff_home_and_pool_list(client, login, staff, files):
    match = LETTER.search(letter_text(files))
    assert match, letter_text(files)
    letter = dict(zip(KEYS, map(int, match.groups()), strict=True))

    header, rows = header_and_rows(sheet_of(files[bundle.SUMMARY]))
    assert header == SUMMARY_HEADER
    by_district = {row["区县"]: row for row in rows}
    assert list(by_district) == ["松源区", "临江区", "合计"]
    assert all((r["市（地）"], r["区划代码"]) == ("龙江湾市", "239900") for r in rows)
    total = by_district["合计"]
    summary = {"total": total["合计"], "factory": total["类型：绿色工厂"], "park": total["类型：绿色工业园区"],
               "supply_chain": total["类型：绿色供应链管理企业"], "pool": total["梯度：培育库"],
               "municipal": total["梯度：市级"], "provincial": total["梯度：省级"], "national": total["梯度：国家级"],
               "松源区": by_district["松源区"]["合计"], "临江区": by_district["临江区"]["合计"], "exited": letter["exited"]}
    _, pool_rows = header_and_rows(sheet_of(files[bundle.POOL]))

    login(staff)
    home = figures_on_page(client.get("/home").get_data(as_text=True))
    pool_list = figures_on_page(client.get("/pool/").get_data(as_text=True))
    assert letter == summary == home == pool_list == EXPECTED
    assert len(pool_rows) == EXPECTED["total"]
