"""The dashboard benchmark keeps running: run it with --quick and check its report."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from caseflow.views.dashboard import FIGURES

BENCH = Path(__file__).resolve().parent.parent.parent / "bench" / "dashboard_bench.py"
FIGURE = r"figure (\w+) cases=(\d+) best_s=(\d+\.\d{4}) first_s=(\d+\.\d{4}) ratio=(\d+\.\d{2}) " \
         r"rows=(\d+)"


def test_dashboard_bench_quick():
    proc = subprocess.run([sys.executable, str(BENCH), "--quick"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    last = re.fullmatch(r"dashboard cases=(\d+) slowest_s=(\d+\.\d\d)", lines[-2])
    ratio = re.fullmatch(r"dashboard flat_ratio=(\d+\.\d\d)", lines[-1])
    assert last and ratio, lines[-2:]
    assert int(last[1]) == 3000 and float(ratio[1]) > 0

    figures = [re.fullmatch(FIGURE, line) for line in lines[:-2]]
    figures = [m for m in figures if m]
    assert [m[1] for m in figures] == list(FIGURES)  # one line per figure, in order
    assert all(int(m[2]) == 3000 for m in figures)
    slowest = max(float(m[3]) for m in figures)
    assert abs(slowest - float(last[2])) < 0.006
    assert any(line.startswith("load cases=300 ") for line in lines)
    assert any(line.startswith("load cases=3000 ") for line in lines)
    # the generated data gives the figures something to show
    rows = {m[1]: int(m[6]) for m in figures}
    for key in ("closure_year", "closure_agency", "volume", "industry", "origin", "groups",
                "referrals", "firms", "fast_track", "clocks", "handling"):
        assert rows[key] > 0, key
