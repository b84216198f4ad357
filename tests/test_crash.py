"""Crash safety on SQLite: gunicorn killed with SIGKILL in the middle of an Excel import and of a bundle build
leaves an intact database with nothing half-written, and the site carries on after a restart; a backup taken
while writes run restores. Each test runs the real server (bench/load.py's helpers) on its own files."""
import os
import re
import signal
import sqlite3
import threading
import time
import uuid

import pytest

from app import create_app
from bench.common import PASSWORD, as_new_subjects, generate_city
from bench.load import Client, free_port, start_server
from core import database
from models import CultivationPlan, Filing, PlanStatus, Subject, db, local_now

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="SQLite crash behaviour")
YEAR = local_now().year
# about a millisecond of work for each subject row written
SLOW_INSERTS = ("CREATE TRIGGER slow_inserts AFTER INSERT ON subject BEGIN SELECT count(*) FROM (WITH RECURSIVE "
                "c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) SELECT x FROM c); END")


class Site:
    """A database and directories under tmp_path, an in-process app to prepare and inspect them, and a
    gunicorn with the production settings that can be killed and started again."""

    def __init__(self, tmp_path):
        self.db_path = tmp_path / "crash.sqlite3"
        self.filing_dir = tmp_path / "filings"
        self.env = {**os.environ, "GREENLADDER_ENV": "production", "SECRET_KEY": uuid.uuid4().hex * 2,
                    "DATABASE_URL": f"sqlite:///{self.db_path}", "UPLOAD_DIR": str(tmp_path / "uploads"),
                    "FILING_DIR": str(self.filing_dir), "IMPORT_DIR": str(tmp_path / "imports"),
                    "WEB_CONCURRENCY": "1"}
        self.app = create_app({"ENV_NAME": "testing", "DATABASE_URL": self.env["DATABASE_URL"],
                               "UPLOAD_DIR": self.env["UPLOAD_DIR"], "FILING_DIR": self.env["FILING_DIR"],
                               "IMPORT_DIR": self.env["IMPORT_DIR"], "WTF_CSRF_ENABLED": False})
        with self.app.app_context(), db.connection_context():
            database.upgrade()
        self.server = None
        self.port = None

    def start(self):
        self.port = free_port()
        self.server = start_server(self.env, self.port)
        client = Client(self.port)
        client.login("staff0")
        return client

    def kill(self):
        os.killpg(self.server.pid, signal.SIGKILL)
        self.server.wait(timeout=10)

    def stop(self):
        if self.server and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=30)

    def integrity(self):
        connection = sqlite3.connect(self.db_path)
        try:
            return connection.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            connection.close()

    def execute(self, sql):
        connection = sqlite3.connect(self.db_path)
        try:
            connection.execute(sql)
            connection.commit()
        finally:
            connection.close()

    def count(self, model, *where):
        with self.app.app_context(), db.connection_context():
            query = model.select()
            return (query.where(*where) if where else query).count()


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path)
    yield site
    site.stop()


def post_in_background(client, path, body, headers):
    """Send a request that the server is about to be killed under; its outcome, if any, lands in the list."""
    outcome = []

    def send():
        try:
            outcome.append(client.request("POST", path, body, headers)[0])
        except Exception as error:  # noqa: BLE001 - the connection dies with the server: that is the point
            outcome.append(type(error).__name__)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread, outcome


def multipart(name, data, fields=()):
    boundary = uuid.uuid4().hex
    body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                    for k, v in fields)
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
             "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def test_import_killed_midway_writes_nothing_and_can_be_confirmed_after_restart(site):
    with site.app.app_context():
        generate_city(3000)
    exporter = site.app.test_client()
    exporter.post("/login", data={"username": "staff0", "password": PASSWORD})
    workbook = as_new_subjects(exporter.get("/pool/export").data)

    client = site.start()
    started = time.perf_counter()
    status, _, page = client.request("POST", "/pool/import", *multipart("培育库.xlsx", workbook))
    preview_seconds = time.perf_counter() - started
    token = re.search(r'name="token" value="([0-9a-f]+)"', page)
    assert status == 200 and token, page[-2000:]
    form = f"token={token.group(1)}"

    # The write is fast since issue 19 (a fraction of the check): a trigger of the test's own makes every inserted
    # row cost a little, so the write lasts seconds and the kill below lands in it whatever the machine's load.
    site.execute(SLOW_INSERTS)
    thread, outcome = post_in_background(client, "/pool/import/confirm", form,
                                         {"Content-Type": "application/x-www-form-urlencoded"})
    time.sleep(preview_seconds * 1.3)  # the file is checked again (as long as the preview), then written
    site.kill()
    thread.join(timeout=10)
    assert outcome and outcome[0] != 302, "the import finished before the kill: nothing was proven"

    assert site.integrity() == "ok"
    assert site.count(Subject) == 3000  # not one of the 3,000 new rows

    site.execute("DROP TRIGGER slow_inserts")
    client = site.start()
    status, location, _ = client.request("POST", "/pool/import/confirm", form,
                                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302 and location.endswith("/pool/")
    assert site.count(Subject) == 6000


def test_bundle_build_killed_midway_leaves_no_bundle_and_no_filing(site):
    from bench.filing import prepare
    prepare(site.app, 3000)
    client = site.start()
    thread, outcome = post_in_background(client, f"/filing/{YEAR}/build", f"filing_date={local_now().date()}",
                                         {"Content-Type": "application/x-www-form-urlencoded"})
    time.sleep(0.35)  # gathering 3,000 subjects alone takes longer
    site.kill()
    thread.join(timeout=10)
    assert outcome and outcome[0] != 302, "the build finished before the kill: nothing was proven"

    assert site.integrity() == "ok"
    assert site.count(Filing) == 0
    assert site.count(CultivationPlan, CultivationPlan.status == PlanStatus.FILED.value) == 0

    client = site.start()  # start-up sweeps what the killed build left
    assert [n for n in os.listdir(site.filing_dir) if not n.startswith(".")] == []
    status, _, _ = client.request("POST", f"/filing/{YEAR}/build", f"filing_date={local_now().date()}",
                                  {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302
    assert site.count(Filing) == 1  # the year's lock died with the killed build
    assert len([n for n in os.listdir(site.filing_dir) if n.endswith(".zip")]) == 1


def test_leftovers_of_a_killed_build_are_swept(site):
    from bench.filing import prepare
    from blueprints.filing import operations as filing
    year, staff = prepare(site.app, 850)  # 300 plan items, then 500 on the published list
    os.makedirs(site.filing_dir, exist_ok=True)
    for name in (f"{year}-dead.zip.part", f"{year}-orphan.zip"):
        (site.filing_dir / name).write_bytes(b"PK partial")
    filing.sweep_leftovers(str(site.filing_dir))
    assert sorted(os.listdir(site.filing_dir)) == [f".build-{year}.lock", f"{year}-orphan.zip"]
    with site.app.test_request_context(), db.connection_context():
        # a build also drops bundles no Filing row records
        record = filing.build(year, filing_date=local_now().date(), by=staff)
    assert sorted(n for n in os.listdir(site.filing_dir) if not n.startswith(".")) == [record.stored_name]


def test_backup_while_writes_run_restores(site, tmp_path):
    with site.app.app_context():
        generate_city(200)
    stop, written = threading.Event(), []

    def write():
        with site.app.app_context(), db.connection_context():
            template = Subject.get_by_id(1)
            n = 0
            while not stop.is_set():
                n += 1
                data = {f.name: getattr(template, f.name) for f in Subject._meta.sorted_fields if f.name != "id"}
                data.update(name=f"并发写入{n}有限公司", credit_code=f"91239902W{n:08d}X"[:18],
                            public_token=uuid.uuid4().hex)
                with db.atomic():
                    Subject.create(**data)
                written.append(n)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    time.sleep(0.3)
    backup = tmp_path / "backup.sqlite3"
    runner = site.app.test_cli_runner()
    result = runner.invoke(args=["backup", "--out", str(backup)])
    assert result.exit_code == 0, result.output
    time.sleep(0.3)
    stop.set()
    writer.join(timeout=10)

    snapshot = sqlite3.connect(backup)
    backed_up = snapshot.execute("SELECT count(*) FROM subject").fetchone()[0]
    assert snapshot.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    snapshot.close()
    assert 200 < backed_up < 200 + len(written)  # taken while the writes ran: some in, later ones not

    refused = runner.invoke(args=["restore", "--from", str(backup)])
    assert refused.exit_code != 0 and "--yes" in refused.output
    result = runner.invoke(args=["restore", "--from", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    assert site.count(Subject) == backed_up
    assert site.integrity() == "ok"
    client = site.start()
    assert client.request("GET", "/pool/")[0] == 200


def test_restore_refuses_a_damaged_backup(site, tmp_path):
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    result = site.app.test_cli_runner().invoke(args=["restore", "--from", str(damaged), "--yes"])
    assert result.exit_code != 0 and "备份" in result.output
