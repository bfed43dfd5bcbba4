"""Who sees what of a mediation, and how its performance stands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow.adapters.orm import Case, Clock, Event, MediationSession
from caseflow.domain.errors import ValidationFailed
from caseflow.domain.moments import aware, utcnow
from caseflow.domain.settlements import yuan
from caseflow.domain.vocabulary import AGENCY_KINDS, MEDIATION_AGENCY_KIND, MEDIATION_WORKFLOW
from caseflow.services.mediation.common import start_of
from caseflow.services.mediation.settlements import latest_agreement

_ONE_DAY = timedelta(days=1)

_CONFIRMATION_TRIGGERS = {
    "request_judicial_confirmation": "requested",
    "record_court_acceptance": "pending",
    "record_court_refusal": "not_confirmed",
    "record_non_confirmation": "not_confirmed",
    "record_confirmation": "confirmed",
    "skip_judicial_confirmation": "not_requested",
    "resume_mediation": "not_requested",
}


def _as_naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@dataclass(frozen=True, slots=True)
class InstalmentStatus:
    """How one instalment of the latest agreement stands: ``status`` is ``paid`` (on time),
    ``due`` or ``late``; ``paid_on`` and ``clock`` are ``None`` when there is none."""

    agreement_id: int
    seq: int
    due_on: str
    last_day: str
    due: str
    amount: str
    amount_fen: int
    currency: str
    paid_on: str | None
    status: str
    clock: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"agreement_id": self.agreement_id, "seq": self.seq, "due_on": self.due_on,
                "last_day": self.last_day, "due": self.due, "amount": self.amount,
                "amount_fen": self.amount_fen, "currency": self.currency,
                "paid_on": self.paid_on, "status": self.status, "clock": self.clock}


@dataclass(frozen=True, slots=True)
class SessionItem:
    """One mediation session: when, who attended, its outcome and notes."""

    id: int
    held_on: str
    attendees: tuple[Any, ...]
    outcome: str
    notes: str
    recorded_by: str
    recorded_at: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "held_on": self.held_on, "attendees": list(self.attendees),
                "outcome": self.outcome, "notes": self.notes, "recorded_by": self.recorded_by,
                "recorded_at": self.recorded_at}


@dataclass(frozen=True, slots=True)
class AgreementItem:
    """The latest settlement agreement: parties, amount, terms and the signing date."""

    id: int
    parties: tuple[Any, ...]
    amount: str
    amount_fen: int
    currency: str
    terms: tuple[Any, ...]
    decides_ownership: bool
    decides_validity: bool
    signed_on: str
    status: str
    recorded_by: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "parties": list(self.parties), "amount": self.amount,
                "amount_fen": self.amount_fen, "currency": self.currency,
                "terms": list(self.terms), "decides_ownership": self.decides_ownership,
                "decides_validity": self.decides_validity, "signed_on": self.signed_on,
                "status": self.status, "recorded_by": self.recorded_by}


@dataclass(frozen=True, slots=True)
class MediationRecord:
    """A mediation case as one viewer may see it (see :func:`mediation_view`).

    ``visibility`` is ``full`` (the mediation body: sessions, agreement and schedule) or
    ``outcome`` (anyone else: only the state, whether it settled and the judicial
    confirmation status — ``sessions``, ``agreement`` and ``schedule`` are then ``None`` here
    and absent from :meth:`to_dict`). ``agreement`` is ``None`` in a full record of a mediation
    not yet settled."""

    id: int
    visibility: str
    case: str
    status: str
    settled: bool
    confirmation: str
    sessions: tuple[SessionItem, ...] | None = None
    agreement: AgreementItem | None = None
    schedule: tuple[InstalmentStatus, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        view: dict[str, Any] = {"id": self.id, "visibility": self.visibility, "case": self.case,
                                "status": self.status, "settled": self.settled,
                                "confirmation": self.confirmation}
        if self.visibility == "full":
            view["sessions"] = [s.to_dict() for s in self.sessions or ()]
            view["agreement"] = None if self.agreement is None else self.agreement.to_dict()
            view["schedule"] = [s.to_dict() for s in self.schedule or ()]
        return view


def instalment_statuses(session: Session, case_id: int,
                        now: datetime | None = None) -> list[InstalmentStatus]:
    """The latest agreement's instalments, each ``paid`` (on time), ``due`` (unpaid, not yet
    due) or ``late`` (unpaid after its clock's due instant, or paid after its last day).

    ``now`` is naive UTC (as stored) or aware; default the current time.
    """
    moment = _as_naive_utc(now) if now is not None else utcnow()
    agreement = latest_agreement(session, case_id)
    if agreement is None:
        return []
    clock_ids = [i.clock_id for i in agreement.instalments if i.clock_id is not None]
    clocks = {c.id: c for c in session.scalars(select(Clock).where(Clock.id.in_(clock_ids)))} \
        if clock_ids else {}
    out: list[InstalmentStatus] = []
    for inst in agreement.instalments:
        clock = clocks.get(inst.clock_id) if inst.clock_id is not None else None
        last_day = clock.due_last_day if clock is not None else inst.due_on
        due_at = clock.due_at if clock is not None else start_of(inst.due_on + _ONE_DAY)
        if inst.paid_on is not None:
            status = "paid" if inst.paid_on <= last_day else "late"
        else:
            status = "late" if moment >= due_at else "due"
        out.append(InstalmentStatus(
            agreement_id=agreement.id, seq=inst.seq, due_on=inst.due_on.isoformat(),
            last_day=last_day.isoformat(), due=aware(due_at).isoformat(),
            amount=yuan(inst.amount_fen), amount_fen=inst.amount_fen,
            currency=agreement.currency,
            paid_on=inst.paid_on.isoformat() if inst.paid_on else None, status=status,
            clock=clock.name if clock is not None else None,
        ))
    return out


def confirmation_status(session: Session, case: Case) -> str:
    """Where the case's application for judicial confirmation stands (``requested``,
    ``pending``, ``confirmed``, ``not_confirmed`` or ``not_requested``), read from the last
    transition that moved it: the outcome every viewer of a mediation case may see, on the
    mediation record and on the mediator's desk alike."""
    trigger = session.scalar(
        select(Event.trigger).where(Event.case_id == case.id, Event.kind == "transition",
                                    Event.trigger.in_(list(_CONFIRMATION_TRIGGERS)))
        .order_by(Event.seq.desc()).limit(1))
    return _CONFIRMATION_TRIGGERS.get(trigger or "", "not_requested")


def mediation_view(session: Session, case: Case, viewer_agency_kind: str, *,
                   now: datetime | None = None) -> MediationRecord:
    """What a viewer from an agency of ``viewer_agency_kind`` may see of a mediation case.

    The rule (人民调解法 confidentiality; the issue's "enforcement agencies see only the
    outcome"):

    * a viewer of the mediation agency kind (the mediation body working the case, which is
      also what the parties are shown of their own case) sees the full record: every session
      with attendees, outcome and notes, the agreement (parties, amount, currency, terms,
      signing date) and the performance schedule with each instalment's status;
    * anyone else — market supervision, customs, police, the court, the protection centre —
      sees only the outcome: the case's state, whether it settled, and the judicial
      confirmation status. No notes, no attendees, no amount, no terms, no schedule.

    The caller must already have decided that the viewer may see the case at all. An unknown
    agency kind is refused rather than guessed.
    """
    if viewer_agency_kind not in AGENCY_KINDS:
        raise ValidationFailed(f"viewer_agency_kind: {viewer_agency_kind!r} is not one of "
                               f"{', '.join(AGENCY_KINDS)}", field="viewer_agency_kind")
    if case.workflow_key != MEDIATION_WORKFLOW:
        raise ValidationFailed(f"case {case.number} is not a mediation case", field="case_id")
    agreement = latest_agreement(session, case.id)
    confirmation = confirmation_status(session, case)
    if viewer_agency_kind != MEDIATION_AGENCY_KIND:
        return MediationRecord(id=case.id, visibility="outcome", case=case.number,
                               status=case.status, settled=agreement is not None,
                               confirmation=confirmation)
    sessions = session.scalars(select(MediationSession)
                               .where(MediationSession.case_id == case.id)
                               .order_by(MediationSession.held_on, MediationSession.id))
    return MediationRecord(
        id=case.id, visibility="full", case=case.number, status=case.status,
        settled=agreement is not None, confirmation=confirmation,
        sessions=tuple(SessionItem(id=s.id, held_on=s.held_on.isoformat(),
                                   attendees=tuple(s.attendees), outcome=s.outcome,
                                   notes=s.notes, recorded_by=s.recorded_by,
                                   recorded_at=aware(s.recorded_at).isoformat())
                       for s in sessions),
        agreement=None if agreement is None else AgreementItem(
            id=agreement.id, parties=tuple(agreement.parties),
            amount=yuan(agreement.amount_fen), amount_fen=agreement.amount_fen,
            currency=agreement.currency, terms=tuple(agreement.terms),
            decides_ownership=agreement.decides_ownership,
            decides_validity=agreement.decides_validity,
            signed_on=agreement.signed_on.isoformat(), status=agreement.status,
            recorded_by=agreement.recorded_by),
        schedule=tuple(instalment_statuses(session, case.id, now)),
    )


def mediation_for(uow: Any, case_id: int, actor: str) -> tuple[MediationRecord, int | None]:
    """The mediation record of a case as ``actor`` may see it (:func:`mediation_view`), and
    the case's version for its own agency (the ETag its writes are made against; ``None``
    for anyone else). NotFound, as if missing, for anyone who may not see the case, and for
    a case that is not a mediation."""
    from caseflow.domain.errors import NotFound
    from caseflow.services.access import get_case, get_user, visible_as

    with uow:
        session = uow.session
        user = get_user(uow, actor)
        case = get_case(uow, case_id)
        visible_as(session, case, user)  # NotFound for anyone who may not see it
        if case.workflow_key != MEDIATION_WORKFLOW:
            raise NotFound(f"case {case.number} is a {case.workflow_key} case: it has no "
                           "mediation record")
        record = mediation_view(session, case, user.agency.kind, now=uow.now())
        return record, case.version if user.agency_id == case.agency_id else None
