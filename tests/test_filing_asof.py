"""A filing is what was true on its date (issue 17 item 2): a new filing is dated the day it is built (web and CLI
refuse any other date), the plan document shows a step done only if it was done by the document's date, and a
recorded filing is downloaded from its own stored file, byte for byte, whatever changed since."""
import hashlib
import io
from datetime import timedelta

import pytest
from docx import Document as DocxDocument

from blueprints.filing import operations as filing
from blueprints.plans import operations as plans
from blueprints.plans import writers as plan_writers
from core import settings
from core.dates import chinese_date
from models import (
    CultivationPlan,
    Filing,
    Listing,
    Milestone,
    PoolEntry,
    Rung,
    local_now,
)
from rules import Refused

from .helpers import factory

TODAY = local_now().date()
YEAR = TODAY.year
CITY = {"city_name": "龙江湾市", "division_code": "239900", "districts": ["松源区", "临江区"],
        "bureau_name": "龙江湾市工业和信息化局", "bureau_address": "政务大道8号", "bureau_contact": "王晓明",
        "bureau_phone": "0451-88880000"}


def pool(subject, staff):
    PoolEntry.create(subject=subject, year_admitted=YEAR, owner=staff)
    factory.eligibility_checks(subject)
    factory.veto_checks(subject, checked_on=TODAY)


@pytest.fixture
def city(app, make, staff):
    """A city ready to file today: two pooled subjects, one in the approved plan, one on the published list."""
    subjects = [make.subject(name=f"时点企业{n}有限公司", rung=Rung.POOL.value, district="松源区") for n in range(2)]
    with app.test_request_context():
        settings.save(CITY)
        for subject in subjects:
            pool(subject, staff)
        plan = plans.create_plan(YEAR, title=f"龙江湾市{YEAR}年绿色制造梯度培育计划", by=staff)
        plans.add_item(plan, subjects[0], target_rung="municipal", owner=staff, by=staff)
        plans.update_plan(plan, title=plan.title, goals="培育目标", measures="工作措施", targets={("factory", "municipal"): 1},
                          by=staff)
        plans.approve(plan, by=staff)
        Listing.create(subject=subjects[1], rung="municipal", year=YEAR, source="municipal_review", listed_on=TODAY)
    return subjects


@pytest.mark.parametrize("days", [-88, -1, 1])
def test_a_new_filing_dated_other_than_today_is_refused(app, staff, city, days, db_conn):
    with app.test_request_context():
        with pytest.raises(Refused, match="备案日期须为今天"):
            filing.build(YEAR, filing_date=TODAY + timedelta(days=days), by=staff)
        assert Filing.select().count() == 0
        assert CultivationPlan.latest_for(YEAR).status == "approved"  # nothing was locked either


def test_the_web_form_refuses_a_backdated_filing(client, login, staff, city, db_conn):
    login(staff)
    html = client.post(f"/filing/{YEAR}/build", data={"filing_date": (TODAY - timedelta(days=30)).isoformat()},
                       follow_redirects=True).get_data(as_text=True)
    assert "备案日期须为今天" in html
    assert Filing.select().count() == 0
    client.post(f"/filing/{YEAR}/build", data={"filing_date": TODAY.isoformat()})
    assert [f.filing_date for f in Filing.select()] == [TODAY]


def test_the_cli_refuses_a_backdated_filing(runner, staff, city, tmp_path, db_conn):
    out = tmp_path / "bundle.zip"
    result = runner.invoke(args=["filing", "build", "--year", str(YEAR), "--out", str(out),
                                 "--date", (TODAY - timedelta(days=1)).isoformat()])
    assert result.exit_code != 0 and "备案日期须为今天" in result.output and not out.exists()
    result = runner.invoke(args=["filing", "build", "--year", str(YEAR), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert Filing.get().filing_date == TODAY


def _annex_cells(content):
    doc = DocxDocument(io.BytesIO(content))
    return [c.text for t in doc.tables for r in t.rows for c in r.cells]


def test_a_milestone_done_after_the_document_date_is_not_shown_done(app, staff, city, db_conn):
    with app.test_request_context():
        plan = CultivationPlan.latest_for(YEAR)
        first = Milestone.select().order_by(Milestone.position).first()
        plans.update_milestone(first, due_date=first.due_date, done_date=TODAY, evidence_note="诊断报告", by=staff)
        done_text = f"已完成{chinese_date(TODAY)}"
        before = _annex_cells(plan_writers.build_plan_docx(plan, CITY, TODAY - timedelta(days=1)))
        on_the_day = _annex_cells(plan_writers.build_plan_docx(plan, CITY, TODAY))
    assert not any(done_text in cell for cell in before)
    assert any(done_text in cell for cell in on_the_day)


def test_a_recorded_filing_downloads_byte_identical_after_data_changes(app, client, login, make, staff, city):
    with app.test_request_context():
        record = filing.build(YEAR, filing_date=TODAY, by=staff)
        with open(filing.filing_path(record), "rb") as fh:
            stored = fh.read()
        # the world moves on: a new subject in the pool, a new plan version, the bureau renamed, a listing removed
        late = make.subject(name="后来入库有限公司", rung=Rung.POOL.value)
        pool(late, staff)
        plan = CultivationPlan.latest_for(YEAR)
        copy = plans.new_version(plan, by=staff)
        plans.add_item(copy, late, target_rung="provincial", owner=staff, by=staff)
        settings.save({"bureau_name": "龙江湾市工业和信息化局（新）"})
        Listing.update(status="removed", removed_on=TODAY).execute()
    login(staff)
    response = client.get(f"/filing/records/{record.id}/download")
    assert response.status_code == 200
    assert response.data == stored
    assert hashlib.sha256(response.data).hexdigest() == record.sha256
