"""The layout tells the truth (issue 18 item 7): one table of URL prefixes, nothing at the top level but the modules
the layout names, and a subject's document withdrawn (撤回), never deleted."""
import re
from pathlib import Path

import pytest

import blueprints
from blueprints.pool import operations
from core import uploads
from models import AuditEvent, Document, Role
from rules import Refused

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4 business licence"
TOP_LEVEL = {"app.py", "config.py", "models.py", "rules.py", "cli.py", "demo.py", "gunicorn.conf.py"}


def test_url_prefixes_are_set_in_one_table(app):
    """No blueprint sets its own url_prefix: blueprints.AREAS is the only place, and every area is registered."""
    setting = re.compile(r"url_prefix\s*=")
    for path in sorted(ROOT.glob("blueprints/**/*.py")) + [ROOT / "app.py"]:
        if path == ROOT / "blueprints" / "__init__.py":
            continue
        assert not setting.search(path.read_text(encoding="utf-8")), f"{path.relative_to(ROOT)} sets a url_prefix"
    assert [area for area, _ in blueprints.AREAS] == list(app.blueprints)
    for area, prefix in blueprints.AREAS:
        assert app.blueprints[area].url_prefix is None, area
        if prefix:
            rules = [r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith(area + ".")]
            assert rules and all(rule.startswith(prefix + "/") for rule in rules), area


def test_every_area_directory_is_in_the_table():
    areas = {path.parent.name for path in ROOT.glob("blueprints/*/__init__.py")}
    assert areas == {area for area, _ in blueprints.AREAS}


def test_nothing_at_the_top_level_beyond_the_layout():
    assert {path.name for path in ROOT.glob("*.py")} == TOP_LEVEL


def test_public_registration_lives_in_the_pool_area(app, client):
    """The registration pages kept their URLs when the `public` blueprint folded into the pool area."""
    with app.test_request_context():
        from flask import url_for
        assert url_for("pool.register") == "/register" and url_for("pool.registered") == "/register/done"
    assert "public" not in app.blueprints
    page = client.get("/register")
    assert page.status_code == 200 and "绿色制造培育意向登记" in page.get_data(as_text=True)
    assert 'href="/register"' in client.get("/list").get_data(as_text=True)  # the public navigation


@pytest.fixture
def subject_document(app, make):
    """A subject, its enterprise account, and a document that account uploaded."""
    subject = make.subject()
    owner = make.user(Role.ENTERPRISE, subject=subject)
    with app.app_context():
        document = uploads.save(PDF, "pdf", "营业执照.pdf", "subject", subject.id, purpose="营业执照", user=owner)
    return subject, owner, document


def test_a_withdrawn_document_is_kept_struck_through_and_counts_nowhere(app, client, make, login, subject_document):
    subject, owner, document = subject_document
    login(owner)
    form = client.get(f"/pool/documents/{document.id}/withdraw")
    assert form.status_code == 200 and "撤回理由" in form.get_data(as_text=True)
    refused = client.post(f"/pool/documents/{document.id}/withdraw", data={"reason": "  "})
    assert refused.status_code == 200 and "请填写撤回理由" in refused.get_data(as_text=True)
    done = client.post(f"/pool/documents/{document.id}/withdraw", data={"reason": "上传错了版本"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/my/#documents")
    with app.app_context():
        stored = Document.get_by_id(document.id)  # never deleted
        assert stored.withdrawn_at is not None and stored.withdrawn_by_id == owner.id
        assert stored.withdrawal_reason == "上传错了版本"
        assert list(Document.of("subject", subject.id)) == []  # out of the materials (and the agency's view)
        assert [d.id for d in Document.of("subject", subject.id, withdrawn=True)] == [document.id]
        event = AuditEvent.get(AuditEvent.action == "document.withdraw")
        assert event.object_type == "document" and str(event.object_id) == str(document.id)
    assert client.get(f"/documents/{document.id}").status_code == 404  # no longer served
    page = client.get("/my/").get_data(as_text=True)
    assert "<del>营业执照.pdf</del>" in page and "撤回：上传错了版本" in page
    client.post("/logout")
    login(make.user(Role.STAFF))
    page = client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    assert "<del>营业执照.pdf</del>" in page and "已撤回" in page


def test_withdrawn_twice_at_once_one_wins(app, make, subject_document):
    subject, owner, document = subject_document
    staff = make.user(Role.STAFF)
    with app.app_context():
        first, second = Document.get_by_id(document.id), Document.get_by_id(document.id)  # both read it in force
        operations.withdraw_document(first, reason="企业申请撤回", by=staff)
        with pytest.raises(Refused, match="已被撤回"):
            operations.withdraw_document(second, reason="重复上传", by=owner)
        assert Document.get_by_id(document.id).withdrawal_reason == "企业申请撤回"
        assert AuditEvent.select().where(AuditEvent.action == "document.withdraw").count() == 1


def test_only_staff_or_the_uploader_withdraw(app, client, make, login, subject_document):
    subject, owner, document = subject_document
    colleague = make.user(Role.ENTERPRISE, subject=subject)  # the same unit, another account
    with app.app_context():
        with pytest.raises(Refused, match="只有上传人"):
            operations.withdraw_document(Document.get_by_id(document.id), reason="不要了", by=colleague)
    login(make.user(Role.ENTERPRISE, subject=make.subject()))  # another unit: not found
    assert client.post(f"/pool/documents/{document.id}/withdraw", data={"reason": "x"}).status_code == 404
    with app.app_context():
        assert Document.get_by_id(document.id).withdrawn_at is None


def test_an_upload_is_not_undone_by_withdrawal_of_another(app, make, subject_document):
    """Withdrawing one document leaves the others in force."""
    subject, owner, document = subject_document
    with app.app_context():
        other = uploads.save(PDF, "pdf", "能源审计.pdf", "subject", subject.id, user=owner)
        operations.withdraw_document(Document.get_by_id(document.id), reason="作废", by=owner)
        assert [d.id for d in Document.of("subject", subject.id)] == [other.id]
