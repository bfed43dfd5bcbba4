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

from caseflow.domain.errors import N_, ValidationFailed

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
# the refusal in full, by what the agreement decides (each a template the pages translate)
_NOT_CONFIRMABLE = {
    ("ownership",): N_("a court will not confirm an agreement that decides IP ownership or "
                       "validity (民诉法解释 art. 355); agreement #%(id)s decides IP ownership "
                       "— track its performance without confirmation, or record a new "
                       "agreement without those terms"),
    ("validity",): N_("a court will not confirm an agreement that decides IP ownership or "
                      "validity (民诉法解释 art. 355); agreement #%(id)s decides IP validity "
                      "— track its performance without confirmation, or record a new "
                      "agreement without those terms"),
    ("ownership", "validity"): N_("a court will not confirm an agreement that decides IP "
                                  "ownership or validity (民诉法解释 art. 355); agreement "
                                  "#%(id)s decides IP ownership and validity — track its "
                                  "performance without confirmation, or record a new "
                                  "agreement without those terms"),
}


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
        raise ValidationFailed(N_("must be a date, not a date-time"), field=where,
                               prefixed=True)
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValidationFailed(N_("must be a date YYYY-MM-DD, got %(value)s"), field=where,
                           params={"value": repr(value)}, prefixed=True)


def parse_amount(value: Any, where: str) -> int:
    """Yuan (int, Decimal, or text like '85000.00'; at most 2 decimals) → fen."""
    if isinstance(value, bool):
        raise ValidationFailed(N_("must be an amount in yuan, got %(value)s"), field=where,
                               params={"value": repr(value)}, prefixed=True)
    try:
        if isinstance(value, int | Decimal):
            amount = Decimal(value)
        elif isinstance(value, float):
            amount = Decimal(repr(value))
        elif isinstance(value, str) and _AMOUNT_RE.match(value.strip()):
            amount = Decimal(value.strip())
        else:
            raise ValidationFailed(
                N_("must be an amount in yuan like '85000.00', got %(value)s"),
                field=where, params={"value": repr(value)}, prefixed=True)
    except InvalidOperation:
        raise ValidationFailed(N_("cannot read amount %(value)s"), field=where,
                               params={"value": repr(value)}, prefixed=True) from None
    if not amount.is_finite():
        raise ValidationFailed(N_("must be a finite amount, got %(value)s"), field=where,
                               params={"value": repr(value)}, prefixed=True)
    if amount < 0:
        raise ValidationFailed(N_("must not be negative, got %(value)s"), field=where,
                               params={"value": value}, prefixed=True)
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValidationFailed(N_("at most 2 decimal places (fen), got %(value)s"),
                               field=where, params={"value": value}, prefixed=True)
    if fen > _MAX_FEN:
        raise ValidationFailed(N_("%(value)s is too large"), field=where,
                               params={"value": value}, prefixed=True)
    return int(fen)


def check_currency(currency: Any) -> str:
    if not isinstance(currency, str):
        raise ValidationFailed(N_("must be an ISO 4217 code such as CNY, got %(value)s"),
                               field="currency", params={"value": repr(currency)},
                               prefixed=True)
    code = currency.strip().upper()
    if code in _CURRENCY_HINTS:
        raise ValidationFailed(N_("%(value)s is not an ISO 4217 code; use %(code)s"),
                               field="currency", prefixed=True,
                               params={"value": repr(currency), "code": _CURRENCY_HINTS[code]})
    if code not in CURRENCIES:
        raise ValidationFailed(N_("%(value)s is not an ISO 4217 currency code"),
                               field="currency", params={"value": repr(currency)},
                               prefixed=True)
    return code


def check_terms(terms: Any) -> list[str]:
    if isinstance(terms, str) or not isinstance(terms, Sequence):
        raise ValidationFailed(N_("must be a list of term names"), field="terms",
                               prefixed=True)
    chosen: list[str] = []
    for i, term in enumerate(terms):
        where = f"terms[{i}]"
        if term not in NON_MONETARY_TERMS:
            raise ValidationFailed(N_("unknown term %(term)s; terms are %(terms)s"),
                                   field=where, prefixed=True,
                                   params={"term": repr(term),
                                           "terms": ", ".join(NON_MONETARY_TERMS)})
        if term in chosen:
            raise ValidationFailed(N_("%(name)s is listed twice"), field=where,
                                   params={"name": term}, prefixed=True)
        chosen.append(term)
    return chosen


def check_schedule(raw: Any, signed_on: date, total_fen: int,
                   latest: date | None = None) -> list[tuple[date, int]]:
    """The instalments in due order, adding up to the agreed amount; with ``latest``, none
    falls due after it (a year typed wrong would start a clock for decades)."""
    if isinstance(raw, str | Mapping) or not isinstance(raw, Sequence):
        raise ValidationFailed(N_("must be a list of {due_on, amount}"),
                               field="instalments", prefixed=True)
    if len(raw) > MAX_INSTALMENTS:
        raise ValidationFailed(N_("at most %(n)s, got %(got)s"), field="instalments",
                               params={"n": MAX_INSTALMENTS, "got": len(raw)}, prefixed=True)
    schedule: list[tuple[date, int]] = []
    for i, item in enumerate(raw):
        where = f"instalments[{i}]"
        if not isinstance(item, Mapping):
            raise ValidationFailed(N_("must be an object with due_on and amount"),
                                   field=where, prefixed=True)
        unknown = set(item) - {"due_on", "amount"}
        if unknown:
            raise ValidationFailed(N_("unknown field(s) %(fields)s"), field=where,
                                   params={"fields": ", ".join(sorted(unknown))}, prefixed=True)
        if item.get("due_on") is None:
            raise ValidationFailed(N_("is required"), field=f"{where}.due_on", prefixed=True)
        if item.get("amount") is None:
            raise ValidationFailed(N_("is required"), field=f"{where}.amount", prefixed=True)
        due_on = parse_date(item["due_on"], f"{where}.due_on")
        if due_on < signed_on:
            raise ValidationFailed(N_("%(day)s is due before signing (%(signed)s)"),
                                   field=f"{where}.due_on", prefixed=True,
                                   params={"day": due_on, "signed": signed_on})
        if latest is not None and due_on > latest:
            raise ValidationFailed(N_("%(day)s is too far ahead (not after %(latest)s)"),
                                   field=f"{where}.due_on", prefixed=True,
                                   params={"day": due_on, "latest": latest})
        if schedule and due_on < schedule[-1][0]:
            raise ValidationFailed(N_("%(day)s is before instalment %(n)s's due date "
                                      "%(previous)s; list instalments in order"),
                                   field=f"{where}.due_on", prefixed=True,
                                   params={"day": due_on, "n": i,
                                           "previous": schedule[-1][0]})
        fen = parse_amount(item["amount"], f"{where}.amount")
        if fen == 0:
            raise ValidationFailed(N_("must be more than zero"), field=f"{where}.amount",
                                   prefixed=True)
        schedule.append((due_on, fen))
    paid = sum(fen for _, fen in schedule)
    if paid != total_fen:
        raise ValidationFailed(N_("the instalments add up to %(paid)s, not the agreed amount "
                                  "%(total)s"), field="instalments", prefixed=True,
                               params={"paid": yuan(paid), "total": yuan(total_fen)})
    return schedule


def check_confirmable(agreement: Any) -> None:
    """Refuse (``ValidationFailed``, field ``terms``) an agreement a court will not confirm:
    one that decides the ownership or validity of an IP right (民诉法解释 art. 355)."""
    if agreement.status == "superseded":
        raise ValidationFailed(N_("agreement #%(id)s was superseded by a later agreement; "
                                  "send the current one"), field="agreement_id",
                               params={"id": agreement.id})
    decided = [what for what, flag in (("ownership", agreement.decides_ownership),
                                       ("validity", agreement.decides_validity)) if flag]
    if decided:
        raise ValidationFailed(_NOT_CONFIRMABLE[tuple(decided)], field="terms",
                               params={"id": agreement.id})
