from flask import Blueprint

bp = Blueprint("agencies", __name__)

from . import batch, invitations, routes  # noqa: E402,F401
