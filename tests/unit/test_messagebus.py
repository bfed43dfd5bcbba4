"""The message bus runs the handlers wired for an event, in order, and hands back their
results; a command has exactly one handler; bootstrap wires each reaction exactly once."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from caseflow.bootstrap import build_bus
from caseflow.domain.commands import Command, OpenLinkedCase
from caseflow.domain.events import CalendarChanged, CaseClosed
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
    assert build_bus().commands == {OpenLinkedCase: cases.open_linked_case}


def test_a_command_has_one_handler_and_nobody_handling_it_is_an_error():
    class Ping(Command):
        pass

    bus = MessageBus({}, {Ping: lambda uow, command: "pong"})
    assert bus.execute(FakeUnitOfWork(), Ping()) == "pong"
    with pytest.raises(LookupError, match="no handler is wired for OpenLinkedCase"):
        bus.execute(FakeUnitOfWork(), OpenLinkedCase(1, "police_case", "gao.police", "案",
                                                     date(2026, 10, 9), datetime(2026, 10, 9)))
