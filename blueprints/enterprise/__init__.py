from flask import Blueprint

bp = Blueprint("enterprise", __name__)

from . import agencies, routes  # noqa: E402,F401
