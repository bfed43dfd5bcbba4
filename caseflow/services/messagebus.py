"""The message bus: runs the handlers wired for a domain event inside the publisher's unit
of work (``caseflow.bootstrap`` registers them), so capabilities react to each other without
importing each other."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from caseflow.domain.events import DomainEvent

if TYPE_CHECKING:
    from caseflow.services.unit_of_work import UnitOfWork

Handler = Callable[["UnitOfWork", Any], Any]


class MessageBus:
    def __init__(self, handlers: Mapping[type[DomainEvent], Sequence[Handler]]) -> None:
        self.handlers = {kind: tuple(found) for kind, found in handlers.items()}

    def handle(self, uow: UnitOfWork, event: DomainEvent) -> list[Any]:
        """Run every handler of the event's type, in order; return their results."""
        return [handler(uow, event) for handler in self.handlers.get(type(event), ())]
