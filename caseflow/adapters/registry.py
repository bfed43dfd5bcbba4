"""Workflow registry: stored definition versions and one shared ``transitions`` Machine each.

Building a Machine costs ~0.5 ms and tens of KiB, so each definition version gets exactly one,
built on first use and shared by every case on that version (LIBRARY-NOTES, "transitions").
Cases are never added to it: a trigger is fired with ``machine.events[name].trigger(case)``,
which reads and writes ``case.status`` through ``model_attribute``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from transitions import Machine

from caseflow.adapters.orm import WorkflowDefinitionRow
from caseflow.domain.definitions import WorkflowDefinition, parse_definition
from caseflow.domain.errors import GuardRefused, NotFound, WorkflowDefinitionError
from caseflow.domain.guards import GUARDS, GuardContext


def _guard_condition(name: str):  # type: ignore[no-untyped-def]
    check = GUARDS[name]

    def condition(event_data) -> bool:  # type: ignore[no-untyped-def]
        ctx: GuardContext = event_data.kwargs["ctx"]
        refusal = check(ctx)
        if refusal:
            raise GuardRefused(name, refusal)
        return True

    condition.__name__ = f"guard_{name}"
    return condition


def build_machine(definition: WorkflowDefinition) -> Machine:
    """One model-less Machine for a definition version; guards become its conditions."""
    transitions = [
        {
            "trigger": t.trigger,
            "source": list(t.sources),
            "dest": t.dest,
            "conditions": [_guard_condition(g) for g in t.guards],
        }
        for t in definition.transitions
    ]
    return Machine(
        model=None,
        states=list(definition.states),
        transitions=transitions,
        initial=None,
        auto_transitions=False,
        model_attribute="status",
        send_event=True,
        ignore_invalid_triggers=False,
    )


@dataclass(frozen=True)
class CompiledWorkflow:
    definition: WorkflowDefinition
    machine: Machine


class WorkflowRegistry:
    """Process-wide cache of parsed definitions and their Machines, keyed by content digest."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compiled: dict[tuple[str, int], tuple[str, CompiledWorkflow]] = {}

    def cached(self, key: str, version: int) -> CompiledWorkflow | None:
        """The compiled version if this process has built it already (no database needed)."""
        found = self._compiled.get((key, version))
        return found[1] if found else None

    def compiled(self, session: Session, key: str, version: int) -> CompiledWorkflow:
        cached = self._compiled.get((key, version))
        if cached is not None:
            return cached[1]
        row = session.get(WorkflowDefinitionRow, (key, version))
        if row is None:
            raise NotFound(f"workflow {key} version {version} is not loaded")
        return self._compile(row)

    def _compile(self, row: WorkflowDefinitionRow) -> CompiledWorkflow:
        with self._lock:
            cached = self._compiled.get((row.key, row.version))
            if cached is not None and cached[0] == row.digest:
                return cached[1]
            definition = parse_definition(row.source, f"{row.key} v{row.version} (stored)")
            compiled = CompiledWorkflow(definition, build_machine(definition))
            self._compiled[(row.key, row.version)] = (row.digest, compiled)
            return compiled

    def definition(self, session: Session, key: str, version: int) -> WorkflowDefinition:
        return self.compiled(session, key, version).definition

    def version_in_force(self, session: Session, key: str, on: date) -> int:
        """The version a case received on ``on`` takes: the latest whose date has come."""
        rows = session.execute(
            select(WorkflowDefinitionRow.version, WorkflowDefinitionRow.effective_from)
            .where(WorkflowDefinitionRow.key == key)
            .order_by(WorkflowDefinitionRow.version.desc())
        ).all()
        if not rows:
            raise NotFound(f"unknown case type {key!r}: no workflow with that key is loaded")
        for version, effective in rows:
            if effective is None or effective <= on:
                return version
        first = min(r.effective_from for r in rows if r.effective_from)
        raise NotFound(f"no version of workflow {key!r} is in force on {on} (earliest {first})")

    def clear(self) -> None:
        with self._lock:
            self._compiled.clear()


REGISTRY = WorkflowRegistry()


def sync_definitions(session: Session, definitions: list[WorkflowDefinition]) -> list[str]:
    """Store new definition versions; refuse a published version whose text has changed.

    Returns one line per version added. The caller commits.
    """
    added: list[str] = []
    for d in definitions:
        row = session.get(WorkflowDefinitionRow, (d.key, d.version))
        if row is None:
            session.add(
                WorkflowDefinitionRow(
                    key=d.key, version=d.version, effective_from=d.effective_from,
                    title_zh=d.title_zh, title_en=d.title_en, source=d.source_text,
                    digest=d.digest,
                )
            )
            added.append(f"{d.key} v{d.version}")
        elif row.digest != d.digest:
            raise WorkflowDefinitionError(
                f"{d.source_name}: {d.key} version {d.version} is already loaded with different "
                f"content; publish the change as version {d.version + 1} instead of editing it"
            )
    session.flush()
    return added
