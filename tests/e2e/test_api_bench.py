"""The API benchmark keeps running: run it with --quick and check its report."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent.parent / "bench" / "api_bench.py"
LINE = r"api {db} http_tps=(\d+) engine_tps=(\d+) ratio=(\d+\.\d\d) p99_ms=(\d+)"


def test_api_bench_quick():
    proc = subprocess.run([sys.executable, str(BENCH), "--quick"],
                          capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    last = proc.stdout.strip().splitlines()[-2:]
    for line, db in zip(last, ("sqlite", "postgresql"), strict=True):
        match = re.fullmatch(LINE.format(db=db), line)
        assert match, line
        http_tps, engine, ratio, p99 = (int(match[1]), int(match[2]), float(match[3]),
                                        int(match[4]))
        assert http_tps > 0 and engine > 0 and p99 >= 0
        assert abs(ratio - http_tps / engine) < 0.01 + 0.5 / engine
