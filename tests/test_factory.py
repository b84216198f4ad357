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
