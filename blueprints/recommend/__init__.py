from flask import Blueprint

bp = Blueprint("recommend", __name__)

from . import routes  # noqa: E402,F401
