"""Who may act on a case: its own agency only; outsiders learn no more than they may see."""

from __future__ import annotations

from typing import Any, NoReturn

from sqlalchemy import select

from caseflow.errors import NotFound, PermissionDenied
from caseflow.models import Handoff


def refuse_outsider(session: Any, username: str, agency_id: int, case_id: int,
                    number: str) -> NoReturn:
    """Refuse someone of another agency without revealing more than they may see: an agency
    the case was handed to learns it may not act on it; anyone else, that it does not exist
    (visibility.py gives the same answer)."""
    handed = session.scalar(select(Handoff.id).where(
        Handoff.case_id == case_id, Handoff.to_agency_id == agency_id).limit(1))
    if handed is not None:
        raise PermissionDenied(f"{username} may see case {number} but acts only on its own "
                               "agency's cases")
    raise NotFound(f"unknown case id {case_id}")
