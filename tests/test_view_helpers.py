"""Issue 18 item 5: the helpers views share (blueprints/views.py): me(), fragment_or_page(), inline_answer(),
beside_field() and peewee's get_object_or_404 in place of the hand-written x_or_404 functions."""
import pytest
from flask import get_flashed_messages

from blueprints import views
from core.bounds import MAX_ID
from models import Role
from rules import Refused

HTMX = {"HX-Request": "true"}


@pytest.fixture
def rendered(monkeypatch):
    """render_template replaced by a recorder: the template's name and the context's keys."""
    monkeypatch.setattr(views, "render_template", lambda name, **context: f"{name}|{','.join(sorted(context))}")


def test_fragment_or_page_answers_htmx_with_the_fragment(app, rendered):
    with app.test_request_context("/", headers=HTMX):
        assert views.fragment_or_page("_rows.html", "page.html", page=1, filters={}) == "_rows.html|filters,page"
    with app.test_request_context("/"):
        assert views.fragment_or_page("_rows.html", "page.html", page=1) == "page.html|page"
    # the browser restoring history asks with HX-Request too, and needs the whole page
    with app.test_request_context("/", headers={**HTMX, "HX-History-Restore-Request": "true"}):
        assert views.fragment_or_page("_rows.html", "page.html") == "page.html|"


def test_inline_answer_htmx_renders_the_row_and_triggers_only_on_a_change(app):
    with app.test_request_context("/", method="POST", headers=HTMX):
        response = views.inline_answer(None, "/back", lambda: "<tr>saved</tr>", trigger="plan-changed")
        assert response.status_code == 200 and response.get_data(as_text=True) == "<tr>saved</tr>"
        assert response.headers["HX-Trigger"] == "plan-changed"
        response = views.inline_answer("请填写说明", "/back", lambda: "<tr>请填写说明</tr>", trigger="plan-changed")
        assert response.status_code == 200  # a refusal is 200 too: the row carries the message
        assert "请填写说明" in response.get_data(as_text=True) and "HX-Trigger" not in response.headers
        assert get_flashed_messages() == []


def test_inline_answer_without_htmx_flashes_and_goes_back_without_rendering(app):
    def row():
        raise AssertionError("nothing is rendered for a redirect")

    with app.test_request_context("/", method="POST"):
        response = views.inline_answer(None, "/plans/items/3", row, trigger="plan-changed", done="已记录。")
        assert response.status_code == 302 and response.headers["Location"] == "/plans/items/3"
        assert get_flashed_messages(with_categories=True) == [("success", "已记录。")]
    with app.test_request_context("/", method="POST"):
        views.inline_answer("核查日期不能晚于今天", "/back", row)
        assert get_flashed_messages(with_categories=True) == [("danger", "核查日期不能晚于今天")]


def test_beside_field_puts_a_refusal_beside_its_field_or_says_it_has_none(app):
    from blueprints.pool.forms import PoolStatusForm

    with app.test_request_context("/", method="POST", data={"status": "exited"}):
        form = PoolStatusForm()
        assert views.beside_field(form, Refused("退出培育库须填写原因", field="reason"))
        assert form.reason.errors == ["退出培育库须填写原因"]
        assert views.beside_field(form, Refused("别的说明"), fallback="status")
        assert form.status.errors[-1] == "别的说明"
        assert not views.beside_field(form, Refused("与字段无关", field="no_such_field"))


def test_me_is_the_logged_in_user_object(app, client, make, login):
    user = make.user(Role.STAFF)
    login(user)
    with client:
        client.get("/")
        assert views.me().id == user.id and type(views.me()).__name__ == "User"


@pytest.mark.parametrize("path", ["/pool/subjects/{}", "/plans/{}", "/agencies/{}", "/listing/publicity/{}",
                                  "/recommend/rounds/{}", "/upkeep/incidents/{}/reported", "/applications/{}"])
def test_missing_objects_are_not_found(client, make, login, path):
    login(make.user(Role.STAFF))
    for object_id in (987654, MAX_ID, MAX_ID + 1, 10**30):  # past MAX_ID the route's converter refuses it first
        method = client.post if path.endswith("reported") else client.get
        assert method(path.format(object_id)).status_code == 404, path.format(object_id)


def test_an_enterprise_does_not_find_another_subjects_application(client, make, login):
    application = make.application(ready=False)
    other = make.pooled_subject()
    login(make.user(Role.ENTERPRISE, subject=other))
    assert client.get(f"/applications/{application.id}").status_code == 404


def test_errors_flashed_is_for_a_form_no_longer_on_its_page(client, make, login):
    """The agency declared meanwhile: its declaration card is gone, so the message comes as a flash."""
    agency = make.agency()  # declared at registration
    login(make.user(Role.AGENCY, agency=agency))
    response = client.post("/agency/declare", data={})
    assert response.status_code == 302 and response.headers["Location"].endswith("/agency/")
    assert "请阅读并勾选第二十四条承诺" in client.get("/agency/").get_data(as_text=True)


def test_filter_bars_share_the_macro_and_keep_the_chosen_values(client, make, login):
    """The filter bars of the applications, engagements and agencies lists and the public list come from
    templates/macros/filters.html: labelled fields, the current filter selected, a GET form (a filtered list is a link)."""
    login(make.user(Role.STAFF))
    pages = {
        "/applications/?status=submitted&year=2030": ('id="application-filters"', '<option value="submitted" selected>',
                                                     'id="a-year" name="year" value="2030"'),
        "/agencies/engagements?status=accepted": ('id="engagement-filter"', '<option value="accepted" selected>',
                                                  '<label class="form-label small mb-0" for="e-status">状态</label>'),
        "/agencies/?status=pending": ('id="agency-filters"', '<option value="pending" selected>', 'for="ag-status"'),
        "/list?kind=park": ('id="list-filters"', '<option value="park" selected>', 'hx-target="#list-results"'),
    }
    for path, needles in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert 'method="get"' in html
        for needle in needles:
            assert needle in html, (path, needle)
