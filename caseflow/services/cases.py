"""Service layer for cases: every public function is one transaction.

Adapters (CLI, web, scheduler) call these and translate the result; nothing here knows about
HTTP or the terminal. A refusal raises a specific ``CaseflowError`` before anything is
written, and the unit of work rolls back whatever was staged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from caseflow.adapters.calendar_store import current_calendar
from caseflow.adapters.orm import (
    Agency,
    Case,
    CaseCounter,
    Event,
    IPRight,
    Party,
    User,
    UserRole,
)
from caseflow.adapters.registry import REGISTRY
from caseflow.domain.audit import AuditEntry, next_link
from caseflow.domain.calendar import TZ
from caseflow.domain.clocks import plan_for
from caseflow.domain.commands import FireTrigger, OpenCase, OpenLinkedCase
from caseflow.domain.definitions import TransitionDef, WorkflowDefinition
from caseflow.domain.errors import (
    N_,
    ConflictError,
    InvalidTrigger,
    NotFound,
    PermissionDenied,
    ReasonRequired,
    UnknownCaseType,
    ValidationFailed,
)
from caseflow.domain.events import CaseClosed
from caseflow.domain.guards import GUARDS
from caseflow.domain.limits import (
    STRING_MAX,
    check_day,
    check_name,
    check_payload_size,
    check_reason,
    check_text,
    id_in_range,
)
from caseflow.domain.moments import aware, naive_utc
from caseflow.domain.said import Joined, Said
from caseflow.domain.vocabulary import (
    INDUSTRIES,
    INDUSTRY_TITLES,
    IP_RIGHT_KINDS,
    OPENING_ROLES,
    PARTY_KINDS,
    PARTY_ORIGINS,
    PARTY_ROLES,
    check_choice,
)
from caseflow.services.access import (
    get_user,
    refuse_outsider,
    require_approver,
    require_same_agency,
    user_and_case,
    visible_as,
)
from caseflow.services.audit import append_entry, append_event
from caseflow.services.clocks import apply_transition, check_periods, judge_each
from caseflow.services.guard_facts import guard_context
from caseflow.services.mediation.conflicts import check_mediator_conflict
from caseflow.services.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class CaseView:
    """What a caller gets back: enough to show the case and to send the next write."""

    id: int
    number: str
    case_type: str
    workflow_key: str
    workflow_version: int
    status: str
    version: int
    agency: str
    title: str
    closed: bool
    industry: str | None = None  # one of vocabulary.INDUSTRIES, or not recorded

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FieldOption:
    """One field a trigger's form asks for: enough for a client to render it."""

    name: str
    type: str
    required: bool
    values: tuple[str, ...] = ()
    title_zh: str = ""
    title_en: str = ""


@dataclass(frozen=True)
class PeriodOption:
    """A period the step depends on (``after``: only once it has run out; ``within``: only
    while it runs), whether it is met as of now, and the exceptions the law allows."""

    kind: str
    clocks: tuple[str, ...]
    source: str
    on: str | None
    met: bool
    detail: str
    unless: tuple[str, ...] = ()
    unless_zh: tuple[str, ...] = ()


@dataclass(frozen=True)
class TriggerOption:
    trigger: str
    dest: str
    title_zh: str
    title_en: str
    reason_required: bool
    fields: tuple[FieldOption, ...] = ()
    blocked_by: tuple[str, ...] = ()
    periods: tuple[PeriodOption, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _view(case: Case, definition: WorkflowDefinition) -> CaseView:
    return CaseView(
        id=case.id, number=case.number, case_type=case.case_type,
        workflow_key=case.workflow_key, workflow_version=case.workflow_version,
        status=case.status, version=case.version, agency=case.agency.code, title=case.title,
        closed=case.status in definition.final_states, industry=case.industry,
    )


# --- opening a case ---------------------------------------------------------------------------

def _next_number(uow: UnitOfWork, prefix: str, year: int) -> str:
    """Serial numbers per prefix and year, allocated under the counter row's lock."""
    session = uow.session
    value = session.execute(
        update(CaseCounter)
        .where(CaseCounter.prefix == prefix, CaseCounter.year == year)
        .values(value=CaseCounter.value + 1)
        .returning(CaseCounter.value)
    ).scalar()
    if value is None:
        try:
            with session.begin_nested():
                session.execute(insert(CaseCounter).values(prefix=prefix, year=year, value=1))
            value = 1
        except IntegrityError:
            return _next_number(uow, prefix, year)
    return f"{prefix}-{year}-{value:06d}"


UNKNOWN_INDUSTRY = N_("%(industry)s is not one of the industries %(industries)s")


def check_industry(value: object) -> str | None:
    """``value`` if it is one of ``INDUSTRIES``, ``None`` if not recorded; anything else is
    refused naming the choices (codes for the API, titles on a Chinese page): the dashboard
    counts cases by industry, so a typo must not become an industry of its own."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in INDUSTRIES:
        raise ValidationFailed(UNKNOWN_INDUSTRY, field="industry", prefixed=True, params={
            "industry": repr(value)[:80],
            "industries": Joined(", ", [Said.both(code, INDUSTRY_TITLES[code][0])
                                        for code in INDUSTRIES])})
    return value


def _build_parties(raw: Sequence[Mapping[str, Any]]) -> list[Party]:
    parties = []
    for i, p in enumerate(raw):
        where = f"parties[{i}]"
        if not isinstance(p, Mapping):
            raise ValidationFailed(f"{where}: must be an object", field=where)
        name = p.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValidationFailed(f"{where}.name: is required", field=f"{where}.name")
        unknown = set(p) - {"role", "name", "kind", "origin", "region", "credit_code", "contact"}
        if unknown:
            raise ValidationFailed(f"{where}: unknown field(s) {', '.join(sorted(unknown))}",
                                   field=where)
        check_name(name, f"{where}.name")
        for key in ("region", "credit_code", "contact"):
            if p.get(key) is not None:
                check_text(str(p[key]), f"{where}.{key}", limit=STRING_MAX, multiline=False)
        parties.append(
            Party(
                role=check_choice(p.get("role"), PARTY_ROLES, f"{where}.role"),
                name=name.strip(),
                kind=check_choice(p.get("kind", "enterprise"), PARTY_KINDS, f"{where}.kind"),
                origin=check_choice(p.get("origin", "local"), PARTY_ORIGINS, f"{where}.origin"),
                region=p.get("region"), credit_code=p.get("credit_code"), contact=p.get("contact"),
            )
        )
    return parties


def _resolve_ip_rights(uow: UnitOfWork, raw: Sequence[Mapping[str, Any]]) -> list[IPRight]:
    rights = []
    for i, r in enumerate(raw):
        where = f"ip_rights[{i}]"
        kind = check_choice(r.get("kind"), IP_RIGHT_KINDS, f"{where}.kind")
        number = r.get("number")
        if not isinstance(number, str) or not number.strip():
            raise ValidationFailed(f"{where}.number: is required", field=f"{where}.number")
        check_name(number, f"{where}.number")
        for key in ("title", "holder"):
            if r.get(key) is not None:
                check_text(str(r[key]), f"{where}.{key}", limit=STRING_MAX, multiline=False)
        existing = uow.session.scalar(
            select(IPRight).where(IPRight.kind == kind, IPRight.number == number.strip())
        )
        if existing is None:
            existing = IPRight(kind=kind, number=number.strip(),
                               title=str(r.get("title") or number), holder=r.get("holder"))
            uow.session.add(existing)
        rights.append(existing)
    return rights


def open_case(
    uow: UnitOfWork,
    *,
    actor: str,
    case_type: str,
    title: str,
    received_on: date | None = None,
    parties: Sequence[Mapping[str, Any]] = (),
    ip_rights: Sequence[Mapping[str, Any]] = (),
    data: Mapping[str, Any] | None = None,
    assignee: str | None = None,
    reason: str | None = None,
    industry: str | None = None,
) -> CaseView:
    """Open a case of ``case_type`` in the actor's agency on the version in force on
    ``received_on`` (default today), of ``industry`` (one of ``INDUSTRIES``, or not
    recorded); one transaction."""
    with uow:
        view = open_case_in(uow, OpenCase(
            actor=actor, case_type=case_type, title=title, received_on=received_on,
            parties=parties, ip_rights=ip_rights, data=data, assignee=assignee, reason=reason,
            industry=industry))
        uow.commit()
        return view


def open_case_in(uow: UnitOfWork, command: OpenCase) -> CaseView:
    """Open a case inside a unit of work the caller commits (``open_case`` commits its own;
    a handoff's acceptance opens the linked case in its transaction). ``clock_start`` is when
    the opening clocks start (the handoff's receipt), default the receipt date or now."""
    actor, case_type, title = command.actor, command.case_type, command.title
    received_on, parties, ip_rights = command.received_on, command.parties, command.ip_rights
    data, assignee, reason = command.data, command.assignee, command.reason
    clock_start = command.clock_start
    user = get_user(uow, actor)
    if not (user.roles & OPENING_ROLES):
        raise PermissionDenied(f"user {actor} has no role that may open cases")
    if not isinstance(title, str) or not title.strip():
        raise ValidationFailed("title: is required", field="title")
    check_text(title, "title", limit=STRING_MAX, multiline=False)
    check_reason(reason)
    industry = check_industry(command.industry)
    check_payload_size(dict(data or {}), "data")
    now = uow.now()
    today = aware(now).date()
    received_on = received_on or today
    if not isinstance(received_on, date):
        raise ValidationFailed("received_on: must be a date", field="received_on")
    check_day(received_on, "received_on", today)
    try:
        version = REGISTRY.version_in_force(uow.session, case_type, received_on)
    except NotFound as exc:  # a value the caller chose, not a record they cannot see
        raise UnknownCaseType(exc.message, field="case_type") from None
    definition = REGISTRY.definition(uow.session, case_type, version)
    if user.agency.kind not in definition.agency_kinds:
        raise PermissionDenied(
            f"{definition.title_en} cases are worked by {', '.join(definition.agency_kinds)}, "
            f"not by {user.agency.kind} ({user.agency.code})"
        )
    owner = None
    if assignee is not None:
        owner = _assignee(uow, assignee, user.agency)
        if owner.agency_id != user.agency_id:
            raise ValidationFailed(f"assignee {assignee} is not in {user.agency.code}",
                                   field="assignee")
    case = Case(
        number=_next_number(uow, definition.number_prefix, received_on.year),
        case_type=definition.key, workflow_key=definition.key,
        workflow_version=definition.version, status=definition.initial,
        agency_id=user.agency_id, agency=user.agency, assignee=owner, title=title.strip(),
        received_on=received_on, data=dict(data or {}), created_at=now, industry=industry,
    )
    case.parties = _build_parties(parties)
    case.ip_rights = _resolve_ip_rights(uow, ip_rights)
    uow.session.add(case)
    uow.flush()
    if owner is not None:
        check_mediator_conflict(uow.session, owner, case)
    append_event(
        uow.session, case, "case_opened", actor=actor, channel=uow.channel, at=uow.now(),
        target_state=case.status, reason=reason,
        payload={
            "number": case.number, "workflow": definition.key, "version": definition.version,
            "received_on": received_on.isoformat(), "title": case.title,
            "parties": [{"role": p.role, "name": p.name, "origin": p.origin}
                        for p in case.parties],
            "ip_rights": [{"kind": r.kind, "number": r.number} for r in case.ip_rights],
            "assignee": assignee,
            "industry": industry,
        },
    )
    # clocks that run from receipt (e.g. 15 working days to decide on filing) start at
    # the receipt date, which may be earlier than the day the case is keyed in
    opening = plan_for(definition, "", "", definition.initial)
    if opening:
        started = clock_start or (now if received_on >= today else naive_utc(
            datetime.combine(received_on, time(9), TZ)))
        for spec in apply_transition(uow.session, case, definition, opening, closes=False,
                                     now=started, calendar=current_calendar(uow.connection),
                                     start_basis="handoff" if clock_start else "received_on"):
            append_entry(uow.session, case, spec, actor=actor, channel=uow.channel, at=now)
    uow.flush()
    return _view(case, definition)


# --- firing triggers --------------------------------------------------------------------------

@dataclass
class _CaseRow:
    """The columns a transition reads and writes; also the model the shared Machine moves."""

    id: int
    number: str
    case_type: str
    workflow_key: str
    workflow_version: int
    status: str
    version: int
    agency_id: int
    agency_code: str
    title: str
    data: dict[str, Any]
    audit_seq: int
    audit_head: str
    industry: str | None = None  # read only to answer with it


@dataclass(frozen=True)
class _Actor:
    id: int
    username: str
    agency_id: int
    agency_code: str
    roles: frozenset[str]


_CASES = Case.__table__
_CASE_ROW = (
    select(_CASES.c.id, _CASES.c.number, _CASES.c.case_type, _CASES.c.workflow_key,
           _CASES.c.workflow_version, _CASES.c.status, _CASES.c.version, _CASES.c.agency_id,
           Agency.__table__.c.code, _CASES.c.title, _CASES.c.data, _CASES.c.audit_seq,
           _CASES.c.audit_head, _CASES.c.industry)
    .join(Agency.__table__, Agency.__table__.c.id == _CASES.c.agency_id)
    .where(_CASES.c.id == bindparam("case_id"))
)
_ACTOR_AGENCY = Agency.__table__.alias("actor_agency")
_CASE_AND_ACTOR = (
    _CASE_ROW.add_columns(User.__table__.c.id.label("actor_id"),
                          User.__table__.c.agency_id.label("actor_agency_id"),
                          _ACTOR_AGENCY.c.code.label("actor_agency_code"),
                          User.__table__.c.active, UserRole.__table__.c.role)
    .join(User.__table__, User.__table__.c.username == bindparam("username"))
    .join(_ACTOR_AGENCY, _ACTOR_AGENCY.c.id == User.__table__.c.agency_id)
    .outerjoin(UserRole.__table__, UserRole.__table__.c.user_id == User.__table__.c.id)
)
_ACTOR_ROWS = (
    select(User.__table__.c.id, User.__table__.c.agency_id, Agency.__table__.c.code,
           User.__table__.c.active, UserRole.__table__.c.role)
    .join(Agency.__table__, Agency.__table__.c.id == User.__table__.c.agency_id)
    .outerjoin(UserRole.__table__, UserRole.__table__.c.user_id == User.__table__.c.id)
    .where(User.__table__.c.username == bindparam("username"))
)

_ADVANCE = {
    closes: update(_CASES)
    .where(_CASES.c.id == bindparam("b_id"), _CASES.c.version == bindparam("b_version"))
    .values(status=bindparam("status"), version=bindparam("version"), data=bindparam("data"),
            audit_seq=bindparam("audit_seq"), audit_head=bindparam("audit_head"),
            **({"closed_at": bindparam("closed_at")} if closes else {}))
    .returning(*_CASES.c)  # the row as written: the sealer need not read it again
    for closes in (False, True)
}
_INSERT_EVENT = insert(Event.__table__)
_ADVANCED_ROWS = {  # the case's columns _ADVANCE writes: resealed at commit
    closes: ("cases.status", "cases.version", "cases.data", "cases.audit_seq",
             "cases.audit_head", *(("cases.closed_at",) if closes else ()))
    for closes in (False, True)
}


def _load_case_row(conn: Connection, case_id: int) -> _CaseRow:
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise ValidationFailed(f"case id must be an integer, got {case_id!r}", field="case_id")
    if not id_in_range(case_id):  # no row can have it: the answer for a missing id
        raise NotFound(f"unknown case id {case_id}")
    row = conn.execute(_CASE_ROW, {"case_id": case_id}).first()
    if row is None:
        raise NotFound(f"unknown case id {case_id}")
    return _CaseRow(*row)


def _load_case_and_actor(conn: Connection, case_id: int, username: str) -> tuple[_CaseRow, _Actor]:
    """Case and acting user in one round trip (the hot path); the error path asks again."""
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise ValidationFailed(f"case id must be an integer, got {case_id!r}", field="case_id")
    if not id_in_range(case_id):  # no row can have it: the answer for a missing id
        _load_actor(conn, username)
        _load_case_row(conn, case_id)
    rows = conn.execute(_CASE_AND_ACTOR, {"case_id": case_id, "username": username}).all()
    if not rows:  # who is asking first: an unknown user learns nothing about the case
        _load_actor(conn, username)
        _load_case_row(conn, case_id)  # one of the two raises
    first = rows[0]
    if not first.active:
        raise PermissionDenied(f"user {username!r} is deactivated")
    width = len(_CASE_ROW.selected_columns)
    actor = _Actor(first.actor_id, username, first.actor_agency_id, first.actor_agency_code,
                   frozenset(r.role for r in rows if r.role))
    return _CaseRow(*first[:width]), actor


def _load_actor(conn: Connection, username: str) -> _Actor:
    rows = conn.execute(_ACTOR_ROWS, {"username": username}).all()
    if not rows:
        raise NotFound(f"unknown user {username!r}")
    if not rows[0].active:
        raise PermissionDenied(f"user {username!r} is deactivated")
    return _Actor(rows[0].id, username, rows[0].agency_id, rows[0].code,
                  frozenset(r.role for r in rows if r.role))


def _find_transition(definition: WorkflowDefinition, case: _CaseRow, trigger: str) -> TransitionDef:
    if trigger not in definition.triggers:
        raise InvalidTrigger(
            N_("unknown trigger %(trigger)r in workflow %(workflow)s v%(version)s"),
            params={"trigger": trigger, "workflow": definition.key,
                    "version": definition.version})
    transition = definition.transition(trigger, case.status)
    if transition is None:
        allowed = ", ".join(t.trigger for t in definition.triggers_from(case.status)) or "none"
        state = definition.states[case.status]
        raise InvalidTrigger(
            N_("cannot %(trigger)r case %(number)s in state %(state)r (%(state_title)s); "
               "triggers from here: %(allowed)s"),
            params={"trigger": trigger, "number": case.number, "state": case.status,
                    "state_title": state.title_zh,
                    "allowed": allowed})
    return transition


def _authorise(user: _Actor, case: _CaseRow, transition: TransitionDef) -> None:
    if not (user.roles & set(transition.roles)):
        raise PermissionDenied(
            N_("trigger %(trigger)r needs role %(roles)s; %(user)s has %(has)s"),
            params={"trigger": transition.trigger, "roles": " or ".join(transition.roles),
                    "user": user.username, "has": ", ".join(sorted(user.roles)) or "no role"})


def fire(
    uow: UnitOfWork,
    case_id: int,
    trigger: str,
    *,
    actor: str,
    payload: Mapping[str, Any] | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
    override: str | None = None,
) -> CaseView:
    """Fire ``trigger`` on a case as ``actor`` with the step's ``payload`` and ``reason``, in
    one transaction: all checks pass or nothing changes. ``expected_version`` refuses the
    step if someone changed the case since the caller read it; ``override`` is the reason for
    setting aside a period the workflow lets a supervisor override."""
    with uow:
        view = fire_in(uow, FireTrigger(case_id=case_id, trigger=trigger, actor=actor,
                                        payload=payload, reason=reason,
                                        expected_version=expected_version,
                                        override=override))
        uow.commit()
        return view


def fire_in(uow: UnitOfWork, command: FireTrigger) -> CaseView:
    """Fire a trigger inside a unit of work the caller commits (a handoff fires its trigger
    in the same transaction that writes the handoff).

    This is the hot path, so it reads and writes rows with Core statements (one read of the
    case and actor, one guarded UPDATE, one INSERT) and loads the ORM case only when a guard
    needs parties, rights or evidence. The UPDATE is conditional on the version read: a
    concurrent writer makes it match no row, which is a ConflictError.
    """
    case_id, trigger, actor = command.case_id, command.trigger, command.actor
    payload, reason, expected_version = command.payload, command.reason, command.expected_version
    conn = uow.connection
    case, user = _load_case_and_actor(conn, case_id, actor)
    compiled = (REGISTRY.cached(case.workflow_key, case.workflow_version)
                or REGISTRY.compiled(uow.session, case.workflow_key, case.workflow_version))
    definition = compiled.definition
    if user.agency_id != case.agency_id:  # before anything that would describe the case
        refuse_outsider(uow.session, actor, user.agency_id, case.id, case.number)
    transition = _find_transition(definition, case, trigger)
    _authorise(user, case, transition)
    approval = definition.transfer_for(trigger=trigger)
    if approval is not None:  # a step that decides a transfer: never its assignee or asker
        require_approver(uow.session, approval, case_id=case.id, case_number=case.number,
                         username=actor, roles=user.roles)
    if expected_version is not None and expected_version != case.version:
        raise ConflictError(
            f"case {case.number} is at version {case.version}, not {expected_version}; "
            "reload and retry"
        )
    if payload is not None and not isinstance(payload, Mapping):
        raise ValidationFailed("payload: must be an object", field="payload")
    if transition.reason_required and (reason is None or not str(reason).strip()):
        raise ReasonRequired(trigger)
    check_reason(reason)
    check_reason(command.override, "override")
    clean = transition.validate_payload(payload or {}, aware(uow.now()).date())
    source = case.status
    ctx = None
    if transition.guards:
        ctx = guard_context(uow, case.id, user.id, transition.guards, clean)
    clock_events: list[AuditEntry] = []
    if transition.requires or command.override is not None:
        clock_events.extend(check_periods(uow, case.id, transition, clean, actor_id=user.id,
                                          roles=user.roles, override=command.override))
    compiled.machine.events[trigger].trigger(case, ctx=ctx)
    closes = case.status in definition.final_states
    now = uow.now()
    actions = plan_for(definition, trigger, source, case.status)
    if actions or (closes and definition.clocks):
        clock_events.extend(apply_transition(uow.session, case, definition, actions,
                                             closes=closes, now=now,
                                             calendar=current_calendar(conn), payload=clean))
    if closes:  # other capabilities react (a handoff's outcome flows back to its sender)
        for entries in uow.publish(CaseClosed(case.id, case.status, actor, now)):
            clock_events.extend(entries or ())
    key = uow.audit_key
    links = [next_link(
        case.id, case.audit_seq, case.audit_head, "transition", key=key, actor=actor,
        channel=uow.channel, source_state=source, target_state=case.status,
        trigger=trigger, reason=reason.strip() if reason else None, payload=clean, at=now,
    )]
    for spec in clock_events:
        links.append(next_link(
            case.id, links[-1]["seq"], links[-1]["hash"], spec.kind, key=key, actor=actor,
            channel=uow.channel, reason=spec.reason, payload=dict(spec.payload), at=now))
    params = {
        "b_id": case.id, "b_version": case.version, "status": case.status,
        "version": case.version + 1,
        "data": {**(case.data or {}), **clean} if clean else case.data,
        "audit_seq": links[-1]["seq"], "audit_head": links[-1]["hash"],
    }
    if closes:
        params["closed_at"] = now
    written = conn.execute(_ADVANCE[closes], params).first()
    if written is None:
        raise ConflictError(f"case {case.number} was changed by someone else; reload and retry")
    conn.execute(_INSERT_EVENT, links)
    uow.touch(case.id, *_ADVANCED_ROWS[closes], before={  # resealed before the commit,
        "cases.status": {"v": source}, "cases.data": {"v": case.data},  # if these held
        "cases.audit_seq": {"v": case.audit_seq},  # what the seal vouches for
        "cases.audit_head": {"v": case.audit_head}}, current=written._mapping)
    return CaseView(
        id=case.id, number=case.number, case_type=case.case_type,
        workflow_key=case.workflow_key, workflow_version=case.workflow_version,
        status=case.status, version=case.version + 1, agency=case.agency_code,
        title=case.title, closed=closes, industry=case.industry,
    )


def available_triggers(uow: UnitOfWork, case_id: int, actor: str) -> list[TriggerOption]:
    """The triggers ``actor`` may fire on the case now, with what each needs.

    ``blocked_by`` lists guard refusals given what the case already records; guards that
    read this step's payload are checked again when it is fired.
    """
    with uow:
        user, case = user_and_case(uow, actor, case_id)
        definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
        if user.agency_id != case.agency_id:
            visible_as(uow.session, case, user)  # NotFound unless the case was shared with them
            return []  # may see, not act
        options = []
        allowed = [t for t in definition.triggers_from(case.status) if user.roles & set(t.roles)]
        ctx = guard_context(uow, case.id, user.id, [g for t in allowed for g in t.guards], {})
        verdicts = iter(judge_each(uow, case.id, [r for t in allowed for r in t.requires]))
        for t in allowed:
            blocked = [msg for g in t.guards if (msg := GUARDS[g](ctx))]
            periods = []
            for req in t.requires:
                refusals = next(verdicts)
                # judged as of now: a step that records its own legal date (``on``) is judged
                # again on that date when fired; a waiver or override may still let it through
                certain = req.kind == "after" or req.on is None
                if refusals and certain and not req.unless:
                    blocked.append(refusals[0].message)
                periods.append(PeriodOption(
                    kind=req.kind, clocks=req.clocks, source=req.source, on=req.on,
                    met=not refusals, detail=refusals[0].message if refusals else "",
                    unless=tuple(e.title_en for e in req.unless),
                    unless_zh=tuple(e.title_zh for e in req.unless)))
            options.append(
                TriggerOption(
                    trigger=t.trigger, dest=t.dest, title_zh=t.title_zh, title_en=t.title_en,
                    reason_required=t.reason_required,
                    fields=tuple(FieldOption(f.name, f.type, f.required, tuple(f.values),
                                             f.title_zh, f.title_en) for f in t.fields),
                    blocked_by=tuple(blocked), periods=tuple(periods),
                )
            )
        return options


# --- assignment -------------------------------------------------------------------------------

def _assignee(uow: UnitOfWork, username: str, agency: Agency) -> User:
    """The user a case is to be assigned to: an unknown name is refused like another
    agency's user (ValidationFailed on ``assignee``), not as a missing record."""
    try:
        return get_user(uow, username)
    except NotFound:
        raise ValidationFailed(f"assignee {username} is not in {agency.code}",
                               field="assignee") from None


def assign(
    uow: UnitOfWork, case_id: int, assignee: str, *, actor: str, reason: str | None = None,
    expected_version: int | None = None,
) -> CaseView:
    """Assign a case: supervisors assign anyone in the agency; an officer may take it."""
    check_reason(reason)
    with uow:
        user, case = user_and_case(uow, actor, case_id)
        require_same_agency(uow, user, case)  # before the target: outsiders learn nothing
        target = _assignee(uow, assignee, case.agency)
        if target.agency_id != case.agency_id:
            raise ValidationFailed(f"{assignee} is not in {case.agency.code}", field="assignee")
        if "supervisor" not in user.roles and not (target.id == user.id and case.assignee_id is None):
            raise PermissionDenied("only a supervisor assigns cases; an officer may take an "
                                   "unassigned case for themselves")
        if not (target.roles & OPENING_ROLES):
            raise ValidationFailed(f"{assignee} cannot work cases", field="assignee")
        check_mediator_conflict(uow.session, target, case)
        if expected_version is not None and expected_version != case.version:
            raise ConflictError(f"case {case.number} is at version {case.version}, "
                                f"not {expected_version}")
        previous = case.assignee.username if case.assignee else None
        if previous == assignee:
            raise ValidationFailed(f"case {case.number} is already assigned to {assignee}",
                                   field="assignee")
        case.assignee = target
        case.assignee_id = target.id
        append_event(uow.session, case, "assigned", actor=actor, channel=uow.channel, at=uow.now(),
                     reason=reason, payload={"from": previous, "to": assignee})
        uow.flush()
        definition = REGISTRY.definition(uow.session, case.workflow_key, case.workflow_version)
        uow.commit()
        return _view(case, definition)


def open_linked_case(uow: UnitOfWork, command: OpenLinkedCase) -> CaseView:
    """Command handler: an accepted handoff opens its linked case in the receiving agency
    (same transaction as the acceptance)."""
    return open_case_in(uow, OpenCase(
        actor=command.actor, case_type=command.workflow, title=command.title,
        received_on=command.received_on, clock_start=command.clock_start,
        parties=command.parties, ip_rights=command.ip_rights, data=dict(command.data),
        assignee=command.assignee, reason=command.reason, industry=command.industry))
