"""Two app servers on one PostgreSQL (issue 19, part 4): two gunicorn instances on two ports, one database, shared
UPLOAD_DIR/FILING_DIR/IMPORT_DIR, the same SECRET_KEY, as a bureau runs them behind its proxy. Proves that a session
from one works on the other, a write on one is read on the other (on a pool list the other keeps too), the login
rate limit counts across both, and the filing build of a year is exclusive across both (an advisory lock in the
database).

PostgreSQL only (skipped otherwise): `make test-postgres`, or
    pg_virtualenv sh -c 'TEST_DATABASE_URL="postgresql:///$PGDATABASE" .venv/bin/python -m pytest tests/test_two_servers.py'
"""
import hashlib
import http.client
import os
import re
import secrets
import signal
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

import pytest

from bench.load import free_port, start_server
from core import database, datapackage
from models import Filing, PoolEntry, Subject, db, local_now

TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(not URL.startswith("postgres"), reason="two app servers share one PostgreSQL")


class Browser:
    """One person's browser: the session cookie and CSRF token, sent to whichever server `port` names."""

    def __init__(self):
        self.cookie, self.token = "", ""

    def request(self, port, method, path, form=None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if self.token:
                headers["X-CSRFToken"] = self.token
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in response.msg.get_all("Set-Cookie") or []:
            morsel = SimpleCookie(header).get("session")
            if morsel is not None:
                self.cookie = f"session={morsel.value}"
        if match := TOKEN.search(text):
            self.token = match.group(1)
        return response.status, response.getheader("Location") or "", text


@pytest.fixture
def servers(app, tmp_path):
    """A city ready to file (bench.filing.prepare: 850 pooled subjects, an approved plan, a published list), then two
    gunicorn instances on it, one worker each. Yields (port A, port B, year, staff username)."""
    from bench.filing import prepare
    year, staff = prepare(app, 850)
    env = {**os.environ, "GREENLADDER_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": URL,
           "UPLOAD_DIR": str(tmp_path / "uploads"), "FILING_DIR": str(tmp_path / "filings"),
           "IMPORT_DIR": str(tmp_path / "imports"), "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4"}
    processes = []
    try:
        ports = []
        for _ in range(2):
            ports.append(free_port())
            processes.append(start_server(env, ports[-1]))
        yield ports[0], ports[1], year, staff.username
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


def login(browser, port, username):
    from bench.common import PASSWORD
    browser.request(port, "GET", "/login")
    status, _, _ = browser.request(port, "POST", "/login", {"username": username, "password": PASSWORD})
    assert status == 302, "login failed"


def test_two_servers_share_sessions_data_rate_limits_and_the_filing_lock(app, servers, tmp_path):
    a, b, year, username = servers
    staff = Browser()

    # a session from A works on B (the same SECRET_KEY signs the cookie; the session's version is in the database)
    login(staff, a, username)
    status, _, page = staff.request(b, "GET", "/pool/")
    assert status == 200 and "培育库" in page
    anonymous = Browser()
    assert anonymous.request(b, "GET", "/pool/")[0] == 302  # B does ask for a login: the cookie is what let us in

    # the year's build lock is the database's: while another session holds it, both servers refuse to build
    today = local_now().date().isoformat()
    import psycopg2
    holder = psycopg2.connect(URL)
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", (database.lock_key(f"build-{year}"),))
        for port in (a, b):
            staff.request(port, "GET", f"/filing/{year}")
            status, location, _ = staff.request(port, "POST", f"/filing/{year}/build", {"filing_date": today})
            assert status == 302
            assert "正在生成" in staff.request(port, "GET", location)[2]
    finally:
        holder.close()  # the lock goes with the session
    with db.connection_context():
        assert Filing.select().count() == 0

    # two builds of the year started at once on A and B: each is refused or builds alone; every bundle is whole
    results = {}

    def build(port):
        browser = Browser()
        login(browser, port, username)
        browser.request(port, "GET", f"/filing/{year}")
        go.wait(30)
        status, location, _ = browser.request(port, "POST", f"/filing/{year}/build", {"filing_date": today})
        results[port] = (status, browser.request(port, "GET", location)[2] if status == 302 else "")

    go = threading.Event()
    threads = [threading.Thread(target=build, args=(port,)) for port in (a, b)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # both logged in and waiting: release them together
    go.set()
    for thread in threads:
        thread.join(60)
    built = [port for port, (status, page) in results.items() if "备案材料已生成" in page]
    refused = [port for port, (status, page) in results.items() if "正在生成" in page]
    assert len(built) >= 1 and len(built) + len(refused) == 2, results
    with db.connection_context():
        filings = list(Filing.select().where(Filing.year == year).order_by(Filing.id))
    assert len(filings) == len(built)
    for filing in filings:  # each bundle is complete and consistent: its hash, its manifest, its data
        with open(tmp_path / "filings" / filing.stored_name, "rb") as fh:
            content = fh.read()
        assert hashlib.sha256(content).hexdigest() == filing.sha256
        assert datapackage.verify_package(content) == [], filing.stored_name
    assert sorted(n for n in os.listdir(tmp_path / "filings") if not n.startswith(".")) == sorted(
        f.stored_name for f in filings)  # no .part file, no bundle without its record

    # a write on A is read on B: the bundle marked as sent on A shows as sent on B
    how = f"公文交换{secrets.token_hex(4)}"
    staff.request(a, "GET", f"/filing/{year}")
    status, _, _ = staff.request(a, "POST", f"/filing/records/{filings[0].id}/sent", {"sent_on": today, "how": how})
    assert status == 302
    status, _, page = staff.request(b, "GET", f"/filing/{year}")
    assert status == 200 and f"经{how}报送" in page

    # the pool list B rendered and keeps (core/versions.py) follows a rename made on A
    with db.connection_context():
        subject = Subject.select().join(PoolEntry).order_by(Subject.id).first()
    search = f"/pool/?q={quote(subject.credit_code)}"
    assert subject.name in staff.request(b, "GET", search)[2]
    form = {key: getattr(subject, key) or "" for key in (
        "kind", "name", "credit_code", "district", "industry_code", "address", "legal_representative",
        "contact_person", "contact_phone")}
    form["name"] = f"{subject.name}（更名）"
    staff.request(a, "GET", f"/pool/subjects/{subject.id}/edit")
    assert staff.request(a, "POST", f"/pool/subjects/{subject.id}/edit", form)[0] == 302
    assert form["name"] in staff.request(b, "GET", search)[2]

    # the login rate limit (30 a minute per address) counts on both servers together: one login above was on each
    # of A (twice) and B; failed logins now go to A and B in turn until the shared counter refuses
    statuses = []
    for attempt in range(40):
        port = (a, b)[attempt % 2]
        status = failed_login(port)
        statuses.append((port, status))
        if status == 429:
            break
    allowed = [s for s in statuses if s[1] != 429]
    assert statuses[-1][1] == 429
    assert len(allowed) == 30 - 3  # three logins counted before: A, A, B
    assert {port for port, _ in allowed} == {a, b}
    other = b if statuses[-1][0] == a else a
    assert failed_login(other) == 429


def failed_login(port):
    browser = Browser()
    browser.request(port, "GET", "/login")  # its CSRF token: a POST without one is refused before it is counted
    return browser.request(port, "POST", "/login", {"username": "nobody", "password": "x"})[0]
