"""Domain events: what one capability tells the others happened, inside the same transaction.

A service publishes an event on its unit of work; the message bus (wired once in
``caseflow.bootstrap``) runs every handler registered for it before the unit of work
commits, so a reaction is all-or-nothing with the change that caused it. Handlers may
return a result to the publisher (the audit entries a reaction adds to the publishing case,
the case a reaction opened, how many clocks it moved).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    """Base of every event."""


@dataclass(frozen=True)
class CaseClosed(DomainEvent):
    """A case reached a final state (its outcome may belong to a handoff that opened it).

    Handlers return audit entries (``{"kind", "payload"}``) for the closed case's own chain,
    or None.
    """

    case_id: int
    final_state: str
    actor: str
    at: datetime


@dataclass(frozen=True)
class CalendarChanged(DomainEvent):
    """The working-day calendar changed (a year loaded, an override); handlers return how
    many open clocks moved."""

    actor: str
    reason: str


@dataclass(frozen=True)
class LinkedCaseRequested(DomainEvent):
    """An accepted handoff opens a case in the receiving agency's workflow; the handler
    returns the new case's read model."""

    handoff_id: int
    workflow: str
    actor: str
    title: str
    received_on: date
    clock_start: datetime
    parties: Sequence[Mapping[str, Any]] = ()
    ip_rights: Sequence[Mapping[str, Any]] = ()
    data: Mapping[str, Any] = field(default_factory=dict)
    assignee: str | None = None
    reason: str | None = None
