"""Filing benchmark (DESIGN.md §8): build time and peak memory of the 31 August bundle.

    .venv/bin/python -m bench.filing                 # 5,000 / 20,000 / 50,000 subjects, each in processes of its own
    .venv/bin/python -m bench.filing --subjects 5000 --single

Each city: the pooled subjects with their checks (bench/common.py), an approved plan of 300 items (a year's
plan covers a few hundred subjects, not the whole pool) and a published municipal list of 500. One process
generates the city, a fresh one builds the bundle, so the peak memory printed is the build's process alone.
Targets (issue 19): at 5,000 subjects ≤ 1 s and ≤ 150 MB, growing linearly to 50,000 (the s/1000 column stays
level). With BENCH_DATABASE_URL (make bench-postgres) it runs on PostgreSQL.
"""
import json
import resource
import tempfile
import time
from datetime import date

from bench.common import generate_city, make_app, run_sized, sized_parser
from blueprints.filing import operations as filing
from blueprints.plans import operations as plans
from models import Listing, PoolEntry, User, db, local_now

TARGET_SECONDS, TARGET_MB = 1, 150  # at 5,000 subjects


def prepare(app, subjects):
    generate_city(subjects)
    year = local_now().year
    with app.test_request_context(), db.connection_context(), db.atomic():
        staff = User.get(User.username == "staff0")
        plan = plans.create_plan(year, title="基准市培育计划", by=staff)
        entries = list(PoolEntry.select().order_by(PoolEntry.id))
        plans.add_items(plan, [(e.subject, "municipal") for e in entries[:300]], owner=staff, by=staff)
        plans.update_plan(plan, title="基准市培育计划", goals="培育目标", measures="工作措施",
                          targets={("factory", "municipal"): 300}, by=staff)
        plans.approve(plan, by=staff)
        Listing.insert_many([dict(subject=e.subject_id, rung="municipal", year=year, source="municipal_review",
                                  listed_on=date(year, 6, 1), status="listed") for e in entries[300:800]]).execute()
    return year, staff


def single(subjects, directory):
    """Build the bundle in this fresh process from the city another process prepared under `directory`: the peak
    memory (ru_maxrss) is the app's and the build's, not the generation's."""
    app = make_app(directory, fresh=False)
    with app.test_request_context(), db.connection_context():
        staff = User.get(User.username == "staff0")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start, cpu = time.perf_counter(), time.process_time()
        record = filing.build(local_now().year, filing_date=local_now().date(), by=staff)  # dated the day it is built
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"subjects": subjects, "seconds": round(elapsed, 2), "cpu_seconds": round(cpu, 2),
                      "peak_mb": round(peak / 1024, 1), "peak_before_build_mb": round(before / 1024, 1),
                      "zip_kb": round(record.size / 1024, 1)}))



def main():
    args = sized_parser("subjects").parse_args()
    if args.prepare:
        prepare(make_app(args.dir), args.subjects)
        return
    if args.single:
        if not args.dir:
            args.dir = tempfile.mkdtemp(prefix="greenladder-filing-")
            prepare(make_app(args.dir), args.subjects or 5000)
        single(args.subjects or 5000, args.dir)
        return
    sizes = [args.subjects] if args.subjects else [5000, 20000, 50000]
    print(f"{'subjects':>9} {'build s':>8} {'cpu s':>6} {'s/1000':>7} {'peak MB':>8} {'(before build)':>15} "
          f"{'zip KB':>8}   target")
    figures = {}
    for size in sizes:
        row = figures[size] = run_sized("bench.filing", "subjects", size)
        verdict = ""
        if size == 5000:
            ok = row["seconds"] <= TARGET_SECONDS and row["peak_mb"] <= TARGET_MB
            verdict = f"≤ {TARGET_SECONDS} s, ≤ {TARGET_MB} MB  " + ("ok" if ok else "OVER TARGET")
        elif 5000 in figures:  # linear growth: seconds per 1,000 subjects stays near the 5,000-subject figure
            verdict = f"linear: {row['seconds'] / figures[5000]['seconds'] / (size / 5000):.2f} × the 5,000 rate"
        print(f"{row['subjects']:>9} {row['seconds']:>8} {row['cpu_seconds']:>6} "
              f"{row['seconds'] / size * 1000:>7.3f} {row['peak_mb']:>8} {row['peak_before_build_mb']:>15} "
              f"{row['zip_kb']:>8}   {verdict}")
    if args.json:
        print(json.dumps({str(size): row for size, row in figures.items()}))


if __name__ == "__main__":
    main()
