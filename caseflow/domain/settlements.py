"""Settlement rules: how amounts, currencies, terms, dates and schedules of a mediated
agreement are read and checked, and what a court will not confirm (民诉法解释 art. 355).

Pure: every function takes plain values and returns them or raises ``ValidationFailed``
naming the field.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from caseflow.domain.errors import ValidationFailed

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
SETTLEMENT_STATES = ("accepted", "in_session", "court_mediation_accepted",
                     "court_mediation_in_session", "agreement_signed")


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
MAX_INSTALMENTS = 120  # ten years of monthly payments


_AMOUNT_RE = re.compile(r"^-?\d+(\.\d+)?$")


def normalise_name(name: str) -> str:
    """How two names of one organisation are compared: NFKC (full-width brackets and letters
    become ASCII), case-folded, trimmed, inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def notes_digest(notes: str) -> str:
    """The SHA-256 (hex) of session notes as UTF-8: what the audit trail keeps of them."""
    return hashlib.sha256(notes.encode("utf-8")).hexdigest()


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def parse_date(value: Any, where: str) -> date:
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


def parse_amount(value: Any, where: str) -> int:
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


def check_currency(currency: Any) -> str:
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


def check_terms(terms: Any) -> list[str]:
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


def check_schedule(raw: Any, signed_on: date, total_fen: int,
                   latest: date | None = None) -> list[tuple[date, int]]:
    """The instalments in due order, adding up to the agreed amount; with ``latest``, none
    falls due after it (a year typed wrong would start a clock for decades)."""
    if isinstance(raw, str | Mapping) or not isinstance(raw, Sequence):
        raise ValidationFailed("instalments: must be a list of {due_on, amount}",
                               field="instalments")
    if len(raw) > MAX_INSTALMENTS:
        raise ValidationFailed(f"instalments: at most {MAX_INSTALMENTS}, got {len(raw)}",
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
        due_on = parse_date(item["due_on"], f"{where}.due_on")
        if due_on < signed_on:
            raise ValidationFailed(f"{where}.due_on: {due_on} is due before signing "
                                   f"({signed_on})", field=f"{where}.due_on")
        if latest is not None and due_on > latest:
            raise ValidationFailed(f"{where}.due_on: {due_on} is too far ahead (not after "
                                   f"{latest})", field=f"{where}.due_on")
        if schedule and due_on < schedule[-1][0]:
            raise ValidationFailed(f"{where}.due_on: {due_on} is before instalment {i}'s "
                                   f"due date {schedule[-1][0]}; list instalments in order",
                                   field=f"{where}.due_on")
        fen = parse_amount(item["amount"], f"{where}.amount")
        if fen == 0:
            raise ValidationFailed(f"{where}.amount: must be more than zero",
                                   field=f"{where}.amount")
        schedule.append((due_on, fen))
    paid = sum(fen for _, fen in schedule)
    if paid != total_fen:
        raise ValidationFailed(f"instalments: the instalments add up to {yuan(paid)}, not the "
                               f"agreed amount {yuan(total_fen)}", field="instalments")
    return schedule


def check_confirmable(agreement: Any) -> None:
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
