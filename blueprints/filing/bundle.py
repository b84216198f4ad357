"""The 31 August bundle's files, as pure functions from gathered data to bytes (第十四条)."""
import hashlib
import io
import zipfile

from core import datapackage
from core.documents import OfficialDocument, chinese_date, contact_note, normalize_zip

from .sheets import list_sheet, pool_sheet, summary_sheet  # the sheets the province merges

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


def build_files(data, plan_docx):
    """Every file of the bundle, in order: {name: bytes}. `plan_docx` builds the plan's document."""
    files = {}
    if data["plan"] is not None:
        files[PLAN] = plan_docx(data["plan"], data["city"], data["filing_date"])
    files[POOL] = pool_sheet(data)
    files[SUMMARY] = summary_sheet(data)
    if data["listings"]:
        files[LIST] = list_sheet(data)
    data["attachments"] = list(files)
    files = {COVER: cover_letter(data), **files}
    files[DATA] = filing_data(data)
    return {MANIFEST: manifest(files), **files}


def filing_data(data):
    """data.json: the sheets' own rows (kept by blueprints/filing/sheets.py) and the counts the letter states."""
    counts = {key: data["counts"][key] for key in ("pool", "list", "list_new", "plan_items")}
    return datapackage.data_json("filing-bundle", city=data["city"], year=data["year"], when=data["filing_date"],
                                 letter=COVER, counts=counts, tables=data["tables"],
                                 files={"pool": POOL, "list": LIST, "summary": SUMMARY})


def zip_files(files, when):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return normalize_zip(buffer.getvalue(), when)
