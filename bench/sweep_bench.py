"""One deadline sweep on PostgreSQL: its cost follows the clocks falling due, not those stored.

A fresh database gets a few thousand cases opened through the service layer (workflow
``sweep_loop``: a 15-working-day clock with a warning and two escalations), then open clocks
bulk-loaded with server-side SQL (INSERT … SELECT generate_series) whose columns are what the
engine itself would store: start, due instant and last day from ``due_of``, the calendar
version, and ``next_check_at`` at the first threshold (the warning), all still ahead.

Before each measured sweep a fresh set of ``due`` clocks — each on a different case — is made
to have just fallen due: started so that its due instant has passed, its warning already
raised (an alert row, as an earlier sweep would have left), ``next_check_at`` at the due
instant. The sweep then raises for each clock the overdue alert and the first escalation,
notifies the assignee and the supervisor, queues their e-mails and marks the clock expired
with an audit event. Alerts, notifications and deliveries of the previous round are deleted,
and the tables vacuumed and analysed, so every round starts alike.

The table is measured at ``--first`` open clocks (default a tenth of ``--open``), grown in
place to ``--open``, and measured again; best of three rounds each. The target: well under a
second at 1,000,000 open clocks with 1,000 due, and flat (within 2x) from 100,000.

Progress lines go first; the last line is exactly
    sweep open=N due=N seconds=N.NNN flat_ratio=N.NN
where flat_ratio is the best time at ``--open`` over the best time at ``--first``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, create_engine, event, func, select, text  # noqa: E402

from caseflow import services  # noqa: E402
from caseflow.adapters import schema  # noqa: E402
from caseflow.adapters.calendar_store import current_calendar  # noqa: E402
from caseflow.adapters.orm import Clock  # noqa: E402
from caseflow.adapters.registry import REGISTRY, sync_definitions  # noqa: E402
from caseflow.bootstrap import App, bootstrap  # noqa: E402
from caseflow.config import Settings  # noqa: E402
from caseflow.domain.clocks import ClockRecord, due_of, thresholds  # noqa: E402
from caseflow.domain.definitions import ClockRule, parse_definition  # noqa: E402
from caseflow.domain.moments import aware, naive_utc  # noqa: E402
from caseflow.services.directory import create_user, ensure_agency  # noqa: E402
from caseflow.services.sweep import SweepReport, sweep_once  # noqa: E402

HERE = Path(__file__).resolve().parent
WORKFLOW = HERE / "data" / "sweep_loop.v1.yaml"
CASE_TYPE, CLOCK = "sweep_loop", "filing"
PG_ADMIN = os.environ.get("CASEFLOW_BENCH_PG_ADMIN_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = f"caseflow_sweep_bench_{os.getpid()}"  # own name: runs in parallel never collide
ROUNDS = 3  # best of three: the least disturbed run
NOW = naive_utc(datetime.fromisoformat("2026-11-17T09:00+08:00"))  # a Tuesday morning
OPENED = NOW - timedelta(days=1)  # when the service-opened cases (and their clocks) began
OPEN_TEMPLATES = 240  # distinct start instants of the not-yet-due clocks, 30 minutes apart


def say(line: str) -> None:
    print(line, flush=True)


# --- what the engine would store for a clock started at a given instant ---------------------

@dataclass(frozen=True)
class Shape:
    started_at: datetime
    due_at: datetime
    due_last_day: date
    calendar_version: str
    next_check_at: datetime  # the first threshold, as clock_services.refresh stores it
    warning_key: str  # the warning threshold's key (alert key: clock:<id>:<warning_key>)
    warning_at: datetime


def shape(rule: ClockRule, calendar, started_at: datetime) -> Shape:
    record = ClockRecord(started_at=aware(started_at))
    due = due_of(rule.period, record, calendar, aware(NOW))
    found = thresholds(rule, due, record.started_at, calendar)
    warning = next(t for t in found if t.kind == "warning")
    return Shape(started_at, naive_utc(due.due), due.last_day, due.calendar_version,
                 naive_utc(found[0].at), warning.key, naive_utc(warning.at))


def open_shapes(rule: ClockRule, calendar) -> list[Shape]:
    """Clocks started over the last five days: every threshold still ahead of NOW."""
    shapes = [shape(rule, calendar, NOW - timedelta(minutes=30 * (k + 1)))
              for k in range(OPEN_TEMPLATES)]
    assert all(s.next_check_at > NOW for s in shapes), "an open template is already due"
    return shapes


def due_shape(rule: ClockRule, calendar) -> Shape:
    """The latest start (hour by hour back from NOW) whose due instant has passed by NOW."""
    started = NOW
    while True:
        started -= timedelta(hours=1)
        s = shape(rule, calendar, started)
        if s.due_at <= NOW:
            return s


# --- database -------------------------------------------------------------------------------

@contextmanager
def fresh_database():
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str, evidence: Path, cases: int) -> App:
    schema.upgrade(url)
    REGISTRY.clear()
    app = bootstrap(replace(Settings.from_env(), database_url=url, evidence_dir=evidence))
    with app.session_factory() as s, s.begin():
        sync_definitions(s, [parse_definition(WORKFLOW.read_text(encoding="utf-8"),
                                              str(WORKFLOW))])
    ensure_agency(app.uow(), "nb-amr", "market_supervision", "宁波市市场监督管理局", "Ningbo AMR")
    create_user(app.uow(), "wang.director", "王建国", "nb-amr", ["supervisor"],
                email="wang.director@amr.ningbo.example")
    create_user(app.uow(), "chen.sup", "陈晓燕", "nb-amr", ["supervisor"],
                supervisor="wang.director", email="chen.sup@amr.ningbo.example")
    create_user(app.uow(), "li.ming", "李明", "nb-amr", ["officer"], supervisor="chen.sup",
                email="li.ming@amr.ningbo.example")
    for i in range(cases):
        services.open_case(app.uow("bench", now=lambda: OPENED), actor="li.ming",
                           case_type=CASE_TYPE, assignee="li.ming",
                           title=f"宁波某服饰商行商标侵权案 {i}", received_on=date(2026, 11, 16))
    return app


def rule_of(app: App) -> ClockRule:
    with app.session_factory() as s:
        return REGISTRY.definition(s, CASE_TYPE, 1).clocks[CLOCK]


def count_clocks(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Clock)
                           .where(Clock.status == "running"))


GROW = text("""
WITH t AS (
    SELECT * FROM unnest(CAST(:started AS timestamp[]), CAST(:due AS timestamp[]),
                         CAST(:last AS date[]), CAST(:cal AS text[]),
                         CAST(:check AS timestamp[]))
        WITH ORDINALITY AS t(started_at, due_at, due_last_day, calendar_version,
                             next_check_at, k)
), c AS (
    SELECT id AS case_id, row_number() OVER (ORDER BY id) AS n
    FROM cases WHERE workflow_key = :case_type
)
INSERT INTO clocks (case_id, name, rule_version, period, status, started_at, stopped_at,
                    due_at, due_last_day, provisional, calendar_version, next_check_at,
                    expired_at, target, version)
SELECT c.case_id, :name, 1, :period, 'running', t.started_at, NULL, t.due_at, t.due_last_day,
       false, t.calendar_version, t.next_check_at, NULL, false, 1
FROM generate_series(CAST(:first AS bigint), CAST(:last_g AS bigint)) AS g
JOIN t ON t.k = 1 + g % CAST(:templates AS bigint)
JOIN c ON c.n = 1 + g % CAST(:cases AS bigint)
ORDER BY g
""")


def grow(app: App, shapes: list[Shape], rule: ClockRule, to: int) -> None:
    """Bulk-load running clocks, server-side, until ``to`` are open; then analyse."""
    have = count_clocks(app.engine)
    if to > have:
        start = time.perf_counter()
        with app.engine.begin() as conn:
            cases = conn.scalar(text("SELECT count(*) FROM cases WHERE workflow_key = :k"),
                                {"k": CASE_TYPE})
            conn.execute(GROW, {
                "started": [s.started_at for s in shapes], "due": [s.due_at for s in shapes],
                "last": [s.due_last_day for s in shapes],
                "cal": [s.calendar_version for s in shapes],
                "check": [s.next_check_at for s in shapes], "case_type": CASE_TYPE,
                "name": rule.name, "period": str(rule.period), "first": have + 1,
                "last_g": to, "templates": len(shapes), "cases": cases})
        loaded = time.perf_counter() - start
        maintain(app.engine, checkpoint=True)
        say(f"load open={to} inserted={to - have} seconds={loaded:.1f} "
            f"with_vacuum_analyze={time.perf_counter() - start:.1f}")
    assert count_clocks(app.engine) == to


def maintain(engine: Engine, *, checkpoint: bool = False) -> None:
    """VACUUM ANALYZE what the sweep touches (and CHECKPOINT after a load) so no background
    vacuum, analyse or checkpoint lands inside a measured sweep."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) clocks, alerts, notifications, deliveries, "
                          "events, cases"))
        if checkpoint:
            conn.execute(text("CHECKPOINT"))


RESET = text("""
WITH pick AS (
    SELECT DISTINCT ON (case_id) id FROM clocks
    WHERE expired_at IS NULL AND status = 'running' AND name = :name
    ORDER BY case_id LIMIT :due
), moved AS (
    UPDATE clocks SET started_at = :started, due_at = :due_at, due_last_day = :last,
                      calendar_version = :cal, next_check_at = :due_at,
                      version = version + 1
    WHERE id IN (SELECT id FROM pick)
    RETURNING id, case_id
)
INSERT INTO alerts (key, kind, clock_id, case_id, due_at, raised_at, message)
SELECT 'clock:' || id || ':' || :warning_key, 'warning', id, case_id, :due_at, :warning_at,
       'raised by an earlier sweep (benchmark set-up)'
FROM moved
""")


def reset_due(app: App, due: Shape, rule: ClockRule, n: int) -> None:
    """Make ``n`` fresh clocks (never swept, one per case) fall due; clear earlier alerts."""
    with app.engine.begin() as conn:
        # a due set left unswept (EXPLAIN rolls its claim back) is retired, never reused
        conn.execute(text("UPDATE clocks SET expired_at = :now, next_check_at = :later, "
                          "version = version + 1 WHERE next_check_at <= :now"),
                     {"now": NOW, "later": NOW + timedelta(days=30)})
        conn.execute(text("DELETE FROM deliveries"))
        conn.execute(text("DELETE FROM notifications"))
        conn.execute(text("DELETE FROM alerts"))
        picked = conn.execute(RESET, {
            "name": rule.name, "due": n, "started": due.started_at, "due_at": due.due_at,
            "last": due.due_last_day, "cal": due.calendar_version,
            "warning_key": due.warning_key, "warning_at": due.warning_at}).rowcount
        waiting = conn.scalar(select(func.count()).select_from(Clock)
                              .where(Clock.next_check_at <= NOW))
    if picked != n or waiting != n:
        raise SystemExit(f"reset made {picked} clock(s) due ({waiting} waiting), wanted {n}: "
                         "more cases are needed than clocks due (--cases)")
    maintain(app.engine)


# --- measuring ------------------------------------------------------------------------------

class Statements:
    """Counts the statements a sweep sends and keeps the claim query (for EXPLAIN)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self.kinds: Counter[str] = Counter()
        self.claim: tuple[str, object] | None = None
        event.listen(engine, "before_cursor_execute", self._seen)

    def reset(self) -> None:
        self.count = 0
        self.kinds.clear()

    def breakdown(self) -> str:
        return ", ".join(f"{kind} x{n}" for kind, n in self.kinds.most_common())

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.count += 1
        verb = statement.split(None, 1)[0].upper()
        table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+(\w+)", statement, re.IGNORECASE)
        many = " (batched)" if executemany else ""
        self.kinds[f"{verb} {table[1] if table else '?'}{many}"] += 1
        if "FROM clocks" in statement and "FOR UPDATE" in statement and self.claim is None:
            self.claim = (statement, parameters)


def one_sweep(app: App, seen: Statements, n: int, profile: cProfile.Profile | None = None
              ) -> tuple[float, SweepReport, int]:
    seen.reset()
    uow = app.uow("bench")
    start = time.perf_counter()
    if profile is not None:
        profile.enable()
    report = sweep_once(uow, now=NOW, batch=n)
    if profile is not None:
        profile.disable()
    return time.perf_counter() - start, report, seen.count


def measure(app: App, due: Shape, rule: ClockRule, seen: Statements, open_n: int,
            n: int, *, warm_up: bool = False) -> float:
    if warm_up:  # parse the workflow and calendar, fill the pool and caches: not measured
        reset_due(app, due, rule, n)
        seconds, report, _ = one_sweep(app, seen, n)
        say(f"warm-up open={open_n} due={n} seconds={seconds:.3f} "
            f"checked={report.clocks_checked}")
    best = float("inf")
    for r in range(1, ROUNDS + 1):
        reset_due(app, due, rule, n)
        seconds, report, statements = one_sweep(app, seen, n)
        say(f"round open={open_n} due={n} round={r} seconds={seconds:.3f} "
            f"checked={report.clocks_checked} alerts={report.alerts_raised} "
            f"notifications={report.notifications} expired={report.expired} "
            f"statements={statements}")
        if report.clocks_checked != n or report.expired != n:
            raise SystemExit(f"the sweep checked {report.clocks_checked} and expired "
                             f"{report.expired} clock(s); {n} were due")
        best = min(best, seconds)
    say(f"best open={open_n} due={n} seconds={best:.6f}")
    return best


def explain_claim(app: App, due: Shape, rule: ClockRule, seen: Statements, n: int) -> None:
    """EXPLAIN ANALYZE the sweep's own claim statement with due clocks waiting (rolled back)."""
    if seen.claim is None:
        say("claim plan: (claim statement not seen)")
        return
    reset_due(app, due, rule, n)
    statement, parameters = seen.claim
    with app.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}",
                                    parameters).scalars().all()
        conn.rollback()
    uses = any("ix_clocks_next_check_at" in r for r in rows)
    say(f"claim plan: uses ix_clocks_next_check_at={'yes' if uses else 'NO'}")
    for r in rows:
        say(f"  {r}")


def profile_sweep(app: App, due: Shape, rule: ClockRule, seen: Statements, n: int,
                  top: int) -> None:
    reset_due(app, due, rule, n)
    prof = cProfile.Profile()
    seconds, report, statements = one_sweep(app, seen, n, prof)
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    say(f"profile seconds={seconds:.3f} (under cProfile) statements={statements}: "
        f"{seen.breakdown()}")
    for line in out.getvalue().splitlines():
        if line.strip():
            say(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (tests use it)")
    parser.add_argument("--open", type=int, default=None, help="open clocks at the end")
    parser.add_argument("--first", type=int, default=None,
                        help="open clocks at the first measurement (default: --open / 10)")
    parser.add_argument("--due", type=int, default=None, help="clocks due per sweep")
    parser.add_argument("--cases", type=int, default=None,
                        help="cases the clocks hang off (at least --due)")
    parser.add_argument("--profile", type=int, nargs="?", const=30, default=0, metavar="TOP",
                        help="also cProfile one sweep at --open and print the TOP functions")
    args = parser.parse_args()
    open_n = args.open or (20_000 if args.quick else 1_000_000)
    due_n = args.due or (100 if args.quick else 1_000)
    first_n = args.first or max(open_n // 10, due_n)
    cases = max(args.cases or (200 if args.quick else 2_000), due_n)
    if not due_n <= first_n <= open_n:
        parser.error("need --due <= --first <= --open")

    with fresh_database() as url, tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        app = prepare(url, Path(tmp) / "evidence", cases)
        say(f"setup cases={cases} seconds={time.perf_counter() - start:.1f}")
        try:
            rule = rule_of(app)
            with app.engine.connect() as conn:
                calendar = current_calendar(conn)
            shapes, due = open_shapes(rule, calendar), due_shape(rule, calendar)
            say(f"clocks: open ones started {shapes[-1].started_at:%Y-%m-%d %H:%M} to "
                f"{shapes[0].started_at:%Y-%m-%d %H:%M} UTC, next check from "
                f"{min(s.next_check_at for s in shapes):%Y-%m-%d %H:%M}; due ones started "
                f"{due.started_at:%Y-%m-%d %H:%M}, due {due.due_at:%Y-%m-%d %H:%M}; "
                f"sweep at {NOW:%Y-%m-%d %H:%M} UTC")
            seen = Statements(app.engine)
            grow(app, shapes, rule, first_n)
            small = measure(app, due, rule, seen, first_n, due_n, warm_up=True)
            grow(app, shapes, rule, open_n)
            large = measure(app, due, rule, seen, open_n, due_n)
            explain_claim(app, due, rule, seen, due_n)
            if args.profile:
                profile_sweep(app, due, rule, seen, due_n, args.profile)
        finally:
            app.engine.dispose()
    say(f"sweep open={open_n} due={due_n} seconds={large:.3f} flat_ratio={large / small:.2f}")


if __name__ == "__main__":
    main()
