from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, ValidationError

from core.validation import Form, strip
from models import local_now


class BuildForm(Form):
    # a filing is dated the day it is built (operations.date_problem): shown, not chosen
    filing_date = DateField("备案日期（文件落款日期，即生成当天）", validators=[DataRequired("请选择备案日期")],
                            render_kw={"readonly": True})


class SentForm(Form):
    sent_on = DateField("报送日期", validators=[DataRequired("请选择报送日期")])
    how = StringField("报送方式", filters=[strip], validators=[DataRequired("请填写报送方式，如 省厅政务平台、公文交换"),
                                                        Length(max=100)])

    def validate_sent_on(self, field):  # said with the other fields' messages; operations.mark_sent holds the rule
        if field.data and field.data > local_now().date():
            raise ValidationError("报送日期不能晚于今天")


class NoListForm(Form):
    statement = TextAreaField("说明", filters=[strip], validators=[DataRequired("请填写说明"), Length(max=2000)])


class YearForm(Form):
    year = IntegerField("年度", validators=[DataRequired("请输入年度"), NumberRange(2015, 2100, "年度不正确")])
