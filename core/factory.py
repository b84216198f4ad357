"""Builders of the data most work starts from, gathered on one object in the CTFd gen_<model> style: a subject, a
user, a pooled or listed subject, an agency (approved through the operations or not) and an application ready to
submit. The tests (tests/helpers.py, the `make` fixture), demo.py and bench/ build with it.

Each builder takes keyword overrides, and opens a connection only when none is open, so it may be called inside or
outside `db.connection_context()` and inside `db.atomic()`. Builders that store files (an application's materials)
need an app context: the one in force, or the app given to the Factory."""
import itertools
from contextlib import ExitStack, nullcontext
from datetime import date

from flask import has_app_context

import rules
from core.identifiers import make_credit_code
from models import (
    Agency,
    AgencyStatus,
    EligibilityCheck,
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
    VetoCheck,
    db,
    local_now,
)

AGENCY_EVIDENCE = "已核对营业执照、办公场所证明、财务制度和近五年评价业绩"
_serial = itertools.count(1)


def placeholder_pdf(title):
    """The bytes of a stand-in PDF named `title` (uploads check the magic number only)."""
    return b"%PDF-1.4 " + title.encode()


def _connection():
    """A connection for one builder: the open one, or one opened and closed around it."""
    return db.connection_context() if db.is_closed() else nullcontext()


class Factory:
    def __init__(self, *, password, app=None):
        """`password`: every user's unless the call names one; `app`: pushed for builders that store files when
        no app context is in force."""
        self.password = password
        self.app = app

    def _app_context(self):
        stack = ExitStack()
        if self.app is not None and not has_app_context():
            stack.enter_context(self.app.app_context())
        stack.enter_context(_connection())
        return stack

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
        with _connection():
            return Subject.create(**fields)

    def user(self, role=Role.STAFF.value, **overrides):
        n = next(_serial)
        role = getattr(role, "value", role)
        password = overrides.pop("password", self.password)
        fields = dict(username=f"{role}{n}", display_name=f"{role} {n}", role=role)
        fields.update(overrides)
        user = User(**fields)
        user.set_password(password)
        with _connection():
            user.save()
        return user

    def pooled_subject(self, year_admitted=None, owner=None, **overrides):
        """An admitted subject in the cultivation pool (admitted last year unless `year_admitted` says otherwise)."""
        subject = self.subject(**{"rung": Rung.POOL.value, **overrides})
        with _connection():
            PoolEntry.create(subject=subject, owner=owner,
                             year_admitted=local_now().year - 1 if year_admitted is None else year_admitted)
        return subject

    def listed_subject(self, rung=Rung.MUNICIPAL.value, year=None, source=ListingSource.MUNICIPAL_REVIEW.value,
                       **overrides):
        """A pooled subject on the `rung` list of `year` (last year unless given), listed on 20 September."""
        year = local_now().year - 1 if year is None else year
        rung = getattr(rung, "value", rung)
        subject = self.subject(**{"rung": rung, **overrides})
        with _connection():
            PoolEntry.create(subject=subject, year_admitted=year - 1, status=PoolStatus.LISTED.value)
            Listing.create(subject=subject, rung=rung, year=year, source=source, listed_on=date(year, 9, 20))
        return subject

    def eligibility_checks(self, subject, *, by=None, **results):
        """A check of every 第七条 eligibility item of `subject`'s kind, met unless `results` says otherwise."""
        with _connection():
            return [EligibilityCheck.create(subject=subject, item_key=key, result=results.get(key, "met"),
                                            checked_by=by)
                    for key, _, _ in rules.eligibility_items(subject.kind)]

    def veto_checks(self, subject, *, checked_on=None, source="信用中国", by=None, **results):
        """A 第十五条 check of every veto condition of `subject` on `checked_on` (today), clear unless `results`
        names another result for a condition (dishonest_debtor="hit")."""
        checked_on = checked_on or local_now().date()
        with _connection():
            return [VetoCheck.create(subject=subject, condition_key=key, result=results.get(key, "clear"),
                                     source=source, checked_on=checked_on, checked_by=by)
                    for key, _, _ in rules.VETO_CONDITIONS]

    def agency(self, status=AgencyStatus.APPROVED.value, legal="刘建国", mid=12, senior=6, industries="14",
               kinds="factory", **extra):
        """An agency row as registered on the platform with its 第二十四条 declaration, in `status` (set directly;
        see approved_agency for one approved through the operations)."""
        extra.setdefault("declaration", rules.AGENCY_DECLARATION)  # 第二十四条, as made at registration
        extra.setdefault("declared_at", local_now())
        with _connection():
            return Agency.create(name=extra.pop("name", f"测试评价机构{next(_serial)}有限公司"),
                                 credit_code=make_credit_code("239902", 80_000_000 + next(_serial)),
                                 legal_representative=legal, address="龙江湾市松源区科技路1号", contact_person="王五",
                                 contact_phone="0451-80000000", platform_registration_no="GIP-1", platform_approved=True,
                                 staff_mid_level=mid, staff_senior=senior, expertise_industries=industries,
                                 expertise_kinds=kinds, experience="经历", status=status, **extra)

    def approve_agency(self, agency, *, by, today=None):
        """Approve a registered agency the way the bureau does it: every 第二十三条 item checked against the
        registration documents and met, then agencies.approve (audited)."""
        from blueprints.agencies import operations as agencies

        with _connection():
            for key, _, _ in rules.AGENCY_CONDITIONS:
                agencies.record_check(agency, key, result="met", evidence=AGENCY_EVIDENCE, by=by)
            agencies.approve(agency, by=by, today=today or local_now().date())

    def approved_agency(self, by=None, **extra):
        """An agency approved by `by` (a new staff user if None) through approve_agency."""
        by = by or self.user(Role.STAFF)
        agency = self.agency(status=AgencyStatus.PENDING.value, **extra)
        with _connection():
            self.approve_agency(agency, by=by)
            return Agency.get_by_id(agency.id)

    def complete_application(self, application, *, by=None, pdf=placeholder_pdf):
        """Upload the evaluation report and every material the subject's kind needs (第十三条), as the enterprise
        would; `pdf(title)` makes each file's bytes."""
        from core import uploads

        with self._app_context():
            application.report = uploads.save(pdf("Evaluation report"), "pdf", "评价报告.pdf", "application",
                                              application.id, purpose="evaluation_report", user=by)
            application.save()
            for key, label in rules.APPLICATION_MATERIALS[application.subject.kind]:
                uploads.save(pdf(key), "pdf", f"{label}.pdf", "application", application.id, purpose=key, user=by)
        return application

    def application(self, subject=None, *, ready=True, submitted=False, rung=Rung.MUNICIPAL.value, year=None,
                    method="self", claimed_score=85, national_intent=False, agency=None, by=None):
        """A draft application of `subject` (a new pooled subject if None) for `rung` in `year` (this year), made
        by `by` (a new staff user if None). `ready`: with the evaluation report, every material and the claimed
        score, so it may be submitted; `submitted`: submitted as well. A third-party evaluation names `agency`."""
        from blueprints.applications import operations as apps

        subject = subject or self.pooled_subject()
        by = by or self.user(Role.STAFF)
        with _connection():
            application = apps.create(subject, local_now().year if year is None else year,
                                      rung=getattr(rung, "value", rung), method=method, claimed_score=claimed_score,
                                      national_intent=national_intent, by=by, agency=agency)
        if ready or submitted:
            self.complete_application(application, by=by)
        if submitted:
            with _connection():
                apps.submit(application, by=by)
        return application
