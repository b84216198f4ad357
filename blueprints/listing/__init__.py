from flask import Blueprint

bp = Blueprint("listing", __name__)

from . import routes  # noqa: E402,F401
