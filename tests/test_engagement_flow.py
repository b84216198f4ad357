"""The enterprise's side of an engagement (第十条、第十二条) and invitations that end: the agency accepts, the enterprise
confirms (or refuses) before the engagement is live; an invitation unanswered by its reply-by day expires and frees
its slot; the agency's decline reason is required and shown; the enterprise's preferences and objections."""
import logging
import re
from datetime import timedelta

import pytest
from peewee import SqliteDatabase

import rules
from blueprints.agencies import matching, preferences
from blueprints.agencies import operations as agencies
from core import uploads
from models import (
    AgencyCapacity,
    AuditEvent,
    Engagement,
    EngagementPreference,
    EngagementStatus,
    Role,
    Rung,
    db,
    local_now,
)
from rules import Refused

from .helpers import make_agency

TODAY = local_now().date()
YEAR = TODAY.year
PDF = b"%PDF-1.4 client material"


def _invite(subject, agency, staff, purpose="evaluation", rung="municipal", today=TODAY, **kwargs):
    return agencies.propose(subject, agency, purpose=purpose, rung=rung, year=YEAR, by=staff, today=today, **kwargs)


def _accepted(subject, agency, staff):
    engagement = _invite(subject, agency, staff)
    agencies.accept(engagement, by=staff, today=TODAY, declared=True)
    return Engagement.get_by_id(engagement.id)


def _status(engagement):
    return Engagement.get_by_id(engagement.id).status


def _audits(action):
    return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


# --- accept, then the enterprise confirms -------------------------------------------------------------------

def test_accept_waits_for_the_enterprise_and_documents_are_shared_only_once_confirmed(app, client, make, login,
                                                                                       staff, db_conn):
    agency = make_agency()
    subject = make.subject(name="确认对接企业有限公司")
    with app.test_request_context():
        document = uploads.save(PDF, "pdf", "能源审计报告.pdf", "subject", subject.id, purpose="能源审计")
    engagement = _invite(subject, agency, staff)
    login(make.user(Role.AGENCY, agency=agency))
    client.post(f"/agency/engagements/{engagement.id}/accept", data={"declaration": "y"})
    assert _status(engagement) == "accepted"
    page = client.get(f"/agency/engagements/{engagement.id}").get_data(as_text=True)
    assert "等待企业确认" in page and "能源审计报告.pdf" not in page
    assert client.get(f"/documents/{document.id}").status_code == 404
    client.post("/logout")

    owner = make.user(Role.ENTERPRISE, subject=subject)
    login(owner)
    page = client.get("/my/agencies").get_data(as_text=True)
    assert "确认委托" in page and agency.contact_phone in page
    client.post(f"/my/agencies/engagements/{engagement.id}/confirm")
    confirmed = Engagement.get_by_id(engagement.id)
    assert confirmed.status == "active" and confirmed.confirmed_by_id == owner.id and confirmed.confirmed_at
    [event] = _audits("engagement.confirm")
    assert event.user_id == owner.id and event.details_dict["on_behalf"] is False
    client.post("/logout")

    login(make.user(Role.AGENCY, agency=agency))
    assert "能源审计报告.pdf" in client.get(f"/agency/engagements/{engagement.id}").get_data(as_text=True)
    assert client.get(f"/documents/{document.id}").status_code == 200


def test_enterprise_refuses_with_a_reason_staff_read(client, make, login, staff, db_conn):
    agency = make_agency()
    subject = make.subject()
    engagement = _accepted(subject, agency, staff)
    login(make.user(Role.ENTERPRISE, subject=subject))
    html = client.post(f"/my/agencies/engagements/{engagement.id}/refuse", data={"reason": " "}).get_data(as_text=True)
    assert "请填写不予确认的理由" in html and _status(engagement) == "accepted"
    client.post(f"/my/agencies/engagements/{engagement.id}/refuse", data={"reason": "该机构与本企业存在业务往来"})
    refused = Engagement.get_by_id(engagement.id)
    assert refused.status == "withdrawn" and refused.decline_reason == "企业不予确认：该机构与本企业存在业务往来"
    assert refused.status not in Engagement.LIVE
    assert len(_audits("engagement.refuse")) == 1
    client.post("/logout")
    login(staff)
    html = client.get("/agencies/engagements?status=withdrawn").get_data(as_text=True)
    assert "企业不予确认：该机构与本企业存在业务往来" in html


def test_staff_confirm_on_behalf_needs_a_note_and_is_audited(client, make, login, staff, db_conn):
    agency = make_agency()
    engagement = _accepted(make.subject(), agency, staff)
    with pytest.raises(Refused, match="代企业确认须注明"):
        agencies.confirm(engagement, by=staff, today=TODAY)
    login(staff)
    html = client.get("/agencies/engagements?status=accepted").get_data(as_text=True)
    assert "代企业确认" in html and "待企业确认" in html
    html = client.post(f"/agencies/engagements/{engagement.id}/on-behalf", data={"decision": "confirm", "note": ""},
                       follow_redirects=True).get_data(as_text=True)
    assert "请注明企业如何确认" in html and _status(engagement) == "accepted"
    client.post(f"/agencies/engagements/{engagement.id}/on-behalf",
                data={"decision": "confirm", "note": "企业联系人李四电话确认"})
    assert _status(engagement) == "active"
    [event] = _audits("engagement.confirm")
    assert event.user_id == staff.id
    assert event.details_dict["on_behalf"] is True and event.details_dict["note"] == "企业联系人李四电话确认"


def test_only_the_subjects_own_enterprise_confirms(make, staff, db_conn):
    agency = make_agency()
    engagement = _accepted(make.subject(), agency, staff)
    stranger = make.user(Role.ENTERPRISE, subject=make.subject())
    with pytest.raises(Refused, match="只能确认本企业"):
        agencies.confirm(engagement, by=stranger, today=TODAY)
    with pytest.raises(Refused):
        agencies.confirm(engagement, by=make.user(Role.AGENCY, agency=agency), today=TODAY)
    assert _status(engagement) == "accepted"


def test_third_party_application_counts_only_a_confirmed_engagement(make, staff, db_conn):
    agency = make_agency()
    subject = make.subject()
    engagement = _accepted(subject, agency, staff)
    assert agencies.evaluation_agency_problem(subject, agency, today=TODAY)  # accepted, not yet confirmed
    agencies.confirm(engagement, by=staff, today=TODAY, note="书面确认函")
    assert agencies.evaluation_agency_problem(subject, agency, today=TODAY) is None


# --- invitations that end ------------------------------------------------------------------------------------

def test_expiry_frees_the_national_cap_slot_and_the_capacity(make, staff, db_conn):
    agency = make_agency(legal="刘建国")
    subjects = [make.subject(rung=Rung.PROVINCIAL.value) for _ in range(16)]
    invitations = [_invite(s, agency, staff, rung="national", reply_by=TODAY + timedelta(days=3))
                   for s in subjects[:15]]
    with pytest.raises(Refused, match="不得超过 15 项"):
        agencies.propose(subjects[15], agency, purpose="evaluation", rung="national", year=YEAR, by=staff, today=TODAY)
    assert matching.load_by_agency(YEAR)[agency.id] == 15
    later = TODAY + timedelta(days=4)
    agencies.accept(invitations[0], by=staff, today=TODAY + timedelta(days=3),
                    declared=True)  # on the last day: in time
    assert agencies.expire_overdue(later) == 14
    assert matching.load_by_agency(YEAR)[agency.id] == 1
    assert agencies.national_evaluations("刘建国", YEAR) == 1
    expired = Engagement.get_by_id(invitations[1].id)
    assert expired.status == "expired" and expired.ended_at is not None
    agencies.propose(subjects[15], agency, purpose="evaluation", rung="national", year=YEAR, by=staff,
                     today=later)  # the slot is free
    assert agencies.expire_overdue(later) == 0
    events = _audits("engagement.expire")
    assert len(events) == 14 and all(e.user_id is None and e.username == "" for e in events)


def test_accept_after_the_reply_by_day_is_refused(make, staff, db_conn):
    agency = make_agency()
    engagement = _invite(make.subject(), agency, staff, reply_by=TODAY + timedelta(days=2))
    with pytest.raises(Refused, match="已过期"):
        agencies.accept(engagement, by=staff, today=TODAY + timedelta(days=3), declared=True)
    assert _status(engagement) == "expired"


def test_pages_expire_overdue_invitations_and_show_the_reply_by_day(client, make, login, staff, db_conn):
    agency = make_agency()
    waiting = _invite(make.subject(name="待答复企业有限公司"), agency, staff)
    overdue = _invite(make.subject(name="逾期企业有限公司"), agency, staff)
    Engagement.update(reply_by=TODAY - timedelta(days=1)).where(Engagement.id == overdue.id).execute()
    login(make.user(Role.AGENCY, agency=agency))
    html = client.get("/agency/").get_data(as_text=True)
    assert f"请于 {waiting.reply_by} 前答复" in html and "逾期未答复" in html
    assert _status(overdue) == "expired"
    client.post("/logout")
    login(staff)
    assert f"请于 {waiting.reply_by} 前答复" in client.get("/agencies/engagements").get_data(as_text=True)


def test_cli_expires_overdue_invitations(runner, make, staff, db_conn):
    agency = make_agency()
    overdue = _invite(make.subject(), agency, staff)
    fresh = _invite(make.subject(), agency, staff)
    Engagement.update(reply_by=TODAY - timedelta(days=2)).where(Engagement.id == overdue.id).execute()
    result = runner.invoke(args=["engagements", "expire"])
    assert result.exit_code == 0, result.output
    assert "已过期 1 项" in result.output
    assert _status(overdue) == "expired" and _status(fresh) == "proposed"
    assert "没有逾期未答复" in runner.invoke(args=["engagements", "expire"]).output


def test_decline_reason_is_required_and_shown_to_staff(client, make, login, staff, db_conn):
    agency = make_agency(name="拒绝理由测试机构有限公司")
    subject = make.subject()
    engagement = _invite(subject, agency, staff)
    with pytest.raises(Refused, match="请填写拒绝理由"):
        agencies.decline(engagement, reason=" ", by=staff)
    login(make.user(Role.AGENCY, agency=agency))
    html = client.post(f"/agency/engagements/{engagement.id}/decline", data={"reason": ""}).get_data(as_text=True)
    assert "请填写拒绝理由" in html and _status(engagement) == "proposed"
    client.post(f"/agency/engagements/{engagement.id}/decline", data={"reason": "本年度评价任务已满"})
    declined = Engagement.get_by_id(engagement.id)
    assert declined.status == "declined" and declined.decline_reason == "本年度评价任务已满"
    assert declined.notes == ""  # kept apart from the progress notes
    client.post("/logout")
    login(staff)
    for path in ("/agencies/engagements?status=declined", f"/pool/subjects/{subject.id}", f"/agencies/{agency.id}"):
        assert "拒绝理由：本年度评价任务已满" in client.get(path).get_data(as_text=True), path


# --- the enterprise's page ------------------------------------------------------------------------------------

def test_enterprise_sees_its_shortlist_and_engagements_not_anothers(client, make, login, staff):
    fitting = make_agency(name="擅长本行业评价有限公司", industries="13")
    subject = make.subject(industry_code="13", rung=Rung.POOL.value)
    other = make.subject(name="别家企业有限公司")
    login(make.user(Role.ENTERPRISE, subject=subject))
    html = client.get("/my/agencies").get_data(as_text=True)
    assert "可选评价机构" in html and "擅长本行业评价有限公司" in html and "擅长本行业（13 " in html
    assert "市级评价" in html  # the rung above where it stands
    own = _invite(subject, fitting, staff)
    foreign = _accepted(other, fitting, staff)
    html = client.get("/my/agencies").get_data(as_text=True)
    assert "我的对接" in html and f"请于 {own.reply_by} 前答复" in html and "别家企业" not in html
    assert client.post(f"/my/agencies/engagements/{foreign.id}/confirm").status_code == 404
    assert client.post(f"/my/agencies/engagements/{foreign.id}/refuse", data={"reason": "x"}).status_code == 404
    assert _status(foreign) == "accepted"
    assert "第三方机构" in client.get("/my/").get_data(as_text=True)  # in the navigation


def test_preference_and_objection_are_stored_withdrawn_and_audited(client, make, login, staff, db_conn):
    liked, disliked = make_agency(name="倾向机构有限公司"), make_agency(name="异议机构有限公司")
    subject = make.subject()
    login(make.user(Role.ENTERPRISE, subject=subject))
    html = client.post("/my/agencies/preferences", data={"agency_id": liked.id, "stance": "prefer", "reason": ""}
                       ).get_data(as_text=True)
    assert "请填写理由" in html
    client.post("/my/agencies/preferences", data={"agency_id": liked.id, "stance": "prefer", "reason": "熟悉本企业工艺"})
    client.post("/my/agencies/preferences", data={"agency_id": disliked.id, "stance": "object", "reason": "存在利害关系"})
    client.post("/my/agencies/preferences", data={"agency_id": liked.id, "stance": "prefer", "reason": "曾合作，服务好"})
    assert preferences.preferences_for([subject.id], YEAR) == {
        (subject.id, liked.id): ("prefer", "曾合作，服务好"), (subject.id, disliked.id): ("object", "存在利害关系")}
    html = client.get("/my/agencies").get_data(as_text=True)
    assert "曾合作，服务好" in html and "存在利害关系" in html
    client.post("/my/agencies/preferences/withdraw", data={"agency_id": disliked.id})
    assert preferences.preferences_for([subject.id], YEAR) == {(subject.id, liked.id): ("prefer", "曾合作，服务好")}
    assert EngagementPreference.select().count() == 3  # withdrawn, never deleted
    assert EngagementPreference.get(EngagementPreference.agency == disliked.id).withdrawn_at is not None
    assert len(_audits("engagement.preference")) == 3 and len(_audits("engagement.preference_withdraw")) == 1
    client.post("/logout")
    login(staff)
    html = client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    assert "倾向委托" in html and "曾合作，服务好" in html


def test_preferring_a_suspended_agency_is_refused(make, staff, db_conn):
    stopped = make_agency(status="suspended")
    owner = make.user(Role.ENTERPRISE, subject=make.subject())
    with pytest.raises(Refused, match="暂停"):
        preferences.state(owner.subject, stopped, year=YEAR, stance="prefer", reason="理由", by=owner, today=TODAY)
    preferences.state(owner.subject, stopped, year=YEAR, stance="object", reason="理由", by=owner,
                      today=TODAY)  # an objection is fine


# --- staff see all the states ----------------------------------------------------------------------------------

def _panel_count(html, status):
    block = html[html.index(f'id="invitations-{status}"'):]
    return int(re.search(r'class="count">(\d+)<', block).group(1))


def test_home_panel_counts_every_state(client, make, login, staff, db_conn):
    agency = make_agency()
    _invite(make.subject(), agency, staff)  # waiting for the agency
    _accepted(make.subject(), agency, staff)  # waiting for the enterprise
    declined = _invite(make.subject(), agency, staff)
    overdue = _invite(make.subject(), agency, staff)
    refused = _accepted(make.subject(), agency, staff)
    agencies.decline(declined, reason="人手不足", by=staff)
    agencies.refuse(refused, reason="另有合作机构", by=staff)
    Engagement.update(reply_by=TODAY - timedelta(days=1)).where(Engagement.id == overdue.id).execute()
    login(staff)
    html = client.get("/home").get_data(as_text=True)
    assert "对接邀请" in html
    counts = {s: _panel_count(html, s) for s in ("proposed", "accepted", "declined", "withdrawn", "expired")}
    assert counts == {"proposed": 1, "accepted": 1, "declined": 1, "withdrawn": 1, "expired": 1}
    assert "人手不足" in html and "企业不予确认：另有合作机构" in html
    listed = client.get(f"/agencies/engagements?status=expired&year={YEAR}").get_data(as_text=True)
    assert len(re.findall(r'id="engagement-\d+"', listed)) == 1 and "逾期未答复" in listed


# --- what each side reads (the review of issue 20) -----------------------------------------------------------

def _section(html, start, end):
    begin = html.index(start)
    return html[begin:html.index(end, begin)]


def test_enterprise_shortlist_shows_fit_contact_pass_rate_and_its_own_stance_once(client, make, login, staff, db_conn):
    subject = make.subject(industry_code="13", district="松源区", rung=Rung.POOL.value)
    fitting = make_agency(name="本行业评价有限公司", industries="13", kinds="factory")
    objected = make_agency(name="有异议评价有限公司", industries="13")
    consultant = make_agency(name="咨询评价有限公司", industries="13")
    both = make_agency(name="兼做咨询评价有限公司", industries="13")
    full = make_agency(name="满负荷评价有限公司", industries="13")
    make_agency(name="暂停评价有限公司", industries="13", status="suspended")
    AgencyCapacity.create(agency=full, year=YEAR, capacity=1)
    _invite(make.subject(), full, staff)  # full for the year: 1/1
    _invite(subject, consultant, staff, purpose="consulting")  # a consultant of the subject: a staff mark
    _invite(subject, both, staff, purpose="consulting", reason="企业另需节能诊断")
    _invite(subject, both, staff, reason="企业所在行业仅此一家熟悉")  # consulting and evaluating: staff's warning
    owner = make.user(Role.ENTERPRISE, subject=subject)
    preferences.state(subject, fitting, year=YEAR, stance="prefer", reason="熟悉本企业工艺", by=owner, today=TODAY)
    preferences.state(subject, objected, year=YEAR, stance="object", reason="存在利害关系", by=owner, today=TODAY)
    login(owner)
    html = client.get("/my/agencies").get_data(as_text=True)
    shortlist = _section(html, 'id="shortlist"', 'id="preferences"')
    row = _section(shortlist, f'id="shortlist-{fitting.id}"', "</tr>")
    assert "擅长本行业（13 " in row and "擅长绿色工厂评价" in row and "办公地址在松源区" in row
    assert fitting.contact_phone in row and "暂无结论" in row
    assert shortlist.count("熟悉本企业工艺") == 1 and shortlist.count("存在利害关系") == 1
    assert "咨询评价有限公司" in shortlist
    for absent in ("满负荷评价有限公司", "暂停评价有限公司", "兼做咨询评价有限公司"):  # full, stopped, engaged
        assert absent not in shortlist, absent
    for staff_only in ("已满负荷", "请核实", "须说明理由", "企业倾向委托", "企业有异议", "默认容量",
                       rules.CONSULTED_MARK, rules.CONSULT_AND_EVALUATE_WARNING):
        assert staff_only not in html, staff_only
    assert not re.search(r"本年度 \d+/\d+ 项", html)
    assert "兼做咨询评价有限公司" in _section(html, 'id="my-engagements"', 'id="shortlist"')


def test_agency_reads_a_neutral_note_where_staff_read_the_warning(client, make, login, staff, db_conn):
    agency = make_agency(industries="13")
    subject = make.subject(industry_code="13")
    _invite(subject, agency, staff, purpose="consulting")
    evaluation = _invite(subject, agency, staff, reason="仅此一家熟悉该行业")
    assert Engagement.get_by_id(evaluation.id).warning == rules.CONSULT_AND_EVALUATE_WARNING
    login(make.user(Role.AGENCY, agency=agency))
    page = client.get(f"/agency/engagements/{evaluation.id}").get_data(as_text=True)
    assert "本机构同时为该对象提供咨询服务和评价服务" in page
    assert rules.CONSULT_AND_EVALUATE_WARNING not in page and "请核实" not in page
    client.post("/logout")
    login(staff)
    assert rules.CONSULT_AND_EVALUATE_WARNING in client.get("/agencies/engagements").get_data(as_text=True)


def test_one_name_for_each_state_on_the_home_panel_and_the_list_filter(client, make, login, staff, db_conn):
    agency = make_agency()
    refused = _accepted(make.subject(), agency, staff)
    agencies.refuse(refused, reason="另有合作机构", by=staff)
    login(staff)
    home = client.get("/home").get_data(as_text=True)
    listed = client.get("/agencies/engagements").get_data(as_text=True)
    for status in ("proposed", "accepted", "declined", "withdrawn", "expired"):
        label = EngagementStatus.label_of(status)
        panel = home[home.index(f'id="invitations-{status}"'):]
        assert re.match(rf'id="invitations-{status}">\s*<div class="text-muted">{label}</div>', panel), status
        assert re.search(rf'<option value="{status}"[^>]*>{label}</option>', listed), status
    assert EngagementStatus.label_of("withdrawn") == "企业不予确认"
    for old in ("待机构答复", "机构已拒绝", "已撤回"):
        assert old not in home and old not in listed, old
    filtered = client.get("/agencies/engagements?status=withdrawn").get_data(as_text=True)
    assert f'id="engagement-{refused.id}"' in filtered and "另有合作机构" in filtered


def test_accept_without_the_declaration_shows_the_error_beside_the_checkbox(client, make, login, staff):
    agency = make_agency()
    engagement = _invite(make.subject(), agency, staff)
    login(make.user(Role.AGENCY, agency=agency))
    response = client.post(f"/agency/engagements/{engagement.id}/accept", data={})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and _status(engagement) == "proposed"
    form = _section(html, 'id="accept-form"', "</form>")
    assert "请阅读并勾选第二十四条承诺" in form and "is-invalid" in form
    assert html.count("请阅读并勾选第二十四条承诺") == 1  # not a banner at the top as well
    client.post(f"/agency/engagements/{engagement.id}/accept", data={"declaration": "y"})
    assert _status(engagement) == "accepted"


def test_accept_without_the_declaration_on_an_overdue_invitation_says_it_expired(client, make, login, staff, db_conn):
    agency = make_agency()
    engagement = _invite(make.subject(), agency, staff)
    Engagement.update(reply_by=TODAY - timedelta(days=1)).where(Engagement.id == engagement.id).execute()
    login(make.user(Role.AGENCY, agency=agency))
    html = client.post(f"/agency/engagements/{engagement.id}/accept", data={},
                       follow_redirects=True).get_data(as_text=True)
    assert "已过期" in html and _status(engagement) == "expired"


def test_home_expires_cheaply_when_nothing_is_overdue(client, make, login, staff, caplog, db_conn):
    agency = make_agency()
    waiting = _invite(make.subject(), agency, staff)
    login(staff)
    audits = len(_audits("engagement.expire"))
    caplog.set_level(logging.DEBUG, logger="peewee")
    caplog.clear()
    assert agencies.expire_overdue(TODAY) == 0
    queries = [record.msg for record in caplog.records if isinstance(record.msg, tuple)]
    assert len(queries) == 1 and queries[0][0].startswith("SELECT")  # no BEGIN, SAVEPOINT, UPDATE or INSERT
    if isinstance(db.obj, SqliteDatabase):  # PostgreSQL may rightly scan a table of a few rows
        plan = " ".join(str(row) for row in db.execute_sql("EXPLAIN QUERY PLAN " + queries[0][0], queries[0][1]))
        assert "USING INDEX" in plan, plan
    caplog.clear()
    assert client.get("/home").status_code == 200
    writes = [record.msg[0] for record in caplog.records if isinstance(record.msg, tuple)
              and re.match(r'(UPDATE|INSERT INTO) "(engagement|auditevent)"', record.msg[0])]
    assert writes == [] and len(_audits("engagement.expire")) == audits and _status(waiting) == "proposed"
