"""A reviewer's pass after issue 18 item 5: more forms whose message belongs beside a field (returning or assigning
an application, adding a plan project, uploading a subject document, the green code), and the public list found by
any part of a credit code."""
import re

import pytest

from blueprints.plans import operations as plans
from models import Application, ApplicationStatus, Document, PlanProject, Role, Subject, db, local_now

from .test_errors_beside_fields import _beside

HX = {"HX-Request": "true"}
YEAR = local_now().year
pytestmark = pytest.mark.staff(login=True)


def test_returning_without_a_reason_says_so_beside_the_reason_also_under_review(client, make, staff):
    application = make.application(submitted=True, by=staff)
    for _ in range(2):
        action = f"/applications/{application.id}/return"
        response = client.post(action, data={"reason": " "})
        assert response.status_code == 200
        _beside(response.get_data(as_text=True), action, "请填写")
        client.post(f"/applications/{application.id}/start-review")  # the second round: under review
    assert Application.get_by_id(application.id).status == ApplicationStatus.UNDER_REVIEW.value


def test_an_expert_assigned_twice_is_told_beside_the_expert(client, make, staff):
    application = make.application(submitted=True, by=staff)
    expert = make.user(Role.EXPERT, display_name="专家 孙国庆")
    client.post(f"/applications/{application.id}/start-review")
    action = f"/applications/{application.id}/assign"
    assert client.post(action, data={"expert": expert.id}).status_code == 302
    response = client.post(action, data={"expert": expert.id})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), action, "专家 孙国庆 已指派过该申报")


def test_a_new_project_shows_each_message_beside_its_field_and_keeps_what_was_typed(client, make, staff):
    subject = make.pooled_subject()
    with db.connection_context():
        plan = plans.create_plan(YEAR, title="计划", by=staff)
        item = plans.add_item(plan, subject, target_rung="municipal", owner=staff, by=staff)
    action = f"/plans/items/{item.id}/projects"
    html = client.post(action, headers=HX, data={"name": "余热回收", "start_on": "", "end_on": "",
                                                 "investment": "-5", "effect": ""}).get_data(as_text=True)
    form = _beside(html, action, "请填写开始日期")
    for message in ("请填写计划完成日期", "投资额须为 0–10000000 万元", "请填写预期效果"):
        assert re.search(r'class="invalid-feedback">\s*' + re.escape(message), form), message
    assert 'value="余热回收"' in form and "project-error" not in html
    html = client.post(action, headers=HX, data={"name": "余热回收", "start_on": f"{YEAR}-05-01",
                                                 "end_on": f"{YEAR}-03-01", "investment": "10",
                                                 "effect": "节能"}).get_data(as_text=True)
    assert 'id="new-project-end-on"' in _beside(html, action, "计划完成日期不能早于开始日期")
    assert PlanProject.select().count() == 0


def test_an_upload_without_a_file_is_told_beside_the_file_box(client, make, staff):
    subject = make.pooled_subject()
    action = f"/pool/subjects/{subject.id}/documents"
    response = client.post(action, data={"purpose": "营业执照"})
    assert response.status_code == 200
    assert 'value="营业执照"' in _beside(response.get_data(as_text=True), action, "请选择要上传的文件")
    assert Document.select().count() == 0


def test_the_enterprise_is_told_beside_its_file_box_too(client, make, login):
    subject = make.pooled_subject()
    login(make.user(Role.ENTERPRISE, subject=subject))
    response = client.post("/my/documents", data={"purpose": ""})
    assert response.status_code == 200
    _beside(response.get_data(as_text=True), "/my/documents", "请选择要上传的文件")
    assert Document.select().count() == 0


def test_a_green_code_needs_its_year_and_clearing_it_takes_none(client, make, staff):
    subject = make.pooled_subject()
    action = f"/listing/subjects/{subject.id}/green-code"
    _beside(client.post(action, data={"grade": "A+", "year": ""}).get_data(as_text=True), action,
            "请填写企业绿码的评定年度")
    _beside(client.post(action, data={"grade": "", "year": "2025"}).get_data(as_text=True), action, "选择“未登记”时不填年度")
    assert client.post(action, data={"grade": "A", "year": "2025"}).status_code == 302
    assert (Subject.get_by_id(subject.id).green_code_grade, Subject.get_by_id(subject.id).green_code_year) == ("A", 2025)
    html = client.post(action, data={"grade": "", "year": ""}, follow_redirects=True).get_data(as_text=True)
    assert "企业绿码已清除" in html
    assert Subject.get_by_id(subject.id).green_code_year is None


def test_the_public_list_finds_any_part_of_a_credit_code(client, make):
    subject = make.listed_subject()
    code = subject.credit_code
    for part in (code, code[-7:], code[5:12], code[-2:]):
        assert subject.name in client.get("/list", query_string={"q": part}).get_data(as_text=True), part


def test_an_empty_outcome_import_names_the_date_and_the_file_at_once(client, staff):
    action = "/listing/outcomes/import"
    form = _beside(client.post(action, data={}).get_data(as_text=True), action, "请选择公布日期")
    assert "请选择要导入的名单文件（.xlsx）" in form


def test_an_empty_annual_report_names_the_year_and_the_file_at_once(client, make, login):
    from models import AgencyStatus

    agency = make.agency(status=AgencyStatus.APPROVED.value)
    login(make.user(Role.AGENCY, agency=agency))
    action = "/agency/annual-report"
    form = _beside(client.post(action, data={}).get_data(as_text=True), action, "请输入年度")
    assert "请选择年度工作报告文件" in form
