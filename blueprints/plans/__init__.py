from flask import Blueprint

bp = Blueprint("plans", __name__)

from . import dashboard_views, queue, routes  # noqa: E402,F401
