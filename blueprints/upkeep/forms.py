from flask_wtf.file import FileField, MultipleFileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

import rules
from core.validation import Form, strip
from models import IncidentGrade, ReviewResult, SpotCheckResult


class ReviewForm(Form):
    result = SelectField("审核结论", choices=[("", "请选择"), *ReviewResult.choices()])
    opinion = TextAreaField("审核意见（对照第三十条）", filters=[strip], validators=[DataRequired("请填写审核意见"), Length(max=5000)])


class LateReasonForm(Form):
    late_reason = TextAreaField("逾期理由（第三十条第二项）", filters=[strip],
                                validators=[DataRequired("请填写逾期理由"), Length(max=2000)])


class ChangeForm(Form):
    kind = SelectField("变更事项", choices=rules.CHANGE_KINDS)
    new_name = StringField("变更后名称（名称变更填写）", filters=[strip], validators=[Optional(), Length(max=200)])
    description = TextAreaField("变更情况说明", filters=[strip], validators=[DataRequired("请说明变更情况"), Length(max=5000)])
    document = FileField("证明材料（可选）")


class DecideChangeForm(Form):
    accepted = SelectField("复核结论", choices=[("yes", "确认变更"), ("no", "不予确认")])
    # a choice, not a checkbox: "no longer meets" removes the unit at once (第三十一条 → 第三十条), so it is never the
    # silent default
    still_meets = SelectField("变更后是否仍符合相关标准", default="y", choices=[
        ("y", "仍符合相关标准"), ("n", "不再符合相关标准：确认变更即移出其所在名单（第三十一条）")])
    verification = TextAreaField("复核情况", filters=[strip], validators=[DataRequired("请填写复核情况"), Length(max=5000)])


class RemovalForm(Form):
    category = SelectField("移出情形（第三十条）", choices=[("", "请选择")] + list(rules.REMOVAL_CATEGORIES))
    reason = TextAreaField("事实和理由", filters=[strip], validators=[DataRequired("请填写事实和理由"), Length(max=5000)])
    effective_on = DateField("移出生效日期", validators=[DataRequired("请选择生效日期")])


class IncidentForm(Form):
    subject_id = SelectField("名单单位", coerce=int)
    occurred_on = DateField("发生日期", validators=[DataRequired("请选择发生日期")])
    kind = SelectField("类别（第二十九条）", choices=rules.INCIDENT_KINDS)
    grade = SelectField("等级（重大及以上须立即报送省厅）", choices=[("", "请选择"), *IncidentGrade.choices()])
    source = StringField("信息来源", filters=[strip], validators=[DataRequired("请填写信息来源"), Length(max=200)])
    description = TextAreaField("经过和影响", filters=[strip], validators=[DataRequired("请填写经过"), Length(max=10000)])


class IncidentReportedForm(Form):
    reported_on = DateField("报送日期", validators=[DataRequired("请选择报送日期")])


class SpotCheckForm(Form):
    subject_id = SelectField("名单单位", coerce=int)
    checked_on = DateField("抽查日期", validators=[DataRequired("请选择抽查日期")])
    method = SelectField("方式（第二十九条）", choices=[("", "请选择"), *rules.SPOT_CHECK_METHODS])
    inspectors = StringField("检查人员", filters=[strip], validators=[DataRequired("请填写检查人员"), Length(max=200)])
    findings = TextAreaField("检查发现", filters=[strip], validators=[DataRequired("请填写检查发现"), Length(max=10000)])
    result = SelectField("结论", choices=[("", "请选择"), *SpotCheckResult.choices()])
    documents = MultipleFileField("检查记录、照片等材料（可选，可多选）")


class ComplaintForm(Form):
    target = SelectField("举报对象")
    reporter_name = StringField("实名（单位或个人）", filters=[strip], validators=[DataRequired("请填写真实姓名或单位名称"), Length(max=100)])
    reporter_contact = StringField("联系方式", filters=[strip], validators=[DataRequired("请填写联系电话或邮箱"), Length(max=100)])
    matter = TextAreaField("举报事项", filters=[strip], validators=[DataRequired("请填写举报事项"), Length(max=5000)])
    evidence = FileField("佐证材料（PDF、Word、图片）")
    no_evidence_reason = TextAreaField("无法提供佐证材料的原因", filters=[strip], validators=[Optional(), Length(max=1000)])


class HandleComplaintForm(Form):
    outcome = SelectField("处理结果", choices=[("", "请选择")] + list(rules.COMPLAINT_OUTCOMES))
    finding = TextAreaField("核实情况", filters=[strip], validators=[DataRequired("请填写核实情况"), Length(max=5000)])
