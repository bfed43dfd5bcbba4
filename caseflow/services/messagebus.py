"""The message bus: runs the handlers wired for a domain event inside the publisher's unit
of work (``caseflow.bootstrap`` registers them), so capabilities react to each other without
importing each other."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from caseflow.domain.events import DomainEvent

# a handler takes the publisher's unit of work (typed Any: the unit of work holds the bus,
# so naming its class here would make the two modules import each other) and the event
Handler = Callable[[Any, Any], Any]


class MessageBus:
    def __init__(self, handlers: Mapping[type[DomainEvent], Sequence[Handler]]) -> None:
        self.handlers = {kind: tuple(found) for kind, found in handlers.items()}

    def handle(self, uow: Any, event: DomainEvent) -> list[Any]:
        """Run every handler of the event's type, in order; return their results."""
        return [handler(uow, event) for handler in self.handlers.get(type(event), ())]
