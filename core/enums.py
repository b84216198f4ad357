"""The vocabulary of states: every enum whose members carry a Chinese label and a badge colour.

App-free (the standard library only), so rules.py, models.py, the templates (core/templating.py registers every
Titled subclass as a Jinja global) and the writers all speak of the same members. A Titled member is a str, so it
compares equal to the value stored in the database: `subject.status == SubjectStatus.ADMITTED`.
"""
import enum


class Titled(str, enum.Enum):
    """A string enum whose members carry a Chinese label and a Bootstrap badge colour."""

    def __new__(cls, value, label, badge="secondary"):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.badge = badge
        return member

    # A member prints as its stored value, as enum.StrEnum does: `{{ Rung.POOL }}` in a template, f"{status}".
    __str__ = str.__str__
    __format__ = str.__format__

    @classmethod
    def choices(cls):
        return [(m.value, m.label) for m in cls]

    @classmethod
    def values(cls):
        return tuple(m.value for m in cls)

    @classmethod
    def label_of(cls, value):
        try:
            return cls(value).label
        except ValueError:
            return value or ""

    @classmethod
    def vocabulary(cls):
        """Every Titled enum, by class name (what core/templating.py exposes to Jinja)."""
        found, pending = {}, list(cls.__subclasses__())
        while pending:
            sub = pending.pop()
            found[sub.__name__] = sub
            pending.extend(sub.__subclasses__())
        return found


class Role(Titled):
    ADMIN = ("admin", "管理员", "danger")
    STAFF = ("staff", "经办人", "primary")
    EXPERT = ("expert", "评审专家", "info")
    ENTERPRISE = ("enterprise", "企业/园区", "success")
    AGENCY = ("agency", "第三方机构", "warning")


class SubjectKind(Titled):
    FACTORY = ("factory", "绿色工厂", "success")
    PARK = ("park", "绿色工业园区", "info")
    SUPPLY_CHAIN = ("supply_chain", "绿色供应链管理企业", "primary")


class SubjectStatus(Titled):
    """Where a registration stands before (and after) the bureau's decision."""

    PENDING = ("pending", "待审核", "warning")
    INFO_REQUESTED = ("info_requested", "待补充材料", "info")
    ADMITTED = ("admitted", "已入库", "success")
    DECLINED = ("declined", "不予受理", "secondary")


class Rung(Titled):
    """The ladder (DESIGN.md §1): where a subject stands now. Kept on Subject for fast filtering;
    only pool and list operations change it."""

    INTEREST = ("interest", "意向登记", "secondary")
    POOL = ("pool", "培育库", "info")
    MUNICIPAL = ("municipal", "市级", "success")
    PROVINCIAL = ("provincial", "省级", "primary")
    NATIONAL = ("national", "国家级", "danger")

    @property
    def rank(self):
        """The rung's place on the ladder, from 0 (意向登记) up."""
        return list(type(self)).index(self)

    @property
    def is_list(self):
        """A rung of a list (市级、省级、国家级): what a plan aims a subject at and what an application is for."""
        return self.rank >= Rung.MUNICIPAL.rank

    @classmethod
    def lists(cls):
        return tuple(r for r in cls if r.is_list)


LADDER = list(Rung)


class PoolStatus(Titled):
    CULTIVATING = ("cultivating", "培育中", "success")
    LISTED = ("listed", "已入选名单", "primary")
    EXITED = ("exited", "退出", "secondary")


class Potential(Titled):
    ORDINARY = ("ordinary", "一般", "secondary")
    HIGH = ("high", "较高", "info")
    KEY = ("key", "重点", "danger")


class CheckResult(Titled):
    """第六至八条 eligibility items."""

    MET = ("met", "符合", "success")
    UNMET = ("unmet", "不符合", "danger")
    UNKNOWN = ("unknown", "未核实", "warning")


class VetoResult(Titled):
    """第十五条 veto conditions."""

    CLEAR = ("clear", "未发现", "success")
    HIT = ("hit", "存在", "danger")
    UNKNOWN = ("unknown", "未核查", "warning")


class MessageKind(Titled):
    INFO_REQUEST = ("info_request", "补充材料要求", "info")
    REPLY = ("reply", "企业答复", "primary")
    DECLINE = ("decline", "不予受理理由", "secondary")
    CHASE_UP = ("chase_up", "催办", "warning")  # the bureau chases a plan item's enterprise (no answer expected)


class SubjectSource(Titled):
    SELF = ("self", "自主登记")
    STAFF = ("staff", "经办人录入")
    IMPORT = ("import", "批量导入")
    DEMO = ("demo", "演示数据")


class AgencyStatus(Titled):
    PENDING = ("pending", "待审核", "warning")
    APPROVED = ("approved", "已认可", "success")
    REJECTED = ("rejected", "未通过", "secondary")
    SUSPENDED = ("suspended", "暂停", "danger")
    DISQUALIFIED = ("disqualified", "取消资格", "dark")


class EngagementPurpose(Titled):
    CONSULTING = ("consulting", "咨询", "info")
    EVALUATION = ("evaluation", "评价", "primary")


class EngagementStatus(Titled):
    PROPOSED = ("proposed", "待接受", "warning")  # invited: the agency answers by reply_by
    ACCEPTED = ("accepted", "待企业确认", "info")  # the agency accepted; the enterprise commissions it (第十二条)
    ACTIVE = ("active", "进行中", "primary")  # the enterprise confirmed: live, the subject's documents are shared
    COMPLETED = ("completed", "已完成", "success")
    DECLINED = ("declined", "已拒绝", "secondary")
    WITHDRAWN = ("withdrawn", "企业不予确认", "secondary")  # only the enterprise's refusal writes it (operations.refuse)
    EXPIRED = ("expired", "已过期", "secondary")  # not answered by reply_by: its cap and capacity slot are free
    ENDED = ("ended", "已终止", "dark")  # 第二十六条: the agency was suspended or disqualified


class PreferenceStance(Titled):
    PREFER = ("prefer", "倾向委托", "success")
    OBJECT = ("object", "异议", "danger")


class PlanStatus(Titled):
    DRAFT = ("draft", "草稿", "secondary")
    APPROVED = ("approved", "已批准", "success")
    FILED = ("filed", "已备案", "primary")


class ApplicationStatus(Titled):
    DRAFT = ("draft", "草稿", "secondary")
    SUBMITTED = ("submitted", "已提交", "info")
    RETURNED = ("returned", "退回补正", "warning")
    UNDER_REVIEW = ("under_review", "评审中", "primary")
    APPROVED = ("approved", "通过", "success")
    REJECTED = ("rejected", "未通过", "danger")


class EvaluationMethod(Titled):
    """第十二、十三条."""

    SELF = ("self", "自评价")
    THIRD_PARTY = ("third_party", "第三方评价")


class PublicityStatus(Titled):
    OPEN = ("open", "公示中", "warning")
    PUBLISHED = ("published", "已公布", "success")


class ListingStatus(Titled):
    LISTED = ("listed", "在册", "success")
    REMOVED = ("removed", "已移出", "secondary")


class ListingSource(Titled):
    MUNICIPAL_REVIEW = ("municipal_review", "市级评审公布")
    PROVINCE = ("province", "省厅公布")
    MINISTRY = ("ministry", "工信部公布")


class RoundStatus(Titled):
    DRAFT = ("draft", "草稿", "secondary")
    SIGNED = ("signed", "已签发", "success")


class Decision(Titled):
    RECOMMEND = ("recommend", "推荐", "success")
    NOT_RECOMMEND = ("not_recommend", "不推荐", "secondary")


class ReviewResult(Titled):
    """The bureau's conclusion on a dynamic management table (第二十八条)."""

    PASS = ("pass", "通过", "success")
    FAIL = ("fail", "不通过", "danger")


class IncidentGrade(Titled):
    """第二十九条: the grade of an accident or incident; 重大 (Ⅱ级) and above goes to the province at once
    (rules.incident_reportable), the lower grades are kept on record."""

    ESPECIALLY_MAJOR = ("especially_major", "特别重大（Ⅰ级）", "danger")
    MAJOR = ("major", "重大（Ⅱ级）", "danger")
    LARGER = ("larger", "较大（Ⅲ级）", "warning")
    GENERAL = ("general", "一般（Ⅳ级）", "secondary")

    @property
    def reportable(self):
        """第二十九条: 重大 (Ⅱ级) and above goes to the province at once."""
        return self in (IncidentGrade.ESPECIALLY_MAJOR, IncidentGrade.MAJOR)


class SpotCheckResult(Titled):
    """The conclusion of a spot check of a listed unit (第二十九条)."""

    COMPLIANT = ("compliant", "符合", "success")
    RECTIFY = ("rectify", "需整改", "warning")
    NONCOMPLIANT = ("noncompliant", "不符合", "danger")


class ChangeStatus(Titled):
    """Where a declared change (第三十一条) stands."""

    PENDING = ("pending", "待复核", "warning")
    ACCEPTED = ("accepted", "已确认", "success")
    REJECTED = ("rejected", "不予确认", "secondary")


class ReportChannel(Titled):
    """How a dynamic management table reached the bureau (第二十七条)."""

    ONLINE = ("online", "网上填报")
    PAPER = ("paper", "纸质报送")



class ScoreBand(Titled):
    """第十八条: where an evaluation score stands against the bureau's qualifying and key-cultivation scores
    (rules.score_band)."""

    KEY = ("key", "重点培育", "danger")
    QUALIFIED = ("qualified", "合格", "success")
    FAILED = ("failed", "不合格", "secondary")

    @property
    def passes(self):
        """The qualifying score or above (第十八条 "及以上")."""
        return self in (ScoreBand.KEY, ScoreBand.QUALIFIED)


class DisqualificationCategory(Titled):
    """第二十六条 (with 第二十四条): why an agency is disqualified (Agency.disqualified_category)."""

    FRAUD = ("fraud", "第二十六条：弄虚作假")
    CONCEALMENT = ("concealment", "第二十六条：故意隐瞒评价对象问题")
    POOR_QUALITY = ("poor_quality", "第二十六条：评价质量较差")
    BANNED_PRACTICE = ("banned_practice", "第二十四条：经查实签订对赌协议、承诺保过或认证服务搭售评价等")


class RemovalCategory(Titled):
    """第三十条 (and 第二十九、三十一条): why a unit is removed from a list."""

    VETO = ("veto", "第三十条第一项：存在第十五条所列情形")
    NO_DYNAMIC_REPORT = ("no_dynamic_report", "第三十条第二项：拒不按时填报动态管理表")
    FALSIFIED = ("falsified", "第三十条第三项：提交材料或数据存在造假")
    MAJOR_INCIDENT = ("major_incident", "第三十条、第二十九条：发生重大及以上安全、质量事故或Ⅱ级以上突发环境事件")
    NO_LONGER_MEETS = ("no_longer_meets", "第三十一条：变更后不再符合相关标准")


class ChangeKind(Titled):
    """第三十一条: what a declared change (变更申报) changes."""

    NAME = ("name", "名称变更")
    SCOPE = ("scope", "实际生产经营范围变更")
    ADDRESS = ("address", "生产地址变更")
    BOUNDARY = ("boundary", "组织边界变更")


class IncidentKind(Titled):
    """第二十九条: what must be reported to the province at once."""

    SAFETY = ("safety", "重大及以上生产安全事故")
    QUALITY = ("quality", "重大及以上质量事故")
    ENVIRONMENT = ("environment", "Ⅱ级（重大）及以上突发环境污染事件")


class SpotCheckMethod(Titled):
    """第二十九条: how the bureau checks a listed unit (不定期现场抽查复核, by energy inspection and other means)."""

    ONSITE = ("onsite", "现场抽查复核")
    ENERGY_INSPECTION = ("energy_inspection", "节能监察")
    DOCUMENTS = ("documents", "资料核查")
    JOINT = ("joint", "联合检查")


class ComplaintOutcome(Titled):
    """第三十二条: how a verified report ends."""

    UNFOUNDED = ("unfounded", "举报不实")
    RECTIFY = ("rectify", "责令整改")
    REMOVE = ("remove", "移出名单（第二十九条）")
    DISQUALIFY_AGENCY = ("disqualify_agency", "取消第三方机构资格（第二十六条）")
