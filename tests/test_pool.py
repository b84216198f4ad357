"""Registration, the queue's decisions, the entry checks (第六至八条, 第十五条), the pool list and the subject page."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from playhouse.test_utils import count_queries

import rules
from core import settings, uploads
from core.identifiers import make_credit_code
from models import (
    AuditEvent,
    Document,
    PoolEntry,
    PoolStatus,
    Role,
    Rung,
    Subject,
    SubjectKind,
    SubjectMessage,
    SubjectStatus,
    User,
    VetoCheck,
)

from .helpers import factory

pytestmark = pytest.mark.staff(login=True)


@pytest.fixture
def city(app):
    with app.app_context():
        settings.save({"districts": ["松源区", "临江区"], "bureau_name": "龙江湾市工业和信息化局",
                       "bureau_phone": "0451-88880000"})


def registration(**overrides):
    data = {
        "kind": "factory", "name": "龙江湾示范乳业有限公司", "credit_code": make_credit_code("239902", 777),
        "district": "松源区", "industry_code": "14 食品制造业", "address": "松源区工业大街1号",
        "legal_representative": "王建国", "contact_person": "李丽华", "contact_phone": "13900001111",
        "contact_email": "", "energy_efficiency_level": "", "username": "shifan", "password": "Register2026",
        "confirm": "Register2026",
    }
    data.update(overrides)
    return data


def checks_all_clear(subject, checker):
    factory.eligibility_checks(subject, by=checker)
    factory.veto_checks(subject, checked_on=date.today(), by=checker)


# --- public registration -------------------------------------------------------------------------

def test_registration_creates_pending_subject_and_account(client, city, db_conn):
    response = client.post("/register", data=registration())
    assert response.status_code == 302 and response.headers["Location"] == "/register/done"
    assert "接下来" in client.get("/register/done").get_data(as_text=True)
    subject = Subject.get(Subject.name == "龙江湾示范乳业有限公司")
    assert subject.status == SubjectStatus.PENDING.value and subject.industry_code == "14"
    assert subject.rung == Rung.INTEREST.value
    user = User.get(User.username == "shifan")
    assert user.role == Role.ENTERPRISE.value and user.subject_id == subject.id
    assert not user.must_change_password
    assert AuditEvent.get(AuditEvent.action == "subject.register").object_id == subject.id


def test_registration_accepts_full_width_lower_case_code(client, city, db_conn):
    code = make_credit_code("239902", 778)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code.lower())
    client.post("/register", data=registration(credit_code=full_width))
    assert Subject.get(Subject.credit_code == code)


def test_duplicate_credit_code_says_already_registered_and_how_to_reach_bureau(client, city, make, db_conn):
    existing = make.subject(credit_code=make_credit_code("239902", 777), name="已登记企业有限公司")
    response = client.post("/register", data=registration(credit_code=existing.credit_code))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "已登记" in html and "0451-88880000" in html
    assert Subject.select().count() == 1 and not User.select().where(User.username == "shifan").exists()


@pytest.mark.parametrize("field, value, message", [
    ("credit_code", "91239902000007771", "18 位"),
    ("name", "", "请输入名称"),
    ("district", "外市区", "不是有效的选择"),
    ("industry_code", "99", "GB/T 4754"),
    ("contact_phone", "abc", "电话号码格式不正确"),
    ("contact_email", "not-an-email", "邮箱格式不正确"),
    ("password", "short", "密码至少 10 位"),
    ("confirm", "Different2026", "两次输入的密码不一致"),
])
def test_registration_errors_beside_fields_keep_input(client, city, field, value, message, db_conn):
    response = client.post("/register", data=registration(**{field: value}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    assert "龙江湾示范乳业有限公司" in html or field == "name"  # what was typed is kept
    assert Subject.select().count() == 0 and User.select().count() == 0


def test_park_registration_needs_park_fields(client, city):
    html = client.post("/register", data=registration(kind="park")).get_data(as_text=True)
    assert "园区须填写管理机构" in html and "园区须填写工业增加值占比" in html


@pytest.mark.app_config(RATELIMIT_ENABLED=True)
def test_registration_is_rate_limited(app, client, city):
    codes = [client.post("/register", data=registration(name="")).status_code for _ in range(12)]
    assert codes[:10] == [200] * 10 and codes[-1] == 429


# --- the queue and admission -----------------------------------------------------------------------

def test_queue_lists_waiting_registrations(client, staff, make):
    make.subject(name="等待审核甲", status=SubjectStatus.PENDING.value)
    make.subject(name="已入库乙")
    html = client.get("/pool/registrations").get_data(as_text=True)
    assert "等待审核甲" in html and "已入库乙" not in html


@pytest.mark.parametrize("kind", [k.value for k in SubjectKind])
def test_each_checklist_blocks_admission_until_met(client, staff, make, kind, db_conn):
    subject = make.subject(kind=kind, status=SubjectStatus.PENDING.value, rung=Rung.INTEREST.value,
                           park_value_added_share=60.0 if kind == "park" else None)
    checks_all_clear(subject, staff)
    items = rules.eligibility_items(kind)
    assert len(items) == 4
    first_key, article, _ = items[0]
    client.post(f"/pool/subjects/{subject.id}/eligibility/{first_key}", data={"result": "unmet", "evidence": "x"})
    client.post(f"/pool/subjects/{subject.id}/admit", data={"year_admitted": "2026", "potential": "ordinary"})
    assert not PoolEntry.select().where(PoolEntry.subject == subject.id).exists()
    html = client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    assert f"{article}：不符合" in html
    client.post(f"/pool/subjects/{subject.id}/eligibility/{first_key}", data={"result": "met", "evidence": "已核"})
    response = client.post(f"/pool/subjects/{subject.id}/admit", data={"year_admitted": "2026", "potential": "high"})
    assert response.status_code == 302
    entry = PoolEntry.get(PoolEntry.subject == subject.id)
    assert entry.potential == "high" and entry.status == PoolStatus.CULTIVATING.value
    assert Subject.get_by_id(subject.id).rung == Rung.POOL.value
    assert AuditEvent.select().where(AuditEvent.action == "subject.admit").count() == 1


@pytest.mark.parametrize("veto_result, message", [("hit", "存在否决情形"), ("unknown", "尚未核查")])
def test_veto_hit_or_unknown_blocks_admission_citing_article_15(client, staff, make, veto_result, message, db_conn):
    subject = make.subject(status=SubjectStatus.PENDING.value, rung=Rung.INTEREST.value)
    checks_all_clear(subject, staff)
    client.post(f"/pool/subjects/{subject.id}/veto/dishonest_debtor",
                data={"result": veto_result, "source": "信用中国", "checked_on": date.today().isoformat(),
                      "event_on": date.today().isoformat()})  # a hit records its event's date (第十五条：近三年)
    response = client.post(f"/pool/subjects/{subject.id}/admit", data={"year_admitted": "2026", "potential": "ordinary"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "第十五条第六项" in html and message in html
    assert Subject.get_by_id(subject.id).status == SubjectStatus.PENDING.value


def test_park_share_of_fifty_percent_blocks_admission(client, staff, make):
    subject = make.subject(kind="park", status=SubjectStatus.PENDING.value, park_value_added_share=50.0,
                           park_management_body="管委会")
    checks_all_clear(subject, staff)
    html = client.post(f"/pool/subjects/{subject.id}/admit", data={"year_admitted": "2026", "potential": "ordinary"},
                       follow_redirects=True).get_data(as_text=True)
    assert "第七条第一项" in html and "超过 50%" in html


def test_check_rows_are_appended_and_inline_htmx_returns_the_row(client, staff, make, db_conn):
    subject = make.subject(status=SubjectStatus.PENDING.value)
    url = f"/pool/subjects/{subject.id}/veto/abnormal_operation"
    for result in ("unknown", "clear"):
        response = client.post(url, data={"result": result, "source": "信用中国", "checked_on": "2026-01-05"},
                               headers={"HX-Request": "true"})
        assert response.status_code == 200 and response.headers.get("HX-Trigger") == "checks-changed"
        assert 'id="veto-abnormal_operation"' in response.get_data(as_text=True) and "<html" not in response.get_data(as_text=True)
    assert [v.result for v in VetoCheck.select().order_by(VetoCheck.id)] == ["unknown", "clear"]


def test_veto_check_date_in_future_refused_in_the_row(client, staff, make, db_conn):
    subject = make.subject(status=SubjectStatus.PENDING.value)
    future = (date.today() + timedelta(days=400)).isoformat()
    response = client.post(f"/pool/subjects/{subject.id}/veto/abnormal_operation",
                           data={"result": "clear", "source": "信用中国", "checked_on": future},
                           headers={"HX-Request": "true"})
    assert "核查日期不能晚于今天" in response.get_data(as_text=True) and "HX-Trigger" not in response.headers
    assert VetoCheck.select().count() == 0


def test_unknown_check_item_is_404(client, staff, make):
    subject = make.subject()
    assert client.post(f"/pool/subjects/{subject.id}/eligibility/nope", data={"result": "met"}).status_code == 404
    assert client.post(f"/pool/subjects/{subject.id}/veto/nope", data={"result": "clear"}).status_code == 404
    assert client.get("/pool/subjects/9999").status_code == 404


def test_request_info_reply_and_decline_loop(client, make, login, db_conn):
    subject = make.subject(status=SubjectStatus.PENDING.value, name="补材料企业有限公司")
    enterprise = make.user(Role.ENTERPRISE, subject=subject)
    staff = make.user(Role.STAFF)
    login(staff)
    client.post(f"/pool/subjects/{subject.id}/request-info", data={"reason": "请补充能源审计报告"})
    client.post("/logout")
    login(enterprise)
    html = client.get("/my/").get_data(as_text=True)
    assert "请补充能源审计报告" in html and "提交答复" in html
    client.post("/my/reply", data={"reason": "已上传能源审计报告"})
    client.post("/logout")
    assert Subject.get_by_id(subject.id).status == SubjectStatus.PENDING.value
    login(staff)
    client.post(f"/pool/subjects/{subject.id}/decline", data={"reason": "无实际生产"})
    client.post("/logout")
    login(enterprise)
    assert "无实际生产" in client.get("/my/").get_data(as_text=True)
    assert [m.kind for m in SubjectMessage.select().order_by(SubjectMessage.id)] == ["info_request", "reply", "decline"]
    actions = {e.action for e in AuditEvent.select()}
    assert {"subject.request_info", "subject.reply", "subject.decline"} <= actions


def test_decision_needs_a_reason(client, staff, make, db_conn):
    subject = make.subject(status=SubjectStatus.PENDING.value)
    client.post(f"/pool/subjects/{subject.id}/decline", data={"reason": ""})
    assert Subject.get_by_id(subject.id).status == SubjectStatus.PENDING.value


def test_admitted_subject_cannot_be_declined(client, staff, make):
    subject = make.subject()
    html = client.post(f"/pool/subjects/{subject.id}/decline", data={"reason": "x"}, follow_redirects=True).get_data(as_text=True)
    assert "只有待审核的登记可以不予受理" in html


# --- pool status ---------------------------------------------------------------------------------------

def test_exit_needs_reason_and_is_recorded(client, staff, make, db_conn):
    subject = make.subject(rung=Rung.POOL.value)
    entry = PoolEntry.create(subject=subject, year_admitted=2025)
    client.post(f"/pool/subjects/{subject.id}/pool-status", data={"status": "exited", "potential": "ordinary", "reason": ""})
    assert PoolEntry.get_by_id(entry.id).status == "cultivating"
    client.post(f"/pool/subjects/{subject.id}/pool-status",
                data={"status": "exited", "potential": "ordinary", "reason": "企业停产"})
    entry = PoolEntry.get_by_id(entry.id)
    assert entry.status == "exited" and entry.exit_reason == "企业停产" and entry.exited_on
    assert AuditEvent.get(AuditEvent.action == "pool.status")


# --- the pool list --------------------------------------------------------------------------------------

@pytest.fixture
def pool(make, staff, db_conn):
    subjects = [
        make.subject(name="北辰乳业有限公司", district="松源区", kind="factory", industry_code="14",
                     contact_phone="13812345678", rung=Rung.POOL.value),
        make.subject(name="临江纸业有限公司", district="临江区", kind="factory", industry_code="22", rung=Rung.POOL.value),
        make.subject(name="临江化工产业园", district="临江区", kind="park", industry_code="44", rung=Rung.POOL.value),
    ]
    for index, subject in enumerate(subjects):
        PoolEntry.create(subject=subject, year_admitted=2024 + index, owner=staff if index == 0 else None)
    return subjects


def test_pool_list_search_filters_and_masks_phones(client, pool):
    html = client.get("/pool/?q=乳业").get_data(as_text=True)
    assert "北辰乳业有限公司" in html and "临江纸业" not in html
    assert "138****5678" in html and "13812345678" not in html
    html = client.get("/pool/?district=临江区&kind=park").get_data(as_text=True)
    assert "临江化工产业园" in html and "临江纸业" not in html and "共 1 条" in html
    html = client.get(f"/pool/?q={pool[1].credit_code[:10]}").get_data(as_text=True)
    assert "临江纸业有限公司" in html


def test_pool_list_htmx_returns_only_results(client, pool):
    fragment = client.get("/pool/?q=临江", headers={"HX-Request": "true"})
    full = client.get("/pool/?q=临江")
    assert "<html" not in fragment.get_data(as_text=True) and "<html" in full.get_data(as_text=True)
    assert "HX-Request" in fragment.headers["Vary"]
    assert "临江纸业有限公司" in fragment.get_data(as_text=True)


def test_pool_list_sorts_and_ignores_bad_parameters(client, pool):
    html = client.get("/pool/?sort=name&page=abc&year=x&owner=zz").get_data(as_text=True)
    assert html.index("临江化工产业园") < html.index("北辰乳业有限公司")


def test_pool_list_query_count_does_not_grow_with_rows(app, client, pool, make, db_conn):
    with count_queries() as few:
        client.get("/pool/")
    for _ in range(10):
        subject = make.subject()
        PoolEntry.create(subject=subject, year_admitted=2026)
    with count_queries() as many:
        client.get("/pool/")
    assert many.count == few.count <= 16, (few.count, many.count)


def test_export_has_exactly_the_filtered_rows(client, pool):
    response = client.get("/pool/export?district=临江区")
    sheet = load_workbook(io.BytesIO(response.data)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["临江化工产业园", "临江纸业有限公司"]
    assert sheet["A1"].value == "序号" and sheet.freeze_panes == "A2"
    assert sheet["C2"].data_type == "s" and sheet["C2"].number_format == "@"


def test_subject_page_shows_ladder_standard_checks_and_timeline(client, staff, make):
    subject = make.subject(industry_code="31", rung=Rung.POOL.value)
    client.post(f"/pool/subjects/{subject.id}/eligibility/legal_entity", data={"result": "met", "evidence": "执照"})
    html = client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    assert 'ladder-current">培育库' in html
    assert "钢铁行业绿色工厂评价要求" in html and "第二十二条" in html
    assert "第六条第一项" in html and "第十五条第六项" in html
    assert "记录入库条件核查" in html  # timeline from the audit trail


def test_staff_edit_records_changes(client, staff, make, city, db_conn):
    subject = make.subject(district="松源区")
    data = {k: getattr(subject, k) or "" for k in ("kind", "name", "credit_code", "district", "industry_code", "address",
                                                   "legal_representative", "contact_person", "contact_phone")}
    data["name"] = "改名后的企业有限公司"
    response = client.post(f"/pool/subjects/{subject.id}/edit", data=data)
    assert response.status_code == 302
    assert Subject.get_by_id(subject.id).name == "改名后的企业有限公司"
    event = AuditEvent.get(AuditEvent.action == "subject.update")
    assert event.details_dict["changes"]["name"][1] == "改名后的企业有限公司"


def test_staff_registers_on_behalf(client, staff, city, db_conn):
    data = registration()
    for key in ("username", "password", "confirm"):
        data.pop(key)
    response = client.post("/pool/subjects/new", data=data)
    assert response.status_code == 302
    subject = Subject.get(Subject.name == "龙江湾示范乳业有限公司")
    assert subject.source == "staff" and not User.select().where(User.subject == subject).exists()


# --- the enterprise's own subject -----------------------------------------------------------------------

def test_enterprise_sees_and_edits_only_its_own(client, make, login, city, db_conn):
    own = make.subject(name="自己的企业有限公司", district="松源区")
    other = make.subject(name="别人的企业有限公司")
    user = make.user(Role.ENTERPRISE, subject=own)
    login(user)
    assert "自己的企业有限公司" in client.get("/my/").get_data(as_text=True)
    assert client.get(f"/pool/subjects/{other.id}").status_code == 403
    assert client.get("/pool/").status_code == 403
    data = {k: getattr(own, k) or "" for k in ("kind", "name", "credit_code", "district", "industry_code", "address",
                                               "legal_representative", "contact_person", "contact_phone")}
    data["credit_code"] = make_credit_code("239902", 999)
    html = client.post("/my/edit", data=data).get_data(as_text=True)
    assert "不能自行修改统一社会信用代码" in html
    data["credit_code"] = own.credit_code
    data["contact_person"] = "新联系人"
    assert client.post("/my/edit", data=data).status_code == 302
    assert Subject.get_by_id(own.id).contact_person == "新联系人"


def test_enterprise_documents_are_its_own(app, client, make, login):
    own = make.subject()
    other = make.subject()
    login(make.user(Role.ENTERPRISE, subject=own))
    pdf = b"%PDF-1.4 test"
    client.post("/my/documents", data={"file": (io.BytesIO(pdf), "营业执照.pdf"), "purpose": "营业执照"},
                content_type="multipart/form-data")
    with app.test_request_context():
        mine = Document.get(Document.owner_type == "subject", Document.owner_id == own.id)
        theirs = uploads.save(pdf, "pdf", "x.pdf", "subject", other.id)
    assert client.get(f"/documents/{mine.id}").data == pdf
    assert client.get(f"/documents/{theirs.id}").status_code == 404


def test_upload_refused_by_content_shows_message(client, make, login, db_conn):
    login(make.user(Role.ENTERPRISE, subject=make.subject()))
    html = client.post("/my/documents", data={"file": (io.BytesIO(b"MZ\x90 exe"), "报告.pdf")},
                       content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "不是允许的类型" in html
    assert Document.select().count() == 0


def test_enterprise_without_subject_gets_404(client, make, login):
    login(make.user(Role.ENTERPRISE))
    assert client.get("/my/").status_code == 404


def test_other_roles_cannot_use_enterprise_pages(client, make, login):
    login(make.user(Role.AGENCY))
    assert client.get("/my/").status_code == 403
