"""The shared test builders make what they say (tests/helpers.py, tests/conftest.py)."""
import pytest

from models import AgencyCheck, AgencyStatus, AuditEvent, Listing, PoolEntry, PoolStatus, local_now


def test_pooled_and_listed_subjects(make, db_conn):
    pooled = make.pooled_subject(name="入库企业有限公司")
    assert pooled.rung == "pool" and PoolEntry.get(PoolEntry.subject == pooled).year_admitted == local_now().year - 1
    listed = make.listed_subject("provincial", 2024, source="province")
    assert PoolEntry.get(PoolEntry.subject == listed).status == PoolStatus.LISTED.value
    listing = Listing.get(Listing.subject == listed)
    assert (listed.rung, listing.rung, listing.year, listing.source) == ("provincial", "provincial", 2024, "province")


def test_approved_agency_went_through_the_checks_and_the_approval(make, staff, db_conn):
    agency = make.approved_agency(by=staff, industries="13")
    assert agency.status == AgencyStatus.APPROVED.value and agency.expertise_industries == "13"
    assert AgencyCheck.select().where(AgencyCheck.agency == agency, AgencyCheck.result == "met").count() >= 4
    assert AuditEvent.select().where(AuditEvent.action == "agency.approve").count() == 1


@pytest.mark.staff(login=True, display_name="王经办")
def test_the_staff_marker_logs_in_with_overrides(client, staff):
    assert staff.display_name == "王经办"
    assert client.get("/plans/").status_code == 200


def test_a_ready_application_may_be_submitted_and_a_bare_one_may_not(make, staff, db_conn):
    from blueprints.applications import operations as apps

    ready = make.application(by=staff)
    assert ready.status == "draft" and ready.report_id is not None and apps.submit_problems(ready) == []
    bare = make.application(ready=False, by=staff)
    assert bare.report_id is None and apps.submit_problems(bare)
    submitted = make.application(rung="provincial", claimed_score=91, submitted=True, by=staff)
    assert (submitted.status, submitted.rung, submitted.claimed_score) == ("submitted", "provincial", 91)


def test_checks_are_recorded_for_every_item_and_condition(make, staff, db_conn):
    subject = make.pooled_subject()
    eligibility = make.eligibility_checks(subject, by=staff)
    vetoes = make.veto_checks(subject, dishonest_debtor="hit")
    assert eligibility and {c.result for c in eligibility} == {"met"}
    assert {c.condition_key: c.result for c in vetoes}["dishonest_debtor"] == "hit"
    assert sum(c.result == "clear" for c in vetoes) == len(vetoes) - 1


def test_builders_work_inside_a_transaction_and_leave_the_connection_open(make, db_conn):
    from models import Subject, db

    with db.atomic():
        subject = make.pooled_subject()
        make.application(subject)
    assert not db.is_closed() and Subject.get_by_id(subject.id).rung == "pool"
