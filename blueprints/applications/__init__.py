from flask import Blueprint

bp = Blueprint("applications", __name__)

from . import routes  # noqa: E402,F401
