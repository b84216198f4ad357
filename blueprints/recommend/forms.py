from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import NumberRange, Optional

from core.validation import Form, strip
from models import Decision


class DecisionForm(Form):
    rank = IntegerField("排序", validators=[Optional(), NumberRange(1, 999, "排序须为 1–999 的整数")])
    decision = SelectField("结论", choices=[("", "请选择")] + Decision.choices())
    opinion = TextAreaField("推荐意见", filters=[strip], validators=[Optional()])
    exception_reason = TextAreaField("特殊情况说明", filters=[strip], validators=[Optional()])
