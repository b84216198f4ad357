"""Rough edges a clerk trips over (issue 18): names after a rename, who did what in a timeline."""
from playhouse.test_utils import count_queries

from core import audit
from models import Role, Subject


def test_the_navbar_shows_the_enterprise_name_as_it_is_now(client, make, login, db_conn):
    subject = make.subject(name="旧名称乳业有限公司")
    user = make.user(Role.ENTERPRISE, display_name="旧名称乳业有限公司", subject=subject)
    login(user)
    Subject.update(name="新名称乳业有限公司").where(Subject.id == subject.id).execute()  # a decided change notice
    html = client.get("/my/").get_data(as_text=True)
    navbar = html.split("</nav>")[0]
    assert "新名称乳业有限公司" in navbar and "旧名称乳业有限公司" not in navbar


def test_a_timeline_names_people_not_login_names(client, make, login, db_conn):
    staff = make.user(Role.STAFF, username="wangxm", display_name="王晓明")
    subject = make.subject()
    audit.record("subject.note", subject, user=staff)
    login(staff)
    html = client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    assert "王晓明 · " in html and "wangxm · " not in html


def test_a_timeline_reads_every_name_at_once(client, make, login, db_conn):
    staff = make.user(Role.STAFF, display_name="王晓明")
    subject = make.subject(name="北辰乳业有限公司")
    enterprise = make.user(Role.ENTERPRISE, display_name="注册时的名字", subject=subject)
    agency_user = make.user(Role.AGENCY, display_name="机构账号", agency=make.agency(name="龙江湾节能咨询有限公司"))
    for user in (staff, enterprise, agency_user):
        audit.record("subject.note", subject, user=user)
    login(staff)
    with count_queries(only_select=True) as three_people:
        html = client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    assert "王晓明 · " in html and "北辰乳业有限公司 · " in html and "龙江湾节能咨询有限公司 · " in html
    assert "注册时的名字" not in html and "机构账号" not in html
    for n in range(3):
        audit.record("subject.note", subject, user=make.user(Role.STAFF, display_name=f"经办人{n}"))
    with count_queries(only_select=True) as six_people:
        client.get(f"/pool/subjects/{subject.id}")
    assert six_people.count == three_people.count


def test_a_disqualification_names_its_last_day_as_included():
    from datetime import date

    import rules
    reason = rules.agency_blocked_reason("disqualified", date(2029, 2, 28), date(2026, 3, 1))
    assert "至2029年2月28日（含）不采信" in reason and "前不采信" not in reason


def test_an_optional_date_left_blank_is_no_error_and_an_unreadable_one_is_one_message(app):
    """The veto row's 事件日期 is optional: blank is accepted (its save once reported an error after storing)."""
    from werkzeug.datastructures import MultiDict
    from wtforms import DateField
    from wtforms.validators import DataRequired, Optional

    from core.validation import Form

    class DatesForm(Form):
        class Meta:
            csrf = False

        when = DateField("日期", validators=[DataRequired("请填写日期")])
        event_on = DateField("事件日期", validators=[Optional()])

    with app.test_request_context():
        blank = DatesForm(formdata=MultiDict({"when": "2026-11-20", "event_on": ""}))
        assert blank.validate() and blank.errors == {}
        unreadable = DatesForm(formdata=MultiDict({"when": "2026-11-20", "event_on": "昨天"}))
        assert not unreadable.validate()
        assert unreadable.errors == {"event_on": ["请输入有效的日期，例如 2026-05-31"]}
        missing = DatesForm(formdata=MultiDict({"when": ""}))
        assert not missing.validate() and missing.errors == {"when": ["请填写日期"]}
