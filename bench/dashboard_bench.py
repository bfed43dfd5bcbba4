"""Every dashboard figure on PostgreSQL at province scale: under a second at 1,000,000 cases,
and flat from 100,000.

A fresh database gets ``--first`` generated cases (default a tenth of ``--cases``) with their
parties, IP rights, events and clocks (``caseflow.services.province_data``: the seeds'
shares, the real workflows), its report facts and tallies rebuilt; every figure of
``caseflow.views.dashboard.FIGURES`` is timed for the whole city (an admin) over the five
years, best of three. The load is then grown in place to ``--cases`` and every figure timed
again.

Progress lines go first, then one line per figure
    figure KEY cases=N best_s=N.NNNN first_s=N.NNNN ratio=N.NN rows=N
and last, exactly
    dashboard cases=N slowest_s=N.NN
    dashboard flat_ratio=N.NN
where flat_ratio is the slowest figure's time at ``--cases`` over the same figure's at
``--first``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from caseflow.adapters import schema  # noqa: E402
from caseflow.adapters.registry import REGISTRY  # noqa: E402
from caseflow.bootstrap import App, bootstrap  # noqa: E402
from caseflow.config import Settings  # noqa: E402
from caseflow.domain.moments import aware, utcnow  # noqa: E402
from caseflow.services.province_data import generate  # noqa: E402
from caseflow.views.dashboard import FIGURES, ReportFilters  # noqa: E402

PG_ADMIN = os.environ.get("CASEFLOW_BENCH_PG_ADMIN_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = f"caseflow_dashboard_bench_{os.getpid()}"  # own name: runs in parallel never collide
ROUNDS = 3  # best of three: the least disturbed run
ADMIN = "gen.admin"  # the generator's admin: the whole city's figures


def say(line: str) -> None:
    print(line, flush=True)


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


def prepare(url: str, evidence: Path) -> App:
    schema.upgrade(url)
    REGISTRY.clear()
    app = bootstrap(replace(Settings.from_env(), database_url=url, evidence_dir=evidence))
    app.load_workflows()
    return app


def grow(app: App, to: int, have: int, seed: int) -> int:
    """Generate cases until ``to`` are loaded (the generator adds to what is there)."""
    if to > have:
        start = time.perf_counter()
        report = generate(app.engine, app.uow_factory("bench"), app.keyring().current,
                          to - have, seed=seed, years=(YEAR - 4, YEAR), seal=False,
                          echo=lambda line: say(f"  {line}"))
        for line in report.lines():
            say(f"  {line}")
        say(f"load cases={report.total_cases} added={to - have} "
            f"seconds={time.perf_counter() - start:.1f}")
        return report.total_cases
    return have


def time_figures(app: App, filters: ReportFilters) -> dict[str, tuple[float, int]]:
    """Each figure's best time of ROUNDS (after one unmeasured call) and its rows."""
    out: dict[str, tuple[float, int]] = {}
    for key, figure in FIGURES.items():
        rows = len(figure(app.uow("bench"), ADMIN, filters).rows)  # warm: plans, caches
        best = float("inf")
        for _ in range(ROUNDS):
            best = min(best, _once(lambda f=figure: f(app.uow("bench"), ADMIN, filters)))
        out[key] = (best, rows)
    return out


def _once(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


YEAR = aware(utcnow()).year


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (tests use it)")
    parser.add_argument("--cases", type=int, default=None, help="cases at the end")
    parser.add_argument("--first", type=int, default=None,
                        help="cases at the first measurement (default: --cases / 10)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    cases = args.cases or (3_000 if args.quick else 1_000_000)
    first = args.first or max(cases // 10, 1)
    if not 1 <= first <= cases:
        parser.error("need 1 <= --first <= --cases")
    filters = ReportFilters(from_year=YEAR - 4, to_year=YEAR)

    with fresh_database() as url, tempfile.TemporaryDirectory() as tmp:
        app = prepare(url, Path(tmp) / "evidence")
        try:
            have = grow(app, first, 0, args.seed)
            small = time_figures(app, filters)
            for key, (best, rows) in small.items():
                say(f"first figure={key} cases={have} best_s={best:.4f} rows={rows}")
            have = grow(app, cases, have, args.seed)
            large = time_figures(app, filters)
        finally:
            app.engine.dispose()
    for key, (best, rows) in large.items():
        before = small[key][0]
        say(f"figure {key} cases={have} best_s={best:.4f} first_s={before:.4f} "
            f"ratio={best / before if before else 0:.2f} rows={rows}")
    slowest = max(large, key=lambda k: large[k][0])
    slow_large, slow_small = large[slowest][0], small[slowest][0]
    say(f"slowest figure={slowest}")
    say(f"dashboard cases={have} slowest_s={slow_large:.2f}")
    say(f"dashboard flat_ratio={slow_large / slow_small if slow_small else 0:.2f}")


if __name__ == "__main__":
    main()
