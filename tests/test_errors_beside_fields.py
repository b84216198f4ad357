"""Issue 18 item 5: a form posted with wrong input comes back on its own page with the message beside the field it
concerns (an invalid-feedback element inside that form), status 200, and nothing stored changes."""
import re

from models import Agency, AgencyStatus, Role, db


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

def test_agency_reject_without_reason_shows_it_beside_the_reason(client, make, login):
    agency = make.agency(status=AgencyStatus.PENDING.value)
    login(make.user(Role.STAFF))
    response = client.post(f"/agencies/{agency.id}/reject", data={"reason": "  "})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = _beside(html, f"/agencies/{agency.id}/reject", "请填写说明")
    assert 'id="status-reason"' in form
    # the disqualify form on the same page shows no error
    assert "invalid-feedback" not in _form_html(html, f"/agencies/{agency.id}/disqualify")
    with db.connection_context():
        assert Agency.get_by_id(agency.id).status == AgencyStatus.PENDING.value


def test_agency_suspend_without_reason_stays_approved(client, make, login):
    agency = make.agency()
    login(make.user(Role.STAFF))
    response = client.post(f"/agencies/{agency.id}/suspend", data={"reason": ""})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), f"/agencies/{agency.id}/suspend", "请填写说明")
    with db.connection_context():
        assert Agency.get_by_id(agency.id).status == AgencyStatus.APPROVED.value


def test_agency_disqualify_keeps_what_was_typed_and_marks_the_missing_category(client, make, login):
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
    with db.connection_context():
        assert Agency.get_by_id(agency.id).status == AgencyStatus.APPROVED.value


# --- the plan page --------------------------------------------------------------------------------------------

def _plan(client, make, login):
    from models import CultivationPlan

    login(make.user(Role.STAFF))
    client.post("/plans/new", data={"year": 2030, "title": "2030年培育计划"})
    with db.connection_context():
        return CultivationPlan.get(CultivationPlan.year == 2030)


def test_plan_edit_without_title_keeps_the_typed_text_and_targets(client, make, login):
    from models import CultivationPlan, PlanTarget

    plan = _plan(client, make, login)
    response = client.post(f"/plans/{plan.id}/edit", data={"title": "", "goals": "新的培育目标",
                                                           "target-factory-municipal": "7"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), f"/plans/{plan.id}/edit", "请输入计划名称")
    assert "新的培育目标" in form and 'name="target-factory-municipal" value="7"' in form
    with db.connection_context():
        stored = CultivationPlan.get_by_id(plan.id)
        assert stored.title == "2030年培育计划" and stored.goals == ""
        assert PlanTarget.select().where(PlanTarget.plan == plan.id, PlanTarget.count > 0).count() == 0


def test_plan_edit_with_a_bad_target_says_so_under_the_targets(client, make, login):
    from models import CultivationPlan

    plan = _plan(client, make, login)
    response = client.post(f"/plans/{plan.id}/edit", data={"title": "新名", "target-park-national": "-3"})
    assert response.status_code == 200
    form = _beside(response.get_data(as_text=True), f"/plans/{plan.id}/edit", "绿色工业园区国家级目标数须为 0–10000 的整数")
    assert 'value="-3"' in form and 'value="新名"' in form
    with db.connection_context():
        assert CultivationPlan.get_by_id(plan.id).title == "2030年培育计划"


def test_plan_item_add_refusal_sits_beside_the_subject(client, make, login):
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
    with db.connection_context():
        assert PlanItem.select().count() == 0


# --- the recommendation round ---------------------------------------------------------------------------------

def test_recommendation_without_opinion_comes_back_beside_the_opinion(app, client, make, login, staff, bureau):
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
    with db.connection_context():
        stored = Recommendation.get_by_id(row.id)
        assert stored.decision in ("", None) and stored.opinion in ("", None)


# --- upkeep: incidents ----------------------------------------------------------------------------------------

def test_incident_reported_with_a_future_date_shows_it_beside_that_rows_date(client, make, login):
    from datetime import timedelta

    from models import Incident, local_now

    today = local_now().date()
    subject = make.listed_subject(name="事故企业有限公司")
    login(make.user(Role.STAFF))
    base = {"subject_id": subject.id, "occurred_on": today.isoformat(), "kind": "environment", "grade": "major",
            "source": "生态环境局", "description": "废水外溢"}
    client.post("/upkeep/incidents", data=base)
    client.post("/upkeep/incidents", data=base)
    with db.connection_context():
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
    with db.connection_context():
        assert Incident.select().where(Incident.reported_on.is_null(False)).count() == 0


# --- listing: objections --------------------------------------------------------------------------------------

def test_objection_handling_without_text_shows_it_beside_that_objection(client, make, login):
    from models import Objection, Publicity, local_now

    login(make.user(Role.STAFF))
    with db.connection_context():
        publicity = Publicity.create(year=local_now().year, start_date=local_now().date())
        first, second = (Objection.create(publicity=publicity, name=f"异议人{n}", contact="13800000000",
                                          content="材料不实") for n in (1, 2))
    response = client.post(f"/listing/objections/{second.id}/handle", data={"upheld": "yes", "handling": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    form = _beside(html, f"/listing/objections/{second.id}/handle", "请填写处理情况")
    assert '<option selected value="yes">' in form
    assert "invalid-feedback" not in _form_html(html, f"/listing/objections/{first.id}/handle")
    with db.connection_context():
        assert Objection.select().where(Objection.upheld.is_null(False)).count() == 0
