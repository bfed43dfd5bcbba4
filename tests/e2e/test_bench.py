"""Benchmarks must keep running: each is run with --quick and its report format checked."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent.parent / "bench"


def test_transitions_bench_quick():
    proc = subprocess.run([sys.executable, str(BENCH / "transitions_bench.py"), "--quick"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-2:]
    pattern = r"{db} engine_tps=(\d+) raw_tps=(\d+) ratio=(\d+\.\d\d)"
    for line, db in zip(last, ("sqlite", "postgresql"), strict=True):
        match = re.fullmatch(pattern.format(db=db), line)
        assert match, line
        engine, raw, ratio = int(match[1]), int(match[2]), float(match[3])
        assert engine > 0 and raw > 0
        assert abs(ratio - engine / raw) < 0.01
