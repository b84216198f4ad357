"""Every benchmark in one run, one table against their targets (`make bench`, about five minutes).

    .venv/bin/python -m bench.all [--quick]

Runs bench.pool, bench.filing (5,000, 20,000 and 50,000 subjects), bench.imports (5,000 and 20,000 rows),
bench.load (16 clients for 60 s, wrk for the single routes) and
bench.pool --subjects 50000 --pages-only (issue 19) each in its own process, so
one's memory and caches do not colour another's figures. --quick is a smoke run of the same table on small sizes.
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(module, *args):
    """The last line of a benchmark's output, which each prints as JSON."""
    output = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    subjects = "500" if args.quick else "5000"
    pool = run("bench.pool", "--subjects", subjects, "--repeat", "20" if args.quick else "200", "--json")
    # issue 19: the bundle at 5,000, 20,000 and 50,000 subjects, imports of 5,000 and 20,000 new rows
    filing_sizes = ["500"] if args.quick else ["5000", "20000", "50000"]
    filings = {size: run("bench.filing", "--subjects", size, "--json")[size] for size in filing_sizes}
    filing = filings[filing_sizes[0]]
    imports = {size: run("bench.imports", "--rows", size, "--json")[size]
               for size in (["500"] if args.quick else ["5000", "20000"])}
    load = run("bench.load", "--subjects", subjects, "--clients", "16", "--seconds", "5" if args.quick else "60",
               "--json")
    # issue 19: a province's 50,000 subjects (the staff pages, search, deep pages; no export or import)
    province_subjects = "2000" if args.quick else "50000"
    province = run("bench.pool", "--subjects", province_subjects, "--repeat", "20" if args.quick else "100",
                   "--pages-only", "--json")
    rows = [
        ("pool list page, p95", f"{pool['list_p95_ms']} ms", "≤ 50 ms", pool["list_p95_ms"] <= 50),
        ("pool list page after a change, p95", f"{pool['list_computed_p95_ms']} ms", "≤ 50 ms",
         pool["list_computed_p95_ms"] <= 50),
        ("pool list filtered, p95", f"{pool['filtered_p95_ms']} ms", "≤ 50 ms", pool["filtered_p95_ms"] <= 50),
        ("htmx search fragment, p95", f"{pool['fragment_p95_ms']} ms", "≤ 30 ms", pool["fragment_p95_ms"] <= 30),
        ("fragment bytes / full page", f"{pool['fragment_ratio']:.2f}", "< 0.20", pool["fragment_ratio"] < 0.2),
        *((f"import of {int(n):,} new rows (check + write)", f"{r['seconds']} s, peak {r['peak_mb']} MB",
           {"5000": "≤ 3 s", "20000": "≤ 12 s, 300 MB"}.get(n, ""),
           {"5000": r["seconds"] <= 3, "20000": r["seconds"] <= 12 and r["peak_mb"] <= 300}.get(n))
          for n, r in imports.items()),
        ("filing bundle build", f"{filing['seconds']} s", "≤ 1 s", filing["seconds"] <= 1),
        ("filing build peak memory", f"{filing['peak_mb']} MB", "≤ 150 MB", filing["peak_mb"] <= 150),
        *((f"filing bundle, {int(n):,} subjects", f"{r['seconds']} s, peak {r['peak_mb']} MB",
           f"linear: {r['seconds'] / filing['seconds'] / (int(n) / int(filing_sizes[0])):.2f} × rate", None)
          for n, r in list(filings.items())[1:]),
        ("gunicorn: trivial route /healthz", f"{load['trivial_rps']} req/s", "", None),
        ("gunicorn: pool list", f"{load['pool_rps']} req/s = {load['pool_to_trivial']:.2f} × trivial", "≥ 0.5 ×",
         load["pool_to_trivial"] >= 0.5),
        ("gunicorn: mixed 80/20, throughput", f"{load['mixed_rps']} req/s", "", None),
        ("gunicorn: mixed 80/20, p50 / p95", f"{load['mixed_p50_ms']} / {load['mixed_p95_ms']} ms", "", None),
        ("gunicorn: mixed 80/20, p99", f"{load['mixed_p99_ms']} ms", "≤ 150 ms", load["mixed_p99_ms"] <= 150),
        ("gunicorn: mixed 80/20, p99 by kind",
         ", ".join(f"{kind} {ms:g}" for kind, ms in sorted(load["mixed_p99_by_kind_ms"].items(), key=lambda i: -i[1])),
         "", None),
        ("gunicorn: 5xx answers", str(load["status_5xx"]), "0", load["status_5xx"] == 0),
        ("gunicorn: acknowledged writes lost", f"{load['writes_lost']} of {load['writes_acknowledged']}", "0",
         load["writes_lost"] == 0),
        (f"{int(province_subjects):,} subjects: /healthz floor, p95", f"{province['healthz_p95_ms']} ms", "", None),
        *((f"{int(province_subjects):,}: {path}, p95", f"{ms} ms", "≤ 25 ms", ms <= 25)
          for path, ms in province["pages_p95_ms"].items()),
        (f"{int(province_subjects):,}: search of a name, p95", f"{province['search_name_p95_ms']} ms", "≤ 15 ms",
         province["search_name_p95_ms"] <= 15),
        (f"{int(province_subjects):,}: search of a credit code, p95", f"{province['search_code_p95_ms']} ms",
         "≤ 15 ms", province["search_code_p95_ms"] <= 15),
        (f"{int(province_subjects):,}: deep page by keyset, p95", f"{province['deep_p95_ms']} ms", "≤ 25 ms",
         province["deep_p95_ms"] <= 25),
        (f"{int(province_subjects):,}: deep page by OFFSET, p95", f"{province['deep_offset_p95_ms']} ms", "", None),
        (f"{int(province_subjects):,}: a subject's page, p95", f"{province['subject_page_p95_ms']} ms", "", None),
    ]
    print(f"GreenLadder benchmarks: {subjects} subjects; load with 16 clients for {load['seconds']:g} s")
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'measure':<{width}}{'figure':<34}{'target':<18}verdict")
    for label, figure, target, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "OVER TARGET")
        print(f"{label:<{width}}{figure:<34}{target:<18}{verdict}")
    if not all(ok for *_, ok in rows if ok is not None):
        sys.exit(1)


if __name__ == "__main__":
    main()
