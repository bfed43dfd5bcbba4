"""Legal periods that bind: a step the law forbids before or after a period is refused.

A transition in a workflow file may declare ``requires:``, each entry one period the step
depends on (legal-deadlines.md, "逾期…不得", "届满后", "within"):

* ``after: <clock>`` — the step may be taken only once the period has run out (customs releases
  goods only when the 50 working days pass, 条例 art. 24; the notice period closes only after
  its 5 working days, 程序规定 art. 57);
* ``within: <clock>`` — the step may be taken only while the period runs (an application and
  security filed after the 3 working days may not lead to detention, 条例 art. 16).

``after`` judges the period's end date, however the clock stopped (a clock stops for many
reasons: an objection raised, a state left). With ``lapsed: true`` a period that stopped before
its end refuses the step: the step is the consequence of nothing happening in time (a pre-suit
preservation lifted because no suit was filed) and the stop shows something did.

The moment judged is the legal date the step records (``as_of: <date or datetime field>``; ``on`` would read as a YAML boolean), or
when it is keyed in. A date is judged as that whole day: ``after`` needs a day after the
period's last day, ``within`` a day no later than it. A ``datetime`` handed in at the
agency's counter (``in_person: <field>`` names the enum field recording how it was handed in)
must come before the close of office hours on the last day (实施办法 art. 41(2)).

Where the law names an exception, it is an ``unless:`` alternative: a field the step records
(a written waiver with its date, the party's statement received) or an ``override`` by a role
with a reason, never by the case's own assignee. Every exception used is audited.

Pure rules over plain facts: the service layer loads the clocks and calls :func:`check`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from caseflow.domain.moments import TZ

KINDS = ("after", "within")
IN_PERSON = "in_person"


@dataclass(frozen=True)
class Exception_:
    """A named alternative the law allows: the step records ``field``, or ``role`` overrides."""

    kind: str  # field | override
    field: str | None = None
    role: str | None = None
    title_zh: str = ""
    title_en: str = ""


@dataclass(frozen=True)
class PeriodRequirement:
    kind: str  # after | within
    clocks: tuple[str, ...]  # the case runs one of these; the latest started counts
    source: str
    on: str | None = None
    in_person: str | None = None
    unless: tuple[Exception_, ...] = ()
    lapsed: bool = False  # after: the period must have run out, not ended early by the act

    def describe(self, titles: Mapping[str, str] | None = None) -> str:
        names = " / ".join((titles or {}).get(c, c) for c in self.clocks)
        word = "only after" if self.kind == "after" else "only within"
        return f"{word} {names} ({self.source})"


@dataclass(frozen=True)
class ClockFacts:
    """What a requirement reads of one clock of the case."""

    name: str
    title_zh: str
    title_en: str
    source: str
    status: str
    started_at: datetime  # aware
    due: datetime  # aware: 24:00 of last_day for day clocks
    last_day: date
    provisional: bool
    stopped_at: datetime | None = None  # aware; a period stopped early did not run out


@dataclass(frozen=True)
class Override:
    """A request to take the step despite a period, with who asks and why."""

    reason: str
    actor_roles: frozenset[str]
    actor_is_assignee: bool


@dataclass(frozen=True)
class Refusal:
    requirement: PeriodRequirement
    clock: str
    message: str


@dataclass(frozen=True)
class Excepted:
    """A requirement not met, passed by a named exception; the audit records it."""

    requirement: PeriodRequirement
    clock: ClockFacts
    exception: Exception_
    detail: str

    def payload(self) -> dict[str, Any]:
        return {
            "clock": self.clock.name, "requirement": self.requirement.kind,
            "due": self.clock.due.isoformat(), "last_day": self.clock.last_day.isoformat(),
            "source": self.requirement.source, "exception": self.exception.kind,
            **({"field": self.exception.field} if self.exception.field else {}),
            **({"role": self.exception.role} if self.exception.role else {}),
            "detail": self.detail,
        }


def _moment(value: Any) -> tuple[datetime, bool] | None:
    """The recorded moment and whether it is a whole day (a date) rather than an instant."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=TZ)).astimezone(TZ), False
    if isinstance(value, date):
        return datetime.combine(value, time(0), TZ), True
    text = str(value)
    parsed = datetime.fromisoformat(text)
    if len(text) <= 10:
        return datetime.combine(parsed.date(), time(0), TZ), True
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=TZ)).astimezone(TZ), False


def _left(clock: ClockFacts, at: datetime) -> str:
    delta = clock.due - at
    if delta <= timedelta(0):
        return f"ran out {_span(-delta)} ago"
    return f"{_span(delta)} remain"


def _span(delta: timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    if days >= 1:
        return f"{days} day(s)" + (f" {seconds // 3600} h" if seconds >= 3600 else "")
    return f"{max(1, seconds // 3600)} h" if seconds >= 3600 else f"{max(1, seconds // 60)} min"


def _pick(requirement: PeriodRequirement, clocks: Sequence[ClockFacts]) -> ClockFacts | None:
    runs = [c for c in clocks if c.name in requirement.clocks]
    return max(runs, key=lambda c: c.started_at) if runs else None


def check(
    requirements: Sequence[PeriodRequirement],
    clocks: Sequence[ClockFacts],
    payload: Mapping[str, Any],
    *,
    now: datetime,
    office_close: time | None = None,
    override: Override | None = None,
) -> tuple[list[Refusal], list[Excepted]]:
    """Judge a step against its period requirements: what refuses it, what exceptions pass it.

    ``now`` is aware; ``office_close`` is the acting agency's close of office hours.
    An override is considered only for requirements whose ``unless`` names an override.
    """
    refusals: list[Refusal] = []
    excepted: list[Excepted] = []
    for req in requirements:
        clock = _pick(req, clocks)
        names = " / ".join(req.clocks)
        if clock is None:
            refusals.append(Refusal(req, names, (
                f"period {names} has not started on this case; the step is allowed "
                f"{'only after' if req.kind == 'after' else 'only within'} it ({req.source})")))
            continue
        recorded = _moment(payload.get(req.on)) if req.on else None
        at, whole_day = recorded if recorded else (now, False)
        label = f"{clock.title_zh} ({clock.name})"
        last = clock.last_day.isoformat()
        if (at.date() > now.date()) if whole_day else at > now:
            refusals.append(Refusal(req, clock.name, (
                f"{req.on}: {at.date() if whole_day else f'{at:%Y-%m-%d %H:%M}'} is in the "
                "future; a step is judged on the legal date it records, which cannot be ahead "
                "of today")))
            continue
        opens = clock.started_at.astimezone(TZ)
        if req.kind == "within" and ((at.date() < opens.date()) if whole_day else at < opens):
            refusals.append(Refusal(req, clock.name, (
                f"only within the period {label}, which has not begun: it runs from "
                f"{opens:%Y-%m-%d} to 24:00 on {last} ({req.source})")))
            continue
        ended_early = clock.stopped_at is not None and clock.stopped_at < clock.due
        if req.kind == "after" and ended_early and req.lapsed:
            refusals.append(Refusal(req, clock.name, (
                f"the period {label} did not run out: it stopped on "
                f"{clock.stopped_at.astimezone(TZ):%Y-%m-%d}, before its last day {last}, "
                f"because the step it waits for was taken ({req.source})")))
            continue
        if req.kind == "after":
            met = (at.date() > clock.last_day) if whole_day else at >= clock.due
            if met:
                continue
            when = f"{req.on} {at.date().isoformat()}" if whole_day else \
                f"{at:%Y-%m-%d %H:%M}"
            left = (f"{(clock.last_day - at.date()).days + 1} day(s) of it remain from {when}"
                    if whole_day else f"{_left(clock, at)} at {when}")
            message = (f"not before the period {label} has run out: it ends at 24:00 on {last}"
                       f"{' (provisional)' if clock.provisional else ''}, {left}; the earliest "
                       "day is "
                       f"{(clock.last_day + timedelta(days=1)).isoformat()} ({req.source})")
        else:
            deadline = clock.due
            how = payload.get(req.in_person) if req.in_person else None
            if how == IN_PERSON and not whole_day and office_close is not None:
                deadline = datetime.combine(clock.last_day, office_close, TZ)
            met = (at.date() <= clock.last_day) if whole_day else at < deadline
            if met:
                continue
            end = (f"the close of office hours ({office_close:%H:%M}) on {last}"
                   if deadline != clock.due else f"24:00 on {last}")
            when = f"{req.on} {at.date().isoformat()}" if whole_day else \
                f"{at:%Y-%m-%d %H:%M}"
            late = (f"{(at.date() - clock.last_day).days} day(s)" if whole_day
                    else _span(at - deadline))
            message = (f"only within the period {label}, which ended at {end}"
                       f"{' (provisional)' if clock.provisional else ''}; {when} is {late} "
                       f"late ({req.source})")
        passed = _exception(req, clock, payload, override)
        if passed is not None:
            excepted.append(passed)
            continue
        alternatives = [e.title_en or (f"override by a {e.role}" if e.kind == "override"
                                       else str(e.field)) for e in req.unless]
        if alternatives:
            message += "; unless " + " or ".join(alternatives)
        if override is not None and any(e.kind == "override" for e in req.unless):
            message += f" — override refused: {_override_problem(req, override)}"
        refusals.append(Refusal(req, clock.name, message))
    return refusals, excepted


def _override_problem(req: PeriodRequirement, override: Override) -> str:
    roles = [e.role for e in req.unless if e.kind == "override"]
    if not override.reason.strip():
        return "an override needs a reason"
    if not (override.actor_roles & set(roles)):
        return f"only a {' or '.join(r or '' for r in roles)} may override this period"
    if override.actor_is_assignee:
        return "the case's own assignee may not override its periods"
    return "not allowed"


def _exception(req: PeriodRequirement, clock: ClockFacts, payload: Mapping[str, Any],
               override: Override | None) -> Excepted | None:
    for alt in req.unless:
        if alt.kind == "field":
            value = payload.get(alt.field or "")
            if value not in (None, "", False):
                return Excepted(req, clock, alt, f"{alt.field}={value}")
        elif alt.kind == "override" and override is not None:
            if (override.reason.strip() and alt.role in override.actor_roles
                    and not override.actor_is_assignee):
                return Excepted(req, clock, alt, override.reason.strip())
    return None
