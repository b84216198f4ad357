"""A subject's recorded checks read as records; 修改 opens one row's form (htmx, or the page with that row open)."""
import re

import rules
from models import EligibilityCheck, Role, VetoCheck


def _forms_posting_to(html, fragment):
    return [form for form in re.findall(r"<form\b.*?</form>", html, re.S) if fragment in form]


def test_recorded_checks_read_as_records_and_unrecorded_ones_as_forms(client, make, login, db_conn):
    subject = make.pooled_subject()
    staff = make.user(Role.STAFF, display_name="经办人 李敏")
    make.veto_checks(subject, by=staff)
    first, *rest = rules.eligibility_items(subject.kind)
    for key, _, _ in rest:
        EligibilityCheck.create(subject=subject, item_key=key, result="met", checked_by=staff)
    login(staff)
    html = client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    assert not _forms_posting_to(html, "/veto/")  # every veto condition recorded: records, no forms
    assert len(_forms_posting_to(html, "/eligibility/")) == 1  # the one item not recorded keeps its form
    assert html.count(">修改</a>") == len(rules.VETO_CONDITIONS) + len(rest)
    assert "经办人 李敏" in html


def test_edit_opens_one_rows_form_filled_from_the_record(client, make, login, db_conn):
    subject = make.pooled_subject()
    make.veto_checks(subject, dishonest_debtor="hit", source="中国执行信息公开网")
    login(make.user(Role.STAFF))
    action = f"/pool/subjects/{subject.id}/veto/dishonest_debtor"
    row = client.get(action, headers={"HX-Request": "true"}).get_data(as_text=True)
    [form] = _forms_posting_to(row, action)
    assert '<option selected value="hit">' in form and 'id="veto-dishonest_debtor-source"' in form
    article = next(article for key, article, _ in rules.VETO_CONDITIONS if key == "dishonest_debtor")
    assert f'aria-label="修改{article}"' in client.get(f"/pool/subjects/{subject.id}").get_data(as_text=True)
    assert "取消</a>" in row  # back to the record, nothing saved
    record = client.get(action + "?read=1", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert not _forms_posting_to(record, action) and ">修改</a>" in record
    response = client.get(action)  # without htmx: the page, that row's form open
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/pool/subjects/{subject.id}?edit=veto-dishonest_debtor#veto-dishonest_debtor")
    page = client.get(f"/pool/subjects/{subject.id}?edit=veto-dishonest_debtor").get_data(as_text=True)
    assert len(_forms_posting_to(page, "/veto/")) == 1 and _forms_posting_to(page, action)
    assert client.get(f"/pool/subjects/{subject.id}/veto/no_such_condition", headers={"HX-Request": "true"}) \
        .status_code == 404
    # saving the opened form appends a new check and the row reads as the record again
    response = client.post(action, headers={"HX-Request": "true"},
                           data={"result": "clear", "source": "信用中国", "checked_on": "2026-01-05", "evidence": "已移出"})
    assert not _forms_posting_to(response.get_data(as_text=True), action) and "已移出" in response.get_data(as_text=True)
    assert VetoCheck.select().where(VetoCheck.subject == subject, VetoCheck.condition_key == "dishonest_debtor") \
        .count() == 2


def test_only_staff_open_a_check_rows_form(client, make, login, db_conn):
    subject = make.pooled_subject()
    make.veto_checks(subject)
    login(make.user(Role.ENTERPRISE, subject=subject))
    response = client.get(f"/pool/subjects/{subject.id}/veto/dishonest_debtor", headers={"HX-Request": "true"})
    assert response.status_code in (302, 403) and "<form" not in response.get_data(as_text=True)
