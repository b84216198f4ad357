"""Every benchmark in one run, one table against the targets of DESIGN.md §8 (`make bench`, about 4 minutes).

    .venv/bin/python -m bench.all [--quick]

Runs bench.pool, bench.filing (5,000 subjects) and bench.load (16 clients for 60 s) each in its own process, so
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
    filing = run("bench.filing", "--subjects", subjects, "--single")
    load = run("bench.load", "--subjects", subjects, "--clients", "16", "--seconds", "5" if args.quick else "60",
               "--json")
    rows = [
        ("pool list page, p95", f"{pool['list_p95_ms']} ms", "≤ 50 ms", pool["list_p95_ms"] <= 50),
        ("pool list filtered, p95", f"{pool['filtered_p95_ms']} ms", "≤ 50 ms", pool["filtered_p95_ms"] <= 50),
        ("htmx search fragment, p95", f"{pool['fragment_p95_ms']} ms", "≤ 30 ms", pool["fragment_p95_ms"] <= 30),
        ("fragment bytes / full page", f"{pool['fragment_ratio']:.2f}", "< 0.20", pool["fragment_ratio"] < 0.2),
        ("import of new rows (check + write)", f"{pool['import_s']} s", "≤ 10 s", pool["import_s"] <= 10),
        ("filing bundle build", f"{filing['seconds']} s", "≤ 3 s", filing["seconds"] <= 3),
        ("filing build peak memory", f"{filing['peak_mb']} MB", "≤ 300 MB", filing["peak_mb"] <= 300),
        ("gunicorn: trivial route /healthz", f"{load['trivial_rps']} req/s", "", None),
        ("gunicorn: pool list", f"{load['pool_rps']} req/s = {load['pool_to_trivial']:.2f} × trivial", "", None),
        ("gunicorn: mixed 80/20, throughput", f"{load['mixed_rps']} req/s", "", None),
        ("gunicorn: mixed 80/20, p50 / p95", f"{load['mixed_p50_ms']} / {load['mixed_p95_ms']} ms", "", None),
        ("gunicorn: mixed 80/20, p99", f"{load['mixed_p99_ms']} ms", "< 500 ms", load["mixed_p99_ms"] < 500),
        ("gunicorn: 5xx answers", str(load["status_5xx"]), "0", load["status_5xx"] == 0),
        ("gunicorn: acknowledged writes lost", f"{load['writes_lost']} of {load['writes_acknowledged']}", "0",
         load["writes_lost"] == 0),
    ]
    print(f"GreenLadder benchmarks: {subjects} subjects; load with 16 clients for {load['seconds']:g} s")
    width = max(len(r[0]) for r in rows) + 2
    print(f"{'measure':<{width}}{'figure':<34}{'target':<12}verdict")
    for label, figure, target, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "OVER TARGET")
        print(f"{label:<{width}}{figure:<34}{target:<12}{verdict}")
    if not all(ok for *_, ok in rows if ok is not None):
        sys.exit(1)


if __name__ == "__main__":
    main()
