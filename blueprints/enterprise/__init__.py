from flask import Blueprint

bp = Blueprint("enterprise", __name__)

from . import routes  # noqa: E402,F401
