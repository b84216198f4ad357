"""第三十一条: once pooled or listed, an enterprise changes its name, credit code, kind, address and energy level only
through a change notice (变更申报); its contacts stay self-service; a pending registration edits everything."""
import pytest

from blueprints.pool import operations
from core import settings
from core.identifiers import make_credit_code
from models import AuditEvent, Role, Subject, local_now
from rules import Refused

HELD = ("name", "credit_code", "kind", "address", "energy_efficiency_level")
FIELDS = ("kind", "name", "credit_code", "district", "industry_code", "address", "legal_representative",
          "contact_person", "contact_phone", "contact_email", "energy_efficiency_level")


@pytest.fixture
def city(app):
    with app.app_context():
        settings.save({"districts": ["松源区", "临江区"], "bureau_name": "龙江湾市工业和信息化局",
                       "bureau_phone": "0451-88880000"})


def pooled(make, **overrides):
    return make.pooled_subject(year_admitted=local_now().year, energy_efficiency_level="2级", **overrides)


def form_data(subject, **changes):
    data = {key: getattr(subject, key) or "" for key in FIELDS}
    data.update(changes)
    return data


CRAFTED = {"name": "改名后的企业有限公司", "credit_code": make_credit_code("239902", 4242), "kind": "park",
           "address": "临江区新厂路8号", "energy_efficiency_level": "标杆水平"}


def test_held_fields_are_shown_read_only_with_a_link_to_the_change_notice(client, make, login, city, db_conn):
    subject = pooled(make, name="培育库内企业有限公司")
    login(make.user(Role.ENTERPRISE, subject=subject))
    html = client.get("/my/edit").get_data(as_text=True)
    for name in HELD:
        assert f'name="{name}"' not in html, name
        assert f'id="{name}-fixed"' in html and "readonly" in html.split(f'id="{name}-fixed"')[1].split(">")[0]
    assert 'value="培育库内企业有限公司"' in html and 'value="2级"' in html
    assert 'href="/my/changes"' in html and "变更申报" in html
    assert 'data-kind-only="park" hidden' in html  # no kind select to toggle it: a factory hides the park fields
    for name in ("contact_person", "contact_phone", "contact_email", "legal_representative"):
        assert f'name="{name}"' in html, name
    # the page's own form, as a browser posts it (no held fields), saves the contacts
    data = {key: value for key, value in form_data(subject, contact_person="新联系人", contact_phone="13900002222").items()
            if key not in HELD}
    assert client.post("/my/edit", data=data).status_code == 302
    saved = Subject.get_by_id(subject.id)
    assert (saved.contact_person, saved.contact_phone, saved.name) == ("新联系人", "13900002222", "培育库内企业有限公司")


@pytest.mark.parametrize("rung", ["pool", "municipal"])
def test_a_crafted_post_changing_a_held_field_is_refused_beside_it(client, make, login, city, rung, db_conn):
    subject = pooled(make) if rung == "pool" else make.subject(rung="municipal", energy_efficiency_level="2级")
    login(make.user(Role.ENTERPRISE, subject=subject))
    before = {key: getattr(Subject.get_by_id(subject.id), key) for key in FIELDS}
    for name, value in CRAFTED.items():
        extra = {"park_management_body": "园区管委会", "park_value_added_share": "60"} if name == "kind" else {}
        response = client.post("/my/edit", data=form_data(subject, contact_person="趁机改联系人", **{name: value}, **extra))
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        beside = html.split(f'id="{name}-fixed"')[1].split('<div class="mb-3')[0]
        assert "is-invalid" in html.split(f'id="{name}-fixed"')[0].rsplit("<input", 1)[1], name
        assert "不能自行修改" in beside and "变更申报" in beside, name
        assert {key: getattr(Subject.get_by_id(subject.id), key) for key in FIELDS} == before, name
    assert AuditEvent.select().where(AuditEvent.action == "subject.update").count() == 0


def test_only_pooled_or_listed_subjects_are_held(client, make, login, city, db_conn):
    """A registration still pending (or asked for more) edits everything; an admitted or listed one does not."""
    cases = [("pending", "interest", False), ("info_requested", "interest", False), ("admitted", "pool", True),
             ("admitted", "municipal", True)]
    for status, rung, held in cases:
        subject = make.subject(status=status, rung=rung)
        user = make.user(Role.ENTERPRISE, subject=subject)
        login(user)
        html = client.get("/my/edit").get_data(as_text=True)
        assert ('name="name"' not in html) is held, status
        response = client.post("/my/edit", data=form_data(subject, name=f"{status}{rung}新名称有限公司",
                                                          address="松源区新址路2号"))
        saved = Subject.get_by_id(subject.id)
        if held:
            assert response.status_code == 200 and saved.name == subject.name and saved.address == subject.address
            assert "请通过变更申报" in response.get_data(as_text=True)
        else:
            assert response.status_code == 302 and saved.name == f"{status}{rung}新名称有限公司"
        client.post("/logout")


def test_the_operation_refuses_too_and_staff_are_unaffected(client, make, login, city, db_conn):
    subject = pooled(make)
    enterprise = make.user(Role.ENTERPRISE, subject=subject)
    staff = make.user(Role.STAFF)
    data = {key: getattr(subject, key) for key in FIELDS}
    with pytest.raises(Refused, match="名称、地址.*变更申报"):
        operations.update_profile(subject, {**data, "name": "绕过表单有限公司", "address": "别处"}, by=enterprise)
    assert Subject.get_by_id(subject.id).name == subject.name
    login(staff)
    response = client.post(f"/pool/subjects/{subject.id}/edit", data=form_data(subject, name="经办人更正有限公司",
                                                                                 energy_efficiency_level="1级"))
    assert response.status_code == 302
    saved = Subject.get_by_id(subject.id)
    assert (saved.name, saved.energy_efficiency_level) == ("经办人更正有限公司", "1级")
