"""Evidence on a case: bytes kept once by SHA-256, who attached them, when, to which case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from caseflow.adapters.orm import Evidence
from caseflow.domain.errors import ValidationFailed
from caseflow.services.access import get_case, get_user, require_same_agency
from caseflow.services.audit import append_event
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class EvidenceRecord:
    """Evidence attached: its id, the SHA-256 of its bytes, their size, the case's number."""

    id: int
    sha256: str
    size: int
    case: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sha256": self.sha256, "size": self.size, "case": self.case}


def attach_evidence(
    uow: UnitOfWork, case_id: int, *, actor: str, filename: str, content: bytes,
    media_type: str = "application/octet-stream", description: str = "",
) -> EvidenceRecord:
    """Store the bytes by SHA-256 and record who attached them, when, to which case."""
    with uow:
        case = get_case(uow, case_id)
        user = get_user(uow, actor)
        require_same_agency(uow, user, case)
        if not filename or not isinstance(filename, str):
            raise ValidationFailed("filename: is required", field="filename")
        if not isinstance(content, bytes | bytearray) or not content:
            raise ValidationFailed("content: must be non-empty bytes", field="content")
        digest = uow.evidence.put(bytes(content))
        duplicate = uow.session.scalar(
            select(Evidence).where(Evidence.case_id == case.id, Evidence.sha256 == digest)
        )
        if duplicate is not None:
            raise ValidationFailed(
                f"this file is already evidence #{duplicate.id} ({duplicate.filename}) of "
                f"case {case.number}", field="content",
            )
        item = Evidence(case=case, sha256=digest, filename=filename, media_type=media_type,
                        size=len(content), description=description, added_by=user)
        uow.session.add(item)
        append_event(uow.session, case, "evidence_attached", actor=actor, channel=uow.channel,
                     at=uow.now(),
                     payload={"sha256": digest, "filename": filename, "size": len(content),
                              "media_type": media_type, "description": description})
        uow.flush()
        evidence_id = item.id
        uow.commit()
        return EvidenceRecord(id=evidence_id, sha256=digest, size=len(content), case=case.number)
