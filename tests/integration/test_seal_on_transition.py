"""A transition reseals its case from the row its own UPDATE returned, not by reading the
case again — and still never launders a change made behind the engine: the seal then stays
as it was, and verification names the column."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from caseflow import services
from caseflow.adapters.registry import sync_definitions
from caseflow.domain.definitions import parse_definition
from caseflow.services.audit import verify_chains

WORKFLOW = """
key: sealfast
version: 1
title: {zh: 封存测试, en: Seal test}
agency_kind: market_supervision
number_prefix: SEAL
initial: open
states:
  open: {zh: 办理中, en: Open}
  done: {zh: 已办结, en: Done, final: true}
transitions:
  - {trigger: note, source: open, dest: open, roles: [officer], title: {zh: 记录, en: Note}}
  - {trigger: finish, source: open, dest: done, roles: [officer], title: {zh: 办结, en: Finish}}
"""


def _case(app, uow):
    with app.session_factory() as session, session.begin():
        sync_definitions(session, [parse_definition(WORKFLOW, "sealfast.v1.yaml")])
    return services.open_case(uow(), actor="li.officer", case_type="sealfast",
                              title="宁波某文具有限公司涉嫌销售侵权笔记本", assignee="li.officer",
                              parties=[{"role": "alleged_infringer", "name": "宁波某文具有限公司"}])


def _statements(app, call):
    seen: list[str] = []

    def log(conn, cursor, statement, *args):  # noqa: ARG001
        seen.append(" ".join(statement.split()).upper())

    event.listen(app.engine, "before_cursor_execute", log)
    try:
        call()
    finally:
        event.remove(app.engine, "before_cursor_execute", log)
    return seen


def test_a_transition_reseals_from_its_own_update(app, people, uow):
    case = _case(app, uow)
    seen = _statements(app, lambda: services.fire(uow(), case.id, "note", actor="li.officer"))
    updates = [i for i, s in enumerate(seen) if s.startswith("UPDATE CASES SET STATUS")]
    assert len(updates) == 1 and "RETURNING" in seen[updates[0]]
    after = seen[updates[0] + 1:]
    assert not any(s.startswith("SELECT") and "FROM CASES" in s for s in after), after
    assert sum(s.startswith("UPDATE CASES SET SEAL") for s in after) == 1
    for _ in range(3):
        services.fire(uow(), case.id, "note", actor="li.officer")
    services.fire(uow(), case.id, "finish", actor="li.officer")
    assert verify_chains(uow(), [case.id]).problems == []


@pytest.mark.tampers
def test_a_column_changed_behind_the_engine_is_not_laundered_by_the_next_step(app, people,
                                                                               uow):
    case = _case(app, uow)
    with app.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET title = '改过的标题' WHERE id = :c"), {"c": case.id})
    services.fire(uow(), case.id, "note", actor="li.officer")
    problems = verify_chains(uow(), [case.id]).problems
    assert "cases.title" in [p.row for p in problems], problems  # the seal stayed as it was
