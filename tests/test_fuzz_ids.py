"""No number a user types reaches the database unbounded (issue 15 item 9).

Every route of `app.url_map` is requested with its int arguments replaced by huge, zero, negative and
non-numeric values, and every page with numeric query filters and form fields set to such values, as an
anonymous visitor and as staff and admin of the demo city. Nothing may answer 500.
"""
import re

import pytest

import demo
from core.bounds import BoundedIntConverter, int_in, year_in

HUGE = ["99999999999999999999", str(2**63), str(2**63 - 1), str(2**31)]
PATH_VALUES = ["99999999999999999999", str(2**63), str(2**31), "0", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩٠"]
QUERY_VALUES = ["99999999999999999999", str(2**63), "²", "abc", "9999-12-31"]
FORM_VALUES = ["99999999999999999999", str(2**63), str(2**31), "-1", "²", "1e999", "nan"]

# the query arguments and form fields that carry numbers somewhere on the site
QUERY_KEYS = ("year", "page", "owner", "status", "kind", "rung", "district", "industry", "q", "sort", "draft",
              "category", "date_from", "date_to", "username", "action", "object_type")
FORM_KEYS = ("year", "page", "agency_id", "subject_id", "expert", "owner", "rank", "score", "claimed_score",
             "staff_mid_level", "staff_senior", "qualifying_score", "key_cultivation_score",
             "veto_check_max_age_days", "experts_per_application", "target", "token", "method", "rung",
             "purpose", "target_rung", "year_admitted", "park_value_added_share", "decision", "outcome",
             "target-factory-municipal", "target-park-provincial", "item_ids", "subject_ids")
# posting these would end the session the sweep runs in
SKIP_POST = {"auth.logout", "auth.change_password", "admin.user_toggle_active", "admin.user_reset_password"}
ROLES = [None, "staff", "admin"]
# admin reaches every staff page; the other roles have pages of their own (/my/dynamic?year=…)
SWEEP_ROLES = [None, "admin", "enterprise", "agency", "expert1"]


@pytest.fixture
def city(app):
    with app.app_context():
        demo.load()


def _client(app, role):
    client = app.test_client()
    if role:
        response = client.post("/login", data={"username": role, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302
    return client


def _path(rule, int_value):
    """The rule's URL with every <int:...> set to int_value and every other argument to a harmless word."""
    path = re.sub(r"<int:[^>]+>", int_value, rule.rule)
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "x", path)


def _rules(app, method):
    return [rule for rule in app.url_map.iter_rules() if method in rule.methods and rule.endpoint != "static"]


def _sweep(client, requests):
    failures = []
    for method, url, kwargs in requests:
        response = client.open(url, method=method, **kwargs)
        if response.status_code >= 500:
            sent = kwargs.get("data") or kwargs.get("query_string") or {}
            failures.append(f"{method} {url} {next(iter(sent.values()), '')!r} → {response.status_code}")
    return failures


def test_the_int_converter_is_bounded(app):
    assert isinstance(app.url_map.converters["int"](app.url_map), BoundedIntConverter)
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/plans/2147483647")[1] == {"plan_id": 2147483647}
    for value in ("0", "2147483648", "99999999999999999999"):
        with pytest.raises(Exception) as caught:
            adapter.match(f"/plans/{value}")
        assert getattr(caught.value, "code", None) == 404


@pytest.mark.parametrize("text, expected", [
    ("2026", 2026), (" 2026 ", 2026), ("1999", None), ("2101", None), ("99999999999999999999", None),
    ("²", None), ("١٢", None), ("-2026", None), ("", None), (None, None), ("2026.0", None),
])
def test_year_in(text, expected):
    assert year_in(text) == expected


def test_int_in_bounds():
    assert int_in("2147483647") == 2147483647
    assert int_in("2147483648") is None and int_in("0") is None and int_in("1" * 5000) is None


def test_every_int_route_with_out_of_range_ids_answers_without_500(app, city):
    requests = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for value in PATH_VALUES:
            for method in sorted(rule.methods & {"GET", "POST"}):
                if method == "POST" and rule.endpoint in SKIP_POST:
                    continue
                requests.append((method, _path(rule, value), {"data": {"year": value}} if method == "POST" else {}))
    assert len(requests) > 300
    for role in ROLES:
        client = _client(app, role)
        failures = _sweep(client, requests)
        assert not failures, f"as {role or 'anonymous'}:\n" + "\n".join(failures)
        for value in HUGE:  # and the answer is 404 (or the login page), not some other object's page
            assert client.get(f"/publicity/{value}").status_code == 404
            assert client.get(f"/pool/subjects/{value}").status_code in (302, 404)


def test_every_page_with_out_of_range_query_filters_answers_without_500(app, city):
    requests = []
    for rule in _rules(app, "GET"):
        for value in QUERY_VALUES:
            requests.append(("GET", _path(rule, "1"), {"query_string": {key: value for key in QUERY_KEYS}}))
        requests.append(("GET", _path(rule, "1"), {"query_string": {key: HUGE[0] for key in QUERY_KEYS},
                                                  "headers": {"HX-Request": "true"}}))
    for role in SWEEP_ROLES:
        failures = _sweep(_client(app, role), requests)
        assert not failures, f"as {role or 'anonymous'}:\n" + "\n".join(failures)


def test_every_form_with_out_of_range_numbers_answers_without_500(app, city):
    requests = []
    for rule in _rules(app, "POST"):
        if rule.endpoint in SKIP_POST:
            continue
        for value in FORM_VALUES:
            requests.append(("POST", _path(rule, "1"), {"data": {key: value for key in FORM_KEYS}}))
    for role in SWEEP_ROLES:
        failures = _sweep(_client(app, role), requests)
        assert not failures, f"as {role or 'anonymous'}:\n" + "\n".join(failures)


def test_public_list_with_a_huge_year_or_page_is_an_ordinary_page(client, city):
    for url in ("/list?year=99999999999999999999", "/list?year=²", "/list?page=99999999999999999999",
                "/list.xlsx?year=99999999999999999999", "/list?year=2026&page=9223372036854775808"):
        assert client.get(url).status_code == 200, url
