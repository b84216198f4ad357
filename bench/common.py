"""Shared by the benchmarks: a throwaway app on a temp SQLite file, a generated city, timing helpers."""
import io
import os
import random
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta

import rules
from app import create_app
from core import database, settings
from core.factory import Factory
from core.identifiers import make_credit_code
from core.industries import INDUSTRIES
from models import AuditEvent, EligibilityCheck, PoolEntry, Role, Subject, SubjectKind, VetoCheck, db, local_now

DISTRICTS = ["松源区", "临江区", "河东区", "高新技术产业开发区", "东宁县", "青山县"]
STEMS = ["乳业", "粮油", "纸业", "化工", "制药", "轮胎", "水泥", "钢铁", "铝业", "机床", "电气", "电子", "汽车零部件", "食品"]
PASSWORD = "Bench2026pass"
factory = Factory(password=PASSWORD)  # the app's builders (core/factory.py), with the benchmarks' password


def make_app(directory=None, *, fresh=True):
    """A throwaway app: a SQLite file under `directory` (a new temp folder by default), or the PostgreSQL database
    BENCH_DATABASE_URL names (`make bench-postgres`), whose schema is dropped and made anew when `fresh`. A
    benchmark that prepares its data in one process and measures in another passes the same directory and
    fresh=False the second time."""
    directory = directory or tempfile.mkdtemp(prefix="greenladder-bench-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{directory}/bench.sqlite3"
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": url,
                      "UPLOAD_DIR": f"{directory}/uploads", "FILING_DIR": f"{directory}/filings",
                      "IMPORT_DIR": f"{directory}/imports", "WTF_CSRF_ENABLED": False})
    with app.app_context(), db.connection_context():
        if fresh and url.startswith("postgres"):
            db.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
            db.execute_sql("CREATE SCHEMA public")
        database.upgrade()
    return app


def generate_city(subjects=5000, years=3, seed=2026):
    """A city of `subjects` pooled subjects admitted over `years` years, with their checks and audit history."""
    rng = random.Random(seed)
    this_year = local_now().year
    with db.connection_context(), db.atomic():
        settings.save({"districts": DISTRICTS, "city_name": "基准市", "division_code": "239900",
                       "bureau_name": "基准市工业和信息化局", "bureau_address": "基准市政务大道1号",
                       "bureau_contact": "节能科", "bureau_phone": "0451-80000000"})
        staff = [factory.user(Role.STAFF, username=f"staff{n}", display_name=f"经办人{n}") for n in range(6)]
        kinds = [SubjectKind.FACTORY.value] * 8 + [SubjectKind.PARK.value, SubjectKind.SUPPLY_CHAIN.value]
        now = local_now()
        rows = []
        for i in range(subjects):
            kind = rng.choice(kinds)
            rows.append(dict(kind=kind, name=f"基准{rng.choice(STEMS)}{i:05d}有限公司",
                             credit_code=make_credit_code("239902", 20_000_000 + i), district=rng.choice(DISTRICTS),
                             industry_code=rng.choice(INDUSTRIES)[0], address=f"基准市工业大街{i}号",
                             legal_representative="张三", contact_person="李四",
                             contact_phone=f"139{rng.randint(10_000_000, 99_999_999)}", status="admitted", rung="pool",
                             park_management_body="管委会" if kind == "park" else "",
                             park_value_added_share=60.0 if kind == "park" else None,
                             public_token=f"bench{i:010d}", created_at=now, updated_at=now))
        for start in range(0, len(rows), 500):
            Subject.insert_many(rows[start:start + 500]).execute()
        ids = [s.id for s in Subject.select(Subject.id, Subject.kind)]
        kinds_by_id = dict(Subject.select(Subject.id, Subject.kind).tuples())
        entries, checks, vetoes, events = [], [], [], []
        for sid in ids:
            year = this_year - rng.randrange(years)
            entries.append(dict(subject=sid, year_admitted=year, status="cultivating", potential="ordinary",
                                owner=rng.choice(staff).id, created_at=now))
            for key, _, _ in rules.eligibility_items(kinds_by_id[sid]):
                checks.append(dict(subject=sid, item_key=key, result="met", evidence="", checked_at=now))
            for key, _, _ in rules.VETO_CONDITIONS:
                vetoes.append(dict(subject=sid, condition_key=key, result="clear", source="信用中国",
                                   checked_on=date(year, 3, 1) + timedelta(days=rng.randrange(200)), evidence="",
                                   created_at=now))
            events.append(dict(action="subject.admit", object_type="subject", object_id=sid, created_at=now,
                               details="{}", username="staff0", ip="127.0.0.1", object_label="", result="ok"))
        for table, data in ((PoolEntry, entries), (EligibilityCheck, checks), (VetoCheck, vetoes), (AuditEvent, events)):
            for start in range(0, len(data), 500):
                table.insert_many(data[start:start + 500]).execute()


def login(client, username="staff0"):
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, "login failed"


def timed(fn, repeat):
    """Milliseconds per call, after two warm-up calls."""
    fn(), fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def timed_after_a_change(fn, repeat):
    """Milliseconds per call of `fn` with the pool changed before each (a subject rewritten as it is, which the
    triggers count as a change): what a page costs when nothing kept for it (core/versions.py) can serve; the
    change itself is not timed."""
    def change():
        with db.connection_context():
            db.execute_sql("UPDATE subject SET name = name WHERE id = (SELECT MIN(id) FROM subject)")

    change(), fn()
    samples = []
    for _ in range(repeat):
        change()
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentiles(samples):
    ordered = sorted(samples)
    return {"p50": statistics.median(ordered), "p95": ordered[int(len(ordered) * 0.95) - 1], "max": ordered[-1]}


def report(label, samples, target=None):
    p = percentiles(samples)
    verdict = "" if target is None else ("  ok" if p["p95"] <= target else f"  OVER TARGET ({target} ms)")
    print(f"{label:<44} p50 {p['p50']:7.1f} ms   p95 {p['p95']:7.1f} ms   max {p['max']:7.1f} ms{verdict}")
    return round(p["p95"], 1)


def as_new_subjects(exported, division_code="239903"):
    """A pool export rewritten with the credit codes of another city: importing it creates every row anew."""
    from openpyxl import load_workbook
    workbook = load_workbook(io.BytesIO(exported))
    for index, row in enumerate(workbook.active.iter_rows(min_row=2)):
        row[2].value = make_credit_code(division_code, 60_000_000 + index)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sized_parser(size_flag):
    """The command line of a benchmark measured size by size (bench.filing, bench.imports): `--<size_flag> N`, and
    the two steps it runs itself in fresh processes (`--prepare`, `--single`) in `--dir`."""
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument(f"--{size_flag}", type=int, default=None)
    parser.add_argument("--dir")
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--single", action="store_true")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of every size (for make bench)")
    return parser


def run_sized(module, size_flag, size):
    """One size of `module`: prepared in one process, measured in a fresh one (so the peak memory is the measured
    step's alone); the figures its `--single` run prints as its last line, as a dict."""
    import json
    import subprocess
    import sys
    directory = tempfile.mkdtemp(prefix=f"greenladder-{module.rpartition('.')[2]}-")
    here = [sys.executable, "-m", module, f"--{size_flag}", str(size), "--dir", directory]
    try:
        subprocess.run([*here, "--prepare"], check=True, capture_output=True)
        output = subprocess.run([*here, "--single"], check=True, capture_output=True, text=True).stdout
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return json.loads(output.strip().splitlines()[-1])
