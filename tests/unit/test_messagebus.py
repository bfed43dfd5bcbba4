"""The message bus runs the handlers wired for an event, in order, and hands back their
results; bootstrap wires each reaction between capabilities exactly once."""

from __future__ import annotations

from datetime import datetime

from caseflow.bootstrap import build_bus
from caseflow.domain.events import CalendarChanged, CaseClosed, LinkedCaseRequested
from caseflow.services import cases, clocks, handoffs
from caseflow.services.messagebus import MessageBus


class FakeUnitOfWork:
    """Stands in for the database: records what handlers did with it."""

    def __init__(self) -> None:
        self.seen: list[str] = []


def test_handlers_run_in_order_and_return_their_results():
    def first(uow, event):
        uow.seen.append(f"first:{event.case_id}")
        return [{"kind": "handoff_outcome", "payload": {}}]

    def second(uow, event):
        uow.seen.append(f"second:{event.final_state}")
        return []

    bus = MessageBus({CaseClosed: [first, second]})
    uow = FakeUnitOfWork()
    results = bus.handle(uow, CaseClosed(5, "closed", "li.officer", datetime(2026, 10, 9)))
    assert uow.seen == ["first:5", "second:closed"]
    assert results == [[{"kind": "handoff_outcome", "payload": {}}], []]
    assert bus.handle(uow, CalendarChanged("zhao.admin", "override")) == []  # nobody listens


def test_bootstrap_wires_each_reaction_once():
    wired = build_bus().handlers
    assert wired[CaseClosed] == (handoffs.record_linked_outcome,)
    assert wired[CalendarChanged] == (clocks.recompute_on_calendar_change,)
    assert wired[LinkedCaseRequested] == (cases.open_linked_case,)
