"""Domain events: what one capability tells the others happened, inside the same transaction.

A service publishes an event on its unit of work; the message bus (wired once in
``caseflow.bootstrap``) runs every handler registered for it before the unit of work
commits, so a reaction is all-or-nothing with the change that caused it. Handlers may
return a result to the publisher (the audit entries a reaction adds to the publishing case,
how many clocks it moved). What one capability asks another to do (open a linked case) is a
command (``domain.commands``), with exactly one handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DomainEvent:
    """Base of every event."""


@dataclass(frozen=True)
class CaseClosed(DomainEvent):
    """A case reached a final state (its outcome may belong to a handoff that opened it).

    Handlers return the ``AuditEntry`` list to append to the closed case's own chain (empty
    when the case concerns them not).
    """

    case_id: int
    final_state: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class CalendarChanged(DomainEvent):
    """The working-day calendar changed (a year loaded, an override); each handler returns
    how many open clocks it moved (an int; None counts as none)."""

    actor: str
    reason: str
