"""Issue 19: page parts served again exactly while the data they show is unchanged (core/versions.py), the version
kept by triggers (migrations/028_data_version.py), on the pool list, its filter bar and the pool figures."""
import pytest

from core import versions
from models import DataVersion, PoolEntry, Role, Subject, User, db

pytestmark = pytest.mark.staff(login=True)


def version():
    return versions.stamp("pool")[1]


def test_every_change_the_pool_shows_bumps_the_version(app, make, db_conn):
    steps = []

    def step(label, change):
        before = version()
        change()
        steps.append((label, version() > before))

    subject = make.subject()
    step("subject insert", lambda: make.subject())
    step("subject update", lambda: Subject.update(contact_phone="13900001111").where(Subject.id == subject.id).execute())
    entry = None

    def admit():
        nonlocal entry
        entry = PoolEntry.create(subject=subject, year_admitted=2026)

    step("pool entry insert", admit)
    step("pool entry update", lambda: PoolEntry.update(potential="key").where(PoolEntry.id == entry.id).execute())
    staff = make.user(Role.STAFF)
    step("staff name", lambda: User.update(display_name="新名字").where(User.id == staff.id).execute())
    step("staff role", lambda: User.update(active=False).where(User.id == staff.id).execute())
    step("pool entry delete", lambda: PoolEntry.delete().where(PoolEntry.id == entry.id).execute())
    assert [label for label, bumped in steps if not bumped] == []

    before = version()  # a login's time is not on any pool page
    User.update(last_login_at=None).where(User.id == staff.id).execute()
    assert version() == before


def test_a_part_is_computed_again_only_when_the_pool_changed(app, make, db_conn):
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    assert versions.remembered("pool", "test-part", compute) == 1
    assert versions.remembered("pool", "test-part", compute) == 1
    assert versions.remembered("pool", "another key", compute) == 2
    make.subject()
    assert versions.remembered("pool", "test-part", compute) == 3
    assert versions.remembered("pool", "test-part", compute) == 3


def test_a_part_computed_while_a_change_commits_is_not_kept(app, make, db_conn):
    calls = []

    def compute_while_someone_writes():
        calls.append(1)
        if len(calls) == 1:
            make.subject()  # committed between the two reads of the version
        return len(calls)

    assert versions.remembered("pool", "racing part", compute_while_someone_writes) == 1
    assert versions.remembered("pool", "racing part", compute_while_someone_writes) == 2  # computed again
    assert versions.remembered("pool", "racing part", compute_while_someone_writes) == 2  # now kept


def test_nothing_is_kept_or_served_inside_a_transaction(app, make, db_conn):
    calls = []
    with db.atomic():
        Subject.update(contact_phone="13900002222").where(Subject.id == make.subject().id).execute()
        versions.remembered("pool", "in a transaction", lambda: calls.append(1))
        versions.remembered("pool", "in a transaction", lambda: calls.append(1))
    assert len(calls) == 2


def test_another_database_at_the_same_version_gets_none_of_these_parts(app, db_conn):
    assert versions.remembered("pool", "epoch part", lambda: "first database") == "first database"
    DataVersion.update(epoch="another").where(DataVersion.topic == "pool").execute()  # what a new database draws
    assert versions.remembered("pool", "epoch part", lambda: "second database") == "second database"


def test_only_the_newest_parts_are_kept(app, db_conn, monkeypatch):
    monkeypatch.setattr(versions, "PARTS_PER_TOPIC", 2)
    for key in ("a", "b", "c"):
        versions.remembered("pool", key, lambda k=key: k)
    assert versions.remembered("pool", "a", lambda: "again") == "again"  # the oldest went
    assert versions.remembered("pool", "c", lambda: "again") == "c"


def test_the_pool_page_follows_changes_made_outside_the_application(client, staff, make, db_conn):
    owner = make.user(Role.STAFF, display_name="张经办")
    subject = make.subject(name="北辰乳业有限公司", district="松源区")
    PoolEntry.create(subject=subject, year_admitted=2026, owner=owner)
    page = client.get("/pool/").get_data(as_text=True)
    assert "北辰乳业有限公司" in page and "张经办" in page
    assert client.get("/pool/").get_data(as_text=True).count("北辰乳业有限公司") == 1  # served again, the same

    # by SQL straight to the database: the triggers see it, the next page shows it
    p = db.param
    db.execute_sql(f"UPDATE subject SET name = {p} WHERE id = {p}", ("北辰新材料有限公司", subject.id))  # noqa: S608
    db.execute_sql(f'UPDATE "user" SET display_name = {p} WHERE id = {p}', ("李经办", owner.id))  # noqa: S608
    make.user(Role.STAFF, display_name="王新来")
    other = make.subject(name="临江纸业有限公司", district="临江区")
    PoolEntry.create(subject=other, year_admitted=2023)

    page = client.get("/pool/").get_data(as_text=True)
    assert "北辰新材料有限公司" in page and "北辰乳业有限公司" not in page
    assert "李经办" in page and "张经办" not in page
    assert "王新来" in page  # the owner filter's new choice
    assert '<option value="2023"' in page  # the year filter's new choice
    assert 'id="pool-figures-total">2<' in page
    fragment = client.get("/pool/?q=纸业", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "临江纸业有限公司" in fragment and 'hx-swap-oob' in fragment and "<html" not in fragment
