"""The base form and the field validators shared by every form, with Chinese messages."""
from flask_wtf import FlaskForm
from wtforms.validators import Regexp


class Form(FlaskForm):
    """Every form: WTForms' own messages ("Not a valid choice." …) in Chinese, from its bundled catalogue."""

    class Meta:
        locales = ("zh",)

PHONE = Regexp(r"^[0-9+\- ]{7,20}$", message="电话号码格式不正确")
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="邮箱格式不正确")
MONTH_DAY = Regexp(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", message="格式为 月-日，例如 07-10")


def strip(value):
    """A WTForms filter: surrounding spaces go."""
    return value.strip() if isinstance(value, str) else value
