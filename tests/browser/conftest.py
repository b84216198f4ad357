"""Browser tests: Debian's chromium driven by Playwright against a live server on 127.0.0.1.

Each test gets its own app, database and server. A failing test leaves a screenshot under
test-artifacts/ (pytest-playwright's --screenshot only-on-failure, set in pytest.ini).
"""
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from core import database
from models import db


def pytest_collection_modifyitems(items):
    for item in items:
        if "/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args,
            "executable_path": shutil.which("chromium") or "/usr/bin/chromium",
            "args": ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run"]}


@pytest.fixture
def live_app(tmp_path):
    app = create_app({
        "ENV_NAME": "testing",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}",
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "FILING_DIR": str(tmp_path / "filings"),
        "IMPORT_DIR": str(tmp_path / "imports"),
        "WTF_CSRF_ENABLED": True,
    })
    with app.app_context(), db.connection_context():
        database.upgrade()
    return app


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
