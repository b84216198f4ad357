from flask import Blueprint

bp = Blueprint("pool", __name__)

from . import document_views, registration, routes  # noqa: E402,F401
