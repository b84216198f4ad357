"""Third-party agencies (第二十三至二十六条) and their engagements with subjects."""
import io
from datetime import date, timedelta

import pytest

import rules
from blueprints.agencies import operations as agencies
from blueprints.applications import operations as apps
from core.identifiers import make_credit_code
from models import Agency, Application, Engagement, Role, Rung, User, local_now
from rules import Refused

from .helpers import make_agency

TODAY = local_now().date()
YEAR = TODAY.year
PDF = b"%PDF-1.4 qualification"


# --- the rules as units ----------------------------------------------------------------------------------

@pytest.mark.parametrize("mid, senior, ok", [(10, 5, True), (9, 5, False), (10, 4, False), (30, 12, True)])
def test_staff_count_rule(mid, senior, ok):
    assert (rules.agency_staffing_problems(mid, senior) == []) is ok


@pytest.mark.parametrize("decided, until", [
    (date(2026, 5, 10), date(2029, 5, 10)),  # 《民法典》第二百零一、二百零二条: the corresponding day ends it
    (date(2024, 2, 29), date(2027, 2, 28)),  # no 29 February: the month's last day
    (date(2026, 1, 1), date(2029, 1, 1)),
])
def test_three_year_block_ends_on_the_right_day(decided, until):
    assert rules.disqualification_until(decided) == until


def test_block_is_enforced_through_its_last_day_only(make, staff, db_conn):
    agency = make_agency()
    agencies.disqualify(agency, reason="弄虚作假", decided_on=date(2026, 5, 10), by=staff)
    for key, _, _ in rules.AGENCY_CONDITIONS:
        agencies.record_check(agency, key, result="met", evidence="核对", by=staff)
    agency = Agency.get_by_id(agency.id)
    assert agency.disqualified_until == date(2029, 5, 10)  # the third anniversary included
    assert "取消资格" in agencies.blocked_reason(agency, date(2029, 5, 10))
    with pytest.raises(Refused, match="三年内不得重新认可"):
        agencies.approve(agency, by=staff, today=date(2029, 5, 10))
    agencies.approve(agency, by=staff, today=date(2029, 5, 11))
    assert Agency.get_by_id(agency.id).status == "approved"


# --- the national cap (第二十四条) ------------------------------------------------------------------------

def test_fifteen_national_evaluations_per_legal_representative_across_agencies(make, staff, db_conn):
    first, second = make_agency(legal="刘建国"), make_agency(legal=" 刘建国 ")
    other = make_agency(legal="陈海燕")
    subjects = [make.subject(rung=Rung.PROVINCIAL.value) for _ in range(17)]
    for index, subject in enumerate(subjects[:14]):
        agencies.propose(subject, first if index % 2 else second, purpose="evaluation", rung="national", year=YEAR,
                         by=staff, today=TODAY,
                         reason="按计划分配")  # not always the first row: the reason is kept
    fifteenth = agencies.propose(subjects[14], second, purpose="evaluation", rung="national", year=YEAR, by=staff,
                                 today=TODAY,
                                 reason="按计划分配")  # allowed
    with pytest.raises(Refused, match="不得超过 15 项"):
        agencies.propose(subjects[15], first, purpose="evaluation", rung="national", year=YEAR, by=staff,
                         today=TODAY, reason="按计划分配")
    agencies.propose(subjects[15], other, purpose="evaluation", rung="national", year=YEAR, by=staff,
                     today=TODAY)  # another person
    agencies.propose(subjects[16], first, purpose="evaluation", rung="provincial", year=YEAR, by=staff, today=TODAY,
                     reason="按计划分配")  # another rung
    agencies.propose(subjects[16], first, purpose="evaluation", rung="national", year=YEAR + 1, by=staff,
                     today=TODAY,
                     reason="按计划分配")  # another year
    agencies.accept(fifteenth, by=staff, today=TODAY,
                    declared=True)  # accepting the 15th still fits (it counts itself once)
    assert agencies.national_evaluations("刘建国", YEAR) == 15


def test_consult_and_evaluate_warning(make, staff, db_conn):
    agency, subject = make_agency(), make.subject()
    consulting = agencies.propose(subject, agency, purpose="consulting", rung="municipal", year=YEAR, by=staff,
                                  today=TODAY)
    assert consulting.warning == ""
    with pytest.raises(Refused, match="请填写选择理由"):  # 第二十四条: evaluating after consulting needs a reason
        agencies.propose(subject, agency, purpose="evaluation", rung="municipal", year=YEAR, by=staff, today=TODAY)
    evaluation = agencies.propose(subject, agency, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                                  today=TODAY,
                                  reason="企业坚持委托，已核实无搭售")
    assert "第二十四条" in evaluation.warning and evaluation.choice_reason == "企业坚持委托，已核实无搭售"


@pytest.mark.parametrize("status", ["pending", "suspended", "disqualified", "rejected"])
def test_blocked_agencies_cannot_be_proposed_to(make, staff, status, db_conn):
    agency = make_agency(status=status, disqualified_until=TODAY + timedelta(days=30) if status == "disqualified" else None)
    with pytest.raises(Refused):
        agencies.propose(make.subject(), agency, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                         today=TODAY)
    assert Engagement.select().count() == 0


def test_accepting_twice_and_a_suspension_between_proposal_and_acceptance(make, staff, db_conn):
    agency = make_agency()
    engagement = agencies.propose(make.subject(), agency, purpose="evaluation", rung="municipal", year=YEAR,
                                  by=staff, today=TODAY)
    agencies.accept(engagement, by=staff, today=TODAY, declared=True)
    with pytest.raises(Refused, match="不能再接受"):
        agencies.accept(Engagement.get_by_id(engagement.id), by=staff, today=TODAY, declared=True)
    second = agencies.propose(make.subject(), agency, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                              today=TODAY)
    agencies.suspend(agency, reason="抽查", by=staff)
    with pytest.raises(Refused, match="暂停"):
        agencies.accept(Engagement.get_by_id(second.id), by=staff, today=TODAY, declared=True)


def test_pass_rate(make, staff, db_conn):
    """第二十五条: the rate comes from the bureau's conclusions on the applications naming the agency, never from the
    agency's own record (Engagement.outcome, no longer written, is ignored)."""
    agency = make_agency()
    for status in ("approved", "approved", "rejected", "under_review"):
        subject = make.subject()
        Engagement.create(subject=subject, agency=agency, purpose="evaluation", rung="municipal", year=YEAR,
                          status="completed", outcome="passed", proposed_by=staff)
        Application.create(subject=subject, year=YEAR, rung="municipal", method="third_party", agency=agency,
                           status=status)
    consulting = make.subject()
    Engagement.create(subject=consulting, agency=agency, purpose="consulting", rung="municipal", year=YEAR,
                      status="completed", proposed_by=staff)
    assert agencies.pass_rate()[agency.id] == (2, 3)  # under review: not decided


# --- routes and roles -------------------------------------------------------------------------------------

def registration(**overrides):
    data = {"name": "龙江湾测试评价中心有限公司", "credit_code": make_credit_code("239902", 91_000_001),
            "legal_representative": "李华", "address": "龙江湾市松源区科技路9号", "contact_person": "张敏",
            "contact_phone": "0451-81234567", "platform_registration_no": "GIP-9", "platform_approved": "y",
            "staff_mid_level": "12", "staff_senior": "6", "expertise_industries": ["14", "22"],
            "expertise_kinds": ["factory"], "experience": "近五年承担绿色工厂评价 20 余项。", "username": "ljwpj",
            "password": "Agency2026ok", "confirm": "Agency2026ok", "declaration": "y",
            "qualification": (io.BytesIO(PDF), "资质.pdf")}
    data.update(overrides)
    return data


def test_agency_registers_with_documents(client, db_conn):
    response = client.post("/agencies/register", data=registration(), content_type="multipart/form-data")
    assert response.status_code == 302
    agency = Agency.get(Agency.name == "龙江湾测试评价中心有限公司")
    assert agency.status == "pending" and agency.industries == ["14", "22"]
    assert User.get(User.username == "ljwpj").agency_id == agency.id


@pytest.mark.parametrize("field, value, message", [
    ("staff_mid_level", "-3", "人数须为不小于 0 的整数"),
    ("staff_senior", "20", "不能多于中级职称以上人员总数"),
    ("staff_mid_level", "十二", "请输入整数"),
    ("credit_code", "123", "18 位"),
])
def test_bad_registration_input(client, field, value, message, db_conn):
    html = client.post("/agencies/register", data=registration(**{field: value}),
                       content_type="multipart/form-data").get_data(as_text=True)
    assert message in html
    assert Agency.select().count() == 0


def test_credit_code_already_used_by_another_agency(client, db_conn):
    existing = make_agency()
    html = client.post("/agencies/register", data=registration(credit_code=existing.credit_code),
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "已登记为第三方机构" in html
    assert Agency.select().count() == 1


def test_staff_approve_refused_when_counts_fall_short(client, login, staff, db_conn):
    short = make_agency(status="pending", mid=9, senior=5)
    login(staff)
    html = client.post(f"/agencies/{short.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "第二十三条第三项" in html
    assert Agency.get_by_id(short.id).status == "pending"


def test_an_agency_sees_only_subjects_it_is_engaged_with(client, make, login, staff, db_conn):
    agency, other_agency = make_agency(), make_agency()
    mine, theirs = make.subject(name="我方对接企业有限公司"), make.subject(name="他方对接企业有限公司")
    own = agencies.propose(mine, agency, purpose="evaluation", rung="municipal", year=YEAR, by=staff, today=TODAY)
    foreign = agencies.propose(theirs, other_agency, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                               today=TODAY)
    user = make.user(Role.AGENCY, agency=agency)
    login(user)
    html = client.get("/agency/").get_data(as_text=True)
    assert "我方对接企业有限公司" in html and "他方对接企业有限公司" not in html
    assert client.get(f"/agency/engagements/{foreign.id}").status_code == 404
    assert client.post(f"/agency/engagements/{foreign.id}/accept").status_code == 404
    assert client.get(f"/pool/subjects/{theirs.id}").status_code == 403
    client.post(f"/agency/engagements/{own.id}/accept", data={"declaration": "y"})
    assert Engagement.get_by_id(own.id).status == "accepted"  # the enterprise confirms next (第十二条)


def test_third_party_application_needs_an_engaged_agency(app, make, staff, db_conn):
    agency = make_agency()
    subject = make.pooled_subject()
    make.veto_checks(subject, checked_on=TODAY)
    application = make.application(subject, ready=False, method="third_party", claimed_score=86, agency=agency,
                                   by=staff)
    with app.test_request_context():
        assert any("没有进行中或已完成的评价对接" in p for p in apps.submit_problems(application))
        engagement = agencies.propose(subject, agency, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                                      today=TODAY)
        agencies.accept(engagement, by=staff, today=TODAY, declared=True)
        assert any("评价对接" in p for p in apps.submit_problems(Application.get_by_id(application.id)))
        agencies.confirm(Engagement.get_by_id(engagement.id), by=staff, today=TODAY, note="企业电话确认")  # 第十二条
        assert not any("评价对接" in p for p in apps.submit_problems(Application.get_by_id(application.id)))
        agencies.disqualify(agency, reason="造假", decided_on=TODAY, by=staff)
        assert any("第二十六条" in p for p in apps.submit_problems(Application.get_by_id(application.id)))


def test_match_page_ranks_with_reasons_and_proposes(client, make, login, staff, db_conn):
    fitting = make_agency(name="擅长乳业评价有限公司", industries="14", kinds="factory")
    make_agency(name="不相关机构有限公司", industries="31", kinds="park")
    blocked = make_agency(name="已暂停机构有限公司", status="suspended")
    subject = make.subject(industry_code="14")
    login(staff)
    html = client.get(f"/agencies/match/{subject.id}").get_data(as_text=True)
    assert html.index("擅长乳业评价有限公司") < html.index("不相关机构有限公司") < html.index("已暂停机构有限公司")
    assert "擅长该行业" in html and "机构已被暂停" in html
    client.post(f"/agencies/match/{subject.id}", data={"agency_id": fitting.id, "purpose": "evaluation",
                                                       "rung": "municipal", "year": YEAR})
    html = client.post(f"/agencies/match/{subject.id}", data={"agency_id": blocked.id, "purpose": "evaluation",
                                                              "rung": "municipal", "year": YEAR},
                       follow_redirects=True).get_data(as_text=True)
    assert "机构已被暂停" in html
    assert [e.agency_id for e in Engagement.select()] == [fitting.id]


def test_annual_reports_and_who_has_not_reported(client, make, login, staff):
    reporting, silent = make_agency(name="已报送机构有限公司"), make_agency(name="未报送机构有限公司")
    login(make.user(Role.AGENCY, agency=reporting))
    client.post("/agency/annual-report", data={"year": YEAR, "file": (io.BytesIO(PDF), "年度报告.pdf")},
                content_type="multipart/form-data")
    client.post("/logout")
    login(staff)
    html = client.get(f"/agencies/reports?year={YEAR}").get_data(as_text=True)
    reported, missing = html.split('id="reported"')[1].split('id="not-reported"')
    assert "已报送机构有限公司" in reported and "未报送机构有限公司" in missing
    assert silent.name not in reported


def test_exports(client, login, staff, make, db_conn):
    import io
    from datetime import date

    from openpyxl import load_workbook

    agency = make_agency()
    Engagement.create(subject=make.subject(name="谢绝对象有限公司"), agency=agency, purpose="evaluation",
                      rung="municipal", year=YEAR, status="declined", proposed_by=staff, reply_by=date(YEAR, 6, 30),
                      decline_reason="本季度评价任务已满")
    login(staff)
    assert client.get("/agencies/export").status_code == 200
    response = client.get("/agencies/engagements/export")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))  # the answer-by day and every reason are columns of their own
    assert row["培育对象"] == "谢绝对象有限公司" and row["答复期限"] == f"{YEAR}-06-30"
    assert row["谢绝理由"] == "本季度评价任务已满" and "终止理由" in row
