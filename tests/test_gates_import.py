"""The doors into the pool (第六至八条、第十条、第十五条) are the same for an Excel import as for the form: an imported
subject is a registration waiting for its checks; a park's share must exceed 50% (第七条第一项), and 第七条第三项 is a
priority marker, not an entry condition."""
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import Workbook

import rules
from blueprints.applications import operations as apps
from blueprints.pool import operations, spreadsheet
from blueprints.recommend import operations as recommend
from core import settings, uploads
from core.identifiers import make_credit_code
from models import EligibilityCheck, PoolEntry, Role, Rung, Subject, SubjectStatus, VetoCheck, local_now
from rules import Refused

YEAR = local_now().year
TODAY = local_now().date()


pytestmark = pytest.mark.staff(login=True, username="wangxm")


@pytest.fixture
def staff(staff, districts):
    """The logged-in staff user, with two districts configured."""
    return staff


def workbook_bytes(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["序号"] + spreadsheet.HEADERS)
    for index, row in enumerate(rows, start=1):
        ws.append([index] + row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def factory_row(name="导入乳业有限公司", serial=4242):
    return [name, make_credit_code("239902", serial), "绿色工厂", "松源区", "14", "松源区工业大街9号", "赵建国",
            "钱丽华", "13900002222", "", "", "", "", "", "2025", "培育中", "较高", "wangxm"]


def park_row(share, name="导入工业园区管理委员会", serial=4343):
    return [name, make_credit_code("239902", serial), "绿色工业园区", "松源区", "13", "松源区园区大道1号", "孙志强",
            "周敏", "13900003333", "", "园区管委会", share, "四至范围见批复", "", "2025", "培育中", "一般", ""]


def upload(client, data):
    return client.post("/pool/import", data={"file": (io.BytesIO(data), "pool.xlsx")},
                       content_type="multipart/form-data").get_data(as_text=True)


def confirm(client, html):
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    return client.post("/pool/import/confirm", data={"token": token})


def all_checks(subject, staff, skip=()):
    """Every 第六/七/八条 item met (but those in `skip`) and every 第十五条 condition clear, through the operations."""
    for key, _, _ in rules.eligibility_items(subject.kind):
        if key not in skip:
            operations.record_eligibility(subject, key, result="met", evidence="已核", by=staff)
    for key, _, _ in rules.VETO_CONDITIONS:
        operations.record_veto(subject, key, result="clear", source="信用中国", checked_on=TODAY, evidence="", by=staff)


# --- 第十条: an import registers, it never admits -----------------------------------------------------------

def test_article_10_web_import_registers_new_subjects_awaiting_the_checks(client, staff, db_conn):
    html = upload(client, workbook_bytes([factory_row(), park_row(60, serial=4344)]))
    preview = re.search(r'id="import-registrations">(.*?)</div>', html, re.S).group(1)
    assert "待审核的意向登记" in preview and "不会直接纳入培育库" in preview
    assert confirm(client, html).status_code == 302
    subjects = list(Subject.select())
    assert len(subjects) == 2
    assert {(s.status, s.rung, s.source) for s in subjects} == {("pending", "interest", "import")}
    assert PoolEntry.select().count() == 0
    queue = client.get("/pool/registrations").get_data(as_text=True)
    assert "导入乳业有限公司" in queue and "导入工业园区管理委员会" in queue


def test_article_10_import_does_not_admit_an_existing_registration(client, staff, make, db_conn):
    waiting = make.subject(name="已登记待审企业有限公司", credit_code=make_credit_code("239902", 4242),
                           status=SubjectStatus.PENDING.value, rung=Rung.INTEREST.value)
    html = upload(client, workbook_bytes([factory_row(name="已登记待审企业有限公司")]))
    assert "纳入培育库" not in re.search(r'<tbody>(.*?)</tbody>', html, re.S).group(1)
    confirm(client, html)
    subject = Subject.get_by_id(waiting.id)
    assert subject.status == "pending" and subject.rung == "interest" and subject.address == "松源区工业大街9号"
    assert not PoolEntry.select().where(PoolEntry.subject == waiting.id).exists()


def test_article_10_cli_import_registers_new_subjects_awaiting_the_checks(app, runner, make, tmp_path):
    with app.app_context():
        settings.save({"districts": ["松源区"]})
    make.user(Role.STAFF, username="wangxm")
    path = tmp_path / "pool.xlsx"
    path.write_bytes(workbook_bytes([factory_row()]))
    result = runner.invoke(args=["pool", "import", str(path)])
    assert result.exit_code == 0 and "新增 1" in result.output and "待审核的意向登记" in result.output
    with app.app_context():
        subject = Subject.get(Subject.name == "导入乳业有限公司")
        assert (subject.status, subject.rung, subject.source) == ("pending", "interest", "import")
        assert PoolEntry.select().count() == 0


def test_article_15_imported_registration_enters_the_pool_only_after_the_checks(app, client, staff):
    confirm(client, upload(client, workbook_bytes([factory_row()])))
    with app.test_request_context():
        subject = Subject.get(Subject.name == "导入乳业有限公司")
        with pytest.raises(Refused, match="第十五条第一项：尚未核查"):
            operations.admit(subject, year_admitted=2025, potential="high", owner=staff, by=staff)
        all_checks(subject, staff)
        operations.record_veto(subject, "dishonest_debtor", result="hit", source="中国执行信息公开网", checked_on=TODAY,
                               evidence="", by=staff,
                               event_on=TODAY - timedelta(days=30))
        with pytest.raises(Refused, match="第十五条第六项：存在否决情形"):
            operations.admit(subject, year_admitted=2025, potential="high", owner=staff, by=staff)
        operations.record_veto(subject, "dishonest_debtor", result="clear", source="中国执行信息公开网", checked_on=TODAY,
                               evidence="", by=staff)
        operations.admit(Subject.get_by_id(subject.id), year_admitted=2025, potential="high", owner=staff, by=staff)
        subject = Subject.get_by_id(subject.id)
        assert subject.status == "admitted" and subject.rung == "pool"


# --- 第七条第一项: the park's share must exceed 50% -------------------------------------------------------------

def test_article_7_1_import_refuses_a_park_at_or_below_50(client, staff, db_conn):
    """49.99 and 50.0 are row errors (超过 50%), and the whole file is refused, the good rows too."""
    rows = [factory_row(), park_row(49.99, serial=4401), park_row(50, name="五十园区管委会", serial=4402),
            park_row(30, name="三十园区管委会", serial=4403)]
    html = upload(client, workbook_bytes(rows))
    assert "未写入任何数据" in html and 'name="token"' not in html
    for number, share in ((3, "49.99"), (4, "50"), (5, "30")):
        assert re.search(rf"第 {number} 行</td><td>[^<]*</td><td[^>]*>[^<]*第七条第一项：园区工业增加值占比 {share}%，须超过 50%",
                         html), number
    assert Subject.select().count() == 0


def test_article_7_1_import_accepts_a_park_above_50_as_a_registration(client, staff, db_conn):
    html = upload(client, workbook_bytes([park_row(50.01)]))
    assert "新增 1" in html and 'name="token"' in html and "import-errors" not in html
    confirm(client, html)
    park = Subject.get(Subject.kind == "park")
    assert park.park_value_added_share == 50.01 and park.status == "pending" and park.rung == "interest"


def test_article_7_1_item_cannot_be_marked_met_at_or_below_50(app, client, staff, make, db_conn):
    """The share decides 超过50%: nobody can mark 第七条第一项 符合 for 49.99 or 50.0 (web and operation)."""
    for share in (49.99, 50.0):
        park = make.subject(kind="park", park_management_body="管委会", park_value_added_share=share,
                            status=SubjectStatus.PENDING.value, rung=Rung.INTEREST.value)
        with pytest.raises(Refused, match="第七条第一项.*须超过 50%"):
            operations.record_eligibility(park, "boundary_and_body", result="met", evidence="管委会批复", by=staff)
        html = client.post(f"/pool/subjects/{park.id}/eligibility/boundary_and_body",
                           data={"result": "met", "evidence": "管委会批复"},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
        assert "须超过 50%" in html
        assert not EligibilityCheck.select().where(EligibilityCheck.subject == park.id).exists()
        operations.record_eligibility(park, "boundary_and_body", result="unmet", evidence="占比不足",
                                      by=staff)  # 不符合 is fine


def test_article_7_1_item_marked_met_above_50_and_the_park_is_admitted(app, staff, make, db_conn):
    """50.01 exceeds 50%: the item is recorded 符合, and with the other entry conditions the park enters the pool."""
    park = make.subject(kind="park", park_management_body="管委会", park_value_added_share=50.01,
                        status=SubjectStatus.PENDING.value, rung=Rung.INTEREST.value)
    with app.test_request_context():
        all_checks(park, staff, skip=("circular_upgrade",))
        assert operations.admission_problems(park) == []
        operations.admit(park, year_admitted=YEAR, potential="ordinary", owner=None, by=staff)
        assert Subject.get_by_id(park.id).rung == "pool"


# --- 第七条第三项: a priority marker ---------------------------------------------------------------------------

def test_article_7_3_is_a_priority_marker_not_an_entry_condition(app, client, staff, make):
    park = make.subject(kind="park", park_management_body="管委会", park_value_added_share=65.0,
                        status=SubjectStatus.PENDING.value, rung=Rung.INTEREST.value)
    with app.test_request_context():
        all_checks(park, staff, skip=("circular_upgrade",))
        assert operations.admission_problems(park) == []  # not recorded: still admissible
        operations.record_eligibility(park, "circular_upgrade", result="unmet", evidence="尚未开展", by=staff)
        assert operations.admission_problems(park) == []  # not met: still admissible, just no priority
        assert operations.priority_markers(park) == []
        operations.record_eligibility(park, "circular_upgrade", result="met", evidence="园区循环化改造方案已批复", by=staff)
        operations.admit(Subject.get_by_id(park.id), year_admitted=YEAR, potential="key", owner=None, by=staff)
    page = client.get(f"/pool/subjects/{park.id}").get_data(as_text=True)
    assert re.search(r'class="badge[^"]*priority-marker"[^>]*>第七条第三项：重点培育园区', page)
    # and in the recommendation
    with app.test_request_context():
        application = apps.create(Subject.get_by_id(park.id), YEAR, rung="provincial", method="self", claimed_score=88,
                                  national_intent=False, by=staff)
        application.report = uploads.save(b"%PDF-1.4 r", "pdf", "r.pdf", "application", application.id,
                                          purpose="evaluation_report")
        application.save()
        for key, _ in rules.APPLICATION_MATERIALS["park"]:
            uploads.save(b"%PDF-1.4 r", "pdf", f"{key}.pdf", "application", application.id, purpose=key)
        apps.submit(application, by=staff)
        round_ = recommend.open_round(YEAR, by=staff)
        assert "第七条第三项" not in "".join(c.title for c in recommend.red(recommend.checks(application, today=TODAY)))
    page = client.get(f"/recommend/rounds/{round_.id}").get_data(as_text=True)
    assert re.search(r'class="badge[^"]*priority-marker"[^>]*>第七条第三项：重点培育园区', page)


def test_article_7_3_unrecorded_marker_does_not_hold_back_the_filing_check(app, staff, make, db_conn):
    """A pooled park without 第七条第三项 counts as meeting its entry conditions in the filing's readiness."""
    from blueprints.filing.operations import check_summaries
    park = make.subject(kind="park", park_management_body="管委会", park_value_added_share=65.0,
                        rung=Rung.POOL.value)
    with app.test_request_context():
        PoolEntry.create(subject=park, year_admitted=YEAR)
        for key, _, _ in rules.eligibility_items("park"):
            if key != "circular_upgrade":
                EligibilityCheck.create(subject=park, item_key=key, result="met")
        for key, _, _ in rules.VETO_CONDITIONS:
            VetoCheck.create(subject=park, condition_key=key, result="clear", source="信用中国",
                             checked_on=date.today() - timedelta(days=3))
        assert check_summaries({park.id: "park"})[park.id]["eligible"] is True
