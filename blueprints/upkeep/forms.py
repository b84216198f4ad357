from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

import rules
from models import ReviewResult
from validation import Form, strip


class ReviewForm(Form):
    result = SelectField("审核结论", choices=[("", "请选择"), *ReviewResult.choices()])
    opinion = TextAreaField("审核意见（对照第三十条）", filters=[strip], validators=[DataRequired("请填写审核意见"), Length(max=5000)])


class ChangeForm(Form):
    kind = SelectField("变更事项", choices=rules.CHANGE_KINDS)
    new_name = StringField("变更后名称（名称变更填写）", filters=[strip], validators=[Optional(), Length(max=200)])
    description = TextAreaField("变更情况说明", filters=[strip], validators=[DataRequired("请说明变更情况"), Length(max=5000)])
    document = FileField("证明材料（可选）")


class DecideChangeForm(Form):
    accepted = SelectField("复核结论", choices=[("yes", "确认变更"), ("no", "不予确认")])
    still_meets = BooleanField("变更后仍符合相关标准")
    verification = TextAreaField("复核情况", filters=[strip], validators=[DataRequired("请填写复核情况"), Length(max=5000)])


class RemovalForm(Form):
    category = SelectField("移出情形（第三十条）", choices=[("", "请选择")] + list(rules.REMOVAL_CATEGORIES))
    reason = TextAreaField("事实和理由", filters=[strip], validators=[DataRequired("请填写事实和理由"), Length(max=5000)])
    effective_on = DateField("移出生效日期", validators=[DataRequired("请选择生效日期")])


class IncidentForm(Form):
    subject_id = SelectField("名单单位", coerce=int)
    occurred_on = DateField("发生日期", validators=[DataRequired("请选择发生日期")])
    kind = SelectField("类别（第二十九条）", choices=rules.INCIDENT_KINDS)
    grade = StringField("等级", filters=[strip], validators=[DataRequired("请填写事故或事件等级"), Length(max=40)])
    source = StringField("信息来源", filters=[strip], validators=[DataRequired("请填写信息来源"), Length(max=200)])
    description = TextAreaField("经过和影响", filters=[strip], validators=[DataRequired("请填写经过"), Length(max=10000)])


class ComplaintForm(Form):
    target = SelectField("举报对象")
    reporter_name = StringField("实名（单位或个人）", filters=[strip], validators=[DataRequired("请填写真实姓名或单位名称"), Length(max=100)])
    reporter_contact = StringField("联系方式", filters=[strip], validators=[DataRequired("请填写联系电话或邮箱"), Length(max=100)])
    matter = TextAreaField("举报事项", filters=[strip], validators=[DataRequired("请填写举报事项"), Length(max=5000)])
    evidence = FileField("佐证材料（PDF、Word、图片）")


class HandleComplaintForm(Form):
    outcome = SelectField("处理结果", choices=[("", "请选择")] + list(rules.COMPLAINT_OUTCOMES))
    finding = TextAreaField("核实情况", filters=[strip], validators=[DataRequired("请填写核实情况"), Length(max=5000)])
