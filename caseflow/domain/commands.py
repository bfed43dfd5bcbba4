"""Commands: what a caller asks the service layer to do, as typed, immutable values.

The in-transaction forms of the case services take these (``cases.open_case_in``,
``cases.fire_in``), so a service composing another (a handoff that fires its trigger, an
accepted handoff that opens its linked case) passes one checked value, not loose keywords.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class OpenCase:
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


@dataclass(frozen=True)
class FireTrigger:
    case_id: int
    trigger: str
    actor: str
    payload: Mapping[str, Any] | None = None
    reason: str | None = None
    expected_version: int | None = None
