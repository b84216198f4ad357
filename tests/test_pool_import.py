"""The pool's Excel round trip: export, template, all-or-nothing import with a row-by-row error list, and the CLI."""
import io

import pytest
from openpyxl import Workbook, load_workbook

from blueprints.pool import spreadsheet
from core import settings
from core.identifiers import make_credit_code
from models import AuditEvent, PoolEntry, Role, Subject

pytestmark = pytest.mark.staff(login=True, username="wangxm")


@pytest.fixture
def staff(staff, districts):
    """The logged-in staff user, with two districts configured."""
    return staff


def workbook_bytes(rows, header=None):
    wb = Workbook()
    ws = wb.active
    ws.append(header or ["序号"] + spreadsheet.HEADERS)
    for index, row in enumerate(rows, start=1):
        ws.append([index] + row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row(name="导入测试乳业有限公司", code=None, district="松源区", year="2025", owner="wangxm", kind="绿色工厂"):
    return [name, code or make_credit_code("239902", 4242), kind, district, "14", "松源区工业大街9号", "赵建国",
            "钱丽华", "13900002222", "", "", "", "", "", year, "培育中", "较高", owner]


def upload(client, data, follow=False):
    return client.post("/pool/import", data={"file": (io.BytesIO(data), "pool.xlsx")},
                       content_type="multipart/form-data", follow_redirects=follow)


def confirm(client, html):
    import re
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    return client.post("/pool/import/confirm", data={"token": token})


def test_template_has_the_export_columns(client, staff):
    sheet = load_workbook(io.BytesIO(client.get("/pool/template").data)).active
    assert [c.value for c in sheet[1]] == ["序号"] + spreadsheet.HEADERS


def test_preview_then_confirm_creates_registrations_waiting_for_the_checks(client, staff, db_conn):
    html = upload(client, workbook_bytes([row(), row(name="第二家企业有限公司", code=make_credit_code("239902", 4343))])).get_data(as_text=True)
    assert "新增 2" in html and "待审核的意向登记" in html
    assert Subject.select().count() == 0  # a preview writes nothing
    assert confirm(client, html).status_code == 302
    subject = Subject.get(Subject.name == "导入测试乳业有限公司")
    assert (subject.source, subject.status, subject.rung) == ("import", "pending", "interest")
    assert PoolEntry.select().count() == 0  # the pool is entered through the checks only (第十条)
    assert AuditEvent.get(AuditEvent.action == "pool.import").details_dict["created"] == 2
    # the admit form starts from what the row asked for
    html = client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    assert 'value="2025"' in html and '<option selected value="high">' in html


def test_one_bad_row_means_nothing_is_written_and_every_error_is_listed(client, staff, db_conn):
    bad_code = make_credit_code("239902", 5555)[:-1] + "0"
    rows = [row(), row(name="坏行", code=bad_code, district="外市区"),
            row(name="重复行"), row(name="年份错", code=make_credit_code("239902", 5656), year="二〇二五", owner="nobody")]
    html = upload(client, workbook_bytes(rows)).get_data(as_text=True)
    assert "未写入任何数据" in html
    assert "第 3 行" in html and "校验位" in html and "不是有效的选择" in html
    assert "第 4 行" in html and "与第 2 行重复" in html
    assert "第 5 行" in html and "入库年度" in html and "nobody 不是本系统的经办人用户名" in html
    assert 'name="token"' not in html
    assert Subject.select().count() == 0


def test_wrong_header_or_not_a_workbook(client, staff):
    html = upload(client, workbook_bytes([row()], header=["名称", "代码"])).get_data(as_text=True)
    assert "表头与模板不一致" in html
    html = upload(client, b"%PDF-1.4 not excel").get_data(as_text=True)
    assert "不是允许的类型" in html


def test_untouched_export_imports_as_no_op_and_an_edit_changes_only_that(client, staff, make, db_conn):
    for n in range(3):
        subject = make.subject(name=f"往返企业{n}有限公司", district="临江区", contact_email="a@b.cn" if n else "")
        PoolEntry.create(subject=subject, year_admitted=2024, owner=staff if n == 1 else None)
    exported = client.get("/pool/export").data
    html = upload(client, exported).get_data(as_text=True)
    assert "新增 0，更新 0，未变化 3" in html
    wb = load_workbook(io.BytesIO(exported))
    ws = wb.active
    ws["I2"] = "新的联系人"  # 联系人 of the first data row
    buffer = io.BytesIO()
    wb.save(buffer)
    html = upload(client, buffer.getvalue()).get_data(as_text=True)
    assert "新增 0，更新 1，未变化 2" in html
    confirm(client, html)
    assert Subject.select().where(Subject.contact_person == "新的联系人").count() == 1


def test_formula_like_text_round_trips_without_being_evaluated(client, staff, make, db_conn):
    subject = make.subject(name="=危险公式有限公司", district="临江区")
    PoolEntry.create(subject=subject, year_admitted=2024)
    exported = client.get("/pool/export").data
    cell = load_workbook(io.BytesIO(exported)).active["B2"]
    assert cell.value == "'=危险公式有限公司" and cell.data_type == "s"
    assert "未变化 1" in upload(client, exported).get_data(as_text=True)


def test_expired_preview_token(client, staff):
    response = client.post("/pool/import/confirm", data={"token": "../../etc/passwd"}, follow_redirects=True)
    assert "导入预览已失效" in response.get_data(as_text=True)


def test_cli_export_and_import(runner, app, make, tmp_path):
    with app.app_context():
        settings.save({"districts": ["松源区"]})
    make.user(Role.STAFF, username="wangxm")
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook_bytes([row()]))
    result = runner.invoke(args=["pool", "import", str(good)])
    assert result.exit_code == 0 and "新增 1" in result.output
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook_bytes([row(name="坏", code="123")]))
    result = runner.invoke(args=["pool", "import", str(bad)])
    assert result.exit_code != 0 and "第 2 行" in result.output and "未写入任何数据" in result.output
    pooled = make.subject(name="已入库企业有限公司", district="松源区")
    with app.app_context():
        assert Subject.get(Subject.name == "导入测试乳业有限公司").status == "pending"  # waits for the checks
        PoolEntry.create(subject=pooled, year_admitted=2025)
    out = tmp_path / "pool.xlsx"
    assert runner.invoke(args=["pool", "export", "--out", str(out)]).exit_code == 0
    assert load_workbook(out).active["B2"].value == "已入库企业有限公司"


def test_a_preview_is_confirmed_once(client, staff, db_conn):
    html = upload(client, workbook_bytes([row()])).get_data(as_text=True)
    assert confirm(client, html).status_code == 302
    again = confirm(client, html)  # the second of two clicks: the preview is gone, nothing is written twice
    assert again.status_code == 302 and again.headers["Location"].endswith("/pool/import")
    assert Subject.select().count() == 1


def test_abandoned_previews_are_swept_after_a_day(app, tmp_path):
    import os
    import time

    from blueprints.pool import previews
    fresh, stale, other = tmp_path / ("a" * 32 + ".xlsx"), tmp_path / ("b" * 32 + ".xlsx"), tmp_path / "notes.txt"
    for path in (fresh, stale, other):
        path.write_bytes(b"x")
    day_old = time.time() - previews.MAX_AGE_SECONDS - 60
    os.utime(stale, (day_old, day_old))
    os.utime(other, (day_old, day_old))
    assert previews.sweep(str(tmp_path)) == 1
    assert fresh.exists() and not stale.exists() and other.exists()  # only previews, only the stale ones
    assert previews.sweep(str(tmp_path / "missing")) == 0


def test_a_second_click_while_the_first_imports_is_told_to_wait(app, tmp_path):
    import fcntl

    from blueprints.pool import previews
    with app.test_request_context():
        app.config["IMPORT_DIR"] = str(tmp_path)
        token = previews.keep(b"workbook")
        with open(previews.path_of(token), "rb") as first:
            fcntl.flock(first, fcntl.LOCK_EX)  # the first click, importing
            with pytest.raises(previews.Busy), previews.confirming(token):
                pass
        with previews.confirming(token) as data:
            assert data == b"workbook"
        with previews.confirming(token) as data:
            assert data is None  # imported: gone
