from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from core.bounds import id_range
from core.validation import Form, strip
from models import PreferenceStance


class PreferenceForm(Form):
    """The enterprise prefers or objects to an agency (第十条、第十二条), with its reason."""

    agency_id = IntegerField("机构", validators=[DataRequired("请选择机构"), id_range("所选机构不存在")])
    stance = SelectField("意见", choices=PreferenceStance.choices())
    reason = TextAreaField("理由", filters=[strip], validators=[DataRequired("请填写理由"), Length(max=1000)])


class WithdrawPreferenceForm(Form):
    agency_id = IntegerField("机构", validators=[DataRequired("请选择机构"), id_range("所选机构不存在")])


class ConfirmForm(Form):
    """Confirming carries nothing but the CSRF token."""


class RefuseForm(Form):
    reason = TextAreaField("不予确认的理由", filters=[strip],
                           validators=[DataRequired("请填写不予确认的理由"), Length(max=1000)])
