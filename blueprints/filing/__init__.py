from flask import Blueprint

bp = Blueprint("filing", __name__)

from . import routes  # noqa: E402,F401
