"""Issue 17, item 1: a signed round is frozen. The sign-off stores the round's facts and the package built from them,
with its SHA-256 on the round and in the audit trail; every later download (web and CLI) gives the same bytes,
whatever changes afterwards. A draft says 草稿 inside every document."""
import hashlib
import io
import json
import zipfile
from datetime import timedelta

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook

import rules
from blueprints.recommend import operations as recommend
from blueprints.upkeep import operations as upkeep
from models import (
    AuditEvent,
    ChangeNotice,
    RecommendationRound,
    Role,
    RoundPackage,
    Subject,
    VetoCheck,
)

from .test_recommend import TODAY, YEAR, applicant, decide_all, open_round, row_of


@pytest.fixture
def staff(staff, bureau):
    """The staff user, with the city and bureau settings saved."""
    return staff


def _signed_round(app, make, staff, client, login):
    a, b = applicant(app, make, staff, "冻结甲企业有限公司"), applicant(app, make, staff, "冻结乙企业有限公司")
    round_ = open_round(app, staff)
    decide_all(round_, staff, [(a, 1), (b, None)])
    login(make.user(Role.ADMIN))
    assert client.post(f"/recommend/rounds/{round_.id}/sign").status_code == 302
    assert RecommendationRound.get_by_id(round_.id).locked
    return round_, a, b


def _download(client, round_):
    response = client.get(f"/recommend/rounds/{round_.id}/package.zip")
    assert response.status_code == 200
    return response.data


def test_a_signed_round_downloads_the_same_bytes_whatever_changes(app, client, make, login, staff, db_conn):
    round_, a, b = _signed_round(app, make, staff, client, login)
    first = _download(client, round_)
    signed = RecommendationRound.get_by_id(round_.id)
    digest = hashlib.sha256(first).hexdigest()
    assert signed.package_sha256 == digest  # recorded in the round …
    sign_event = AuditEvent.select().where(AuditEvent.action == "recommend.sign").get()
    assert json.loads(sign_event.details)["sha256"] == digest  # … and in the audit trail
    frozen = recommend.stored_snapshot(signed)
    assert [r["subject"]["name"] for r in frozen["rows"]] == ["冻结甲企业有限公司", "冻结乙企业有限公司"]
    assert frozen["rows"][0]["checks"] and frozen["rows"][0]["decision"] == "recommend"
    assert bytes(RoundPackage.get(RoundPackage.round == signed).content) == first

    # after sign-off: a veto hit is recorded, a change is decided, the subject is renamed
    subject = Subject.get_by_id(a.subject_id)
    VetoCheck.create(subject=subject, condition_key=rules.VETO_CONDITIONS[0][0], result="hit", source="信用中国",
                     checked_on=TODAY, event_on=TODAY - timedelta(days=5))
    with app.test_request_context():
        notice = upkeep.declare_change(Subject.get_by_id(a.subject_id), kind="name", description="更名",
                                       new_name="改名后企业有限公司", by=staff)
        upkeep.decide_change(ChangeNotice.get_by_id(notice.id), accepted=True, still_meets=True,
                             verification="已核实营业执照", by=staff)  # renames it
        assert Subject.get_by_id(a.subject_id).name == "改名后企业有限公司"

    assert _download(client, round_) == first

    # the CLI writes the same bytes
    import tempfile
    with tempfile.TemporaryDirectory() as directory:
        out = f"{directory}/r.zip"
        result = app.test_cli_runner().invoke(args=["recommend", "build", "--year", str(YEAR), "--out", out])
        assert result.exit_code == 0, result.output
        with open(out, "rb") as fh:
            assert fh.read() == first

    # a correction is a new version, built from today's data (the renamed subject, the hit)
    with app.test_request_context():
        copy = recommend.new_version(RecommendationRound.get_by_id(round_.id), by=staff)
    draft = client.get(f"/recommend/rounds/{copy.id}/package.zip?draft=1").data
    names = zipfile.ZipFile(io.BytesIO(draft)).namelist()
    assert any("改名后企业有限公司" in n for n in names)
    assert not any("改名后企业有限公司" in n for n in zipfile.ZipFile(io.BytesIO(first)).namelist())


def test_a_round_signed_twice_over_time_keeps_the_sign_off_date_in_its_documents(app, client, make, login, staff, db_conn):
    round_, _, _ = _signed_round(app, make, staff, client, login)
    first = _download(client, round_)
    archive = zipfile.ZipFile(io.BytesIO(first))
    for info in archive.infolist():
        signed_on = RecommendationRound.get_by_id(round_.id).signed_at.date()
        assert info.date_time[:3] == (signed_on.year, signed_on.month, signed_on.day)


def _texts(docx_bytes):
    doc = DocxDocument(io.BytesIO(docx_bytes))
    headers = [p.text for s in doc.sections for h in (s.header, s.even_page_header) for p in h.paragraphs]
    return [p.text for p in doc.paragraphs], headers


def test_a_draft_says_draft_inside_every_document(app, client, make, login, staff, db_conn):
    a, b = applicant(app, make, staff, "标记甲企业有限公司"), applicant(app, make, staff, "标记乙企业有限公司")
    round_ = open_round(app, staff)
    decide_all(round_, staff, [(a, 1), (b, None)])
    login(staff)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/recommend/rounds/{round_.id}/package.zip?draft=1").data))
    documents = [n for n in archive.namelist() if n.endswith(".docx")]
    assert len(documents) == 3  # cover and two opinions
    for name in documents:
        paragraphs, headers = _texts(archive.read(name))
        title = next(p for p in paragraphs if p.startswith("关于"))
        assert "草稿" in title, name
        assert "草稿（未签发）" in headers, name
    sheet = load_workbook(io.BytesIO(archive.read("01-推荐汇总表.xlsx"))).active
    assert "草稿" in sheet.title and sheet.oddHeader.center.text == "草稿（未签发）"

    # signed: no 草稿 anywhere
    recommend.sign(RecommendationRound.get_by_id(round_.id), by=make.user(Role.ADMIN))
    signed = zipfile.ZipFile(io.BytesIO(client.get(f"/recommend/rounds/{round_.id}/package.zip").data))
    for name in [n for n in signed.namelist() if n.endswith(".docx")]:
        paragraphs, headers = _texts(signed.read(name))
        assert not [t for t in paragraphs + headers if "草稿" in t], name


def test_a_draft_is_rebuilt_from_todays_data(app, client, make, login, staff, db_conn):
    application = applicant(app, make, staff, "草稿变化企业有限公司")
    round_ = open_round(app, staff)
    decide_all(round_, staff, [(application, 1)])
    login(staff)
    before = client.get(f"/recommend/rounds/{round_.id}/package.zip?draft=1").data
    recommend.decide(row_of(round_, application), rank=None, decision="not_recommend", opinion="暂不予推荐",
                     exception_reason="", by=staff, today=TODAY)
    assert client.get(f"/recommend/rounds/{round_.id}/package.zip?draft=1").data != before


def test_the_signed_rounds_page_shows_the_checks_it_was_signed_on(app, client, make, login, staff, db_conn):
    """A veto hit recorded after sign-off changes neither the package nor the signed round's page."""
    application = applicant(app, make, staff, "页面冻结企业有限公司")
    round_ = open_round(app, staff)
    decide_all(round_, staff, [(application, 1)])
    recommend.sign(RecommendationRound.get_by_id(round_.id), by=staff)
    login(make.user(Role.ADMIN))
    before = client.get(f"/recommend/rounds/{round_.id}").get_data(as_text=True)
    VetoCheck.create(subject=application.subject, condition_key="dishonest_debtor", result="hit",
                     source="中国执行信息公开网", checked_on=TODAY, event_on=TODAY)
    after = client.get(f"/recommend/rounds/{round_.id}").get_data(as_text=True)
    assert 'id="frozen-note"' in after and "存在否决情形" not in after
    assert before.count("未通过") == after.count("未通过")
