from flask import Blueprint

bp = Blueprint("upkeep", __name__)

from . import routes  # noqa: E402,F401
