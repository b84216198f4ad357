"""Hostile text (issue 15): control characters are cleaned from every form's input and invisible or bidi characters
refused in one-line fields; text stored before that (or in an append-only audit row) never breaks a document."""
import importlib
import io
import os
import pkgutil
import re
import zipfile
from datetime import date, timedelta

from docx import Document as DocxDocument
from openpyxl import load_workbook
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField, TextAreaField

import blueprints
import rules
from core import audit, documents, settings, validation
from core.identifiers import make_credit_code
from models import (
    Agency,
    Application,
    AuditEvent,
    Complaint,
    CultivationPlan,
    EligibilityCheck,
    Engagement,
    Listing,
    Objection,
    PlanItem,
    PlanTarget,
    PoolEntry,
    Role,
    Rung,
    Subject,
    User,
    local_now,
)

from .helpers import make_agency
from .test_agencies import registration as agency_registration
from .test_pool import registration

YEAR = local_now().year
TODAY = local_now().date()
FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff"  # what XML 1.0 (and so .xlsx/.docx) cannot hold
INVISIBLE = "\u200b\u200e\u202e\u2066\ufeff"  # zero-width, bidi mark, override, isolate, BOM
ANY_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")


def dirty(text):
    """Text as it might sit in the database from before input was cleaned: every forbidden character inside
    (but NUL on PostgreSQL, whose text columns cannot hold it)."""
    forbidden = FORBIDDEN.replace("\x00", "") if os.environ.get("TEST_DATABASE_URL") else FORBIDDEN
    return text[:2] + forbidden + INVISIBLE + text[2:]


def clean(text):
    return not ANY_CONTROL.search(text or "")


# --- input: one place cleans every form -------------------------------------------------------------------------

def _every_form_class():
    for module in pkgutil.iter_modules(blueprints.__path__):
        try:
            importlib.import_module(f"blueprints.{module.name}.forms")
        except ModuleNotFoundError:
            continue
    found, todo = set(), [validation.Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__name__))


def test_every_text_field_of_every_form_is_cleaned(app, db_conn):
    """Every form of blueprints/*/forms.py derives from validation.Form, so every StringField loses control
    characters and refuses invisible ones, every TextAreaField keeps its lines, and passwords stay as typed."""
    classes = _every_form_class()
    assert len(classes) > 40
    checked = 0
    with app.test_request_context():
        settings.save({"districts": ["松源区"]})
        for form_class in classes:
            names = [name for name, value in vars(form_class).items() if hasattr(value, "field_class")]
            for base in form_class.__mro__[1:]:
                names += [name for name, value in vars(base).items() if hasattr(value, "field_class")]
            formdata = MultiDict({name: "甲\x01乙\t丙\r\n丁\x0b戊\u202e己" for name in names})
            form = form_class(formdata=formdata, meta={"csrf": False})
            for field in form:
                if isinstance(field, PasswordField) or not isinstance(field, StringField):
                    continue
                checked += 1
                where = f"{form_class.__name__}.{field.name}"
                if isinstance(field, TextAreaField):
                    assert "\x01" not in field.data and "\x0b" not in field.data and "\u202e" not in field.data, where
                    assert "丙\n丁" in field.data and "\t" in field.data, where
                else:
                    assert not re.search("[\x00-\x1f]", field.data or ""), (where, field.data)
                    assert validation.no_invisible in field.validators, where
            for field in form:
                if isinstance(field, PasswordField):
                    assert field.data == "甲\x01乙\t丙\r\n丁\x0b戊\u202e己"
    assert checked > 80


def test_the_filters_and_the_validator():
    assert validation.single_line(" a\x01b\tc\r\nd\x7f ") == " ab c  d "
    assert validation.multi_line("a\r\nb\rc\x0bd\u200be\tf") == "a\nb\ncde\tf"
    assert validation.single_line(None) is None and validation.multi_line(5) == 5


def test_registration_edit_and_staff_edit_store_clean_text_and_refuse_invisible(app, client, make, login, db_conn):
    settings.save({"districts": ["松源区", "临江区"], "bureau_name": "龙江湾市工业和信息化局"})
    html = client.post("/register", data=registration(name="龙江湾\u202e司公限有业乳")).get_data(as_text=True)
    assert validation.INVISIBLE_MESSAGE in html and 'is-invalid' in html  # beside the field, input kept
    assert not Subject.select().exists()
    response = client.post("/register", data=registration(name="龙江湾\x01示范\x0b乳业有限公司",
                                                           address="松源区\t工业大街\n1号\x1f"))
    assert response.status_code == 302
    subject = Subject.get()
    assert subject.name == "龙江湾示范乳业有限公司" and subject.address == "松源区 工业大街 1号"
    subject.status = "admitted"
    subject.save()
    client.post("/logout")
    login(make.user(Role.ENTERPRISE, subject=subject))
    data = {k: getattr(subject, k) or "" for k in ("kind", "name", "credit_code", "district", "industry_code", "address",
                                                   "legal_representative", "contact_person", "contact_phone")}
    html = client.post("/my/edit", data={**data, "contact_person": "李\u200b丽华"}).get_data(as_text=True)
    assert validation.INVISIBLE_MESSAGE in html
    assert client.post("/my/edit", data={**data, "contact_person": "李\x08丽华"}).status_code == 302
    client.post("/logout")
    login(make.user(Role.STAFF))
    assert client.post(f"/pool/subjects/{subject.id}/edit",
                       data={**data, "legal_representative": "王\x0c建国"}).status_code == 302
    html = client.post(f"/pool/subjects/{subject.id}/edit",
                       data={**data, "credit_code": "\u2066" + subject.credit_code}).get_data(as_text=True)
    assert validation.INVISIBLE_MESSAGE in html
    subject = Subject.get_by_id(subject.id)
    assert (subject.contact_person, subject.legal_representative) == ("李丽华", "王建国")


def test_other_free_text_forms_store_clean_text(app, client, make, login, db_conn):
    """Plans and their items, public reports, agency registration, objections, return reasons, change notices."""
    from blueprints.applications import operations as apps
    from blueprints.listing import operations as listing
    from models import ChangeNotice, Publicity

    from .test_applications import approved

    settings.save({"districts": ["松源区"], "bureau_name": "局", "city_name": "龙江湾"})
    staff = make.user(Role.STAFF)
    subject = make.subject(rung=Rung.POOL.value)
    PoolEntry.create(subject=subject, year_admitted=YEAR - 1)
    Listing.create(subject=subject, rung="municipal", year=YEAR - 1, source="municipal_review",
                   listed_on=date(YEAR - 1, 9, 1))
    response = client.post("/agencies/register", data=agency_registration(
        name="龙江湾\x01评价中心\x0b有限公司", experience="经历\x00一\r\n经历二"), content_type="multipart/form-data")
    assert response.status_code == 302
    client.post("/report", data={"target": f"s{subject.id}", "reporter_name": "张\x1b三", "reporter_contact": "1390000",
                                 "matter": "事项\x07\r\n第二行", "no_evidence_reason": "口头\x07反映"})
    application = approved(app, make, staff)
    publicity = listing.open_publicity(YEAR, start_date=TODAY, by=staff)
    client.post(f"/publicity/{publicity.id}", data={"application": application.id, "name": "李\x02四",
                                                    "contact": "13900000000", "content": "异议\x0c内容"})
    returned = make.application(by=staff)
    apps.submit(returned, by=staff)
    login(staff)
    client.post("/plans/new", data={"year": str(YEAR), "title": "计划\x01名称"})
    plan = CultivationPlan.get()
    client.post(f"/plans/{plan.id}/items", data={"subject_id": subject.id, "target_rung": "municipal"})
    item = PlanItem.get()
    client.post(f"/plans/items/{item.id}", data={"target_rung": "municipal", "owner": "", "note": "意见\x0b一\r\n二"})
    client.post(f"/applications/{returned.id}/return", data={"reason": "缺\x03材料"})
    client.post("/logout")
    login(make.user(Role.ENTERPRISE, subject=subject))
    client.post("/my/changes", data={"kind": "name", "new_name": "新\x01名称", "description": "说明\x1e"})
    agency = Agency.get()
    assert agency.name == "龙江湾评价中心有限公司" and agency.experience == "经历一\n经历二"
    complaint = Complaint.get()
    assert complaint.reporter_name == "张三" and complaint.matter == "事项\n第二行"
    objection = Objection.get()
    assert (objection.name, objection.content) == ("李四", "异议内容")
    assert CultivationPlan.get().title == "计划名称" and PlanItem.get().note == "意见一\n二"
    assert clean(Application.get_by_id(returned.id).return_reason)
    notice = ChangeNotice.get()
    assert (notice.new_name, notice.description) == ("新名称", "说明")
    assert Publicity.select().count() == 1


# --- output: text already stored never breaks a document ----------------------------------------------------------

def test_the_helpers():
    assert documents.xml_safe("a" + FORBIDDEN + "b\t\n\r") == "ab\t\n\r" and documents.xml_safe(3) == 3
    assert documents.safe_cell("\x01=1+1") == "'=1+1"
    assert documents.safe_filename("a/b\\c:\x01\u202e\n.docx") == "a_b_c_.docx"
    assert documents.safe_filename("\x01\u200b", "x") == "x"
    data = documents.xlsx_table(dirty("标题"), [dirty("列"), "数", "日期"], [[dirty("名称"), 1, date(2026, 1, 1)]])
    sheet = load_workbook(io.BytesIO(data)).active
    assert (sheet.title, sheet["B1"].value, sheet["B2"].value) == ("标题" + INVISIBLE, "列" + INVISIBLE,
                                                                   "名称" + INVISIBLE)
    doc = documents.OfficialDocument(date(2026, 1, 1))
    doc.title(dirty("标题"))
    doc.paragraph(dirty("正文"))
    doc.heading(dirty("一、"))
    doc.annexes([dirty("附件")])
    doc.table([dirty("表头")], [[dirty("单元格")]])
    doc.signature(dirty("局"))
    written = DocxDocument(io.BytesIO(doc.to_bytes(dirty("作者"))))
    text = "\n".join(p.text for p in written.paragraphs)
    assert "标题" + INVISIBLE in text and "正文" + INVISIBLE in text and "局" + INVISIBLE in text and clean(text)
    assert written.tables[0].cell(1, 1).text == "单元" + INVISIBLE + "格"
    assert written.core_properties.author == "作者" + INVISIBLE


def test_audit_labels_are_stored_clean(app, make, db_conn):
    subject = make.subject(name=dirty("企业有限公司"))
    with app.test_request_context():
        event = audit.record("subject.update", subject)
        assert event.object_label == "企业有限公司"


def _seed_everything_dirty(app, make):
    """Every kind of stored text an export reads, dirty, written straight to the database as before the fix."""
    from blueprints.filing.operations import readiness
    from blueprints.plans import operations as plans
    from blueprints.recommend import operations as recommend
    from blueprints.upkeep import operations as upkeep

    from .test_filing import CITY, checked
    from .test_recommend import applicant

    with app.test_request_context():
        settings.save({**CITY, "bureau_name": dirty("龙江湾市工业和信息化局"), "bureau_contact": dirty("王晓明"),
                       "city_name": dirty("龙江湾市")})
    staff = make.user(Role.STAFF, display_name=dirty("工作人员"))
    subjects = [make.subject(name=dirty(f"备案企业{n}有限公司"), address=dirty("地址"), contact_person=dirty("联系人"),
                             rung=Rung.POOL.value, district="松源区", credit_code=make_credit_code("239902", 880 + n))
                for n in range(3)]
    with app.test_request_context():
        for subject in subjects:
            PoolEntry.create(subject=subject, year_admitted=YEAR - 1, owner=staff, exit_reason=dirty("原因"))
            checked(subject)
        plan = plans.create_plan(YEAR, title=dirty(f"{YEAR}年培育计划"), by=staff)
        plan.goals, plan.measures = dirty("目标\n第二行"), dirty("措施")
        plan.save()
        plans.add_item(plan, subjects[0], target_rung="municipal", owner=staff, by=staff, note=dirty("意见"))
        PlanTarget.create(plan=plan, kind="factory", rung="municipal", count=1)
        plans.approve(plan, by=staff)
        Listing.create(subject=subjects[2], rung="municipal", year=YEAR, source="municipal_review",
                       listed_on=TODAY - timedelta(days=1))
        AuditEvent.create(user=staff, username=dirty("staff"), ip="127.0.0.1", action="subject.update",
                          object_type="subject", object_id=subjects[0].id, object_label=dirty("旧标签"),
                          details='{"name": "' + dirty("名称") + '"}')
        agency = make_agency(name=dirty("评价中心有限公司"), legal=dirty("刘建国"))
        Engagement.create(subject=subjects[1], agency=agency, purpose="evaluation", rung="municipal", year=YEAR,
                          proposed_by=staff)
        Listing.create(subject=subjects[1], rung="municipal", year=YEAR - 1, source="municipal_review",
                       listed_on=date(YEAR - 1, 9, 1))
        values = {key: "1" for key, *_ in rules.DYNAMIC_INDICATORS["factory"]}
        report, _, _ = upkeep.file_report(subjects[1], YEAR - 1, raw=values, by=staff, today=TODAY)
        upkeep.review_report(report, result="pass", opinion=dirty("审核意见"), by=staff)
        incident = upkeep.record_incident(subjects[2], occurred_on=TODAY, kind="safety", grade="major",
                                          source=dirty("来源"),
                                          description=dirty("经过\n影响"), by=staff)
        incident.grade_note = dirty("重大")  # a free-text grade from before grades were a choice (第二十九条)
        incident.save()
        assert [item.title for item in readiness(YEAR) if not item.ok] == []
    a = applicant(app, make, staff, dirty("甲企业有限公司"))
    b = applicant(app, make, staff, dirty("乙/企业:有限公司"))
    with app.test_request_context():
        for application in (a, b):  # pooled too: the filing wants their admission checks
            for key, _, _ in rules.eligibility_items(application.subject.kind):
                EligibilityCheck.create(subject=application.subject, item_key=key, result="met")
        assert [item.title for item in readiness(YEAR) if not item.ok] == []
        round_ = recommend.open_round(YEAR, by=staff)
        for application, rank in ((a, 1), (b, 2)):
            row = [r for r in recommend.ordered(round_) if r.application_id == application.id][0]
            recommend.decide(row, rank=rank, decision="recommend", opinion=dirty("推荐意见"), exception_reason="",
                             by=staff, today=TODAY)
        Application.update(return_reason=dirty("理由")).execute()
        User.update(display_name=dirty("用户")).execute()
    return {"plan": plan, "incident": incident, "round": round_}


def _readable(response, path):
    assert response.status_code == 200, (path, response.status_code)
    data = response.data
    if path.endswith(".docx"):
        paragraphs = [p.text for p in DocxDocument(io.BytesIO(data)).paragraphs]
        assert all(clean(p) for p in paragraphs), path
        return
    if path.endswith(".zip"):
        archive = zipfile.ZipFile(io.BytesIO(data))
        for name in archive.namelist():
            assert clean(name) and "/" not in name and ":" not in name, name
            if name.endswith(".xlsx"):
                load_workbook(io.BytesIO(archive.read(name)))
            elif name.endswith(".docx"):
                DocxDocument(io.BytesIO(archive.read(name)))
        return
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert cells and all(clean(v) for v in cells), path


def test_text_stored_before_the_fix_never_breaks_an_export(app, client, make, login, runner, tmp_path):
    seeded = _seed_everything_dirty(app, make)
    login(make.user(Role.ADMIN))
    plan, incident, round_ = seeded["plan"], seeded["incident"], seeded["round"]
    for path in ("/pool/export", "/list.xlsx", "/admin/audit/export", "/applications/export", "/agencies/export",
                 "/agencies/engagements/export", f"/plans/{plan.id}/plan.docx", f"/plans/{plan.id}/items.xlsx",
                 f"/upkeep/dynamic/opinion.docx?year={YEAR - 1}", f"/upkeep/incidents/{incident.id}/report.docx",
                 f"/recommend/rounds/{round_.id}/package.zip?draft=1"):
        response = client.get(path)
        _readable(response, path.split("?")[0])
        assert "\n" not in response.headers.get("Content-Disposition", ""), path
    sheet = load_workbook(io.BytesIO(client.get("/pool/export").data)).active
    assert "备案" + INVISIBLE + "企业0有限公司" in {c.value for row in sheet.iter_rows() for c in row}  # cleaned, kept
    out = tmp_path / "bundle.zip"
    result = runner.invoke(args=["filing", "build", "--year", str(YEAR), "--out", str(out),
                                 "--date", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(out)
    for name in archive.namelist():
        if name.endswith(".xlsx"):
            load_workbook(io.BytesIO(archive.read(name)))
        elif name.endswith(".docx"):
            text = "\n".join(p.text for p in DocxDocument(io.BytesIO(archive.read(name))).paragraphs)
            assert clean(text), name
