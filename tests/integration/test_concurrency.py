"""Two users firing on one case at once: exactly one wins, the other is refused."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from caseflow import services
from caseflow.adapters.orm import Case, Event
from caseflow.domain.errors import CaseflowError, ConflictError
from tests.integration.test_engine import open_inspection


def _race(uow, case_id: int, actors: list[str], trigger: str, payloads: list[dict | None]):
    results: list[object] = [None] * len(actors)

    def run(i: int) -> None:
        try:
            results[i] = services.fire(uow(), case_id, trigger, actor=actors[i], payload=payloads[i])
        except CaseflowError as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actors))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_connections_on_postgres_one_wins_one_conflicts(uow, people, app, is_postgres):
    if not is_postgres:
        pytest.skip("row-level races need PostgreSQL; SQLite serialises writers (next test)")
    case = open_inspection(uow)
    services.fire(uow(), case.id, "start_check", actor="li.officer")
    both_loaded = threading.Barrier(2, timeout=10)

    waited = threading.local()

    def wait_for_the_other(conn, cursor, statement, *args):  # noqa: ARG001
        # both transactions have read the case at the same version before either writes
        # (once per thread: the winner updates the case row again as it reseals it)
        if statement.lstrip().upper().startswith("UPDATE CASES") and not getattr(
                waited, "done", False):
            waited.done = True
            both_loaded.wait()

    event.listen(app.engine, "before_cursor_execute", wait_for_the_other)
    try:
        results = _race(uow, case.id, ["chen.sup", "wang.director"], "file_case",
                        [{"filing_no": "甬市监立〔2026〕1号"}, {"filing_no": "甬市监立〔2026〕2号"}])
    finally:
        event.remove(app.engine, "before_cursor_execute", wait_for_the_other)
    winners = [r for r in results if isinstance(r, services.CaseView)]
    losers = [r for r in results if isinstance(r, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1, results
    with app.session_factory() as s:
        stored = s.get(Case, case.id)
        assert stored.status == "filed"
        assert stored.data["filing_no"] in (
            "甬市监立〔2026〕1号", "甬市监立〔2026〕2号")
        assert s.scalar(select(func.count()).where(Event.case_id == case.id,
                                                   Event.trigger == "file_case")) == 1


def test_racing_writers_never_both_succeed(uow, people, app):
    case = open_inspection(uow)
    for _ in range(5):
        results = _race(uow, case.id, ["li.officer", "zhang.officer"], "start_check", [None, None])
        winners = [r for r in results if isinstance(r, services.CaseView)]
        assert len(winners) == 1, results
        assert all(isinstance(r, CaseflowError) for r in results if r not in winners)
        # put it back for another round through a fresh case
        case = open_inspection(uow)
    with app.session_factory() as s:
        starts = s.scalar(select(func.count()).where(Event.trigger == "start_check"))
    assert starts == 5
