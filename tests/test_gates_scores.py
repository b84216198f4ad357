"""第十八条: the review's final score is compared exactly (the unrounded mean), shown rounded half up to one decimal,
and the bands are put into words from the bureau's thresholds in settings, never from literals."""
import io
import pathlib
import re
from datetime import timedelta
from decimal import Decimal

from openpyxl import load_workbook

import rules
from blueprints.applications import operations as apps
from blueprints.recommend import operations as recommend
from core import settings
from models import Application, ReviewAssignment, Role, local_now

YEAR = local_now().year
TODAY = local_now().date()
ROOT = pathlib.Path(__file__).resolve().parent.parent


def ready(app, make, staff, rung="municipal", claimed=85):
    """A pooled factory's complete application, submitted."""
    subject = make.pooled_subject()
    make.veto_checks(subject, checked_on=TODAY - timedelta(days=10))
    return make.application(subject, rung=rung, claimed_score=claimed, submitted=True, by=staff)


def scored(app, make, staff, scores):
    """A municipal application under review, every expert having given the score listed for them."""
    application = ready(app, make, staff)
    experts = [make.user(Role.EXPERT) for _ in scores]
    apps.start_review(application, by=staff)
    for expert, value in zip(experts, scores, strict=True):
        assignment = apps.assign(application, expert, by=staff)
        apps.declare(assignment, conflict=False, reason="", by=expert)
        apps.score(ReviewAssignment.get_by_id(assignment.id), value=value, comments="", by=expert)
    return application


def concluded(app, make, staff, scores):
    application = scored(app, make, staff, scores)
    return apps.conclude(Application.get_by_id(application.id), by=staff)


def test_article_18_qualifying_score_compares_the_exact_mean(app, make, staff):
    """Five experts at 79.99 do not qualify (the mean is 79.99, not "80.0"); 80 qualifies; 80.01 qualifies."""
    assert rules.score_band(rules.final_score([79.99] * 5)) == "failed"
    assert rules.score_band(rules.final_score([80] * 5)) == "qualified"
    assert rules.score_band(rules.final_score([80.01] * 5)) == "qualified"
    assert concluded(app, make, staff, [79.99] * 5) is False
    assert concluded(app, make, staff, [80] * 5) is True
    assert concluded(app, make, staff, [80.01, 80.01, 80.01]) is True


def test_article_18_key_cultivation_score_compares_the_exact_mean():
    """89.99 is not 重点培育, 90 is, 90.01 is: the mean is never rounded before it is compared."""
    values = {"qualifying_score": rules.QUALIFYING_SCORE, "key_cultivation_score": rules.KEY_CULTIVATION_SCORE}
    assert rules.score_band(rules.final_score([89.99] * 5)) == "qualified"
    assert "重点培育" not in rules.score_band_label(rules.final_score([89.99] * 5), values)
    assert rules.score_band(rules.final_score([90] * 5)) == "key"
    assert rules.score_band(rules.final_score([90.01, 90.01, 90.01])) == "key"
    assert rules.final_score([89.99] * 5) == Decimal("89.99")


def test_article_18_final_score_is_shown_rounded_half_up_but_compared_exactly(app, client, make, login, staff, db_conn):
    """A mean of 79.95 is shown as 80.0 (one decimal, half up) and still does not qualify."""
    application = scored(app, make, staff, [79.9, 80.0, 79.95])
    login(staff)
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    final = re.search(r'id="final-score">(.*?)</p>', html, re.S).group(1)
    assert "<strong>80.0</strong>" in final and "不合格" in final
    assert apps.conclude(Application.get_by_id(application.id), by=staff) is False
    assert Application.get_by_id(application.id).status == "rejected"
    assert str(rules.score_display(Decimal("79.95"))) == "80.0"
    assert str(rules.score_display(Decimal("79.94"))) == "79.9"
    assert str(rules.score_display(Decimal("80"))) == "80.0"


def test_article_18_band_labels_come_from_the_settings(app, client, make, login, staff, db_conn):
    """With the bureau's thresholds at 75 and 85, every label says 75 / 85: the detail page, the list, the export
    and the recommendation check."""
    settings.save({"qualifying_score": 75, "key_cultivation_score": 85})
    application = scored(app, make, staff, [78, 78, 78])
    key = scored(app, make, staff, [86, 86, 86])
    login(staff)
    html = client.get(f"/applications/{application.id}").get_data(as_text=True)
    assert "75 分及以上，合格" in html
    listing = client.get(f"/applications/?year={YEAR}").get_data(as_text=True)
    assert "85 分及以上，重点培育推荐国家级" in listing and "≥" not in listing
    sheet = load_workbook(io.BytesIO(client.get(f"/applications/export?year={YEAR}").data)).active
    bands = {row[1]: row[10] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert bands[application.subject.name] == "75 分及以上，合格"
    assert bands[key.subject.name] == "85 分及以上，重点培育推荐国家级"
    provincial = ready(app, make, staff, rung="provincial", claimed=78)
    with app.test_request_context():
        check = next(c for c in recommend.checks(Application.get_by_id(provincial.id),
                                                 today=TODAY) if c.article == "第十八条")
    assert check.ok and "75 分及以上，合格" in check.detail
    values = settings.get_all()
    assert rules.score_band_label(Decimal("74.99"), values) == "低于 75 分，不合格"
    assert rules.score_band_label(Decimal("75"), values) == "75 分及以上，合格"
    assert rules.score_band_label(Decimal("84.99"), values) == "75 分及以上，合格"
    assert rules.score_band_label(Decimal("85"), values) == "85 分及以上，重点培育推荐国家级"


def test_article_18_thresholds_are_not_written_into_routes_templates_or_documents():
    """The thresholds live in settings (defaults in rules.py): no "≥80", "≥90", "80 分" or "90 分" elsewhere."""
    literal = re.compile(r"[≥>]=?\s*[89]0(?!\d)|(?<![\d.])[89]0\s*分")
    files = [*ROOT.glob("blueprints/**/*.py"), *ROOT.glob("templates/**/*.html"), ROOT / "core" / "documents.py",
             ROOT / "rules.py"]
    found = [f"{path.relative_to(ROOT)}:{n}" for path in files
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if literal.search(line)]
    assert found == []
