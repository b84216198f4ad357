from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from core.enums import Rung
from core.validation import Form, strip


class PublicityForm(Form):
    year = IntegerField("年度", validators=[DataRequired("请输入年度"), NumberRange(2015, 2100, "年度不正确")])
    start_date = DateField("公示开始日期", validators=[DataRequired("请选择开始日期")])


class ObjectionForm(Form):
    application = SelectField("异议对象", coerce=int)
    name = StringField("实名（单位或个人）", filters=[strip], validators=[DataRequired("请填写真实姓名或单位名称"), Length(max=100)])
    contact = StringField("联系方式", filters=[strip], validators=[DataRequired("请填写联系电话或邮箱"), Length(max=100)])
    content = TextAreaField("异议内容和理由", filters=[strip], validators=[DataRequired("请填写异议内容"), Length(max=5000)])
    evidence = FileField("佐证材料（可选）")


class HandleForm(Form):
    upheld = SelectField("核实结论", choices=[("no", "异议不成立，维持公示结果"), ("yes", "异议成立，不列入名单")])
    handling = TextAreaField("处理情况", filters=[strip], validators=[DataRequired("请填写处理情况"), Length(max=5000)])


class OutcomeForm(Form):
    credit_code = StringField("统一社会信用代码", filters=[strip], validators=[DataRequired("请输入统一社会信用代码")])
    rung = SelectField("名单级别", choices=[(r.value, r.label) for r in Rung.lists() if r != Rung.MUNICIPAL])
    year = IntegerField("年度", validators=[DataRequired("请输入年度"), NumberRange(2015, 2100, "年度不正确")])
    listed_on = DateField("公布日期", validators=[DataRequired("请选择公布日期")])


class OutcomeImportForm(Form):
    # ids of their own: the one-by-one form on the same page has a listed_on too
    file = FileField("省厅/工信部名单（.xlsx：统一社会信用代码、名称、级别、年度）", id="import-file",
                     validators=[FileRequired("请选择要导入的名单文件（.xlsx）")])
    listed_on = DateField("公布日期", validators=[DataRequired("请选择公布日期")], id="import-listed-on")


class GreenCodeForm(Form):
    grade = SelectField("企业绿码等级", choices=[("", "未登记"), ("A+", "A+"), ("A", "A"), ("B", "B")],
                        validators=[Optional()])
    year = IntegerField("年度", validators=[Optional(), NumberRange(2015, 2100, "年度不正确")])
