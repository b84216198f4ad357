"""The 31 August filing bundle's files (第十四条), as pure functions from gathered data to bytes: the cover letter
(备案函), the plan (built by blueprints.plans.writers), and the sheets the province merges across its cities — the
pool (培育库名单), the municipal list (市级绿色制造名单) and the summary (汇总表) — with the manifest and data.json.

Every sheet carries 市（地） and 区划代码, the current rung (梯度), the kind, the industry code and its name apart, and
empty cells where there is nothing to say; each prints on A4 landscape under a title row, its header repeated
on every page. The province copies carry the units' contact person and phone and end with the 填报单位（盖章） line;
the public list (/list.xlsx, build_list_xlsx) is the same table without either.
"""
import hashlib

from blueprints.pool.figures import KINDS, RUNGS, filed_rung
from core import datapackage
from core.dates import chinese_date
from core.documents import OfficialDocument, contact_note, stamped_zip, xlsx_table
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


def build_list_xlsx(listings, city, *, contacts, when=None, footer=(), keep=None):
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
    return build_list_xlsx(data["listings"], data["city"], contacts=True, when=data["filing_date"],
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


# The letter, then its annexes numbered as the letter's 附件说明 numbers them (附件1 is file 01, GB/T 9704 8.x);
# the list comes last, as a year without a municipal list has none.
COVER = "备案函.docx"
PLAN = "01-培育计划.docx"
POOL = "02-培育库名单.xlsx"
SUMMARY = "03-培育库汇总表.xlsx"
LIST = "04-市级绿色制造名单.xlsx"
MANIFEST = "00-文件清单.txt"
DATA = datapackage.DATA  # the same rows as data, for the province to merge (docs/schema/filing-bundle.schema.json)


def cover_title(city, year):
    return f"关于报送{city['city_name']}{year}年绿色制造梯度培育工作有关材料的函"


def cover_letter(data):
    """备案函: names the attachments and, as its annex, what changed since last year's filing."""
    city, year, when = data["city"], data["year"], data["filing_date"]
    doc = OfficialDocument(when, city=city, number=data.get("document_number"))
    doc.title(cover_title(city, year))
    doc.addressee("省工业和信息化厅：")
    parts = []
    if data["plan"] is not None:
        parts.append(f"{year}年度培育计划（含培育对象{data['counts']['plan_items']}个）")
    parts.append(f"市级绿色制造培育库（{data['counts']['pool']}个培育对象）")
    if data["listings"]:
        parts.append(f"现行市级绿色制造名单（{data['counts']['list']}个，其中{year}年新公布{data['counts']['list_new']}个）")
    doc.paragraph(f"根据{doc.regulation()}第十四条要求，现将我市" + "、".join(parts) +
                  "报送备案。")
    doc.paragraph(data["figures"].sentence())
    if data["no_list_statement"]:
        doc.paragraph(data["no_list_statement"])
    changes = data["changes"]
    if changes["previous"]:
        doc.paragraph(f"与上次报送（{chinese_date(changes['previous'])}）相比，培育库新增{len(changes['pool_in'])}个、"
                      f"退出{len(changes['pool_out'])}个；市级名单新增{len(changes['list_in'])}个、"
                      f"移出{len(changes['list_out'])}个，详见附件。")
    annexes = annexes_of(data["attachments"])
    if changes["previous"]:
        annexes.append((annexes[-1][0] + 1 if annexes else 1, "与上次报送相比的变化情况"))
    doc.annexes(annexes)
    doc.signature(city["bureau_name"], when, note=contact_note(city))
    if changes["previous"]:
        doc.annex_heading(annexes[-1][0], "与上次报送相比的变化情况")
        rows = ([["培育库新增", s] for s in changes["pool_in"]] + [["培育库退出", s] for s in changes["pool_out"]] +
                [["名单新增", s] for s in changes["list_in"]] + [["名单移出", s] for s in changes["list_out"]])
        doc.table(["变化", "名称"], rows or [["无变化", ""]])
    return doc.to_bytes(city["bureau_name"])


def annexes_of(names):
    """[(number, title)] of the annexed files, numbered by their own "NN-" prefix, so that 附件N is file NN."""
    return [(int(name[:2]), name[3:].rsplit(".", 1)[0]) for name in names if name[:2].isdigit() and name[2] == "-"]


def manifest(files):
    lines = ["文件名\t字节数\tSHA-256"]
    lines += [f"{name}\t{len(content)}\t{hashlib.sha256(content).hexdigest()}" for name, content in files.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_files(data, build_plan_docx):
    """Every file of the bundle, in order: {name: bytes}. `build_plan_docx` builds the plan's document."""
    files = {}
    if data["plan"] is not None:
        files[PLAN] = build_plan_docx(data["plan"], data["city"], data["filing_date"])
    files[POOL] = pool_sheet(data)
    files[SUMMARY] = summary_sheet(data)
    if data["listings"]:
        files[LIST] = list_sheet(data)
    data["attachments"] = list(files)
    files = {COVER: cover_letter(data), **files}
    files[DATA] = filing_data(data)
    return {MANIFEST: manifest(files), **files}


def filing_data(data):
    """data.json: the sheets' own rows (kept by the sheet writers above) and the counts the letter states."""
    counts = {key: data["counts"][key] for key in ("pool", "list", "list_new", "plan_items")}
    return datapackage.data_json("filing-bundle", city=data["city"], year=data["year"], when=data["filing_date"],
                                 letter=COVER, counts=counts, tables=data["tables"],
                                 files={"pool": POOL, "list": LIST, "summary": SUMMARY})


def zip_files(files, when):
    """The bundle: one pass, every entry dated `when`; the .xlsx and .docx (zips themselves) stored as they are."""
    return stamped_zip(files, when, stored=(".xlsx", ".docx"))
