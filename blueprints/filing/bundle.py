"""The 31 August bundle's files, as pure functions from gathered data to bytes (第十四条)."""
import hashlib
import io
import zipfile

from documents import OfficialDocument, chinese_date, normalize_zip, xlsx_table
from industries import industry_label
from models import PoolStatus, Rung, SubjectKind

COVER = "01-备案函.docx"
PLAN = "02-培育计划.docx"
POOL = "03-培育库名单.xlsx"
LIST = "04-市级绿色制造名单.xlsx"
MANIFEST = "00-文件清单.txt"


def cover_letter(data):
    """备案函: names the attachments and, as its annex, what changed since last year's filing."""
    city, year, when = data["city"], data["year"], data["filing_date"]
    doc = OfficialDocument(when)
    doc.title(f"关于报送{city['city_name']}{year}年绿色制造梯度培育工作有关材料的函")
    doc.addressee("省工业和信息化厅：")
    parts = []
    if data["plan"] is not None:
        parts.append(f"{year}年度培育计划（含培育对象 {data['counts']['plan_items']} 个）")
    parts.append(f"市级绿色制造培育库（{data['counts']['pool']} 个培育对象）")
    if data["listings"]:
        parts.append(f"现行市级绿色制造名单（{data['counts']['list']} 个，其中{year}年新公布 {data['counts']['list_new']} 个）")
    doc.paragraph("根据《黑龙江省绿色制造与服务体系梯度培育及管理实施细则》第十四条要求，现将我市" + "、".join(parts) +
                  "报送备案。")
    if data["no_list_statement"]:
        doc.paragraph(data["no_list_statement"])
    changes = data["changes"]
    if changes["previous"]:
        doc.paragraph(f"与上次报送（{chinese_date(changes['previous'])}）相比，培育库新增 {len(changes['pool_in'])} 个、"
                      f"退出 {len(changes['pool_out'])} 个；市级名单新增 {len(changes['list_in'])} 个、"
                      f"移出 {len(changes['list_out'])} 个，详见附件。")
    annexes = [name.split("-", 1)[1].rsplit(".", 1)[0] for name in data["attachments"]]
    if changes["previous"]:
        annexes.append("与上次报送相比的变化情况")
    doc.annexes(annexes)
    doc.paragraph(f"联系人：{city['bureau_contact']}，电话：{city['bureau_phone']}。")
    doc.signature(city["bureau_name"], when)
    if changes["previous"]:
        doc.annex_heading(len(annexes), "与上次报送相比的变化情况")
        rows = ([["培育库新增", s] for s in changes["pool_in"]] + [["培育库退出", s] for s in changes["pool_out"]] +
                [["名单新增", s] for s in changes["list_in"]] + [["名单移出", s] for s in changes["list_out"]])
        doc.table(["变化", "名称"], rows or [["无变化", ""]])
    return doc.to_bytes(city["bureau_name"])


POOL_COLUMNS = ["名称", "统一社会信用代码", "类型", "区县", "行业", "入库年度", "培育状态", "目标梯度", "负责人",
                "否决项核查日期", "否决项核查结果"]


def pool_sheet(data):
    rows = [[e.subject.name, e.subject.credit_code, SubjectKind.label_of(e.subject.kind), e.subject.district,
             industry_label(e.subject.industry_code), e.year_admitted, PoolStatus.label_of(e.status),
             Rung.label_of(data["targets"].get(e.subject_id, "")), e.owner.display_name if e.owner_id else "",
             data["veto"][e.subject_id][0] or "", data["veto"][e.subject_id][1]] for e in data["pool"]]
    return xlsx_table("培育库名单", POOL_COLUMNS, rows, when=data["filing_date"])


def list_sheet(data):
    rows = [[row.subject.name, row.subject.credit_code, SubjectKind.label_of(row.subject.kind), row.subject.district,
             industry_label(row.subject.industry_code), row.year, row.listed_on] for row in data["listings"]]
    return xlsx_table("市级绿色制造名单", ["名称", "统一社会信用代码", "类型", "区县", "行业", "年度", "公布日期"], rows,
                      when=data["filing_date"])


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
    if data["listings"]:
        files[LIST] = list_sheet(data)
    data["attachments"] = list(files)
    files = {COVER: cover_letter(data), **files}
    return {MANIFEST: manifest(files), **files}


def zip_files(files, when):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return normalize_zip(buffer.getvalue(), when)
