from flask import Blueprint

bp = Blueprint("agencies", __name__)

from . import routes  # noqa: E402,F401
