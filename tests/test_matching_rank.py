"""Ranking that knows the rules and says why (issue 20, item 1), pass rates from outcomes (item 5), and the
enterprise's application form offering recognised agencies only."""
import json
from datetime import timedelta

import pytest

import rules
from blueprints.agencies import matching
from blueprints.agencies import operations as agencies
from blueprints.applications import operations as apps
from blueprints.applications.forms import agency_choices
from models import (
    AgencyCapacity,
    Application,
    AuditEvent,
    Engagement,
    Listing,
    Recommendation,
    RecommendationRound,
    Role,
    Rung,
    db,
    local_now,
)
from rules import Refused

from .helpers import make_agency

TODAY = local_now().date()
YEAR = TODAY.year


def engage(subject, agency, purpose="evaluation", rung="municipal", year=YEAR, status="active", **extra):
    return Engagement.create(subject=subject, agency=agency, purpose=purpose, rung=rung, year=year, status=status,
                             **extra)


def row_of(rows, agency):
    return next(c for c in rows if c.agency.id == agency.id)


# --- the ranking: conflicts, exclusions, capacity ----------------------------------------------------------------

def test_conflict_marks_and_exclusions_per_row(make, db_conn):
    subject = make.subject(industry_code="14")
    consulted = make_agency(name="咨询过的机构有限公司")
    engaged = make_agency(name="已对接机构有限公司")
    declined = make_agency(name="拒绝过的机构有限公司")
    expired = make_agency(name="逾期未答复机构有限公司")
    suspended = make_agency(name="暂停机构有限公司", status="suspended")
    pending = make_agency(name="待审核机构有限公司", status="pending")
    disqualified = make_agency(name="取消资格机构有限公司", status="disqualified",
                               disqualified_until=TODAY + timedelta(days=300))
    rejected = make_agency(name="未认可机构有限公司", status="rejected")
    clean = make_agency(name="无冲突机构有限公司")
    engage(subject, consulted, purpose="consulting", year=YEAR - 1, status="completed")  # any year counts
    engage(subject, engaged, rung="provincial", status="proposed")  # same purpose and year: excluded at any rung
    engage(subject, declined, status="declined")
    engage(subject, expired, status="expired")
    rows = matching.ranked_for(subject, "evaluation", "municipal", YEAR, TODAY)
    assert rejected.id not in [c.agency.id for c in rows]
    row = row_of(rows, consulted)
    assert rules.CONSULTED_MARK in row.conflicts and row.needs_reason and row.offered
    assert row_of(rows, engaged).excluded.startswith(rules.ALREADY_ENGAGED)
    # it said no (or nothing) this year: a mark needing a reason, so the batch never proposes it
    assert rules.DECLINED_MARK in row_of(rows, declined).reason_marks and row_of(rows, declined).needs_reason
    assert rules.EXPIRED_MARK in row_of(rows, expired).reason_marks and row_of(rows, expired).needs_reason
    assert row_of(rows, suspended).excluded == "机构已被暂停"
    assert "尚未认可" in row_of(rows, pending).excluded
    assert "第二十六条" in row_of(rows, disqualified).excluded
    assert row_of(rows, clean).conflicts == [] and row_of(rows, clean).offered
    offered = [c.offered for c in rows]
    assert offered == sorted(offered, reverse=True)  # excluded rows last
    # consulting instead: the consulting agency is now the one already engaged, the rest as before
    consulting = matching.ranked_for(subject, "consulting", "municipal", YEAR, TODAY)
    assert row_of(consulting, consulted).conflicts == [] and row_of(consulting, engaged).offered
    assert rules.EVALUATED_MARK in row_of(consulting, engaged).conflicts  # a live evaluation: 第二十四条 again
    assert not row_of(consulting, engaged).needs_reason  # marked; the stored reason is asked of evaluations
    # next year: the year's declines and engagements do not follow
    later = matching.ranked_for(subject, "evaluation", "municipal", YEAR + 1, TODAY)
    assert row_of(later, declined).conflicts == [] and row_of(later, engaged).offered


def test_a_live_engagement_with_another_agency_is_a_mark_needing_a_reason(make, staff, db_conn):
    subject = make.subject(industry_code="14")
    holder = make_agency(name="已在对接机构有限公司")
    other, spare = make_agency(name="另一家机构有限公司"), make_agency()
    engage(subject, holder, rung="provincial", status="accepted")
    rows = matching.ranked_for(subject, "evaluation", "provincial", YEAR, TODAY)
    mark = rules.ENGAGED_ELSEWHERE_MARK.format(agencies="已在对接机构有限公司")
    assert mark == "该对象本年度已有同类对接（已在对接机构有限公司）"
    assert mark in row_of(rows, other).reason_marks and row_of(rows, other).needs_reason
    assert row_of(rows, holder).excluded.startswith(rules.ALREADY_ENGAGED)
    assert matching.recommended(rows) is None  # nobody is recommended: every offered row needs a reason
    with pytest.raises(Refused, match="已有同类对接"):
        agencies.propose(subject, other, purpose="evaluation", rung="provincial", year=YEAR, by=staff, today=TODAY)
    assert agencies.propose(subject, other, purpose="evaluation", rung="provincial", year=YEAR, by=staff, today=TODAY,
                            reason="企业更换评价机构").choice_reason == "企业更换评价机构"
    # another rung, another purpose or an ended engagement is no such mark
    assert row_of(matching.ranked_for(subject, "evaluation", "national", YEAR, TODAY), spare).conflicts == []
    assert row_of(matching.ranked_for(subject, "consulting", "provincial", YEAR, TODAY), spare).conflicts == []
    ended = make.subject(industry_code="14")
    engage(ended, holder, rung="provincial", status="withdrawn")
    rows = matching.ranked_for(ended, "evaluation", "provincial", YEAR, TODAY)
    assert not row_of(rows, spare).needs_reason


def test_declined_and_expired_rows_are_never_proposed_by_the_batch(make, staff, db_conn):
    from blueprints.agencies import batch_operations
    declined, expired = make_agency(name="拒绝过的机构有限公司"), make_agency(name="逾期机构有限公司")
    first, second = make.subject(industry_code="14"), make.subject(industry_code="14")
    engage(first, declined, status="declined")
    engage(first, expired, status="expired")
    engage(second, declined, purpose="consulting", status="declined")  # any purpose this year
    _, proposals, _ = batch_operations.plan([first, second], purpose="evaluation", rung="municipal", year=YEAR,
                                            today=TODAY)
    assert proposals[first.id].agency_id is None and proposals[second.id].agency_id == expired.id
    assert proposals[first.id].why == "可对接的机构均有需说明的情形，未作建议；如需发送请选择机构并填写理由"
    with pytest.raises(Refused, match="本年度曾拒绝该对象的邀请"):
        agencies.propose(first, declined, purpose="evaluation", rung="municipal", year=YEAR, by=staff, today=TODAY)


def test_the_enterprises_objection_needs_a_reason_and_its_preference_is_shown(make, staff, db_conn):
    from blueprints.agencies import preferences
    objected, preferred = make_agency(), make_agency()
    subject = make.subject()
    preferences.state(subject, objected, year=YEAR, stance="object", reason="评价人员曾在本企业任职", by=staff, today=TODAY)
    preferences.state(subject, preferred, year=YEAR, stance="prefer", reason="熟悉本企业工艺", by=staff, today=TODAY)
    rows = matching.ranked_for(subject, "evaluation", "municipal", YEAR, TODAY)
    assert "企业有异议：评价人员曾在本企业任职" in row_of(rows, objected).conflicts
    assert row_of(rows, objected).needs_reason
    assert "企业倾向委托：熟悉本企业工艺" in row_of(rows, preferred).reasons
    with pytest.raises(Refused, match="企业有异议"):
        agencies.propose(subject, objected, purpose="evaluation", rung="municipal", year=YEAR, by=staff, today=TODAY)


def test_the_national_cap_excludes_at_fifteen_and_shows_what_is_used(make, db_conn):
    first, second = make_agency(legal="刘建国"), make_agency(legal=" 刘建国")
    other = make_agency(legal="陈海燕")
    for index in range(14):
        engage(make.subject(), first if index % 2 else second, rung="national")
    engage(make.subject(), second, rung="provincial")  # another rung does not count
    subject = make.subject()
    rows = matching.ranked_for(subject, "evaluation", "national", YEAR, TODAY)
    assert row_of(rows, first).offered and rules.national_cap_mark(14) in row_of(rows, first).conflicts
    assert row_of(rows, first).cap_used == 14 and row_of(rows, other).cap_used == 0
    engage(make.subject(), first, rung="national", status="proposed")  # the 15th
    rows = matching.ranked_for(subject, "evaluation", "national", YEAR, TODAY)
    assert "不得超过 15 项" in row_of(rows, first).excluded and "不得超过 15 项" in row_of(rows, second).excluded
    assert row_of(rows, other).offered
    assert row_of(matching.ranked_for(subject, "evaluation", "provincial", YEAR, TODAY), first).offered
    assert row_of(matching.ranked_for(subject, "consulting", "national", YEAR, TODAY), first).cap_used is None
    engage(make.subject(), first, rung="national", status="expired")  # an expired invitation frees nothing more
    assert matching.national_used_by_legal_representative(YEAR)["刘建国"] == 15


def test_capacity_mark_needs_a_reason_and_the_load_lowers_the_fit(make, staff, db_conn):
    full, free, unset = make_agency(name="满负荷机构有限公司"), make_agency(), make_agency()
    AgencyCapacity.create(agency=full, year=YEAR, capacity=2)
    AgencyCapacity.create(agency=free, year=YEAR, capacity=10)
    for _ in range(2):
        engage(make.subject(), full)
        engage(make.subject(), unset)
    engage(make.subject(), full, year=YEAR - 1)  # last year's work is not this year's load
    subject = make.subject()
    rows = matching.ranked_for(subject, "evaluation", "municipal", YEAR, TODAY)
    row = row_of(rows, full)
    assert rules.capacity_problem(2, 2) in row.conflicts and row.needs_reason and row.offered
    assert (row.load, row.capacity) == (2, 2) and "本年度 2/2 项" in row.reasons
    default = rules.DEFAULT_AGENCY_CAPACITY  # no capacity set: the default, as the batch counts it
    assert f"本年度 2/{default} 项（默认容量）" in row_of(rows, unset).reasons
    assert row_of(rows, unset).capacity == default
    assert rows[0].agency.id == free.id and row.score < row_of(rows, unset).score < rows[0].score
    with pytest.raises(Refused, match="满负荷"):
        agencies.propose(subject, full, purpose="evaluation", rung="municipal", year=YEAR, by=staff, today=TODAY)
    engagement = agencies.propose(subject, full, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                                  today=TODAY,
                                  reason="企业坚持委托该机构")
    assert engagement.choice_reason == "企业坚持委托该机构"


def test_experience_at_the_rung_and_the_kind_enter_the_fit(make, db_conn):
    seasoned, novice = make_agency(), make_agency()
    engage(make.subject(), seasoned, rung="national", year=YEAR - 2, status="completed")
    engage(make.subject(), seasoned, rung="municipal", year=YEAR - 2, status="completed")
    subject = make.subject()
    rows = matching.ranked_for(subject, "evaluation", "provincial", YEAR, TODAY)
    assert "已完成省级及以上评价 1 项" in row_of(rows, seasoned).reasons
    assert row_of(rows, seasoned).score > row_of(rows, novice).score
    rows = matching.ranked_for(subject, "evaluation", "municipal", YEAR, TODAY)
    assert "已完成市级及以上评价 2 项" in row_of(rows, seasoned).reasons


def test_candidates_for_many_subjects_take_a_fixed_handful_of_queries(make, monkeypatch, db_conn):
    for index in range(20):
        make_agency(industries=str(13 + index % 5), kinds="factory")
    subjects = [make.subject(industry_code=str(13 + index % 7)) for index in range(60)]
    for subject in subjects[:10]:
        engage(subject, make_agency(), status="declined")
    counted = []
    original = db.obj.execute_sql

    def counting(sql, *args, **kwargs):
        counted.append(sql)
        return original(sql, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", counting)
    few = matching.candidates(subjects[:5], "evaluation", "national", YEAR, TODAY)
    few_queries = len(counted)
    counted.clear()
    many = matching.candidates(subjects, "evaluation", "national", YEAR, TODAY)
    assert len(counted) == few_queries <= 12, counted
    assert len(many) == 60 and len(few) == 5 and all(len(rows) == 30 for rows in many.values())
    uncovered = [s for s in subjects if not any(c.covers_industry and c.offered for c in many[s.id])]
    assert {s.industry_code for s in uncovered} == {"18", "19"}


# --- the operation: a reason for anything but the first row --------------------------------------------------

def test_propose_needs_a_reason_below_the_first_row_and_keeps_it(make, staff, db_conn):
    top = make_agency(name="擅长该行业机构有限公司", industries="14")
    second = make_agency(name="不擅长该行业机构有限公司", industries="31")
    blocked = make_agency(status="suspended")
    subject = make.subject(industry_code="14")
    with pytest.raises(Refused, match=rules.CHOICE_REASON_NEEDED):
        agencies.propose(subject, second, purpose="evaluation", rung="municipal", year=YEAR, by=staff, today=TODAY)
    with pytest.raises(Refused, match=rules.CHOICE_REASON_NEEDED):
        agencies.propose(subject, second, purpose="evaluation", rung="municipal", year=YEAR, by=staff, today=TODAY,
                         reason="   ")
    with pytest.raises(Refused, match="暂停"):
        agencies.propose(subject, blocked, purpose="evaluation", rung="municipal", year=YEAR, by=staff, today=TODAY,
                         reason="理由")
    assert Engagement.select().count() == 0
    engagement = agencies.propose(subject, second, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                                  today=TODAY,
                                  reason="  企业已与该机构签订委托意向  ")
    assert engagement.choice_reason == "企业已与该机构签订委托意向"
    assert engagement.reply_by == TODAY + timedelta(days=rules.INVITATION_REPLY_DAYS)
    event = AuditEvent.select().where(AuditEvent.action == "engagement.propose").get()
    assert json.loads(event.details)["reason"] == "企业已与该机构签订委托意向"
    other = make.subject(industry_code="14")
    first = agencies.propose(other, top, purpose="consulting", rung="municipal", year=YEAR, by=staff, today=TODAY,
                             reply_by=TODAY + timedelta(days=3))
    assert first.choice_reason == "" and first.reply_by == TODAY + timedelta(days=3)


def test_a_tie_with_the_first_row_needs_no_reason(make, staff, db_conn):
    first, twin = make_agency(), make_agency()
    subject = make.subject(industry_code="14")
    rows = matching.ranked_for(subject, "evaluation", "municipal", YEAR, TODAY)
    assert rows[0].agency.id == first.id and row_of(rows, twin).score == rows[0].score
    assert agencies.propose(subject, twin, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                            today=TODAY).choice_reason == ""


# --- the page -------------------------------------------------------------------------------------------------

def test_match_page_reranks_marks_and_asks_for_a_reason_beside_the_field(client, make, login, staff, db_conn):
    top = make_agency(name="排名第一评价机构有限公司", industries="14")
    consulted = make_agency(name="曾提供咨询机构有限公司", industries="14", kinds="park")
    suspended = make_agency(name="被暂停评价机构有限公司", status="suspended")
    subject = make.subject(industry_code="14")
    engage(subject, consulted, purpose="consulting", status="active")
    login(staff)
    url = f"/agencies/match/{subject.id}"
    html = client.get(f"{url}?purpose=evaluation&rung=municipal&year={YEAR}").get_data(as_text=True)
    assert html.index(top.name) < html.index(consulted.name) < html.index(suspended.name)
    assert rules.CONSULTED_MARK in html and "擅长该行业" in html and "不可对接：机构已被暂停" in html
    suspended_row = html.split(f'id="match-row-{suspended.id}"')[1].split("</tr>")[0]
    assert "excluded" in html.split(f'id="match-row-{suspended.id}"')[0].rsplit("<tr", 1)[1]
    assert "发出对接邀请" not in suspended_row
    # consulting instead (htmx: the ranking alone): no 第二十四条 mark, the consulting agency is already engaged
    fragment = client.get(f"{url}?purpose=consulting&rung=municipal&year={YEAR}",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and 'id="match-table"' in fragment
    assert rules.CONSULTED_MARK not in fragment and rules.ALREADY_ENGAGED in fragment

    data = {"agency_id": consulted.id, "purpose": "evaluation", "rung": "municipal", "year": YEAR, "choice_reason": ""}
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    feedback = html.split('id="choice_reason"')[1].split("</div>")[0]
    assert "请填写选择理由" in feedback and "第二十四条" in feedback and 'id="chosen-agency"' in html
    assert Engagement.select().where(Engagement.purpose == "evaluation").count() == 0
    data["choice_reason"] = "企业坚持委托，已核实咨询与评价由不同团队承担"
    response = client.post(url, data=data)
    assert response.status_code == 302
    engagement = Engagement.get(Engagement.purpose == "evaluation")
    assert engagement.agency_id == consulted.id and engagement.choice_reason == data["choice_reason"]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "选择理由：企业坚持委托" in html
    assert "选择理由：企业坚持委托" in client.get("/agencies/engagements").get_data(as_text=True)
    assert "选择理由：企业坚持委托" in client.get(f"/agencies/{consulted.id}").get_data(as_text=True)


def test_match_page_non_top_without_reason_and_a_bad_year(client, make, login, staff, db_conn):
    make_agency(name="首选机构有限公司", industries="14")
    other = make_agency(name="次选机构有限公司", industries="31")
    subject = make.subject(industry_code="14")
    login(staff)
    url = f"/agencies/match/{subject.id}"
    html = client.post(url, data={"agency_id": other.id, "purpose": "evaluation", "rung": "municipal", "year": YEAR,
                                  "choice_reason": ""}).get_data(as_text=True)
    assert rules.CHOICE_REASON_NEEDED in html.split('id="choice_reason"')[1]
    response = client.post(url, data={"agency_id": other.id, "purpose": "evaluation", "rung": "municipal",
                                      "year": "20x6"})
    assert response.status_code == 200 and "首选机构有限公司" in response.get_data(as_text=True)
    assert client.get(f"{url}?year=abc&rung=nope&purpose=x").status_code == 200
    assert Engagement.select().count() == 0


def test_one_recommended_row_for_the_badge_the_choice_and_the_batch(client, make, login, staff, db_conn):
    from blueprints.agencies import batch_operations
    consulted = make_agency(name="咨询过的首位机构有限公司", industries="14", kinds="factory")  # the best fit
    clean = make_agency(name="无标记机构有限公司", industries="14", kinds="park")
    third = make_agency(name="第三位机构有限公司", industries="31", kinds="park")
    subject = make.subject(industry_code="14")
    engage(subject, consulted, purpose="consulting", status="active")
    rows = matching.ranked_for(subject, "evaluation", "municipal", YEAR, TODAY)
    assert rows[0].agency.id == consulted.id and rows[0].needs_reason  # first, but marked 第二十四条
    assert matching.recommended(rows).agency.id == clean.id and matching.recommended_ids(rows) == {clean.id}
    assert matching.choice_problem(rows, clean.id, "") == ""
    assert matching.choice_problem(rows, third.id, "") == rules.CHOICE_REASON_NEEDED
    _, proposals, _ = batch_operations.plan([subject], purpose="evaluation", rung="municipal", year=YEAR,
                                            today=TODAY)
    assert proposals[subject.id].agency_id == clean.id and proposals[subject.id].top
    login(staff)
    html = client.get(f"/agencies/match/{subject.id}?purpose=evaluation&rung=municipal&year={YEAR}").get_data(
        as_text=True)
    row = {a.id: html.split(f'id="match-row-{a.id}"')[1].split("</tr>")[0] for a in (consulted, clean, third)}
    assert "推荐" not in row[consulted.id] and rules.CONSULTED_MARK in row[consulted.id]
    assert "推荐" in row[clean.id] and "推荐" not in row[third.id]
    response = client.post(f"/agencies/match/{subject.id}", data={
        "agency_id": clean.id, "purpose": "evaluation", "rung": "municipal", "year": YEAR, "choice_reason": ""})
    assert response.status_code == 302  # the recommended row needs no reason
    assert Engagement.get(Engagement.agency == clean.id).choice_reason == ""


def test_agency_list_shows_this_years_load_against_capacity(client, make, login, staff, db_conn):
    from blueprints.agencies import batch_operations
    busy, idle = make_agency(name="负荷机构有限公司"), make_agency(name="空闲机构有限公司")
    batch_operations.set_capacity(busy, YEAR, capacity=5, by=staff)
    for status in ("proposed", "active", "completed"):
        engage(make.subject(), busy, status=status)
    engage(make.subject(), busy, status="declined")  # holds no slot
    engage(make.subject(), busy, year=YEAR - 1, status="active")  # last year's, still open: not this year's load
    engage(make.subject(), busy, status="proposed", reply_by=TODAY - timedelta(days=1))  # overdue: expires
    login(staff)
    html = client.get("/agencies/").get_data(as_text=True)
    busy_row = html.split(busy.name)[1].split("</tr>")[0]
    idle_row = html.split(idle.name)[1].split("</tr>")[0]
    assert "本年度 3/5" in busy_row and f"本年度 0/{rules.DEFAULT_AGENCY_CAPACITY}" in idle_row
    assert "（默认）" in idle_row and "（默认）" not in busy_row
    rows = matching.ranked_for(make.subject(), "consulting", "municipal", YEAR, TODAY)
    assert row_of(rows, busy).load == 3 and row_of(rows, busy).capacity == 5  # the match pages count the same
    assert not hasattr(agencies, "active_load")
    assert client.get("/agencies/export").status_code == 200


# --- pass rates from outcomes ---------------------------------------------------------------------------------

def _application(subject, agency, rung="municipal", year=YEAR, status="submitted"):
    return Application.create(subject=subject, year=year, rung=rung, method="third_party", agency=agency,
                              status=status)


def test_pass_rates_come_from_the_bureaus_outcomes_with_the_sample_size(make, staff, db_conn):
    agency, other = make_agency(), make_agency()
    cases = []
    # municipal: 通过; 未通过; listed (the list, whatever the application says); under review: undecided
    for status, listed in (("approved", False), ("rejected", False), ("submitted", True), ("under_review", False)):
        subject = make.subject()
        engage(subject, agency, status="completed", outcome="passed")  # the agency's own word counts for nothing
        application = _application(subject, agency, status=status)
        if listed:
            Listing.create(subject=subject, rung="municipal", year=YEAR, source="municipal_review",
                           application=application, listed_on=TODAY)
        cases.append(subject)
    # provincial: listed by the province -> passed; 不推荐 in the signed round -> failed; 推荐, no list yet: undecided
    draft = RecommendationRound.create(year=YEAR, version=1, status="signed")
    newer = RecommendationRound.create(year=YEAR, version=2, status="signed", supersedes=draft)
    for decision_v1, decision_v2, listed in (("recommend", "recommend", True),
                                             ("recommend", "not_recommend", False),
                                             ("not_recommend", "recommend", False)):
        subject = make.subject(rung=Rung.MUNICIPAL.value)
        engage(subject, agency, rung="provincial")
        application = _application(subject, agency, rung="provincial")
        Recommendation.create(round=draft, application=application, decision=decision_v1)
        Recommendation.create(round=newer, application=application, decision=decision_v2)
        if listed:
            Listing.create(subject=subject, rung="provincial", year=YEAR, source="province", listed_on=TODAY)
    # not decided for this agency: the application names another agency; a proposed (not accepted) engagement
    named_other = make.subject()
    engage(named_other, agency)
    _application(named_other, other, status="approved")
    invited = make.subject()
    engage(invited, agency, status="proposed")
    _application(invited, agency, status="approved")
    rates = agencies.pass_rate()
    assert rates[agency.id] == (3, 5)  # approved, listed, province-listed / + rejected, not recommended
    assert other.id not in rates
    assert agencies.pass_rate([other.id]) == {}
    rows = matching.ranked_for(make.subject(), "evaluation", "municipal", YEAR, TODAY)
    assert (row_of(rows, agency).passed, row_of(rows, agency).decided) == (3, 5)
    assert row_of(rows, agency).pass_rate_text == "60%（3/5）"


@pytest.mark.parametrize("passed, decided, flagged", [(10, 10, True), (19, 20, True), (9, 10, False),
                                                      (9, 9, False), (0, 0, False)])
def test_pass_rate_flag_rule(passed, decided, flagged):
    assert bool(rules.pass_rate_flag(passed, decided)) is flagged


def test_a_high_rate_over_many_is_flagged_not_rewarded(client, make, login, staff, db_conn):
    perfect = make_agency(name="全部通过机构有限公司")
    plain = make_agency(name="普通机构有限公司")
    for _ in range(rules.PASS_RATE_FLAG_MIN_DECIDED):
        subject = make.subject()
        engage(subject, perfect, year=YEAR - 1, status="completed", rung="provincial")
        _application(subject, perfect, year=YEAR - 1, status="approved", rung="provincial")
        other = make.subject()
        engage(other, plain, year=YEAR - 1, status="completed", rung="provincial")
    subject = make.subject()
    rows = matching.ranked_for(subject, "evaluation", "municipal", YEAR, TODAY)
    assert row_of(rows, perfect).rate_flag and not row_of(rows, plain).rate_flag
    assert row_of(rows, perfect).score == row_of(rows, plain).score  # the rate never enters the fit
    login(staff)
    flag = "通过率异常偏高，请关注"
    for url in ("/agencies/", f"/agencies/{perfect.id}", f"/agencies/match/{subject.id}"):
        html = client.get(url).get_data(as_text=True)
        assert flag in html and f"样本 {rules.PASS_RATE_FLAG_MIN_DECIDED}" in html, url
    assert flag not in client.get(f"/agencies/{plain.id}").get_data(as_text=True)
    export = client.get("/agencies/export")
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook
    sheet = load_workbook(BytesIO(export.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = values[0]
    by_name = {record["名称"]: record for record in (dict(zip(header, row, strict=True)) for row in values[1:])}
    assert by_name[perfect.name]["通过率提示"].startswith(flag)
    assert by_name[perfect.name]["有结论的评价数"] == rules.PASS_RATE_FLAG_MIN_DECIDED


def test_completing_records_no_outcome(client, make, login, staff, db_conn):
    agency = make_agency()
    subject = make.subject()
    engagement = engage(subject, agency, status="active")
    login(make.user(Role.AGENCY, agency=agency))
    page = client.get(f"/agency/engagements/{engagement.id}").get_data(as_text=True)
    assert "完成对接" in page and 'name="outcome"' not in page and "机构无需填写" in page
    client.post(f"/agency/engagements/{engagement.id}/complete", data={"outcome": "passed"})
    engagement = Engagement.get_by_id(engagement.id)
    assert engagement.status == "completed" and engagement.outcome is None
    assert agencies.pass_rate() == {}


# --- the enterprise's application form and submit ------------------------------------------------------------

def test_application_form_lists_only_recognised_agencies(app, make, db_conn):
    approved = make_agency(name="已认可机构有限公司")
    hidden = [make_agency(status=status, disqualified_until=TODAY + timedelta(days=30) if status == "disqualified"
                          else None) for status in ("pending", "suspended", "disqualified", "rejected")]
    with app.test_request_context():
        ids = [value for value, _ in agency_choices()]
    assert approved.id in ids and not {a.id for a in hidden} & set(ids) and ids[0] == 0


def test_submit_refuses_a_suspended_or_disqualified_agency(app, make, staff, db_conn):
    agency = make_agency()
    subject = make.pooled_subject()
    make.veto_checks(subject, checked_on=TODAY)
    Engagement.create(subject=subject, agency=agency, purpose="evaluation", rung="municipal", year=YEAR,
                      status="completed")  # a completed evaluation survives the suspension
    application = make.application(subject, ready=False, method="third_party", claimed_score=86, agency=agency,
                                   by=staff)
    with app.test_request_context():
        assert not any("评价" in p and agency.name in p for p in apps.submit_problems(application))
        agencies.suspend(agency, reason="年度抽查", by=staff)
        application = Application.get_by_id(application.id)
        assert any("已被暂停" in p for p in apps.submit_problems(application))
        with pytest.raises(Refused, match="已被暂停"):
            apps.submit(application, by=staff)
        agencies.disqualify(agency, reason="造假", decided_on=TODAY, by=staff)
        with pytest.raises(Refused, match="第二十六条"):
            apps.submit(Application.get_by_id(application.id), by=staff)
