"""The 31 August filing bundle (第十四条) and the bureau's calendar."""
import hashlib
import io
import json
import os
import re
import zipfile
from datetime import date, timedelta

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook

from blueprints.filing import operations as filing
from blueprints.filing import writers as bundle
from blueprints.plans import operations as plans
from core import deadlines, settings
from models import CultivationPlan, Filing, Listing, PoolEntry, Rung, VetoCheck, db, local_now
from rules import Refused

from .helpers import factory

YEAR = local_now().year
FILING_DATE = local_now().date()  # a filing is dated the day it is built (operations.date_problem)
CITY = {"city_name": "龙江湾市", "division_code": "239900", "districts": ["松源区", "临江区"],
        "bureau_name": "龙江湾市工业和信息化局", "bureau_address": "政务大道8号", "bureau_contact": "王晓明",
        "bureau_phone": "0451-88880000"}


def checked(subject, result="clear"):
    factory.eligibility_checks(subject)
    factory.veto_checks(subject, checked_on=date(YEAR, 1, 5), dishonest_debtor=result)


@pytest.fixture
def city(app, make, staff):
    """A city ready to file: settings, an approved plan, three checked pooled subjects, one on the published list."""
    subjects = [make.subject(name=f"备案企业{n}有限公司", rung=Rung.POOL.value, district="松源区") for n in range(3)]
    with app.test_request_context():
        settings.save(CITY)
        for subject in subjects:
            PoolEntry.create(subject=subject, year_admitted=YEAR - 1, owner=staff)
            checked(subject)
        plan = plans.create_plan(YEAR, title=f"龙江湾市{YEAR}年绿色制造梯度培育计划", by=staff)
        plans.add_item(plan, subjects[0], target_rung="municipal", owner=staff, by=staff)
        plans.update_plan(plan, title=plan.title, goals="培育目标", measures="工作措施", targets={("factory", "municipal"): 1},
                          by=staff)
        plans.approve(plan, by=staff)
        Listing.create(subject=subjects[2], rung="municipal", year=YEAR, source="municipal_review", listed_on=FILING_DATE)
    return subjects


def red_titles(app, year=YEAR):
    with app.test_request_context():
        return [item.title for item in filing.readiness(year) if not item.ok]


def test_a_ready_city_is_all_green(app, city):
    assert red_titles(app) == []


@pytest.mark.parametrize("cause, fragment", [
    ("no_plan", "培育计划已批准"),
    ("draft_plan", "培育计划已批准"),
    ("incomplete_checks", "入库条件和否决项均已核查"),
    ("veto_hit", "没有存在否决情形"),
    ("no_list", "市级绿色制造名单已公布"),
    ("settings", "系统设置完整"),
])
def test_each_readiness_item_turns_red_on_its_own_cause(app, make, staff, city, cause, fragment, db_conn):
    with app.test_request_context():
        if cause == "no_plan":
            CultivationPlan.update(year=YEAR - 5).execute()
        elif cause == "draft_plan":
            plan = CultivationPlan.latest_for(YEAR)
            plans.update_plan(plan, title="改", goals="", measures="", targets={}, by=staff)
        elif cause == "incomplete_checks":
            make.pooled_subject(year_admitted=YEAR)
        elif cause == "veto_hit":
            VetoCheck.create(subject=city[1], condition_key="dishonest_debtor", result="hit", checked_on=FILING_DATE)
        elif cause == "no_list":
            Listing.delete().execute()
        elif cause == "settings":
            settings.save({"bureau_address": ""})
    reds = red_titles(app)
    assert len(reds) == (2 if cause == "veto_hit" else 1) and fragment in reds[-1 if cause != "veto_hit" else 1]


def test_a_statement_of_no_list_turns_the_list_item_green(app, staff, city, db_conn):
    with app.test_request_context():
        Listing.delete().execute()
        filing.declare_no_list(YEAR, statement="本年度我市未开展市级评审。", by=staff)
    assert red_titles(app) == []


def build(app, staff, when=FILING_DATE):
    with app.test_request_context():
        return filing.build(YEAR, filing_date=when, by=staff)


def read_zip(app, record):
    with app.test_request_context():
        with open(filing.filing_path(record), "rb") as fh:
            return zipfile.ZipFile(io.BytesIO(fh.read()))


def test_bundle_contents_manifest_and_documents(app, staff, city, db_conn):
    record = build(app, staff)
    archive = read_zip(app, record)
    names = archive.namelist()
    assert names == [bundle.MANIFEST, bundle.COVER, bundle.PLAN, bundle.POOL, bundle.SUMMARY, bundle.LIST, bundle.DATA]
    lines = archive.read(bundle.MANIFEST).decode("utf-8").strip().splitlines()[1:]
    manifest = {name: (int(size), digest) for name, size, digest in (line.split("\t") for line in lines)}
    assert set(manifest) == set(names) - {bundle.MANIFEST}
    for name, (size, digest) in manifest.items():
        content = archive.read(name)
        assert len(content) == size and hashlib.sha256(content).hexdigest() == digest
    pool = load_workbook(io.BytesIO(archive.read(bundle.POOL))).active
    codes = [pool.cell(row=r, column=6) for r in range(3, 3 + len(city))]  # row 1 the title, row 2 the header
    assert sorted(c.value for c in codes) == sorted(s.credit_code for s in city)  # each pooled subject once
    assert all(c.data_type == "s" and c.number_format == "@" for c in codes)
    assert pool["P2"].value == "否决项核查日期" and pool["P3"].value.date() == date(YEAR, 1, 5)
    for name in (bundle.COVER, bundle.PLAN):
        doc = DocxDocument(io.BytesIO(archive.read(name)))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "龙江湾市工业和信息化局" in text and str(YEAR) in text
    cover = "\n".join(p.text for p in DocxDocument(io.BytesIO(archive.read(bundle.COVER))).paragraphs)
    assert "第十四条" in cover and "附件：1.培育计划" in cover
    assert CultivationPlan.latest_for(YEAR).status == "filed"  # building locks the plan version
    assert Filing.get_by_id(record.id).sha256 == hashlib.sha256(
        open(os.path.join(app.config["FILING_DIR"], record.stored_name), "rb").read()).hexdigest()


def test_two_builds_from_the_same_data_have_equal_hashes(app, staff, city, db_conn):
    first = build(app, staff)
    second = build(app, staff)
    assert first.sha256 == second.sha256 and first.stored_name != second.stored_name
    assert [f.id for f in Filing.of_year(YEAR)] == [second.id, first.id]  # newest first, both kept


def test_a_failed_build_leaves_no_file_and_no_row(app, staff, city, monkeypatch, db_conn):
    def crash(*args, **kwargs):
        raise RuntimeError("killed mid-build")

    monkeypatch.setattr(filing.plans, "mark_filed", crash)
    with pytest.raises(RuntimeError):
        build(app, staff)
    directory = app.config["FILING_DIR"]
    assert not os.path.isdir(directory) or [n for n in os.listdir(directory) if not n.startswith(".")] == []
    assert Filing.select().count() == 0


def test_building_while_another_build_of_the_year_runs_is_refused(app, staff, city, db_conn):
    import threading
    held, done = threading.Event(), threading.Event()

    def other_build():  # another worker or app server: its own connection (an advisory lock is per session)
        with app.test_request_context(), db.connection_context(), filing._YearLock(YEAR):
            held.set()
            done.wait(30)

    thread = threading.Thread(target=other_build)
    thread.start()
    try:
        assert held.wait(30)
        with app.test_request_context():
            with pytest.raises(Refused, match="正在生成"):
                filing.build(YEAR, filing_date=FILING_DATE, by=staff)
    finally:
        done.set()
        thread.join()


def test_build_refused_while_red_and_for_far_years(app, staff, city, db_conn):
    with app.test_request_context():
        settings.save({"bureau_phone": ""})
        with pytest.raises(Refused, match="系统设置完整"):
            filing.build(YEAR, filing_date=FILING_DATE, by=staff)
        with pytest.raises(Refused, match="太远"):
            filing.build(YEAR + 2, filing_date=FILING_DATE, by=staff)


def test_changes_since_the_last_sent_filing(app, make, staff, city, db_conn):
    with app.test_request_context():
        previous = Filing.create(year=YEAR - 1, filing_date=date(YEAR - 1, 8, 30), stored_name="x.zip", size=1,
                                 sha256="0", sent_on=date(YEAR - 1, 8, 31),
                                 counts=json.dumps({"codes": {"pool": [city[0].credit_code, "OLDCODE"], "list": []}}))
        data = filing.gather(YEAR, FILING_DATE)
    changes = data["changes"]
    assert changes["previous"] == previous.filing_date
    assert changes["pool_in"] == sorted([city[1].name, city[2].name]) and changes["pool_out"] == ["OLDCODE"]
    assert changes["list_in"] == [city[2].name]


def test_mark_sent_once(app, client, login, staff, city, db_conn):
    record = build(app, staff)
    login(staff)
    client.post(f"/filing/records/{record.id}/sent", data={"sent_on": FILING_DATE.isoformat(), "how": "公文交换"})
    html = client.post(f"/filing/records/{record.id}/sent", data={"sent_on": FILING_DATE.isoformat(), "how": "再次"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已标记为已报送" in html
    assert Filing.get_by_id(record.id).sent_how == "公文交换"
    assert client.get(f"/filing/records/{record.id}/download").data[:2] == b"PK"


def test_a_sent_date_is_neither_in_the_future_nor_before_the_build(app, client, login, staff, city, db_conn):
    record = build(app, staff)
    login(staff)
    tomorrow = (local_now().date() + timedelta(days=1)).isoformat()
    html = client.post(f"/filing/records/{record.id}/sent", data={"sent_on": tomorrow, "how": ""}).get_data(as_text=True)
    assert "报送日期不能晚于今天" in html and "请填写报送方式" in html  # both at once, beside their fields
    yesterday = (local_now().date() - timedelta(days=1)).isoformat()
    html = client.post(f"/filing/records/{record.id}/sent", data={"sent_on": yesterday, "how": "公文交换"}) \
        .get_data(as_text=True)
    assert "报送日期不能早于备案材料的生成日期" in html
    assert Filing.get_by_id(record.id).sent_on is None


def test_filing_page_and_bad_years(client, login, staff, city):
    login(staff)
    html = client.get(f"/filing/{YEAR}").get_data(as_text=True)
    assert "生成前检查" in html and "培育库名单（.xlsx，3 个对象）" in html
    assert client.get(f"/filing/{YEAR + 5}").status_code == 404
    assert client.get("/filing/records/999/download").status_code == 404


def test_cli_build(runner, app, staff, city, tmp_path):
    out = tmp_path / "bundle.zip"
    result = runner.invoke(args=["filing", "build", "--year", str(YEAR), "--out", str(out),
                                 "--date", FILING_DATE.isoformat()])
    assert result.exit_code == 0, result.output
    assert zipfile.ZipFile(out).namelist()[0] == bundle.MANIFEST
    result = runner.invoke(args=["filing", "build", "--year", str(YEAR + 3), "--out", str(out)])
    assert result.exit_code != 0 and "太远" in result.output


@pytest.mark.parametrize("today, month_day, due, days", [
    (date(2026, 3, 30), (3, 30), date(2026, 3, 30), 0),
    (date(2026, 3, 1), (3, 30), date(2026, 3, 30), 29),
    (date(2028, 2, 28), (3, 30), date(2028, 3, 30), 31),  # 2028 is a leap year
    (date(2027, 2, 28), (3, 30), date(2027, 3, 30), 30),
    (date(2026, 8, 31), (8, 31), date(2026, 8, 31), 0),
    (date(2026, 6, 1), (8, 31), date(2026, 8, 31), 91),
])
def test_days_left(today, month_day, due, days):
    assert deadlines.next_due(month_day, today) == (due, days)


def test_past_deadline_is_overdue_until_done_then_next_year():
    assert deadlines.next_due((8, 31), date(2026, 9, 10)) == (date(2026, 8, 31), -10)
    assert deadlines.next_due((8, 31), date(2026, 9, 10), done=True) == (date(2027, 8, 31), 355)


def test_calendar_on_the_staff_home(app, client, login, staff, city):
    login(staff)
    html = client.get("/home").get_data(as_text=True)
    assert 'id="calendar"' in html and "第二十七条" in html and "第十四条" in html and "第二十五条" in html


def annex_lines(docx_bytes):
    """{number: title} from a letter's 附件说明 ("附件：1.…" and the lines under it)."""
    text = [p.text for p in DocxDocument(io.BytesIO(docx_bytes)).paragraphs]
    start = next(i for i, line in enumerate(text) if line.startswith("附件："))
    found = {}
    for line in text[start:]:
        match = re.match(r"^(?:附件：|\u3000+)(\d+)\.(.+)$", line)
        if not match:
            break
        found[int(match.group(1))] = match.group(2)
    return found


def test_annex_n_is_file_n(app, staff, city):
    """GB/T 9704: the letter's 附件说明 numbers its annexes as the files are numbered (附件1 is file 01)."""
    archive = read_zip(app, build(app, staff))
    annexes = annex_lines(archive.read(bundle.COVER))
    files = {int(name[:2]): name[3:].rsplit(".", 1)[0] for name in archive.namelist()
             if name[:2].isdigit() and name != bundle.MANIFEST}
    assert files and all(annexes[number] == title for number, title in files.items()), (annexes, files)


def test_the_filing_letter_carries_the_years_document_number(app, staff, city, db_conn):
    """GB/T 9704 7.2.4: the letter has its 发文字号 (from the year's sequence), the same on a rebuild of the same data."""
    with app.test_request_context():
        settings.save({"document_number_prefix": "龙工信函"})
    first, second = build(app, staff), build(app, staff)
    text = "\n".join(p.text for p in DocxDocument(io.BytesIO(read_zip(app, first).read(bundle.COVER))).paragraphs)
    assert re.search(rf"龙工信函〔{YEAR}〕\d+号", text) and "__号" not in text
    assert first.sha256 == second.sha256
