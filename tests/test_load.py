"""The CI-sized run of bench/load.py: gunicorn with the production settings under concurrent reads and writes
answers no request with a 5xx and loses no acknowledged write."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="the load run is on SQLite")
def test_short_load_run_has_no_5xx_and_no_lost_write():
    result = subprocess.run([sys.executable, "-m", "bench.load", "--clients", "6", "--seconds", "4", "--subjects", "300",
                             "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["status_5xx"] == 0 and figures["mixed_connection_errors"] == 0
    assert figures["writes_acknowledged"] > 10 and figures["objects_checked"] > 5
    assert figures["writes_lost"] == 0
    assert set(figures["mixed_by_kind"]) == {"pool list", "search", "subject page", "milestone tick", "score", "document",
                                             "page after upload"}
    assert set(figures["mixed_p99_by_kind_ms"]) == set(figures["mixed_by_kind"])
