"""The message bus: runs what ``caseflow.bootstrap`` wired for a message inside the sender's
unit of work, so capabilities react to each other and ask each other for work without
importing each other.

An event may have any number of handlers (each result is handed back, in order); a command
has exactly one, and a command nobody handles is a wiring error, raised at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from caseflow.domain.commands import Command
from caseflow.domain.events import DomainEvent

# a handler takes the sender's unit of work (typed Any: the unit of work holds the bus, so
# naming its class here would make the two modules import each other) and the message
Handler = Callable[[Any, Any], Any]


class MessageBus:
    def __init__(self, events: Mapping[type[DomainEvent], Sequence[Handler]],
                 commands: Mapping[type[Command], Handler] | None = None) -> None:
        self.handlers = {kind: tuple(found) for kind, found in events.items()}
        self.commands = dict(commands or {})

    def handle(self, uow: Any, event: DomainEvent) -> list[Any]:
        """Run every handler of the event's type, in order; return their results."""
        return [handler(uow, event) for handler in self.handlers.get(type(event), ())]

    def execute(self, uow: Any, command: Command) -> Any:
        """Run the one handler of the command's type and return its result."""
        handler = self.commands.get(type(command))
        if handler is None:
            raise LookupError(f"no handler is wired for {type(command).__name__}")
        return handler(uow, command)
