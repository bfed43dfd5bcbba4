"""Mediation sessions: date, attendees, outcome and notes that stay confidential.

The ``mediation_session`` audit event names the session, its date, attendees and outcome and
the SHA-256 of the notes, never the notes themselves (other agencies may be shown the trail).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from caseflow.adapters.orm import MediationSession
from caseflow.domain.errors import N_, ValidationFailed
from caseflow.domain.limits import LIST_MAX, check_name, check_note, check_reason, check_text
from caseflow.domain.settlements import notes_digest
from caseflow.services.audit import append_event
from caseflow.services.mediation.common import (
    case_date,
    check_version,
    clean_reason,
    mediation_case,
)
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A recorded mediation session as ``record_session`` returns it (never the notes)."""

    id: int
    case: str
    held_on: str
    attendees: tuple[str, ...]
    outcome: str
    notes_sha256: str
    case_version: int | None = None  # the case's version after the write (the API's ETag)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "case": self.case, "held_on": self.held_on,
                "attendees": list(self.attendees), "outcome": self.outcome,
                "notes_sha256": self.notes_sha256}


def record_session(
    uow: UnitOfWork, case_id: int, *, actor: str, held_on: date, attendees: Sequence[str],
    outcome: str, notes: str = "", reason: str | None = None,
    expected_version: int | None = None,
) -> SessionRecord:
    """Record one mediation session (date, attendees, outcome, confidential notes).

    The ``mediation_session`` event names the session, its date, attendees and outcome and
    the SHA-256 of the notes (``notes_sha256``), never the notes themselves.
    """
    with uow:
        case, user = mediation_case(uow, case_id, actor)
        check_version(case, expected_version)
        held_on = case_date(uow, case, held_on, "held_on")
        if isinstance(attendees, str) or not isinstance(attendees, Sequence) or not attendees:
            raise ValidationFailed(N_("list at least one attendee"), field="attendees",
                                   prefixed=True)
        if len(attendees) > LIST_MAX:
            raise ValidationFailed(N_("at most %(n)s, got %(got)s"), field="attendees",
                                   params={"n": LIST_MAX, "got": len(attendees)},
                                   prefixed=True)
        clean_attendees = []
        for i, name in enumerate(attendees):
            if not isinstance(name, str) or not name.strip():
                raise ValidationFailed(N_("must be a non-empty name"), field=f"attendees[{i}]",
                                       prefixed=True)
            clean_attendees.append(check_name(name.strip(), f"attendees[{i}]"))
        if not isinstance(outcome, str) or not outcome.strip():
            raise ValidationFailed(N_("is required"), field="outcome", prefixed=True)
        if len(outcome.strip()) > 200:
            raise ValidationFailed(N_("at most 200 characters (put detail in the notes)"),
                                   field="outcome", prefixed=True)
        check_text(outcome, "outcome", limit=200)
        if not isinstance(notes, str):
            raise ValidationFailed(N_("must be text"), field="notes", prefixed=True)
        check_note(notes, "notes")
        check_reason(reason)
        now = uow.now()
        row = MediationSession(case_id=case.id, held_on=held_on, attendees=clean_attendees,
                               outcome=outcome.strip(), notes=notes, recorded_by=actor,
                               recorded_at=now)
        uow.session.add(row)
        uow.flush()
        digest = notes_digest(notes)
        append_event(uow.session, case, "mediation_session", actor=actor, channel=uow.channel,
                     at=now, reason=clean_reason(reason), payload={
                         "session_id": row.id, "held_on": held_on.isoformat(),
                         "attendees": clean_attendees, "outcome": row.outcome,
                         "notes_sha256": digest})
        uow.flush()
        result = SessionRecord(id=row.id, case=case.number, held_on=held_on.isoformat(),
                               attendees=tuple(clean_attendees), outcome=row.outcome,
                               notes_sha256=digest, case_version=case.version)
        uow.commit()
        return result
