"""第十五条 at every door (issue 16): 不得申请、推荐和列入 — a hit within 近三年 (computed from the event date) or a
stale check refuses submitting, concluding as passed, publishing, recommending and signing; no written reason
overrides it; a park answers for its member enterprises (含园区内企业); a listed unit with a hit is flagged for
removal review (第三十条)."""
from datetime import date, timedelta

import pytest

import rules
from blueprints.applications import operations as apps
from blueprints.listing import operations as listing
from blueprints.recommend import operations as recommend
from core.identifiers import make_credit_code
from models import (
    Application,
    AuditEvent,
    Listing,
    ParkMember,
    Publicity,
    Recommendation,
    RecommendationRound,
    ReviewAssignment,
    Role,
    Rung,
    SubjectKind,
    VetoCheck,
    local_now,
)
from rules import Refused

from .helpers import factory
from .test_applications import approved, under_review
from .test_recommend import applicant, open_round, row_of

TODAY = local_now().date()
YEAR = TODAY.year


def clear_checks(subject, checked_on=TODAY):
    factory.veto_checks(subject, checked_on=checked_on)


def hit(subject, key="dishonest_debtor", event_on=TODAY - timedelta(days=30), checked_on=TODAY):
    VetoCheck.create(subject=subject, condition_key=key, result="hit", source="中国执行信息公开网",
                     checked_on=checked_on, event_on=event_on)


def scored(application, value=88):
    for assignment in ReviewAssignment.select().where(ReviewAssignment.application == application):
        apps.declare(assignment, conflict=False, reason="", by=assignment.expert)
        apps.score(assignment, value=value, comments="", by=assignment.expert)


# --- 近三年, computed ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("event_on, counts", [
    (date(2023, 6, 15), True),   # exactly three years before the check date
    (date(2023, 6, 14), False),  # one day more than three years
    (date(2023, 6, 16), True),   # one day less
])
def test_article_15_three_years_boundary(event_on, counts):
    fact = rules.VetoFact("dishonest_debtor", "hit", date(2026, 6, 15), event_on)
    assert rules.veto_hit_counts(fact) is counts
    problems = rules.veto_gate_problems([fact], today=date(2026, 6, 15), max_age_days=180, door="apply")
    assert bool(problems) is counts
    if counts:
        assert "第十五条第六项" in problems[0] and "失信被执行人" in problems[0] and "不得申请" in problems[0]


def test_article_15_three_years_from_29_february():
    check = date(2028, 2, 29)
    assert rules.veto_hit_counts(rules.VetoFact("dishonest_debtor", "hit", check, date(2025, 3, 1)))
    assert not rules.veto_hit_counts(rules.VetoFact("dishonest_debtor", "hit", check, date(2025, 2, 28)))


def test_article_15_old_hit_no_longer_blocks_submitting(app, make, staff, db_conn):
    application = make.application(by=staff)
    subject = application.subject
    clear_checks(subject)
    hit(subject, event_on=TODAY.replace(year=TODAY.year - 3) - timedelta(days=1))
    assert not any("第十五条" in p for p in apps.submit_problems(application))
    apps.submit(application, by=staff)
    hit(subject, event_on=TODAY - timedelta(days=400))  # within 近三年: counts
    assert any("第十五条第六项" in p for p in apps.submit_problems(Application.get_by_id(application.id)))


def test_veto_row_asks_the_event_date_of_a_hit(client, login, make, staff, db_conn):
    subject = make.subject()
    login(staff)
    url = f"/pool/subjects/{subject.id}/veto/dishonest_debtor"
    html = client.post(url, headers={"HX-Request": "true"},
                       data={"result": "hit", "source": "信用中国", "checked_on": TODAY.isoformat()}).get_data(as_text=True)
    assert "须填写事件日期" in html
    assert VetoCheck.select().count() == 0
    html = client.post(url, headers={"HX-Request": "true"},
                       data={"result": "hit", "source": "信用中国", "checked_on": TODAY.isoformat(),
                             "event_on": (TODAY - timedelta(days=5000)).isoformat()}).get_data(as_text=True)
    assert "事件早于核查日三年以上，不计入" in html
    assert VetoCheck.get().event_on == TODAY - timedelta(days=5000)


# --- the doors ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cause", ["stale", "hit"])
def test_article_15_apply(app, make, staff, cause, db_conn):
    """不得申请: a stale check refuses submitting too (a hit always did)."""
    application = make.application(by=staff)
    subject = application.subject
    clear_checks(subject, checked_on=TODAY - timedelta(days=181) if cause == "stale" else TODAY)
    if cause == "hit":
        hit(subject, key="abnormal_operation")
    with pytest.raises(Refused) as refused:
        apps.submit(application, by=staff)
    message = str(refused.value)
    if cause == "stale":
        assert "第十五条" in message and "超过有效期（180 天）" in message and "须重新核查后方可申请" in message
    else:
        assert "第十五条第一项" in message and "经营异常名录" in message and "不得申请" in message


def test_article_15_conclude_refuses_passed_after_a_hit_recorded_mid_review(app, make, staff, db_conn):
    experts = [make.user(Role.EXPERT) for _ in range(3)]
    application = under_review(app, make, staff, experts, name="评审中否决企业有限公司")
    clear_checks(application.subject)
    scored(application, 92)
    hit(application.subject, key="accident_or_violation")
    with pytest.raises(Refused, match="不能作出“通过”结论：第十五条第二项") as refused:
        apps.conclude(Application.get_by_id(application.id), by=staff)
    assert "不得列入绿色制造名单" in str(refused.value)
    assert Application.get_by_id(application.id).status == "under_review"


def test_article_15_list_publish_leaves_out_a_hit_recorded_during_publicity(app, make, staff, db_conn):
    keep = approved(app, make, staff, name="照常入选企业有限公司")
    drop = approved(app, make, staff, name="公示期否决企业有限公司")
    clear_checks(keep.subject)
    clear_checks(drop.subject)
    publicity = listing.open_publicity(YEAR, start_date=TODAY, by=staff)
    Publicity.update(start_date=TODAY - timedelta(days=16)).execute()
    hit(drop.subject, key="inspection_problem")
    gates = listing.veto_gates(Publicity.get_by_id(publicity.id))
    assert list(gates) == [drop.id] and "第十五条第四项" in gates[drop.id].problems[0]
    assert listing.publish(Publicity.get_by_id(publicity.id), by=staff) == 1
    assert [listed.subject_id for listed in Listing.select()] == [keep.subject_id]
    event = AuditEvent.get(AuditEvent.action == "publicity.publish")
    assert "公示期否决企业有限公司" in event.details


def test_article_15_list_publish_refused_while_a_check_is_stale(app, make, staff, db_conn):
    application = approved(app, make, staff)
    clear_checks(application.subject)
    publicity = listing.open_publicity(YEAR, start_date=TODAY, by=staff)
    Publicity.update(start_date=TODAY - timedelta(days=16)).execute()
    VetoCheck.update(checked_on=TODAY - timedelta(days=200)).execute()
    with pytest.raises(Refused, match="不能公布：.*须重新核查后方可列入名单"):
        listing.publish(Publicity.get_by_id(publicity.id), by=staff)
    assert Listing.select().count() == 0


def test_article_15_recommend_not_overridden_by_a_written_reason(app, make, staff, db_conn):
    application = applicant(app, make, staff, "推荐否决企业有限公司")
    round_ = open_round(app, staff)
    hit(application.subject, key="energy_inspection")
    row = row_of(round_, application)
    with pytest.raises(Refused, match="不得推荐：.*第十五条第五项.*书面理由不能替代"):
        recommend.decide(row, rank=1, decision="recommend", opinion="同意推荐", exception_reason="领导同意", by=staff,
                         today=TODAY)
    assert Recommendation.get_by_id(row.id).decision is None
    recommend.decide(row, rank=None, decision="not_recommend", opinion="暂不予推荐", exception_reason="", by=staff,
                     today=TODAY)


def test_article_15_sign_refused_for_a_round_recommending_a_unit_hit_after_the_decision(app, make, staff, db_conn):
    application = applicant(app, make, staff, "签发前否决企业有限公司")
    round_ = open_round(app, staff)
    recommend.decide(row_of(round_, application), rank=1, decision="recommend", opinion="同意推荐",
                     exception_reason="", by=staff, today=TODAY)
    hit(application.subject)
    admin = make.user(Role.ADMIN)
    with pytest.raises(Refused, match="签发前否决企业有限公司：.*第十五条第六项"):
        recommend.sign(RecommendationRound.get_by_id(round_.id), by=admin)
    assert RecommendationRound.get_by_id(round_.id).status == "draft"


def test_article_14_only_pool_membership_is_left_to_a_reason_article_26_is_not():
    """第十四条 原则上: a reason may override 'not pooled or listed'; a report by an agency barred under 第二十六条 never."""
    vetoes = tuple(rules.VetoFact(key, "clear", TODAY) for key, _, _ in rules.VETO_CONDITIONS)
    facts = rules.RecommendationFacts(today=TODAY, kind="factory", vetoes=vetoes, claimed_score=88,
                                      score_band="qualified", third_party=True, agency_name="某评价机构",
                                      agency_problem="第二十六条：某评价机构 已被取消资格，其评价报告不予采信",
                                      agency_barred=True)
    check_list = rules.recommendation_checks(facts)
    assert all(c.article for c in check_list)
    assert [(c.article, c.overridable) for c in recommend.red(check_list)] == [("第十四条", True),
                                                                               ("第二十四、二十六条", False)]
    assert [c.article for c in rules.blocking_checks(check_list)] == ["第二十四、二十六条"]


# --- 含园区内企业 ---------------------------------------------------------------------------------------------------

def test_park_members_added_linked_and_ended_inline(client, login, make, staff, db_conn):
    park = make.subject(kind=SubjectKind.PARK.value, name="龙江湾经济开发区", park_management_body="管委会",
                        park_value_added_share=60)
    factory = make.subject(name="园内已登记企业有限公司")
    login(staff)
    url = f"/pool/subjects/{park.id}/members"
    html = client.post(url, headers={"HX-Request": "true"}, data={"credit_code": "123", "name": "x"}).get_data(as_text=True)
    assert "统一社会信用代码应为 18 位" in html and "<html" not in html
    html = client.post(url, headers={"HX-Request": "true"}, data={"credit_code": factory.credit_code}).get_data(as_text=True)
    assert "园内已登记企业有限公司" in html and "已登记" in html
    other = make_credit_code("239902", 70_000_001)
    client.post(url, headers={"HX-Request": "true"}, data={"credit_code": other, "name": "园内未登记企业有限公司"})
    html = client.post(url, headers={"HX-Request": "true"}, data={"credit_code": other, "name": "重复"}).get_data(as_text=True)
    assert "已是本园区的园区内企业" in html
    linked = ParkMember.get(ParkMember.member == factory.id)
    assert ParkMember.select().count() == 2
    html = client.post(f"/pool/members/{linked.id}/end", headers={"HX-Request": "true"},
                       data={"ended_on": TODAY.isoformat(), "reason": "迁出园区"}).get_data(as_text=True)
    assert "已退出的企业（1）" in html
    assert ParkMember.select().count() == 2 and ParkMember.get_by_id(linked.id).ended_on == TODAY
    actions = [e.action for e in AuditEvent.for_object("subject", park.id)]
    assert actions.count("park.member_add") == 2 and "park.member_end" in actions


def test_article_15_a_member_hit_counts_against_the_park_naming_the_member(app, make, staff, db_conn):
    subject = make.pooled_subject(kind=SubjectKind.PARK.value, name="开发区", park_management_body="管委会",
                                  park_value_added_share=60)
    application = make.application(subject, by=staff)
    clear_checks(subject)
    member = make.subject(name="园内失信企业有限公司")
    old = make.subject(name="园内旧案企业有限公司")
    hit(old, event_on=TODAY - timedelta(days=3 * 366 + 1))  # beyond 近三年: shown, not counted
    from blueprints.pool import operations as pool
    pool.add_member(subject, old.credit_code, name="", by=staff)
    assert not any("园区内企业" in p for p in apps.submit_problems(application))
    pool.add_member(subject, member.credit_code, name="", by=staff)
    hit(member, key="accident_or_violation")
    with pytest.raises(Refused, match="园区内企业「园内失信企业有限公司」.*园区不得申请"):
        apps.submit(Application.get_by_id(application.id), by=staff)
    checks = recommend.checks(Application.get_by_id(application.id), today=TODAY)
    veto = next(c for c in checks if c.article == "第十五条")
    assert not veto.ok and not veto.overridable and "园内失信企业有限公司" in veto.detail
    assert "园内旧案企业有限公司" not in veto.detail


# --- 第三十条: a listed unit with a hit is flagged for removal review -------------------------------------------

def test_article_30_listed_unit_with_a_hit_flagged_on_calendar_and_subject_page(client, login, make, staff, db_conn):
    subject = make.subject(name="在册否决企业有限公司", rung=Rung.MUNICIPAL.value)
    Listing.create(subject=subject, rung="municipal", year=YEAR - 1, source="municipal_review", listed_on=TODAY)
    clear_checks(subject)
    login(staff)
    assert "待移出审查" not in client.get("/home").get_data(as_text=True)
    hit(subject)
    home = client.get("/home").get_data(as_text=True)
    assert "名单单位存在第十五条情形，待移出审查" in home and "在册否决企业有限公司" in home
    page = client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    assert 'id="removal-review"' in page and "第三十条第一项" in page and "失信被执行人" in page


def test_article_15_the_filing_readiness_reads_veto_hits_through_the_same_three_years(app, make, staff, db_conn):
    from blueprints.filing import operations as filing
    from models import PoolEntry
    subject = make.subject()
    PoolEntry.create(subject=subject, year_admitted=YEAR)
    clear_checks(subject)
    hit(subject, event_on=TODAY.replace(year=TODAY.year - 3) - timedelta(days=1))  # older than 近三年
    with app.test_request_context():
        assert filing.check_summaries({subject.id: subject.kind})[subject.id]["hit"] is False
    hit(subject, event_on=TODAY - timedelta(days=400))
    with app.test_request_context():
        assert filing.check_summaries({subject.id: subject.kind})[subject.id]["hit"] is True
