"""The bureau's calendar on the staff home page: each yearly deadline of the regulation, the days left,
and what is still missing (overdue in red)."""
from dataclasses import dataclass
from datetime import date

from flask import url_for

import rules
import settings
from models import Application, ApplicationStatus, Filing, Publicity, PublicityStatus, Rung


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


def _month_day(text, fallback):
    try:
        month, day = (int(part) for part in text.split("-"))
        date(2024, month, day)  # a leap year accepts 02-29
        return month, day
    except (ValueError, AttributeError):
        return fallback


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


def calendar(today):
    """The deadlines as of `today`, each with what is still missing."""
    values = settings.get_all()
    year = today.year
    waiting = Application.select().where(Application.year == year, Application.rung != Rung.MUNICIPAL.value,
                                         Application.status == ApplicationStatus.SUBMITTED.value).count()
    sent = Filing.select().where(Filing.year == year, Filing.sent_on.is_null(False)).exists()
    items = [
        _item("名单单位填报动态管理表", "第二十七条", rules.DYNAMIC_REPORT_DEADLINE, today,
              _dynamic_reports_missing(today), url_for("upkeep.dynamic_list", year=year - 1)),
        _item("市级向省厅推荐省级名单", "第十四条", _month_day(values["city_recommendation_due"], (7, 10)), today,
              f"{waiting} 份省级/国家级申报待形成推荐意见" if waiting else "",
              url_for("applications.application_list", year=year, status="submitted")),
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
    return sorted(items, key=lambda d: (not d.overdue, d.due))
