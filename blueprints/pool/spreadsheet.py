"""The pool's all-or-nothing Excel import, and the columns it shares with the export and the import template
(written by writers.py).

A file exported, edited in Excel and imported back changes exactly what was edited: rows are matched on the
credit code, and an untouched export imports as a no-op.

An import passes the same doors as the registration form: a new row becomes a registration (意向登记, 待审核, source
批量导入) that enters the pool only through operations.admit, after its 第六至八条 items and 第十五条 veto checks;
a row for a registered subject not yet pooled updates its profile and nothing else. Only subjects already in the pool
have their pool columns (year, status, potential, owner) changed by an import.
"""
import zipfile
from dataclasses import dataclass, field

from flask import current_app
from openpyxl import load_workbook
from werkzeug.datastructures import MultiDict

import rules
from core import audit, database, settings
from core.bounds import int_in
from core.identifiers import normalize_credit_code
from models import (
    PoolEntry,
    PoolStatus,
    Potential,
    Rung,
    Subject,
    SubjectKind,
    SubjectSource,
    SubjectStatus,
    User,
    db,
    local_now,
)

from .forms import PROFILE_FIELDS, SubjectForm

# (header, profile field or pool attribute). The export, the template and the import share these columns.
COLUMNS = [
    ("名称", "name"), ("统一社会信用代码", "credit_code"), ("类型", "kind"), ("区县", "district"),
    ("行业代码", "industry_code"), ("地址", "address"), ("法定代表人", "legal_representative"),
    ("联系人", "contact_person"), ("联系电话", "contact_phone"), ("电子邮箱", "contact_email"),
    ("园区管理机构", "park_management_body"), ("工业增加值占比(%)", "park_value_added_share"),
    ("法定边界和范围说明", "park_boundary_note"), ("能效水平", "energy_efficiency_level"),
    ("入库年度", "year_admitted"), ("培育状态", "status"), ("提升潜力", "potential"), ("负责经办人", "owner"),
]
HEADERS = [header for header, _ in COLUMNS]
SHEET_TITLE = "培育库"

_KIND_BY_LABEL = {k.label: k.value for k in SubjectKind}
_STATUS_BY_LABEL = {s.label: s.value for s in PoolStatus}
_POTENTIAL_BY_LABEL = {p.label: p.value for p in Potential}


@dataclass
class ImportRow:
    number: int  # the row number in the sheet, as Excel shows it
    values: dict
    errors: list = field(default_factory=list)
    action: str = ""  # create / update / unchanged
    changes: dict = field(default_factory=dict)
    subject: Subject = None
    entry: PoolEntry = None


@dataclass
class ImportPlan:
    rows: list
    file_errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.file_errors and not any(r.errors for r in self.rows)

    def count(self, action):
        return sum(1 for r in self.rows if r.action == action)

    @property
    def error_rows(self):
        return [r for r in self.rows if r.errors]

    @property
    def not_pooled(self):
        """Rows of subjects that stay outside the pool after the import: new registrations, and registrations not yet
        admitted whose profile the import updates; each waits for the checks before admission."""
        return [r for r in self.rows if r.action == "create" or (r.action and r.entry is None)]


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text[1:] if text.startswith("'") else text  # undo the export's formula guard


def check_workbook_size(stream):
    """Refuse a workbook too big to read, from its zip directory alone: before openpyxl unpacks anything.

    The sizes come from the directory; reads through zipfile stop at the size it states, so they bound the work.
    Raises ValueError with a Chinese message; leaves the stream at its start.
    """
    config = current_app.config
    try:
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValueError("无法读取该文件，请上传由本系统模板填写的 .xlsx 文件")
    finally:
        stream.seek(0)
    if len(members) > config["IMPORT_MAX_ZIP_MEMBERS"]:
        raise ValueError(f"文件内部包含 {len(members)} 个部件，超过上限 {config['IMPORT_MAX_ZIP_MEMBERS']} 个，"
                         "请把数据复制到本系统的导入模板中再上传")
    unpacked = sum(member.file_size for member in members)
    if unpacked > config["IMPORT_MAX_UNPACKED_BYTES"]:
        raise ValueError(f"文件解压后约 {unpacked // (1024 * 1024)} MB，超过上限 "
                         f"{config['IMPORT_MAX_UNPACKED_BYTES'] // (1024 * 1024)} MB，请删去多余的行、列和格式或分批导入")


def check_sheet_rows(sheet, max_rows):
    """Refuse a sheet whose declared size (its dimension, as max_row) exceeds max_rows data rows plus the header."""
    if sheet.max_row is not None and sheet.max_row > max_rows + 1:
        raise ValueError(f"工作表共 {sheet.max_row} 行（含表头和空行），一次最多导入 {max_rows} 行，请分批导入")


def read_rows(stream):
    """Rows of the uploaded workbook as {field: text}; raises ValueError with a Chinese message."""
    max_rows = current_app.config["IMPORT_MAX_ROWS"]
    check_workbook_size(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ValueError("无法读取该文件，请上传由本系统模板填写的 .xlsx 文件")
    sheet = workbook.worksheets[0]
    check_sheet_rows(sheet, max_rows)
    # a sheet may state no size: reading stops one row past the limit whatever it holds
    rows = sheet.iter_rows(values_only=True, max_row=max_rows + 2)
    header = [_cell_text(v) for v in next(rows, [])]
    offset = 1 if header[:1] == ["序号"] else 0
    if header[offset:offset + len(HEADERS)] != HEADERS:
        raise ValueError("表头与模板不一致，请下载模板后按模板的列填写（列顺序不可改动）")
    result = []
    for number, raw in enumerate(rows, start=2):
        if number > max_rows + 1:
            workbook.close()
            raise ValueError(f"工作表超过 {max_rows + 1} 行（含表头和空行），一次最多导入 {max_rows} 行，请分批导入")
        cells = [_cell_text(v) for v in raw[offset:offset + len(HEADERS)]]
        if not any(cells):
            continue
        cells += [""] * (len(HEADERS) - len(cells))
        result.append(ImportRow(number, dict(zip([key for _, key in COLUMNS], cells, strict=True))))
    workbook.close()
    return result


_LABELS = {key: header for header, key in COLUMNS}


def _validate(row, form, owners):
    """Check one row with the registration form's own rules. `form` is one SubjectForm reused for every row:
    process() refills every field (filters and parse errors anew), validate() recomputes every error."""
    v = row.values
    formdata = MultiDict({**{k: v[k] for k in PROFILE_FIELDS}, "kind": _KIND_BY_LABEL.get(v["kind"], v["kind"])})
    form.process(formdata)
    labels = _LABELS
    if not form.validate():
        for name, messages in form.errors.items():
            row.errors += [f"{labels.get(name, name)}：{m}" for m in messages]
    elif form.kind.data == SubjectKind.PARK.value:  # 第七条第一项: the share must exceed 50%
        if problem := rules.park_share_problem(form.park_value_added_share.data):
            row.errors.append(f"{labels['park_value_added_share']}：{problem}")
    profile = form.profile_data()
    pool = {}
    year = v["year_admitted"]
    if int_in(year, 2015, 2100) is None:
        row.errors.append("入库年度：请填写 2015–2100 之间的年份")
    else:
        pool["year_admitted"] = int_in(year, 2015, 2100)
    pool["status"] = _STATUS_BY_LABEL.get(v["status"] or PoolStatus.CULTIVATING.label)
    if pool["status"] is None:
        row.errors.append(f"培育状态：应为 {'、'.join(_STATUS_BY_LABEL)} 之一")
    pool["potential"] = _POTENTIAL_BY_LABEL.get(v["potential"] or Potential.ORDINARY.label)
    if pool["potential"] is None:
        row.errors.append(f"提升潜力：应为 {'、'.join(_POTENTIAL_BY_LABEL)} 之一")
    pool["owner_id"] = None
    if v["owner"]:
        if v["owner"] not in owners:
            row.errors.append(f"负责经办人：{v['owner']} 不是本系统的经办人用户名")
        else:
            pool["owner_id"] = owners[v["owner"]]
    return profile, pool


def _chunks(items, size=500):
    items = list(items)
    return [items[start:start + size] for start in range(0, len(items), size)]


def _subjects_by_code(codes, *columns):
    return {s.credit_code: s for chunk in _chunks(codes)
            for s in Subject.select(*columns).where(Subject.credit_code.in_(chunk))}


def plan_import(stream):
    """Read and check every row; decide create / update / unchanged. Writes nothing."""
    try:
        rows = read_rows(stream)
    except ValueError as error:
        return ImportPlan(rows=[], file_errors=[str(error)])
    if not rows:
        return ImportPlan(rows=[], file_errors=["文件中没有数据行"])
    form = SubjectForm(formdata=MultiDict(), meta={"csrf": False}, districts=settings.get("districts"))
    owners = {u.username: u.id for u in User.staff_members()}
    codes = {normalize_credit_code(row.values["credit_code"]) for row in rows}
    existing = _subjects_by_code(codes)  # only the subjects the file names: one query per 500 codes
    entries = {e.subject_id: e for ids in _chunks([s.id for s in existing.values()])
               for e in PoolEntry.select().where(PoolEntry.subject.in_(ids))}
    seen = {}
    for row in rows:
        profile, pool = _validate(row, form, owners)
        code = profile["credit_code"]
        if code in seen:
            row.errors.append(f"统一社会信用代码：与第 {seen[code]} 行重复")
        seen.setdefault(code, row.number)
        if row.errors:
            continue
        subject = existing.get(code)
        row.values = {"profile": profile, "pool": pool}
        if subject is None:
            row.action = "create"
            continue
        entry = entries.get(subject.id)
        row.subject, row.entry = subject, entry
        row.changes = {k: [getattr(subject, k), val] for k, val in profile.items() if getattr(subject, k) != val}
        if entry is not None:  # not yet pooled: it enters through the checks (第十条), never through an import
            row.changes.update({k: [getattr(entry, k), val] for k, val in pool.items() if getattr(entry, k) != val})
        row.action = "update" if row.changes else "unchanged"
    return ImportPlan(rows=rows)


def apply_import(plan, by):
    """Write a plan that has no errors, all in one transaction. Returns (created, updated)."""
    if not plan.ok:
        raise ValueError("导入文件有错误，未写入任何数据")
    now = local_now()
    created = updated = 0
    events = []  # (action, subject, details): each subject's timeline shows its own event; written in batches
    with db.atomic():
        # a registration like any other (第十条): admitted only by operations.admit, after the checks. Inserted
        # in batches, then read back by credit code (unique) for the audit rows.
        new_rows = [row for row in plan.rows if row.action == "create"]
        database.insert_rows(Subject, ({**row.values["profile"], "source": SubjectSource.IMPORT.value,
                                        "status": SubjectStatus.PENDING.value, "rung": Rung.INTEREST.value,
                                        "created_at": now, "updated_at": now} for row in new_rows))
        stored = _subjects_by_code((row.values["profile"]["credit_code"] for row in new_rows),
                                   Subject.id, Subject.name, Subject.credit_code)
        for row in new_rows:
            pool = row.values["pool"]
            events.append(("subject.register", stored[row.values["profile"]["credit_code"]],
                           {"source": "import", "row": row.number,
                            "pool": {k: pool[k] for k in ("year_admitted", "potential", "owner_id")}}))
            created += 1
        for row in plan.rows:
            profile, pool = row.values["profile"], row.values["pool"]
            if row.action == "update":
                subject = row.subject
                for key, value in profile.items():
                    setattr(subject, key, value)
                if row.entry is not None:
                    for key, value in pool.items():
                        setattr(row.entry, key, value)
                    row.entry.save()
                subject.updated_at = now
                # only the profile: a decision taken on the subject meanwhile (status, rung) is not written back
                subject.save(only=[getattr(Subject, key) for key in profile] + [Subject.updated_at])
                events.append(("subject.update", subject,
                               {"source": "import", "row": row.number, "changes": row.changes}))
                updated += 1
        audit.record_many(events, user=by)
        audit.record("pool.import", object_type="pool", user=by,
                     details={"created": created, "updated": updated, "unchanged": plan.count("unchanged"),
                              "awaiting_checks": len(plan.not_pooled)})
    return created, updated
