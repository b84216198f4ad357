"""Import benchmark (issue 19): a pool spreadsheet of new rows checked and written into a city of 5,000 subjects.

    .venv/bin/python -m bench.imports                      # 5,000 and 20,000 new rows, each in processes of its own
    .venv/bin/python -m bench.imports --rows 5000 --single  # one size; prints one JSON line

Each size: one process generates the city and writes the workbook (the template's columns, as a clerk fills them),
then a fresh process reads the file and runs what confirming an import runs (spreadsheet.plan_import, then
apply_import: every row through the registration form's checks, all written in one transaction, each new
registration audited on the hash chain). Its seconds are those two calls; its peak memory is the whole measuring
process (ru_maxrss), so the city's generation does not count. Targets: 5,000 rows ≤ 3 s; 20,000 rows ≤ 12 s and
≤ 300 MB. With BENCH_DATABASE_URL (make bench-postgres) it runs on PostgreSQL.
"""
import io
import json
import os
import random
import resource
import tempfile
import time

from bench.common import run_sized, sized_parser

TARGETS = {5000: (3, None), 20000: (12, 300)}  # rows: (seconds, peak MB)


def prepare(directory, rows, city=5000):
    """The city, and the workbook of `rows` new registrations in the import template's columns."""
    from bench.common import DISTRICTS, STEMS, generate_city, make_app
    from blueprints.pool import spreadsheet
    from core.documents import xlsx_table
    from core.identifiers import make_credit_code
    from core.industries import INDUSTRIES
    from models import PoolStatus, Potential, SubjectKind

    app = make_app(directory)
    generate_city(city)
    rng = random.Random(19)
    body = []
    for i in range(rows):
        park = i % 10 == 0
        body.append([f"导入{rng.choice(STEMS)}{i:05d}有限公司", make_credit_code("239903", 60_000_000 + i),
                     SubjectKind.label_of("park" if park else "factory"), rng.choice(DISTRICTS),
                     rng.choice(INDUSTRIES)[0], f"基准市开发大道{i}号", "王五", "赵六",
                     f"138{rng.randint(10_000_000, 99_999_999)}", "", "园区管委会" if park else "",
                     65 if park else "", "四至范围见规划批复" if park else "", "", 2026,
                     PoolStatus.label_of("cultivating"), Potential.label_of("ordinary"), "staff0"])
    with app.app_context():
        data = xlsx_table(spreadsheet.SHEET_TITLE, spreadsheet.HEADERS, body)
    with open(os.path.join(directory, "import.xlsx"), "wb") as fh:
        fh.write(data)


def single(directory, rows):
    from bench.common import make_app
    from blueprints.pool import spreadsheet
    from models import AuditEvent, Subject, db

    app = make_app(directory, fresh=False)
    with open(os.path.join(directory, "import.xlsx"), "rb") as fh:
        data = fh.read()
    with app.test_request_context(), db.connection_context():
        before = AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1).scalar() or 0
        start = time.perf_counter()
        cpu = time.process_time()
        plan = spreadsheet.plan_import(io.BytesIO(data))
        checked = time.perf_counter() - start
        assert plan.ok, plan.file_errors or [r.errors for r in plan.error_rows[:3]]
        created, _ = spreadsheet.apply_import(plan, None)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu
        linked = chain_holds_after(before)  # the generated history is not chained; the import's rows must be
        assert created == rows and linked, (created, linked)
        subjects, events = Subject.select().count(), AuditEvent.select().count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": round(elapsed, 2), "check_seconds": round(checked, 2),
                      "cpu_seconds": round(cpu, 2), "peak_mb": round(peak, 1), "subjects": subjects,
                      "audit_events": events, "chain": "ok"}))


def chain_holds_after(before):
    """The audit rows after id `before` link to it and to each other, and each hashes to what it stores (what
    `flask audit verify` checks, from the import's first row on)."""
    from models import AUDIT_CHAIN_FIELDS, AUDIT_CHAIN_GENESIS, AuditEvent, chain_hash
    previous = (AuditEvent.get_by_id(before).row_hash if before else "") or AUDIT_CHAIN_GENESIS
    for row in AuditEvent.select().where(AuditEvent.id > before).order_by(AuditEvent.id):
        values = {name: getattr(row, name) for name in AUDIT_CHAIN_FIELDS}
        if row.prev_hash != previous or chain_hash(values, row.prev_hash) != row.row_hash:
            return False
        previous = row.row_hash
    return True



def verdict(row):
    seconds, megabytes = TARGETS.get(row["rows"], (None, None))
    over = [f"{seconds} s" for _ in [0] if seconds is not None and row["seconds"] > seconds]
    over += [f"{megabytes} MB" for _ in [0] if megabytes is not None and row["peak_mb"] > megabytes]
    if seconds is None and megabytes is None:
        return ""
    return "  ok" if not over else f"  OVER TARGET ({', '.join(over)})"


def main():
    args = sized_parser("rows").parse_args()
    if args.prepare:
        prepare(args.dir, args.rows)
        return
    if args.single:
        if not args.dir:
            args.dir = tempfile.mkdtemp(prefix="greenladder-import-")
            prepare(args.dir, args.rows or 5000)
        single(args.dir, args.rows or 5000)
        return
    sizes = [args.rows] if args.rows else [5000, 20000]
    print(f"{'new rows':>9} {'check+write s':>14} {'(check s)':>10} {'cpu s':>7} {'peak MB':>8}   target")
    figures = {}
    for size in sizes:
        row = figures[size] = run_sized("bench.imports", "rows", size)
        target = TARGETS.get(size)
        goal = (f"≤ {target[0]} s" + (f", ≤ {target[1]} MB" if target[1] else "")) if target else ""
        print(f"{size:>9} {row['seconds']:>14} {row['check_seconds']:>10} {row['cpu_seconds']:>7} "
              f"{row['peak_mb']:>8}   {goal}{verdict(row)}")
    if args.json:
        print(json.dumps({str(size): row for size, row in figures.items()}))


if __name__ == "__main__":
    main()
