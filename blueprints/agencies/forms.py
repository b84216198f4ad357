from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

import rules
from blueprints.auth.forms import strong_password
from core.bounds import id_range
from core.identifiers import credit_code_problem, normalize_credit_code
from core.industries import INDUSTRIES
from core.validation import PHONE, Form, strip
from models import CheckResult, EngagementPurpose, Rung, SubjectKind, User

STAFF_COUNT = [InputRequired("请填写人数"), NumberRange(0, 100000, "人数须为不小于 0 的整数")]


class DeclarationForm(Form):
    """第二十四条: the agency's declaration, a required checkbox carrying the text (at registration, on accepting)."""

    declaration = BooleanField(rules.AGENCY_DECLARATION, validators=[DataRequired("请阅读并勾选第二十四条承诺")])


class AgencyForm(Form):
    name = StringField("机构名称", filters=[strip], validators=[DataRequired("请输入机构名称"), Length(max=200)])
    credit_code = StringField("统一社会信用代码", filters=[normalize_credit_code], validators=[DataRequired("请输入统一社会信用代码")])
    legal_representative = StringField("法定代表人", filters=[strip], validators=[DataRequired("请输入法定代表人"), Length(max=100)])
    address = StringField("办公地址", filters=[strip], validators=[DataRequired("请输入办公地址"), Length(max=300)])
    contact_person = StringField("联系人", filters=[strip], validators=[DataRequired("请输入联系人"), Length(max=100)])
    contact_phone = StringField("联系电话", filters=[strip], validators=[DataRequired("请输入联系电话"), PHONE])
    platform_registration_no = StringField("管理平台注册号（第二十四条）", filters=[strip], validators=[Optional(), Length(max=60)])
    platform_approved = BooleanField("已在工业节能与绿色发展管理平台通过审核")
    staff_mid_level = IntegerField("中级职称以上专职人员（人）", validators=STAFF_COUNT,
                                   description=f"第二十三条第三项：不少于 {rules.AGENCY_MIN_MID_LEVEL_STAFF} 人")
    staff_senior = IntegerField("其中能源、环境、生态、低碳、生命周期评价等专业高级职称（人）", validators=STAFF_COUNT,
                                description=f"不少于 {rules.AGENCY_MIN_SENIOR_STAFF} 人")
    expertise_industries = SelectMultipleField("擅长行业（可多选）", choices=INDUSTRIES)
    expertise_kinds = SelectMultipleField("擅长领域（可多选）", choices=SubjectKind.choices())
    experience = TextAreaField("近五年绿色制造相关评审、评价、科研或标准制定经历（第二十三条第五项）", filters=[strip],
                               validators=[DataRequired("请填写相关经历"), Length(max=10000)])

    def validate_credit_code(self, field):
        problem = credit_code_problem(field.data)
        if problem:
            raise ValidationError(problem)

    def validate_staff_senior(self, field):
        if self.staff_mid_level.data is not None and field.data is not None and field.data > self.staff_mid_level.data:
            raise ValidationError("高级职称人员包含在中级职称以上人员中，不能多于中级职称以上人员总数")

    def profile_data(self):
        return {"name": self.name.data, "credit_code": self.credit_code.data,
                "legal_representative": self.legal_representative.data, "address": self.address.data,
                "contact_person": self.contact_person.data, "contact_phone": self.contact_phone.data,
                "platform_registration_no": self.platform_registration_no.data or "",
                "platform_approved": bool(self.platform_approved.data), "staff_mid_level": self.staff_mid_level.data,
                "staff_senior": self.staff_senior.data,
                "expertise_industries": ",".join(self.expertise_industries.data or []),
                "expertise_kinds": ",".join(self.expertise_kinds.data or []), "experience": self.experience.data}


class AgencyRegistrationForm(AgencyForm):
    qualification = FileField("资质证明材料（PDF/Word/图片）")
    declaration = DeclarationForm.declaration
    username = StringField("登录用户名", filters=[strip], validators=[
        DataRequired("请设置登录用户名"), Regexp(r"^[A-Za-z0-9_.-]{3,50}$", message="3–50 位字母、数字、下划线、点或连字符")])
    password = PasswordField("登录密码", validators=[DataRequired("请设置登录密码"), strong_password])
    confirm = PasswordField("确认密码", validators=[DataRequired("请再次输入密码"), EqualTo("password", "两次输入的密码不一致")])

    def validate_username(self, field):
        if User.select().where(User.username == field.data).exists():
            raise ValidationError("该用户名已被使用，请换一个")


class DisqualifyForm(Form):
    category = SelectField("情形", choices=[("", "请选择")] + list(rules.DISQUALIFICATION_CATEGORIES),
                           validators=[DataRequired("请选择取消资格的情形")])
    reason = TextAreaField("经查实的事实和理由", filters=[strip],
                           validators=[DataRequired("请填写取消资格的事实和理由"), Length(max=5000)])
    decided_on = DateField("决定日期", validators=[DataRequired("请选择决定日期")])


class ProposeForm(Form):
    agency_id = IntegerField("机构", validators=[DataRequired("请选择机构"), id_range("所选机构不存在")])
    purpose = SelectField("对接内容", choices=EngagementPurpose.choices())
    rung = SelectField("评价梯度", choices=[(r, Rung.label_of(r)) for r in rules.APPLICATION_RUNGS])
    year = IntegerField("年度", validators=[DataRequired("请输入年度"), NumberRange(2015, 2100, "年度不正确")])
    # required by the operation (matching.choice_problem) when the agency is not the recommended row or is marked
    choice_reason = TextAreaField("选择理由", filters=[strip], validators=[Optional(), Length(max=2000)],
                                  description="选择非推荐的机构，或有第二十四条、满负荷、已拒绝等标记的机构时必填，随对接保存")


class AgencyCheckForm(Form):
    result = SelectField("结果", choices=CheckResult.choices())
    evidence = StringField("依据/证明材料说明", filters=[strip], validators=[Optional(), Length(max=2000)])


class NoteForm(Form):
    text = TextAreaField("进展", filters=[strip], validators=[DataRequired("请填写进展"), Length(max=2000)])


class CompleteForm(Form):
    """Closing an engagement asks nothing: the agency records no 通过/未通过 (the pass rate comes from the bureau's
    recorded outcomes, operations.pass_rate)."""


class ReportForm(Form):
    year = IntegerField("年度", validators=[DataRequired("请输入年度"), NumberRange(2015, 2100, "年度不正确")])
    file = FileField("年度工作报告（PDF/Word）", validators=[FileRequired("请选择年度工作报告文件")])


class DeclineForm(Form):
    """The agency's reason for declining an invitation (shown to staff)."""

    reason = TextAreaField("拒绝理由", filters=[strip], validators=[DataRequired("请填写拒绝理由"), Length(max=1000)])


class OnBehalfForm(Form):
    """Staff record an enterprise's confirmation or refusal (第十二条) when its subject has no enterprise account."""

    decision = SelectField("企业意见", choices=[("confirm", "确认委托"), ("refuse", "不予确认")])
    note = TextAreaField("企业如何表示（电话、书面及联系人）或不予确认的理由", filters=[strip],
                         validators=[DataRequired("请注明企业如何确认或不予确认的理由"), Length(max=1000)])
