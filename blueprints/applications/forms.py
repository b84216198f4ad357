from flask_wtf.file import FileField
from wtforms import BooleanField, FloatField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

import rules
from core.bounds import id_range
from core.validation import Form, strip
from models import Agency, AgencyStatus, EvaluationMethod, Rung

RUNG_CHOICES = [(r, Rung.label_of(r)) for r in rules.APPLICATION_RUNGS]


def agency_choices():
    """Recognised agencies only: a pending, rejected, suspended or disqualified one is never offered (第二十六条,
    rules.agency_blocked_reason blocks every status but approved). The submit check then requires an engagement
    with the subject and refuses an agency stopped meanwhile."""
    query = Agency.select().where(Agency.status == AgencyStatus.APPROVED.value).order_by(Agency.name)
    return [(0, "（自评价，无需选择）")] + [(a.id, a.name) for a in query]


class ApplicationForm(Form):
    year = IntegerField("申报年度", validators=[DataRequired("请输入年度"), NumberRange(2015, 2100, "年度不正确")])
    rung = SelectField("申报级别", choices=RUNG_CHOICES)
    method = SelectField("评价方式（第十二条）", choices=EvaluationMethod.choices())
    agency_id = SelectField("评价机构（第三方评价时填写）", coerce=int, validators=[Optional()])
    claimed_score = FloatField("自评价/第三方评价得分", validators=[
        Optional(), NumberRange(0, 100, "得分须在 0–100 之间")])
    national_intent = BooleanField("有意愿创建国家级示范（第二十一条）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency_id.choices = agency_choices()


class ApplicationEditForm(ApplicationForm):
    year = None
    rung = None


class StaffApplicationForm(ApplicationForm):
    subject_id = IntegerField("培育对象", validators=[DataRequired("请选择培育对象"), id_range("所选培育对象不存在")])


class AttachForm(Form):
    purpose = SelectField("材料")
    file = FileField("文件")


class ReasonForm(Form):
    reason = TextAreaField("退回理由", filters=[strip], validators=[DataRequired("请填写退回理由"), Length(max=5000)])


class AssignForm(Form):
    expert = SelectField("评审专家")


class DeclareForm(Form):
    conflict = SelectField("利益冲突", choices=[("no", "与该申报不存在利益冲突"), ("yes", "存在利益冲突，申请回避")])
    reason = TextAreaField("说明", filters=[strip], validators=[Optional(), Length(max=2000)])


class ScoreForm(Form):
    score = FloatField("评分（0–100）", validators=[InputRequired("请输入评分"), NumberRange(0, 100, "评分须在 0–100 之间")])
    comments = TextAreaField("评审意见", filters=[strip], validators=[Optional(), Length(max=5000)])


class YearForm(Form):
    year = IntegerField("年度", validators=[DataRequired("请输入年度"), NumberRange(2015, 2100, "年度不正确")])
