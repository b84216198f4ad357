"""The schema: every peewee model and the database handle; the enums (core/enums.py) are re-exported here.

The handle is a DatabaseProxy bound in create_app (SQLite under instance/ by default,
PostgreSQL when DATABASE_URL says so). Models expose classmethods that return queries
so that views compose, filter and paginate them.
"""
import json
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_login import UserMixin
from peewee import (
    JOIN,
    BigIntegerField,
    BlobField,
    BooleanField,
    CharField,
    DatabaseProxy,
    DateField,
    DateTimeField,
    DoubleField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)
from werkzeug.security import check_password_hash, generate_password_hash

import rules
from core.dates import chinese_date
from core.enums import (  # noqa: F401  (re-exported: `from models import Rung` works everywhere)
    LADDER,
    AgencyStatus,
    ApplicationStatus,
    ChangeKind,
    ChangeStatus,
    CheckResult,
    Decision,
    EngagementPurpose,
    EngagementStatus,
    EvaluationMethod,
    IncidentGrade,
    ListingSource,
    ListingStatus,
    MessageKind,
    PlanStatus,
    PoolStatus,
    Potential,
    PreferenceStance,
    PublicityStatus,
    ReportChannel,
    ReviewResult,
    Role,
    RoundStatus,
    Rung,
    SpotCheckResult,
    SubjectKind,
    SubjectSource,
    SubjectStatus,
    Titled,
    VetoResult,
)

db = DatabaseProxy()

BUREAU_TZ = ZoneInfo("Asia/Shanghai")


def local_now():
    """The bureau's wall-clock time (naive, Asia/Shanghai), whatever the server's zone."""
    return datetime.now(BUREAU_TZ).replace(tzinfo=None, microsecond=0)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class Subject(BaseModel):
    """A cultivation object (培育对象): a factory, an industrial park or a supply-chain lead."""

    kind = CharField(max_length=20, choices=SubjectKind.choices(), index=True)
    name = CharField(max_length=200, index=True)
    credit_code = CharField(max_length=18, unique=True)  # 统一社会信用代码, GB 32100-2015
    district = CharField(max_length=50, index=True)
    industry_code = CharField(max_length=4, index=True)  # GB/T 4754-2017
    address = CharField(max_length=300)
    legal_representative = CharField(max_length=100)
    contact_person = CharField(max_length=100)
    contact_phone = CharField(max_length=30)
    contact_email = CharField(max_length=200, default="")
    # parks only (第七条)
    park_management_body = CharField(max_length=200, default="")
    park_value_added_share = FloatField(null=True)  # industrial value-added share, percent
    park_boundary_note = TextField(default="")
    energy_efficiency_level = CharField(max_length=30, default="")  # 第二十一条
    source = CharField(max_length=10, choices=SubjectSource.choices(), default=SubjectSource.SELF.value)
    status = CharField(max_length=20, choices=SubjectStatus.choices(), default=SubjectStatus.PENDING.value,
                       index=True)
    rung = CharField(max_length=20, choices=Rung.choices(), default=Rung.INTEREST.value, index=True)
    green_code_grade = CharField(max_length=5, default="")  # the ministry's 企业绿码 grade (A+ / A / B), 第三十四条
    green_code_year = IntegerField(null=True)
    public_token = CharField(max_length=32, unique=True, default=lambda: secrets.token_urlsafe(16))
    created_at = DateTimeField(default=local_now)
    updated_at = DateTimeField(default=local_now)

    @property
    def kind_label(self):
        return SubjectKind.label_of(self.kind)

    @property
    def status_enum(self):
        return SubjectStatus(self.status)

    @property
    def awaits_decision(self):
        """Registered and not yet admitted or declined (待审核, or 待补充材料 after the bureau asked for more)."""
        return self.status in (SubjectStatus.PENDING, SubjectStatus.INFO_REQUESTED)

    @classmethod
    def waiting(cls):
        """Registrations the bureau has still to decide."""
        return cls.select().where(cls.status == SubjectStatus.PENDING.value)

    def former_names(self):
        """Names before accepted name changes (第三十一条), oldest first."""
        return [n.old_name for n in self.change_notices.where(ChangeNotice.kind == ChangeKind.NAME.value, ChangeNotice.status == ChangeStatus.ACCEPTED.value)
                .order_by(ChangeNotice.id)]


class Agency(BaseModel):
    """A third-party evaluation or consulting agency (第三方机构, 第二十三至二十六条)."""

    name = CharField(max_length=200)
    credit_code = CharField(max_length=18, unique=True)
    legal_representative = CharField(max_length=100, index=True)
    address = CharField(max_length=300)
    contact_person = CharField(max_length=100)
    contact_phone = CharField(max_length=30)
    platform_registration_no = CharField(max_length=60, default="")  # 第二十四条: registered on the ministry platform
    platform_approved = BooleanField(default=False)
    staff_mid_level = IntegerField(default=0)  # full-time, mid-level title or above (第二十三条第三项)
    staff_senior = IntegerField(default=0)  # of whom senior, in energy/environment/ecology/low-carbon/LCA
    expertise_industries = TextField(default="")  # GB/T 4754 codes, comma-separated
    expertise_kinds = TextField(default="")  # subject kinds, comma-separated
    experience = TextField(default="")  # 第二十三条第五项
    status = CharField(max_length=20, choices=AgencyStatus.choices(), default=AgencyStatus.PENDING.value, index=True)
    status_reason = TextField(default="")
    disqualified_on = DateField(null=True)
    disqualified_until = DateField(null=True)  # the last day its reports are not accepted (第二十六条)
    disqualified_category = CharField(max_length=20, default="")  # rules.DISQUALIFICATION_CATEGORIES
    # 第二十四条: the agency's declaration against bet-on-pass deals, pass promises and bundled certification, made at
    # registration (the text as declared, and when); None for agencies registered before it was asked.
    declaration = TextField(default="")
    declared_at = DateTimeField(null=True)
    created_at = DateTimeField(default=local_now)

    @property
    def industries(self):
        return [c for c in self.expertise_industries.split(",") if c]

    @property
    def kinds(self):
        return [k for k in self.expertise_kinds.split(",") if k]

    # What staff may decide next (agencies/detail.html; blueprints/agencies/operations.py checks again in the write).
    @property
    def can_approve(self):
        return self.status in (AgencyStatus.PENDING, AgencyStatus.REJECTED, AgencyStatus.DISQUALIFIED)

    @property
    def can_reject(self):
        return self.status == AgencyStatus.PENDING

    @property
    def can_suspend(self):
        return self.status == AgencyStatus.APPROVED

    @property
    def can_lift(self):
        return self.status == AgencyStatus.SUSPENDED

    @property
    def can_disqualify(self):
        return self.status != AgencyStatus.DISQUALIFIED


class User(UserMixin, BaseModel):
    username = CharField(max_length=50, unique=True)
    display_name = CharField(max_length=100)
    role = CharField(max_length=20, choices=Role.choices(), index=True)
    password_hash = CharField(max_length=255)
    active = BooleanField(default=True)
    must_change_password = BooleanField(default=False)
    last_login_at = DateTimeField(null=True)
    organisation = CharField(max_length=200, default="")  # an expert's employer, for conflicts of interest
    phone = CharField(max_length=30, default="")
    subject = ForeignKeyField(Subject, null=True, backref="users", on_delete="RESTRICT")
    agency = ForeignKeyField(Agency, null=True, backref="users", on_delete="RESTRICT")
    created_at = DateTimeField(default=local_now)
    # Bumped to end every session of the account (logout, password change or reset, role change, disabling):
    # it is part of the id kept in the session cookie, so an older cookie no longer loads the user.
    session_version = IntegerField(default=1)
    password_changed_at = DateTimeField(null=True)
    password_history = TextField(default="[]")  # hashes of the last few passwords, newest first (等保 2.0)

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return f"{self.id}.{self.session_version}"

    @property
    def role_enum(self):
        return Role(self.role)

    @property
    def is_staff(self):
        return self.role in (Role.ADMIN.value, Role.STAFF.value)

    @property
    def shown_name(self):
        """The name the site shows for the account: its enterprise's or agency's name as it is now (a rename is
        decided after the account was made), else the person's display name."""
        return self.name_to_show(self.display_name, self.subject.name if self.subject_id else None,
                                 self.agency.name if self.agency_id else None)

    @staticmethod
    def name_to_show(display_name, subject_name, agency_name):
        """shown_name from the three names, for a query that reads them as columns."""
        return subject_name or agency_name or display_name

    @property
    def is_admin(self):
        return self.role == Role.ADMIN.value

    def set_password(self, password):
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def locked_sources(self, at=None):
        """The source addresses from which this account is locked out now."""
        return (LoginThrottle.select().where(LoginThrottle.username == self.username,
                                             LoginThrottle.locked_until > (at or local_now())))

    @classmethod
    def staff_members(cls):
        return cls.select().where(cls.role.in_([Role.ADMIN.value, Role.STAFF.value]), cls.active == True)  # noqa: E712


class LoginThrottle(BaseModel):
    """Failed logins per account name and source address. Lockout is by the pair, so nobody can lock an
    account out from another address; unknown names are counted too, so the answers do not tell them apart."""

    username = CharField(max_length=50)
    ip = CharField(max_length=45)
    failures = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    updated_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("username", "ip"), True),)


class RateLimitCounter(BaseModel):
    """The rate limiter's fixed-window counters, shared by every worker and server (core/ratelimits.py)."""

    key = CharField(max_length=255, unique=True)
    count = IntegerField(default=0)
    expires_at = DoubleField()  # epoch seconds (double: PostgreSQL's REAL would round them to 128 s)


class Setting(BaseModel):
    """One configurable value of the bureau, stored as JSON (see core/settings.py for the keys)."""

    key = CharField(max_length=64, unique=True)
    value = TextField()
    updated_at = DateTimeField(default=local_now)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")


class Document(BaseModel):
    """Every upload and every generated file: who owns it, where it lies, what it hashes to."""

    owner_type = CharField(max_length=40)
    owner_id = IntegerField()
    purpose = CharField(max_length=40, default="")
    original_name = CharField(max_length=255)
    stored_name = CharField(max_length=64, unique=True)
    size = IntegerField()
    content_type = CharField(max_length=100)
    sha256 = CharField(max_length=64)
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_at = DateTimeField(default=local_now)
    # documents are withdrawn (撤回: core.uploads.withdraw), never deleted; a withdrawn one counts nowhere
    withdrawn_at = DateTimeField(null=True)
    withdrawn_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+")
    withdrawal_reason = TextField(default="")

    class Meta:
        indexes = ((("owner_type", "owner_id"), False),)

    @classmethod
    def of(cls, owner_type, owner_id, *, withdrawn=False):
        """The owner's documents, newest first: those in force, or with `withdrawn` also the withdrawn ones (to show
        them struck through). Who uploaded and who withdrew each are read with it, not one query a row."""
        uploader, withdrawer = User.alias(), User.alias()
        query = (cls.select(cls, uploader, withdrawer)
                 .join_from(cls, uploader, JOIN.LEFT_OUTER, on=(cls.uploaded_by == uploader.id), attr="uploaded_by")
                 .join_from(cls, withdrawer, JOIN.LEFT_OUTER, on=(cls.withdrawn_by == withdrawer.id),
                            attr="withdrawn_by")
                 .where(cls.owner_type == owner_type, cls.owner_id == owner_id))
        if not withdrawn:
            query = query.where(cls.withdrawn_at.is_null())
        return query.order_by(cls.uploaded_at.desc(), cls.id.desc())

    def withdrawable_by(self, user, in_force=True):
        """Whether `user` may withdraw this document: a subject's, by staff or by the account that uploaded it (and,
        with `in_force`, only while it is not withdrawn yet)."""
        return (self.owner_type == "subject" and not (in_force and self.withdrawn_at)
                and (user.is_staff or self.uploaded_by_id == user.id))


class AppendOnlyError(RuntimeError):
    pass


AUDIT_CHAIN_GENESIS = "0" * 64
# The fields each audit row's hash covers, in this order. Not user_id: it is SET NULL when an account goes,
# while username is kept. Changing this list or chain_hash breaks every existing chain.
AUDIT_CHAIN_FIELDS = ("created_at", "username", "ip", "action", "object_type", "object_id", "object_label",
                      "result", "details")


def chain_hash(values, prev_hash):
    """sha256 over the canonical JSON of an audit row's fields (AUDIT_CHAIN_FIELDS) and the previous row's hash."""
    import hashlib

    def canonical(value):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value

    payload = [canonical(values[name]) for name in AUDIT_CHAIN_FIELDS] + [prev_hash]
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuditEvent(BaseModel):
    """One row per thing that happened. Append-only: the application never updates or deletes it."""

    created_at = DateTimeField(default=local_now, index=True)
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    username = CharField(max_length=50, default="")  # kept even if the account is renamed
    ip = CharField(max_length=45, default="")
    action = CharField(max_length=60, index=True)
    object_type = CharField(max_length=40, default="")
    object_id = IntegerField(null=True)
    object_label = CharField(max_length=200, default="")
    result = CharField(max_length=20, default="ok")
    details = TextField(default="{}")
    # The hash chain (tamper evidence): row_hash = chain_hash(this row's fields, the previous row's row_hash).
    prev_hash = CharField(max_length=64, default="")
    row_hash = CharField(max_length=64, default="")

    class Meta:
        indexes = ((("object_type", "object_id"), False),)

    def save(self, *args, **kwargs):
        if self.id is not None:
            raise AppendOnlyError("审计记录不可修改")
        return super().save(*args, **kwargs)

    def delete_instance(self, *args, **kwargs):
        raise AppendOnlyError("审计记录不可删除")

    @classmethod
    def update(cls, *args, **kwargs):
        raise AppendOnlyError("审计记录不可修改")

    @classmethod
    def delete(cls):
        raise AppendOnlyError("审计记录不可删除")

    @property
    def details_dict(self):
        try:
            return json.loads(self.details or "{}")
        except ValueError:
            return {}

    @classmethod
    def for_object(cls, object_type, object_id):
        return (cls.select()
                .where(cls.object_type == object_type, cls.object_id == object_id)
                .order_by(cls.created_at.desc(), cls.id.desc()))


class PoolEntry(BaseModel):
    """A subject's place in the cultivation pool (培育库, 第十条): one row per subject."""

    subject = ForeignKeyField(Subject, unique=True, backref="pool_entries", on_delete="RESTRICT")
    year_admitted = IntegerField()
    status = CharField(max_length=20, choices=PoolStatus.choices(), default=PoolStatus.CULTIVATING.value, index=True)
    potential = CharField(max_length=20, choices=Potential.choices(), default=Potential.ORDINARY.value)
    owner = ForeignKeyField(User, null=True, backref="pool_entries", on_delete="SET NULL")
    exit_reason = TextField(default="")
    exited_on = DateField(null=True)
    created_at = DateTimeField(default=local_now)

    class Meta:
        # the pool list's default order (year descending, then id) read from the index, on PostgreSQL too
        indexes = ((("year_admitted", "id"), False),)


class SubjectCount(BaseModel):
    """How many subjects stand in each (district, kind, rung, status, pool status) — pool_status '' when not in the
    pool. Kept by database triggers (migrations/027_search_index.py) in the same transaction as the change, so the
    home page and the pool figures read a few rows instead of scanning the pool; never written by the application."""

    district = CharField(max_length=50)
    kind = CharField(max_length=20)
    rung = CharField(max_length=20)
    status = CharField(max_length=20)
    pool_status = CharField(max_length=20)
    n = IntegerField(default=0)

    class Meta:
        indexes = ((("district", "kind", "rung", "status", "pool_status"), True),)


class DataVersion(BaseModel):
    """A counter per topic, bumped by database triggers (migrations/028_data_version.py) in the same transaction as
    every change to the tables the topic covers ('pool': subject, pool_entry and staff names); `epoch` is drawn when
    the database is made. core/versions.py keeps computed page parts under (epoch, version), so a part is served
    again only while nothing it shows has changed. Never written by the application."""

    topic = CharField(max_length=20, primary_key=True)
    epoch = CharField(max_length=32)
    version = BigIntegerField(default=0)


class ItemCheck(BaseModel):
    """One recorded check of one item of a list of conditions (met / unmet / not verified), with its evidence. Rows
    are appended; the newest per item counts. No table of its own: EligibilityCheck and AgencyCheck add what is
    checked."""

    item_key = CharField(max_length=40)
    result = CharField(max_length=10, choices=CheckResult.choices())
    evidence = TextField(default="")
    checked_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    checked_at = DateTimeField(default=local_now)


class EligibilityCheck(ItemCheck):
    """One recorded check of one 第六/七/八条 item of a subject."""

    subject = ForeignKeyField(Subject, backref="eligibility_checks", on_delete="RESTRICT")

    class Meta:
        indexes = ((("subject", "item_key"), False),)


class VetoCheck(BaseModel):
    """One recorded check of one 第十五条 veto condition. Rows are appended; the newest per condition counts."""

    subject = ForeignKeyField(Subject, backref="veto_checks", on_delete="RESTRICT")
    condition_key = CharField(max_length=40)
    result = CharField(max_length=10, choices=VetoResult.choices())
    source = CharField(max_length=50, default="")
    checked_on = DateField()
    # 第十五条 近三年: the date of the event the check found (a hit); None when none was found
    event_on = DateField(null=True)
    evidence = TextField(default="")
    checked_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("subject", "condition_key"), False),)


class ParkMember(BaseModel):
    """An enterprise in a park (第十五条：园区（含园区内企业）). Linked to its Subject when it is registered here (then
    its veto checks count against the park), else named with its 统一社会信用代码. Leaving is an end date."""

    park = ForeignKeyField(Subject, backref="park_members", on_delete="RESTRICT")
    member = ForeignKeyField(Subject, null=True, backref="park_memberships", on_delete="RESTRICT")
    name = CharField(max_length=200)  # as entered, or the linked subject's name when linked
    credit_code = CharField(max_length=18)
    added_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    added_at = DateTimeField(default=local_now)
    ended_on = DateField(null=True)  # None: still in the park
    end_reason = TextField(default="")
    ended_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    @property
    def display_name(self):
        return self.member.name if self.member_id else self.name

    @classmethod
    def current(cls, park):
        """The park's members today (no end date), linked subjects joined, by name."""
        return (cls.select(cls, Subject)
                .join(Subject, on=(cls.member == Subject.id), join_type="LEFT OUTER JOIN", attr="member")
                .where(cls.park == park, cls.ended_on.is_null()).order_by(cls.name, cls.id))


class SubjectMessage(BaseModel):
    """What the bureau asks of a registrant and what the registrant answers."""

    subject = ForeignKeyField(Subject, backref="messages", on_delete="RESTRICT")
    kind = CharField(max_length=20, choices=MessageKind.choices())
    body = TextField()
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=local_now)


class AssignmentBatch(BaseModel):
    """One batch assignment: the invitations staff sent in one step for a set of subjects."""

    year = IntegerField(index=True)
    purpose = CharField(max_length=20, choices=EngagementPurpose.choices())
    rung = CharField(max_length=20, choices=Rung.choices())
    method = TextField(default="")  # how the proposal was computed (shown with the batch)
    subject_count = IntegerField(default=0)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=local_now)


class AgencyCapacity(BaseModel):
    """How many engagements of a year an agency can take on (set by staff per agency and year)."""

    agency = ForeignKeyField(Agency, backref="capacities", on_delete="RESTRICT")
    year = IntegerField()
    capacity = IntegerField()
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("agency", "year"), True),)


class Engagement(BaseModel):
    """对接 (第十条): an agency engaged with a subject for consulting or for an evaluation at a rung and year."""

    subject = ForeignKeyField(Subject, backref="engagements", on_delete="RESTRICT")
    agency = ForeignKeyField(Agency, backref="engagements", on_delete="RESTRICT")
    purpose = CharField(max_length=20, choices=EngagementPurpose.choices())
    rung = CharField(max_length=20, choices=Rung.choices())
    year = IntegerField(index=True)
    status = CharField(max_length=20, choices=EngagementStatus.choices(), default=EngagementStatus.PROPOSED.value,
                       index=True)
    # passed / failed as the agency once reported it: no longer written (issue 20); the pass rate comes from the
    # bureau's recorded outcomes (blueprints/agencies/operations.evaluation_outcomes). Kept for the old rows.
    outcome = CharField(max_length=10, null=True)
    warning = TextField(default="")
    notes = TextField(default="")
    proposed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    proposed_at = DateTimeField(default=local_now)
    accepted_at = DateTimeField(null=True)
    completed_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True)
    ended_reason = TextField(default="")  # why it ended (shown to the enterprise, the agency and staff)
    # 第二十四条: the declaration the agency makes again on accepting this engagement (the text and when)
    declaration = TextField(default="")
    declared_at = DateTimeField(null=True)
    reply_by = DateField(null=True)  # the agency answers by this day, or the invitation expires
    choice_reason = TextField(default="")  # why staff chose it over the top-ranked agency, or despite a conflict
    decline_reason = TextField(default="")  # the agency's reason for declining (shown to staff)
    confirmed_at = DateTimeField(null=True)  # the enterprise confirmed the engagement (第十条、第十二条)
    confirmed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    batch = ForeignKeyField(AssignmentBatch, null=True, backref="engagements", on_delete="RESTRICT")

    # LIVE: holds a slot (the one-per index, the national cap, the agency's capacity); OPEN: not yet finished
    OPEN = tuple(s.value for s in (EngagementStatus.PROPOSED, EngagementStatus.ACCEPTED, EngagementStatus.ACTIVE))
    LIVE = (*OPEN, EngagementStatus.COMPLETED.value)  # OPEN ends at once when the agency is suspended or disqualified

    @property
    def confirmed(self):
        """The enterprise confirmed it (第十二条): the subject's documents are shared with the agency."""
        return self.status in (EngagementStatus.ACTIVE, EngagementStatus.COMPLETED)

    @classmethod
    def of_subject(cls, subject):
        """The subject's engagements with their agencies, newest first."""
        return (cls.select(cls, Agency).join(Agency).where(cls.subject == subject)
                .order_by(cls.id.desc()))


class EngagementPreference(BaseModel):
    """The enterprise commissions and pays the agency (第十条、第十二条), so it may state a preference for or an
    objection to an agency for a year, with a reason. Rows are appended; the newest per (subject, agency, year)
    counts unless withdrawn; nothing is deleted."""

    subject = ForeignKeyField(Subject, backref="agency_preferences", on_delete="RESTRICT")
    agency = ForeignKeyField(Agency, backref="preferences", on_delete="RESTRICT")
    year = IntegerField()
    stance = CharField(max_length=10, choices=PreferenceStance.choices())
    reason = TextField(default="")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=local_now)
    withdrawn_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("subject", "agency", "year"), False),)


class AgencyCheck(ItemCheck):
    """One recorded check of one 第二十三条 item (第一、二、四、五项) for an agency."""

    agency = ForeignKeyField(Agency, backref="checks", on_delete="RESTRICT")

    class Meta:
        indexes = ((("agency", "item_key"), False),)


class AgencyReport(BaseModel):
    """The agency's yearly work report (第二十五条, due 31 December)."""

    agency = ForeignKeyField(Agency, backref="reports", on_delete="RESTRICT")
    year = IntegerField()
    document = ForeignKeyField(Document, on_delete="RESTRICT")
    submitted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    submitted_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("agency", "year"), False),)


class CultivationPlan(BaseModel):
    """A year's cultivation plan (培育计划, 第十条、第十四条). A filed plan is locked; a change makes a new version."""

    year = IntegerField(index=True)
    version = IntegerField(default=1)
    title = CharField(max_length=200)
    goals = TextField(default="")
    measures = TextField(default="")  # measures and local support policies
    status = CharField(max_length=20, choices=PlanStatus.choices(), default=PlanStatus.DRAFT.value)
    supersedes = ForeignKeyField("self", null=True, backref="successors", on_delete="RESTRICT")
    approved_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    approved_at = DateTimeField(null=True)
    filed_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=local_now)
    updated_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("year", "version"), True),)

    @property
    def status_enum(self):
        return PlanStatus(self.status)

    @property
    def locked(self):
        return self.status == PlanStatus.FILED.value

    @property
    def is_draft(self):
        return self.status == PlanStatus.DRAFT

    @property
    def is_approved(self):
        """Approved and not yet filed: an edit sends it back to draft."""
        return self.status == PlanStatus.APPROVED

    @classmethod
    def latest_for(cls, year):
        """The newest version of the year's plan, or None."""
        return cls.select().where(cls.year == year).order_by(cls.version.desc()).first()


class PlanTarget(BaseModel):
    """How many subjects of a kind the plan aims to bring to a rung."""

    plan = ForeignKeyField(CultivationPlan, backref="targets", on_delete="RESTRICT")
    kind = CharField(max_length=20, choices=SubjectKind.choices())
    rung = CharField(max_length=20, choices=Rung.choices())
    count = IntegerField(default=0)

    class Meta:
        indexes = ((("plan", "kind", "rung"), True),)


class PlanItem(BaseModel):
    """A pooled subject's path for the year: its target rung, owner, the bureau's notes and milestones."""

    plan = ForeignKeyField(CultivationPlan, backref="items", on_delete="RESTRICT")
    subject = ForeignKeyField(Subject, backref="plan_items", on_delete="RESTRICT")
    target_rung = CharField(max_length=20, choices=Rung.choices())
    target_year = IntegerField()
    owner = ForeignKeyField(User, null=True, on_delete="SET NULL")
    note = TextField(default="")  # the bureau's notes, shown to the enterprise
    withdrawn_at = DateTimeField(null=True)  # taken out of the plan (kept, never deleted)
    created_at = DateTimeField(default=local_now)

    class Meta:
        indexes = ((("plan", "subject"), True),)


class Milestone(BaseModel):
    """One step of a plan item (节能诊断, 绿色化改造, 评价, 申报 …); done when staff record or confirm a done date."""

    item = ForeignKeyField(PlanItem, backref="milestones", on_delete="RESTRICT")
    position = IntegerField(default=0)
    name = CharField(max_length=100)
    due_date = DateField()
    done_date = DateField(null=True)
    evidence_note = TextField(default="")
    document = ForeignKeyField(Document, null=True, on_delete="SET NULL")
    submitted_at = DateTimeField(null=True)  # the enterprise attached evidence and asks staff to confirm
    confirmed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    event = CharField(max_length=30, default="")  # the event that ticks it (rules.MILESTONE_EVENTS), "" by hand
    done_event = CharField(max_length=200, default="")  # what ticked it and when, as shown ("申报已提交（2026-05-03）")

    def is_overdue(self, today):
        return self.done_date is None and self.due_date < today


class PlanDistrictTarget(BaseModel):
    """How many subjects the plan aims to bring up a rung in one district (plan content, edited with the plan)."""

    plan = ForeignKeyField(CultivationPlan, backref="district_targets", on_delete="RESTRICT")
    district = CharField(max_length=50)
    count = IntegerField(default=0)

    class Meta:
        indexes = ((("plan", "district"), True),)


class PlanSnapshot(BaseModel):
    """The plan dashboard's figures as they stood when taken (the year-end snapshot): kept, never changed."""

    plan = ForeignKeyField(CultivationPlan, backref="snapshots", on_delete="RESTRICT")
    taken_at = DateTimeField(default=local_now)
    taken_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    figures = TextField()  # JSON

    def save(self, *args, **kwargs):
        if self.id is not None:
            raise AppendOnlyError("快照不可修改")
        return super().save(*args, **kwargs)

    @classmethod
    def update(cls, *args, **kwargs):
        raise AppendOnlyError("快照不可修改")

    @property
    def figures_dict(self):
        return json.loads(self.figures)


class PlanProject(BaseModel):
    """A real green-upgrade project of a plan item (附件2 绿色化改造项目及计划汇总表, 第十条): what, when, how much, to
    what effect. Withdrawn, never deleted."""

    item = ForeignKeyField(PlanItem, backref="projects", on_delete="RESTRICT")
    name = CharField(max_length=200)  # what is built or changed
    start_on = DateField()
    end_on = DateField()
    investment = FloatField()  # 万元
    effect = TextField()  # the expected effect (energy saved, emissions cut …)
    withdrawn_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=local_now)


class Application(BaseModel):
    """An application (申报) for a rung, by the enterprise or by staff on its behalf (第十二、十三条)."""

    subject = ForeignKeyField(Subject, backref="applications", on_delete="RESTRICT")
    year = IntegerField(index=True)
    rung = CharField(max_length=20, choices=Rung.choices(), index=True)
    method = CharField(max_length=20, choices=EvaluationMethod.choices(), default=EvaluationMethod.SELF.value)
    claimed_score = FloatField(null=True)  # the self-evaluation's or the agency's score
    report = ForeignKeyField(Document, null=True, on_delete="SET NULL")  # the evaluation report
    status = CharField(max_length=20, choices=ApplicationStatus.choices(), default=ApplicationStatus.DRAFT.value,
                       index=True)
    return_reason = TextField(default="")
    national_intent = BooleanField(default=False)  # wishes to go on to the national list (第二十一条)
    agency = ForeignKeyField(Agency, null=True, backref="applications", on_delete="RESTRICT")  # 第三方评价
    park_green_factories = IntegerField(null=True)  # parks: green factories in the park (第二十一条)
    supplier_green_factories = IntegerField(null=True)  # supply chains: green factories among suppliers
    submitted_at = DateTimeField(null=True)
    decided_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=local_now)

    @property
    def status_enum(self):
        return ApplicationStatus(self.status)

    @property
    def is_editable(self):
        """A draft, or returned for correction (退回补正): the applicant edits and submits it."""
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)

    @property
    def in_review(self):
        """Submitted and not decided: staff may return it, a municipal one goes to the expert review."""
        return self.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)

    @property
    def has_expert_review(self):
        """A municipal application under or past the expert review (第十八条)."""
        return self.rung == Rung.MUNICIPAL and self.status in (
            ApplicationStatus.UNDER_REVIEW, ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)


class ReviewAssignment(BaseModel):
    """An expert assigned to a municipal application: conflict declaration first, then a score (0–100)."""

    application = ForeignKeyField(Application, backref="reviews", on_delete="RESTRICT")
    expert = ForeignKeyField(User, backref="reviews", on_delete="RESTRICT")
    assigned_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    assigned_at = DateTimeField(default=local_now)
    conflict = BooleanField(null=True)  # None: not yet declared
    conflict_reason = TextField(default="")
    declared_at = DateTimeField(null=True)
    score = FloatField(null=True)
    comments = TextField(default="")
    scored_at = DateTimeField(null=True)
    removed_at = DateTimeField(null=True)  # taken off after a declared conflict (kept on record)

    class Meta:
        indexes = ((("application", "expert"), True),)

    @classmethod
    def active(cls):
        return cls.select().where(cls.removed_at.is_null())


class Publicity(BaseModel):
    """A publicity (公示, 第二十条) of the approved applications of a year, before the list is published."""

    year = IntegerField(index=True)
    rung = CharField(max_length=20, choices=Rung.choices(), default=Rung.MUNICIPAL.value)
    start_date = DateField()
    status = CharField(max_length=20, choices=PublicityStatus.choices(), default=PublicityStatus.OPEN.value)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=local_now)
    published_at = DateTimeField(null=True)
    published_by = ForeignKeyField(User, null=True, on_delete="SET NULL")


class PublicityEntry(BaseModel):
    publicity = ForeignKeyField(Publicity, backref="entries", on_delete="RESTRICT")
    # an application is publicised once (第二十条): the index holds it when two publicities open at the same moment
    application = ForeignKeyField(Application, unique=True, backref="publicity_entries", on_delete="RESTRICT")

    class Meta:
        indexes = ((("publicity", "application"), True),)


class Objection(BaseModel):
    """An objection (异议) raised by anyone during a publicity window, and how staff handled it."""

    publicity = ForeignKeyField(Publicity, backref="objections", on_delete="RESTRICT")
    application = ForeignKeyField(Application, null=True, backref="objections", on_delete="RESTRICT")
    name = CharField(max_length=100)
    contact = CharField(max_length=100)
    content = TextField()
    evidence = ForeignKeyField(Document, null=True, on_delete="SET NULL")
    ip = CharField(max_length=45, default="")
    submitted_at = DateTimeField(default=local_now)
    handling = TextField(default="")
    upheld = BooleanField(null=True)  # None: not yet handled
    handled_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    handled_at = DateTimeField(null=True)


class Listing(BaseModel):
    """A subject on a list (名单) at a rung for a year: the municipal list, or a recorded provincial/national outcome."""

    subject = ForeignKeyField(Subject, backref="listings", on_delete="RESTRICT")
    rung = CharField(max_length=20, choices=Rung.choices(), index=True)
    year = IntegerField(index=True)
    status = CharField(max_length=20, choices=ListingStatus.choices(), default=ListingStatus.LISTED.value, index=True)
    source = CharField(max_length=20, choices=ListingSource.choices())
    application = ForeignKeyField(Application, null=True, on_delete="SET NULL")
    listed_on = DateField()
    removed_on = DateField(null=True)
    removal_category = CharField(max_length=40, default="")
    removal_reason = TextField(default="")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("subject", "rung", "year"), True),)


class RecommendationRound(BaseModel):
    """The year's provincial recommendation round (第十四条). Signed by the admin, which locks it; a correction
    opens a new version and both stay."""

    year = IntegerField(index=True)
    version = IntegerField(default=1)
    status = CharField(max_length=20, choices=RoundStatus.choices(), default=RoundStatus.DRAFT.value)
    supersedes = ForeignKeyField("self", null=True, backref="successors", on_delete="RESTRICT")
    signed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    signed_at = DateTimeField(null=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=local_now)
    # Frozen at sign-off (issue 17): what the signed package was built from (JSON: facts, checks, opinions, ranks,
    # adjustments) and the SHA-256 of that package (kept in RoundPackage). "" for drafts and rounds signed before 019.
    snapshot = TextField(default="")
    package_sha256 = CharField(max_length=64, default="")

    class Meta:
        indexes = ((("year", "version"), True),)

    @property
    def locked(self):
        return self.status == RoundStatus.SIGNED.value

    @classmethod
    def latest_for(cls, year):
        return cls.select().where(cls.year == year).order_by(cls.version.desc()).first()


class Recommendation(BaseModel):
    """The bureau's opinion on one provincial (or national-intent) application: rank, opinion, decision."""

    round = ForeignKeyField(RecommendationRound, backref="recommendations", on_delete="RESTRICT")
    application = ForeignKeyField(Application, backref="recommendations", on_delete="RESTRICT")
    rank = IntegerField(null=True)
    decision = CharField(max_length=20, choices=Decision.choices(), null=True)
    opinion = TextField(default="")
    exception_reason = TextField(default="")  # required when recommending despite a red check (第十四条)
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("round", "application"), True),)

    @classmethod
    def signed_for(cls, subject):
        """The decision on the subject in the newest signed round (None before sign-off): shown on its pages."""
        return (cls.select(cls, RecommendationRound).join(RecommendationRound)
                .switch(cls).join(Application)
                .where(Application.subject == subject, RecommendationRound.status == RoundStatus.SIGNED.value)
                .order_by(RecommendationRound.year.desc(), RecommendationRound.version.desc()).first())


class RoundPackage(BaseModel):
    """The ZIP a round's sign-off built, kept as it was signed: every later download gives these bytes. In its own
    table so that reading a round (and Recommendation.signed_for on every enterprise page) does not read the ZIP."""

    round = ForeignKeyField(RecommendationRound, unique=True, backref="packages", on_delete="RESTRICT")
    content = BlobField()
    created_at = DateTimeField(default=local_now)


class DynamicReport(BaseModel):
    """A listed unit's dynamic management table (动态管理表, 第二十七条) for a past year, and the bureau's review
    opinion on it (第二十八条). One per subject and year: refiling edits it (audited)."""

    subject = ForeignKeyField(Subject, backref="dynamic_reports", on_delete="RESTRICT")
    year = IntegerField(index=True)  # the year reported on
    indicators = TextField(default="{}")  # {key: number}, keys from rules.DYNAMIC_INDICATORS
    warnings = TextField(default="[]")
    submitted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    submitted_at = DateTimeField(default=local_now)
    review_result = CharField(max_length=10, null=True)  # ReviewResult; None until reviewed
    review_opinion = TextField(default="")
    reviewed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)
    # 第二十七条: the day the table reached the bureau decides 按时 / 逾期, not the day it was keyed in. Set on the first
    # filing (online: that day; on paper: the receipt date staff record) and kept when the unit corrects it.
    received_on = DateField(null=True)  # None only on rows from before migration 016: submitted_at's date
    channel = CharField(max_length=10, choices=ReportChannel.choices(), default=ReportChannel.ONLINE.value)
    # 第三十条第二项: a reason the bureau recorded for a late table (the recommendation check accepts it).
    late_reason = TextField(default="")
    late_reason_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    late_reason_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("subject", "year"), True),)

    @property
    def review_label(self):
        return ReviewResult.label_of(self.review_result) if self.review_result else "待审核"

    @property
    def received(self):
        return self.received_on or self.submitted_at.date()

    @property
    def days_late(self):
        import rules
        return rules.dynamic_report_days_late(self.year, self.received)

    @property
    def timeliness(self):
        """"按时" or "逾期 N 天" (第二十七条)."""
        import rules
        return rules.dynamic_report_timeliness(self.year, self.received)


class Notice(BaseModel):
    """An in-site notice to a user (e.g. a reminder to file the dynamic table), shown until read."""

    user = ForeignKeyField(User, backref="notices", on_delete="RESTRICT")
    text = TextField()
    link = CharField(max_length=100, default="")  # the endpoint where the user acts on it, if any
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=local_now)
    read_at = DateTimeField(null=True)


class ChangeNotice(BaseModel):
    """A declared change of name, production scope, address or organisational boundary (第三十一条)."""

    subject = ForeignKeyField(Subject, backref="change_notices", on_delete="RESTRICT")
    kind = CharField(max_length=20)  # rules.CHANGE_KINDS
    description = TextField()
    old_name = CharField(max_length=200, default="")
    new_name = CharField(max_length=200, default="")
    status = CharField(max_length=20, default=ChangeStatus.PENDING.value, index=True)  # ChangeStatus
    still_meets_standard = BooleanField(null=True)
    verification = TextField(default="")
    submitted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    submitted_at = DateTimeField(default=local_now)
    decided_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decided_at = DateTimeField(null=True)
    action_taken = TextField(default="")  # what the decision did (e.g. the lists it was removed from, 第三十一条)
    # 第三十一条: the signed recommendation round whose package reported this change to the province; None until then
    # (every change decided since the last signed package goes into the next one).
    reported_in = ForeignKeyField(RecommendationRound, null=True, backref="change_notices", on_delete="RESTRICT")


class Incident(BaseModel):
    """A major safety or quality accident, or a grade II+ environmental incident, of a listed unit (第二十九条)."""

    subject = ForeignKeyField(Subject, backref="incidents", on_delete="RESTRICT")
    occurred_on = DateField()
    kind = CharField(max_length=20)  # rules.INCIDENT_KINDS
    grade = CharField(max_length=40, choices=IncidentGrade.choices())
    grade_note = CharField(max_length=200, default="")  # the free-text grade recorded before grades were a choice
    source = CharField(max_length=200)
    description = TextField()
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    recorded_at = DateTimeField(default=local_now)
    reported_on = DateField(null=True)  # the day the report went to the province (第二十九条: at once)
    reported_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    @property
    def reportable(self):
        return rules.incident_reportable(self.grade)

    def report_text(self, day=chinese_date):
        """第二十九条: what the incidents list and its export say of the report to the province; `day` writes the
        date it was sent (the page in Chinese, the export as YYYY-MM-DD)."""
        if self.reported_on:
            return f"已于 {day(self.reported_on)} 报送"
        return "待报送" if self.reportable else "无需立即报送"

    @classmethod
    def unreported(cls):
        """Incidents of 重大 (Ⅱ级) and above not yet marked as reported to the province (第二十九条)."""
        return cls.select().where(cls.grade.in_(rules.INCIDENT_REPORTABLE_GRADES), cls.reported_on.is_null())


class SpotCheck(BaseModel):
    """A spot check (抽查复核) of a listed unit by the bureau, by energy inspection or other means (第二十九条)."""

    subject = ForeignKeyField(Subject, backref="spot_checks", on_delete="RESTRICT")
    checked_on = DateField(index=True)
    method = CharField(max_length=20)  # rules.SPOT_CHECK_METHODS
    inspectors = CharField(max_length=200)  # who checked (names or the inspection team)
    findings = TextField()
    result = CharField(max_length=20, choices=SpotCheckResult.choices(), index=True)
    recorded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    recorded_at = DateTimeField(default=local_now)


class RemovalNotice(BaseModel):
    """The public notice of a removal from a list (第三十条: 移出并公布): the unit as named on the day, the list, the
    category and the effective date. No reason text and no personal data: those stay on the Listing."""

    listing = ForeignKeyField(Listing, unique=True, backref="removal_notices", on_delete="RESTRICT")
    subject = ForeignKeyField(Subject, backref="removal_notices", on_delete="RESTRICT")
    subject_name = CharField(max_length=200)
    credit_code = CharField(max_length=18)
    kind = CharField(max_length=20)
    rung = CharField(max_length=20)
    list_year = IntegerField()
    category = TextField()  # the label of rules.REMOVAL_CATEGORIES, as on the Listing
    effective_on = DateField(index=True)
    published_at = DateTimeField(default=local_now)

    @classmethod
    def of_year(cls, year):
        return cls.select().where(cls.effective_on.year == year).order_by(cls.effective_on.desc(), cls.id.desc())


class Complaint(BaseModel):
    """A real-name public report (举报, 第三十二条) about a listed unit or an agency, and how it was handled."""

    subject = ForeignKeyField(Subject, null=True, backref="complaints", on_delete="RESTRICT")
    agency = ForeignKeyField(Agency, null=True, backref="complaints", on_delete="RESTRICT")
    reporter_name = CharField(max_length=100)
    reporter_contact = CharField(max_length=100)
    matter = TextField()
    no_evidence_reason = TextField(default="")  # 第三十二条: why no evidence file is attached, when there is none
    ip = CharField(max_length=45, default="")
    submitted_at = DateTimeField(default=local_now)
    finding = TextField(default="")
    outcome = CharField(max_length=20, null=True)  # rules.COMPLAINT_OUTCOMES
    handled_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    handled_at = DateTimeField(null=True)


class Filing(BaseModel):
    """One build of the year's 31 August filing bundle (第十四条). Immutable once built; the newest supersedes
    the older ones, which stay downloadable."""

    year = IntegerField(index=True)
    filing_date = DateField()  # the date on the documents and in the ZIP
    stored_name = CharField(max_length=64, unique=True)
    size = IntegerField()
    sha256 = CharField(max_length=64)
    counts = TextField(default="{}")  # what the bundle holds, as JSON
    plan = ForeignKeyField(CultivationPlan, null=True, on_delete="RESTRICT")
    built_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    built_at = DateTimeField(default=local_now)
    sent_on = DateField(null=True)
    sent_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    sent_how = CharField(max_length=100, default="")

    @classmethod
    def of_year(cls, year):
        return cls.select().where(cls.year == year).order_by(cls.built_at.desc(), cls.id.desc())


class FilingDeclaration(BaseModel):
    """第十四条 asks for the plan, the pool *or* the municipal list: the bureau states when it has no list this year."""

    year = IntegerField(unique=True)
    statement = TextField()
    declared_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    declared_at = DateTimeField(default=local_now)


class IssuedDocument(BaseModel):
    """GB/T 9704 发文字号: the year's sequence number, allocated once when a document is issued (the draft shows
    〔year〕__号). One row per issued document; (kind, object_key) makes issuing the same document again give back
    its number."""

    year = IntegerField()
    sequence = IntegerField()
    number = CharField(max_length=60)  # as printed: 龙工信函〔2026〕12号
    kind = CharField(max_length=40)  # what was issued: dynamic_opinion, incident_report …
    object_key = CharField(max_length=60)  # which one: the year, the incident id …
    title = CharField(max_length=200, default="")
    issued_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    issued_at = DateTimeField(default=local_now)

    class Meta:
        table_name = "issued_document"
        indexes = ((("year", "sequence"), True), (("kind", "object_key"), True))


# "One per …" rules held by the database, so that two requests at the same moment cannot both pass the check
# (partial unique indexes: SQLite and PostgreSQL both have them; migrations/012_concurrency.py creates them).
# One open application per subject, year and rung (a rejected one may be followed by a new one).
Application.add_index(Application.index(Application.subject, Application.year, Application.rung, unique=True,
                                        where=(Application.status != ApplicationStatus.REJECTED.value)))
# One live engagement per subject, agency, purpose and year.
Engagement.add_index(Engagement.index(Engagement.subject, Engagement.agency, Engagement.purpose, Engagement.year,
                                      unique=True, where=Engagement.status.in_(Engagement.LIVE)))
# One recommended application per rank in a round.
Recommendation.add_index(Recommendation.index(Recommendation.round, Recommendation.rank, unique=True,
                                              where=(Recommendation.decision == Decision.RECOMMEND.value)))
# A member enterprise is in a park once at a time (migrations/014_veto_gates.py creates the index).
ParkMember.add_index(ParkMember.index(ParkMember.park, ParkMember.credit_code, unique=True,
                                      where=ParkMember.ended_on.is_null()))

MODELS = [Subject, User, Setting, Document, AuditEvent, PoolEntry, EligibilityCheck, VetoCheck, SubjectMessage,
          CultivationPlan, PlanTarget, PlanItem, Milestone, Application, ReviewAssignment, Publicity, PublicityEntry,
          Objection, Listing, Filing, FilingDeclaration, RecommendationRound, Recommendation, Agency, AssignmentBatch,
          AgencyCapacity, Engagement, EngagementPreference,
          AgencyReport, AgencyCheck, DynamicReport, Notice, ChangeNotice, Incident, Complaint, LoginThrottle, RateLimitCounter,
          SpotCheck, RemovalNotice, ParkMember, RoundPackage, PlanProject, IssuedDocument,
          PlanDistrictTarget, PlanSnapshot, SubjectCount, DataVersion]
