from flask import redirect, render_template, session, url_for

from blueprints.pool import operations
from blueprints.pool.forms import RegistrationForm
from core.access import public
from core.extensions import limiter
from rules import Refused

from . import bp


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@public
def register():
    """Public interest registration (登记意向): a pending subject and the registrant's enterprise account."""
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            subject, _ = operations.register(form.profile_data(), form.username.data, form.password.data)
        except Refused as error:
            form.credit_code.errors.append(str(error))
        else:
            session["registered_subject"] = subject.name
            return redirect(url_for("public.registered"))
    return render_template("public/register.html", form=form)


@bp.route("/register/done")
@public
def registered():
    """What happens after registering."""
    return render_template("public/registered.html", name=session.pop("registered_subject", None))
