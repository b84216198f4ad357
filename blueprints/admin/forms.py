import re

from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

import rules
from core.validation import EMAIL, MONTH_DAY, PHONE, Form
from models import Role, User

USERNAME_PATTERN = r"^[A-Za-z0-9_.-]{3,50}$"


class UserCreateForm(Form):
    username = StringField("用户名", validators=[
        DataRequired("请输入用户名"), Regexp(USERNAME_PATTERN, message="3–50 位字母、数字、下划线、点或连字符")])
    display_name = StringField("姓名/名称", validators=[DataRequired("请输入姓名或名称"), Length(max=100)])
    role = SelectField("角色", choices=Role.choices(), validators=[DataRequired("请选择角色")])
    organisation = StringField("所在单位", validators=[Optional(), Length(max=200)],
                               description="评审专家填写，用于回避同单位申报")
    phone = StringField("联系电话", validators=[Optional(), PHONE])

    def validate_username(self, field):
        if User.select().where(User.username == field.data.strip()).exists():
            raise ValidationError("该用户名已被使用")


class RoleForm(Form):
    role = SelectField("角色", choices=Role.choices(), validators=[DataRequired("请选择角色")])


class SettingsForm(Form):
    city_name = StringField("城市名称", validators=[DataRequired("请输入城市名称"), Length(max=50)])
    division_code = StringField("行政区划代码", validators=[
        DataRequired("请输入行政区划代码"), Regexp(r"^\d{6}$", message="行政区划代码为 6 位数字")])
    districts = TextAreaField("所辖区县（每行一个）", validators=[DataRequired("请至少填写一个区县")])
    bureau_name = StringField("主管部门名称", validators=[DataRequired("请输入主管部门名称"), Length(max=100)])
    bureau_address = StringField("地址", validators=[DataRequired("请输入地址"), Length(max=200)])
    bureau_contact = StringField("联系人", validators=[DataRequired("请输入联系人"), Length(max=50)])
    bureau_phone = StringField("联系电话", validators=[
        DataRequired("请输入联系电话"), PHONE])
    bureau_email = StringField("电子邮箱", validators=[Optional(), EMAIL])
    document_number_prefix = StringField(
        "发文字号机关代字", validators=[Optional(), Length(max=20)],
        description="如“龙工信函”：公文编号为“龙工信函〔2026〕12号”，年度顺序号在签发时分配，草稿显示“〔2026〕__号”")
    signer = StringField("签发人", validators=[Optional(), Length(max=20)],
                         description="上报省厅的公文（上行文）在发文字号同一行标注签发人")
    regulation_title = StringField(
        "所依据的规章全称", validators=[Optional(), Length(max=120)],
        description="公文首次引用时写全称，其后简称《实施细则》；留空则使用征求意见稿的名称")
    qualifying_score = IntegerField("合格分数线（第十八条）", validators=[
        InputRequired("请输入分数"), NumberRange(0, 100, "分数须在 0–100 之间")])
    key_cultivation_score = IntegerField("重点培育分数线（第十八条）", validators=[
        InputRequired("请输入分数"), NumberRange(0, 100, "分数须在 0–100 之间")])
    veto_check_max_age_days = IntegerField("否决项核查有效期（天）", validators=[
        DataRequired("请输入天数"), NumberRange(1, 730, "天数须在 1–730 之间")])
    experts_per_application = IntegerField("每份申报评审专家数", validators=[
        DataRequired("请输入人数"), NumberRange(1, 15, "人数须在 1–15 之间")])
    province_call_date = StringField(
        "省厅年度申报通知日期（月-日）", validators=[DataRequired("请输入日期"), MONTH_DAY],
        description="本局设定（第十二条规定省厅每年印发申报通知，未规定日期）：按往年通知时间填写，显示在工作日历上")
    city_recommendation_due = StringField(
        "市级推荐截止日期（月-日）", validators=[DataRequired("请输入日期"), MONTH_DAY],
        description=(f"本局设定（第十四条未规定日期）：省厅于每年 {rules.PROVINCE_TO_MINISTRY_DEADLINE[0]} 月 "
                     f"{rules.PROVINCE_TO_MINISTRY_DEADLINE[1]} 日前向工信部推荐（第二十一条），市级推荐须早于此日；"
                     f"省级、国家级目标的培育计划节点在此日前 {rules.APPLICATION_LEAD_DAYS} 天完成申报"))
    password_max_age_days = IntegerField("经办人和管理员密码有效期（天）", validators=[
        InputRequired("请输入天数，0 表示不过期"), NumberRange(0, 365, "天数须在 0–365 之间")])

    def validate_key_cultivation_score(self, field):
        if self.qualifying_score.data is not None and field.data is not None and field.data < self.qualifying_score.data:
            raise ValidationError("重点培育分数线不能低于合格分数线")

    def validate_city_recommendation_due(self, field):
        try:
            month_day = tuple(int(part) for part in (field.data or "").split("-"))
        except ValueError:
            return  # MONTH_DAY reports the format
        if month_day >= rules.PROVINCE_TO_MINISTRY_DEADLINE:
            month, day = rules.PROVINCE_TO_MINISTRY_DEADLINE
            raise ValidationError(f"第二十一条：省厅于 {month} 月 {day} 日前向工信部推荐，市级推荐截止日期须早于此日")

    def validate_districts(self, field):
        names = district_lines(field.data)
        if not names:
            raise ValidationError("请至少填写一个区县")
        if len(set(names)) != len(names):
            raise ValidationError("区县名称有重复")
        if any(len(n) > 50 for n in names):
            raise ValidationError("区县名称过长")


def district_lines(text):
    return [line.strip() for line in re.split(r"[\r\n]+", text or "") if line.strip()]


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    username = StringField("用户", validators=[Optional(), Length(max=50)])
    action = SelectField("操作", validators=[Optional()])
    object_type = SelectField("对象类型", validators=[Optional()])  # a label of audit.OBJECT_TYPE_LABELS
    date_from = DateField("起始日期", validators=[Optional()])
    date_to = DateField("截止日期", validators=[Optional()])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("截止日期不能早于起始日期")
