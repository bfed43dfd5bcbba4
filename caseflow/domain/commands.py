"""Commands: what a caller asks the service layer to do, as typed, immutable values.

The in-transaction forms of the case services take these (``cases.open_case_in``,
``cases.fire_in``), so a service composing another (a handoff that fires its trigger, an
accepted handoff that opens its linked case) passes one checked value, not loose keywords.
A command sent through the message bus (``uow.execute``) has exactly one handler, wired in
``caseflow.bootstrap``, and returns its result; an event (``domain.events``) may have many.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


class Command:
    """Base of every command."""


@dataclass(frozen=True)
class OpenCase(Command):
    actor: str
    case_type: str
    title: str
    received_on: date | None = None
    parties: Sequence[Mapping[str, Any]] = ()
    ip_rights: Sequence[Mapping[str, Any]] = ()
    data: Mapping[str, Any] | None = None
    assignee: str | None = None
    reason: str | None = None
    clock_start: datetime | None = None  # when opening clocks start (a handoff's receipt)
    industry: str | None = None  # one of vocabulary.INDUSTRIES: the dashboard counts by it


@dataclass(frozen=True)
class FireTrigger(Command):
    case_id: int
    trigger: str
    actor: str
    payload: Mapping[str, Any] | None = None
    reason: str | None = None
    expected_version: int | None = None
    override: str | None = None  # why a period the law lets a supervisor set aside is set aside


@dataclass(frozen=True)
class OpenLinkedCase(Command):
    """An accepted handoff opens a case in the receiving agency's workflow, in the same
    transaction as the acceptance; the handler returns the new case's read model."""

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
    industry: str | None = None  # the sending case's: the same goods, the same trade
