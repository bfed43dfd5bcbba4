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

from caseflow.domain.errors import N_
from caseflow.domain.moments import TZ
from caseflow.domain.said import Said

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
        return Said(N_("ran out %(span)s ago"), {"span": _span(-delta)})
    return Said(N_("%(span)s remain"), {"span": _span(delta)})


def _days(days: int) -> Said:
    return Said(N_("%(days)s day(s)"), {"days": days})


def _span(delta: timedelta) -> str:
    days, seconds = delta.days, delta.seconds
    if days >= 1:
        if seconds >= 3600:
            return Said(N_("%(days)s day(s) %(hours)s h"), {"days": days, "hours": seconds // 3600})
        return _days(days)
    if seconds >= 3600:
        return Said(N_("%(hours)s h"), {"hours": max(1, seconds // 3600)})
    return Said(N_("%(minutes)s min"), {"minutes": max(1, seconds // 60)})


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
            template = (N_("period %(names)s has not started on this case; the step is allowed "
                           "only after it (%(source)s)") if req.kind == "after" else
                        N_("period %(names)s has not started on this case; the step is allowed "
                           "only within it (%(source)s)"))
            refusals.append(Refusal(req, names, Said(template, {"names": names,
                                                                "source": req.source})))
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
            shown = [Said.both(a, e.title_zh or a) for a, e in zip(alternatives, req.unless,
                                                                    strict=True)]
            message = Said(N_("%(finding)s; unless %(alternatives)s"), {
                "finding": message, "alternatives": Said.both(
                    " or ".join(shown), " 或 ".join(a.zh or a for a in shown))})
        if why_not:
            message = Said(N_("%(finding)s — %(why_not)s"),
                           {"finding": message, "why_not": why_not})
        if override is not None and any(e.kind == "override" for e in req.unless):
            message = Said(N_("%(finding)s — override refused: %(problem)s"),
                           {"finding": message, "problem": _override_problem(req, override)})
        refusals.append(Refusal(req, clock.name, message))
    return refusals, excepted


def _when(req: PeriodRequirement, at: datetime, whole_day: bool) -> str:
    if whole_day:
        return Said(N_("%(field)s %(day)s"), {"field": req.on, "day": at.date().isoformat()})
    if req.on:
        return Said(N_("%(field)s %(moment)s"), {"field": req.on,
                                                 "moment": f"{at:%Y-%m-%d %H:%M}"})
    return Said(N_("now, %(moment)s"), {"moment": f"{at:%Y-%m-%d %H:%M}"})


def _judge(req: PeriodRequirement, clock: ClockFacts, payload: Mapping[str, Any],
           at: datetime, whole_day: bool, now: datetime, office_close: time) -> str | None:
    """Why the step is outside the period, or None when it is inside."""
    label = Said.both(f"{clock.title_zh} ({clock.name})", f"“{clock.title_zh}”")
    last = clock.last_day.isoformat()
    when = _when(req, at, whole_day)
    provisional = Said(N_(" (provisional)")) if clock.provisional else ""
    source = req.source
    if (at.date() > now.date()) if whole_day else at > now:
        return Said(N_("%(when)s is in the future; a step is judged on the legal date it "
                       "records, which cannot be ahead of today"), {"when": when})
    opens = clock.started_at.astimezone(TZ)
    if req.kind == "within":
        # a chained window starts on its predecessor's last day, which is not yet its own
        too_early = (at.date() <= opens.date() if clock.chained else at.date() < opens.date()
                     ) if whole_day else (at <= opens if clock.chained else at < opens)
        if too_early:
            first = opens.date() + timedelta(days=1) if clock.chained else opens.date()
            return Said(N_("only within the period %(label)s, which has not begun: it runs "
                           "from %(first)s to 24:00 on %(last)s%(provisional)s (%(source)s)"),
                        {"label": label, "first": first.isoformat(), "last": last,
                         "provisional": provisional, "source": source})
        deadline = clock.due
        counter = req.in_person is not None and payload.get(req.in_person) == IN_PERSON
        if counter and whole_day:
            return Said(N_("%(in_person)s is in_person: give the time it was handed in (a "
                           "date and time for %(field)s), since a submission at the counter "
                           "is due by the close of office hours (%(close)s) on the last day "
                           "(%(source)s)"),
                        {"in_person": req.in_person, "field": req.on,
                         "close": f"{office_close:%H:%M}", "source": source})
        if counter:
            deadline = datetime.combine(clock.last_day, office_close, TZ)
        if (at.date() <= clock.last_day) if whole_day else at < deadline:
            return None
        end = (Said(N_("the close of office hours (%(close)s) on %(last)s"),
                    {"close": f"{office_close:%H:%M}", "last": last}) if counter
               else Said(N_("24:00 on %(last)s"), {"last": last}))
        late = (_days((at.date() - clock.last_day).days) if whole_day
                else _span(at - deadline))
        return Said(N_("only within the period %(label)s, which ended at %(end)s"
                       "%(provisional)s; %(when)s is %(late)s late (%(source)s)"),
                    {"label": label, "end": end, "provisional": provisional, "when": when,
                     "late": late, "source": source})
    if req.lapsed and clock.stopped_at is not None and clock.stopped_at < clock.due:
        return Said(N_("the period %(label)s did not run out: it stopped on %(stopped)s, "
                       "before its last day %(last)s, because what it waits for happened "
                       "(%(source)s)"),
                    {"label": label, "stopped": f"{clock.stopped_at.astimezone(TZ):%Y-%m-%d}",
                     "last": last, "source": source})
    if req.inclusive and whole_day:
        if at.date() >= clock.last_day:
            return None
        return Said(N_("not before the last day of the period %(label)s, %(last)s"
                       "%(provisional)s: %(when)s is earlier (%(source)s)"),
                    {"label": label, "last": last, "provisional": provisional, "when": when,
                     "source": source})
    elif (at.date() > clock.last_day) if whole_day else at >= clock.due:
        return None
    else:
        earliest = clock.last_day + timedelta(days=1)
    gap = (Said(N_("%(days)s calendar day(s) of it remain from %(when)s"),
                {"days": (clock.last_day - at.date()).days + 1, "when": when})
           if whole_day else Said(N_("%(left)s at %(when)s"),
                                  {"left": _left(clock, at), "when": when}))
    return Said(N_("not before the period %(label)s has run out: it ends at 24:00 on %(last)s"
                   "%(provisional)s, %(gap)s; the earliest day is %(earliest)s (%(source)s)"),
                {"label": label, "last": last, "provisional": provisional, "gap": gap,
                 "earliest": earliest.isoformat(), "source": source})


def _override_problem(req: PeriodRequirement, override: Override) -> str:
    roles = [e.role for e in req.unless if e.kind == "override"]
    if not override.reason.strip():
        return Said(N_("an override needs a reason"))
    if not (override.actor_roles & set(roles)):
        return Said(N_("only a %(roles)s may override this period"),
                    {"roles": " or ".join(r or "" for r in roles)})
    if override.actor_is_assignee:
        return Said(N_("the case's own assignee may not override its periods"))
    return Said(N_("not allowed"))


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
                    problem = Said(N_("%(field)s %(day)s comes after the step it would excuse "
                                      "(%(step_day)s)"),
                                   {"field": alt.field, "day": day.isoformat(),
                                    "step_day": by.date().isoformat()})
                    continue
                if day < clock.started_at.astimezone(TZ).date():
                    problem = Said(N_("%(field)s %(day)s is before the period began "
                                      "(%(began)s)"),
                                   {"field": alt.field, "day": day.isoformat(),
                                    "began": f"{clock.started_at.astimezone(TZ):%Y-%m-%d}"})
                    continue
            return Excepted(req, clock, alt, f"{alt.field}={value}"), None
        elif alt.kind == "override" and override is not None:
            if (override.reason.strip() and alt.role in override.actor_roles
                    and not override.actor_is_assignee):
                return Excepted(req, clock, alt, override.reason.strip()), None
    return None, problem
