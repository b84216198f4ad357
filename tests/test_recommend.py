"""The provincial recommendation round (第十四、十五、二十一条): checks, opinions, ranks, sign-off, versions, package."""
import hashlib
import io
import re
import zipfile
from datetime import timedelta

import pytest
from docx import Document as DocxDocument
from openpyxl import load_workbook

import rules
from blueprints.applications import operations as apps
from blueprints.recommend import operations as recommend
from core import uploads
from models import (
    Application,
    Document,
    PoolEntry,
    Recommendation,
    RecommendationRound,
    Role,
    Rung,
    VetoCheck,
    local_now,
)
from rules import Refused

from .test_filing import annex_lines

YEAR = local_now().year
TODAY = local_now().date()
PDF = b"%PDF-1.4 x"


@pytest.fixture
def staff(staff, bureau):
    """The staff user, with the city and bureau settings saved."""
    return staff


def applicant(app, make, staff, name, score=88, veto_age_days=10):
    subject = make.subject(name=name, rung=Rung.POOL.value)
    with app.test_request_context():
        PoolEntry.create(subject=subject, year_admitted=YEAR - 1)
        for key, _, _ in rules.VETO_CONDITIONS:
            VetoCheck.create(subject=subject, condition_key=key, result="clear", source="信用中国",
                             checked_on=TODAY - timedelta(days=veto_age_days))
        application = apps.create(subject, YEAR, rung="provincial", method="self", claimed_score=score,
                                  national_intent=False, by=staff)
        application.report = uploads.save(PDF, "pdf", "r.pdf", "application", application.id, purpose="evaluation_report")
        application.save()
        for key, _ in rules.APPLICATION_MATERIALS["factory"]:
            uploads.save(PDF, "pdf", f"{key}.pdf", "application", application.id, purpose=key)
        apps.submit(application, by=staff)
    return application


def open_round(app, staff):
    with app.test_request_context():
        return recommend.open_round(YEAR, by=staff)


def row_of(round_, application):
    return Recommendation.get(Recommendation.round == round_, Recommendation.application == application)


def red_titles(application):
    return [c.title for c in recommend.red(recommend.checks(Application.get_by_id(application.id), today=TODAY))]


def test_all_green_for_a_clean_applicant(app, make, staff):
    assert red_titles(applicant(app, make, staff, "合格企业有限公司")) == []


@pytest.mark.parametrize("cause, title", [
    ("not_pooled", "已纳入市级培育库或市级名单"),
    ("stale_veto", "否决项均未发现且在有效期内核查"),
    ("veto_hit", "否决项均未发现且在有效期内核查"),
    ("missing_material", "申报材料齐全"),
    ("low_score", "评价得分达到合格线"),
])
def test_each_check_turns_red_on_its_own_cause(app, make, staff, cause, title, db_conn):
    application = applicant(app, make, staff, f"检查{cause}有限公司",
                            score=75 if cause == "low_score" else 88)
    if cause == "stale_veto":  # gone stale after submitting (a stale check refuses the submission itself)
        VetoCheck.update(checked_on=TODAY - timedelta(days=400)).execute()
    elif cause == "not_pooled":
        PoolEntry.delete().execute()
    elif cause == "veto_hit":
        VetoCheck.create(subject=application.subject, condition_key="dishonest_debtor", result="hit", checked_on=TODAY)
    elif cause == "missing_material":
        Document.update(withdrawn_at=local_now()).where(Document.purpose == "license").execute()
    assert red_titles(application) == [title]


def test_exception_needs_a_written_reason_that_goes_into_the_opinion(app, make, staff, db_conn):
    application = applicant(app, make, staff, "例外企业有限公司")
    PoolEntry.delete().execute()
    round_ = open_round(app, staff)
    row = row_of(round_, application)
    with pytest.raises(Refused, match="须写明理由"):
        recommend.decide(row, rank=1, decision="recommend", opinion="同意推荐", exception_reason="", by=staff,
                         today=TODAY)
    recommend.decide(row, rank=1, decision="recommend", opinion="同意推荐", exception_reason="该企业为省级重点项目，已申请入库",
                     by=staff, today=TODAY)
    assert Recommendation.get_by_id(row.id).exception_reason.startswith("该企业")


def test_ranks_must_differ_and_decisions_need_opinions(app, make, staff, db_conn):
    first = applicant(app, make, staff, "甲企业有限公司")
    second = applicant(app, make, staff, "乙企业有限公司")
    round_ = open_round(app, staff)
    recommend.decide(row_of(round_, first), rank=1, decision="recommend", opinion="同意", exception_reason="",
                     by=staff, today=TODAY)
    with pytest.raises(Refused, match="排序 1 已被 甲企业有限公司 使用"):
        recommend.decide(row_of(round_, second), rank=1, decision="recommend", opinion="同意", exception_reason="",
                         by=staff, today=TODAY)
    with pytest.raises(Refused, match="请填写推荐意见"):
        recommend.decide(row_of(round_, second), rank=2, decision="recommend", opinion="", exception_reason="",
                         by=staff, today=TODAY)
    with pytest.raises(Refused, match="须填写排序"):
        recommend.decide(row_of(round_, second), rank=None, decision="recommend", opinion="同意",
                         exception_reason="", by=staff, today=TODAY)


def decide_all(round_, staff, ranks):
    for application, rank in ranks:
        decision = "recommend" if rank else "not_recommend"
        recommend.decide(row_of(round_, application), rank=rank, decision=decision,
                         opinion=f"意见{application.subject.name}", exception_reason="",
                         by=staff, today=TODAY)


def test_sign_off_locks_and_a_new_version_keeps_both(app, make, staff, db_conn):
    a, b = applicant(app, make, staff, "甲企业有限公司"), applicant(app, make, staff, "乙企业有限公司")
    round_ = open_round(app, staff)
    with pytest.raises(Refused, match="尚未形成推荐意见"):
        recommend.sign(round_, by=staff)
    decide_all(round_, staff, [(a, 2), (b, 1)])
    recommend.sign(RecommendationRound.get_by_id(round_.id), by=staff)
    signed = RecommendationRound.get_by_id(round_.id)
    with pytest.raises(Refused, match="已签发"):
        recommend.decide(row_of(signed, a), rank=3, decision="recommend", opinion="改", exception_reason="",
                         by=staff, today=TODAY)
    copy = recommend.new_version(signed, by=staff)
    assert [(r.version, r.status) for r in RecommendationRound.select().order_by(RecommendationRound.version)] == \
        [(1, "signed"), (2, "draft")]
    assert [r.application.subject.name for r in recommend.ordered(copy)] == ["乙企业有限公司", "甲企业有限公司"]


def test_the_package(app, client, make, login, staff):
    a, b, c = (applicant(app, make, staff, n) for n in ("甲企业有限公司", "乙企业有限公司", "丙企业有限公司"))
    round_ = open_round(app, staff)
    decide_all(round_, staff, [(a, 2), (b, 1), (c, None)])
    login(make.user(Role.ADMIN))
    assert client.get(f"/recommend/rounds/{round_.id}/package.zip").status_code == 302  # unsigned: not by default
    assert client.get(f"/recommend/rounds/{round_.id}/package.zip?draft=1").status_code == 200
    client.post(f"/recommend/rounds/{round_.id}/sign")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/recommend/rounds/{round_.id}/package.zip").data))
    names = archive.namelist()
    lines = archive.read(names[0]).decode("utf-8").strip().splitlines()[1:]
    for line in lines:
        name, size, digest = line.split("\t")
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest and len(archive.read(name)) == int(size)
    assert len(lines) == len(names) - 1 == 6  # cover, summary, three opinions, data.json
    sheet = load_workbook(io.BytesIO(archive.read("01-推荐汇总表.xlsx"))).active
    assert [sheet.cell(row=r, column=3).value for r in (2, 3, 4)] == ["乙企业有限公司", "甲企业有限公司", "丙企业有限公司"]
    assert sheet["N2"].value == "推荐" and sheet["N4"].value == "不推荐"
    opinion = DocxDocument(io.BytesIO(archive.read([n for n in names if "甲企业" in n][0])))
    assert "意见甲企业有限公司" in "\n".join(p.text for p in opinion.paragraphs)
    cover = "\n".join(p.text for p in DocxDocument(io.BytesIO(archive.read("推荐函.docx"))).paragraphs)
    assert "择优推荐2家" in cover.replace(" ", "") and "龙江湾市工业和信息化局" in cover
    # 附件1 is file 01: the letter's 附件说明 numbers the annexes as the files are numbered
    annexes = annex_lines(archive.read("推荐函.docx"))
    files = {int(name[:2]): name for name in names if name[:2].isdigit() and not name.startswith("00-")}
    assert sorted(annexes) == sorted(files) == [1, 2, 3, 4]
    assert annexes[1] == "推荐汇总表" and all(annexes[n].replace("推荐意见", "") in files[n] for n in (2, 3, 4))
    assert re.search(rf"〔{YEAR}〕\d+号", cover) and "__号" not in cover  # signed: its 发文字号 is issued


def test_decision_shows_on_subject_and_enterprise_pages_once_signed(app, client, make, login, staff, db_conn):
    application = applicant(app, make, staff, "展示企业有限公司")
    round_ = open_round(app, staff)
    decide_all(round_, staff, [(application, 1)])
    enterprise = make.user(Role.ENTERPRISE, subject=application.subject)
    login(enterprise)
    assert 'id="recommendation-decision"' not in client.get("/my/").get_data(as_text=True)
    recommend.sign(RecommendationRound.get_by_id(round_.id), by=staff)
    assert "省级推荐：<strong>推荐</strong>" in client.get("/my/").get_data(as_text=True)


def test_htmx_save_returns_the_row_with_its_error(app, client, make, login, staff):
    application = applicant(app, make, staff, "行内企业有限公司")
    round_ = open_round(app, staff)
    row = row_of(round_, application)
    login(staff)
    html = client.post(f"/recommend/recommendations/{row.id}", headers={"HX-Request": "true"},
                       data={f"r{row.id}-rank": "1", f"r{row.id}-decision": "recommend", f"r{row.id}-opinion": ""}
                       ).get_data(as_text=True)
    assert "请填写推荐意见" in html and "<html" not in html
    html = client.post(f"/recommend/recommendations/{row.id}", headers={"HX-Request": "true"},
                       data={f"r{row.id}-rank": "1", f"r{row.id}-decision": "recommend", f"r{row.id}-opinion": "同意推荐"}
                       ).get_data(as_text=True)
    assert "第 1 位" in html


def test_a_row_saved_after_the_round_was_signed_elsewhere_says_so(app, client, make, login, staff, db_conn):
    application = applicant(app, make, staff, "另窗企业有限公司")
    round_ = open_round(app, staff)
    decide_all(round_, staff, [(application, 1)])
    row = row_of(round_, application)
    recommend.sign(RecommendationRound.get_by_id(round_.id), by=staff)  # in another tab, by a colleague
    login(staff)
    html = client.post(f"/recommend/recommendations/{row.id}", headers={"HX-Request": "true"},
                       data={f"r{row.id}-rank": "1", f"r{row.id}-decision": "recommend",
                             f"r{row.id}-opinion": "改过的意见"}).get_data(as_text=True)
    assert "已签发" in html and "本次修改未保存" in html and "改过的意见" in html  # said, and the text not lost
    assert Recommendation.get_by_id(row.id).opinion != "改过的意见"


def test_cli_refuses_an_unsigned_round_without_draft(runner, app, make, staff, tmp_path):
    application = applicant(app, make, staff, "命令行企业有限公司")
    round_ = open_round(app, staff)
    decide_all(round_, staff, [(application, 1)])
    out = tmp_path / "r.zip"
    result = runner.invoke(args=["recommend", "build", "--year", str(YEAR), "--out", str(out)])
    assert result.exit_code != 0 and "--draft" in result.output and not out.exists()
    result = runner.invoke(args=["recommend", "build", "--year", str(YEAR), "--out", str(out), "--draft"])
    assert result.exit_code == 0 and zipfile.ZipFile(out).namelist()[0] == "00-文件清单.txt"
