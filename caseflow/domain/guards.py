"""Named guards a workflow transition may require.

A guard looks at the facts of a case, the checked payload and the acting user and returns
``None`` when the step may go ahead, or a sentence saying why not. Guards are pure: the
service loads everything a guard reads into its ``GuardContext`` before it runs (a guard
that needs more than the case itself declares it with ``needs=``). Workflows name guards;
the registry here is the whole vocabulary, so a YAML typo is caught at load time.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from caseflow.domain.calendar import WorkCalendar
from caseflow.domain.errors import N_
from caseflow.domain.moments import TZ, utcnow
from caseflow.domain.periods import Period, compute_due
from caseflow.domain.said import Said


@dataclass(frozen=True)
class PartyFacts:
    role: str
    name: str
    kind: str = "enterprise"
    origin: str = "local"


@dataclass(frozen=True)
class RightFacts:
    kind: str
    number: str


@dataclass(frozen=True)
class CaseFacts:
    """What a guard may read of the case itself."""

    id: int
    number: str
    workflow_key: str
    status: str
    assignee_id: int | None
    data: Mapping[str, Any] = field(default_factory=dict)
    parties: tuple[PartyFacts, ...] = ()
    ip_rights: tuple[RightFacts, ...] = ()
    evidence_count: int = 0


@dataclass(frozen=True)
class ActorFacts:
    id: int
    username: str
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AgreementFacts:
    """The settlement agreement a confirmation would put before a court."""

    id: int
    decides_ownership: bool
    decides_validity: bool


@dataclass(frozen=True)
class GuardContext:
    case: CaseFacts
    payload: Mapping[str, Any]
    user: ActorFacts
    now: datetime | None = None  # the unit of work's time (naive UTC); None: the wall clock
    calendar: WorkCalendar | None = None
    # facts beyond the case, loaded only for guards that declare them (``needs=``)
    received_by_handoff: str | None = None  # the handoff kind that opened this case
    agreement: AgreementFacts | None = None  # the latest agreement of the mediation record

    def working_calendar(self) -> WorkCalendar:
        """The calendar the system counts on (the stored one when the caller passed it)."""
        return self.calendar or WorkCalendar.default()

    def today(self) -> date:
        """Today in China, as the unit of work sees it (tests freeze it)."""
        moment = (self.now or utcnow()).replace(tzinfo=_dt.UTC)
        return moment.astimezone(TZ).date()

    def value(self, name: str) -> Any:
        """A value from this step's payload, else from what earlier steps recorded."""
        if name in self.payload:
            return self.payload[name]
        return (self.case.data or {}).get(name)


Guard = Callable[[GuardContext], str | None]
GUARDS: dict[str, Guard] = {}
# what each guard reads beyond the case: "received_by_handoff", "agreement"
GUARD_NEEDS: dict[str, frozenset[str]] = {}
FACTS = frozenset({"received_by_handoff", "agreement"})


def guard(name: str, *, needs: tuple[str, ...] = ()) -> Callable[[Guard], Guard]:
    unknown = set(needs) - FACTS
    if unknown:
        raise ValueError(f"guard {name!r} needs unknown facts {sorted(unknown)}")

    def register(fn: Guard) -> Guard:
        GUARDS[name] = fn
        GUARD_NEEDS[name] = frozenset(needs)
        return fn

    return register


def facts_needed(guards: tuple[str, ...] | list[str]) -> frozenset[str]:
    """The facts beyond the case that these guards read (the service loads just those)."""
    return frozenset().union(*(GUARD_NEEDS.get(g, frozenset()) for g in guards))


def _amount(ctx: GuardContext, name: str) -> float | None:
    """A recorded amount as a finite float, or None: a value that is not a finite number
    (NaN or Infinity left in older case data, text) counts as not recorded, never as passing
    a comparison (NaN compares false with every threshold)."""
    value = ctx.value(name)
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _has_party(ctx: GuardContext, role: str) -> bool:
    return any(p.role == role for p in ctx.case.parties)


@guard("has_assignee")
def has_assignee(ctx: GuardContext) -> str | None:
    return None if ctx.case.assignee_id else Said(N_("the case has no assigned officer"))


@guard("has_evidence")
def has_evidence(ctx: GuardContext) -> str | None:
    return None if ctx.case.evidence_count else Said(N_("no evidence has been attached to the case"))


@guard("has_rights_holder")
def has_rights_holder(ctx: GuardContext) -> str | None:
    return None if _has_party(ctx, "rights_holder") else Said(N_("the case names no rights holder"))


@guard("has_alleged_infringer")
def has_alleged_infringer(ctx: GuardContext) -> str | None:
    if _has_party(ctx, "alleged_infringer") or _has_party(ctx, "respondent"):
        return None
    return Said(N_("the case names no alleged infringer"))


@guard("has_applicant")
def has_applicant(ctx: GuardContext) -> str | None:
    if _has_party(ctx, "applicant") or _has_party(ctx, "complainant"):
        return None
    return Said(N_("the case names no applicant"))


@guard("has_ip_right")
def has_ip_right(ctx: GuardContext) -> str | None:
    return None if ctx.case.ip_rights else Said(N_("the case names no IP right"))


@guard("has_patent")
def has_patent(ctx: GuardContext) -> str | None:
    kinds = {"invention_patent", "utility_model", "design_patent"}
    if any(r.kind in kinds for r in ctx.case.ip_rights):
        return None
    return Said(N_("the case names no patent"))


# 《市场监督管理行政处罚程序规定》 arts. 66/70: on-the-spot decisions only for small fines.
SUMMARY_FINE_LIMITS = {"individual": 200, "enterprise": 3000, "other_organisation": 3000}


@guard("summary_fine_within_limit")
def summary_fine_within_limit(ctx: GuardContext) -> str | None:
    fine = ctx.value("fine_amount") or 0
    infringers = [p for p in ctx.case.parties if p.role == "alleged_infringer"]
    kind = infringers[0].kind if infringers else "individual"
    limit = SUMMARY_FINE_LIMITS.get(kind, 200)
    if fine > limit:
        return Said(N_("a fine of %(fine)s yuan exceeds the summary-procedure limit of "
                       "%(limit)s yuan for a party of kind %(kind)s; use the ordinary procedure"),
                    {"fine": f"{fine:g}", "limit": limit, "kind": kind})
    return None


def required_customs_security(goods_value: float, mode: str) -> float:
    """Security a rights holder must post (实施办法 arts. 22–23)."""
    if mode == "on_application":
        return goods_value
    if goods_value < 20_000:
        return goods_value
    if goods_value <= 200_000:
        return max(goods_value * 0.5, 20_000)
    return 100_000


@guard("customs_security_sufficient")
def customs_security_sufficient(ctx: GuardContext) -> str | None:
    value = _amount(ctx, "goods_value")
    security = _amount(ctx, "security_amount")
    mode = ctx.value("detention_mode") or "ex_officio"
    if value is None or security is None:
        return Said(N_("goods value and security amount must both be recorded"))
    needed = required_customs_security(value, str(mode))
    if security < needed:
        return Said(N_("security of %(security)s yuan is below the %(needed)s yuan required "
                       "for goods worth %(value)s yuan"),
                    {"security": f"{security:g}", "needed": f"{needed:g}", "value": f"{value:g}"})
    return None


@guard("penalty_has_amount_or_warning")
def penalty_has_amount_or_warning(ctx: GuardContext) -> str | None:
    if _amount(ctx, "fine_amount") or ctx.value("confiscation") or ctx.value("warning"):
        return None
    return Said(N_("a penalty decision needs a fine, a confiscation or a warning"))


@guard("supervisor_is_not_assignee")
def supervisor_is_not_assignee(ctx: GuardContext) -> str | None:
    if ctx.case.assignee_id == ctx.user.id:
        return Said(N_("the officer handling the case cannot approve their own request"))
    return None


# --- guards added with the workflow definitions (workflows/*.yaml) ----------------------------



def _as_date(value: Any) -> _dt.date | None:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _working_days_before(ctx: GuardContext, served: _dt.date, event: _dt.date) -> int:
    """Whole working days between the service day and the event day, neither counted: the
    working days strictly after ``served`` and strictly before ``event`` (0 if there are none),
    on the calendar the system counts on (loaded schedules and overrides included).

    "Served at least N working days before the hearing" is counted like every period here: the
    day of service is not counted (民法典 art. 201), and the hearing day is not one of the days
    before it.
    """
    calendar = ctx.working_calendar()
    count, day = 0, served + _dt.timedelta(days=1)
    while day < event:
        if calendar.is_working_day(day):
            count += 1
        day += _dt.timedelta(days=1)
    return count


# A search back for the last possible service day gives up after this many days (only a
# corrupt calendar with no working days gets that far).
_MAX_LEAD_SEARCH_DAYS = 3700


def _latest_service_day(ctx: GuardContext, event: _dt.date, minimum: int, unit: str) -> _dt.date:
    """The last day a notice could be served and still leave ``minimum`` whole days (working
    days, or calendar days for ``unit == "days"``) between service and ``event``."""
    if unit == "days":
        return event - _dt.timedelta(days=minimum + 1)
    calendar = ctx.working_calendar()
    day, counted = event, 0
    for _ in range(_MAX_LEAD_SEARCH_DAYS):
        day -= _dt.timedelta(days=1)
        if calendar.is_working_day(day):
            counted += 1
            if counted == minimum:
                return day - _dt.timedelta(days=1)
    raise ValueError(f"no {minimum} working days within {_MAX_LEAD_SEARCH_DAYS} days before "
                     f"{event.isoformat()}")


def _lead_time_guard(
    ctx: GuardContext,
    served_field: str,
    event_field: str,
    minimum: int,
    *,
    notice: str,
    event_name: str,
    source: str,
    unit: str = "working_days",
) -> str | None:
    """Refuse unless at least ``minimum`` whole days (working days, or calendar days for
    ``unit == "days"``) lie strictly between the service day and the event day."""
    served = _as_date(ctx.value(served_field))
    event = _as_date(ctx.value(event_field))
    if served is None or event is None:
        return Said(N_("%(served)s and %(event)s must both be recorded"),
                    {"served": served_field, "event": event_field})
    if unit == "days":
        between, word = max(0, (event - served).days - 1), "calendar day(s)"
    else:
        between, word = _working_days_before(ctx, served, event), "working day(s)"
    if between >= minimum:
        return None
    latest = _latest_service_day(ctx, event, minimum, unit)
    when = (
        f"on {served.isoformat()}, not before the {event_name} on {event.isoformat()}"
        if served >= event
        else f"on {served.isoformat()} for the {event_name} on {event.isoformat()}"
    )
    return Said(N_("the %(notice)s was served %(when)s: %(between)s whole %(word)s lie "
                   "between (the day of service and the %(event)s day are not counted) and at "
                   "least %(minimum)s are required, so for that %(event)s date it had to be "
                   "served by %(latest)s at the latest (%(source)s)"),
                {"notice": notice, "when": when, "between": between, "word": word,
                 "event": event_name, "minimum": minimum, "latest": latest.isoformat(),
                 "source": source, "served_on": served.isoformat(),
                 "event_on": event.isoformat()})


@guard("hearing_notice_lead_time")
def hearing_notice_lead_time(ctx: GuardContext) -> str | None:
    # 《市场监督管理行政处罚听证办法》; 行政处罚法 art. 64(2) (七日前), art. 85 (those 7 days are
    # working days): the hearing notice is served at least 7 WD before the hearing.
    return _lead_time_guard(
        ctx, "hearing_notice_served_on", "hearing_date", 7,
        notice="hearing notice", event_name="hearing",
        source="《市场监督管理行政处罚听证办法》; 行政处罚法 art. 64(2) with art. 85: "
        "7 working days",
    )


@guard("oral_hearing_notice_lead_time")
def oral_hearing_notice_lead_time(ctx: GuardContext) -> str | None:
    # 《专利纠纷行政裁决和调解办法》 art. 26: parties notified at least 3 WD before an oral hearing.
    return _lead_time_guard(
        ctx, "hearing_notice_served_on", "hearing_date", 3,
        notice="oral hearing notice", event_name="oral hearing",
        source="专利纠纷行政裁决和调解办法 art. 26: 3 working days",
    )


# 《市场监督管理行政处罚听证办法》: a fine (or confiscation) is "large" from these amounts; a
# province may set its own figures — edit here.
HEARING_THRESHOLDS = {"individual": 10_000, "enterprise": 100_000, "other_organisation": 100_000}
HEARING_AMOUNT_GROUNDS = {"large_fine", "large_confiscation"}


@guard("hearing_right_applies")
def hearing_right_applies(ctx: GuardContext) -> str | None:
    ground = ctx.value("hearing_ground")
    if ground is None:
        return Said(N_("the ground for the hearing request must be recorded"))
    if ground not in HEARING_AMOUNT_GROUNDS:
        return None
    amount = _amount(ctx, "proposed_fine_amount" if ground == "large_fine"
                     else "proposed_confiscation_value")
    infringers = [p for p in ctx.case.parties if p.role == "alleged_infringer"]
    kind = infringers[0].kind if infringers else "individual"
    threshold = HEARING_THRESHOLDS.get(kind, HEARING_THRESHOLDS["individual"])
    if amount is None or amount < threshold:
        if amount is None:
            return Said(N_("the proposed amount (not recorded) is below the hearing threshold "
                           "of %(threshold)s yuan for a party of kind %(kind)s"),
                        {"threshold": threshold, "kind": kind})
        return Said(N_("the proposed amount (%(amount)s) is below the hearing threshold of "
                       "%(threshold)s yuan for a party of kind %(kind)s"),
                    {"amount": amount, "threshold": threshold, "kind": kind})
    return None


def _penalty_parts(ctx: GuardContext) -> tuple[bool, bool, bool]:
    fine = _amount(ctx, "fine_amount")
    return (
        bool(fine and fine > 0),
        bool(ctx.value("confiscation")),
        bool(ctx.value("warning")),
    )


@guard("warning_only_penalty")
def warning_only_penalty(ctx: GuardContext) -> str | None:
    # 《市场监督管理行政处罚信息公示规定》: a decision that only gives a warning is not published.
    fine, confiscation, warning = _penalty_parts(ctx)
    if warning and not fine and not confiscation:
        return None
    return Said(N_("only a decision that gives nothing but a warning is exempt from publication"))


@guard("no_penalty_imposed")
def no_penalty_imposed(ctx: GuardContext) -> str | None:
    if any(_penalty_parts(ctx)):
        return Said(N_("a penalty was imposed on this case; use the ordinary closing step"))
    return None


@guard("disclosure_complete")
def disclosure_complete(ctx: GuardContext) -> str | None:
    fine, confiscation, warning = _penalty_parts(ctx)
    if warning and not fine and not confiscation:
        return None
    if ctx.value("disclosed_on") or ctx.value("home_published_on"):
        return None
    if ctx.value("pushed_to_home_authority_on"):
        return Said(N_("the home registration authority has not yet confirmed publication"))
    return Said(N_("the penalty information has not been published"))


@guard("has_reporter")
def has_reporter(ctx: GuardContext) -> str | None:
    return None if _has_party(ctx, "reporter") else Said(N_("the case names no (real-name) reporter"))


@guard("has_assisted_firm")
def has_assisted_firm(ctx: GuardContext) -> str | None:
    if _has_party(ctx, "assisted_firm") or _has_party(ctx, "applicant"):
        return None
    return Said(N_("the case names no firm requesting assistance"))


@guard("settlement_confirmable", needs=("agreement",))
def settlement_confirmable(ctx: GuardContext) -> str | None:
    # 民诉法解释 art. 355: no judicial confirmation of agreements deciding IP ownership or validity.
    refusal = Said(N_("a court will not confirm an agreement that decides IP ownership or "
                      "validity; track performance without confirmation or renegotiate"))
    if ctx.value("decides_ip_ownership_or_validity"):
        return refusal
    agreement = ctx.agreement
    if agreement is not None and (agreement.decides_ownership or agreement.decides_validity):
        return refusal
    return None


COURT_MEDIATION_TYPES = {"court_referred_prefiling", "court_entrusted"}


@guard("court_referred_mediation")
def court_referred_mediation(ctx: GuardContext) -> str | None:
    if ctx.value("mediation_type") in COURT_MEDIATION_TYPES:
        return None
    return Said(N_("only a court-referred or court-entrusted mediation is returned to the court"))


@guard("not_court_referred_mediation")
def not_court_referred_mediation(ctx: GuardContext) -> str | None:
    if ctx.value("mediation_type") in COURT_MEDIATION_TYPES:
        return Said(N_("a failed court-referred mediation must be returned to the court"))
    return None


@guard("patent_counter_security_sufficient")
def patent_counter_security_sufficient(ctx: GuardContext) -> str | None:
    # 知识产权海关保护条例 art. 19: release of goods suspected of infringing a patent only
    # against security equal to their value.
    kinds = {"invention_patent", "utility_model", "design_patent"}
    if not any(r.kind in kinds for r in ctx.case.ip_rights):
        return (
            "release against security is available only for goods suspected of infringing a patent"
        )
    value = _amount(ctx, "goods_value")
    security = _amount(ctx, "counter_security_amount")
    if value is None or security is None:
        return Said(N_("goods value and counter-security amount must both be recorded"))
    if security < value:
        return Said(N_("counter-security of %(security)s yuan is below the goods value of "
                       "%(value)s yuan"), {"security": f"{security:g}", "value": f"{value:g}"})
    return None


@guard("patent_is_invention")
def patent_is_invention(ctx: GuardContext) -> str | None:
    if ctx.value("patent_kind") == "invention":
        return None
    return Said(N_("this step is for invention applications"))


@guard("patent_is_not_invention")
def patent_is_not_invention(ctx: GuardContext) -> str | None:
    if ctx.value("patent_kind") in ("utility_model", "design"):
        return None
    return Said(N_("this step is for utility-model and design applications"))


# --- guards added with the handoff wiring (police_case, court_litigation, court_confirmation) ---


def _calendar_period_end(ctx: GuardContext, start: _dt.date, days: int) -> _dt.date:
    """Last day of an N-calendar-day period counted from ``start``: the clocks' own counting
    (periods.compute_due: start day not counted, rest days roll), on the system calendar."""
    begin = _dt.datetime.combine(start, _dt.time(12), TZ)
    return compute_due(begin, Period(days, "days"), ctx.working_calendar()).last_day


@guard("sender_remedy_period_over")
def sender_remedy_period_over(ctx: GuardContext) -> str | None:
    # 国务院令第310号 art. 9: the sending body may ask the police to reconsider within 3 days of
    # receiving the refusal notice, and ask the procuratorate to supervise within 3 days of the
    # reconsideration decision. The police case stays open until then, so that a
    # reconsideration_request handoff still finds it, unless the sender waives both remedies.
    if ctx.value("sender_waived_remedies"):
        return None
    decision = _as_date(ctx.value("reconsideration_decision_served_on"))
    refusal = _as_date(ctx.value("refusal_notice_served_on"))
    served = decision or refusal
    if served is None:
        return Said(N_("the date the refusal notice (or reconsideration decision) was served must be recorded"))
    end = _calendar_period_end(ctx, served, 3)
    if ctx.today() <= end:
        remedy = (Said(N_("the procuratorate's supervision")) if decision
                  else Said(N_("reconsideration")))
        return Said(N_("the sending body may ask for %(remedy)s until %(end)s (国务院令第310号 "
                       "art. 9); wait, or record sender_waived_remedies if it has said it will "
                       "not"), {"remedy": remedy, "end": end.isoformat()})
    return None


@guard("parties_agreed_to_mediation")
def parties_agreed_to_mediation(ctx: GuardContext) -> str | None:
    # 民事诉讼法 art. 125: a dispute suitable for mediation is mediated first, unless a party
    # refuses.
    if ctx.payload.get("parties_agreed_to_mediation") is True:
        return None
    return Said(N_("pre-filing mediation needs the parties' consent (民事诉讼法 art. 125)"))


@guard("court_hearing_notice_lead_time")
def court_hearing_notice_lead_time(ctx: GuardContext) -> str | None:
    # 民事诉讼法 art. 139: parties are notified at least 3 days before the hearing — calendar
    # days, counted as the other lead-time guards count: whole days strictly between the
    # service day and the hearing day.
    return _lead_time_guard(
        ctx, "summons_served_on", "hearing_date", 3, unit="days",
        notice="summons", event_name="hearing",
        source="民事诉讼法 art. 139: 3 days",
    )


@guard("confirmation_applied_in_time")
def confirmation_applied_in_time(ctx: GuardContext) -> str | None:
    # 人民调解法 art. 33; 民事诉讼法 art. 205: the joint application is made within 30 days of
    # the agreement taking effect.
    effective = _as_date(ctx.value("agreement_effective_on"))
    applied = _as_date(ctx.value("applied_on"))
    if effective is None or applied is None:
        return Said(N_("agreement_effective_on and applied_on must both be recorded"))
    end = _calendar_period_end(ctx, effective, 30)
    if applied > end:
        return Said(N_("the application of %(applied)s came after %(end)s, 30 days from the "
                       "agreement taking effect (民事诉讼法 art. 205)"),
                    {"applied": applied.isoformat(), "end": end.isoformat()})
    return None


@guard("not_received_by_jurisdiction_transfer", needs=("received_by_handoff",))
def not_received_by_jurisdiction_transfer(ctx: GuardContext) -> str | None:
    # 《市场监督管理行政处罚程序规定》(管辖): a bureau that received a case transferred for
    # jurisdiction and disputes it reports to the common superior for designation; it does not
    # transfer the case on by itself (jurisdiction_dispute → awaiting_designation instead).
    if ctx.received_by_handoff == "jurisdiction_transfer":
        return Said(N_("this case was received by transfer for jurisdiction and is not "
                       "transferred on by this bureau; record a jurisdiction dispute and report "
                       "for designation"))
    return None
