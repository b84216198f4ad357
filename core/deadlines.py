"""The bureau's calendar on the staff home page: each yearly deadline of the regulation, the days left,
and what is still missing (overdue in red)."""
from dataclasses import dataclass
from datetime import date

from flask import url_for

import rules
from core import settings
from models import (
    Application,
    ApplicationStatus,
    Filing,
    Publicity,
    PublicityStatus,
    Recommendation,
    RecommendationRound,
    RoundStatus,
    Rung,
)

# A date the bureau sets itself (settings), where the article names none: shown as the source on the calendar.
BUREAU_SET = "本局设定"


@dataclass
class Deadline:
    title: str
    article: str
    due: date
    days_left: int  # negative: overdue
    missing: str  # empty when nothing is missing
    link: str

    @property
    def overdue(self):
        return self.days_left < 0 and bool(self.missing)


def next_due(month_day, today, done=False):
    """This year's date of a (month, day) deadline, or next year's once this year's has passed and is done."""
    due = rules.deadline_in(today.year, month_day)
    if due < today and done:
        due = rules.deadline_in(today.year + 1, month_day)
    return due, (due - today).days


def _item(title, article, month_day, today, missing, link):
    due, days = next_due(month_day, today, done=not missing)
    return Deadline(title, article, due, days, missing, link)


def _agency_reports_missing(year):
    from blueprints.agencies.operations import missing_annual_reports
    missing = len(missing_annual_reports(year))
    return f"{missing} 家已认可机构未报送" if missing else ""


def _dynamic_reports_missing(today):
    from blueprints.upkeep.operations import dynamic_report_status
    status = dynamic_report_status(today.year - 1, today)
    missing = len(status["missing"])
    return f"{missing} 家名单单位未填报{today.year - 1}年度动态管理表" if missing else ""


def undecided_recommendations(year):
    """第十四条: the year's provincial and national applications that no signed round has decided on yet."""
    decided = (Recommendation.select(Recommendation.application).join(RecommendationRound)
               .where(RecommendationRound.year == year, RecommendationRound.status == RoundStatus.SIGNED.value,
                      Recommendation.decision.is_null(False)))
    return (Application.select().where(Application.year == year,
                                       Application.rung.in_((Rung.PROVINCIAL.value, Rung.NATIONAL.value)),
                                       Application.status == ApplicationStatus.SUBMITTED.value,
                                       Application.id.not_in(decided))
            .count())


def calendar(today):
    """The deadlines as of `today`, each with what is still missing."""
    year = today.year
    waiting = undecided_recommendations(year)
    sent = Filing.select().where(Filing.year == year, Filing.sent_on.is_null(False)).exists()
    items = [
        _item("名单单位填报动态管理表", "第二十七条", rules.DYNAMIC_REPORT_DEADLINE, today,
              _dynamic_reports_missing(today), url_for("upkeep.dynamic_list", year=year - 1)),
        _item("省厅印发年度省级绿色制造名单申报通知（预计）", BUREAU_SET, settings.month_day("province_call_date"),
              today, "", ""),
        _item("市级向省厅推荐省级名单", BUREAU_SET, settings.month_day("city_recommendation_due"), today,
              f"{waiting} 份省级/国家级申报尚无已签发的推荐意见" if waiting else "",
              url_for("recommend.recommend_home")),
        _item("省厅向工信部推荐国家级名单", "第二十一条", rules.PROVINCE_TO_MINISTRY_DEADLINE, today, "", ""),
        _item("培育计划、培育库、市级名单报省厅备案", "第十四条", rules.FILING_DEADLINE, today,
              "" if sent else f"{year} 年备案材料尚未报送", url_for("filing.filing_page", year=year)),
        _item("第三方机构报送年度工作报告", "第二十五条", rules.AGENCY_REPORT_DEADLINE, today,
              _agency_reports_missing(year), url_for("agencies.annual_reports", year=year)),
    ]
    for publicity in Publicity.select().where(Publicity.status == PublicityStatus.OPEN.value):
        end = rules.publicity_end(publicity.start_date)
        items.append(Deadline(f"{publicity.year} 年市级名单公示期满", "第二十条", end, (end - today).days,
                              "期满后公布名单" if end >= today else "公示已期满，待公布名单",
                              url_for("listing.publicity_detail", publicity_id=publicity.id)))
    from blueprints.upkeep.operations import unreported_incidents
    unsent = unreported_incidents()
    if unsent:  # 第二十九条: 重大及以上 incidents go to the province at once, i.e. the day they are recorded
        due = unsent[0].recorded_at.date()
        items.append(Deadline("重大及以上事故事件实时报送省厅", "第二十九条", due, (due - today).days,
                              f"{len(unsent)} 起事故事件尚未标记报送省厅", url_for("upkeep.incident_list")))
    from blueprints.pool.operations import listed_with_veto_hits
    if flagged := listed_with_veto_hits():  # 第三十条第一项: a listed unit with a 第十五条 hit is up for removal review
        since = min(found_on for _, found_on in flagged)
        items.append(Deadline("名单单位存在第十五条情形，待移出审查", "第三十条", since, (since - today).days,
                              "、".join(subject.name for subject, _ in flagged),
                              url_for("pool.subject_detail", subject_id=flagged[0][0].id, _anchor="removal-review")))
    return sorted(items, key=lambda d: (not d.overdue, d.due))
