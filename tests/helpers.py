"""Factories for tests: gen_<model>(**overrides) in the CTFd style, gathered on one object.

The builders make the data most tests start from (a pooled subject, a listed one, an agency, an approved agency);
each takes keyword overrides and opens its own connection, so tests may call them inside or outside one."""
import itertools
from datetime import date

import rules
from core.identifiers import make_credit_code
from models import (
    Agency,
    AgencyStatus,
    Listing,
    ListingSource,
    PoolEntry,
    PoolStatus,
    Role,
    Rung,
    Subject,
    SubjectKind,
    SubjectStatus,
    User,
    db,
    local_now,
)

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

    def pooled_subject(self, year_admitted=None, owner=None, **overrides):
        """An admitted subject in the cultivation pool (admitted last year unless `year_admitted` says otherwise)."""
        subject = self.subject(**{"rung": Rung.POOL.value, **overrides})
        with db.connection_context():
            PoolEntry.create(subject=subject, owner=owner,
                             year_admitted=local_now().year - 1 if year_admitted is None else year_admitted)
        return subject

    def listed_subject(self, rung=Rung.MUNICIPAL.value, year=None, source=ListingSource.MUNICIPAL_REVIEW.value,
                       **overrides):
        """A pooled subject on the `rung` list of `year` (last year unless given), listed on 20 September."""
        year = local_now().year - 1 if year is None else year
        rung = getattr(rung, "value", rung)
        subject = self.subject(**{"rung": rung, **overrides})
        with db.connection_context():
            PoolEntry.create(subject=subject, year_admitted=year - 1, status=PoolStatus.LISTED.value)
            Listing.create(subject=subject, rung=rung, year=year, source=source, listed_on=date(year, 9, 20))
        return subject

    def agency(self, status=AgencyStatus.APPROVED.value, legal="刘建国", mid=12, senior=6, industries="14",
               kinds="factory", **extra):
        """An agency row as registered on the platform with its 第二十四条 declaration, in `status` (set directly;
        see approved_agency for one approved through the operations)."""
        extra.setdefault("declaration", rules.AGENCY_DECLARATION)  # 第二十四条, as made at registration
        extra.setdefault("declared_at", local_now())
        with db.connection_context():
            return Agency.create(name=extra.pop("name", f"测试评价机构{next(_serial)}有限公司"),
                                 credit_code=make_credit_code("239902", 80_000_000 + next(_serial)),
                                 legal_representative=legal, address="龙江湾市松源区科技路1号", contact_person="王五",
                                 contact_phone="0451-80000000", platform_registration_no="GIP-1", platform_approved=True,
                                 staff_mid_level=mid, staff_senior=senior, expertise_industries=industries,
                                 expertise_kinds=kinds, experience="经历", status=status, **extra)

    def approved_agency(self, by=None, **extra):
        """An agency approved by `by` (a new staff user if None) the way the bureau does it: every 第二十三条 item
        checked and met, then agencies.approve (audited)."""
        from blueprints.agencies import operations as agencies

        by = by or self.user(Role.STAFF)
        agency = self.agency(status=AgencyStatus.PENDING.value, **extra)
        with db.connection_context():
            for key, _, _ in rules.AGENCY_CONDITIONS:
                agencies.record_check(agency, key, "met", "已核对营业执照、办公场所证明、财务制度和近五年评价业绩", by)
            agencies.approve(agency, by, local_now().date())
            return Agency.get_by_id(agency.id)


_factory = Factory()
make_agency = _factory.agency  # for module-level helpers that have no `make` at hand
