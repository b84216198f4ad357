"""The login rate limit holds across gunicorn workers: every worker counts in the site's own database."""
import os
import secrets
import signal
from urllib.parse import urlencode

import pytest

from app import create_app
from bench.load import Client, free_port, start_server
from core import database
from models import db


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="gunicorn runs on a SQLite file here")
def test_thirty_logins_a_minute_with_two_workers(tmp_path):
    env = {**os.environ, "GREENLADDER_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
           "DATABASE_URL": f"sqlite:///{tmp_path}/rl.sqlite3", "UPLOAD_DIR": f"{tmp_path}/uploads",
           "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "2"}
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": env["DATABASE_URL"], "UPLOAD_DIR": env["UPLOAD_DIR"]})
    with app.app_context(), db.connection_context():
        database.upgrade()
    port = free_port()
    server = start_server(env, port)
    try:
        statuses, retry_after = [], set()
        for _ in range(40):
            browser = Client(port)  # a new connection each time, so both workers answer
            browser.request("GET", "/login")
            browser.conn.request("POST", "/login", urlencode({"username": "nobody", "password": "x"}), {
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": browser.cookie,
                "X-CSRFToken": browser.token})
            response = browser.conn.getresponse()
            response.read()
            statuses.append(response.status)
            if response.status == 429:
                retry_after.add(int(response.getheader("Retry-After")))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert statuses.count(200) == 30, statuses
    assert statuses.count(429) == 10
    assert retry_after and min(retry_after) > 0
