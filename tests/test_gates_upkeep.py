"""Upkeep gates at their boundaries: late and missing dynamic tables count (第二十七、三十条), and changes reach the
province truthfully (第三十一条). One test per rule, named after its article."""
import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from docx import Document as DocxDocument

import rules
from blueprints.recommend import operations as recommend
from blueprints.upkeep import operations as upkeep
from models import (
    Application,
    AuditEvent,
    ChangeNotice,
    ChangeStatus,
    DynamicReport,
    Listing,
    ListingStatus,
    Recommendation,
    RecommendationRound,
    Role,
    RoundStatus,
    local_now,
)
from rules import Refused

from .test_recommend import applicant
from .test_upkeep import GOOD, enterprise_of

TODAY = local_now().date()
YEAR = TODAY.year
LAST_YEAR = YEAR - 1
OLD_YEAR = YEAR - 2  # its table was due 30 March of last year: in the past whatever today is
CHECK_TITLE = "上一年度动态管理表按时填报（或已记录理由）"


@pytest.fixture
def staff(staff, bureau):
    """The staff user, with the city and bureau settings saved."""
    return staff


def _file(subject, year, received_on, by, **fields):
    return DynamicReport.create(subject=subject, year=year, indicators=json.dumps({"output_value": 1}),
                                submitted_by=by, received_on=received_on, **fields)


# --- 第二十七条: due 30 March of the next year ----------------------------------------------------------------

@pytest.mark.parametrize("received_on, days, label", [
    (date(2026, 3, 29), 0, "按时"),
    (date(2026, 3, 30), 0, "按时"),
    (date(2026, 3, 31), 1, "逾期 1 天"),
    (date(2026, 11, 30), 245, "逾期 245 天"),
])
def test_article_27_table_due_30_march_next_year(received_on, days, label):
    assert rules.dynamic_report_days_late(2025, received_on) == days
    assert rules.dynamic_report_timeliness(2025, received_on) == label


def test_article_27_timeliness_shows_on_every_page_where_a_table_appears(app, client, make, login, staff, db_conn):
    subject = make.listed_subject(year=OLD_YEAR, name="逾期一天企业有限公司")
    upkeep.file_report(subject, OLD_YEAR, raw=GOOD, by=staff, today=date(OLD_YEAR + 1, 3, 31))
    report = DynamicReport.get()
    assert report.received_on == date(OLD_YEAR + 1, 3, 31) and report.timeliness == "逾期 1 天"
    assert json.loads(AuditEvent.get(AuditEvent.action == "dynamic.file").details)["timeliness"] == "逾期 1 天"
    login(staff)
    staff_list = client.get(f"/upkeep/dynamic?year={OLD_YEAR}").get_data(as_text=True)
    assert "逾期 1 天" in staff_list.split('id="dynamic-status"')[1]
    assert "逾期 1 天" in client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True).split('id="dynamic-tables"')[1]
    assert "逾期 1 天" in client.get(f"/upkeep/dynamic/{report.id}").get_data(as_text=True)
    docx = DocxDocument(io.BytesIO(client.get(f"/upkeep/dynamic/opinion.docx?year={OLD_YEAR}").data))
    assert "逾期 1 天" in [c.text for t in docx.tables for r in t.rows for c in r.cells]
    client.post("/logout")
    login(enterprise_of(make, subject))
    assert "逾期 1 天" in client.get(f"/my/dynamic?year={OLD_YEAR}").get_data(as_text=True)
    assert "逾期 1 天" in client.get(f"/my/dynamic/{report.id}").get_data(as_text=True)


def test_article_27_a_correction_keeps_the_day_the_table_was_first_received(app, make, staff, db_conn):
    subject = make.listed_subject(year=OLD_YEAR)
    upkeep.file_report(subject, OLD_YEAR, raw=GOOD, by=staff, today=date(OLD_YEAR + 1, 3, 30))
    upkeep.file_report(subject, OLD_YEAR, raw={**GOOD, "water_use": "13"}, by=staff, today=date(OLD_YEAR + 1, 6, 1))
    assert DynamicReport.get().timeliness == "按时"


@pytest.mark.parametrize("received, label", [((3, 30), "按时"), ((3, 31), "逾期 1 天")])
def test_article_27_paper_receipt_date_decides_not_the_entry_date(app, client, make, login, staff, received, label, db_conn):
    subject = make.listed_subject(year=OLD_YEAR, name="纸质报送企业有限公司")
    received_on = date(OLD_YEAR + 1, *received)
    login(staff)
    assert "登记纸质报送" in client.get(f"/upkeep/dynamic?year={OLD_YEAR}").get_data(as_text=True)
    response = client.post(f"/upkeep/dynamic/paper/{subject.id}?year={OLD_YEAR}",
                           data={**GOOD, "received_on": (TODAY + timedelta(days=1)).isoformat()})
    assert "收到日期不能晚于今天" in response.get_data(as_text=True)
    response = client.post(f"/upkeep/dynamic/paper/{subject.id}?year={OLD_YEAR}",
                           data={**GOOD, "received_on": received_on.isoformat()}, follow_redirects=True)
    assert label in response.get_data(as_text=True)
    report = DynamicReport.get()
    assert (report.received_on, report.channel, report.timeliness) == (received_on, "paper", label)
    assert report.submitted_at.date() == TODAY  # keyed in today; the receipt date decides
    event = AuditEvent.get(AuditEvent.action == "dynamic.paper")
    assert json.loads(event.details)["received_on"] == received_on.isoformat()


# --- 第三十条第二项: late and missing tables go to removal review -------------------------------------------------

def test_article_30_late_and_missing_units_are_flagged_for_removal_review(app, client, make, login, staff, db_conn):
    on_time = make.listed_subject(year=OLD_YEAR, name="按时企业有限公司")
    late = make.listed_subject(year=OLD_YEAR, name="逾期企业有限公司")
    missing = make.listed_subject(year=OLD_YEAR, name="未填报企业有限公司")
    _file(on_time, OLD_YEAR, date(OLD_YEAR + 1, 3, 30), staff)
    late_report = _file(late, OLD_YEAR, date(OLD_YEAR + 1, 3, 31), staff)
    status = upkeep.dynamic_report_status(OLD_YEAR, TODAY)
    assert [s.name for s in status["removal_review"]] == sorted([late.name, missing.name],
                                                                key=[s.name for s in status["subjects"]].index)
    login(staff)
    review = client.get(f"/upkeep/dynamic?year={OLD_YEAR}").get_data(as_text=True).split('id="removal-review"')[1]
    review = review.split("</div>")[0]
    assert "逾期企业有限公司" in review and "未填报企业有限公司" in review and "按时企业有限公司" not in review
    assert f'id="dynamic-removal-review-{OLD_YEAR}"' in client.get(f"/pool/subjects/{late.id}").get_data(as_text=True)
    assert f'id="dynamic-removal-review-{OLD_YEAR}"' in client.get(f"/pool/subjects/{missing.id}").get_data(as_text=True)
    assert f'id="dynamic-removal-review-{OLD_YEAR}"' not in client.get(f"/pool/subjects/{on_time.id}").get_data(as_text=True)
    # a recorded reason takes the late unit out of the review (audited)
    client.post(f"/upkeep/dynamic/{late_report.id}/late-reason", data={"late_reason": "省平台3月故障，经省厅同意延期"})
    assert DynamicReport.get_by_id(late_report.id).late_reason == "省平台3月故障，经省厅同意延期"
    assert AuditEvent.select().where(AuditEvent.action == "dynamic.late_reason").count() == 1
    assert [s.id for s in upkeep.dynamic_report_status(OLD_YEAR, TODAY)["removal_review"]] == [missing.id]


# --- 第二十七、三十条 in the recommendation round --------------------------------------------------------------

def _listed_applicant(app, make, staff, name):
    application = applicant(app, make, staff, name)
    Listing.create(subject=application.subject, rung="municipal", year=LAST_YEAR, source="municipal_review",
                   listed_on=date(LAST_YEAR, 9, 20))
    return application


def _check(application):
    found = [c for c in recommend.checks(Application.get_by_id(application.id),
                                         today=TODAY) if c.title == CHECK_TITLE]
    return found[0] if found else None


def test_article_27_30_recommendation_checks_last_years_table_of_listed_units(app, make, staff, db_conn):
    on_time = _listed_applicant(app, make, staff, "按时填报企业有限公司")
    late = _listed_applicant(app, make, staff, "逾期填报企业有限公司")
    excused = _listed_applicant(app, make, staff, "逾期有理由企业有限公司")
    not_listed = applicant(app, make, staff, "未入名单企业有限公司")
    _file(on_time.subject, LAST_YEAR, date(YEAR, 3, 30), staff)
    _file(late.subject, LAST_YEAR, date(YEAR, 3, 31), staff)
    _file(excused.subject, LAST_YEAR, date(YEAR, 3, 31), staff, late_reason="平台故障")
    assert _check(on_time).ok and "按时" in _check(on_time).detail
    assert not _check(late).ok and "逾期 1 天" in _check(late).detail and _check(late).article == "第二十七、三十条"
    assert _check(excused).ok and "平台故障" in _check(excused).detail
    assert _check(not_listed) is None
    assert CHECK_TITLE in [c.title for c in recommend.red(recommend.checks(Application.get_by_id(late.id),
                                                                           today=TODAY))]


# --- 第三十一条: changes reach the province truthfully -----------------------------------------------------------

def test_article_31_no_longer_meets_removes_the_unit_in_the_same_transaction(app, make, staff, db_conn):
    subject = make.listed_subject(year=LAST_YEAR, name="变更后不达标企业有限公司")
    notice = upkeep.declare_change(subject, kind="scope", description="主要产品改为外购组装", new_name="", by=staff)
    upkeep.decide_change(notice, accepted=True, still_meets=False, verification="核查后不再符合行业标准", by=staff)
    listing = Listing.get()
    assert listing.status == ListingStatus.REMOVED.value
    assert listing.removal_category == dict(rules.REMOVAL_CATEGORIES)["no_longer_meets"]
    assert ChangeNotice.get_by_id(notice.id).action_taken.endswith(f"移出{LAST_YEAR}年市级名单")
    [row] = upkeep.adjustment_rows(YEAR)
    assert row[2].startswith("确认变更，不再符合相关标准，已于") and f"移出{LAST_YEAR}年市级名单" in row[2]
    assert AuditEvent.select().where(AuditEvent.action == "listing.remove").count() == 1


def test_article_31_a_removal_that_fails_leaves_the_change_undecided(app, make, staff, db_conn):
    subject = make.listed_subject(year=LAST_YEAR)
    Listing.update(listed_on=TODAY + timedelta(days=3)).execute()  # the removal is refused
    notice = upkeep.declare_change(subject, kind="boundary", description="并购", new_name="", by=staff)
    with pytest.raises(Refused):
        upkeep.decide_change(notice, accepted=True, still_meets=False, verification="不再符合", by=staff)
    assert ChangeNotice.get_by_id(notice.id).status == ChangeStatus.PENDING.value
    assert Listing.get().status == ListingStatus.LISTED.value


def _signable_round(app, make, staff, year=YEAR):
    applicant(app, make, staff, f"推荐企业{year}有限公司")
    with app.test_request_context():
        round_ = recommend.open_round(year, by=staff)
        row = Recommendation.get(Recommendation.round == round_)
        recommend.decide(row, rank=1, decision="recommend", opinion="同意推荐", exception_reason="", by=staff, today=TODAY)
    return round_


def test_article_31_a_change_decided_after_the_last_signed_package_goes_into_the_next(app, client, make, login, staff, db_conn):
    subject = make.listed_subject(year=LAST_YEAR - 1, name="去年变更企业有限公司")
    RecommendationRound.create(year=LAST_YEAR, status=RoundStatus.SIGNED.value, signed_at=local_now())
    notice = upkeep.declare_change(subject, kind="address", description="搬迁至新厂区", new_name="", by=staff)
    ChangeNotice.update(submitted_at=local_now().replace(year=LAST_YEAR)).execute()  # declared last year
    upkeep.decide_change(ChangeNotice.get_by_id(notice.id), accepted=True, still_meets=True, verification="已核实新址",
                         by=staff)
    assert [r[0] for r in upkeep.adjustment_rows(YEAR)] == ["去年变更企业有限公司"]
    round_ = _signable_round(app, make, staff)
    with app.test_request_context():
        recommend.sign(RecommendationRound.get_by_id(round_.id), by=staff)
        assert ChangeNotice.get_by_id(notice.id).reported_in_id == round_.id
        assert upkeep.adjustment_rows(YEAR + 1) == []  # reported once
        assert len(upkeep.adjustment_rows(YEAR, RecommendationRound.get_by_id(round_.id))) == 1
    login(staff)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/recommend/rounds/{round_.id}/package.zip").data))
    doc = DocxDocument(io.BytesIO(archive.read("02-变更调整意见.docx")))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    assert "去年变更企业有限公司" in cells and "确认变更，仍符合相关标准：已核实新址" in cells


def test_article_31_a_pending_change_blocks_sign_off_with_a_link_to_it(app, client, make, login, staff, db_conn):
    subject = make.listed_subject(year=LAST_YEAR, name="待复核变更企业有限公司")
    notice = upkeep.declare_change(subject, kind="name", description="更名", new_name="新名称有限公司", by=staff)
    round_ = _signable_round(app, make, staff)
    login(make.user(Role.ADMIN))
    html = client.post(f"/recommend/rounds/{round_.id}/sign", follow_redirects=True).get_data(as_text=True)
    assert "第三十一条：尚有 1 项名单单位变更待复核" in html
    assert f'<a href="/upkeep/changes/{notice.id}">待复核变更企业有限公司</a>' in html
    assert RecommendationRound.get_by_id(round_.id).status == RoundStatus.DRAFT.value
    upkeep.decide_change(ChangeNotice.get_by_id(notice.id), accepted=False, still_meets=True, verification="材料不全",
                         by=staff)
    client.post(f"/recommend/rounds/{round_.id}/sign")
    assert RecommendationRound.get_by_id(round_.id).status == RoundStatus.SIGNED.value


def test_article_31_the_decision_page_asks_explicitly_and_says_what_was_removed(app, client, make, login, staff, db_conn):
    subject = make.listed_subject(year=LAST_YEAR, name="页面复核企业有限公司")
    notice = upkeep.declare_change(subject, kind="boundary", description="被并购后组织边界变化", new_name="", by=staff)
    login(staff)
    page = client.get(f"/upkeep/changes/{notice.id}").get_data(as_text=True)
    assert '<option selected value="y">' in page  # "still meets" is the default; removal is chosen, never a missed tick
    html = client.post(f"/upkeep/changes/{notice.id}", data={"accepted": "yes", "still_meets": "n",
                                                              "verification": "并购后主要工序外移"},
                       follow_redirects=True).get_data(as_text=True)
    assert f"移出{LAST_YEAR}年市级名单" in html
    assert Listing.get().status == ListingStatus.REMOVED.value
    assert f"移出{LAST_YEAR}年市级名单" in client.get(f"/upkeep/changes/{notice.id}").get_data(as_text=True)
