"""Issue 18 item 5: a form posted with wrong input comes back on its own page with the message beside the field it
concerns (an invalid-feedback element inside that form), status 200, and nothing stored changes."""
import re

from models import Agency, AgencyStatus, Role


def _form_html(html, action):
    """The <form> element that posts to `action` (or holds a button with that formaction)."""
    for match in re.finditer(r"<form\b.*?</form>", html, re.S):
        if action in match.group(0):
            return match.group(0)
    raise AssertionError(f"no form posting to {action}")


def _beside(html, action, message):
    form = _form_html(html, action)
    assert re.search(r'class="invalid-feedback[^"]*">\s*' + re.escape(message), form), form
    return form


# --- agency decisions -----------------------------------------------------------------------------------------

def test_agency_reject_without_reason_shows_it_beside_the_reason(client, make, login, db_conn):
    agency = make.agency(status=AgencyStatus.PENDING.value)
    login(make.user(Role.STAFF))
    response = client.post(f"/agencies/{agency.id}/reject", data={"reason": "  "})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = _beside(html, f"/agencies/{agency.id}/reject", "请填写说明")
    assert 'id="status-reason"' in form
    # the disqualify form on the same page shows no error
    assert "invalid-feedback" not in _form_html(html, f"/agencies/{agency.id}/disqualify")
    assert Agency.get_by_id(agency.id).status == AgencyStatus.PENDING.value


def test_agency_suspend_without_reason_stays_approved(client, make, login, db_conn):
    agency = make.agency()
    login(make.user(Role.STAFF))
    response = client.post(f"/agencies/{agency.id}/suspend", data={"reason": ""})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), f"/agencies/{agency.id}/suspend", "请填写说明")
    assert Agency.get_by_id(agency.id).status == AgencyStatus.APPROVED.value


def test_agency_disqualify_keeps_what_was_typed_and_marks_the_missing_category(client, make, login, db_conn):
    agency = make.agency()
    login(make.user(Role.STAFF))
    response = client.post(f"/agencies/{agency.id}/disqualify",
                           data={"category": "", "reason": "出具虚假报告", "decided_on": "2026-03-02"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = _beside(html, f"/agencies/{agency.id}/disqualify", "请选择取消资格的情形")
    assert "出具虚假报告" in form
    # the status-reason box above is not filled with the disqualification text, nor marked
    status_form = _form_html(html, 'id="status-reason"')
    assert "出具虚假报告" not in status_form and "invalid-feedback" not in status_form
    assert Agency.get_by_id(agency.id).status == AgencyStatus.APPROVED.value


# --- the plan page --------------------------------------------------------------------------------------------

def _plan(client, make, login):
    from models import CultivationPlan

    login(make.user(Role.STAFF))
    client.post("/plans/new", data={"year": 2030, "title": "2030年培育计划"})
    return CultivationPlan.get(CultivationPlan.year == 2030)


def test_plan_edit_without_title_keeps_the_typed_text_and_targets(client, make, login, db_conn):
    from models import CultivationPlan, PlanTarget

    plan = _plan(client, make, login)
    response = client.post(f"/plans/{plan.id}/edit", data={"title": "", "goals": "新的培育目标",
                                                           "target-factory-municipal": "7"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), f"/plans/{plan.id}/edit", "请输入计划名称")
    assert "新的培育目标" in form and 'name="target-factory-municipal" value="7"' in form
    stored = CultivationPlan.get_by_id(plan.id)
    assert stored.title == "2030年培育计划" and stored.goals == ""
    assert PlanTarget.select().where(PlanTarget.plan == plan.id, PlanTarget.count > 0).count() == 0


def test_plan_edit_with_a_bad_target_says_so_under_the_targets(client, make, login, db_conn):
    from models import CultivationPlan

    plan = _plan(client, make, login)
    response = client.post(f"/plans/{plan.id}/edit", data={"title": "新名", "target-park-national": "-3"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), f"/plans/{plan.id}/edit", "绿色工业园区国家级目标数须为 0–10000 的整数")
    assert 'value="-3"' in form and 'value="新名"' in form
    assert CultivationPlan.get_by_id(plan.id).title == "2030年培育计划"


def test_plan_item_add_refusal_sits_beside_the_subject(client, make, login, db_conn):
    from models import PlanItem

    plan = _plan(client, make, login)
    subject = make.subject(name="未入库的企业有限公司")
    response = client.post(f"/plans/{plan.id}/items", data={"subject_id": subject.id, "target_rung": "municipal"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), f"/plans/{plan.id}/items", "")
    assert "不在培育库中" in form and f'<option value="{subject.id}" selected>未入库的企业有限公司</option>' in form
    response = client.post(f"/plans/{plan.id}/items", data={"subject_id": "", "target_rung": "municipal"})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), f"/plans/{plan.id}/items", "请选择培育对象")
    assert PlanItem.select().count() == 0


# --- the recommendation round ---------------------------------------------------------------------------------

def test_recommendation_without_opinion_comes_back_beside_the_opinion(app, client, make, login, staff, bureau, db_conn):
    from models import Recommendation

    from .test_recommend import applicant, open_round, row_of

    application = applicant(app, make, staff, "意见企业有限公司")
    row = row_of(open_round(app, staff), application)
    login(staff)
    action = f"/recommend/recommendations/{row.id}"
    response = client.post(action, data={f"r{row.id}-rank": "3", f"r{row.id}-decision": "recommend",
                                         f"r{row.id}-opinion": ""})  # no htmx: the whole round page
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), action, "请填写推荐意见")
    assert 'value="3"' in form
    response = client.post(action, headers={"HX-Request": "true"},
                           data={f"r{row.id}-rank": "abc", f"r{row.id}-decision": "recommend",
                                 f"r{row.id}-opinion": "同意推荐"})
    form = _beside(response.get_data(as_text=True), action, "请输入整数，例如 12")
    assert "同意推荐" in form and "<html" not in response.get_data(as_text=True)
    stored = Recommendation.get_by_id(row.id)
    assert stored.decision in ("", None) and stored.opinion in ("", None)


# --- upkeep: incidents ----------------------------------------------------------------------------------------

def test_incident_reported_with_a_future_date_shows_it_beside_that_rows_date(client, make, login, db_conn):
    from datetime import timedelta

    from models import Incident, local_now

    today = local_now().date()
    subject = make.listed_subject(name="事故企业有限公司")
    login(make.user(Role.STAFF))
    base = {"subject_id": subject.id, "occurred_on": today.isoformat(), "kind": "environment", "grade": "major",
            "source": "生态环境局", "description": "废水外溢"}
    client.post("/upkeep/incidents", data=base)
    client.post("/upkeep/incidents", data=base)
    first, second = [i.id for i in Incident.select().order_by(Incident.id)]
    late = (today + timedelta(days=1)).isoformat()
    response = client.post(f"/upkeep/incidents/{second}/reported", data={"reported_on": late})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = _beside(html, f"/upkeep/incidents/{second}/reported", "报送日期不能晚于今天")
    assert f'value="{late}"' in form
    assert "invalid-feedback" not in _form_html(html, f"/upkeep/incidents/{first}/reported")
    response = client.post(f"/upkeep/incidents/{first}/reported", data={"reported_on": ""})
    _beside(response.get_data(as_text=True), f"/upkeep/incidents/{first}/reported", "请选择报送日期")
    assert Incident.select().where(Incident.reported_on.is_null(False)).count() == 0


# --- listing: objections --------------------------------------------------------------------------------------

def test_objection_handling_without_text_shows_it_beside_that_objection(client, make, login, db_conn):
    from models import Objection, Publicity, local_now

    login(make.user(Role.STAFF))
    publicity = Publicity.create(year=local_now().year, start_date=local_now().date())
    first, second = (Objection.create(publicity=publicity, name=f"异议人{n}", contact="13800000000",
                                      content="材料不实") for n in (1, 2))
    response = client.post(f"/listing/objections/{second.id}/handle", data={"upheld": "yes", "handling": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = _beside(html, f"/listing/objections/{second.id}/handle", "请填写处理情况")
    assert '<option selected value="yes">' in form
    assert "invalid-feedback" not in _form_html(html, f"/listing/objections/{first.id}/handle")
    assert Objection.select().where(Objection.upheld.is_null(False)).count() == 0


# --- the agency's workspace (issue 18 item 5: the places that flashed and redirected) ------------------------------

def _agency_user(make, **agency):
    agency = make.agency(**agency)
    return agency, make.user(Role.AGENCY, agency=agency)


def test_declaration_unticked_comes_back_beside_the_box(client, make, login, db_conn):
    agency, user = _agency_user(make, declared_at=None, declaration="")
    login(user)
    response = client.post("/agency/declare", data={})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), "/agency/declare", "请阅读并勾选第二十四条承诺")
    assert Agency.get_by_id(agency.id).declared_at is None


def test_annual_report_without_year_or_file_says_so_beside_them(client, make, login, db_conn):
    from models import AgencyReport

    agency, user = _agency_user(make)
    login(user)
    response = client.post("/agency/annual-report", data={"year": ""})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), "/agency/annual-report", "请输入年度")
    response = client.post("/agency/annual-report", data={"year": "2030"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), "/agency/annual-report", "请选择年度工作报告文件")
    assert 'value="2030"' in form
    assert AgencyReport.select().count() == 0


def _engagement(make, agency, status):
    from models import Engagement, local_now

    subject = make.pooled_subject()
    return Engagement.create(subject=subject, agency=agency, purpose="evaluation", rung="municipal",
                             year=local_now().year, status=status,
                             confirmed_at=local_now() if status == "active" else None)


def test_engagement_note_without_text_stays_on_the_engagement(client, make, login, db_conn):
    from models import Engagement

    agency, user = _agency_user(make)
    engagement = _engagement(make, agency, "active")
    login(user)
    action = f"/agency/engagements/{engagement.id}/note"
    response = client.post(action, data={"text": "  "})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), action, "请填写进展")
    assert not Engagement.get_by_id(engagement.id).notes
    # the report upload without a file: its message beside the file box, on the same page
    action = f"/agency/engagements/{engagement.id}/report"
    response = client.post(action, data={})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), action, "上传失败")


def test_on_behalf_without_note_comes_back_in_that_row(client, make, login, db_conn):
    from models import Engagement, EngagementStatus

    agency = make.agency()
    first, second = _engagement(make, agency, "accepted"), _engagement(make, agency, "accepted")
    login(make.user(Role.STAFF))
    action = f"/agencies/engagements/{second.id}/on-behalf"
    response = client.post(action, data={"decision": "confirm", "note": "", "next": "/agencies/engagements?status=accepted"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = _beside(html, action, "请注明企业如何确认或不予确认的理由")
    assert 'value="/agencies/engagements?status=accepted"' in form
    assert "invalid-feedback" not in _form_html(html, f"/agencies/engagements/{first.id}/on-behalf")
    assert Engagement.get_by_id(second.id).status == EngagementStatus.ACCEPTED.value


# --- the subject page -------------------------------------------------------------------------------------------

def test_decline_without_reason_shows_it_beside_the_reason(client, make, login, db_conn):
    from models import Subject, SubjectStatus

    subject = make.subject(status=SubjectStatus.PENDING.value)
    login(make.user(Role.STAFF))
    response = client.post(f"/pool/subjects/{subject.id}/decline", data={"reason": ""})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), f"/pool/subjects/{subject.id}/decline", "请填写说明")
    response = client.post(f"/pool/subjects/{subject.id}/admit", data={"year_admitted": "1900", "potential": "high"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), f"/pool/subjects/{subject.id}/admit", "年度不正确")
    assert 'value="1900"' in form
    assert Subject.get_by_id(subject.id).status == SubjectStatus.PENDING.value


def test_exit_without_reason_and_a_bad_green_code_year_sit_beside_their_fields(client, make, login, db_conn):
    from models import PoolEntry, PoolStatus, Subject

    subject = make.pooled_subject()
    login(make.user(Role.STAFF))
    action = f"/pool/subjects/{subject.id}/pool-status"
    response = client.post(action, data={"status": "exited", "potential": "high", "owner": "", "reason": ""})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), action, "退出培育库须填写原因")
    assert '<option selected value="exited">' in form
    action = f"/listing/subjects/{subject.id}/green-code"
    response = client.post(action, data={"grade": "A", "year": "1900"})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), action, "年度不正确")
    assert PoolEntry.get(PoolEntry.subject == subject.id).status == PoolStatus.CULTIVATING.value
    assert Subject.get_by_id(subject.id).green_code_grade in ("", None)


def test_outcome_import_without_a_file_says_so_beside_the_file(client, make, login, db_conn):
    from models import Listing

    login(make.user(Role.STAFF))
    response = client.post("/listing/outcomes/import", data={"listed_on": "2026-01-05"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), "/listing/outcomes/import", "请选择要导入的名单文件（.xlsx）")
    assert 'value="2026-01-05"' in form
    assert Listing.select().count() == 0


# --- filing ------------------------------------------------------------------------------------------------------

def test_filing_forms_come_back_with_their_messages(client, make, login, bureau, db_conn):
    import json

    from models import Filing, FilingDeclaration, local_now

    year = local_now().year
    login(make.user(Role.STAFF))
    response = client.post(f"/filing/{year}/no-list", data={"statement": ""})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), f"/filing/{year}/no-list", "请填写说明")
    response = client.post(f"/filing/{year}/build", data={"filing_date": "2020-01-02"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), f"/filing/{year}/build", "")
    assert "is-invalid" in form
    record = Filing.create(year=year, filing_date=local_now().date(), stored_name="x.zip", size=1, sha256="0",
                           counts=json.dumps({"pool": 0, "list": 0}))
    response = client.post(f"/filing/records/{record.id}/sent", data={"sent_on": "", "how": "公文交换"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), f"/filing/records/{record.id}/sent", "请选择报送日期")
    assert 'value="公文交换"' in form
    assert Filing.get_by_id(record.id).sent_on is None
    assert FilingDeclaration.select().count() == 0
    assert Filing.select().count() == 1


# --- applications -------------------------------------------------------------------------------------------------

def test_application_forms_come_back_with_their_messages(client, make, login, db_conn):
    from models import Application, ApplicationStatus, Document

    staff = make.user(Role.STAFF)
    application = make.application(ready=False, by=staff, claimed_score=85)
    login(staff)
    base = f"/applications/{application.id}"
    response = client.post(f"{base}/edit", data={"method": "self", "claimed_score": "120"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), f"{base}/edit", "得分须在 0–100 之间")
    assert 'value="120"' in form
    response = client.post(f"{base}/attach", data={"purpose": "evaluation_report"})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), f"{base}/attach", "上传失败")
    response = client.post("/applications/auto-assign", data={"year": "abc"})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), "/applications/auto-assign", "")
    stored = Application.get_by_id(application.id)
    assert stored.claimed_score == 85 and stored.status == ApplicationStatus.DRAFT.value
    assert Document.select().where(Document.owner_type == "application").count() == 0


def test_return_without_reason_and_assign_without_expert(client, make, login, db_conn):
    from blueprints.applications import operations as apps
    from models import Application, ApplicationStatus, ReviewAssignment

    staff = make.user(Role.STAFF)
    application = make.application(submitted=True, by=staff)
    login(staff)
    base = f"/applications/{application.id}"
    response = client.post(f"{base}/return", data={"reason": ""})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), f"{base}/return", "请填写退回理由")
    assert Application.get_by_id(application.id).status == ApplicationStatus.SUBMITTED.value
    apps.start_review(Application.get_by_id(application.id), by=staff)
    response = client.post(f"{base}/assign", data={"expert": ""})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), f"{base}/assign", "请选择评审专家")
    assert ReviewAssignment.select().count() == 0


# --- the check rows on the subject page render from their forms ----------------------------------------------------

def test_veto_row_refusal_sits_beside_its_date_and_keeps_what_was_typed(client, make, login, db_conn):
    from datetime import timedelta

    from models import SubjectStatus, VetoCheck, local_now

    subject = make.subject(status=SubjectStatus.PENDING.value)
    login(make.user(Role.STAFF))
    action = f"/pool/subjects/{subject.id}/veto/dishonest_debtor"
    late = (local_now().date() + timedelta(days=3)).isoformat()
    for headers in ({"HX-Request": "true"}, {}):
        response = client.post(action, headers=headers, data={"result": "hit", "source": "中国执行信息公开网",
                                                              "checked_on": late, "evidence": "失信记录"})
        if not headers:  # without htmx the page comes back through a redirect, with the message as a flash
            assert response.status_code == 302
            break
        html = response.get_data(as_text=True)
        form = _beside(html, action, "核查日期不能晚于今天")
        assert re.search(r'id="veto-dishonest_debtor-checked-on"[^>]*value="' + late, form) or f'value="{late}"' in form
        assert 'value="失信记录"' in form and '<option selected value="hit">' in form
    response = client.post(action, headers={"HX-Request": "true"},
                           data={"result": "hit", "source": "中国执行信息公开网", "checked_on": "", "evidence": ""})
    _beside(response.get_data(as_text=True), action, "请填写核查日期")
    assert VetoCheck.select().count() == 0
    page = client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    ids = re.findall(r'\bid="(veto-[^"]+|eligibility-[^"]+)"', page)
    assert len(ids) == len(set(ids)) and "veto-dishonest_debtor-result" in ids  # each field its own id
    assert 'name="evidence"' in page and "<textarea name=\"evidence\"" not in page


def test_eligibility_row_renders_from_its_form_and_keeps_the_stored_evidence(client, make, login):
    from models import SubjectStatus

    subject = make.subject(status=SubjectStatus.PENDING.value)
    login(make.user(Role.STAFF))
    key = __import__("rules").eligibility_items(subject.kind)[0][0]
    action = f"/pool/subjects/{subject.id}/eligibility/{key}"
    response = client.post(action, headers={"HX-Request": "true"}, data={"result": "met", "evidence": "营业执照核对"})
    html = response.get_data(as_text=True)  # once recorded the row reads as the record, with 修改 to change it
    assert "<form" not in html and "营业执照核对" in html and f'hx-get="{action}"' in html
    form = _form_html(client.get(action, headers={"HX-Request": "true"}).get_data(as_text=True), action)
    assert '<option selected value="met">' in form and 'value="营业执照核对"' in form
    assert f'id="eligibility-{key}-evidence"' in form
    response = client.post(action, headers={"HX-Request": "true"}, data={"result": "nonsense", "evidence": "新说明"})
    form = _form_html(response.get_data(as_text=True), action)
    assert "invalid-feedback" in form and 'value="新说明"' in form
