from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from core.accounts import password_problem
from core.validation import Form


class LoginForm(Form):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


def strong_password(form, field):
    """The password rule at registration; the form's own username field (if any) may not be inside it."""
    username = form.username.data if "username" in form else None
    problem = password_problem(field.data, username)
    if problem:
        raise ValidationError(problem)


class ChangePasswordForm(Form):
    current_password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), Length(max=200)],
                                 description="至少 10 位，含大写字母、小写字母、数字、符号中的三类，不含用户名，不与最近 5 次相同")
    confirm = PasswordField("确认新密码", validators=[DataRequired("请再次输入新密码"),
                                                   EqualTo("new_password", "两次输入的新密码不一致")])
