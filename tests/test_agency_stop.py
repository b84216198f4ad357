"""第二十六条: a suspended or disqualified agency stops at once — its open engagements end with the reason, it reads
no more of its clients' documents, adds no notes, uploads no reports; everyone sees why the engagement ended."""
import io

import pytest

from blueprints.agencies import operations as agencies
from core import database, uploads
from models import AuditEvent, Document, Engagement, Role, db, local_now

from .helpers import make_agency

TODAY = local_now().date()
YEAR = TODAY.year
PDF = b"%PDF-1.4 client material"


def _engagements(make, staff, agency):
    """One engagement of each kind for the agency: proposed, active and completed, each with another subject."""
    proposed_for, active_for, completed_for = (make.subject(name=f"{label}对接企业有限公司")
                                               for label in ("待接受", "进行中", "已完成"))
    proposed = agencies.propose(proposed_for, agency, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                                today=TODAY)
    active = agencies.propose(active_for, agency, purpose="evaluation", rung="municipal", year=YEAR, by=staff,
                              today=TODAY)
    agencies.accept(active, by=staff, today=TODAY, declared=True)
    agencies.confirm(Engagement.get_by_id(active.id), by=staff, today=TODAY, note="企业电话确认")
    completed = agencies.propose(completed_for, agency, purpose="consulting", rung="municipal", year=YEAR,
                                 by=staff, today=TODAY)
    agencies.accept(completed, by=staff, today=TODAY, declared=True)
    agencies.confirm(Engagement.get_by_id(completed.id), by=staff, today=TODAY, note="企业电话确认")
    agencies.complete(Engagement.get_by_id(completed.id), by=staff, today=TODAY)
    return proposed, active, completed


def _statuses(*engagements):
    return [Engagement.get_by_id(e.id).status for e in engagements]


@pytest.mark.parametrize("stop, words", [
    (lambda agency, staff: agencies.suspend(agency, reason="年度抽查报告数据不实", by=staff), "暂停"),
    (lambda agency, staff: agencies.disqualify(agency, reason="评价报告弄虚作假", decided_on=TODAY, by=staff), "取消资格"),
], ids=["suspend", "disqualify"])
def test_stopping_ends_open_engagements_with_the_reason_each_audited(make, staff, stop, words, db_conn):
    agency = make_agency()
    proposed, active, completed = _engagements(make, staff, agency)
    stop(agency, staff)
    for engagement in (proposed, active):
        ended = Engagement.get_by_id(engagement.id)
        assert ended.status == "ended" and ended.ended_at is not None
        assert words in ended.ended_reason and ("抽查" in ended.ended_reason or "弄虚作假" in ended.ended_reason)
    assert Engagement.get_by_id(completed.id).status == "completed"  # finished work stays as it was
    audited = AuditEvent.select().where(AuditEvent.action == "engagement.end")
    assert sorted(e.details_dict["engagement"] for e in audited) == sorted([proposed.id, active.id])
    assert {e.object_id for e in audited} == {proposed.subject_id, active.subject_id}


def test_ending_is_one_transaction_with_the_status_change(make, staff, monkeypatch, db_conn):
    """If ending an engagement fails, the agency is not left suspended with live engagements."""
    agency = make_agency()
    _, active, _ = _engagements(make, staff, agency)

    record = agencies.audit.record

    def broken(action, *args, **kwargs):
        if action == "engagement.end":
            raise RuntimeError("写入失败")
        return record(action, *args, **kwargs)

    monkeypatch.setattr(agencies.audit, "record", broken)
    with pytest.raises(RuntimeError):
        agencies.suspend(agency, reason="抽查", by=staff)
    monkeypatch.undo()
    assert agencies.Agency.get_by_id(agency.id).status == "approved"
    assert _statuses(active) == ["active"]


def test_lifting_a_suspension_revives_nothing(make, staff, db_conn):
    agency = make_agency()
    proposed, active, completed = _engagements(make, staff, agency)
    agencies.suspend(agency, reason="抽查", by=staff)
    agencies.lift_suspension(agencies.Agency.get_by_id(agency.id), by=staff)
    assert agencies.Agency.get_by_id(agency.id).status == "approved"
    with pytest.raises(agencies.Refused, match="已终止.*暂停"):
        agencies.accept(Engagement.get_by_id(proposed.id), by=staff, today=TODAY, declared=True)
    with pytest.raises(agencies.Refused, match="已终止"):
        agencies.add_note(Engagement.get_by_id(active.id), text="继续", by=staff)
    assert _statuses(proposed, active, completed) == ["ended", "ended", "completed"]


def test_staff_route_ends_them_and_the_agency_stops_working(app, client, make, login, staff, db_conn):
    """Through the pages: before, the agency reads, notes and uploads; after the disqualification it does none."""
    agency = make_agency()
    _, active, completed = _engagements(make, staff, agency)
    with app.test_request_context():
        material = uploads.save(PDF, "pdf", "能源审计报告.pdf", "subject", active.subject_id, purpose="能源审计")
        earlier = uploads.save(PDF, "pdf", "往年材料.pdf", "subject", completed.subject_id, purpose="往年")
        report = uploads.save(PDF, "pdf", "评价报告初稿.pdf", "engagement", active.id, purpose="评价报告")
    agency_user = make.user(Role.AGENCY, agency=agency)
    login(agency_user)
    for document in (material, earlier, report):
        assert client.get(f"/documents/{document.id}").status_code == 200
    client.post("/logout")

    login(staff)
    client.post(f"/agencies/{agency.id}/disqualify", data={"category": "fraud", "reason": "评价报告弄虚作假", "decided_on": TODAY.isoformat()})
    client.post("/logout")
    assert _statuses(active, completed) == ["ended", "completed"]

    login(agency_user)
    for document in (material, earlier, report):
        assert client.get(f"/documents/{document.id}").status_code == 404
    html = client.get(f"/agency/engagements/{active.id}").get_data(as_text=True)
    assert "能源审计报告.pdf" not in html and "评价报告初稿.pdf" not in html and "评价报告弄虚作假" in html
    assert 'name="text"' not in html and 'type="file"' not in html
    html = client.get(f"/agency/engagements/{completed.id}").get_data(as_text=True)
    assert "往年材料.pdf" not in html and 'type="file"' not in html

    html = client.post(f"/agency/engagements/{active.id}/note", data={"text": "现场核查完成"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已终止" in html
    for engagement in (active, completed):
        html = client.post(f"/agency/engagements/{engagement.id}/report",
                           data={"file": (io.BytesIO(PDF), "评价报告.pdf")}, content_type="multipart/form-data",
                           follow_redirects=True).get_data(as_text=True)
        assert "上传失败" in html and "取消资格" in html
    assert "现场核查完成" not in Engagement.get_by_id(active.id).notes
    assert Document.select().where(Document.owner_type == "engagement").count() == 1


@pytest.mark.parametrize("status", ["suspended", "disqualified"])
def test_the_workspace_says_so_at_login(client, make, login, staff, status, db_conn):
    agency = make_agency()
    _, active, _ = _engagements(make, staff, agency)
    if status == "suspended":
        agencies.suspend(agency, reason="年度抽查报告数据不实", by=staff)
    else:
        agencies.disqualify(agency, reason="评价报告弄虚作假", decided_on=TODAY, by=staff)
    response = login(make.user(Role.AGENCY, agency=agency))
    html = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert 'id="agency-blocked"' in html and "原待接受和进行中的对接均已终止" in html
    assert "不能接受对接、查看培育对象的材料、记录进展或上传评价报告" in html
    assert "已终止" in html.split('id="my-engagements"')[1]


def test_enterprise_and_staff_see_why_it_ended(client, make, login, staff, db_conn):
    agency = make_agency(name="被暂停评价机构有限公司")
    _, active, _ = _engagements(make, staff, agency)
    agencies.suspend(agency, reason="年度抽查报告数据不实", by=staff)
    login(make.user(Role.ENTERPRISE, subject=active.subject))
    html = client.get("/my/").get_data(as_text=True)
    section = html.split('id="engagements"')[1]
    assert "被暂停评价机构有限公司" in section and "已终止" in section and "年度抽查报告数据不实" in section
    client.post("/logout")
    login(staff)
    for url in (f"/agencies/{agency.id}", f"/pool/subjects/{active.subject_id}", f"/agencies/match/{active.subject_id}",
                "/agencies/engagements"):
        html = client.get(url).get_data(as_text=True)
        assert "终止：机构已被暂停：年度抽查报告数据不实" in html, url


def test_migration_ends_what_older_data_left_open(app, make, staff, db_conn):
    """Engagements still open for an agency suspended before this change end when the schema is upgraded."""
    agency = make_agency(status="suspended")
    subject = make.subject()
    router = database.router()
    assert "013_agency_stop" in router.done
    while router.done[-1] != "013_agency_stop":  # later migrations first
        router.rollback()
    router.rollback()
    p, stamp = db.param, local_now().strftime("%Y-%m-%d %H:%M:%S")
    db.execute_sql("INSERT INTO engagement (subject_id, agency_id, purpose, rung, year, status, warning, notes, "
                   f"proposed_at, accepted_at) VALUES ({p}, {p}, 'evaluation', 'municipal', {p}, 'active', '', '', "
                   f"{p}, {p})", (subject.id, agency.id, YEAR, stamp, stamp))
    database.upgrade()
    engagement = Engagement.get(Engagement.subject == subject)
    assert engagement.status == "ended" and "第二十六条" in engagement.ended_reason and engagement.ended_at
