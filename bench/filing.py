"""Filing benchmark (DESIGN.md §8): build time and peak memory of the 31 August bundle.

    .venv/bin/python -m bench.filing                 # 1,000 / 5,000 / 20,000 subjects, each in its own process
    .venv/bin/python -m bench.filing --subjects 5000 --single

Each city: the pooled subjects with their checks (bench/common.py), an approved plan of 300 items (a year's
plan covers a few hundred subjects, not the whole pool) and a published municipal list of 500. Target at
5,000 subjects: ≤3 s and ≤300 MB.
"""
import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date

from bench.common import generate_city, make_app
from blueprints.filing import operations as filing
from blueprints.plans import operations as plans
from models import Listing, PoolEntry, User, db, local_now


def prepare(app, subjects):
    generate_city(subjects)
    year = local_now().year
    with app.test_request_context(), db.connection_context(), db.atomic():
        staff = User.get(User.username == "staff0")
        plan = plans.create_plan(year, "基准市培育计划", staff)
        entries = list(PoolEntry.select().order_by(PoolEntry.id))
        plans.add_items(plan, [(e.subject, "municipal") for e in entries[:300]], staff, staff)
        plans.update_plan(plan, "基准市培育计划", "培育目标", "工作措施", {("factory", "municipal"): 300}, staff)
        plans.approve(plan, staff)
        Listing.insert_many([dict(subject=e.subject_id, rung="municipal", year=year, source="municipal_review",
                                  listed_on=date(year, 6, 1), status="listed") for e in entries[300:800]]).execute()
    return year, staff


def single(subjects):
    app = make_app()
    year, staff = prepare(app, subjects)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with app.test_request_context(), db.connection_context():
        start = time.perf_counter()
        record = filing.build(year, local_now().date(), staff)  # a filing is dated the day it is built
        elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"subjects": subjects, "seconds": round(elapsed, 2), "peak_mb": round(peak / 1024, 1),
                      "peak_before_build_mb": round(before / 1024, 1), "zip_kb": round(record.size / 1024, 1)}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=None)
    parser.add_argument("--single", action="store_true")
    args = parser.parse_args()
    if args.single:
        single(args.subjects or 5000)
        return
    sizes = [args.subjects] if args.subjects else [1000, 5000, 20000]
    print(f"{'subjects':>9} {'build s':>8} {'peak MB':>8} {'(before build)':>15} {'zip KB':>8}")
    for size in sizes:
        output = subprocess.run([sys.executable, "-m", "bench.filing", "--subjects", str(size), "--single"], check=True,
                                capture_output=True, text=True).stdout.strip().splitlines()[-1]
        row = json.loads(output)
        verdict = ""
        if size == 5000:
            verdict = "  ok" if row["seconds"] <= 3 and row["peak_mb"] <= 300 else "  OVER TARGET (3 s, 300 MB)"
        print(f"{row['subjects']:>9} {row['seconds']:>8} {row['peak_mb']:>8} {row['peak_before_build_mb']:>15} "
              f"{row['zip_kb']:>8}{verdict}")


if __name__ == "__main__":
    main()
