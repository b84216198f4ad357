"""Issue 17, item 4: recommendation opinions that read like a bureau wrote them — a title naming the year and the
list, prose from the facts, the six 第十五条 items with result, source and date, 第六至八条, the evaluation with its
band and standard (第二十二条), the conclusion with the rank within the list, the signature; Chinese dates, no
bracket inside a bracket, no "要求）要求"."""
import io
import re
import zipfile

import pytest
from docx import Document as DocxDocument

import rules
from blueprints.recommend import operations as recommend
from core.dates import chinese_date
from models import Application, RecommendationRound, Role, Subject

from .test_recommend import TODAY, YEAR, applicant, decide_all, open_round

NESTED = re.compile(r"（[^）]*（")
ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
BUREAU = "龙江湾市工业和信息化局"


@pytest.fixture
def staff(staff, bureau):
    """The staff user, with the city and bureau settings saved."""
    return staff


def _all_text(doc):
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return [p.text for p in doc.paragraphs] + cells


def _assert_clean(texts):
    for text in texts:
        assert not NESTED.search(text), text
        assert not ISO_DATE.search(text), text
        assert "要求）要求" not in text and "齐全（齐全）" not in text, text


def _signed_package(app, client, make, login, staff):
    a = applicant(app, make, staff, "松源绿色食品有限公司", score=92)
    b = applicant(app, make, staff, "松源第二食品有限公司", score=85)
    c = applicant(app, make, staff, "松源第三食品有限公司", score=86)
    round_ = open_round(app, staff)
    decide_all(round_, staff, [(a, 2), (b, 1), (c, None)])
    login(make.user(Role.ADMIN))
    client.post(f"/recommend/rounds/{round_.id}/sign")
    signed_on = RecommendationRound.get_by_id(round_.id).signed_at.date()
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/recommend/rounds/{round_.id}/package.zip").data))
    return archive, signed_on


def _opinion(archive, name):
    return DocxDocument(io.BytesIO(archive.read(next(n for n in archive.namelist() if name in n))))


def test_the_opinion_document_reads_like_a_bureau_wrote_it(app, client, make, login, staff):
    archive, signed_on = _signed_package(app, client, make, login, staff)
    doc = _opinion(archive, "松源绿色食品有限公司")
    paragraphs = [p.text for p in doc.paragraphs]
    assert f"关于推荐松源绿色食品有限公司申报{YEAR}年省级绿色工厂的意见" in paragraphs
    assert "省工业和信息化厅：" in paragraphs
    prose = next(p for p in paragraphs if "经我局初步审查，该单位" in p)
    assert prose.startswith("松源绿色食品有限公司，统一社会信用代码") and "所属行业为农副食品加工业，" in prose
    assert "已纳入我市绿色制造培育库" in prose and "（以下简称《实施细则》）第十五条所列情形" in prose
    assert "申报材料齐全" in prose and "得分92分（90 分及以上，重点培育推荐国家级）" in prose
    assert prose.endswith("符合《绿色工厂评价通则》（GB/T 36132）的要求，同意推荐。")
    for heading in ("一、否决情形核查情况", "二、申报条件符合情况", "三、评价情况", "四、审核结论"):
        assert heading in paragraphs

    # 第十五条: six items, each with result, source and date
    veto = doc.tables[0]
    rows = [[c.text for c in r.cells] for r in veto.rows]
    assert rows[0] == ["序号", "否决情形", "核查结果", "信息来源", "核查日期"]
    assert [r[1].split("：")[0] for r in rows[1:]] == [article for _, article, _ in rules.VETO_CONDITIONS]
    checked = chinese_date(TODAY - __import__("datetime").timedelta(days=10))
    assert all(r[2] == "未发现" and r[3] == "信用中国" and r[4] == checked for r in rows[1:])

    # 第六条: the entry conditions, with what is recorded (nothing here: 未核查)
    conditions = [[c.text for c in r.cells] for r in doc.tables[1].rows]
    assert [r[1].split("：")[0] for r in conditions[1:]] == [a for _, a, _ in rules.eligibility_items("factory")]
    assert any("第六条" in p for p in paragraphs if p.startswith("对照") or p.startswith("经核实"))

    # the evaluation: method, score, band (第十八条), standard (第二十二条)
    evaluation = next(p for p in paragraphs if p.startswith("该单位采用"))
    assert "自评价" in evaluation and "第十八条为“90 分及以上，重点培育推荐国家级”" in evaluation
    assert rules.applicable_standard("factory", "13") in evaluation and "第二十二条" in evaluation

    # the conclusion with the rank within the list, then the signature dated like an official document
    conclusion = next(p for p in paragraphs if p.startswith("审核结论："))
    assert conclusion == "审核结论：同意推荐，在我局本次推荐的2家省级绿色工厂中排序第2位，在推荐汇总表中列第2位。"
    assert paragraphs[-2:] == [BUREAU, chinese_date(signed_on)] or paragraphs[-3:-1] == [BUREAU, chinese_date(signed_on)]
    tail = doc.paragraphs[paragraphs.index(conclusion):]
    assert all(p.paragraph_format.keep_with_next for p in tail[:-1])  # kept on one page with the signature
    assert not any(p.paragraph_format.page_break_before for p in tail)
    _assert_clean(_all_text(doc))


def test_a_not_recommended_opinion_says_so_and_why(app, client, make, login, staff):
    archive, _ = _signed_package(app, client, make, login, staff)
    doc = _opinion(archive, "松源第三食品有限公司")
    paragraphs = [p.text for p in doc.paragraphs]
    assert f"关于松源第三食品有限公司申报{YEAR}年省级绿色工厂的审核意见" in paragraphs
    assert "审核结论：暂不予推荐。" in paragraphs
    assert "我局意见：意见松源第三食品有限公司" in paragraphs  # the staff's own words, as decided
    _assert_clean(_all_text(doc))


def test_every_document_of_the_package_is_clean(app, client, make, login, staff):
    archive, _ = _signed_package(app, client, make, login, staff)
    for name in archive.namelist():
        if name.endswith(".docx"):
            _assert_clean(_all_text(DocxDocument(io.BytesIO(archive.read(name)))))


@pytest.mark.parametrize("industry", ["13", "26", "14"])
def test_the_prefilled_opinion_is_prose_without_nested_brackets(app, make, staff, industry, db_conn):
    application = applicant(app, make, staff, f"行业{industry}企业有限公司", score=84.45)
    with app.test_request_context():
        Subject.update(industry_code=industry).where(Subject.id == application.subject_id).execute()
        application = Application.get_by_id(application.id)
        checks = recommend.checks(application, today=TODAY)
        text = recommend.default_opinion(application, check_list=checks, decision="recommend")
        assert text.startswith(f"行业{industry}企业有限公司，统一社会信用代码")
        assert "经我局初步审查，该单位已纳入我市绿色制造培育库" in text and text.endswith("同意推荐。")
        assert "得分84.5分（80 分及以上，合格）" in text
        refused = recommend.default_opinion(application, check_list=checks, decision="not_recommend")
        assert refused.endswith("经综合比选，暂不予推荐。")
    _assert_clean([text, refused])


def test_problems_are_written_as_findings(app, make, staff, db_conn):
    application = applicant(app, make, staff, "问题企业有限公司", score=88)
    with app.test_request_context():
        from models import PoolEntry
        PoolEntry.delete().where(PoolEntry.subject == application.subject_id).execute()
        application = Application.get_by_id(application.id)
        text = recommend.default_opinion(application, check_list=recommend.checks(application, today=TODAY),
                                         decision="not_recommend")
    assert "既未纳入我市绿色制造培育库，也未列入市级绿色制造名单" in text
    assert text.endswith("不符合推荐条件，暂不予推荐。")
    _assert_clean([text])
