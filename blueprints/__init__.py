"""The areas of the site, one blueprint each, and the one table of their URL prefixes.

An area with a prefix has every page under it (`/pool/...`); an area whose pages serve several audiences under
several roots (a public page, the enterprise's `/my/...`, the staff's pages) has none, and its routes carry their
whole paths. No blueprint sets a prefix of its own: this table is the only place (tests/test_layout_truth.py).
"""
import importlib

# (area, URL prefix), in the order they are registered.
AREAS = (
    ("main", None),  # /, /home, /healthz, /documents/<id>
    ("auth", None),  # /login, /logout, /account/password
    ("admin", "/admin"),
    ("pool", None),  # /register (public), /pool/... (staff)
    ("plans", "/plans"),
    ("applications", "/applications"),
    ("review", "/review"),
    ("listing", None),  # /list, /publicity/<id>, /green/<token> (public), /listing/... (staff)
    ("filing", "/filing"),
    ("recommend", "/recommend"),
    ("agencies", None),  # /agencies/register (public), /agency/... (an agency), /agencies/... (staff)
    ("enterprise", "/my"),
    ("upkeep", None),  # /report (public), /my/changes, /my/dynamic (an enterprise), /upkeep/... (staff)
)


def register_all(app):
    """Register every area's blueprint with its prefix from AREAS."""
    for area, prefix in AREAS:
        app.register_blueprint(importlib.import_module(f"blueprints.{area}").bp, url_prefix=prefix)
