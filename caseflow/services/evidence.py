"""Evidence on a case: bytes kept once by SHA-256, who attached them, when, to which case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from caseflow.adapters.orm import Evidence, Handoff
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.errors import (
    N_,
    ConflictError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from caseflow.domain.limits import check_note, check_text
from caseflow.domain.vocabulary import ACTING_ROLES
from caseflow.services.access import require_same_agency, user_and_case, visible_as
from caseflow.services.audit import append_event
from caseflow.services.unit_of_work import UnitOfWork

FILENAME_MAX = 300  # the evidence.filename column's width


@dataclass(frozen=True)
class EvidenceRecord:
    """Evidence attached: its id, the SHA-256 of its bytes, their size, the case's number."""

    id: int
    sha256: str
    size: int
    case: str
    case_version: int = 0  # the case's version after the attachment (the API's ETag)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sha256": self.sha256, "size": self.size, "case": self.case}


def attach_evidence(
    uow: UnitOfWork, case_id: int, *, actor: str, filename: str, content: bytes,
    media_type: str = "application/octet-stream", description: str = "",
    expected_version: int | None = None,
) -> EvidenceRecord:
    """Store the bytes by SHA-256 and record who attached them, when, to which case."""
    if isinstance(filename, str):
        check_text(filename, "filename", limit=FILENAME_MAX, multiline=False)
    if isinstance(media_type, str):
        check_text(media_type, "media_type", limit=100, multiline=False)
    check_note(description, "description")
    with uow:
        user, case = user_and_case(uow, actor, case_id)
        require_same_agency(uow, user, case)
        if not (user.roles & ACTING_ROLES):
            raise PermissionDenied(f"user {actor} has no role that works cases")
        if expected_version is not None and expected_version != case.version:
            raise ConflictError(f"case {case.number} is at version {case.version}, "
                                f"not {expected_version}")
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
                N_("this file is already evidence #%(id)s (%(filename)s) of case %(number)s"),
                field="content", params={"id": duplicate.id, "filename": duplicate.filename,
                                         "number": case.number},
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
        return EvidenceRecord(id=evidence_id, sha256=digest, size=len(content), case=case.number,
                              case_version=case.version)


@dataclass(frozen=True)
class EvidenceFile:
    """Evidence as downloaded: what it is and its bytes."""

    id: int
    case: str
    filename: str
    media_type: str
    sha256: str
    content: bytes


def download_evidence(uow: UnitOfWork, case_id: int, evidence_id: int, *,
                      actor: str) -> EvidenceFile:
    """The bytes of one piece of evidence, to whoever may see them: the case's own agency
    any; an agency the case was handed to only what those handoffs carried (and shared as
    materials). Anything else is as unknown as evidence that does not exist."""
    with uow:
        user, case = user_and_case(uow, actor, case_id)
        visibility, handed = visible_as(uow.session, case, user)
        unknown = NotFound(f"unknown evidence id {evidence_id} of case {case.number}")
        if not isinstance(evidence_id, int) or isinstance(evidence_id, bool):
            raise ValidationFailed(f"evidence id must be an integer, got {evidence_id!r}",
                                   field="evidence_id")
        item = uow.session.get(Evidence, evidence_id)
        if item is None or item.case_id != case.id:
            raise unknown
        if visibility != "full" and evidence_id not in _shared_evidence(uow, case, handed):
            raise unknown
        content = uow.evidence.get(item.sha256)
        return EvidenceFile(id=item.id, case=case.number, filename=item.filename,
                            media_type=item.media_type, sha256=item.sha256, content=content)


def _shared_evidence(uow: UnitOfWork, case: Any, handed: set[int]) -> set[int]:
    """Evidence ids the handoffs in ``handed`` carried, where their rule shares materials."""
    if not handed:
        return set()
    definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
    ids: set[int] = set()
    for handoff in uow.session.scalars(select(Handoff).where(Handoff.id.in_(handed))):
        rule = definition.handoffs.get(handoff.kind)
        if rule is not None and "materials" in rule.shares:
            ids |= {m["evidence_id"] for m in handoff.materials or () if "evidence_id" in m}
    return ids
