"""The sweep benchmark keeps running: run it with --quick and check its report."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent.parent / "bench" / "sweep_bench.py"
LAST = r"sweep open=(\d+) due=(\d+) seconds=(\d+\.\d{3}) flat_ratio=(\d+\.\d{2})"
BEST = r"best open=(\d+) due=(\d+) seconds=(\d+\.\d+)"


def test_sweep_bench_quick():
    proc = subprocess.run([sys.executable, str(BENCH), "--quick"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    match = re.fullmatch(LAST, lines[-1])
    assert match, lines[-1]
    open_n, due_n = int(match[1]), int(match[2])
    seconds, ratio = float(match[3]), float(match[4])
    assert (open_n, due_n) == (20000, 100)
    assert seconds > 0 and ratio > 0

    best = [re.fullmatch(BEST, line) for line in lines[:-1]]
    best = [(int(m[1]), int(m[2]), float(m[3])) for m in best if m]
    assert [(o, d) for o, d, _ in best] == [(2000, 100), (20000, 100)]
    small, large = best[0][2], best[1][2]
    assert small > 0 and large > 0
    assert abs(seconds - large) < 0.0006
    assert abs(ratio - large / small) < 0.006

    rounds = [line for line in lines if line.startswith("round ")]
    assert len(rounds) == 6
    assert all("checked=100 " in r and "expired=100 " in r for r in rounds), rounds
    assert any(line.startswith("claim plan:") for line in lines)
