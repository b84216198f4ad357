from flask import Blueprint

bp = Blueprint("pool", __name__)

from . import routes  # noqa: E402,F401
