"""Service layer for legal clocks: started and stopped by the workflow, paused, resumed and
extended by people, each change audited on the case with who, when and why.

Workflow-driven changes run inside ``cases.fire`` (same transaction as the state change);
the functions here that take a unit of work are their own transactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as _field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseflow.adapters.calendar_store import current_calendar
from caseflow.adapters.orm import (
    Agency,
    Case,
    Clock,
    ClockExtension,
    ClockSegment,
    ExtensionRequest,
    OverrideRequest,
    User,
)
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.audit import AuditEntry
from caseflow.domain.calendar import TZ, WorkCalendar
from caseflow.domain.clocks import (
    INSTALMENT_RULE,
    ClockAction,
    ClockRecord,
    due_of,
    paused_total,
    thresholds,
)
from caseflow.domain.definitions import (
    OPEN_ENDED_MAX,
    ClockRule,
    ExtensionRule,
    TransitionDef,
    WorkflowDefinition,
)
from caseflow.domain.errors import (
    N_,
    ConflictError,
    InvalidTrigger,
    NotFound,
    PeriodNotMet,
    PermissionDenied,
    ValidationFailed,
)
from caseflow.domain.events import CalendarChanged
from caseflow.domain.explanations import (
    Explanation,
    ExtensionFact,
    PauseFact,
    explain,
    explain_titles,
)
from caseflow.domain.limits import (
    LIST_MAX,
    check_day,
    check_name,
    check_note,
    check_reason,
    check_text,
)
from caseflow.domain.moments import aware, naive_utc
from caseflow.domain.periods import DueDate, Period, day_start, period_zh
from caseflow.domain.requirements import (
    DEFAULT_OFFICE_CLOSE,
    ClockFacts,
    Excepted,
    Override,
    PeriodRequirement,
    Refusal,
    check,
)
from caseflow.domain.said import Said
from caseflow.domain.vocabulary import OPEN_CLOCK_STATUSES
from caseflow.services.access import (
    assignees_of,
    refuse_outsider,
    require_approver,
    user_and_case,
)
from caseflow.services.audit import append_entry, append_event
from caseflow.services.unit_of_work import UnitOfWork

OPEN = OPEN_CLOCK_STATUSES


def record_of(clock: Clock) -> ClockRecord:
    return ClockRecord(
        started_at=aware(clock.started_at),
        pauses=tuple((aware(s.started_at), aware(s.ended_at) if s.ended_at else None)
                     for s in clock.segments),
        extensions=tuple(Period.parse(e.period) for e in clock.extensions),
    )


def refresh(clock: Clock, rule: ClockRule, calendar: WorkCalendar, now: datetime) -> DueDate:
    """Derive the due date and the next check time from the clock's record; store both."""
    record = record_of(clock)
    due = due_of(Period.parse(clock.period), record, calendar, aware(now))
    clock.due_at = naive_utc(due.due)
    if clock.expired_at is not None and clock.due_at > now and clock.status != "stopped":
        clock.expired_at = None  # moved past now again (recomputed): it can expire anew
    clock.due_last_day = due.last_day
    clock.provisional = due.provisional
    clock.calendar_version = due.calendar_version
    if clock.status == "running":
        # the earliest threshold, even if passed: the sweep raises whatever is due and not yet
        # raised (idempotently) and moves next_check_at on to the first one still ahead
        found = thresholds(rule, due, record.started_at, calendar)
        clock.next_check_at = naive_utc(found[0].at) if found else None
    else:
        clock.next_check_at = None
    return due


def due_payload(clock: Clock, due: DueDate) -> dict[str, Any]:
    return {
        "clock": clock.name, "period": clock.period, "due": due.due.isoformat(),
        "last_day": due.last_day.isoformat(), "provisional": due.provisional,
        "calendar_version": due.calendar_version,
    }


def start_clock(session: Session, case_id: int, rule: ClockRule, *, rule_version: int,
                now: datetime, calendar: WorkCalendar, period: Period | None = None,
                handoff_id: int | None = None) -> tuple[Clock, AuditEntry]:
    """Start a clock outside the workflow's own start rules (handoffs, instalments)."""
    clock = Clock(case_id=case_id, name=rule.name, rule_version=rule_version,
                  period=str(period or rule.period), status="running", started_at=now,
                  target=rule.target, handoff_id=handoff_id,
                  start_basis="handoff" if handoff_id else "agreed")
    clock.segments, clock.extensions = [], []
    session.add(clock)
    due = refresh(clock, rule, calendar, now)
    return clock, AuditEntry("clock_started", {
        **due_payload(clock, due), "source": rule.source, "title": rule.title_zh})


def stop_clock(clock: Clock, rule: ClockRule, calendar: WorkCalendar, now: datetime,
               why: str) -> AuditEntry:
    """Stop a clock (a handoff decided, an instalment paid); returns its audit entry."""
    return _stop(clock, rule, calendar, now, why)


def rule_for(session: Session, case: Case | Any, clock: Clock) -> ClockRule:
    if clock.name.startswith("instalment."):
        return INSTALMENT_RULE
    definition = REGISTRY.definition(session, case.workflow_key, clock.rule_version)
    rule = definition.clocks.get(clock.name)
    if rule is None:
        raise NotFound(f"workflow {case.workflow_key} v{clock.rule_version} has no clock "
                       f"{clock.name!r}")
    return rule


def _recorded(name: str, value: Any, now: datetime, what: str) -> datetime:
    """A date or datetime a step records, as naive UTC; a date is 00:00 of that day (the day
    itself is then the first one not counted). The future is refused."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed(f"{name}: {value!r} is not a date", field=name) from None
    if moment.tzinfo is None and len(str(value)) <= 10:  # a date: the day itself is not counted
        moment = day_start(moment.date())
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=TZ)
    at = naive_utc(moment)
    if at > now:
        raise ValidationFailed(f"{name}: {value} is in the future; {what} cannot be then",
                               field=name)
    return at


def _start_time(rule: ClockRule, payload: dict[str, Any] | None, now: datetime) -> datetime:
    """When the period began: the legal date the step records (``start.from``), else now."""
    if not rule.start_from or not payload or not payload.get(rule.start_from):
        return now
    return _recorded(rule.start_from, payload[rule.start_from], now,
                     f"the period {rule.name!r} start")


def _legal_moment(fields: tuple[str, ...], payload: dict[str, Any] | None, now: datetime,
                  what: str) -> tuple[datetime, str | None]:
    """The first of ``fields`` the step records, as the moment a pause begins or ends; else
    now (the step is keyed in as it happens)."""
    for name in fields:
        if payload and payload.get(name):
            return _recorded(name, payload[name], now, what), name
    return now, None


def _chained_start(open_clocks: list[Clock], rule: ClockRule) -> datetime | None:
    """A clock that runs from the end of other periods (``start: {after: [...]}``) starts on
    the latest last day among them (that day not counted: counting begins the day after)."""
    ends = [c.due_last_day for c in open_clocks if c.name in rule.start_after]
    if not ends:
        return None
    return naive_utc(day_start(max(ends)))


def follow_chains(session: Session, case: Any, definition: WorkflowDefinition,
                  calendar: WorkCalendar, now: datetime) -> list[AuditEntry]:
    """Move the start of every open chained clock of the case to where its predecessors now
    end (an extension, a pause or a recomputed calendar moved them); audit each move."""
    chained = [r for r in definition.clocks.values() if r.start_after]
    if not chained:
        return []
    clocks = list(session.scalars(select(Clock).where(Clock.case_id == case.id)
                                  .order_by(Clock.id)))
    events = []
    for rule in chained:
        clock = next((c for c in reversed(clocks) if c.name == rule.name
                      and c.status in OPEN), None)
        if clock is None:
            continue
        start = _chained_start([c for c in clocks if c.id != clock.id], rule)
        if start is None or start == clock.started_at:
            continue
        before = aware(clock.due_at).isoformat()
        clock.started_at = start
        due = refresh(clock, rule, calendar, now)
        events.append(AuditEntry("clock_recomputed", {
            **due_payload(clock, due), "previous_due": before,
            "started_at": aware(start).isoformat(), "started_after": list(rule.start_after)},
            reason="the periods it runs after now end later or earlier"))
    return events


def apply_transition(
    session: Session, case: Any, definition: WorkflowDefinition, actions: tuple[ClockAction, ...],
    *, closes: bool, now: datetime, calendar: WorkCalendar,
    payload: dict[str, Any] | None = None, start_basis: str = "keyed",
) -> list[AuditEntry]:
    """Apply a transition's clock actions; returns the audit entries to chain after it."""
    events: list[AuditEntry] = []
    open_clocks = list(session.scalars(
        select(Clock).where(Clock.case_id == case.id, Clock.status.in_(OPEN)).order_by(Clock.id)))

    def current(name: str) -> Clock | None:
        return next((c for c in reversed(open_clocks) if c.name == name), None)

    for act in actions:
        rule, clock = act.rule, current(act.rule.name)
        if act.action == "stop" and clock is not None:
            events.append(_stop(clock, rule, calendar, now, "step reached"))
            open_clocks.remove(clock)
        elif act.action == "start" and clock is None:
            if rule.start_after:
                started = _chained_start(open_clocks, rule) or now
                basis = "after:" + ",".join(rule.start_after)
            else:
                started = _start_time(rule, payload, now)
                basis = (f"field:{rule.start_from}" if started != now and rule.start_from
                         else start_basis)
            clock = Clock(case_id=case.id, name=rule.name, rule_version=definition.version,
                          period=str(rule.period), status="running", started_at=started,
                          target=rule.target, start_basis=basis, party=rule.party)
            session.add(clock)
            clock.segments, clock.extensions = [], []
            due = refresh(clock, rule, calendar, now)
            open_clocks.append(clock)
            events.append(AuditEntry("clock_started", {
                **due_payload(clock, due), "source": rule.source, "title": rule.title_zh,
                "started_at": aware(started).isoformat(), "basis": basis,
                **({"started_from": rule.start_from} if basis.startswith("field:") else {})}))
        elif act.action == "pause" and clock is not None:
            at, field = _legal_moment(rule.pause_from, payload, now, f"the pause of {rule.name!r}")
            at = max(at, clock.started_at)
            events.append(_pause(clock, rule, calendar, now, f"state:{case.status}", "system",
                                 at=at, recorded_as=field))
        elif act.action == "resume" and clock is not None and clock.status == "paused":
            at, field = _legal_moment(rule.resume_from, payload, now,
                                      f"the end of the pause of {rule.name!r}")
            spec = _resume(clock, rule, calendar, now, lambda seg: seg.reason.startswith("state:"),
                           at=at, recorded_as=field)
            if spec:
                events.append(spec)
    if closes:
        for clock in list(open_clocks):  # every open clock, however many share a name
            rule = rule_for(session, case, clock)
            events.append(_stop(clock, rule, calendar, now, "case closed"))
    elif any(a.action in ("pause", "resume") for a in actions):
        events.extend(follow_chains(session, case, definition, calendar, now))
    return events


def _stop(clock: Clock, rule: ClockRule, calendar: WorkCalendar, now: datetime,
          why: str) -> AuditEntry:
    if clock.status == "paused":
        for seg in clock.segments:
            if seg.ended_at is None:
                seg.ended_at = now
    clock.status = "stopped"
    clock.stopped_at = now
    due = refresh(clock, rule, calendar, now)
    on_time = clock.stopped_at <= clock.due_at
    return AuditEntry("clock_stopped", {
        **due_payload(clock, due), "stopped_at": aware(now).isoformat(), "on_time": on_time},
        reason=why)


def _cause(reason: str) -> str:
    """The cause a pause segment stands for: ``state:<state>`` or the legal reason's code."""
    return reason if reason.startswith("state:") else reason.split(":", 1)[0].strip()


def _pause(clock: Clock, rule: ClockRule, calendar: WorkCalendar, now: datetime, reason: str,
           actor: str, *, at: datetime | None = None,
           recorded_as: str | None = None) -> AuditEntry:
    """Open a pause segment for one cause from ``at`` (the legal date the step records, else
    now); the clock stays paused while any cause is open (overlapping causes count once)."""
    begin = at or now
    clock.segments.append(ClockSegment(kind="paused", started_at=begin, reason=reason,
                                       actor=actor))
    clock.status = "paused"
    due = refresh(clock, rule, calendar, now)
    return AuditEntry("clock_paused",
                      {**due_payload(clock, due), "paused_at": aware(begin).isoformat(),
                       **({"recorded_as": recorded_as} if recorded_as else {})},
                      reason=reason)


def _resume(clock: Clock, rule: ClockRule, calendar: WorkCalendar, now: datetime,
            which: Any, *, at: datetime | None = None,
            recorded_as: str | None = None) -> AuditEntry | None:
    """Close the open pause segments ``which`` selects at ``at`` (the legal date the step
    records, else now); the clock runs again only when no other cause still holds it."""
    closing = [seg for seg in clock.segments if seg.ended_at is None and which(seg)]
    if not closing:
        return None
    end = at or now
    began = min(s.started_at for s in closing)
    if end < began:
        field = recorded_as or "date"
        raise ValidationFailed(
            f"{field}: {aware(end):%Y-%m-%d} is before the pause of {clock.name!r} began "
            f"({aware(began):%Y-%m-%d})", field=field)
    for seg in closing:
        seg.ended_at = end
    still = [seg.reason for seg in clock.segments if seg.ended_at is None]
    clock.status = "paused" if still else "running"
    due = refresh(clock, rule, calendar, now)
    return AuditEntry("clock_resumed", {
        **due_payload(clock, due), "paused_from": aware(began).isoformat(),
        "paused_until": aware(end).isoformat(), "still_paused_for": still,
        **({"recorded_as": recorded_as} if recorded_as else {})})


# --- periods that decide whether a step may be taken -------------------------------------------

def period_facts(session: Session, case: Any, calendar: WorkCalendar,
                 now: datetime) -> list[ClockFacts]:
    """Every clock of the case as the period rules read it, due dates counted as of now."""
    facts = []
    for clock in session.scalars(select(Clock).where(Clock.case_id == case.id)
                                 .order_by(Clock.id)):
        rule = rule_for(session, case, clock)
        if clock.status in OPEN:
            due = due_of(Period.parse(clock.period), record_of(clock), calendar, aware(now))
            due_at, last_day, provisional = due.due, due.last_day, due.provisional
        else:
            due_at, last_day, provisional = aware(clock.due_at), clock.due_last_day, \
                clock.provisional
        facts.append(ClockFacts(clock.name, rule.title_zh, rule.title_en, rule.source,
                                clock.status, aware(clock.started_at), due_at, last_day,
                                provisional,
                                aware(clock.stopped_at) if clock.stopped_at else None,
                                chained=bool(rule.start_after)))
    return facts


def period_verdict(uow: UnitOfWork, case_id: int, transition: TransitionDef,
                   payload: Mapping[str, Any], *, actor_id: int, roles: frozenset[str],
                   override: str | None, granted: OverrideRequest | None = None
                   ) -> tuple[list[Refusal], list[Excepted]]:
    """Judge a step against the periods it requires, as of the unit of work's time; with
    ``granted``, as its approver would (they held the override's role and were checked
    against the case's assignees and the request's author when they approved it)."""
    case, facts, close = _period_inputs(uow, case_id)
    asking = None
    if override is not None:  # never the assignee, nor one who was: reassigning first is no way
        username = uow.session.scalar(select(User.username).where(User.id == actor_id))
        asking = Override(override, roles, username in assignees_of(uow.session, case.id))
    elif granted is not None:
        asking = Override(f"{granted.reason}（{granted.decided_by} 批准 / approved by "
                          f"{granted.decided_by}, request #{granted.id}）",
                          roles | {e.role for r in transition.requires for e in r.unless
                                   if e.kind == "override" and e.role}, False)
    return check(transition.requires, facts, payload, now=aware(uow.now()),
                 office_close=close, override=asking)


def judge_each(uow: UnitOfWork, case_id: int,
               requirements: Sequence[PeriodRequirement]) -> list[list[Refusal]]:
    """Each requirement judged on its own as of now, on one read of the case's clocks (the
    list of triggers a user may fire shows every period of every step)."""
    if not requirements:
        return []
    _, facts, close = _period_inputs(uow, case_id)
    now = aware(uow.now())
    return [check((req,), facts, {}, now=now, office_close=close)[0] for req in requirements]


def _period_inputs(uow: UnitOfWork, case_id: int) -> tuple[Case, list[ClockFacts], time]:
    case = uow.session.get(Case, case_id)
    closes = uow.session.scalar(select(Agency.office_closes_at)
                                .where(Agency.id == case.agency_id))
    facts = period_facts(uow.session, case, current_calendar(uow.connection), uow.now())
    return case, facts, _office_time(closes)


def _office_time(text: str | None) -> time:
    """The agency's close of office hours; the usual 17:00 when none (or a bad one) is stored,
    so a counter deadline never silently runs to midnight."""
    try:
        return time.fromisoformat(text) if text else DEFAULT_OFFICE_CLOSE
    except ValueError:
        return DEFAULT_OFFICE_CLOSE


def check_periods(uow: UnitOfWork, case_id: int, transition: TransitionDef,
                  payload: Mapping[str, Any], *, actor_id: int, roles: frozenset[str],
                  override: str | None) -> list[AuditEntry]:
    """Refuse the step if a period it requires is not met (PeriodNotMet, nothing written);
    otherwise return the audit entries for every exception that let it through."""
    if override is not None and not any(
            e.kind == "override" for r in transition.requires for e in r.unless):
        raise ValidationFailed(f"override: no period of {transition.trigger!r} may be "
                               "overridden", field="override")
    if override is not None and not override.strip():
        raise ValidationFailed("override: an override needs a reason", field="override")
    now = uow.now()
    for req in transition.requires:  # a step is judged on its legal date: not a future one
        if req.on and payload.get(req.on):
            _recorded(req.on, payload[req.on], now, "the step")
    refusals, excepted = period_verdict(uow, case_id, transition, payload, actor_id=actor_id,
                                        roles=roles, override=override)
    granted = None
    if refusals and override is None:  # a supervisor may have approved an officer's request
        granted = approved_override(uow, case_id, transition.trigger)
        if granted is not None:
            refusals, excepted = period_verdict(uow, case_id, transition, payload,
                                                actor_id=actor_id, roles=roles, override=None,
                                                granted=granted)
    if refusals:
        raise PeriodNotMet(transition.trigger, [r.message for r in refusals],
                           [r.clock for r in refusals])
    if override is not None and not any(e.exception.kind == "override" for e in excepted):
        raise ValidationFailed(f"override: the periods of {transition.trigger!r} are met; "
                               "there is nothing to override", field="override")
    used = granted is not None and any(e.exception.kind == "override" for e in excepted)
    if used:
        granted.status, granted.used_at = "used", now
    return [AuditEntry("period_excepted", {
        **e.payload(), **({"approved_by": granted.decided_by, "request": granted.id}
                          if used and e.exception.kind == "override" else {})},
        reason=e.detail if e.exception.kind == "override" else None) for e in excepted]


def approved_override(uow: UnitOfWork, case_id: int, trigger: str) -> OverrideRequest | None:
    """The approved, unused override request of ``trigger`` asked in the case's present
    state (``services.override_requests``), if any."""
    case = uow.session.get(Case, case_id)
    return uow.session.scalar(select(OverrideRequest).where(
        OverrideRequest.case_id == case_id, OverrideRequest.trigger == trigger,
        OverrideRequest.state == case.status, OverrideRequest.status == "approved"))


# --- people acting on clocks ------------------------------------------------------------------

def open_clock(uow: UnitOfWork, case_id: int, name: str, actor: str) -> tuple[Case, Clock, Any]:
    """The case's running or paused clock ``name`` and the acting user of its own agency."""
    user, case = user_and_case(uow, actor, case_id)
    if user.agency_id != case.agency_id:
        refuse_outsider(uow.session, actor, user.agency_id, case.id, case.number)
    clock = uow.session.scalar(
        select(Clock).where(Clock.case_id == case.id, Clock.name == name)
        .order_by(Clock.id.desc()).limit(1))
    if clock is None:
        raise NotFound(f"case {case.number} has no clock {name!r}")
    if clock.status == "stopped":
        raise ValidationFailed(f"clock {name!r} of case {case.number} has stopped", field="clock")
    return case, clock, user


def _may_pause(uow: UnitOfWork, case: Case, user: Any) -> None:
    """A manual pause or resume records a legal fact on the case: only a role the workflow
    declares for it (``approvals: pause``; officer or supervisor unless it says otherwise),
    never an admin by that role alone."""
    definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
    problem = definition.approval("pause").role_refusal(user.username, user.roles)
    if problem is not None:
        raise PermissionDenied(problem)


def record_entry(uow: UnitOfWork, case: Case, spec: AuditEntry, actor: str) -> None:
    """Append a clock's event to the case's chain, by the actor, on the unit's channel."""
    append_entry(uow.session, case, spec, actor=actor, channel=uow.channel, at=uow.now())


def _legal_day(on: date | None, now: datetime, what: str) -> datetime | None:
    """00:00 of the legal date a person gives for a pause's beginning or end."""
    if on is None:
        return None
    if not isinstance(on, date) or isinstance(on, datetime):
        raise ValidationFailed(f"on: {on!r} is not a date", field="on")
    check_day(on, "on", aware(now).date())  # a legal date: not ahead, not absurdly old
    at = naive_utc(day_start(on))
    if at > now:
        raise ValidationFailed(f"on: {on.isoformat()} is in the future; {what} cannot be then",
                               field="on")
    return at


def check_version(case: Case, expected_version: int | None) -> None:
    """Refuse a write made against another version of the case (the API's If-Match)."""
    if expected_version is not None and expected_version != case.version:
        raise ConflictError(f"case {case.number} is at version {case.version}, "
                            f"not {expected_version}; reload and retry")


def pause_clock(uow: UnitOfWork, case_id: int, name: str, *, actor: str, reason: str,
                note: str | None = None, on: date | None = None,
                expected_version: int | None = None) -> ClockView:
    """Stop counting while the law says time is not counted (testing, appraisal …), from the
    legal date ``on`` the cause began (the appraisal commissioned), else from now."""
    check_note(note)
    with uow:
        case, clock, user = open_clock(uow, case_id, name, actor)
        _may_pause(uow, case, user)
        check_version(case, expected_version)
        rule = rule_for(uow.session, case, clock)
        if not rule.pausable:
            raise ValidationFailed(f"clock {name!r} cannot be paused: the law excludes no time "
                                   "from it", field="clock")
        if reason not in rule.pause_reasons:
            raise ValidationFailed(f"reason: {reason!r} is not one of "
                                   f"{', '.join(rule.pause_reasons)}", field="reason")
        if any(seg.ended_at is None and _cause(seg.reason) == reason for seg in clock.segments):
            raise InvalidTrigger(f"clock {name!r} is already paused for {reason}",
                                 field="reason")
        now = uow.now()
        calendar = current_calendar(uow.connection)
        at = _legal_day(on, now, "the pause")
        if at is not None and at < clock.started_at:
            raise ValidationFailed(f"on: {on} is before the clock started "
                                   f"({aware(clock.started_at):%Y-%m-%d})", field="on")
        spec = _pause(clock, rule, calendar, now, reason if not note else f"{reason}: {note}",
                      actor, at=at, recorded_as="on" if at else None)
        record_entry(uow, case, spec, actor)
        _follow(uow, case, calendar, now, actor)
        uow.commit()
        return replace(clock_view(clock, rule, now, current_calendar(uow.connection),
                                  titles=case_titles(uow.session, case)),
                       case_version=case.version)


def _follow(uow: UnitOfWork, case: Case, calendar: WorkCalendar, now: datetime,
            actor: str) -> None:
    definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
    for spec in follow_chains(uow.session, case, definition, calendar, now):
        record_entry(uow, case, spec, actor)


def resume_clock(uow: UnitOfWork, case_id: int, name: str, *, actor: str,
                 note: str | None = None, on: date | None = None,
                 expected_version: int | None = None) -> ClockView:
    """Count again from the legal date ``on`` the cause ended (the result received), else
    from now; a pause from day A to day B excludes A..B−1."""
    check_note(note)
    with uow:
        case, clock, user = open_clock(uow, case_id, name, actor)
        _may_pause(uow, case, user)
        check_version(case, expected_version)
        rule = rule_for(uow.session, case, clock)
        if clock.status != "paused":
            raise InvalidTrigger(f"clock {name!r} is not paused", field="clock")
        now = uow.now()
        calendar = current_calendar(uow.connection)
        spec = _resume(clock, rule, calendar, now,
                       lambda seg: not seg.reason.startswith("state:"),
                       at=_legal_day(on, now, "the end of the pause"),
                       recorded_as="on" if on else None)
        if spec is None:
            state = next((seg.reason[6:] for seg in clock.segments if seg.ended_at is None),
                         None)
            if state is None:  # resumed by another writer between reading clock and pauses
                raise ConflictError(f"clock {name!r} was changed by someone else; reload "
                                    "and retry")
            raise ValidationFailed(f"clock {name!r} is paused while the case is in {state!r}; "
                                   "it resumes when the case moves on", field="clock")
        record_entry(uow, case, replace(spec, reason=note), actor)
        _follow(uow, case, calendar, now, actor)
        uow.commit()
        return replace(clock_view(clock, rule, now, current_calendar(uow.connection),
                                  titles=case_titles(uow.session, case)),
                       case_version=case.version)


def _collective(ext: ExtensionRule, decided_on: date | None, participants: Sequence[str],
                started: date, today: date) -> tuple[dict[str, Any] | None, str | None]:
    """The record of a collective decision (集体讨论决定), or why it is not enough."""
    seen: dict[str, str] = {}
    for p in participants:  # the same head written twice (or in other case) counts once
        if p and p.strip():
            seen.setdefault(" ".join(p.split()).casefold(), " ".join(p.split()))
    names = list(seen.values())
    if not ext.collective:
        return None, ("the date and participants of a collective decision are recorded only "
                      "for an extension the heads decide collectively; the next extension of "
                      f"this clock is {ext.by or 'open-ended'} by a {ext.approver}, which "
                      "comes first") if (decided_on or names) else None
    if decided_on is None or len(names) < ext.min_participants:
        return None, (f"this extension is decided collectively by the heads ({ext.note or '集体讨论'}"
                      f"): record the date of the decision and at least {ext.min_participants} "
                      f"participants (got {len(names)})")
    if decided_on > today:
        return None, f"decided_on: {decided_on.isoformat()} is in the future"
    if decided_on < started:
        return None, (f"decided_on: {decided_on.isoformat()} is before the clock started or "
                      f"its previous extension was approved ({started.isoformat()})")
    return {"decided_on": decided_on.isoformat(), "participants": names}, None


def parse_by(by: str | None) -> Period | None:
    """The length a person asks for or grants (``by``), checked."""
    if by is None:
        return None
    check_text(str(by), "by", limit=100, multiline=False)
    try:
        return Period.parse(by)
    except ValueError as exc:
        raise ValidationFailed(f"by: {exc}", field="by") from None


def check_participants(participants: Sequence[str]) -> None:
    """The heads taking a collective decision: a bounded list of names."""
    if len(participants) > LIST_MAX:
        raise ValidationFailed(f"participants: at most {LIST_MAX}, got {len(participants)}",
                               field="participants")
    for i, person in enumerate(participants):
        check_name(str(person), f"participants[{i}]")


def next_extension(clock: Clock, rule: ClockRule) -> tuple[int, ExtensionRule]:
    """The extension the clock's rule allows next, by its index; refused when none is left.

    The rule's extensions are successive ("经延期仍不能…"): the next one is the first not yet
    used up, and a later one only once it is."""
    name = clock.name
    if not rule.extensions:
        raise ValidationFailed(N_("clock %(clock)s cannot be extended"), field="clock",
                               params={"clock": repr(name)})
    used = [e.rule_index for e in clock.extensions]
    pending = [(i, e) for i, e in enumerate(rule.extensions) if used.count(i) < e.max_times]
    if not pending:
        raise ValidationFailed(N_("clock %(clock)s: no extension is left"), field="by",
                               params={"clock": repr(name)})
    return pending[0]


def extension_amount(clock: Clock, ext: ExtensionRule, wanted: Period | None) -> Period:
    """How much the extension adds: the rule's, or less when asked; an open-ended rule's
    length must be given (at most a year)."""
    if ext.by is None:
        if wanted is None:
            raise ValidationFailed(N_("by: an open-ended extension needs its length"), field="by")
        longest = OPEN_ENDED_MAX[wanted.unit]
        if wanted.amount > longest:
            raise ValidationFailed(f"by: {wanted} is too long for an open-ended "
                                   f"extension: at most one year ({longest} "
                                   f"{wanted.unit})", field="by")
        return wanted
    if wanted is None:
        return ext.by
    if wanted.unit == ext.by.unit and 0 < wanted.amount <= ext.by.amount:
        return wanted
    raise ValidationFailed(N_("clock %(clock)s: by: at most %(most)s for this extension"),
                           field="by", params={"clock": repr(clock.name),
                                               "most": Said.both(str(ext.by), period_zh(ext.by))})


def check_not_run_out(clock: Clock, now: datetime) -> None:
    """An extension is approved before the period ends, never after."""
    if clock.due_at <= now:
        raise ValidationFailed(
            N_("clock %(clock)s ran out at %(at)s; an extension must be approved before the "
               "period ends"), field="clock",
            params={"clock": repr(clock.name), "at": f"{aware(clock.due_at):%Y-%m-%d %H:%M}"})


def extend_clock(uow: UnitOfWork, case_id: int, name: str, *, actor: str, reason: str,
                 by: str | None = None, decided_on: date | None = None,
                 participants: Sequence[str] = (),
                 expected_version: int | None = None) -> ClockView:
    """Extend with approval, as the rule allows: who approves, by how much, how many times;
    a collective decision also records its date and participants."""
    check_reason(reason)
    wanted = parse_by(by)
    check_participants(participants)
    with uow:
        case, clock, user = open_clock(uow, case_id, name, actor)
        rule = rule_for(uow.session, case, clock)
        grant_extension(uow, case, clock, user, rule, reason=reason, wanted=wanted,
                        decided_on=decided_on, participants=participants,
                        expected_version=expected_version)
        uow.commit()
        return replace(clock_view(clock, rule, uow.now(), current_calendar(uow.connection),
                                  titles=case_titles(uow.session, case)),
                       case_version=case.version)


def grant_extension(uow: UnitOfWork, case: Case, clock: Clock, user: Any, rule: ClockRule, *,
                    reason: str, wanted: Period | None, decided_on: date | None = None,
                    participants: Sequence[str] = (), expected_version: int | None = None,
                    requesters: Sequence[str] = ()) -> ClockExtension:
    """Approve the clock's next extension inside the caller's unit of work (no commit): the
    approver's role is the rule's, never the case's assignee (now or earlier) nor whoever
    asked for it (``requesters``, and the clock's pending request's author)."""
    check_participants(participants)
    if not reason or not reason.strip():
        raise ValidationFailed(N_("an extension requires a reason"), field="reason")
    index, ext = next_extension(clock, rule)
    if ext.approver not in user.roles:
        raise PermissionDenied(N_("extension needs a %(approver)s's approval"),
                               params={"approver": ext.approver})
    asked = uow.session.scalar(select(ExtensionRequest).where(
        ExtensionRequest.clock_id == clock.id, ExtensionRequest.status == "pending"))
    if not ext.recorded:  # an approval, not the record of someone else's decision
        definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
        require_approver(uow.session, definition.approval("extension"), case_id=case.id,
                         case_number=case.number, username=user.username, roles=user.roles,
                         requesters=[*requesters, *([asked.requested_by] if asked else [])])
    check_version(case, expected_version)
    now = uow.now()
    after = max([aware(clock.started_at).date(),
                 *(aware(e.approved_at).date() for e in clock.extensions)])
    decision, problem = _collective(ext, decided_on, participants, after, aware(now).date())
    if problem:
        raise ValidationFailed(f"clock {clock.name!r}: {problem}", field="decision")
    amount = extension_amount(clock, ext, wanted)
    check_not_run_out(clock, now)
    before = clock.due_at
    granted = ClockExtension(rule_index=index, period=str(amount), approved_by=user.username,
                             approved_at=now, reason=reason.strip(), decision=decision)
    clock.extensions.append(granted)
    calendar = current_calendar(uow.connection)
    due = refresh(clock, rule, calendar, now)
    record_entry(uow, case, AuditEntry("clock_extended", reason=reason.strip(), payload={
        **due_payload(clock, due), "by": str(amount), "previous_due": aware(before).isoformat(),
        "note": ext.note, **({"collective_decision": decision} if decision else {}),
        **({"request": asked.id} if asked else {})}), user.username)
    _follow(uow, case, calendar, now, user.username)
    if asked is not None:  # the request this answers is answered
        uow.session.flush()
        asked.status, asked.decided_by, asked.decided_at = "approved", user.username, now
        asked.decision_reason, asked.extension_id = reason.strip(), granted.id
    return granted


@dataclass(frozen=True)
class TimelineSpan:
    """A stretch of a clock's life: ``running`` or ``paused``, from … to (None: still open)."""

    kind: str
    from_: str
    to: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "from": self.from_, "to": self.to}


@dataclass(frozen=True)
class TimelineExtension:
    """An approved extension on a clock's timeline."""

    at: str
    by: str
    approved_by: str
    kind: str = "extended"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": self.at, "by": self.by, "approved_by": self.approved_by}


@dataclass(frozen=True)
class ExtensionView:
    """One extension granted on a clock: by how much, who approved it, why."""

    by: str
    approved_by: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"by": self.by, "approved_by": self.approved_by, "reason": self.reason}


@dataclass(frozen=True)
class ClockView:
    """A clock as people read it: due, remaining, paused so far, and its timeline."""

    clock: str
    title_zh: str
    title_en: str
    source: str
    period: str
    status: str
    started_at: str
    due: str
    last_day: str
    provisional: bool
    calendar_version: str
    remaining_seconds: int
    overdue: bool
    paused_seconds: int
    extensions: tuple[ExtensionView, ...]
    target: bool
    timeline: tuple[TimelineSpan | TimelineExtension, ...]
    start_basis: str = "keyed"
    explanation: tuple[Explanation, ...] = ()
    party: bool = False  # the party's own period: ended, never overdue
    # the case's version after a write through this clock (the API's ETag); not shown
    case_version: int | None = _field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "clock": self.clock, "title_zh": self.title_zh, "title_en": self.title_en,
            "source": self.source, "period": self.period, "status": self.status,
            "started_at": self.started_at, "due": self.due, "last_day": self.last_day,
            "provisional": self.provisional, "calendar_version": self.calendar_version,
            "remaining_seconds": self.remaining_seconds, "overdue": self.overdue,
            "paused_seconds": self.paused_seconds,
            "extensions": [e.to_dict() for e in self.extensions],
            "target": self.target, "timeline": [t.to_dict() for t in self.timeline],
            "start_basis": self.start_basis, "party": self.party,
            "explanation": [e.to_dict() for e in self.explanation],
        }


def case_titles(session: Session, case: Case) -> dict[str, tuple[str, str]]:
    """The (zh, en) titles a case's clock explanations name its fields, clocks and states
    by, from the case's workflow definition."""
    return explain_titles(REGISTRY.definition(session, case.workflow_key, case.workflow_version))


def clock_view(clock: Clock, rule: ClockRule, now: datetime, calendar: WorkCalendar,
               states: Mapping[str, str] | None = None,
               titles: Mapping[str, tuple[str, str]] | None = None) -> ClockView:
    """A clock as people read it: due, remaining, paused so far, its timeline and the
    reasoning behind its due date (counted again on ``calendar``, as the stored one was).
    ``titles`` (:func:`case_titles`) lets the reasoning name fields, clocks and states by
    their titles rather than their YAML names."""
    record = record_of(clock)
    end = aware(clock.stopped_at or now)
    due = due_of(Period.parse(clock.period), record, calendar, end)
    explanation = explain(
        rule, period=clock.period, basis=clock.start_basis, started=record.started_at,
        pauses=[PauseFact(aware(s.started_at), aware(s.ended_at) if s.ended_at else None,
                          s.reason) for s in clock.segments],
        extensions=[ExtensionFact(e.period, e.approved_by, aware(e.approved_at), e.reason,
                                  e.decision) for e in clock.extensions],
        due=due, states=states, titles=titles)
    stored = aware(clock.due_at)
    if due.due != stored:  # say why the figure shown differs from today's recount
        why_zh, why_en = (("暂停期间届满日随之顺延", "while paused the due date moves on day by day")
                          if clock.status == "paused" else
                          ("日历已变更，尚待重新计算" if clock.status != "stopped" else
                           "该期限已停止，按停止时的日历计算",
                           "the calendar changed and the clock is to be recounted"
                           if clock.status != "stopped" else
                           "the clock has stopped; its due date stands as counted then"))
        explanation = (*explanation, Explanation(
            "note", f"记录的届满日为 {clock.due_last_day}（日历数据版本 {clock.calendar_version}），"
            f"按现行日历重算为 {due.last_day}：{why_zh}",
            f"the stored due date is {clock.due_last_day} (calendar {clock.calendar_version}); "
            f"recounted now it is {due.last_day}: {why_en}"))
    remaining = aware(clock.due_at) - aware(clock.stopped_at or now)
    timeline: list[TimelineSpan | TimelineExtension] = []
    cursor = record.started_at
    merged: list[tuple[datetime, datetime | None]] = []  # overlapping causes pause once
    for a, b in sorted(record.pauses, key=lambda p: p[0]):
        if merged and (merged[-1][1] is None or a <= merged[-1][1]):
            last_end = merged[-1][1]
            merged[-1] = (merged[-1][0], None if (b is None or last_end is None)
                          else max(last_end, b))
        else:
            merged.append((a, b))
    for a, b in merged:
        timeline.append(TimelineSpan("running", cursor.isoformat(), a.isoformat()))
        timeline.append(TimelineSpan("paused", a.isoformat(), b.isoformat() if b else None))
        cursor = b or a
    if clock.status != "paused":
        end = aware(clock.stopped_at) if clock.stopped_at else None
        timeline.append(TimelineSpan("running", cursor.isoformat(),
                                     end.isoformat() if end else None))
    for ext in clock.extensions:
        timeline.append(TimelineExtension(at=aware(ext.approved_at).isoformat(), by=ext.period,
                                          approved_by=ext.approved_by))
    return ClockView(
        clock=clock.name, title_zh=rule.title_zh, title_en=rule.title_en,
        source=rule.source, period=clock.period, status=clock.status,
        started_at=record.started_at.isoformat(),
        due=aware(clock.due_at).isoformat(), last_day=clock.due_last_day.isoformat(),
        provisional=clock.provisional, calendar_version=clock.calendar_version,
        remaining_seconds=int(remaining.total_seconds()),
        overdue=remaining.total_seconds() < 0 and not rule.party,
        paused_seconds=int(paused_total(record, aware(clock.stopped_at or now)).total_seconds()),
        extensions=tuple(ExtensionView(by=e.period, approved_by=e.approved_by, reason=e.reason)
                         for e in clock.extensions),
        target=clock.target, timeline=tuple(timeline),
        start_basis=clock.start_basis or "keyed", explanation=explanation, party=rule.party,
    )


def recompute_clocks(uow: UnitOfWork, *, actor: str, reason: str,
                     only_provisional: bool = False) -> int:
    """Recompute open clocks on the calendar as stored now; audit each whose due date moved.

    Runs inside the caller's transaction (a calendar load, an override, a migration).
    Returns how many clocks changed.
    """
    calendar = current_calendar(uow.connection)
    now = uow.now()
    query = select(Clock).where(Clock.status.in_(OPEN)).order_by(Clock.case_id, Clock.id)
    if only_provisional:
        query = query.where(Clock.provisional.is_(True))
    changed = 0
    cases: dict[int, Case] = {}
    for clock in uow.session.scalars(query):
        case = cases.get(clock.case_id) or uow.session.get(Case, clock.case_id)
        cases[clock.case_id] = case
        before = (clock.due_at, clock.provisional)
        rule = rule_for(uow.session, case, clock)
        if rule.start_after:  # its predecessors were recomputed first (lower ids)
            start = _chained_start(list(uow.session.scalars(select(Clock).where(
                Clock.case_id == case.id, Clock.name.in_(rule.start_after)))), rule)
            if start is not None:
                clock.started_at = start
        due = refresh(clock, rule, calendar, now)
        if (clock.due_at, clock.provisional) != before:
            changed += 1
            append_event(uow.session, case, "clock_recomputed", actor=actor, channel=uow.channel,
                         at=now, reason=reason, payload={
                             **due_payload(clock, due),
                             "previous_due": aware(before[0]).isoformat(),
                             "previous_provisional": before[1]})
    return changed


def recompute_on_calendar_change(uow: UnitOfWork, event: CalendarChanged) -> int:
    """Handler: the calendar changed, so every open clock is counted again on it."""
    return recompute_clocks(uow, actor=event.actor, reason=event.reason)


def rerule_clocks(uow: UnitOfWork, case: Case, target: WorkflowDefinition, *, actor: str,
                  reason: str) -> None:
    """Put a migrated case's open clocks under the target version's rules (same names)."""
    calendar = current_calendar(uow.connection)
    now = uow.now()
    for clock in uow.session.scalars(select(Clock).where(Clock.case_id == case.id,
                                                         Clock.status.in_(OPEN))):
        if clock.name.startswith("instalment."):
            continue  # a settlement's schedule does not change with the workflow's rules
        rule = target.clocks.get(clock.name)
        if rule is None:
            old = rule_for(uow.session, case, clock)
            spec = _stop(clock, old, calendar, now, f"no such clock in v{target.version}")
        else:
            before = aware(clock.due_at).isoformat()
            clock.rule_version, clock.period, clock.target = target.version, str(rule.period), rule.target
            due = refresh(clock, rule, calendar, now)
            spec = AuditEntry("clock_recomputed", {**due_payload(clock, due),
                                                   "previous_due": before})
        append_entry(uow.session, case, replace(spec, reason=reason), actor=actor,
                     channel=uow.channel, at=now)


_seen_calendar: dict[str, str] = {}


def recompute_stale(uow: UnitOfWork, *, actor: str = "system:calendar") -> int:
    """Recompute open clocks counted on other calendar data than the current (a new
    chinese-calendar release covering next year, an override made on another node).

    Cheap when nothing changed: this process remembers the calendar version it last
    reconciled and only scans when that version moves.
    """
    with uow:
        calendar = current_calendar(uow.connection)
        key = str(uow.connection.engine.url)
        if _seen_calendar.get(key) == calendar.version:
            return 0
        stale = uow.session.scalar(select(Clock.id).where(
            Clock.status.in_(OPEN), Clock.calendar_version != calendar.version).limit(1))
        changed = 0
        if stale is not None:
            changed = recompute_clocks(uow, actor=actor,
                                       reason=f"calendar data now {calendar.version}")
            uow.commit()
        _seen_calendar[key] = calendar.version
        return changed


def close_clocks(uow: UnitOfWork, case: Case, *, actor: str, reason: str) -> None:
    """Stop every open clock of a case that ended outside a transition (a migration)."""
    calendar = current_calendar(uow.connection)
    now = uow.now()
    for clock in list(uow.session.scalars(select(Clock).where(Clock.case_id == case.id,
                                                              Clock.status.in_(OPEN)))):
        spec = _stop(clock, rule_for(uow.session, case, clock), calendar, now, reason)
        append_entry(uow.session, case, replace(spec, reason=reason), actor=actor,
                     channel=uow.channel, at=now)
