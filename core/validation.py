"""The base form and the field validators shared by every form, with Chinese messages."""
import re

from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, FloatField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import Regexp, ValidationError

# C0 control characters and DEL: never typed on purpose, and XML 1.0 forbids most of them, so one stored in a
# name breaks every .xlsx/.docx it reaches. Tab and newline (\x09, \x0a) are left to the field kind to decide.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
# Zero-width characters, bidi marks, embeddings, overrides and isolates, and the BOM: invisible, and able to make a
# name or a code look like another one ("Trojan Source").
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
INVISIBLE_MESSAGE = "含有看不见的特殊字符（零宽字符或文字方向控制符），请清空本栏后重新键入"
# What a field that could not read its input says, instead of WTForms' parse message followed by each validator's
# complaint about the missing value ("不是有效的浮点数。；数值必须……").
UNREADABLE = ((IntegerField, "请输入整数，例如 12"), ((FloatField, DecimalField), "请输入数字，例如 85 或 85.5"),
              (DateField, "请输入有效的日期，例如 2026-05-31"))


def single_line(value):
    """A filter for one-line fields: tab and line breaks become spaces, other control characters go."""
    if not isinstance(value, str):
        return value
    return CONTROL.sub("", re.sub("[\t\r\n]", " ", value))


def multi_line(value):
    """A filter for text areas: line breaks kept (as \\n) and tabs kept; other control and invisible characters go."""
    if not isinstance(value, str):
        return value
    return INVISIBLE.sub("", CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")))


def no_invisible(form, field):
    """A validator for names and codes (every one-line field): invisible characters are refused, not hidden."""
    if isinstance(field.data, str) and INVISIBLE.search(field.data):
        raise ValidationError(INVISIBLE_MESSAGE)


class Form(FlaskForm):
    """Every form: WTForms' own messages ("Not a valid choice." …) in Chinese, from its bundled catalogue;
    every text field cleaned of control characters, and every one-line field refusing invisible ones."""

    class Meta:
        locales = ("zh",)

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if not isinstance(field, StringField) or isinstance(field, PasswordField):
                return field  # a password is compared as typed, never shown or exported
            if isinstance(field, TextAreaField):
                field.filters = (multi_line, *field.filters)
            else:
                field.filters = (single_line, *field.filters)
                field.validators = [*field.validators, no_invisible]
            return field

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for field in self:
            if field.process_errors:
                blank = not any(str(v).strip() for v in field.raw_data or [])
                if blank and (not field.errors or set(field.errors) - set(field.process_errors)):
                    # nothing was typed: an Optional field accepts that, and a required one's own message
                    # ("请选择培育对象") says what is missing
                    continue
                message = next((m for kinds, m in UNREADABLE if isinstance(field, kinds)), None)
                if message:
                    field.errors = [message]
        return valid


PHONE = Regexp(r"^[0-9+\- ]{7,20}$", message="电话号码格式不正确")
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="邮箱格式不正确")
MONTH_DAY = Regexp(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$", message="格式为 月-日，例如 07-10")


def strip(value):
    """A WTForms filter: surrounding spaces go."""
    return value.strip() if isinstance(value, str) else value
