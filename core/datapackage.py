"""Machine-readable, verifiable packages: data.json beside the sheets, and the check the receiving side runs.

Every package that leaves the bureau (the 31 August filing bundle, the recommendation package) carries data.json:
the rows of its sheets under English field names, with the counts its cover letter states and a schema_version,
described by a JSON Schema under docs/schema/. `verify_package` checks a ZIP with nothing but the ZIP and this
repository: the manifest, the schema, and that sheets, data.json and the letter agree.
"""
import hashlib
import io
import json
import os
import re
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

from core.documents import safe_cell

SCHEMA_VERSION = "1.0"
DATA = "data.json"
MANIFEST = "00-文件清单.txt"
SCHEMA_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "schema")
SCHEMAS = {"filing-bundle": "filing-bundle.schema.json", "recommendation-package": "recommendation-package.schema.json"}

# The sheets' column titles and their field names in data.json. A column not listed here keeps its title as
# its field name (the schemas allow further fields), so a sheet that gains a column still verifies.
FIELDS = {
    "市（地）": "city", "区划代码": "division_code", "区县": "district",
    "名称": "name", "统一社会信用代码": "credit_code", "类型": "kind", "梯度": "rung", "行业": "industry",
    "行业代码": "industry_code", "行业名称": "industry_name", "联系人": "contact_person", "联系电话": "contact_phone",
    "入库年度": "year_admitted", "培育状态": "pool_status", "目标梯度": "target_rung", "负责人": "owner",
    "否决项核查日期": "veto_checked_on", "否决项核查结果": "veto_result", "年度": "year", "公布日期": "listed_on",
    "排序": "rank", "评价方式": "evaluation_method", "评价机构": "agency", "评价得分": "score",
    "培育库/市级名单": "membership", "推荐结论": "decision", "创建国家级意愿": "national_intent", "合计": "total",
}


def field_name(title):
    """The data.json field of a column title: FIELDS, then 类型：… / 梯度：… of the summary as kind_… / rung_…"""
    from models import Rung, SubjectKind

    if title in FIELDS:
        return FIELDS[title]
    for prefix, enum_ in (("类型：", SubjectKind), ("梯度：", Rung)):
        if title.startswith(prefix):
            for member in enum_:
                if member.label == title[len(prefix):]:
                    return f"{'kind' if enum_ is SubjectKind else 'rung'}_{member.value}"
    return title


def _json_value(value):
    """A date, time or decimal as JSON has it (json.dumps calls this for what it cannot write itself)."""
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _table_json(file, columns, rows):
    keys = [field_name(title) for title in columns]
    return {"file": file,
            "columns": [{"key": key, "title": title} for key, title in zip(keys, columns, strict=True)],
            "rows": [dict(zip(keys, row, strict=True)) for row in rows]}  # dates by _json_value, in json.dumps


def data_json(package, *, city, year, when, letter, counts, tables, files):
    """data.json's bytes: compact UTF-8 in a fixed key order, so the same rows give the same bytes and hash.
    `tables` {key: (columns, rows)} are the sheets' own rows; `files` {key: the sheet's file name}."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "package": package,
        "city": {"name": city.get("city_name", ""), "division_code": city.get("division_code", ""),
                 "bureau": city.get("bureau_name", "")},
        "year": year,
        "date": when,
        "letter": letter,
        "counts": counts,
        "tables": {key: _table_json(files[key], columns, rows) for key, (columns, rows) in tables.items()},
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"),
                      default=_json_value).encode("utf-8")


def load_schema(package):
    with open(os.path.join(SCHEMA_DIR, SCHEMAS[package]), encoding="utf-8") as fh:
        return json.load(fh)


# ---- verification (the receiving side) ----

def _read_manifest(text):
    entries = {}
    for line in text.splitlines()[1:]:
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ValueError(line)
        entries[parts[0]] = (parts[1], parts[2])
    return entries


def _check_manifest(archive, problems):
    names = archive.namelist()
    duplicates = sorted({n for n in names if names.count(n) > 1})
    for name in duplicates:
        problems.append(f"压缩包中 {name} 出现了不止一次")
    if MANIFEST not in names:
        problems.append(f"压缩包中没有文件清单（{MANIFEST}）")
        return
    try:
        listed = _read_manifest(archive.read(MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        problems.append(f"文件清单格式不正确：{error}")
        return
    for name, (size, digest) in listed.items():
        if name not in names:
            problems.append(f"文件清单列出的 {name} 不在压缩包中（文件缺失）")
            continue
        content = archive.read(name)
        actual = hashlib.sha256(content).hexdigest()
        if actual != digest:
            problems.append(f"{name} 的 SHA-256 与文件清单不符（清单 {digest[:16]}…，实际 {actual[:16]}…）：文件已被改动")
        elif str(len(content)) != size:
            problems.append(f"{name} 的字节数与文件清单不符（清单 {size}，实际 {len(content)}）")
    for name in names:
        if name != MANIFEST and name not in listed:
            problems.append(f"压缩包中有文件清单未列出的文件：{name}")
    if DATA not in listed:
        problems.append(f"文件清单中没有 {DATA}")


def _schema_problems(document):
    from jsonschema import Draft202012Validator

    package = document.get("package") if isinstance(document, dict) else None
    if package not in SCHEMAS:
        return [f"{DATA} 的 package 字段应为 {' 或 '.join(SCHEMAS)}，实际为 {package!r}"]
    validator = Draft202012Validator(load_schema(package))
    problems = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))[:20]:
        where = "/".join(str(p) for p in error.absolute_path) or "（根）"
        problems.append(f"{DATA} 不符合数据结构说明（{SCHEMAS[package]}）：位置 {where}：{error.message}")
    return problems


def _norm(value):
    """A cell or a data.json value, in the form both can be compared in."""
    if isinstance(value, datetime):
        value = (value + timedelta(microseconds=500000)).replace(microsecond=0)  # Excel keeps times as floats
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(round(number, 9))
    if value is None:
        return ""
    return str(value)


def _data_cell(value):
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", value):
        return _norm(datetime.fromisoformat(value))
    return _norm(safe_cell(value))


def _check_table(archive, key, table, problems, limit=10):
    """The sheet named by the table holds exactly its columns and rows."""
    from openpyxl import load_workbook

    name = table["file"]
    if name not in archive.namelist():
        problems.append(f"{DATA} 的 {key} 表对应的 {name} 不在压缩包中")
        return None
    try:
        sheet = load_workbook(io.BytesIO(archive.read(name)), read_only=True).active
        cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    except Exception as error:  # noqa: BLE001 - any unreadable workbook is reported, never raised
        problems.append(f"{name} 无法读取：{error}")
        return None
    titles = [c["title"] for c in table["columns"]]
    header_at, numbered = None, False
    for index, row in enumerate(cells[:5]):  # a title row may stand above the header
        values = [_norm(v) for v in row]
        while values and values[-1] == "":
            values.pop()
        if values in (titles, ["序号"] + titles):
            header_at, numbered = index, values[0] == "序号" and titles[:1] != ["序号"]
            break
    if header_at is None:
        first = "、".join(_norm(v) for v in (cells[0] if cells else []) if v is not None)
        problems.append(f"{name} 中找不到与 {DATA} 的字段（{'、'.join(titles)}）一致的表头（第一行为：{first}）")
        return None
    body = []
    for row in cells[header_at + 1:]:  # up to the blank row before the 填报单位（盖章） lines
        if all(v in (None, "") for v in row):
            break
        body.append(row)
    if len(body) != len(table["rows"]):
        problems.append(f"{name} 有 {len(body)} 行数据，{DATA} 的 {key} 表有 {len(table['rows'])} 行")
    found = 0
    for index, (cells_row, data_row) in enumerate(zip(body, table["rows"], strict=False), start=1):
        values = list(cells_row[1 if numbered else 0:])
        for position, column in enumerate(table["columns"]):
            cell = _norm(values[position] if position < len(values) else None)
            expected = _data_cell(data_row.get(column["key"]))
            if cell != expected and found < limit:
                found += 1
                problems.append(f"{name} 第 {index} 行“{column['title']}”为“{cell}”，{DATA} 中为“{expected}”：两者不一致")
    return len(body)


def _letter_text(archive, name, problems):
    from docx import Document

    if name not in archive.namelist():
        problems.append(f"{DATA} 所指的函件 {name} 不在压缩包中")
        return None
    try:
        doc = Document(io.BytesIO(archive.read(name)))
    except Exception as error:  # noqa: BLE001
        problems.append(f"{name} 无法读取：{error}")
        return None
    return "\n".join(p.text for p in doc.paragraphs)


def _compare(problems, what, stated, **sources):
    """Each source's count equals the one the letter states (None: the source does not say)."""
    for source, count in sources.items():
        if count is not None and stated is not None and count != stated:
            problems.append(f"{what}不一致：函件中为 {stated}，{source}为 {count}")


def _letter_count(text, pattern):
    match = re.search(pattern, text or "")
    return int(match.group(1)) if match else None


def _check_filing(archive, document, sheet_rows, problems):
    counts, tables = document["counts"], document["tables"]
    text = _letter_text(archive, document["letter"], problems)
    if text is None:
        return
    pool = _letter_count(text, r"培育库（\s*(\d+)\s*个培育对象）")
    if pool is None:
        problems.append("备案函中没有写明培育库对象数量")
    _compare(problems, "培育库对象数量", pool, **{f"{DATA} 的 counts": counts.get("pool"),
                                               f"{DATA} 的 pool 表行数": len(tables["pool"]["rows"]),
                                               f"{tables['pool']['file']} 行数": sheet_rows.get("pool")})
    listed = _letter_count(text, r"市级绿色制造名单（\s*(\d+)\s*个")
    list_rows = len(tables["list"]["rows"]) if "list" in tables else 0
    if listed is None and list_rows:
        problems.append("备案函中没有写明市级名单数量，但材料含有市级名单")
    _compare(problems, "市级名单数量", listed if listed is not None else (0 if list_rows == 0 else None),
             **{f"{DATA} 的 counts": counts.get("list"), f"{DATA} 的 list 表行数": list_rows,
                "市级名单表行数": sheet_rows.get("list", 0 if "list" not in tables else None)})
    new = _letter_count(text, r"其中\s*\d+\s*年新公布\s*(\d+)\s*个")
    new_rows = sum(1 for row in tables.get("list", {}).get("rows", []) if row.get("year") == document["year"])
    _compare(problems, f"{document['year']} 年新公布名单数量", new,
             **{f"{DATA} 的 counts": counts.get("list_new"), f"{DATA} 中年度为 {document['year']} 的行数": new_rows})
    plan = _letter_count(text, r"培育计划（含培育对象\s*(\d+)\s*个）")
    _compare(problems, "培育计划对象数量", plan, **{f"{DATA} 的 counts": counts.get("plan_items")})


def _check_recommendation(archive, document, sheet_rows, problems):
    from models import Decision

    counts, rows = document["counts"], document["tables"]["summary"]["rows"]
    text = _letter_text(archive, document["letter"], problems)
    if text is None:
        return
    applicants = _letter_count(text, r"(\d+)\s*家申报")
    recommended = _letter_count(text, r"择优推荐\s*(\d+)\s*家")
    if applicants is None or recommended is None:
        problems.append("推荐函中没有写明申报数量和推荐数量")
    _compare(problems, "申报数量", applicants, **{f"{DATA} 的 counts": counts.get("applicants"),
                                             f"{DATA} 的 summary 表行数": len(rows),
                                             "推荐汇总表行数": sheet_rows.get("summary")})
    _compare(problems, "推荐数量", recommended, **{
        f"{DATA} 的 counts": counts.get("recommended"),
        f"{DATA} 中推荐结论为“推荐”的行数": sum(1 for r in rows if r.get("decision") == Decision.RECOMMEND.label)})


CHECKS = {"filing-bundle": _check_filing, "recommendation-package": _check_recommendation}


def verify_package(content):
    """Everything wrong with a package's ZIP, as Chinese sentences; an empty list when it verifies."""
    problems = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        return ["文件不是有效的 ZIP 压缩包"]
    _check_manifest(archive, problems)
    if DATA not in archive.namelist():
        problems.append(f"压缩包中没有 {DATA}（机器可读数据）")
        return problems
    try:
        document = json.loads(archive.read(DATA).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        problems.append(f"{DATA} 不是有效的 JSON：{error}")
        return problems
    schema_problems = _schema_problems(document)
    problems += schema_problems
    if schema_problems:
        return problems  # the cross-checks below rely on the structure the schema promises
    sheet_rows = {key: _check_table(archive, key, table, problems) for key, table in document["tables"].items()}
    CHECKS[document["package"]](archive, document, sheet_rows, problems)
    return problems
