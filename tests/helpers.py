"""Factories for tests: gen_<model>(**overrides) in the CTFd style, gathered on one object."""
import itertools

from identifiers import make_credit_code
from models import Role, Subject, SubjectKind, SubjectStatus, User, db

PASSWORD = "Testing12345"
_serial = itertools.count(1)


class Factory:
    def subject(self, **overrides):
        n = next(_serial)
        fields = dict(
            kind=SubjectKind.FACTORY.value,
            name=f"测试企业{n}有限公司",
            credit_code=make_credit_code("239902", 50_000_000 + n),
            district="松源区",
            industry_code="13",
            address="龙江湾市松源区测试路1号",
            legal_representative="张三",
            contact_person="李四",
            contact_phone="13800001234",
            status=SubjectStatus.ADMITTED.value,
        )
        fields.update(overrides)
        with db.connection_context():
            return Subject.create(**fields)

    def user(self, role=Role.STAFF.value, **overrides):
        n = next(_serial)
        role = getattr(role, "value", role)
        password = overrides.pop("password", PASSWORD)
        fields = dict(username=f"{role}{n}", display_name=f"{role} {n}", role=role)
        fields.update(overrides)
        user = User(**fields)
        user.set_password(password)
        with db.connection_context():
            user.save()
        return user
