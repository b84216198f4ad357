from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from accounts import password_problem
from validation import Form


class LoginForm(Form):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


def strong_password(form, field):
    problem = password_problem(field.data)
    if problem:
        raise ValidationError(problem)


class ChangePasswordForm(Form):
    current_password = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new_password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), strong_password])
    confirm = PasswordField("确认新密码", validators=[DataRequired("请再次输入新密码"),
                                                   EqualTo("new_password", "两次输入的新密码不一致")])
