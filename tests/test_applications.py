"""Applications, the municipal expert review, publicity and the municipal list (第十、十二至十五、十八、二十条)."""
import io
from datetime import date, timedelta

import pytest

import rules
from blueprints.applications import operations as apps
from blueprints.listing import operations as listing
from models import (
    Application,
    AuditEvent,
    Listing,
    ListingStatus,
    Objection,
    PoolEntry,
    PoolStatus,
    Publicity,
    ReviewAssignment,
    Role,
    Rung,
    Subject,
    VetoCheck,
    local_now,
)
from rules import Refused

YEAR = local_now().year
TODAY = local_now().date()
PDF = b"%PDF-1.4 report"


# --- the rules, as units -------------------------------------------------------------------------------

@pytest.mark.parametrize("score, band", [(79.9, "failed"), (80, "qualified"), (89.9, "qualified"), (90, "key"),
                                         (None, None)])
def test_thresholds_of_article_18(score, band):
    assert rules.score_band(score) == band


def test_publicity_lasts_fifteen_days_not_counting_the_first():
    start = date(2026, 6, 1)
    assert rules.publicity_end(start) == date(2026, 6, 16)
    assert rules.in_publicity_window(start, date(2026, 6, 1))
    assert rules.in_publicity_window(start, date(2026, 6, 16))
    assert not rules.in_publicity_window(start, date(2026, 6, 17))
    assert not rules.in_publicity_window(start, date(2026, 5, 31))


def test_final_score_is_the_mean():
    assert rules.final_score([80, 85, 90]) == 85.0
    assert rules.final_score([80, 81, 81]) > 80.66 and str(rules.score_display(rules.final_score([80, 81, 81]))) == "80.7"
    assert rules.final_score([]) is None


# --- submitting ----------------------------------------------------------------------------------------

def test_submit_works_when_everything_is_in_order(app, make, staff, db_conn):
    application = make.application(by=staff)
    apps.submit(application, by=staff)
    assert Application.get_by_id(application.id).status == "submitted"


@pytest.mark.parametrize("cause, message", [
    ("veto", "第十五条"),
    ("removed", "第十五条第三项"),
    ("not_pooled", "第十条"),
    ("no_report", "第十三条"),
    ("no_materials", "申报材料不全"),
])
def test_each_refusal_on_submit(app, make, staff, cause, message, db_conn):
    application = make.application(by=staff)
    subject = application.subject
    if cause == "veto":
        VetoCheck.create(subject=subject, condition_key="dishonest_debtor", result="hit", checked_on=TODAY)
    elif cause == "removed":
        Listing.create(subject=subject, rung="municipal", year=YEAR - 2, source="municipal_review",
                       listed_on=TODAY - timedelta(days=800), status=ListingStatus.REMOVED.value,
                       removed_on=TODAY - timedelta(days=400))
    elif cause == "not_pooled":
        PoolEntry.update(status=PoolStatus.EXITED.value).execute()
    elif cause == "no_report":
        Application.update(report=None).execute()
        application = Application.get_by_id(application.id)
    elif cause == "no_materials":
        from models import Document
        Document.update(withdrawn_at=local_now()).where(Document.purpose == "license").execute()
    with pytest.raises(Refused, match=message):
        apps.submit(application, by=staff)
    assert Application.get_by_id(application.id).status == "draft"


def test_removal_bar_ends_after_three_years(app, make, staff, db_conn):
    application = make.application(by=staff)
    subject = application.subject
    Listing.create(subject=subject, rung="provincial", year=YEAR - 5, source="province",
                   listed_on=TODAY - timedelta(days=2000), status=ListingStatus.REMOVED.value,
                   removed_on=TODAY - timedelta(days=3 * 366))
    apps.submit(application, by=staff)


def test_application_for_a_rung_already_held_is_refused(app, make, staff, db_conn):
    subject = make.pooled_subject()
    Listing.create(subject=subject, rung="municipal", year=YEAR - 1, source="municipal_review", listed_on=TODAY)
    with pytest.raises(Refused, match="已在市级名单中"):
        apps.create(subject, YEAR, rung="municipal", method="self", claimed_score=85, national_intent=False,
                    by=staff)


def test_report_must_be_pdf_or_docx(app, client, make, login, staff, db_conn):
    subject = make.pooled_subject()
    application = apps.create(subject, YEAR, rung="municipal", method="self", claimed_score=85,
                              national_intent=False, by=staff)
    login(make.user(Role.ENTERPRISE, subject=subject))
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 30
    html = client.post(f"/applications/{application.id}/attach",
                       data={"purpose": "evaluation_report", "file": (io.BytesIO(png), "报告.png")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "不是允许的类型（PDF、Word 文档）" in html
    assert Application.get_by_id(application.id).report_id is None


def test_enterprise_applies_and_the_return_and_resubmit_loop(app, client, make, login, staff, db_conn):
    subject = make.pooled_subject()
    login(make.user(Role.ENTERPRISE, subject=subject))
    client.post("/applications/mine", data={"year": YEAR, "rung": "municipal", "method": "self", "claimed_score": "86"})
    application = Application.get(Application.subject == subject)
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "申报材料不全" in html
    client.post(f"/applications/{application.id}/attach", data={"purpose": "evaluation_report", "file": (io.BytesIO(PDF), "评价报告.pdf")},
                content_type="multipart/form-data")
    for key, _ in rules.APPLICATION_MATERIALS["factory"]:
        client.post(f"/applications/{application.id}/attach", data={"purpose": key, "file": (io.BytesIO(PDF), f"{key}.pdf")},
                    content_type="multipart/form-data")
    client.post(f"/applications/{application.id}/submit")
    apps.return_for_correction(Application.get_by_id(application.id), reason="基本信息表缺盖章", by=staff)
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "基本信息表缺盖章" in html and "重新提交" in html
    client.post(f"/applications/{application.id}/submit")
    assert Application.get_by_id(application.id).status == "submitted"
    actions = [e.action for e in AuditEvent.select().order_by(AuditEvent.id)]
    assert actions.count("application.submit") == 2 and "application.return" in actions


def test_enterprise_cannot_see_another_application(app, client, make, login, staff):
    application = make.application(by=staff)
    login(make.user(Role.ENTERPRISE, subject=make.subject()))
    assert client.get(f"/applications/{application.id}").status_code == 404
    assert client.post(f"/applications/{application.id}/submit").status_code == 404


# --- the expert review ----------------------------------------------------------------------------------

def under_review(app, make, staff, experts, **subject_overrides):
    application = make.application(make.pooled_subject(**subject_overrides), by=staff)
    apps.submit(application, by=staff)
    apps.start_review(application, by=staff)
    for expert in experts:
        apps.assign(application, expert, by=staff)
    return application


def test_expert_sees_only_assigned_and_declares_before_scoring(app, client, make, login, staff, db_conn):
    experts = [make.user(Role.EXPERT) for _ in range(3)]
    mine = under_review(app, make, staff, experts[:1])
    other = under_review(app, make, staff, experts[1:2])
    login(experts[0])
    html = client.get("/review/").get_data(as_text=True)
    assert mine.subject.name in html and other.subject.name not in html
    my_assignment = ReviewAssignment.get(ReviewAssignment.expert == experts[0])
    their_assignment = ReviewAssignment.get(ReviewAssignment.expert == experts[1])
    assert client.get(f"/review/{their_assignment.id}").status_code == 404
    response = client.post(f"/review/{my_assignment.id}/score", data={"score": "88"}, headers={"HX-Request": "true"})
    assert "请先声明是否存在利益冲突" in response.get_data(as_text=True)
    client.post(f"/review/{my_assignment.id}/declare", data={"conflict": "no"})
    for bad, message in (("101", "评分须在 0–100 之间"), ("八十", "请输入数字，例如 85 或 85.5"), ("abc", "请输入数字")):
        html = client.post(f"/review/{my_assignment.id}/score", data={"score": bad},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
        assert message in html
        assert "不是有效的" not in html and "；" not in html.split(message)[1][:20]  # one message, not a chain
    html = client.post(f"/review/{my_assignment.id}/score", data={"score": "88", "comments": "好"},
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "已保存 88.0 分" in html and "<html" not in html


def test_declared_conflict_removes_the_assignment_and_auto_assign_finds_another(app, client, make, login, staff, db_conn):
    experts = [make.user(Role.EXPERT, organisation=f"单位{n}") for n in range(4)]
    application = under_review(app, make, staff, experts[:3])
    login(experts[0])
    assignment = ReviewAssignment.get(ReviewAssignment.expert == experts[0])
    client.post(f"/review/{assignment.id}/declare", data={"conflict": "yes", "reason": "曾为该企业提供咨询"})
    assert client.get(f"/review/{assignment.id}").status_code == 404
    assert apps.needed(application) == 1
    apps.auto_assign([application], by=staff)
    active = {a.expert_id for a in ReviewAssignment.active().where(ReviewAssignment.application == application)}
    assert active == {experts[1].id, experts[2].id, experts[3].id}
    with pytest.raises(Refused, match="利益冲突"):
        apps.assign(application, experts[0], by=staff)


def test_auto_assign_balances_loads_and_avoids_same_organisation(app, make, staff, db_conn):
    experts = [make.user(Role.EXPERT, organisation=f"单位{n}") for n in range(4)]
    applications = [under_review(app, make, staff, [], name=f"评审企业{n}有限公司") for n in range(4)]
    experts[3].organisation = "评审企业0有限公司"
    experts[3].save()
    assigned, short = apps.auto_assign(applications, by=staff)
    assert assigned == 12 and short == []
    loads = [ReviewAssignment.select().where(ReviewAssignment.expert == e).count() for e in experts]
    assert loads == [3, 3, 3, 3]
    first = {a.expert_id for a in ReviewAssignment.select().where(ReviewAssignment.application == applications[0])}
    assert experts[3].id not in first


def test_final_score_hidden_until_every_expert_has_scored(app, client, make, login, staff, db_conn):
    experts = [make.user(Role.EXPERT) for _ in range(3)]
    application = under_review(app, make, staff, experts)
    assignments = list(ReviewAssignment.select().order_by(ReviewAssignment.id))
    for assignment, value in zip(assignments[:2], (90, 92), strict=True):
        apps.declare(assignment, conflict=False, reason="", by=assignment.expert)
        apps.score(assignment, value=value, comments="", by=assignment.expert)
    assert apps.final_score(application) is None
    with pytest.raises(Refused, match="尚有专家未评分"):
        apps.conclude(application, by=staff)
    apps.declare(assignments[2], conflict=False, reason="", by=assignments[2].expert)
    apps.score(assignments[2], value=94, comments="", by=assignments[2].expert)
    assert apps.final_score(application) == 92.0
    assert apps.conclude(application, by=staff) is True
    assert Application.get_by_id(application.id).status == "approved"
    login(staff)
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "<strong>92.0</strong>" in html and "重点培育" in html


def test_below_threshold_is_not_approved(app, make, staff, db_conn):
    experts = [make.user(Role.EXPERT) for _ in range(3)]
    application = under_review(app, make, staff, experts)
    for assignment in ReviewAssignment.select():
        apps.declare(assignment, conflict=False, reason="", by=assignment.expert)
        apps.score(assignment, value=79.9, comments="", by=assignment.expert)
    assert apps.conclude(application, by=staff) is False


# --- publicity, objections, publishing, the list and the green code ------------------------------------

def approved(app, make, staff, **overrides):
    experts = [make.user(Role.EXPERT) for _ in range(3)]
    application = under_review(app, make, staff, experts, **overrides)
    for assignment in ReviewAssignment.select().where(ReviewAssignment.application == application):
        apps.declare(assignment, conflict=False, reason="", by=assignment.expert)
        apps.score(assignment, value=85, comments="", by=assignment.expert)
    apps.conclude(application, by=staff)
    return application


def test_objection_during_and_after_the_window(app, client, make, staff, db_conn):
    application = approved(app, make, staff)
    publicity = listing.open_publicity(YEAR, start_date=TODAY, by=staff)
    data = {"application": application.id, "name": "张三", "contact": "13900000000", "content": "有异议"}
    client.post(f"/publicity/{publicity.id}", data=data)
    assert Objection.select().count() == 1
    Publicity.update(start_date=TODAY - timedelta(days=16)).execute()
    html = client.post(f"/publicity/{publicity.id}", data=data).get_data(as_text=True)
    assert html.count("不在公示期内") == 1  # said once, not once by the page and again by the refused form
    assert Objection.select().count() == 1


def test_publish_after_window_creates_listings_once(app, client, make, login, staff, db_conn):
    keep = approved(app, make, staff, name="入选企业有限公司")
    drop = approved(app, make, staff, name="被异议企业有限公司")
    publicity = listing.open_publicity(YEAR, start_date=TODAY, by=staff)
    with pytest.raises(Refused, match="期满后才能公布"):
        listing.publish(publicity, by=staff)
    objection = listing.raise_objection(publicity, drop.id, name="李四", contact="13800000000", content="数据造假",
                                        evidence_file=None, ip="127.0.0.1")
    Publicity.update(start_date=TODAY - timedelta(days=16)).execute()
    publicity = Publicity.get_by_id(publicity.id)
    with pytest.raises(Refused, match="尚有异议未处理"):
        listing.publish(publicity, by=staff)
    listing.handle_objection(objection, upheld=True, handling="经核实属实", by=staff)
    assert listing.publish(publicity, by=staff) == 1
    with pytest.raises(Refused, match="不会重复生成"):
        listing.publish(Publicity.get_by_id(publicity.id), by=staff)
    assert Listing.select().count() == 1
    assert Subject.get_by_id(keep.subject_id).rung == "municipal"
    assert PoolEntry.get(PoolEntry.subject == keep.subject_id).status == "listed"
    assert Subject.get_by_id(drop.subject_id).rung == "pool"
    html = client.get("/list").get_data(as_text=True)
    assert "入选企业有限公司" in html and "被异议企业有限公司" not in html
    assert client.get("/list?q=入选", headers={"HX-Request": "true"}).get_data(as_text=True).count("<html") == 0
    assert client.get("/list.xlsx").status_code == 200


def test_green_code_pages(app, client, make, staff, db_conn):
    listed = make.subject(rung=Rung.MUNICIPAL.value, name="在册企业有限公司", green_code_grade="A", green_code_year=YEAR)
    pooled = make.pooled_subject(name="培育企业有限公司")
    removed = make.subject(rung=Rung.INTEREST.value, name="移出企业有限公司")
    interest = make.subject(rung=Rung.INTEREST.value)
    Listing.create(subject=listed, rung="municipal", year=YEAR - 1, source="municipal_review", listed_on=TODAY)
    Listing.create(subject=removed, rung="municipal", year=YEAR - 2, source="municipal_review", listed_on=TODAY,
                   status=ListingStatus.REMOVED.value, removed_on=TODAY - timedelta(days=10), removal_category="第三十条")
    html = client.get(f"/green/{listed.public_token}").get_data(as_text=True)
    assert "市级绿色制造名单" in html and "企业绿码" in html and "<strong>A</strong>" in html
    assert "培育库对象" in client.get(f"/green/{pooled.public_token}").get_data(as_text=True)
    assert "被移出" in client.get(f"/green/{removed.public_token}").get_data(as_text=True)
    assert client.get(f"/green/{interest.public_token}").status_code == 404
    assert client.get("/green/not-a-token").status_code == 404


def test_qr_code_is_an_svg_of_the_green_page(app, client, make, login, staff):
    subject = make.pooled_subject()
    login(staff)
    response = client.get(f"/listing/subjects/{subject.id}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml" and b"<svg" in response.data


def test_record_provincial_outcome_updates_the_ladder(app, client, make, login, staff, db_conn):
    subject = make.subject(rung=Rung.MUNICIPAL.value)
    Listing.create(subject=subject, rung="municipal", year=YEAR - 1, source="municipal_review", listed_on=TODAY)
    login(staff)
    client.post("/listing/outcomes", data={"credit_code": subject.credit_code.lower(), "rung": "provincial",
                                          "year": YEAR, "listed_on": TODAY.isoformat()})
    assert Subject.get_by_id(subject.id).rung == "provincial"
    html = client.post("/listing/outcomes", data={"credit_code": "91230000000000000X", "rung": "provincial",
                                                 "year": YEAR, "listed_on": TODAY.isoformat()}).get_data(as_text=True)
    assert "本市没有该统一社会信用代码的培育对象" in html


def test_outcome_import_all_or_nothing(app, client, make, login, staff, db_conn):
    from openpyxl import Workbook
    good = make.subject(rung=Rung.MUNICIPAL.value)
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "名称", "级别", "年度"])
    ws.append([good.credit_code, good.name, "省级", YEAR])
    ws.append(["91230000000000000X", "外市企业", "省级", YEAR])
    buffer = io.BytesIO()
    wb.save(buffer)
    login(staff)
    html = client.post("/listing/outcomes/import", data={"file": (io.BytesIO(buffer.getvalue()), "省级名单.xlsx"),
                                                          "listed_on": TODAY.isoformat()},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "第 3 行" in html and "未写入任何数据" in html
    assert Listing.select().count() == 0
