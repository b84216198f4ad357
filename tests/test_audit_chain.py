"""The tamper-evident audit trail (issue 17 item 8): each row carries the previous row's hash; `flask --app app audit
verify` reports the first broken link or 审计链完整; concurrent appends keep one chain."""
import threading

import pytest

from core import audit, database
from models import AUDIT_CHAIN_GENESIS, AuditEvent, db


def record_some(app, count=5):
    with app.app_context(), db.connection_context():
        for n in range(count):
            audit.record("settings.update", object_type="setting", details={"n": n, "text": "改“名称”"})
        return [e.id for e in AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id)]


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_an_untouched_chain_verifies(app, runner):
    ids = record_some(app)
    with db.connection_context():
        rows = list(AuditEvent.select().order_by(AuditEvent.id))
        assert rows[0].prev_hash == AUDIT_CHAIN_GENESIS
        assert all(b.prev_hash == a.row_hash for a, b in zip(rows, rows[1:], strict=False))
        assert audit.verify_chain() is None
    result = verify(runner)
    assert result.exit_code == 0 and "审计链完整" in result.output and f"共 {len(ids)} 条" in result.output


@pytest.mark.parametrize("column, value", [("details", '{"n": 99}'), ("username", "someone"),
                                           ("action", "user.create"), ("created_at", "2020-01-01 00:00:00")])
def test_a_row_altered_with_raw_sql_is_reported_with_its_id(app, runner, column, value):
    ids = record_some(app)
    target = ids[2]
    with db.connection_context():
        db.execute_sql(f"UPDATE audit_event SET {column} = {db.param} WHERE id = {db.param}", (value, target))
        event_id, what = audit.verify_chain()
    assert event_id == target and "被修改" in what
    result = verify(runner)
    assert result.exit_code != 0
    assert f"第 {target} 条" in result.output and "审计链完整" not in result.output


def test_a_deleted_row_breaks_the_next_link(app, runner):
    ids = record_some(app)
    with db.connection_context():
        db.execute_sql(f"DELETE FROM audit_event WHERE id = {db.param}", (ids[1],))
    result = verify(runner)
    assert result.exit_code != 0 and f"第 {ids[2]} 条" in result.output and "上一条哈希" in result.output


def test_a_row_rehashed_by_a_tamperer_breaks_the_following_link(app, runner):
    """Altering a row and its own hash still breaks the next row's link."""
    from models import chain_hash

    ids = record_some(app)
    with db.connection_context():
        row = AuditEvent.get_by_id(ids[1])
        values = {name: getattr(row, name) for name in ("created_at", "username", "ip", "action", "object_type",
                                                          "object_id", "object_label", "result")}
        values["details"] = '{"n": 42}'
        db.execute_sql(f"UPDATE audit_event SET details = {db.param}, row_hash = {db.param} WHERE id = {db.param}",
                       (values["details"], chain_hash(values, row.prev_hash), ids[1]))
        assert audit.verify_chain()[0] == ids[2]


def test_concurrent_records_keep_one_chain(app, runner):
    """Threads appending at once, each in its own transaction with its own connection: one unbroken chain."""
    threads_count, per_thread = 6, 8
    barrier = threading.Barrier(threads_count)
    errors = []

    def append(n):
        try:
            with app.app_context(), db.connection_context():
                barrier.wait()
                for i in range(per_thread):
                    with db.atomic():
                        audit.record("settings.update", object_type="setting", details={"thread": n, "i": i})
        except Exception as error:  # reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=append, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    with db.connection_context():
        rows = list(AuditEvent.select().order_by(AuditEvent.id))
        assert len(rows) == threads_count * per_thread
        assert len({r.prev_hash for r in rows}) == len(rows)  # no two rows hang off the same link
        assert audit.verify_chain() is None
    assert "审计链完整" in verify(runner).output


def test_the_migration_chains_rows_written_before_it(app, runner):
    """Rows from before 022_audit_chain are chained by it, in id order."""
    with db.connection_context():
        router = database.router()
        later = router.done[router.done.index("022_audit_chain"):]
        for _ in later:  # back to just before 022, the migrations after it rolled back first
            router.rollback()
        for n in range(3):
            db.execute_sql("INSERT INTO audit_event (created_at, username, ip, action, object_type, object_label, "
                           f"result, details) VALUES ({', '.join([db.param] * 8)})",
                           (f"2025-0{n + 1}-01 08:00:00", "admin", "127.0.0.1", "auth.login", "", "", "ok", "{}"))
        assert database.upgrade() == later
        rows = list(AuditEvent.select().order_by(AuditEvent.id))
        assert [r.prev_hash == p for r, p in zip(rows, [AUDIT_CHAIN_GENESIS] + [r.row_hash for r in rows],
                                                  strict=False)] == [True] * 3
    record_some(app, 2)  # new rows continue the migrated chain
    result = verify(runner)
    assert result.exit_code == 0 and "审计链完整（共 5 条记录）" in result.output
