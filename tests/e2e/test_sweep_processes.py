"""Three sweeper processes against one database raise each alert exactly once."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from click.testing import CliRunner
from sqlalchemy import func, select

from caseflow.adapters.orm import Alert, Clock, Event, Notification
from caseflow.entrypoints.cli import main
from tests.integration.test_clocks import open_timed

CASES = 60


def test_three_sweeper_processes_raise_each_alert_once(at, people, app, database_url):
    for _ in range(CASES):
        open_timed(at)
    env = {**os.environ, "CASEFLOW_DATABASE_URL": database_url}
    cmd = [sys.executable, "-m", "caseflow.entrypoints.cli", "sweep", "--at", "2026-10-25T09:00", "--batch", "7"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=180) for p in procs]
    for p, (_out, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    raised = [int(re.search(r"(\d+) alert\(s\) raised", out)[1]) for out, _ in outputs]
    expected = CASES * 4  # warning, overdue, two escalations per filing clock
    assert sum(raised) == expected
    with app.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Alert)) == expected
        assert s.scalar(select(func.count(func.distinct(Alert.key)))) == expected
        # li.officer: warning + overdue; chen.sup and wang.director: one escalation each
        assert s.scalar(select(func.count()).select_from(Notification)) == CASES * 4
        assert s.scalar(select(func.count()).select_from(Event)
                        .where(Event.kind == "clock_expired")) == CASES
        assert s.scalar(select(func.count()).select_from(Clock)
                        .where(Clock.next_check_at.is_not(None))) == 0
    again = CliRunner().invoke(main, ["--database-url", database_url, "sweep", "--at",
                                      "2026-10-26T09:00"])
    assert again.exit_code == 0 and "0 alert(s) raised" in again.output
    verify = CliRunner().invoke(main, ["--database-url", database_url, "audit", "verify"])
    assert verify.exit_code == 0, verify.output
