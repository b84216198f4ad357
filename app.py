"""GreenLadder: the application factory. Configuration, extensions, blueprints and CLI; no logic."""
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS
from core import bounds, database, ratelimits, security
from core.extensions import csrf, htmx, limiter, login_manager


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = bounds.BoundedIntConverter  # ids beyond the database's integers: 404
    env = (test_config or {}).get("ENV_NAME") or os.environ.get("GREENLADDER_ENV", "development")
    if env not in CONFIGS:
        raise RuntimeError(f"GREENLADDER_ENV must be one of {sorted(CONFIGS)}, not {env!r}")
    app.config.from_object(CONFIGS[env])
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    security.configure_secret_key(app)
    for key, folder in (("UPLOAD_DIR", "uploads"), ("FILING_DIR", "filings"), ("IMPORT_DIR", "imports")):
        app.config[key] = app.config[key] or os.path.join(app.instance_path, folder)
    from blueprints.pool import previews
    previews.sweep(app.config["IMPORT_DIR"])  # imports previewed and never confirmed

    if app.config["TRUSTED_PROXIES"]:
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    database.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    ratelimits.init_app(app)
    login_manager.init_app(app)
    security.init_app(app)

    import blueprints
    blueprints.register_all(app)  # the areas and their URL prefixes: blueprints.AREAS

    import cli
    from core import templating
    cli.init_app(app)
    templating.init_app(app)
    return app
