from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, FloatField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, Regexp, ValidationError

import rules
from blueprints.auth.forms import strong_password
from core import settings
from core.identifiers import credit_code_problem, normalize_credit_code
from core.industries import INDUSTRIES, INDUSTRY_NAMES
from core.validation import EMAIL, PHONE, Form, strip
from models import CheckResult, PoolStatus, Potential, SubjectKind, User, VetoResult
from rules import VETO_SOURCES

from .queries import staff_choices

ENERGY_LEVELS = [("", "未填写"), ("标杆水平", "达到能效标杆水平"), ("1级", "能耗限额先进值/1级"),
                 ("2级", "2级"), ("3级", "3级"), ("未达到", "未达到基准水平")]


def industry_code_of(text):
    """'13 农副食品加工业' or '13' → '13'."""
    return (text or "").strip().split(" ")[0]


class SubjectForm(Form):
    """The subject's profile: one set of rules for registration, staff edits, the enterprise's edits and imports."""

    kind = SelectField("类型", choices=SubjectKind.choices(), validators=[DataRequired("请选择类型")])
    name = StringField("名称", filters=[strip], validators=[DataRequired("请输入名称"), Length(max=200, message="名称过长")])
    credit_code = StringField("统一社会信用代码", filters=[normalize_credit_code],
                              validators=[DataRequired("请输入统一社会信用代码")])
    district = SelectField("所在区县", validators=[DataRequired("请选择区县")])
    industry_code = StringField("所属行业（GB/T 4754-2017）", filters=[industry_code_of],
                                validators=[DataRequired("请选择所属行业")],
                                description="输入代码或名称可搜索，例如 13 或 食品")
    address = StringField("地址", filters=[strip], validators=[DataRequired("请输入地址"), Length(max=300)])
    legal_representative = StringField("法定代表人", filters=[strip],
                                       validators=[DataRequired("请输入法定代表人"), Length(max=100)])
    contact_person = StringField("联系人", filters=[strip], validators=[DataRequired("请输入联系人"), Length(max=100)])
    contact_phone = StringField("联系电话", filters=[strip], validators=[DataRequired("请输入联系电话"), PHONE])
    contact_email = StringField("电子邮箱", filters=[strip], validators=[Optional(), EMAIL, Length(max=200)])
    park_management_body = StringField("园区管理机构", filters=[strip], validators=[Optional(), Length(max=200)],
                                       description="园区填写（第七条第一项：具备统一管理机构）")
    park_value_added_share = FloatField("工业增加值占比（%）", validators=[
        Optional(), NumberRange(0, 100, "占比须在 0–100 之间")], description="园区填写（第七条第一项：超过 50%）")
    park_boundary_note = TextAreaField("法定边界和范围说明", filters=[strip], validators=[Optional(), Length(max=2000)])
    energy_efficiency_level = SelectField("能效水平（第二十一条）", choices=ENERGY_LEVELS, validators=[Optional()])

    locked = ()  # fields shown read-only: they change only through a change notice (第三十一条)

    def __init__(self, *args, districts=None, **kwargs):
        super().__init__(*args, **kwargs)
        districts = settings.get("districts") if districts is None else districts
        self.district.choices = [("", "请选择")] + [(d, d) for d in districts]

    def lock(self, subject, names):
        """Hold `names` at the subject's stored values: a posted value that differs is refused beside its field."""
        self.locked, self._stored = tuple(names), subject
        return self

    def _hold_locked(self):
        for name in self.locked:
            f, stored = self[name], getattr(self._stored, name)
            changed = (f.data if f.data is not None else "") != (stored if stored is not None else "")
            f.errors = [f"已入库或列入名单的单位不能自行修改{rules.DECLARED_CHANGE_FIELDS[name]}，"
                        "请通过变更申报（第三十一条）办理"] if changed else []
            f.data = stored

    def validate_credit_code(self, field):
        problem = credit_code_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_industry_code(self, field):
        if field.data not in INDUSTRY_NAMES:
            raise ValidationError("请从列表中选择 GB/T 4754-2017 制造业行业代码")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.locked:
            self._hold_locked()
            ok = not self.errors
        if self.kind.data == SubjectKind.PARK.value:  # 第七条第一项: a park names its managing body and its share
            if not self.park_management_body.data:
                self.park_management_body.errors = [*self.park_management_body.errors, "园区须填写管理机构"]
                ok = False
            if self.park_value_added_share.data is None and not self.park_value_added_share.errors:
                self.park_value_added_share.errors = [*self.park_value_added_share.errors, "园区须填写工业增加值占比"]
                ok = False
        return ok

    industries = INDUSTRIES  # for the template's searchable list

    def profile_data(self):
        """The cleaned profile fields, ready for Subject(**data)."""
        data = {name: self[name].data for name in PROFILE_FIELDS}
        for name in ("contact_email", "park_management_body", "park_boundary_note", "energy_efficiency_level"):
            data[name] = data[name] or ""
        if data["kind"] != SubjectKind.PARK.value:
            data.update(park_management_body="", park_value_added_share=None, park_boundary_note="")
        return data


PROFILE_FIELDS = ("kind", "name", "credit_code", "district", "industry_code", "address", "legal_representative",
                  "contact_person", "contact_phone", "contact_email", "park_management_body",
                  "park_value_added_share", "park_boundary_note", "energy_efficiency_level")


class RegistrationForm(SubjectForm):
    username = StringField("登录用户名", filters=[strip], validators=[
        DataRequired("请设置登录用户名"), Regexp(r"^[A-Za-z0-9_.-]{3,50}$", message="3–50 位字母、数字、下划线、点或连字符")])
    password = PasswordField("登录密码", validators=[DataRequired("请设置登录密码"), strong_password],
                             description="至少 10 位，须同时包含字母和数字")
    confirm = PasswordField("确认密码", validators=[DataRequired("请再次输入密码"), EqualTo("password", "两次输入的密码不一致")])

    def validate_username(self, field):
        if User.select().where(User.username == field.data).exists():
            raise ValidationError("该用户名已被使用，请换一个")


class ReasonForm(Form):
    reason = TextAreaField("说明", filters=[strip], validators=[DataRequired("请填写说明"), Length(max=2000)])


class AdmitForm(Form):
    year_admitted = IntegerField("入库年度", validators=[DataRequired("请输入入库年度"), NumberRange(2015, 2100, "年度不正确")])
    potential = SelectField("提升潜力", choices=Potential.choices())
    owner = SelectField("负责经办人", validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner.choices = [("", "暂不指定"), *staff_choices()]


class PoolStatusForm(Form):
    status = SelectField("培育状态", choices=PoolStatus.choices())
    potential = SelectField("提升潜力", choices=Potential.choices())
    owner = SelectField("负责经办人", validators=[Optional()])
    reason = TextAreaField("退出原因", filters=[strip], validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner.choices = [("", "暂不指定"), *staff_choices()]

    def validate_reason(self, field):
        if self.status.data == PoolStatus.EXITED.value and not field.data:
            raise ValidationError("退出培育库须填写原因")


class EligibilityItemForm(Form):
    result = SelectField("结果", choices=CheckResult.choices())
    evidence = StringField("依据/证明材料说明", filters=[strip], validators=[Optional(), Length(max=2000)])


class VetoItemForm(Form):
    result = SelectField("结果", choices=VetoResult.choices())
    source = SelectField("核查来源")
    checked_on = DateField("核查日期", validators=[DataRequired("请填写核查日期")])
    # 第十五条 近三年: the date of the event found; required for 存在, ignored otherwise
    event_on = DateField("事件日期", validators=[Optional()])
    evidence = StringField("说明", filters=[strip], validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = [(s, s) for s in VETO_SOURCES]

    def validate_event_on(self, field):
        if self.result.data == VetoResult.HIT.value and field.data is None and not field.errors:
            raise ValidationError("核查结果为“存在”时须填写事件日期（第十五条：近三年）")


class MemberForm(Form):
    """A park's member enterprise (第十五条：含园区内企业): a registered subject by its code, or name and code."""

    credit_code = StringField("统一社会信用代码", filters=[normalize_credit_code],
                              validators=[DataRequired("请输入统一社会信用代码")])
    name = StringField("企业名称", filters=[strip], validators=[Optional(), Length(max=200, message="名称过长")],
                       description="已在本系统登记的企业只需填写统一社会信用代码")

    def validate_credit_code(self, field):
        problem = credit_code_problem(field.data)
        if problem:
            raise ValidationError(problem)


class MemberEndForm(Form):
    ended_on = DateField("退出日期", validators=[DataRequired("请填写退出日期")])
    reason = StringField("退出原因", filters=[strip], validators=[Optional(), Length(max=500)])


class UploadForm(Form):
    file = FileField("选择文件", validators=[FileRequired("请选择要上传的文件")])
    purpose = StringField("文件说明", filters=[strip], validators=[Optional(), Length(max=40)])


class WithdrawDocumentForm(Form):
    reason = TextAreaField("撤回理由", filters=[strip], validators=[DataRequired("请填写撤回理由"), Length(max=500)])


class ImportForm(Form):
    file = FileField("Excel 文件（.xlsx）")
