"""Issue 16, items 12, 13 and the agency part of 14: 第二十三条 in full, the 第二十四条 declaration and breach, the agency
rules as pure functions (第十三、二十三、二十六条), and a calendar that tells the truth (第十四条 and the bureau's dates)."""
import io
from datetime import date, timedelta

import pytest

import rules
from blueprints.agencies import operations as agencies
from blueprints.plans import operations as plans
from core import deadlines, settings
from models import (
    Agency,
    AgencyCheck,
    Application,
    AuditEvent,
    Engagement,
    Milestone,
    Recommendation,
    RecommendationRound,
    Role,
    Rung,
    local_now,
)
from rules import Refused

from .helpers import make_agency
from .test_agencies import PDF, registration

TODAY = local_now().date()
YEAR = TODAY.year


def _check_all(agency, staff, but=None, result="met"):
    for key, _, _ in rules.AGENCY_CONDITIONS:
        if key != but:
            agencies.record_check(agency, key, result=result, evidence="已核对营业执照、办公场所租赁合同和财务制度", by=staff)


# --- 12. 第二十三条 in full ---------------------------------------------------------------------------------

def test_article23_items_one_two_four_five_are_checked_with_evidence_and_required_for_approval(make, staff, db_conn):
    agency = make_agency(status="pending")
    _check_all(agency, staff, but="capability_and_record")
    with pytest.raises(Refused, match="第二十三条第五项：尚未核实"):
        agencies.approve(agency, by=staff, today=TODAY)
    agencies.record_check(agency, "capability_and_record", result="unmet", evidence="近五年无绿色制造评价业绩", by=staff)
    with pytest.raises(Refused, match="第二十三条第五项：不符合"):
        agencies.approve(agency, by=staff, today=TODAY)
    agencies.record_check(agency, "capability_and_record", result="met", evidence="近五年主导绿色工厂评价 12 项", by=staff)
    agencies.approve(agency, by=staff, today=TODAY)
    assert Agency.get_by_id(agency.id).status == "approved"
    assert AgencyCheck.select().where(AgencyCheck.agency == agency).count() == 5  # every row kept
    assert AuditEvent.select().where(AuditEvent.action == "agency.check").count() == 5
    with pytest.raises(Refused):
        agencies.record_check(agency, "staffing", result="met", evidence="",
                              by=staff)  # 第三项 is the counts, not a row


def test_article23_rule_lists_the_items_in_order_with_the_staffing_counts_as_item_three():
    facts = dict(mid_level=9, senior=5, platform_registration_no="GIP-1", platform_approved=True, declared=True)
    problems = rules.agency_qualification_problems(condition_results={}, **facts)
    assert [p.split("：")[0] for p in problems] == ["第二十三条第一项", "第二十三条第二项", "第二十三条第三项",
                                                   "第二十三条第四项", "第二十三条第五项"]
    met = {key: "met" for key, _, _ in rules.AGENCY_CONDITIONS}
    assert rules.agency_qualification_problems(condition_results=met, **{**facts, "mid_level": 10}) == []


def test_article23_checklist_rows_on_the_detail_page_record_inline(client, login, staff):
    agency = make_agency(status="pending")
    login(staff)
    html = client.get(f"/agencies/{agency.id}").get_data(as_text=True)
    for key, article, _ in rules.AGENCY_CONDITIONS:
        assert f'id="agency-condition-{key}"' in html and article in html
    response = client.post(f"/agencies/{agency.id}/checks/legal_entity", headers={"HX-Request": "true"},
                           data={"result": "met", "evidence": "营业执照（统一社会信用代码已核验）"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "agency-checks-changed"
    assert "营业执照" in response.get_data(as_text=True)
    assert client.post(f"/agencies/{agency.id}/checks/no_such_item", data={"result": "met"}).status_code == 404
    panel = client.get(f"/agencies/{agency.id}/qualification").get_data(as_text=True)
    assert "第二十三条第一项" not in panel and "第二十三条第二项" in panel


def test_article23_thresholds_on_the_page_come_from_the_rules(client, login, staff, monkeypatch):
    agency = make_agency(status="pending")
    monkeypatch.setattr(rules, "AGENCY_MIN_MID_LEVEL_STAFF", 14)
    login(staff)
    assert "≥14" in client.get(f"/agencies/{agency.id}").get_data(as_text=True)
    assert "不少于 14 人" in client.get("/agencies/register").get_data(as_text=True)


# --- 12. 第二十四条: the declaration and its breach ---------------------------------------------------------

def test_article24_declaration_is_required_at_registration_and_stored_with_its_time(client, db_conn):
    data = registration()
    data.pop("declaration")
    html = client.post("/agencies/register", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "请阅读并勾选第二十四条承诺" in html and "对赌协议" in html
    assert Agency.select().count() == 0
    response = client.post("/agencies/register", data=registration(qualification=(io.BytesIO(PDF), "资质.pdf")),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    agency = Agency.get()
    assert agency.declaration == rules.AGENCY_DECLARATION and agency.declared_at is not None


def test_article24_an_agency_without_the_declaration_is_not_approved_until_it_declares(client, make, login, staff, db_conn):
    agency = make_agency(status="pending", declaration="", declared_at=None)
    _check_all(agency, staff)
    with pytest.raises(Refused, match="第二十四条：机构尚未承诺"):
        agencies.approve(agency, by=staff, today=TODAY)
    login(make.user(Role.AGENCY, agency=agency))
    assert 'id="declaration-needed"' in client.get("/agency/").get_data(as_text=True)
    client.post("/agency/declare", data={})
    assert Agency.get_by_id(agency.id).declared_at is None
    client.post("/agency/declare", data={"declaration": "y"})
    assert Agency.get_by_id(agency.id).declared_at is not None
    agencies.approve(Agency.get_by_id(agency.id), by=staff, today=TODAY)


def test_article24_declaration_is_required_on_accepting_each_engagement(client, make, login, staff, db_conn):
    agency = make_agency()
    engagement = agencies.propose(make.subject(), agency, purpose="evaluation", rung="municipal", year=YEAR,
                                  by=staff, today=TODAY)
    with pytest.raises(Refused, match="第二十四条"):
        agencies.accept(engagement, by=staff, today=TODAY, declared=False)
    login(make.user(Role.AGENCY, agency=agency))
    page = client.get(f"/agency/engagements/{engagement.id}").get_data(as_text=True)
    assert "不承诺保过" in page
    html = client.post(f"/agency/engagements/{engagement.id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "第二十四条" in html
    assert Engagement.get_by_id(engagement.id).status == "proposed"
    client.post(f"/agency/engagements/{engagement.id}/accept", data={"declaration": "y"})
    accepted = Engagement.get_by_id(engagement.id)
    assert accepted.status == "accepted"  # the enterprise confirms next (第十二条)
    assert accepted.declaration == rules.AGENCY_DECLARATION and accepted.declared_at == accepted.accepted_at


def test_article24_confirmed_breach_is_a_disqualification_category(client, login, staff, db_conn):
    agency = make_agency()
    login(staff)
    html = client.get(f"/agencies/{agency.id}").get_data(as_text=True)
    assert "弄虚作假" in html and "对赌协议" in html
    client.post(f"/agencies/{agency.id}/disqualify", data={"reason": "与企业签订保过协议", "decided_on": TODAY.isoformat()})
    assert Agency.get_by_id(agency.id).status == "approved"  # no category chosen: refused
    client.post(f"/agencies/{agency.id}/disqualify", data={"category": "banned_practice", "reason": "与企业签订保过协议",
                                                           "decided_on": TODAY.isoformat()})
    agency = Agency.get_by_id(agency.id)
    assert agency.status == "disqualified" and agency.disqualified_category == "banned_practice"
    assert agency.status_reason.startswith("第二十四条") and "与企业签订保过协议" in agency.status_reason
    assert agency.disqualified_until == rules.disqualification_until(TODAY)


# --- 14. the agency rules as pure functions over facts --------------------------------------------------------

def test_article26_blocked_reason_is_a_rule_over_status_and_date():
    until = date(2029, 5, 9)
    assert "第二十六条" in rules.agency_blocked_reason("disqualified", until, until)
    assert "三年期满" in rules.agency_blocked_reason("disqualified", until, until + timedelta(days=1))
    assert rules.agency_blocked_reason("suspended", None, until) == "机构已被暂停"
    assert rules.agency_blocked_reason("pending", None, until, "待审核") == "机构尚未认可（待审核）"
    assert rules.agency_blocked_reason("approved", None, until) is None
    assert rules.reapproval_problem("disqualified", until, until) and not rules.reapproval_problem(
        "disqualified", until, until + timedelta(days=1))


def test_article13_evaluation_agency_problem_is_a_rule_over_facts():
    until = date(2029, 5, 9)
    facts = dict(agency_name="甲评价中心", status="approved", disqualified_until=None, engaged=True, today=until)
    assert rules.evaluation_agency_problem(**facts) is None
    assert rules.evaluation_agency_problem(**{**facts, "agency_name": None}).startswith("第十三条")
    assert "没有进行中或已完成的评价对接" in rules.evaluation_agency_problem(**{**facts, "engaged": False})
    disqualified = {**facts, "status": "disqualified", "disqualified_until": until}
    assert rules.evaluation_agency_problem(**disqualified).startswith("第二十六条")
    assert rules.evaluation_agency_problem(**{**disqualified, "today": until + timedelta(days=1)}) is None


# --- 13. the calendar tells the truth ------------------------------------------------------------------------

def _calendar_item(app, title_part, today=TODAY):
    with app.test_request_context():
        return next(d for d in deadlines.calendar(today) if title_part in d.title)


def test_article14_calendar_counts_applications_without_a_signed_decision(app, make, staff, db_conn):
    subjects = [make.subject(rung=Rung.MUNICIPAL.value) for _ in range(4)]
    applications = [Application.create(subject=s, year=YEAR, rung="provincial", status="submitted")
                    for s in subjects]
    round_ = RecommendationRound.create(year=YEAR, created_by=staff)
    for index, application in enumerate(applications):
        Recommendation.create(round=round_, application=application, rank=index + 1,
                              decision="recommend" if index < 2 else "not_recommend")
    assert "4 份" in _calendar_item(app, "推荐省级名单").missing  # drafted, not signed: nothing decided yet
    RecommendationRound.update(status="signed", signed_by=staff, signed_at=local_now()).execute()
    item = _calendar_item(app, "推荐省级名单")
    assert item.missing == "" and not item.overdue
    Application.create(subject=make.subject(rung=Rung.MUNICIPAL.value), year=YEAR, rung="national",
                       status="submitted")
    assert _calendar_item(app, "推荐省级名单").missing.startswith("1 份")


def test_article14_recommendation_and_call_dates_are_the_bureaus_own(app, client, login, staff, db_conn):
    settings.save({"city_recommendation_due": "06-20", "province_call_date": "03-05"})
    day = date(YEAR, 1, 10)
    recommendation = _calendar_item(app, "推荐省级名单", day)
    assert recommendation.due == date(YEAR, 6, 20) and recommendation.article == "本局设定"
    call = _calendar_item(app, "申报通知", day)
    assert call.due == date(YEAR, 3, 5) and call.article == "本局设定"
    ministry = _calendar_item(app, "工信部", day)
    assert ministry.article == "第二十一条" and ministry.due == date(YEAR, *rules.PROVINCE_TO_MINISTRY_DEADLINE)
    login(staff)
    calendar_html = client.get("/home").get_data(as_text=True).split('id="calendar"')[1].split("</table>")[0]
    assert "本局设定" in calendar_html and "申报通知" in calendar_html


def test_article21_city_recommendation_date_must_come_before_the_provinces(client, login, make, db_conn):
    from .test_admin import VALID_SETTINGS
    login(make.user(Role.ADMIN))
    html = client.post("/admin/settings", data={**VALID_SETTINGS, "city_recommendation_due": "07-31"},
                       follow_redirects=True).get_data(as_text=True)
    assert "须早于此日" in html
    assert settings.get("city_recommendation_due") == "07-10"


@pytest.mark.parametrize("kind", ["factory", "park", "supply_chain"])
def test_article14_milestones_end_before_the_city_recommendation_date_for_provincial_and_national(kind):
    year = 2026
    for rung in ("provincial", "national"):
        schedule = rules.milestone_schedule(kind, rung, date(year, 1, 1), year, (7, 10))
        dues = [due for _, due, _ in schedule]
        assert dues == sorted(dues) and dues[0] > date(year, 1, 1)
        applied = {name: due for name, due, _ in schedule}["申报"]
        assert applied == date(year, 7, 10) - timedelta(days=rules.APPLICATION_LEAD_DAYS)  # the boundary
        assert [name for name, _, _ in schedule] == [name for name, _, _ in rules.MILESTONE_TEMPLATES[kind, rung]]
    municipal = rules.milestone_schedule(kind, "municipal", date(year, 1, 1), year, (7, 10))
    assert municipal == [(name, date(year, *md), event) for name, md, event in rules.MILESTONE_TEMPLATES[kind, "municipal"]]


@pytest.mark.parametrize("joined, rung", [
    (date(2026, 11, 25), "municipal"), (date(2026, 5, 1), "provincial"), (date(2026, 8, 1), "national"),
    (date(2026, 12, 31), "municipal"),
])
def test_article10_a_subject_added_late_gets_milestones_spaced_from_that_day(joined, rung):
    schedule = rules.milestone_schedule("factory", rung, joined, 2026, (7, 10))
    dues = [due for _, due, _ in schedule]
    assert dues == sorted(dues) and all(joined <= due <= date(2026, 12, 31) for due in dues)
    if rung != "municipal" and joined < date(2026, 6, 25):
        assert {name: due for name, due, _ in schedule}["申报"] < date(2026, 7, 10)


def test_article10_plan_item_added_today_has_no_overdue_milestone(make, staff, db_conn):
    subject = make.pooled_subject(year_admitted=YEAR)
    plan = plans.create_plan(YEAR, title="本年度培育计划", by=staff)
    plans.add_item(plan, subject, target_rung="provincial", owner=staff, by=staff)
    milestones = list(Milestone.select().order_by(Milestone.position))
    assert len(milestones) == 6 and not any(m.is_overdue(TODAY) for m in milestones)
    assert all(m.due_date.year == YEAR for m in milestones)
