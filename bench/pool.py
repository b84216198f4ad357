"""Pool benchmark (DESIGN.md §8): a generated city of 5,000 subjects with three years of history.

    .venv/bin/python -m bench.pool [--subjects 5000] [--repeat 200]

Prints p50/p95 for the pool list page, the htmx search fragment (and its bytes against the full page),
the .xlsx export, and the time of a 5,000-row import. Targets: list ≤50 ms p95; fragment ≤30 ms p95
and under a fifth of the full page's bytes; import ≤10 s.
"""
import argparse
import io
import json
import time
from urllib.parse import quote

from bench.common import as_new_subjects, generate_city, login, make_app, report, timed
from blueprints.pool import spreadsheet
from models import Subject, db


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--subjects", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="end with one JSON line of figures (for make bench)")
    args = parser.parse_args()
    figures = {"subjects": args.subjects}

    app = make_app()
    start = time.perf_counter()
    generate_city(args.subjects)
    print(f"generated {args.subjects} subjects with three years of history in {time.perf_counter() - start:.1f} s")

    client = app.test_client()
    login(client)
    search = "/pool/?q=" + quote("乳业0123")  # a user typing part of a name: a handful of rows

    full = client.get("/pool/")
    full_search = client.get(search)
    fragment = client.get(search, headers={"HX-Request": "true"})
    assert full.status_code == fragment.status_code == 200
    figures["list_p95_ms"] = report("pool list page (50 rows + count)", timed(lambda: client.get("/pool/"), args.repeat),
                                    target=50)
    figures["filtered_p95_ms"] = report("pool list, filtered district+kind, page 3",
           timed(lambda: client.get("/pool/?district=" + quote("临江区") + "&kind=factory&page=3"), args.repeat),
           target=50)
    figures["fragment_p95_ms"] = report("htmx search fragment (q=乳业0123)",
           timed(lambda: client.get(search, headers={"HX-Request": "true"}), args.repeat), target=30)
    ratio = figures["fragment_ratio"] = round(len(fragment.data) / len(full_search.data), 3)
    print(f"{'fragment bytes vs full page (same search)':<44} {len(fragment.data):,} / {len(full_search.data):,} B"
          f" = {ratio:.2f}{'  ok' if ratio < 0.2 else '  OVER TARGET (0.20)'}")
    first_page = client.get("/pool/", headers={"HX-Request": "true"})
    print(f"{'fragment bytes, unfiltered first page':<44} {len(first_page.data):,} / {len(full.data):,} B"
          f" = {len(first_page.data) / len(full.data):.2f}")
    figures["export_p95_ms"] = report("xlsx export of the whole pool",
                                      timed(lambda: client.get("/pool/export"), max(3, args.repeat // 40)))

    exported = client.get("/pool/export").data
    with app.test_request_context(), db.connection_context():
        start = time.perf_counter()
        plan = spreadsheet.plan_import(io.BytesIO(exported))
        checked = time.perf_counter() - start
        assert plan.ok, plan.file_errors or plan.error_rows[:3]
        start = time.perf_counter()
        # 5,000 new rows: each becomes a registration waiting for its checks (第十条), as from the form
        plan = spreadsheet.plan_import(io.BytesIO(as_new_subjects(exported)))
        created, updated = spreadsheet.apply_import(plan, None)
        elapsed = time.perf_counter() - start
    figures["import_s"] = round(elapsed, 2)
    print(f"{'import of an untouched export (check only)':<44} {checked:6.2f} s for {len(plan.rows):,} rows (no-op)")
    print(f"{'import of 5,000 new rows (check + write)':<44} {elapsed:6.2f} s, created {created:,}"
          f"{'  ok' if elapsed <= 10 else '  OVER TARGET (10 s)'}")
    with db.connection_context():
        waiting = Subject.select().where(Subject.status == "pending").count()
        print(f"subjects now: {Subject.select().count():,}, of which {waiting:,} registrations await their checks")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
