"""Clock arithmetic: due dates from start, pauses and extensions; alert thresholds.

Pure functions over plain values. A clock stores what happened (start, pause segments,
approved extensions), never only a due timestamp; everything here derives the due date and
the sweep's thresholds from that record, through ``periods.compute_due`` — the one code path
every due date in caseflow takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from caseflow.domain.calendar import WorkCalendar
from caseflow.domain.definitions import ClockRule, EscalationRule, WorkflowDefinition
from caseflow.domain.moments import TZ
from caseflow.domain.periods import DueDate, Period, _add_months, compute_due, period_zh


@dataclass(frozen=True)
class ClockRecord:
    """What happened to one clock, in aware datetimes (open pause: ``end`` is None)."""

    started_at: datetime
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    extensions: tuple[Period, ...] = ()


def closed_pauses(record: ClockRecord, now: datetime) -> list[tuple[datetime, datetime]]:
    """Pauses as closed intervals; an open pause counts until ``now``."""
    return [(a, b if b is not None else max(a, now)) for a, b in record.pauses]


def due_of(period: Period, record: ClockRecord, calendar: WorkCalendar,
           now: datetime) -> DueDate:
    """The due date: the base period, then each extension in order, skipping paused time.

    Every extension, in the clock's unit or another, counts on from the end of what came before
    (民法典 arts. 200–204): the period being extended ends on its *rolled* last day (art. 203),
    so a day-based extension takes that day as its not-counted start day and an hour extension
    runs from the due instant. The pauses apply to every leg, so a pause that falls in an
    extension moves it. Working-day periods never roll, so 15 working days + 15 working days is
    still 30 working days from the start; 90 days that end on a rest day + 30 days is not
    120 days from the start. ``DueDate.legs`` explains each step (leg 0 is the base period).
    """
    pauses = closed_pauses(record, now)
    steps = [compute_due(record.started_at, period, calendar, pauses)]
    for ext in record.extensions:
        steps.append(compute_due(extension_start(steps[-1], ext), ext, calendar, pauses))
    if len(steps) == 1:
        return steps[0]
    first, last = steps[0], steps[-1]
    years = sorted({y for step in steps for y in step.provisional_years})
    return DueDate(
        start=first.start, period=period, due=last.due, last_day=last.last_day,
        provisional=any(step.provisional for step in steps), provisional_years=tuple(years),
        calendar_version=first.calendar_version,
        paused=sum((step.paused for step in steps), timedelta(0)),
        paused_days=sum(step.paused_days for step in steps), rolled_from=last.rolled_from,
        legs=tuple(leg for step in steps for leg in step.legs),
    )


def extension_start(previous: DueDate, extension: Period) -> datetime:
    """Where an extension counts from: the previous due instant for an hour extension; for a
    day-based one, 00:00 of the previous (rolled) last day, its not-counted start day."""
    if extension.unit == "hours":
        return previous.due
    return datetime.combine(previous.last_day, time(0), TZ)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), TZ)


def warning_instant(due: DueDate, before: Period, calendar: WorkCalendar) -> datetime:
    """When "N <unit> left" begins: hours before the due instant, or the start of the day
    from which N days (working days) remain, the last day counted as one."""
    if before.unit == "hours":
        return due.due - timedelta(hours=before.amount)
    if before.unit == "days":
        return _midnight(due.last_day - timedelta(days=before.amount - 1))
    if before.unit == "months":
        return _midnight(_add_months(due.last_day, -before.amount) + timedelta(days=1))
    day, counted = due.last_day, 0
    while True:
        if calendar.is_working_day(day):
            counted += 1
            if counted == before.amount:
                return _midnight(day)
        day -= timedelta(days=1)


def after_instant(due: DueDate, after: Period | None, calendar: WorkCalendar) -> datetime:
    """The due instant, or the end of ``after`` counted on from the last day."""
    if after is None:
        return due.due
    if after.unit == "hours":
        return due.due + timedelta(hours=after.amount)
    return compute_due(datetime.combine(due.last_day, time(12), TZ), after, calendar).due


@dataclass(frozen=True)
class Threshold:
    """A moment the sweep must act at; ``key`` is unique per clock and due date."""

    key: str
    kind: str  # warning | overdue | escalation
    at: datetime
    recipients: tuple[str, ...]
    label: str
    label_zh: str = ""  # the same in Chinese, for the alert people read first


# who an escalation goes to, as the alert names them
RECIPIENT_ZH = {"assignee": "承办人", "supervisor": "承办人的负责人",
                "supervisor_of_supervisor": "上一级负责人", "agency_supervisors": "本机关负责人"}


def thresholds(rule: ClockRule, due: DueDate, started_at: datetime,
               calendar: WorkCalendar) -> list[Threshold]:
    """Every warning, the overdue alert and every escalation for one due date, in time order.

    A warning that would fall before the clock started (a period shorter than its warning) is
    left out.
    """
    stamp = due.due.astimezone(UTC).strftime("%Y%m%dT%H%M")
    found = []
    for before in rule.warn_before:
        at = warning_instant(due, before, calendar)
        if at > started_at and at < due.due:
            found.append(Threshold(f"warn:{before}@{stamp}", "warning", at, rule.alert,
                                   f"{before} left", f"距届满还有{period_zh(before)}"))
    found.append(Threshold(f"overdue@{stamp}", "overdue", due.due, rule.alert,
                           "the party's period has ended" if rule.party else "overdue",
                           "当事人的期限已届满" if rule.party else "已超期"))
    for i, esc in enumerate(() if rule.party else rule.escalate):  # a party's period: no one
        # is late when it ends, so nothing escalates
        at = after_instant(due, esc.after, calendar)
        found.append(Threshold(f"escalate:{i}:{esc.to}@{stamp}", "escalation", at, (esc.to,),
                               f"escalated to {esc.to}"
                               + (f" {esc.after} after the due time" if esc.after else ""),
                               (f"超期{period_zh(esc.after)}，" if esc.after else "")
                               + f"已报{RECIPIENT_ZH.get(esc.to, esc.to)}"))
    order = {"warning": 0, "overdue": 1, "escalation": 2}
    return sorted(found, key=lambda t: (t.at, order[t.kind], t.key))


def next_check(found: Sequence[Threshold], now: datetime) -> datetime | None:
    """The first threshold still ahead of ``now``, or None when all have passed."""
    ahead = [t.at for t in found if t.at > now]
    return min(ahead) if ahead else None


def paused_union(record: ClockRecord, now: datetime) -> list[tuple[datetime, datetime]]:
    """The pauses merged where they overlap (two causes at once pause the clock once)."""
    merged: list[tuple[datetime, datetime]] = []
    for a, b in sorted(closed_pauses(record, now)):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def paused_total(record: ClockRecord, now: datetime) -> timedelta:
    """Exact time paused so far (open pause counts until now), overlaps counted once."""
    return sum(((b - a) for a, b in paused_union(record, now)), timedelta(0))


# --- what a transition does to a case's clocks ------------------------------------------------

@dataclass(frozen=True)
class ClockAction:
    action: str  # start | stop | pause | resume
    rule: ClockRule


_plans: dict[tuple[str, int, str, str, str], tuple[ClockAction, ...]] = {}


def plan_for(definition: WorkflowDefinition, trigger: str, source: str,
             dest: str) -> tuple[ClockAction, ...]:
    """What a transition does to the case's clocks, worked out once per definition version."""
    key = (definition.key, definition.version, trigger, source, dest)
    plan = _plans.get(key)
    if plan is None:
        actions: list[ClockAction] = []
        for rule in definition.clocks.values():
            if (dest in rule.stop_states and dest != source) or trigger in rule.stop_triggers:
                actions.append(ClockAction("stop", rule))
            if (dest in rule.start_states and dest != source) or trigger in rule.start_triggers:
                actions.append(ClockAction("start", rule))
            if dest in rule.paused_in and source not in rule.paused_in:
                actions.append(ClockAction("pause", rule))
            elif source in rule.paused_in and dest not in rule.paused_in:
                actions.append(ClockAction("resume", rule))
        started = {a.rule.name for a in actions if a.action == "start"}
        for rule in definition.clocks.values():  # after the periods they run from
            if rule.start_after and started & set(rule.start_after):
                actions.append(ClockAction("start", rule))
        plan = _plans[key] = tuple(actions)
    return plan


# A settlement instalment's clock: its period is the time to the agreed date (stored on the
# clock); the rule gives it the usual warning, alert and escalation.
INSTALMENT_RULE = ClockRule(
    name="instalment", title_zh="调解协议分期履行期限", title_en="Settlement instalment due",
    period=Period(1, "days"), source="调解协议约定的履行期限",
    warn_before=(Period(3, "days"),), alert=("assignee",),
    escalate=(EscalationRule(None, "supervisor"),),
)
