from flask import Blueprint

bp = Blueprint("filing", __name__)


@bp.record_once
def _sweep_on_start(state):
    """A build killed with its process leaves a `.part` file: remove it when the site starts again."""
    from .operations import sweep_leftovers
    sweep_leftovers(state.app.config["FILING_DIR"])


from . import routes  # noqa: E402,F401
