"""The plan dashboard against a hand-counted fixture, district targets, year-end snapshots, milestone templates per
kind and rung, milestones ticked by the events they name, and the enterprise's past plans shown as ended."""
import json
from datetime import date, timedelta
from urllib.parse import quote

import pytest

import rules
from blueprints.applications import operations as apps
from blueprints.listing import operations as listing
from blueprints.plans import dashboard, milestones, operations
from models import (
    AppendOnlyError,
    AuditEvent,
    CultivationPlan,
    Listing,
    ListingSource,
    Milestone,
    PlanDistrictTarget,
    PlanSnapshot,
    PlanStatus,
    Publicity,
    Role,
    db,
    local_now,
)

from .test_applications import approved

TODAY = local_now().date()
YEAR = TODAY.year
PAST = TODAY - timedelta(days=1)


pytestmark = pytest.mark.staff(login=True, display_name="王经办")


def _list(subject, rung, year):
    Listing.create(subject=subject, rung=rung, year=year, source=ListingSource.PROVINCE.value, listed_on=TODAY)


def _overdue(item):
    first = item.milestones.order_by(Milestone.position).first()
    Milestone.update(due_date=PAST).where(Milestone.id == first.id).execute()


@pytest.fixture
def city(make, staff, db_conn):
    """Six items, hand-counted:
    A factory 松源区 →市级, owner s1: on track.       B factory 临江区 →市级, owner s1: at risk (overdue).
    C factory 松源区 →省级, owner s2: achieved this year (provincial list of this year), with an overdue step.
    D factory 临江区 →省级, no owner: on track (a municipal listing this year is below its target).
    E supply chain 松源区 →国家级, owner s2: at risk.  F supply chain 临江区 →国家级, owner s2: on track, on the national
    list of this year but already on it last year (held before the year began: not achieved this year).
    Targets: factory/市级 2, factory/省级 4, park/省级 1, supply chain/国家级 1 (2 assigned: far above)."""
    other = make.user(Role.STAFF, display_name="李经办")
    names = "ABCDEF"
    specs = [("factory", "松源区", "municipal", staff), ("factory", "临江区", "municipal", staff),
             ("factory", "松源区", "provincial", other), ("factory", "临江区", "provincial", None),
             ("supply_chain", "松源区", "national", other), ("supply_chain", "临江区", "national", other)]
    subjects = [make.pooled_subject(kind=kind, district=district, name=f"{n}企业有限公司")
                for n, (kind, district, _, _) in zip(names, specs, strict=True)]
    plan = operations.create_plan(YEAR, title="本年计划", by=staff)
    operations.update_plan(plan, title="本年计划", goals="目标", measures="措施",
                           targets={("factory", "municipal"): 2, ("factory", "provincial"): 4,
                                                      ("park", "provincial"): 1, ("supply_chain", "national"): 1},
                           by=staff)
    items = {n: operations.add_item(plan, s, target_rung=rung, owner=owner, by=staff)
             for n, s, (_, _, rung, owner) in zip(names, subjects, specs, strict=True)}
    for n in "BCE":
        _overdue(items[n])
    _list(subjects[2], "provincial", YEAR)
    _list(subjects[3], "municipal", YEAR)
    _list(subjects[5], "national", YEAR - 1)
    _list(subjects[5], "national", YEAR)
    return {"plan": CultivationPlan.get_by_id(plan.id), "items": items, "staff": staff, "other": other}


def _counts(row):
    return (row["target"], row["assigned"], row["on_track"], row["at_risk"], row["achieved"])


def test_dashboard_figures_against_the_hand_count(city, db_conn):
    data = dashboard.figures(city["plan"])
    rows = {r["label"]: r for r in data["rows"]}
    assert list(rows) == ["绿色工厂 · 市级", "绿色工厂 · 省级", "绿色工业园区 · 省级", "绿色供应链管理企业 · 国家级"]
    factory_m, factory_p, park_p, chain_n = data["rows"]
    assert _counts(factory_m) == (2, 2, 1, 1, 0)
    assert (factory_m["assigned_pct"], factory_m["on_track_pct"], factory_m["at_risk_pct"],
            factory_m["achieved_pct"]) == (100, 50, 50, 0)
    assert _counts(factory_p) == (4, 2, 1, 0, 1)
    assert (factory_p["assigned_pct"], factory_p["achieved_pct"]) == (50, 25) and factory_p["below"]
    assert _counts(park_p) == (1, 0, 0, 0, 0) and park_p["below"] and not park_p["far_above"]
    assert _counts(chain_n) == (1, 2, 1, 1, 0) and chain_n["assigned_pct"] == 200 and chain_n["far_above"]
    assert not factory_m["far_above"] and not factory_p["far_above"]
    assert _counts(data["total"]) == (8, 6, 3, 2, 1)
    for row in data["rows"] + [data["total"]]:  # shares of what is assigned: never above 100 %
        assert not row["assigned"] or row["on_track_pct"] + row["at_risk_pct"] <= 100
    assert (chain_n["on_track_pct"], chain_n["at_risk_pct"]) == (50, 50)
    districts = {d["district"]: d for d in data["districts"]}
    assert (districts["松源区"]["assigned"], districts["松源区"]["at_risk"], districts["松源区"]["achieved"],
            districts["松源区"]["overdue"]) == (3, 1, 1, 2)
    assert (districts["临江区"]["assigned"], districts["临江区"]["at_risk"], districts["临江区"]["achieved"],
            districts["临江区"]["overdue"]) == (3, 1, 0, 1)
    owners = {o["owner_id"]: o for o in data["owners"]}
    staff_id, other_id = city["staff"].id, city["other"].id
    assert (owners[staff_id]["assigned"], owners[staff_id]["at_risk"], owners[staff_id]["overdue"]) == (2, 1, 1)
    assert (owners[other_id]["assigned"], owners[other_id]["at_risk"], owners[other_id]["overdue"]) == (3, 1, 2)
    assert (owners[None]["assigned"], owners[None]["overdue"], owners[None]["label"]) == (1, 0, "（未指定）")


def test_far_above_rule():
    assert rules.assigned_far_above_target(2, 1) and not rules.assigned_far_above_target(3, 2)
    assert rules.assigned_far_above_target(4, 2) and not rules.assigned_far_above_target(0, 0)


def test_dashboard_page_links_overdue_counts_to_the_filtered_items(client, city):
    plan = city["plan"]
    html = client.get(f"/plans/{plan.id}/dashboard").get_data(as_text=True)
    assert "有风险" in html and "本年已实现" in html and "远超目标" in html
    assert f"/plans/{plan.id}?district={quote('松源区')}&amp;overdue=1" in html
    assert f"/plans/{plan.id}?owner={city['other'].id}&amp;overdue=1" in html
    assert f"/plans/{plan.id}?no_agency=1" in html
    assert "（200%）" in html and "（25%）" in html


def test_district_targets_are_plan_content(client, city, make, login, db_conn):
    plan = city["plan"]
    names = dashboard.districts_of(plan)
    fields = {f"d{names.index('松源区')}": "1", f"d{names.index('临江区')}": "4"}
    bad = client.post(f"/plans/{plan.id}/district-targets", data={**fields, f"d{names.index('临江区')}": "-3"})
    assert bad.status_code == 200 and "目标数须为 0–10000 的整数" in bad.get_data(as_text=True)
    assert "请输入整数" in client.post(f"/plans/{plan.id}/district-targets",
                                      data={**fields, f"d{names.index('临江区')}": "abc"}).get_data(as_text=True)
    assert PlanDistrictTarget.select().count() == 0
    operations.approve(plan, by=make.user(Role.ADMIN))
    response = client.post(f"/plans/{plan.id}/district-targets", data=fields, follow_redirects=True)
    assert "退回草稿" in response.get_data(as_text=True)
    assert dashboard.district_targets(plan) == {"松源区": 1, "临江区": 4}
    assert CultivationPlan.get_by_id(plan.id).status == PlanStatus.DRAFT.value
    assert AuditEvent.select().where(AuditEvent.action == "plan.district_targets").count() == 1
    districts = {d["district"]: d for d in dashboard.figures(plan)["districts"]}
    assert districts["松源区"]["far_above"] and districts["松源区"]["achieved_pct"] == 100
    assert not districts["临江区"]["far_above"] and districts["临江区"]["assigned_pct"] == 75
    html = client.get(f"/plans/{plan.id}/dashboard").get_data(as_text=True)
    assert 'id="district-target-mismatch"' in html and "各区县目标合计 5，与计划目标合计 8 不一致" in html
    CultivationPlan.update(status=PlanStatus.FILED.value).where(CultivationPlan.id == plan.id).execute()
    html = client.post(f"/plans/{plan.id}/district-targets", data={**fields, f"d{names.index('松源区')}": "9"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已锁定" in html
    assert dashboard.district_targets(plan)["松源区"] == 1


def test_snapshot_is_kept_unchanged_after_later_edits(client, city, make, db_conn):
    plan = city["plan"]
    response = client.post(f"/plans/{plan.id}/snapshots")
    assert response.status_code == 302
    snapshot = PlanSnapshot.get()
    before = snapshot.figures
    assert json.loads(before)["total"]["assigned"] == 6
    assert AuditEvent.select().where(AuditEvent.action == "plan.snapshot").count() == 1
    operations.add_item(plan, make.pooled_subject(district="临江区"), target_rung="municipal", owner=None,
                        by=city["staff"])
    assert dashboard.figures(plan)["total"]["assigned"] == 7
    snapshot.figures = "{}"
    with pytest.raises(AppendOnlyError):
        snapshot.save()
    with pytest.raises(AppendOnlyError):
        PlanSnapshot.update(figures="{}").execute()
    assert PlanSnapshot.get_by_id(snapshot.id).figures == before
    html = client.get(f"/plans/snapshots/{snapshot.id}").get_data(as_text=True)
    assert "年终快照" in html and "快照内容固定" in html
    live = client.get(f"/plans/{plan.id}/dashboard").get_data(as_text=True)
    assert f"/plans/snapshots/{snapshot.id}" in live


@pytest.mark.parametrize("kind", ["factory", "park", "supply_chain"])
def test_templates_per_kind_and_rung_with_the_application_before_the_recommendation(kind):
    due = (7, 10)
    for rung in ("municipal", "provincial", "national"):
        schedule = rules.milestone_schedule(kind, rung, date(YEAR, 1, 1), YEAR, due)
        events = [event for _, _, event in schedule]
        assert events[-2:] == ["application_submitted", "listed"]
        assert ("engagement_accepted" in events) == (rung != "municipal")
        assert "evaluation_report" in events
        applied = schedule[events.index("application_submitted")][1]
        listed = schedule[-1]
        assert listed[0] == {"municipal": "入选市级名单", "provincial": "入选省级名单", "national": "入选国家级名单"}[rung]
        if rung != "municipal":
            assert applied == date(YEAR, 7, 10) - timedelta(days=rules.APPLICATION_LEAD_DAYS) < date(YEAR, *due)
        assert [d for _, d, _ in schedule] == sorted(d for _, d, _ in schedule)
    joined = date(YEAR, 5, 1)  # dates relative to joining: nothing due before the day the subject joins
    late = rules.milestone_schedule(kind, "provincial", joined, YEAR, due)
    assert all(d >= joined for _, d, _ in late)
    assert {n: d for n, d, _ in late}["申报"] < date(YEAR, 7, 10)
    assert rules.milestone_event_of("申报") == "application_submitted" and rules.milestone_event_of("节能诊断") == ""


def test_item_milestones_carry_their_events_and_new_versions_keep_them(make, staff, db_conn):
    plan = operations.create_plan(YEAR, title="计划", by=staff)
    item = operations.add_item(plan, make.pooled_subject(), target_rung="provincial", owner=staff, by=staff)
    steps = list(item.milestones.order_by(Milestone.position))
    assert [m.event for m in steps] == [e for _, _, e in rules.MILESTONE_TEMPLATES["factory", "provincial"]]
    milestones.tick(item.subject, milestones.ENGAGEMENT_ACCEPTED, on=TODAY, detail="机构已接受对接")
    CultivationPlan.update(status=PlanStatus.FILED.value).where(CultivationPlan.id == plan.id).execute()
    copy = operations.new_version(CultivationPlan.get_by_id(plan.id), by=staff)
    copied = list(copy.items.get().milestones.order_by(Milestone.position))
    assert [m.event for m in copied] == [m.event for m in steps]
    assert copied[1].done_event == f"机构已接受对接（{TODAY.isoformat()}）"


def test_tick_for_the_engagement_and_report_events_on_a_filed_plan(make, staff, db_conn):
    subject = make.pooled_subject()
    plan = operations.create_plan(YEAR, title="计划", by=staff)
    item = operations.add_item(plan, subject, target_rung="provincial", owner=staff, by=staff)
    CultivationPlan.update(status=PlanStatus.FILED.value).where(CultivationPlan.id == plan.id).execute()
    ticked = milestones.tick(subject, milestones.ENGAGEMENT_ACCEPTED, on=TODAY, detail="机构已接受对接", by=staff)
    assert [m.name for m in ticked] == ["第三方机构对接"]
    by_hand = item.milestones.where(Milestone.event == "evaluation_report").get()
    Milestone.update(done_date=PAST).where(Milestone.id == by_hand.id).execute()
    assert milestones.tick(subject, milestones.EVALUATION_REPORT, on=TODAY, detail="评价报告已上传") == []  # done stays
    assert Milestone.get_by_id(by_hand.id).done_date == PAST
    assert milestones.tick(subject, milestones.ENGAGEMENT_ACCEPTED, on=TODAY, detail="again") == []  # once
    assert AuditEvent.select().where(AuditEvent.action == "plan.milestone_event").count() == 1
    with pytest.raises(ValueError):
        milestones.tick(subject, "nonsense", on=TODAY, detail="x")


def test_application_submit_ticks_the_application_step_of_its_rung(app, make, staff, db_conn):
    subject = make.pooled_subject()
    other = make.pooled_subject()
    plan = operations.create_plan(YEAR, title="计划", by=staff)
    item = operations.add_item(plan, subject, target_rung="municipal", owner=staff, by=staff)
    aiming_higher = operations.add_item(plan, other, target_rung="provincial", owner=staff, by=staff)
    application = make.application(subject, by=staff)
    low = make.application(other, by=staff)
    apps.submit(application, by=staff)
    apps.submit(low, by=staff)
    step = item.milestones.where(Milestone.event == "application_submitted").get()
    assert step.done_date == TODAY and step.done_event == f"市级申报已提交（{TODAY.isoformat()}）"
    # a municipal application is not the provincial target's application step
    assert aiming_higher.milestones.where(Milestone.event == "application_submitted").get().done_date is None


def test_listing_ticks_the_list_step(app, client, make, staff, db_conn):
    subject = make.pooled_subject()
    plan = operations.create_plan(YEAR, title="计划", by=staff)
    item = operations.add_item(plan, subject, target_rung="provincial", owner=staff, by=staff)
    listing.record_outcome(subject, rung="provincial", year=YEAR, listed_on=TODAY, by=staff)
    step = item.milestones.where(Milestone.event == "listed").get()
    assert step.done_date == TODAY and "入选省级名单" in step.done_event
    html = client.get(f"/plans/items/{item.id}").get_data(as_text=True)
    assert "由事项自动完成" in html and "入选名单时自动完成" in html


def test_publishing_the_municipal_list_ticks_the_list_step(app, make, staff, db_conn):
    application = approved(app, make, staff, name="入选企业有限公司")
    plan = operations.create_plan(YEAR, title="计划", by=staff)
    item = operations.add_item(plan, application.subject, target_rung="municipal", owner=staff, by=staff)
    publicity = listing.open_publicity(YEAR, start_date=TODAY, by=staff)
    Publicity.update(start_date=TODAY - timedelta(days=16)).execute()
    assert listing.publish(Publicity.get_by_id(publicity.id), by=staff) == 1
    step = item.milestones.where(Milestone.event == "listed").get()
    assert step.done_date == TODAY and "入选市级名单" in step.done_event


def test_the_enterprise_sees_a_past_plan_as_ended_not_overdue(client, make, login, staff, db_conn):
    subject = make.pooled_subject()
    plan = operations.create_plan(YEAR - 1, title="去年计划", by=staff)
    operations.update_plan(plan, title="去年计划", goals="目标", measures="措施", targets={("factory", "municipal"): 1},
                           by=staff)
    operations.add_item(plan, subject, target_rung="municipal", owner=staff, by=staff)
    operations.approve(plan, by=make.user(Role.ADMIN))
    client.post("/logout")
    login(make.user(Role.ENTERPRISE, subject=subject))
    html = client.get("/my/plan").get_data(as_text=True)
    assert "去年计划" in html and "已结束" in html
    assert "已逾期" not in html and 'class="overdue"' not in html


def test_migration_gives_existing_milestones_their_event_by_name(app, make, staff, db_conn):
    from core import database
    plan = operations.create_plan(YEAR, title="计划", by=staff)
    item = operations.add_item(plan, make.pooled_subject(), target_rung="municipal", owner=staff, by=staff)
    router = database.router()
    while "025_plan_dashboard" in router.done:
        router.rollback()
    db.execute_sql('DELETE FROM "milestone"')
    for position, name in enumerate(("节能诊断", "自评价或第三方评价", "申报", "自定节点")):
        db.execute_sql(f"INSERT INTO milestone (item_id, position, name, due_date, evidence_note) "
                       f"VALUES ({item.id}, {position}, '{name}', '{YEAR}-06-30', '')")
    database.upgrade()
    events = [m.event for m in Milestone.select().order_by(Milestone.position)]
    assert events == ["", "evaluation_report", "application_submitted", ""]
