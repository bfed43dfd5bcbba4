"""Settlement agreements and their performance: parties, money in fen with its currency,
non-monetary terms, an instalment schedule with one clock per instalment, payments.

An instalment's clock (``instalment.<agreement id>.<seq>``, ruled by
``domain.clocks.INSTALMENT_RULE``) runs from the signing date for the number of calendar
days to the due date, so it falls due at the end of ``due_on`` and rolls past rest days like
any calendar-day period (an instalment due on the signing day runs 24 hours from 00:00 of
that day). A new agreement on the same case supersedes the previous one and stops its open
clocks; a payment stops its instalment's clock at the payment date (``on_time`` says whether
it was in time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow.adapters.calendar_store import current_calendar
from caseflow.adapters.orm import Case, Clock, Instalment, SettlementAgreement
from caseflow.domain.audit import AuditEntry
from caseflow.domain.clocks import INSTALMENT_RULE
from caseflow.domain.errors import N_, NotFound, ValidationFailed
from caseflow.domain.limits import INSTALMENTS, check_reason, id_in_range
from caseflow.domain.moments import aware
from caseflow.domain.periods import Period
from caseflow.domain.settlements import (
    SETTLEMENT_STATES,
    check_currency,
    check_schedule,
    check_terms,
    normalise_name,
    parse_amount,
    parse_date,
    yuan,
)
from caseflow.domain.vocabulary import OPEN_CLOCK_STATUSES as OPEN
from caseflow.services.audit import append_entry, append_event
from caseflow.services.clocks import start_clock, stop_clock
from caseflow.services.mediation.common import (
    case_date,
    check_version,
    clean_reason,
    mediation_case,
    start_of,
    today,
)
from caseflow.services.unit_of_work import UnitOfWork

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class ScheduledInstalment:
    """One instalment of a recorded agreement and the clock started for it."""

    seq: int
    due_on: str
    amount: str
    amount_fen: int
    clock: str
    due: str
    last_day: str

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "due_on": self.due_on, "amount": self.amount,
                "amount_fen": self.amount_fen, "clock": self.clock, "due": self.due,
                "last_day": self.last_day}


@dataclass(frozen=True, slots=True)
class SettlementRecord:
    """A recorded settlement agreement as ``record_settlement`` returns it."""

    id: int
    case: str
    parties: tuple[str, ...]
    amount: str
    amount_fen: int
    currency: str
    terms: tuple[str, ...]
    decides_ownership: bool
    decides_validity: bool
    signed_on: str
    supersedes: tuple[int, ...]
    instalments: tuple[ScheduledInstalment, ...]
    case_version: int | None = None  # the case's version after the write (the API's ETag)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "case": self.case, "parties": list(self.parties),
                "amount": self.amount, "amount_fen": self.amount_fen,
                "currency": self.currency, "terms": list(self.terms),
                "decides_ownership": self.decides_ownership,
                "decides_validity": self.decides_validity, "signed_on": self.signed_on,
                "supersedes": list(self.supersedes),
                "instalments": [i.to_dict() for i in self.instalments]}


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """A recorded instalment payment as ``record_payment`` returns it; ``on_time`` says
    whether it was paid by the end of the clock's last day."""

    agreement_id: int
    seq: int
    paid_on: str
    amount: str
    on_time: bool
    all_paid: bool
    case_version: int | None = None  # the case's version after the write (the API's ETag)

    def to_dict(self) -> dict[str, Any]:
        return {"agreement_id": self.agreement_id, "seq": self.seq, "paid_on": self.paid_on,
                "amount": self.amount, "on_time": self.on_time, "all_paid": self.all_paid}


def latest_agreement(session: Session, case_id: int) -> SettlementAgreement | None:
    """The case's most recently recorded agreement (a newer one supersedes the older)."""
    return session.scalar(select(SettlementAgreement)
                          .where(SettlementAgreement.case_id == case_id)
                          .order_by(SettlementAgreement.id.desc()).limit(1))


def _check_parties(case: Case, parties: Any) -> list[str]:
    if isinstance(parties, str) or not isinstance(parties, Sequence):
        raise ValidationFailed(N_("must be a list of the case's party names"),
                               field="parties", prefixed=True)
    known = {normalise_name(p.name): p.name for p in case.parties}
    chosen: list[str] = []
    for i, name in enumerate(parties):
        where = f"parties[{i}]"
        if not isinstance(name, str) or not name.strip():
            raise ValidationFailed(N_("must be a party's name"), field=where, prefixed=True)
        canonical = known.get(normalise_name(name))
        if canonical is None:
            raise ValidationFailed(
                N_("%(name)s is not a party of case %(number)s (parties: %(parties)s)"),
                field=where, prefixed=True,
                params={"name": repr(name.strip()), "number": case.number,
                        "parties": ", ".join(p.name for p in case.parties) or "none"})
        if canonical in chosen:
            raise ValidationFailed(N_("%(name)s is listed twice"), field=where,
                                   params={"name": canonical}, prefixed=True)
        chosen.append(canonical)
    if len(chosen) < 2:
        raise ValidationFailed(N_("an agreement binds at least two parties of the case"),
                               field="parties", prefixed=True)
    return chosen


def _instalment_clock(session: Session, case: Case, agreement: SettlementAgreement, seq: int,
                      due_on: date, calendar: Any) -> tuple[Clock, dict[str, Any]]:
    days = (due_on - agreement.signed_on).days
    period = Period(days, "days") if days > 0 else Period(24, "hours")
    rule = replace(INSTALMENT_RULE, name=f"instalment.{agreement.id}.{seq}")
    return start_clock(session, case.id, rule, rule_version=case.workflow_version,
                       now=start_of(agreement.signed_on), calendar=calendar, period=period)


def record_settlement(
    uow: UnitOfWork, case_id: int, *, actor: str, parties: Sequence[str],
    amount: str | Decimal | int, currency: str = "CNY", terms: Sequence[str] = (),
    signed_on: date, instalments: Sequence[Mapping[str, Any]] = (), reason: str | None = None,
    expected_version: int | None = None,
) -> SettlementRecord:
    """Record a signed settlement agreement and start one clock per instalment.

    ``amount`` is in yuan (at most 2 decimals) and stored in fen; ``instalments`` are
    ``{"due_on": date, "amount": yuan}`` in due order and must add up to ``amount``.
    A previous agreement on the case becomes ``superseded`` and its open clocks stop.
    """
    with uow:
        case, user = mediation_case(uow, case_id, actor)
        check_version(case, expected_version)
        if case.status not in SETTLEMENT_STATES:
            raise ValidationFailed(
                N_("case %(number)s is in %(state)s: a settlement is recorded in %(states)s"),
                field="case_id",
                params={"number": case.number, "state": repr(case.status),
                        "states": ", ".join(SETTLEMENT_STATES)})
        chosen_parties = _check_parties(case, parties)
        total_fen = parse_amount(amount, "amount")
        code = check_currency(currency)
        chosen_terms = check_terms(terms)
        signed = case_date(uow, case, signed_on, "signed_on")
        schedule = check_schedule(instalments, signed, total_fen,
                                  latest=INSTALMENTS.not_after.resolve(today(uow)))
        check_reason(reason)

        session = uow.session
        now = uow.now()
        calendar = current_calendar(uow.connection)
        previous = list(session.scalars(
            select(SettlementAgreement).where(SettlementAgreement.case_id == case.id,
                                              SettlementAgreement.status != "superseded")
            .order_by(SettlementAgreement.id)))
        agreement = SettlementAgreement(
            case_id=case.id, parties=chosen_parties, amount_fen=total_fen, currency=code,
            terms=chosen_terms, decides_ownership="decides_ip_ownership" in chosen_terms,
            decides_validity="decides_ip_validity" in chosen_terms, signed_on=signed,
            status="signed", recorded_by=actor, recorded_at=now)
        agreement.instalments = []
        session.add(agreement)
        uow.flush()

        specs: list[AuditEntry] = []
        stopped = _supersede(session, case, previous, agreement, calendar, now)
        plan = []
        for seq, (due_on, fen) in enumerate(schedule, start=1):
            clock, spec = _instalment_clock(session, case, agreement, seq, due_on, calendar)
            agreement.instalments.append(Instalment(seq=seq, due_on=due_on, amount_fen=fen,
                                                    status="due"))
            plan.append(clock)
            specs.append(spec)
        uow.flush()
        scheduled = []
        for inst, clock in zip(agreement.instalments, plan, strict=True):
            inst.clock_id = clock.id
            scheduled.append(ScheduledInstalment(
                seq=inst.seq, due_on=inst.due_on.isoformat(), amount=yuan(inst.amount_fen),
                amount_fen=inst.amount_fen, clock=clock.name,
                due=aware(clock.due_at).isoformat(), last_day=clock.due_last_day.isoformat()))
        rows = [i.to_dict() for i in scheduled]
        payload = {
            "agreement_id": agreement.id, "parties": chosen_parties,
            "amount": yuan(total_fen), "amount_fen": total_fen, "currency": code,
            "terms": chosen_terms, "decides_ownership": agreement.decides_ownership,
            "decides_validity": agreement.decides_validity, "signed_on": signed.isoformat(),
            "schedule": rows, "supersedes": [p.id for p in previous],
        }
        append_event(session, case, "settlement_recorded", actor=actor, channel=uow.channel,
                     at=now, reason=clean_reason(reason), payload=payload)
        for spec in stopped + specs:
            append_entry(session, case, spec, actor=actor, channel=uow.channel, at=now)
        uow.flush()
        result = SettlementRecord(
            id=agreement.id, case=case.number, parties=tuple(chosen_parties),
            amount=yuan(total_fen), amount_fen=total_fen, currency=code,
            terms=tuple(chosen_terms), decides_ownership=agreement.decides_ownership,
            decides_validity=agreement.decides_validity, signed_on=signed.isoformat(),
            supersedes=tuple(p.id for p in previous), instalments=tuple(scheduled),
            case_version=case.version)
        uow.commit()
        return result


def _supersede(session: Session, case: Case, previous: list[SettlementAgreement],
               agreement: SettlementAgreement, calendar: Any,
               now: datetime) -> list[AuditEntry]:
    specs: list[AuditEntry] = []
    for old in previous:
        old.status = "superseded"
        clock_ids = [i.clock_id for i in old.instalments if i.clock_id is not None]
        if not clock_ids:
            continue
        for clock in session.scalars(select(Clock).where(Clock.id.in_(clock_ids),
                                                         Clock.status.in_(OPEN))
                                     .order_by(Clock.id)):
            specs.append(stop_clock(clock, INSTALMENT_RULE, calendar, now,
                                    f"agreement #{old.id} superseded by #{agreement.id}"))
    return specs


def record_payment(
    uow: UnitOfWork, case_id: int, *, actor: str, agreement_id: int, seq: int, paid_on: date,
    reason: str | None = None, expected_version: int | None = None,
) -> PaymentRecord:
    """Mark an instalment paid on ``paid_on`` and stop its clock at that date.

    The ``clock_stopped`` event's ``on_time`` (and the result's) says whether it was paid by
    the end of the clock's last day (the due date, rolled past rest days).
    """
    with uow:
        case, user = mediation_case(uow, case_id, actor)
        check_version(case, expected_version)
        session = uow.session
        agreement = session.get(SettlementAgreement, agreement_id) \
            if id_in_range(agreement_id) else None
        if agreement is None or agreement.case_id != case.id:
            raise NotFound(N_("agreement_id: case %(number)s has no agreement %(id)s"),
                           field="agreement_id",
                           params={"number": case.number, "id": repr(agreement_id)})
        if agreement.status == "superseded":
            raise ValidationFailed(N_("agreement #%(id)s was superseded"),
                                   field="agreement_id", params={"id": agreement.id},
                                   prefixed=True)
        inst = next((i for i in agreement.instalments if i.seq == seq), None)
        if inst is None:
            raise ValidationFailed(
                N_("agreement #%(id)s has instalments %(seqs)s, not %(seq)s"), field="seq",
                params={"id": agreement.id, "seq": repr(seq),
                        "seqs": ", ".join(str(i.seq) for i in agreement.instalments) or "none"},
                prefixed=True)
        if inst.paid_on is not None:
            raise ValidationFailed(N_("instalment %(seq)s of agreement #%(id)s was already paid "
                                      "on %(day)s"), field="seq",
                                   params={"seq": seq, "id": agreement.id,
                                           "day": inst.paid_on}, prefixed=True)
        check_reason(reason)
        paid = parse_date(paid_on, "paid_on")
        if paid > today(uow):
            raise ValidationFailed(N_("%(day)s is in the future"), field="paid_on",
                                   params={"day": paid}, prefixed=True)
        if paid < agreement.signed_on:
            raise ValidationFailed(N_("%(day)s is before the agreement was signed (%(signed)s)"),
                                   field="paid_on",
                                   params={"day": paid, "signed": agreement.signed_on},
                                   prefixed=True)
        now = uow.now()
        inst.paid_on = paid
        inst.status = "paid"
        specs = []
        on_time = None
        clock = session.get(Clock, inst.clock_id) if inst.clock_id is not None else None
        if clock is not None and clock.status != "stopped":
            # stopped at the end of the payment day (or now, if paid today): the instalment
            # is on time exactly when it was paid on or before the clock's last day
            moment = min(now, start_of(paid + _ONE_DAY))
            spec = stop_clock(clock, INSTALMENT_RULE, current_calendar(uow.connection), moment,
                              f"instalment {seq} paid on {paid}")
            on_time = spec.payload["on_time"]
            specs.append(spec)
        if on_time is None:
            last_day = clock.due_last_day if clock is not None else inst.due_on
            on_time = paid <= last_day
        all_paid = all(i.paid_on is not None for i in agreement.instalments)
        append_event(session, case, "instalment_paid", actor=actor, channel=uow.channel, at=now,
                     reason=clean_reason(reason), payload={
                         "agreement_id": agreement.id, "seq": seq, "paid_on": paid.isoformat(),
                         "due_on": inst.due_on.isoformat(), "amount": yuan(inst.amount_fen),
                         "currency": agreement.currency, "on_time": on_time,
                         "all_paid": all_paid})
        for spec in specs:
            append_entry(session, case, spec, actor=actor, channel=uow.channel, at=now)
        uow.flush()
        result = PaymentRecord(agreement_id=agreement.id, seq=seq, paid_on=paid.isoformat(),
                               amount=yuan(inst.amount_fen), on_time=on_time,
                               all_paid=all_paid, case_version=case.version)
        uow.commit()
        return result


def confirmable_agreement(session: Session, case_id: int) -> SettlementAgreement:
    """The case's latest agreement, to be checked with ``check_confirmable`` and sent."""
    agreement = latest_agreement(session, case_id)
    if agreement is None:
        raise ValidationFailed(N_("no settlement agreement is recorded on case id %(id)s; "
                                  "record one before applying for judicial confirmation"),
                               field="agreement_id", params={"id": case_id})
    return agreement
