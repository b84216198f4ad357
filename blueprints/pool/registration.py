"""The public interest registration (登记意向): anyone registers a unit, which waits in the registration queue
(/pool/registrations) for the checks before it can enter the pool."""
from flask import redirect, render_template, session, url_for

from core.access import public
from core.extensions import limiter
from rules import Refused

from . import bp, operations
from .forms import RegistrationForm


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@public
def register():
    """Public interest registration (登记意向): a pending subject and the registrant's enterprise account."""
    form = RegistrationForm()
    if form.validate_on_submit():
        try:
            subject, _ = operations.register(form.profile_data(), username=form.username.data,
                                             password=form.password.data)
        except Refused as error:
            form.credit_code.errors.append(str(error))
        else:
            session["registered_subject"] = subject.name
            return redirect(url_for("pool.registered"))
    return render_template("pool/register.html", form=form)


@bp.route("/register/done")
@public
def registered():
    """What happens after registering."""
    return render_template("pool/registered.html", name=session.pop("registered_subject", None))
