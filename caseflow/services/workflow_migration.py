"""Moving running cases to another workflow version: explicit, all-or-nothing, audited."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select

from caseflow.adapters.orm import Case
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import PermissionDenied, WorkflowMigrationError
from caseflow.domain.events import CaseClosed
from caseflow.domain.limits import check_reason
from caseflow.services.access import get_user
from caseflow.services.audit import append_entry, append_event
from caseflow.services.clocks import close_clocks, rerule_clocks
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Move:
    case_id: int
    number: str
    from_version: int
    from_state: str
    to_state: str


@dataclass
class MigrationReport:
    key: str
    to_version: int
    dry_run: bool
    moves: list[Move] = field(default_factory=list)


def migrate_cases(
    uow: UnitOfWork, key: str, to_version: int, state_map: Mapping[str, str], *, actor: str,
    reason: str, clocks: str, dry_run: bool = False, from_version: int | None = None,
) -> MigrationReport:
    """Move every running case of ``key`` (optionally only from one version) to ``to_version``.

    A state keeps its name when the target version has a state of that name; any other state
    must be mapped with ``state_map``. One state left unmapped refuses the whole migration.

    ``clocks`` says what happens to the moved cases' running clocks, explicitly: ``keep``
    leaves them counting under the rules they started with; ``recompute`` puts them under
    the target version's rule of the same name (period, pauses, extensions, alerts) and
    recomputes their due dates — a clock whose rule the target version no longer has stops.
    """
    if clocks not in ("keep", "recompute"):
        raise WorkflowMigrationError("clocks: say keep or recompute for running clocks")
    with uow:
        user = get_user(uow, actor)
        if "admin" not in user.roles:
            raise PermissionDenied("only an admin migrates cases between workflow versions")
        if not reason or not reason.strip():
            raise WorkflowMigrationError("a migration needs a reason")
        check_reason(reason)
        target = REGISTRY.definition(uow.session, key, to_version)
        for old, new in state_map.items():
            if new not in target.states:
                raise WorkflowMigrationError(
                    f"--map {old}={new}: {key} v{to_version} has no state {new!r}")
        query = select(Case).where(Case.workflow_key == key, Case.closed_at.is_(None),
                                   Case.workflow_version != to_version).order_by(Case.id)
        if from_version is not None:
            query = query.where(Case.workflow_version == from_version)
        cases = list(uow.session.scalars(query))
        report = MigrationReport(key=key, to_version=to_version, dry_run=dry_run)
        unmapped: dict[str, list[str]] = {}
        for case in cases:
            new_state = state_map.get(case.status)
            if new_state is None and case.status in target.states:
                new_state = case.status
            if new_state is None:
                unmapped.setdefault(f"v{case.workflow_version}:{case.status}", []).append(case.number)
                continue
            report.moves.append(Move(case.id, case.number, case.workflow_version, case.status,
                                     new_state))
        if unmapped:
            detail = "; ".join(f"{state} ({len(nums)} case(s), e.g. {nums[0]})"
                               for state, nums in sorted(unmapped.items()))
            raise WorkflowMigrationError(
                f"no mapping into {key} v{to_version} for state(s): {detail}; add --map "
                "old=new for each — nothing was moved")
        if dry_run:
            return report
        by_id = {c.id: c for c in cases}
        for move in report.moves:
            case = by_id[move.case_id]
            case.workflow_version = to_version
            case.status = move.to_state
            if move.to_state in target.final_states:
                case.closed_at = uow.now()
                close_clocks(uow, case, actor=actor, reason=f"{reason.strip()} (closed by migration)")
            append_event(
                uow.session, case, "workflow_migrated", actor=actor, channel=uow.channel,
                source_state=move.from_state, target_state=move.to_state, reason=reason.strip(),
                payload={"from_version": move.from_version, "to_version": to_version,
                         "clocks": clocks}, at=uow.now(),
            )
            if clocks == "recompute":
                rerule_clocks(uow, case, target, actor=actor,
                              reason=f"{reason.strip()} (recomputed under v{to_version})")
            if move.to_state in target.final_states:
                # however a case ends, the capabilities that care hear of it (a linked case's
                # outcome flows back to the case whose handoff opened it), as after a step
                for entries in uow.publish(CaseClosed(case.id, move.to_state, actor, uow.now())):
                    for spec in entries or ():
                        append_entry(uow.session, case, spec, actor=actor, channel=uow.channel,
                                     at=uow.now())
        uow.commit()
        return report
