"""The sheets the province merges across its cities: the pool (培育库名单), the municipal list (市级绿色制造名单) and
the summary (汇总表). Pure functions from data to bytes.

Every one carries 市（地） and 区划代码, the current rung (梯度), the kind, the industry code and its name apart, and
empty cells where there is nothing to say; each prints on A4 landscape under a title row, its header repeated
on every page. The province copies carry the units' contact person and phone and end with the 填报单位（盖章） line;
the public list (/list.xlsx) is the same table without either.
"""
from blueprints.pool.figures import KINDS, RUNGS, filed_rung
from core.documents import chinese_date, xlsx_table
from core.industries import INDUSTRY_NAMES
from models import PoolStatus, Rung, SubjectKind

PLACE_COLUMNS = ["市（地）", "区划代码", "区县"]
UNIT_COLUMNS = ["名称", "统一社会信用代码", "类型", "梯度", "行业代码", "行业名称"]
CONTACT_COLUMNS = ["联系人", "联系电话"]
POOL_COLUMNS = PLACE_COLUMNS + UNIT_COLUMNS + ["入库年度", "培育状态", "目标梯度"] + CONTACT_COLUMNS + [
    "否决项核查日期", "否决项核查结果"]
LIST_COLUMNS = PLACE_COLUMNS + UNIT_COLUMNS + ["年度", "公布日期"]
SUMMARY_COLUMNS = PLACE_COLUMNS + [f"类型：{SubjectKind.label_of(k)}" for k in KINDS] + [
    f"梯度：{Rung.label_of(r)}" for r in RUNGS] + ["合计"]


def _blank(value):
    """None where there is nothing to say: the province merges true empty cells, not "" or "—"."""
    return None if value in ("", None) else value


def seal_line(city, when):
    return f"填报单位（盖章）：{city.get('bureau_name') or ''}　　　　日期：{chinese_date(when)}"


def _place(city, district):
    return [_blank(city.get("city_name")), _blank(city.get("division_code")), _blank(district)]


def _unit(subject):
    return [subject.name, subject.credit_code, SubjectKind.label_of(subject.kind), Rung.label_of(filed_rung(subject.rung)),
            _blank(subject.industry_code), INDUSTRY_NAMES.get(subject.industry_code)]


def _contacts(subject):
    return [_blank(subject.contact_person), _blank(subject.contact_phone)]


def pool_sheet(data):
    """培育库名单 as filed: the entries not exited (data["pool"]), with contacts."""
    city = data["city"]
    rows = [_place(city, e.subject.district) + _unit(e.subject) +
            [e.year_admitted, PoolStatus.label_of(e.status), _blank(Rung.label_of(data["targets"].get(e.subject_id)))] +
            _contacts(e.subject) + [data["veto"][e.subject_id][0], _blank(data["veto"][e.subject_id][1])]
            for e in data["pool"]]
    data.setdefault("tables", {})["pool"] = (POOL_COLUMNS, rows)  # the same rows go into data.json
    return xlsx_table("培育库名单", POOL_COLUMNS, rows, when=data["filing_date"], printed=True,
                      heading=f"{city.get('city_name') or ''}绿色制造培育库名单（{data['year']}年）",
                      footer=[seal_line(city, data["filing_date"])])


def list_xlsx(listings, city, *, contacts, when=None, footer=(), keep=None):
    """市级绿色制造名单: each listing row with its subject; `contacts` only in the copies sent to the province.
    `keep` (a dict) receives the columns and rows under "list", for data.json."""
    rows = [_place(city, row.subject.district) + _unit(row.subject) + [row.year, row.listed_on] +
            (_contacts(row.subject) if contacts else []) for row in listings]
    columns = LIST_COLUMNS + (CONTACT_COLUMNS if contacts else [])
    if keep is not None:
        keep["list"] = (columns, rows)
    return xlsx_table("市级绿色制造名单", columns, rows, when=when, printed=True, footer=footer,
                      heading=f"{city.get('city_name') or ''}市级绿色制造名单")


def list_sheet(data):
    return list_xlsx(data["listings"], data["city"], contacts=True, when=data["filing_date"],
                     footer=[seal_line(data["city"], data["filing_date"])], keep=data.setdefault("tables", {}))


def summary_rows(figures, city):
    """One row per district, then the 合计 row: the figures of blueprints.pool.figures.pool_figures."""
    rows = []
    for district in figures.districts:
        row = figures.row(district)
        rows.append(_place(city, district) + [row["kinds"].get(k, 0) for k in KINDS] +
                    [row["rungs"][r] for r in RUNGS] + [row["total"]])
    rows.append(_place(city, "合计") + [figures.kinds[k] for k in KINDS] + [figures.rungs[r] for r in RUNGS] +
                [figures.total])
    return rows


def summary_sheet(data):
    """汇总表: the pool as filed counted by district, kind and rung, with the exited units noted under it."""
    city, figures = data["city"], data["figures"]
    footer = [f"注：已退出培育库的{figures.exited}家未列入。"] if figures.exited else []
    rows = summary_rows(figures, city)
    data.setdefault("tables", {})["summary"] = (SUMMARY_COLUMNS, rows)  # the same rows go into data.json
    return xlsx_table("汇总表", SUMMARY_COLUMNS, rows, numbered=False, when=data["filing_date"],
                      printed=True, heading=f"{city.get('city_name') or ''}绿色制造培育库汇总表（{data['year']}年）",
                      footer=footer + [seal_line(city, data["filing_date"])])
