"""Mediation: sessions, settlement agreements, performance schedules, confidentiality and
conflicts of interest.

Every public function that takes a unit of work is one transaction, audited on the case (who,
when, why); a refusal raises before anything is written and the unit of work rolls back.

* ``record_session`` keeps a session's notes in ``mediation_sessions`` only; the audit event
  carries the SHA-256 of the notes, never the text, so the notes stay confidential even in
  the audit trail (which other agencies may be shown).
* ``record_settlement`` validates the whole agreement field by field and starts one
  instalment clock per instalment (``instalment.<agreement id>.<seq>``, ruled by
  ``clock_services.INSTALMENT_RULE``). The clock runs from the signing date for the number of
  calendar days to the due date, so it falls due at the end of ``due_on`` and rolls past
  rest days like any calendar-day period (an instalment due on the signing day itself runs
  24 hours from 00:00 of that day and does not roll). A new agreement on the same case
  supersedes the previous one and stops its open clocks.
* ``record_payment`` stops the instalment's clock at the payment date; the stop event's
  ``on_time`` says whether the payment was in time.
* ``check_confirmable`` refuses an agreement deciding IP ownership or validity, which a court
  will not confirm (民诉法解释 art. 355); the handoff service calls it before sending a
  ``judicial_confirmation`` handoff.
* ``check_mediator_conflict`` refuses a mediator linked to a party (same organisation, or a
  declared conflict); ``declare_conflict`` records a declaration.
* ``mediation_view`` is the one place that decides who sees what of a mediation.

This module does not import ``caseflow.services``, so ``services`` may import it at top level.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow.access import refuse_outsider
from caseflow.audit import append_event
from caseflow.calendar import TZ
from caseflow.calendar_store import current_calendar
from caseflow.clock_services import INSTALMENT_RULE, OPEN, start_clock, stop_clock
from caseflow.clocks import aware, naive_utc
from caseflow.errors import NotFound, PermissionDenied, ValidationFailed
from caseflow.models import (
    AGENCY_KINDS,
    Case,
    Clock,
    Event,
    Instalment,
    MediationSession,
    MediatorConflict,
    SettlementAgreement,
    SystemEvent,
    User,
    utcnow,
)
from caseflow.periods import Period
from caseflow.registry import REGISTRY
from caseflow.unit_of_work import UnitOfWork

__all__ = [
    "CONFIRMATION_REFUSAL",
    "CURRENCIES",
    "MEDIATION_WORKFLOW",
    "NON_MONETARY_TERMS",
    "SETTLEMENT_STATES",
    "check_confirmable",
    "check_mediator_conflict",
    "confirmable_agreement",
    "declare_conflict",
    "instalment_statuses",
    "latest_agreement",
    "mediation_view",
    "notes_digest",
    "record_payment",
    "record_session",
    "record_settlement",
]

MEDIATION_WORKFLOW = "mediation"
MEDIATION_AGENCY_KIND = "mediation"

# What an agreement may oblige besides money. The last two decide the IP right itself and set
# the agreement's decides_ownership / decides_validity flags.
NON_MONETARY_TERMS = (
    "cease_infringing",
    "destroy_stock",
    "withdraw_listings",
    "public_apology",
    "recall_products",
    "decides_ip_ownership",
    "decides_ip_validity",
)

# A settlement is recorded once the application is accepted and before it goes to a court:
# after a refusal by the court the mediator resumes mediation (back to in_session) first.
SETTLEMENT_STATES = ("accepted", "in_session", "agreement_signed")

CONFIRMATION_REFUSAL = (
    "a court will not confirm an agreement that decides IP ownership or validity "
    "(民诉法解释 art. 355)"
)

# ISO 4217 active alphabetic codes (amounts are kept in hundredths of the unit, "fen").
CURRENCIES = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN
ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD
JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS
TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG
XOF XPF YER ZAR ZMW ZWG ZWL
""".split())
_CURRENCY_HINTS = {"RMB": "CNY", "YUAN": "CNY", "CNH": "CNY"}

_MAX_FEN = 2**63 - 1
_ONE_DAY = timedelta(days=1)
_AMOUNT_RE = re.compile(r"^-?\d+(\.\d+)?$")

_CONFIRMATION_TRIGGERS = {
    "request_judicial_confirmation": "requested",
    "record_court_acceptance": "pending",
    "record_court_refusal": "not_confirmed",
    "record_non_confirmation": "not_confirmed",
    "record_confirmation": "confirmed",
    "skip_judicial_confirmation": "not_requested",
    "resume_mediation": "not_requested",
}


# --- small helpers ------------------------------------------------------------------------------

def normalise_name(name: str) -> str:
    """How two names of one organisation are compared: NFKC (full-width brackets and letters
    become ASCII), case-folded, trimmed, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def notes_digest(notes: str) -> str:
    """The SHA-256 (hex) of session notes as UTF-8: what the audit trail keeps of them."""
    return hashlib.sha256(notes.encode("utf-8")).hexdigest()


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _today(uow: UnitOfWork) -> date:
    return aware(uow.now()).date()


def _start_of(day: date) -> datetime:
    """00:00 Asia/Shanghai of ``day`` as stored naive UTC."""
    return naive_utc(datetime.combine(day, time(0), TZ))


def _as_naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _parse_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        raise ValidationFailed(f"{where}: must be a date, not a date-time", field=where)
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationFailed(f"{where}: must be a date YYYY-MM-DD, got {value!r}", field=where)


def _parse_amount(value: Any, where: str) -> int:
    """Yuan (int, Decimal, or text like '85000.00'; at most 2 decimals) → fen."""
    if isinstance(value, bool):
        raise ValidationFailed(f"{where}: must be an amount in yuan, got {value!r}", field=where)
    try:
        if isinstance(value, int | Decimal):
            amount = Decimal(value)
        elif isinstance(value, float):
            amount = Decimal(repr(value))
        elif isinstance(value, str) and _AMOUNT_RE.match(value.strip()):
            amount = Decimal(value.strip())
        else:
            raise ValidationFailed(
                f"{where}: must be an amount in yuan like '85000.00', got {value!r}",
                field=where)
    except InvalidOperation:
        raise ValidationFailed(f"{where}: cannot read amount {value!r}", field=where) from None
    if not amount.is_finite():
        raise ValidationFailed(f"{where}: must be a finite amount, got {value!r}", field=where)
    if amount < 0:
        raise ValidationFailed(f"{where}: must not be negative, got {value}", field=where)
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValidationFailed(f"{where}: at most 2 decimal places (fen), got {value}",
                               field=where)
    if fen > _MAX_FEN:
        raise ValidationFailed(f"{where}: {value} is too large", field=where)
    return int(fen)


def _get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"unknown user {username!r}")
    if not user.active:
        raise PermissionDenied(f"user {username!r} is deactivated")
    return user


def _get_case(session: Session, case_id: int) -> Case:
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise ValidationFailed(f"case id must be an integer, got {case_id!r}", field="case_id")
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"unknown case id {case_id}")
    return case


def _is_closed(session: Session, case: Case) -> bool:
    definition = REGISTRY.definition(session, case.workflow_key, case.workflow_version)
    return case.status in definition.final_states


def _case_date(uow: UnitOfWork, case: Case, value: Any, field: str) -> date:
    """A date something happened on this case: parsed, not in the future, not before the
    case was received."""
    day = _parse_date(value, field)
    if day > _today(uow):
        raise ValidationFailed(f"{field}: {day} is in the future", field=field)
    if day < case.received_on:
        raise ValidationFailed(f"{field}: {day} is before the case was received "
                               f"({case.received_on})", field=field)
    return day


def _mediation_case(uow: UnitOfWork, case_id: int, actor: str) -> tuple[Case, User]:
    """The open mediation case and the acting mediator of its agency, or a refusal."""
    session = uow.session
    case = _get_case(session, case_id)
    user = _get_user(session, actor)
    if user.agency_id != case.agency_id:
        refuse_outsider(session, actor, user.agency_id, case.id, case.number)
    if case.workflow_key != MEDIATION_WORKFLOW:
        raise ValidationFailed(
            f"case {case.number} is a {case.workflow_key} case, not a mediation case",
            field="case_id")
    if "mediator" not in user.roles:
        raise PermissionDenied(f"only a mediator records mediation work; {actor} has "
                               f"{', '.join(sorted(user.roles)) or 'no role'}")
    if _is_closed(session, case):
        raise ValidationFailed(f"case {case.number} is closed ({case.status})", field="case_id")
    check_mediator_conflict(session, user, case)
    return case, user


def _reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    return str(reason).strip() or None


# --- sessions -----------------------------------------------------------------------------------

def record_session(
    uow: UnitOfWork, case_id: int, *, actor: str, held_on: date, attendees: Sequence[str],
    outcome: str, notes: str = "", reason: str | None = None,
) -> dict[str, Any]:
    """Record one mediation session (date, attendees, outcome, confidential notes).

    The ``mediation_session`` event names the session, its date, attendees and outcome and
    the SHA-256 of the notes (``notes_sha256``), never the notes themselves.
    """
    with uow:
        case, user = _mediation_case(uow, case_id, actor)
        held_on = _case_date(uow, case, held_on, "held_on")
        if isinstance(attendees, str) or not isinstance(attendees, Sequence) or not attendees:
            raise ValidationFailed("attendees: list at least one attendee", field="attendees")
        clean_attendees = []
        for i, name in enumerate(attendees):
            if not isinstance(name, str) or not name.strip():
                raise ValidationFailed(f"attendees[{i}]: must be a non-empty name",
                                       field=f"attendees[{i}]")
            clean_attendees.append(name.strip())
        if not isinstance(outcome, str) or not outcome.strip():
            raise ValidationFailed("outcome: is required", field="outcome")
        if len(outcome.strip()) > 200:
            raise ValidationFailed("outcome: at most 200 characters (put detail in the notes)",
                                   field="outcome")
        if not isinstance(notes, str):
            raise ValidationFailed("notes: must be text", field="notes")
        now = uow.now()
        row = MediationSession(case_id=case.id, held_on=held_on, attendees=clean_attendees,
                               outcome=outcome.strip(), notes=notes, recorded_by=actor,
                               recorded_at=now)
        uow.session.add(row)
        uow.flush()
        digest = notes_digest(notes)
        append_event(uow.session, case, "mediation_session", actor=actor, channel=uow.channel,
                     at=now, reason=_reason(reason), payload={
                         "session_id": row.id, "held_on": held_on.isoformat(),
                         "attendees": clean_attendees, "outcome": row.outcome,
                         "notes_sha256": digest})
        result = {"id": row.id, "case": case.number, "held_on": held_on.isoformat(),
                  "attendees": clean_attendees, "outcome": row.outcome, "notes_sha256": digest}
        uow.commit()
        return result


# --- settlement agreements ----------------------------------------------------------------------

def latest_agreement(session: Session, case_id: int) -> SettlementAgreement | None:
    """The case's most recently recorded agreement (a newer one supersedes the older)."""
    return session.scalar(select(SettlementAgreement)
                          .where(SettlementAgreement.case_id == case_id)
                          .order_by(SettlementAgreement.id.desc()).limit(1))


def _check_parties(case: Case, parties: Any) -> list[str]:
    if isinstance(parties, str) or not isinstance(parties, Sequence):
        raise ValidationFailed("parties: must be a list of the case's party names",
                               field="parties")
    known = {normalise_name(p.name): p.name for p in case.parties}
    chosen: list[str] = []
    for i, name in enumerate(parties):
        where = f"parties[{i}]"
        if not isinstance(name, str) or not name.strip():
            raise ValidationFailed(f"{where}: must be a party's name", field=where)
        canonical = known.get(normalise_name(name))
        if canonical is None:
            raise ValidationFailed(
                f"{where}: {name.strip()!r} is not a party of case {case.number} "
                f"(parties: {', '.join(p.name for p in case.parties) or 'none'})", field=where)
        if canonical in chosen:
            raise ValidationFailed(f"{where}: {canonical} is listed twice", field=where)
        chosen.append(canonical)
    if len(chosen) < 2:
        raise ValidationFailed("parties: an agreement binds at least two parties of the case",
                               field="parties")
    return chosen


def _check_currency(currency: Any) -> str:
    if not isinstance(currency, str):
        raise ValidationFailed(f"currency: must be an ISO 4217 code such as CNY, got "
                               f"{currency!r}", field="currency")
    code = currency.strip().upper()
    if code in _CURRENCY_HINTS:
        raise ValidationFailed(f"currency: {currency!r} is not an ISO 4217 code; use "
                               f"{_CURRENCY_HINTS[code]}", field="currency")
    if code not in CURRENCIES:
        raise ValidationFailed(f"currency: {currency!r} is not an ISO 4217 currency code",
                               field="currency")
    return code


def _check_terms(terms: Any) -> list[str]:
    if isinstance(terms, str) or not isinstance(terms, Sequence):
        raise ValidationFailed("terms: must be a list of term names", field="terms")
    chosen: list[str] = []
    for i, term in enumerate(terms):
        where = f"terms[{i}]"
        if term not in NON_MONETARY_TERMS:
            raise ValidationFailed(f"{where}: unknown term {term!r}; terms are "
                                   f"{', '.join(NON_MONETARY_TERMS)}", field=where)
        if term in chosen:
            raise ValidationFailed(f"{where}: {term} is listed twice", field=where)
        chosen.append(term)
    return chosen


def _check_schedule(raw: Any, signed_on: date, total_fen: int) -> list[tuple[date, int]]:
    if isinstance(raw, str | Mapping) or not isinstance(raw, Sequence):
        raise ValidationFailed("instalments: must be a list of {due_on, amount}",
                               field="instalments")
    schedule: list[tuple[date, int]] = []
    for i, item in enumerate(raw):
        where = f"instalments[{i}]"
        if not isinstance(item, Mapping):
            raise ValidationFailed(f"{where}: must be an object with due_on and amount",
                                   field=where)
        unknown = set(item) - {"due_on", "amount"}
        if unknown:
            raise ValidationFailed(f"{where}: unknown field(s) {', '.join(sorted(unknown))}",
                                   field=where)
        if item.get("due_on") is None:
            raise ValidationFailed(f"{where}.due_on: is required", field=f"{where}.due_on")
        if item.get("amount") is None:
            raise ValidationFailed(f"{where}.amount: is required", field=f"{where}.amount")
        due_on = _parse_date(item["due_on"], f"{where}.due_on")
        if due_on < signed_on:
            raise ValidationFailed(f"{where}.due_on: {due_on} is due before signing "
                                   f"({signed_on})", field=f"{where}.due_on")
        if schedule and due_on < schedule[-1][0]:
            raise ValidationFailed(f"{where}.due_on: {due_on} is before instalment {i}'s "
                                   f"due date {schedule[-1][0]}; list instalments in order",
                                   field=f"{where}.due_on")
        fen = _parse_amount(item["amount"], f"{where}.amount")
        if fen == 0:
            raise ValidationFailed(f"{where}.amount: must be more than zero",
                                   field=f"{where}.amount")
        schedule.append((due_on, fen))
    paid = sum(fen for _, fen in schedule)
    if paid != total_fen:
        raise ValidationFailed(f"instalments: the instalments add up to {_yuan(paid)}, not the "
                               f"agreed amount {_yuan(total_fen)}", field="instalments")
    return schedule


def _instalment_clock(session: Session, case: Case, agreement: SettlementAgreement, seq: int,
                      due_on: date, calendar: Any) -> tuple[Clock, dict[str, Any]]:
    days = (due_on - agreement.signed_on).days
    period = Period(days, "days") if days > 0 else Period(24, "hours")
    rule = replace(INSTALMENT_RULE, name=f"instalment.{agreement.id}.{seq}")
    return start_clock(session, case.id, rule, rule_version=case.workflow_version,
                       now=_start_of(agreement.signed_on), calendar=calendar, period=period)


def record_settlement(
    uow: UnitOfWork, case_id: int, *, actor: str, parties: Sequence[str],
    amount: str | Decimal | int, currency: str = "CNY", terms: Sequence[str] = (),
    signed_on: date, instalments: Sequence[Mapping[str, Any]] = (), reason: str | None = None,
) -> dict[str, Any]:
    """Record a signed settlement agreement and start one clock per instalment.

    ``amount`` is in yuan (at most 2 decimals) and stored in fen; ``instalments`` are
    ``{"due_on": date, "amount": yuan}`` in due order and must add up to ``amount``.
    A previous agreement on the case becomes ``superseded`` and its open clocks stop.
    """
    with uow:
        case, user = _mediation_case(uow, case_id, actor)
        if case.status not in SETTLEMENT_STATES:
            raise ValidationFailed(
                f"case {case.number} is in {case.status!r}: a settlement is recorded in "
                f"{', '.join(SETTLEMENT_STATES)}", field="case_id")
        chosen_parties = _check_parties(case, parties)
        total_fen = _parse_amount(amount, "amount")
        code = _check_currency(currency)
        chosen_terms = _check_terms(terms)
        signed = _case_date(uow, case, signed_on, "signed_on")
        schedule = _check_schedule(instalments, signed, total_fen)

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

        specs: list[dict[str, Any]] = []
        stopped = _supersede(session, case, previous, agreement, calendar, now)
        plan = []
        for seq, (due_on, fen) in enumerate(schedule, start=1):
            clock, spec = _instalment_clock(session, case, agreement, seq, due_on, calendar)
            agreement.instalments.append(Instalment(seq=seq, due_on=due_on, amount_fen=fen,
                                                    status="due"))
            plan.append(clock)
            specs.append(spec)
        uow.flush()
        rows = []
        for inst, clock in zip(agreement.instalments, plan, strict=True):
            inst.clock_id = clock.id
            rows.append({"seq": inst.seq, "due_on": inst.due_on.isoformat(),
                         "amount": _yuan(inst.amount_fen), "amount_fen": inst.amount_fen,
                         "clock": clock.name, "due": aware(clock.due_at).isoformat(),
                         "last_day": clock.due_last_day.isoformat()})
        payload = {
            "agreement_id": agreement.id, "parties": chosen_parties,
            "amount": _yuan(total_fen), "amount_fen": total_fen, "currency": code,
            "terms": chosen_terms, "decides_ownership": agreement.decides_ownership,
            "decides_validity": agreement.decides_validity, "signed_on": signed.isoformat(),
            "schedule": rows, "supersedes": [p.id for p in previous],
        }
        append_event(session, case, "settlement_recorded", actor=actor, channel=uow.channel,
                     at=now, reason=_reason(reason), payload=payload)
        for spec in stopped + specs:
            append_event(session, case, spec["kind"], actor=actor, channel=uow.channel, at=now,
                         reason=spec.get("reason"), payload=spec["payload"])
        result = {"id": agreement.id, "case": case.number,
                  **{k: v for k, v in payload.items() if k not in ("agreement_id", "schedule")},
                  "instalments": rows}
        uow.commit()
        return result


def _supersede(session: Session, case: Case, previous: list[SettlementAgreement],
               agreement: SettlementAgreement, calendar: Any,
               now: datetime) -> list[dict[str, Any]]:
    specs: list[dict[str, Any]] = []
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


# --- performance --------------------------------------------------------------------------------

def record_payment(
    uow: UnitOfWork, case_id: int, *, actor: str, agreement_id: int, seq: int, paid_on: date,
    reason: str | None = None,
) -> dict[str, Any]:
    """Mark an instalment paid on ``paid_on`` and stop its clock at that date.

    The ``clock_stopped`` event's ``on_time`` (and the result's) says whether it was paid by
    the end of the clock's last day (the due date, rolled past rest days).
    """
    with uow:
        case, user = _mediation_case(uow, case_id, actor)
        session = uow.session
        agreement = session.get(SettlementAgreement, agreement_id) \
            if isinstance(agreement_id, int) and not isinstance(agreement_id, bool) else None
        if agreement is None or agreement.case_id != case.id:
            raise ValidationFailed(f"agreement_id: case {case.number} has no agreement "
                                   f"{agreement_id!r}", field="agreement_id")
        if agreement.status == "superseded":
            raise ValidationFailed(f"agreement_id: agreement #{agreement.id} was superseded",
                                   field="agreement_id")
        inst = next((i for i in agreement.instalments if i.seq == seq), None)
        if inst is None:
            raise ValidationFailed(
                f"seq: agreement #{agreement.id} has instalments "
                f"{', '.join(str(i.seq) for i in agreement.instalments) or 'none'}, not "
                f"{seq!r}", field="seq")
        if inst.paid_on is not None:
            raise ValidationFailed(f"seq: instalment {seq} of agreement #{agreement.id} was "
                                   f"already paid on {inst.paid_on}", field="seq")
        paid = _parse_date(paid_on, "paid_on")
        if paid > _today(uow):
            raise ValidationFailed(f"paid_on: {paid} is in the future", field="paid_on")
        if paid < agreement.signed_on:
            raise ValidationFailed(f"paid_on: {paid} is before the agreement was signed "
                                   f"({agreement.signed_on})", field="paid_on")
        now = uow.now()
        inst.paid_on = paid
        inst.status = "paid"
        specs = []
        on_time = None
        clock = session.get(Clock, inst.clock_id) if inst.clock_id is not None else None
        if clock is not None and clock.status != "stopped":
            # stopped at the end of the payment day (or now, if paid today): the instalment
            # is on time exactly when it was paid on or before the clock's last day
            moment = min(now, _start_of(paid + _ONE_DAY))
            spec = stop_clock(clock, INSTALMENT_RULE, current_calendar(uow.connection), moment,
                              f"instalment {seq} paid on {paid}")
            on_time = spec["payload"]["on_time"]
            specs.append(spec)
        if on_time is None:
            last_day = clock.due_last_day if clock is not None else inst.due_on
            on_time = paid <= last_day
        all_paid = all(i.paid_on is not None for i in agreement.instalments)
        append_event(session, case, "instalment_paid", actor=actor, channel=uow.channel, at=now,
                     reason=_reason(reason), payload={
                         "agreement_id": agreement.id, "seq": seq, "paid_on": paid.isoformat(),
                         "due_on": inst.due_on.isoformat(), "amount": _yuan(inst.amount_fen),
                         "currency": agreement.currency, "on_time": on_time,
                         "all_paid": all_paid})
        for spec in specs:
            append_event(session, case, spec["kind"], actor=actor, channel=uow.channel, at=now,
                         reason=spec.get("reason"), payload=spec["payload"])
        result = {"agreement_id": agreement.id, "seq": seq, "paid_on": paid.isoformat(),
                  "amount": _yuan(inst.amount_fen), "on_time": on_time, "all_paid": all_paid}
        uow.commit()
        return result


def instalment_statuses(session: Session, case_id: int,
                        now: datetime | None = None) -> list[dict[str, Any]]:
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
    out = []
    for inst in agreement.instalments:
        clock = clocks.get(inst.clock_id) if inst.clock_id is not None else None
        last_day = clock.due_last_day if clock is not None else inst.due_on
        due_at = clock.due_at if clock is not None else _start_of(inst.due_on + _ONE_DAY)
        if inst.paid_on is not None:
            status = "paid" if inst.paid_on <= last_day else "late"
        else:
            status = "late" if moment >= due_at else "due"
        out.append({
            "agreement_id": agreement.id, "seq": inst.seq, "due_on": inst.due_on.isoformat(),
            "last_day": last_day.isoformat(), "due": aware(due_at).isoformat(),
            "amount": _yuan(inst.amount_fen), "amount_fen": inst.amount_fen,
            "currency": agreement.currency,
            "paid_on": inst.paid_on.isoformat() if inst.paid_on else None, "status": status,
            "clock": clock.name if clock is not None else None,
        })
    return out


# --- judicial confirmation ----------------------------------------------------------------------

def check_confirmable(agreement: SettlementAgreement) -> None:
    """Refuse (``ValidationFailed``, field ``terms``) an agreement a court will not confirm:
    one that decides the ownership or validity of an IP right (民诉法解释 art. 355)."""
    if agreement.status == "superseded":
        raise ValidationFailed(f"agreement #{agreement.id} was superseded by a later "
                               "agreement; send the current one", field="agreement_id")
    decided = [what for what, flag in (("ownership", agreement.decides_ownership),
                                       ("validity", agreement.decides_validity)) if flag]
    if decided:
        raise ValidationFailed(
            f"{CONFIRMATION_REFUSAL}; agreement #{agreement.id} decides IP "
            f"{' and '.join(decided)} — track its performance without confirmation, or "
            "record a new agreement without those terms", field="terms")


def confirmable_agreement(session: Session, case_id: int) -> SettlementAgreement:
    """The case's latest agreement, to be checked with ``check_confirmable`` and sent."""
    agreement = latest_agreement(session, case_id)
    if agreement is None:
        raise ValidationFailed(f"no settlement agreement is recorded on case id {case_id}; "
                               "record one before applying for judicial confirmation",
                               field="agreement_id")
    return agreement


# --- conflicts of interest ----------------------------------------------------------------------

def check_mediator_conflict(session: Session, mediator: User, case: Case) -> None:
    """Refuse (``ValidationFailed``, field ``assignee``) a mediator linked to a party of the
    case: the mediator's recorded organisation is a party's name (NFKC, case-insensitive,
    trimmed), or the mediator declared a conflict with a party. Users without the mediator
    role are not checked. Reads ``case.parties`` as loaded, so it works on an unflushed case.
    """
    if "mediator" not in mediator.roles:
        return
    parties = {normalise_name(p.name): p.name for p in case.parties}
    who = f"mediator {mediator.name} ({mediator.username})"
    if mediator.organisation and normalise_name(mediator.organisation) in parties:
        party = parties[normalise_name(mediator.organisation)]
        raise ValidationFailed(f"conflict of interest: {who} is linked to party {party} "
                               "(same organisation)", field="assignee")
    if mediator.id is None:
        return
    for row in session.scalars(select(MediatorConflict)
                               .where(MediatorConflict.user_id == mediator.id)
                               .order_by(MediatorConflict.id)):
        party = parties.get(normalise_name(row.party_name))
        if party is not None:
            raise ValidationFailed(f"conflict of interest: {who} is linked to party {party} "
                                   f"(declared: {row.reason})", field="assignee")


def declare_conflict(uow: UnitOfWork, *, mediator: str, party_name: str, reason: str,
                     actor: str) -> dict[str, Any]:
    """Record that ``mediator`` is linked to ``party_name`` (by the mediator, or by a
    supervisor of the mediator's body). Audited as a system event and on every open case
    assigned to the mediator that names the party (those need reassigning: listed in
    ``assigned_cases``)."""
    with uow:
        session = uow.session
        user = _get_user(session, actor)
        target = _get_user(session, mediator)
        if "mediator" not in target.roles:
            raise ValidationFailed(f"mediator: {mediator} is not a mediator", field="mediator")
        if user.id != target.id and not (
                "supervisor" in user.roles and user.agency_id == target.agency_id):
            raise PermissionDenied(f"a conflict is declared by the mediator or a supervisor of "
                                   f"{target.agency.code}; {actor} is neither")
        if not isinstance(party_name, str) or not party_name.strip():
            raise ValidationFailed("party_name: is required", field="party_name")
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationFailed("reason: a declaration states the link", field="reason")
        name, why = party_name.strip(), reason.strip()
        key = normalise_name(name)
        for row in session.scalars(select(MediatorConflict)
                                   .where(MediatorConflict.user_id == target.id)):
            if normalise_name(row.party_name) == key:
                raise ValidationFailed(f"party_name: {mediator} already declared a conflict "
                                       f"with {row.party_name}", field="party_name")
        now = uow.now()
        row = MediatorConflict(user_id=target.id, party_name=name, reason=why, declared_at=now)
        session.add(row)
        affected = [c for c in session.scalars(
            select(Case).where(Case.assignee_id == target.id, Case.closed_at.is_(None))
            .order_by(Case.id)) if any(normalise_name(p.name) == key for p in c.parties)]
        for case in affected:
            append_event(session, case, "mediator_conflict_declared", actor=actor,
                         channel=uow.channel, at=now, reason=why,
                         payload={"mediator": mediator, "party": name})
        session.add(SystemEvent(kind="mediator_conflict_declared", actor=actor, at=now,
                                reason=why, payload={
                                    "mediator": mediator, "party": name,
                                    "assigned_cases": [c.number for c in affected]}))
        uow.flush()
        result = {"id": row.id, "mediator": mediator, "party_name": name, "reason": why,
                  "declared_by": actor, "assigned_cases": [c.number for c in affected]}
        uow.commit()
        return result


# --- who sees what ------------------------------------------------------------------------------

def _confirmation_status(session: Session, case: Case) -> str:
    trigger = session.scalar(
        select(Event.trigger).where(Event.case_id == case.id, Event.kind == "transition",
                                    Event.trigger.in_(list(_CONFIRMATION_TRIGGERS)))
        .order_by(Event.seq.desc()).limit(1))
    return _CONFIRMATION_TRIGGERS.get(trigger or "", "not_requested")


def mediation_view(session: Session, case: Case, viewer_agency_kind: str, *,
                   now: datetime | None = None) -> dict[str, Any]:
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
    outcome = {
        "case": case.number, "status": case.status, "settled": agreement is not None,
        "confirmation": _confirmation_status(session, case),
    }
    if viewer_agency_kind != MEDIATION_AGENCY_KIND:
        return {"visibility": "outcome", **outcome}
    sessions = session.scalars(select(MediationSession)
                               .where(MediationSession.case_id == case.id)
                               .order_by(MediationSession.held_on, MediationSession.id))
    return {
        "visibility": "full", **outcome,
        "sessions": [{"id": s.id, "held_on": s.held_on.isoformat(),
                      "attendees": list(s.attendees), "outcome": s.outcome, "notes": s.notes,
                      "recorded_by": s.recorded_by,
                      "recorded_at": aware(s.recorded_at).isoformat()} for s in sessions],
        "agreement": None if agreement is None else {
            "id": agreement.id, "parties": list(agreement.parties),
            "amount": _yuan(agreement.amount_fen), "amount_fen": agreement.amount_fen,
            "currency": agreement.currency, "terms": list(agreement.terms),
            "decides_ownership": agreement.decides_ownership,
            "decides_validity": agreement.decides_validity,
            "signed_on": agreement.signed_on.isoformat(), "status": agreement.status,
            "recorded_by": agreement.recorded_by},
        "schedule": instalment_statuses(session, case.id, now),
    }
