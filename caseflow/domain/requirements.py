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
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from caseflow.domain.moments import TZ

KINDS = ("after", "within")
IN_PERSON = "in_person"
DEFAULT_OFFICE_CLOSE = time(17)


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
    inclusive: bool = False  # after, as of a date: that date may be the period's last day

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
    chained: bool = False  # starts on another period's last day, which is not its own


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
    judged: str = ""  # the date or moment judged
    finding: str = ""  # what the period rule found, before the exception let it through

    def payload(self) -> dict[str, Any]:
        return {
            "clock": self.clock.name, "requirement": self.requirement.kind,
            "due": self.clock.due.isoformat(), "last_day": self.clock.last_day.isoformat(),
            "source": self.requirement.source, "exception": self.exception.kind,
            **({"field": self.exception.field} if self.exception.field else {}),
            **({"role": self.exception.role} if self.exception.role else {}),
            "detail": self.detail, "judged": self.judged, "finding": self.finding,
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
    office_close: time = DEFAULT_OFFICE_CLOSE,
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
        if recorded is None:
            req = replace(req, on=None)  # judged as keyed in: say "now", not the field's name
        message = _judge(req, clock, payload, at, whole_day, now, office_close)
        if message is None:
            continue
        passed, why_not = _exception(req, clock, payload, override, min(at, now))
        if passed is not None:
            excepted.append(replace(passed, judged=_when(req, at, whole_day), finding=message))
            continue
        alternatives = [e.title_en or (f"override by a {e.role}" if e.kind == "override"
                                       else str(e.field)) for e in req.unless]
        if alternatives:
            message += "; unless " + " or ".join(alternatives)
        if why_not:
            message += f" — {why_not}"
        if override is not None and any(e.kind == "override" for e in req.unless):
            message += f" — override refused: {_override_problem(req, override)}"
        refusals.append(Refusal(req, clock.name, message))
    return refusals, excepted


def _when(req: PeriodRequirement, at: datetime, whole_day: bool) -> str:
    if whole_day:
        return f"{req.on} {at.date().isoformat()}"
    return f"{req.on + ' ' if req.on else 'now, '}{at:%Y-%m-%d %H:%M}"


def _judge(req: PeriodRequirement, clock: ClockFacts, payload: Mapping[str, Any],
           at: datetime, whole_day: bool, now: datetime, office_close: time) -> str | None:
    """Why the step is outside the period, or None when it is inside."""
    label = f"{clock.title_zh} ({clock.name})"
    last = clock.last_day.isoformat()
    when = _when(req, at, whole_day)
    provisional = " (provisional)" if clock.provisional else ""
    if (at.date() > now.date()) if whole_day else at > now:
        return (f"{when} is in the future; a step is judged on the legal date it records, "
                "which cannot be ahead of today")
    opens = clock.started_at.astimezone(TZ)
    if req.kind == "within":
        # a chained window starts on its predecessor's last day, which is not yet its own
        too_early = (at.date() <= opens.date() if clock.chained else at.date() < opens.date()
                     ) if whole_day else (at <= opens if clock.chained else at < opens)
        if too_early:
            first = opens.date() + timedelta(days=1) if clock.chained else opens.date()
            return (f"only within the period {label}, which has not begun: it runs from "
                    f"{first.isoformat()} to 24:00 on {last}{provisional} ({req.source})")
        deadline = clock.due
        counter = req.in_person is not None and payload.get(req.in_person) == IN_PERSON
        if counter and whole_day:
            return (f"{req.in_person} is in_person: give the time it was handed in (a date "
                    f"and time for {req.on}), since a submission at the counter is due by "
                    f"the close of office hours ({office_close:%H:%M}) on the last day "
                    f"({req.source})")
        if counter:
            deadline = datetime.combine(clock.last_day, office_close, TZ)
        if (at.date() <= clock.last_day) if whole_day else at < deadline:
            return None
        end = (f"the close of office hours ({office_close:%H:%M}) on {last}" if counter
               else f"24:00 on {last}")
        late = (f"{(at.date() - clock.last_day).days} day(s)" if whole_day
                else _span(at - deadline))
        return (f"only within the period {label}, which ended at {end}{provisional}; {when} "
                f"is {late} late ({req.source})")
    if req.lapsed and clock.stopped_at is not None and clock.stopped_at < clock.due:
        return (f"the period {label} did not run out: it stopped on "
                f"{clock.stopped_at.astimezone(TZ):%Y-%m-%d}, before its last day {last}, "
                f"because what it waits for happened ({req.source})")
    if req.inclusive and whole_day:
        if at.date() >= clock.last_day:
            return None
        return (f"not before the last day of the period {label}, {last}{provisional}: "
                f"{when} is earlier ({req.source})")
    elif (at.date() > clock.last_day) if whole_day else at >= clock.due:
        return None
    else:
        earliest = clock.last_day + timedelta(days=1)
    gap = (f"{(clock.last_day - at.date()).days + 1} calendar day(s) of it remain from {when}"
           if whole_day else f"{_left(clock, at)} at {when}")
    return (f"not before the period {label} has run out: it ends at 24:00 on {last}"
            f"{provisional}, {gap}; the earliest day is {earliest.isoformat()} ({req.source})")


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
               override: Override | None, by: datetime) -> tuple[Excepted | None, str | None]:
    """The first exception that lets the step through, or why a recorded one does not; a
    dated exception must fall between the period's start and ``by`` (the step's own date)."""
    problem = None
    for alt in req.unless:
        if alt.kind == "field":
            value = payload.get(alt.field or "")
            if value in (None, "", False):
                continue
            moment = _moment(value) if isinstance(value, (str, date)) else None
            if moment is not None:  # a dated fact (a written waiver): not ahead, not before
                day = moment[0].date()
                if day > by.date():
                    problem = (f"{alt.field} {day.isoformat()} comes after the step it would "
                               f"excuse ({by.date().isoformat()})")
                    continue
                if day < clock.started_at.astimezone(TZ).date():
                    problem = (f"{alt.field} {day.isoformat()} is before the period began "
                               f"({clock.started_at.astimezone(TZ):%Y-%m-%d})")
                    continue
            return Excepted(req, clock, alt, f"{alt.field}={value}"), None
        elif alt.kind == "override" and override is not None:
            if (override.reason.strip() and alt.role in override.actor_roles
                    and not override.actor_is_assignee):
                return Excepted(req, clock, alt, override.reason.strip()), None
    return None, problem
