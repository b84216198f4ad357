"""Bulk writes (issue 19): audit.record_many keeps the hash chain verifiable, database.insert_rows writes what
insert_many would (defaults included), and an import audits each new registration on its own timeline."""
import io

from blueprints.pool import spreadsheet
from core import audit, database
from core.documents import xlsx_table
from core.identifiers import make_credit_code
from models import AuditEvent, PoolStatus, Potential, Subject, SubjectKind, db


def test_record_many_continues_the_chain_between_single_records(app, make, staff):
    with app.test_request_context():
        subjects = [make.subject(name=f"批量{i}有限公司") for i in range(3)]
        audit.record("subject.update", subjects[0], user=staff)
        with db.atomic():
            written = audit.record_many([("subject.register", s, {"row": i}) for i, s in enumerate(subjects)],
                                        user=staff, batch=2)
        audit.record("subject.update", subjects[1], user=staff)
        assert written == 3
        assert audit.verify_chain() is None
        rows = list(AuditEvent.select().where(AuditEvent.action == "subject.register").order_by(AuditEvent.id))
        assert [(r.object_type, r.object_id, r.username) for r in rows] == [
            ("subject", s.id, staff.username) for s in subjects]
        assert rows[0].object_label == "批量0有限公司"


def test_insert_rows_fills_defaults_like_insert_many(app):
    with app.app_context(), db.atomic():
        base = dict(kind="factory", district="松源区", industry_code="13", address="地址", legal_representative="甲",
                    contact_person="乙", contact_phone="13900000000")
        database.insert_rows(Subject, [{**base, "name": f"插入{i}", "credit_code": make_credit_code("239902", 7 + i)}
                                       for i in range(3)])
        rows = list(Subject.select().order_by(Subject.id))
    assert [r.name for r in rows] == ["插入0", "插入1", "插入2"]
    assert len({r.public_token for r in rows}) == 3 and all(r.public_token for r in rows)  # callable default per row
    assert all(r.status == "pending" and r.source == "self" and r.created_at for r in rows)


def test_an_import_audits_each_registration_and_keeps_the_chain(app, staff, districts):
    rows = [[f"导入{i}有限公司", make_credit_code("239903", 100 + i), SubjectKind.label_of("factory"), "松源区", "13",
             "地址", "甲", "乙", "13900000000", "", "", "", "", "", 2026, PoolStatus.label_of("cultivating"),
             Potential.label_of("ordinary"), ""] for i in range(3)]
    with app.test_request_context():
        data = xlsx_table(spreadsheet.SHEET_TITLE, spreadsheet.HEADERS, rows)
        plan = spreadsheet.plan_import(io.BytesIO(data))
        assert plan.ok, [r.errors for r in plan.error_rows]
        assert spreadsheet.apply_import(plan, staff) == (3, 0)
        assert audit.verify_chain() is None
        for i in range(3):
            subject = Subject.get(Subject.credit_code == make_credit_code("239903", 100 + i))
            event = AuditEvent.get(AuditEvent.action == "subject.register", AuditEvent.object_id == subject.id)
            assert f'"row": {i + 2}' in event.details and event.username == staff.username
