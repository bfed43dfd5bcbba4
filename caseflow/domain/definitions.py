"""Workflow definitions: YAML in ``workflows/`` parsed into checked, immutable objects.

The YAML is the rule book. Loading refuses anything a case could get stuck on (unknown or
unreachable states, dead ends that are not final, duplicate triggers, unknown guards or
roles, typos in keys) with a message naming the file, the line and the problem.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from caseflow.domain.approvals import (
    APPROVAL_KEYS,
    APPROVAL_KINDS,
    DEFAULT_PAUSE_ROLES,
    NOT_A_CASE_ROLE,
    ApprovalRule,
)
from caseflow.domain.errors import N_, PayloadError, WorkflowDefinitionError
from caseflow.domain.guards import GUARDS
from caseflow.domain.limits import (
    LIST_MAX,
    RECORDED,
    STRING_MAX,
    TEXT_MAX,
    DateBound,
    DateBounds,
    check_day,
    check_number,
    check_payload_size,
    check_text,
)
from caseflow.domain.periods import Period
from caseflow.domain.requirements import KINDS as REQUIREMENT_KINDS
from caseflow.domain.requirements import Exception_, PeriodRequirement
from caseflow.domain.vocabulary import AGENCY_KINDS, ROLES

FIELD_TYPES = ("string", "text", "integer", "number", "boolean", "date", "datetime", "enum", "list")
TOP_KEYS = {
    "key", "version", "effective_from", "title", "description", "agency_kind", "number_prefix",
    "initial", "states", "transitions", "clocks", "handoffs", "sources", "notes", "approvals",
}
STATE_KEYS = {"zh", "en", "final", "description"}
TRANSITION_KEYS = {
    "trigger", "source", "dest", "roles", "guards", "fields", "reason_required", "title",
    "description", "requires",
}
REQUIREMENT_KEYS = {"after", "within", "as_of", "in_person", "source", "unless", "lapsed",
                    "inclusive", "description"}
EXCEPTION_KEYS = {"field", "override", "title", "description"}
CLOCK_KEYS = {
    "title", "period", "source", "start", "stop", "paused_in", "pause_reasons", "extensions",
    "warn_before", "alert", "escalate", "target", "description", "notes", "pause_from",
    "resume_from", "keyed_start", "party",
}
_ROLE_ZH = {"supervisor": "负责人", "officer": "执法人员", "mediator": "调解员", "admin": "管理员"}
RECIPIENTS = ("assignee", "supervisor", "supervisor_of_supervisor", "agency_supervisors")
FIELD_KEYS = {"type", "required", "values", "min", "max", "title", "description", "max_length",
              "not_before", "not_after"}


# --- YAML with line numbers -------------------------------------------------------------------

class _Located(dict):
    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings remember the line they start on (1-based)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Located:
    loader.flatten_mapping(node)
    result = _Located()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise WorkflowDefinitionError(
                f"line {key_node.start_mark.line + 1}: duplicate key {key!r}"
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line(obj: Any) -> int:
    return getattr(obj, "line", 0)


# --- the definition objects -------------------------------------------------------------------

@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool = True
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    title_zh: str = ""
    title_en: str = ""
    max_length: int | None = None  # characters of a string/text, items of a list
    bounds: DateBounds = RECORDED  # plausible dates of a date/datetime field

    @property
    def length_limit(self) -> int:
        if self.max_length is not None:
            return self.max_length
        return {"text": TEXT_MAX, "list": LIST_MAX}.get(self.type, STRING_MAX)

    def coerce(self, value: Any, today: date | None = None) -> Any:
        """Check one payload value and return its JSON-safe form, or raise PayloadError.
        With ``today``, a date must also fall within the field's plausible bounds."""
        name, kind = self.name, self.type
        if kind in ("string", "text"):
            if not isinstance(value, str) or not value.strip():
                raise PayloadError(name, N_("must be a non-empty string"))
            return check_text(value, name, limit=self.length_limit)
        if kind == "boolean":
            if not isinstance(value, bool):
                raise PayloadError(name, N_("must be true or false"))
            return value
        if kind in ("integer", "number"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                if isinstance(value, str):
                    try:
                        value = int(value) if kind == "integer" else float(value)
                    except ValueError:
                        raise PayloadError(name, N_("must be an integer, got %(value)s")
                                           if kind == "integer" else
                                           N_("must be a number, got %(value)s"),
                                           {"value": repr(value)}) from None
                else:
                    raise PayloadError(name, N_("must be an integer") if kind == "integer"
                                       else N_("must be a number"))
            check_number(value, name)
            if kind == "integer" and not float(value).is_integer():
                raise PayloadError(name, N_("must be an integer, got %(value)s"),
                                   {"value": repr(value)})
            if kind == "integer":
                value = int(value)
            if self.min is not None and value < self.min:
                raise PayloadError(name, N_("must be at least %(min)s, got %(value)s"),
                                   {"min": f"{self.min:g}", "value": str(value)})
            if self.max is not None and value > self.max:
                raise PayloadError(name, N_("must be at most %(max)s, got %(value)s"),
                                   {"max": f"{self.max:g}", "value": str(value)})
            return value
        if kind == "date":
            if isinstance(value, datetime):
                value = value.date()
            if not isinstance(value, date):
                if not isinstance(value, str):  # 20261130 is a number, not a date
                    raise PayloadError(name, N_("must be a date YYYY-MM-DD as a string, "
                                                "got %(value)s"), {"value": repr(value)})
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    raise PayloadError(name, N_("must be a date YYYY-MM-DD, got %(value)s"),
                                       {"value": repr(value)}) from None
            if today is not None:
                check_day(value, name, today, self.bounds)
            return value.isoformat()
        if kind == "datetime":
            if not isinstance(value, datetime):
                if not isinstance(value, str):  # a number or a bare date object is no moment
                    raise PayloadError(name, N_("must be a date and time such as "
                                                "2026-03-02T10:00 as a string, got %(value)s"),
                                       {"value": repr(value)})
                text = value.strip()
                if len(text) <= 10:  # a bare date: the moment matters (an hour clock, office close)
                    raise PayloadError(name, N_("must be a date and time such as "
                                                "%(day)sT10:00, got %(value)s"),
                                       {"day": text or "2026-03-02", "value": repr(value)})
                try:
                    value = datetime.fromisoformat(text)
                except ValueError:
                    raise PayloadError(name, N_("must be an ISO 8601 date-time, got %(value)s"),
                                       {"value": repr(value)}) from None
            if today is not None:
                check_day(value.date(), name, today, self.bounds)
            return value.isoformat()
        if kind == "enum":
            if value not in self.values:
                raise PayloadError(name, N_("must be one of %(values)s; got %(value)s"),
                                   {"values": ", ".join(self.values), "value": repr(value)})
            return value
        if kind == "list":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise PayloadError(name, N_("must be a list of strings"))
            if len(value) > self.length_limit:
                raise PayloadError(name, N_("has too many items: at most %(max)s, got %(count)s"),
                                   {"max": str(self.length_limit), "count": str(len(value))})
            for i, item in enumerate(value):
                check_text(item, f"{name}[{i}]", limit=STRING_MAX)
            return value
        raise PayloadError(name, N_("has unknown type %(type)s"), {"type": kind})  # pragma: no cover - load rejects


@dataclass(frozen=True)
class StateDef:
    name: str
    title_zh: str
    title_en: str
    final: bool = False


@dataclass(frozen=True)
class TransitionDef:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    guards: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    reason_required: bool = False
    title_zh: str = ""
    title_en: str = ""
    line: int = 0
    requires: tuple[PeriodRequirement, ...] = ()

    def validate_payload(self, payload: Mapping[str, Any],
                         today: date | None = None) -> dict[str, Any]:
        """Return the payload with every declared field checked; unknown fields are refused.
        ``today`` (the service's) bounds the dates; the whole payload has a size limit."""
        known = {f.name for f in self.fields}
        for name in payload:
            if name not in known:
                raise PayloadError(name, N_("is not a field of trigger '%(trigger)s'"),
                                   {"trigger": self.trigger})
        clean: dict[str, Any] = {}
        for spec in self.fields:
            if payload.get(spec.name) is None:
                if spec.required:
                    raise PayloadError(spec.name, N_("is required"))
                continue
            clean[spec.name] = spec.coerce(payload[spec.name], today)
        check_payload_size(clean)
        return clean


OPEN_ENDED_MAX = {"hours": 366 * 24, "days": 366, "working_days": 250, "months": 12}
"""The longest an open-ended extension may run, per unit: one year. Its length is typed at
approval, so anything longer is a typo ("100000 days" would put the due date centuries
ahead), not a decision."""


@dataclass(frozen=True)
class ExtensionRule:
    """One kind of extension: ``by`` None means open-ended (its length is set at approval,
    at most ``OPEN_ENDED_MAX``)."""

    by: Period | None
    approver: str
    max_times: int = 1
    note: str = ""
    collective: bool = False  # decided by the heads collectively: date and participants recorded
    min_participants: int = 3
    recorded: bool = False  # decided outside the agency (the police, the parties): only recorded


@dataclass(frozen=True)
class EscalationRule:
    """Escalate to ``to`` once the due time has passed by ``after`` (None: at the due time)."""

    after: Period | None
    to: str


@dataclass(frozen=True)
class ClockRule:
    """A legal period: how long, from which event, until which, and what pauses it."""

    name: str
    title_zh: str
    title_en: str
    period: Period
    source: str
    start_states: frozenset[str] = frozenset()
    start_triggers: frozenset[str] = frozenset()
    stop_states: frozenset[str] = frozenset()
    stop_triggers: frozenset[str] = frozenset()
    paused_in: frozenset[str] = frozenset()
    start_from: str | None = None  # a date field of the starting step: the legal start date
    start_after: tuple[str, ...] = ()  # starts when the latest of these clocks' periods ends
    pause_from: tuple[str, ...] = ()  # date fields recording when a state pause legally began
    resume_from: tuple[str, ...] = ()  # … and when it legally ended
    keyed_start: str | None = None  # why the clock starts when its step is keyed in
    party: bool = False  # the party's own period: its end is news, not overdue work
    pause_reasons: tuple[str, ...] = ()
    extensions: tuple[ExtensionRule, ...] = ()
    warn_before: tuple[Period, ...] = ()
    alert: tuple[str, ...] = ("assignee",)
    escalate: tuple[EscalationRule, ...] = ()
    target: bool = False

    @property
    def pausable(self) -> bool:
        return bool(self.pause_reasons)


HANDOFF_KINDS = (
    "criminal_transfer", "reconsideration_request", "police_return", "court_assistance_notice",
    "court_referred_mediation", "judicial_confirmation", "jurisdiction_transfer",
    "complaint_to_clue",
)
SHARES = ("summary", "parties", "ip_rights", "materials", "outcome")
HANDOFF_KEYS = {"title", "to", "from_states", "fire", "opens", "accept_within", "source",
                "shares", "target", "description", "notes"}


@dataclass(frozen=True)
class HandoffRule:
    """A kind of crossing this workflow may send: to whom, from which states, what it opens."""

    kind: str
    title_zh: str
    title_en: str
    to: str
    from_states: frozenset[str]
    accept_within: Period
    source: str
    fire: str | None = None
    opens: str | None = None
    shares: tuple[str, ...] = ("summary", "parties", "ip_rights", "materials", "outcome")
    target: str | None = None  # "linked": refers to the case an earlier handoff opened

    @property
    def clock_name(self) -> str:
        return f"handoff.{self.kind}"


@dataclass(frozen=True)
class WorkflowDefinition:
    key: str
    version: int
    title_zh: str
    title_en: str
    agency_kinds: tuple[str, ...]
    number_prefix: str
    initial: str
    states: Mapping[str, StateDef]
    transitions: tuple[TransitionDef, ...]
    effective_from: date | None = None
    clocks: Mapping[str, ClockRule] = field(default_factory=dict)
    handoffs: Mapping[str, HandoffRule] = field(default_factory=dict)
    approvals: Mapping[str, ApprovalRule] = field(default_factory=dict)
    source_text: str = ""
    source_name: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.source_text.encode("utf-8")).hexdigest()

    @property
    def final_states(self) -> frozenset[str]:
        return frozenset(n for n, s in self.states.items() if s.final)

    def transition(self, trigger: str, source: str) -> TransitionDef | None:
        for t in self.transitions:
            if t.trigger == trigger and source in t.sources:
                return t
        return None

    def triggers_from(self, source: str) -> list[TransitionDef]:
        return [t for t in self.transitions if source in t.sources]

    @property
    def triggers(self) -> frozenset[str]:
        return frozenset(t.trigger for t in self.transitions)

    def approval(self, kind: str) -> ApprovalRule | None:
        """Who may approve ``kind`` (``approvals.APPROVAL_KINDS``) on this workflow's cases;
        None for a transfer the workflow does not declare."""
        return self.approvals.get(kind)

    def transfer_for(self, trigger: str | None = None,
                     handoff: str | None = None) -> ApprovalRule | None:
        """The transfer approval a step or a handoff kind decides, if it decides one."""
        rule = self.approvals.get("transfer")
        if rule is not None and (trigger in rule.triggers or handoff in rule.handoffs):
            return rule
        return None


# --- parsing and validation ------------------------------------------------------------------

def _titles(obj: Any, where: str, problems: list[str], line: int) -> tuple[str, str]:
    if not isinstance(obj, Mapping) or not obj.get("zh") or not obj.get("en"):
        problems.append(f"line {line}: {where} needs a title with both zh and en")
        return "", ""
    return str(obj["zh"]), str(obj["en"])


def _unknown_keys(obj: Mapping, allowed: set[str], where: str, problems: list[str]) -> None:
    for k in obj:
        if k not in allowed:
            problems.append(f"line {_line(obj)}: {where} has unknown key {k!r}")


def parse_definition(text: str, source_name: str = "<string>") -> WorkflowDefinition:
    """Parse and validate one workflow version; raise WorkflowDefinitionError naming all problems.

    The same text from the same source gives the same (frozen) definition, so it is parsed
    once per process: YAML parsing was most of every ``load_workflows`` (1.3 s a call)."""
    return _parse_definition(text, source_name)


@functools.lru_cache(maxsize=256)  # a refusal raises and is not kept
def _parse_definition(text: str, source_name: str) -> WorkflowDefinition:
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except WorkflowDefinitionError as exc:
        raise WorkflowDefinitionError(f"{source_name}: {exc.message}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
        if isinstance(exc, yaml.reader.ReaderError):  # a NUL or other unreadable character
            where = f":{text.count(chr(10), 0, exc.position) + 1}"
            what = (f"#x{exc.character:04x}" if isinstance(exc.character, int)
                    else repr(exc.character))
            problem = f"unacceptable character {what}: {exc.reason}"
        raise WorkflowDefinitionError(f"{source_name}{where}: YAML syntax error: {problem}") from None
    if not isinstance(doc, Mapping):
        raise WorkflowDefinitionError(f"{source_name}: a workflow file must be a mapping")

    problems: list[str] = []
    _unknown_keys(doc, TOP_KEYS, "workflow", problems)
    for required in ("key", "version", "title", "agency_kind", "initial", "states", "transitions"):
        if required not in doc:
            problems.append(f"line {_line(doc)}: missing required key {required!r}")
    if problems and any("missing" in p for p in problems):
        raise WorkflowDefinitionError(f"{source_name}: " + "; ".join(problems))

    key = str(doc["key"])
    version = doc["version"]
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(f"line {_line(doc)}: version must be a positive integer")
        version = 0
    effective = doc.get("effective_from")
    if effective is not None and not isinstance(effective, date):
        try:
            effective = date.fromisoformat(str(effective))
        except ValueError:
            problems.append(f"line {_line(doc)}: effective_from {effective!r} is not a date")
            effective = None
    title_zh, title_en = _titles(doc.get("title"), "workflow", problems, _line(doc))
    raw_kinds = doc["agency_kind"]
    agency_kinds = tuple(str(k) for k in (raw_kinds if isinstance(raw_kinds, list) else [raw_kinds]))
    for kind in agency_kinds:
        if kind not in AGENCY_KINDS:
            problems.append(f"line {_line(doc)}: unknown agency_kind {kind!r}")

    states: dict[str, StateDef] = {}
    raw_states = doc["states"]
    if not isinstance(raw_states, Mapping) or not raw_states:
        problems.append(f"line {_line(doc)}: states must be a non-empty mapping")
        raw_states = {}
    for name, spec in raw_states.items():
        spec = spec or _Located()
        if not isinstance(spec, Mapping):
            problems.append(f"line {_line(raw_states)}: state {name!r} must be a mapping")
            continue
        _unknown_keys(spec, STATE_KEYS, f"state {name!r}", problems)
        zh, en = _titles(spec, f"state {name!r}", problems, _line(spec))
        states[str(name)] = StateDef(str(name), zh, en, bool(spec.get("final", False)))

    initial = str(doc["initial"])
    if initial not in states:
        problems.append(f"line {_line(doc)}: initial state {initial!r} is not a declared state")

    transitions: list[TransitionDef] = []
    seen: dict[tuple[str, str], int] = {}
    raw_transitions = doc["transitions"]
    if not isinstance(raw_transitions, list):
        problems.append(f"line {_line(doc)}: transitions must be a list")
        raw_transitions = []
    for raw in raw_transitions:
        if not isinstance(raw, Mapping):
            problems.append(f"line {_line(doc)}: each transition must be a mapping")
            continue
        line = _line(raw)
        _unknown_keys(raw, TRANSITION_KEYS, f"transition {raw.get('trigger')!r}", problems)
        trigger = raw.get("trigger")
        if not trigger or not str(trigger).isidentifier():
            problems.append(f"line {line}: transition needs an identifier 'trigger'")
            continue
        trigger = str(trigger)
        if trigger in states:
            problems.append(f"line {line}: trigger {trigger!r} has the name of a state")
        source = raw.get("source")
        sources = tuple(str(s) for s in (source if isinstance(source, list) else [source]))
        dest = str(raw.get("dest"))
        for s in sources:
            if s not in states:
                problems.append(f"line {line}: transition {trigger!r} has unknown source state {s!r}")
            if (trigger, s) in seen:
                problems.append(
                    f"line {line}: duplicate trigger {trigger!r} from state {s!r} "
                    f"(first at line {seen[(trigger, s)]})"
                )
            seen[(trigger, s)] = line
        if dest not in states:
            problems.append(f"line {line}: transition {trigger!r} goes to unknown state {dest!r}")
        roles = tuple(str(r) for r in (raw.get("roles") or []))
        if not roles:
            problems.append(f"line {line}: transition {trigger!r} names no roles")
        for role in roles:
            if role not in ROLES:
                problems.append(f"line {line}: transition {trigger!r} names unknown role {role!r}")
        guards = tuple(str(g) for g in (raw.get("guards") or []))
        for guard in guards:
            if guard not in GUARDS:
                problems.append(f"line {line}: transition {trigger!r} names unknown guard {guard!r}")
        fields = _parse_fields(raw.get("fields") or {}, trigger, line, problems)
        zh, en = _titles(raw.get("title"), f"transition {trigger!r}", problems, line)
        transitions.append(
            TransitionDef(
                trigger=trigger, sources=sources, dest=dest, roles=roles, guards=guards,
                fields=fields, reason_required=bool(raw.get("reason_required", False)),
                title_zh=zh, title_en=en, line=line,
            )
        )

    if states and initial in states:
        _check_graph(states, initial, transitions, doc, problems)
    clocks = _parse_clocks(doc.get("clocks") or {}, states, {t.trigger for t in transitions},
                           problems, {f.name for t in transitions for f in t.fields
                                      if f.type in ("date", "datetime")}, transitions)
    handoffs = _parse_handoffs(doc.get("handoffs") or {}, states, transitions, problems)
    for rule in handoffs.values():
        # each handoff kind carries its own acceptance clock, counted like any other
        clocks[rule.clock_name] = ClockRule(
            name=rule.clock_name, title_zh=f"{rule.title_zh}接收期限",
            title_en=f"{rule.title_en}: acceptance", period=rule.accept_within,
            source=rule.source, alert=("assignee",),
            escalate=(EscalationRule(None, "supervisor"),),
        )
    raw_by_trigger = {}
    for raw in raw_transitions:
        if isinstance(raw, Mapping) and raw.get("requires") is not None:
            raw_by_trigger[_line(raw)] = raw.get("requires")
    transitions = [
        replace(t, requires=_parse_requires(raw_by_trigger[t.line], t, clocks, problems))
        if t.line in raw_by_trigger else t for t in transitions]
    approvals = _parse_approvals(doc.get("approvals"), _line(doc), transitions, clocks,
                                 handoffs, problems)

    if problems:
        raise WorkflowDefinitionError(
            f"{source_name}: " + "; ".join(problems[:20])
            + (f"; … and {len(problems) - 20} more" if len(problems) > 20 else "")
        )
    return WorkflowDefinition(
        key=key, version=version, title_zh=title_zh, title_en=title_en, agency_kinds=agency_kinds,
        number_prefix=str(doc.get("number_prefix") or key.upper()[:8]), initial=initial,
        states=states, transitions=tuple(transitions), effective_from=effective,
        clocks=clocks, handoffs=handoffs, approvals=approvals, source_text=text,
        source_name=source_name, raw=doc,
    )


def _parse_fields(raw: Any, trigger: str, line: int, problems: list[str]) -> tuple[FieldSpec, ...]:
    if not isinstance(raw, Mapping):
        problems.append(f"line {line}: fields of {trigger!r} must be a mapping")
        return ()
    specs = []
    for name, spec in raw.items():
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, Mapping):
            problems.append(f"line {line}: field {name!r} of {trigger!r} must be a mapping")
            continue
        _unknown_keys(spec, FIELD_KEYS, f"field {name!r}", problems)
        kind = spec.get("type", "string")
        if kind not in FIELD_TYPES:
            problems.append(f"line {_line(spec) or line}: field {name!r} has unknown type {kind!r}")
            continue
        values = tuple(str(v) for v in spec.get("values") or ())
        if kind == "enum" and not values:
            problems.append(f"line {_line(spec) or line}: enum field {name!r} needs values")
        title = spec.get("title") or {}
        where = f"line {_line(spec) or line}: field {name!r}"
        specs.append(
            FieldSpec(
                name=str(name), type=kind, required=bool(spec.get("required", True)),
                values=values, min=_bound_number(spec, "min", kind, where, problems),
                max=_bound_number(spec, "max", kind, where, problems),
                title_zh=str(title.get("zh", "")), title_en=str(title.get("en", "")),
                max_length=_max_length(spec, kind, where, problems),
                bounds=_date_bounds(spec, kind, where, problems),
            )
        )
    return tuple(specs)


def _bound_number(spec: Mapping, key: str, kind: str, where: str,
                  problems: list[str]) -> float | None:
    """``min`` / ``max`` of a number field: a finite number."""
    value = spec.get(key)
    if value is None:
        return None
    if kind not in ("integer", "number"):
        problems.append(f"{where}: {key} applies only to integer and number fields")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        problems.append(f"{where}: {key} must be a finite number, not {value!r}")
        return None
    return value


def _max_length(spec: Mapping, kind: str, where: str, problems: list[str]) -> int | None:
    """``max_length``: characters of a string/text field, items of a list field."""
    value = spec.get("max_length")
    if value is None:
        return None
    if kind not in ("string", "text", "list"):
        problems.append(f"{where}: max_length applies only to string, text and list fields")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.append(f"{where}: max_length must be a positive integer, not {value!r}")
        return None
    return value


def _date_bounds(spec: Mapping, kind: str, where: str, problems: list[str]) -> DateBounds:
    """``not_before`` / ``not_after`` of a date/datetime field: each a date (``2000-01-01``),
    ``today``, or an offset from today (``-10y``, ``+2y``, ``-6m``, ``+30d``, ``0d``); the
    defaults are those of a recorded fact (``RECORDED``: from 20 years ago to today)."""
    given = {k: spec[k] for k in ("not_before", "not_after") if spec.get(k) is not None}
    if not given:
        return RECORDED
    if kind not in ("date", "datetime"):
        problems.append(f"{where}: not_before / not_after apply only to date and datetime "
                        "fields")
        return RECORDED
    ends = {"not_before": RECORDED.not_before, "not_after": RECORDED.not_after}
    for key, raw in given.items():
        try:
            ends[key] = DateBound.parse(raw)
        except ValueError as exc:
            problems.append(f"{where}: {key} {exc}")
    bounds = DateBounds(ends["not_before"], ends["not_after"])
    probe = date(2026, 1, 1)  # relative ends compare the same way on any day
    if bounds.not_before.resolve(probe) > bounds.not_after.resolve(probe):
        problems.append(f"{where}: not_before {bounds.not_before.text} is after not_after "
                        f"{bounds.not_after.text}")
    return bounds


def _period(value: Any, where: str, line: int, problems: list[str]) -> Period | None:
    try:
        return Period.parse(str(value))
    except ValueError as exc:
        problems.append(f"line {line}: {where}: {exc}")
        return None


def _names(raw: Any) -> frozenset[str]:
    if raw is None:
        return frozenset()
    return frozenset(str(x) for x in (raw if isinstance(raw, list) else [raw]))


def _parse_clocks(raw: Any, states: Mapping[str, StateDef], triggers: set[str],
                  problems: list[str], fields_by_name: set[str] = frozenset(),
                  transitions: Sequence[TransitionDef] = ()) -> dict[str, ClockRule]:
    if not isinstance(raw, Mapping):
        problems.append("clocks must be a mapping of clock name to rule")
        return {}
    clocks: dict[str, ClockRule] = {}
    for name, spec in raw.items():
        line = _line(spec) or _line(raw)
        where = f"clock {name!r}"
        if not isinstance(spec, Mapping):
            problems.append(f"line {line}: {where} must be a mapping")
            continue
        _unknown_keys(spec, CLOCK_KEYS, where, problems)
        zh, en = _titles(spec.get("title"), where, problems, line)
        period = _period(spec.get("period"), f"{where} period", line, problems)
        if not spec.get("source"):
            problems.append(f"line {line}: {where} needs a source (the legal text it counts for)")
        ends: dict[str, frozenset[str]] = {}
        for part in ("start", "stop"):
            block = spec.get(part) or {}
            if not isinstance(block, Mapping) or not (
                    block.get("states") or block.get("triggers")
                    or (part == "start" and block.get("after"))):
                problems.append(f"line {line}: {where} {part} needs states or triggers"
                                + (" (or after: clocks)" if part == "start" else ""))
                block = {}
            for key in block:
                if key not in ("states", "triggers") and not (
                        part == "start" and key in ("from", "after")):
                    problems.append(f"line {line}: {where} {part} has unknown key {key!r}")
            ends[f"{part}_states"] = _names(block.get("states"))
            ends[f"{part}_triggers"] = _names(block.get("triggers"))
        start_from = (spec.get("start") or {}).get("from") if isinstance(spec.get("start"),
                                                                           Mapping) else None
        if start_from is not None and start_from not in fields_by_name:
            problems.append(f"line {line}: {where} starts from unknown field {start_from!r}")
        elif start_from is not None:
            # every step that starts the clock must record the date it starts from
            for t in transitions:
                starts = t.trigger in ends["start_triggers"] or (
                    t.dest in ends["start_states"] and any(src != t.dest for src in t.sources))
                if starts and start_from not in {f.name for f in t.fields}:
                    problems.append(f"line {t.line}: transition {t.trigger!r} starts {where} "
                                    f"but does not record {start_from!r}")
        start_after = tuple(sorted(_names((spec.get("start") or {}).get("after")
                                          if isinstance(spec.get("start"), Mapping) else None)))
        if start_after and (start_from or ends["start_states"] or ends["start_triggers"]):
            problems.append(f"line {line}: {where} starts either after other clocks or on "
                            "states/triggers, not both")
        pause_from = tuple(str(x) for x in _names_list(spec.get("pause_from")))
        resume_from = tuple(str(x) for x in _names_list(spec.get("resume_from")))
        for fname in (*pause_from, *resume_from):
            if fname not in fields_by_name:
                problems.append(f"line {line}: {where} pauses on unknown date field {fname!r}")
        if (pause_from or resume_from) and not spec.get("paused_in"):
            problems.append(f"line {line}: {where} has pause_from/resume_from but no paused_in")
        keyed = spec.get("keyed_start")
        if keyed is not None and (not isinstance(keyed, str) or not keyed.strip()):
            problems.append(f"line {line}: {where} keyed_start must give the reason as text")
        paused_in = _names(spec.get("paused_in"))
        for state in ends["start_states"] | ends["stop_states"] | paused_in:
            if state not in states:
                problems.append(f"line {line}: {where} names unknown state {state!r}")
        for trig in ends["start_triggers"] | ends["stop_triggers"]:
            if trig not in triggers:
                problems.append(f"line {line}: {where} names unknown trigger {trig!r}")
        extensions = []
        for ext in spec.get("extensions") or []:
            if not isinstance(ext, Mapping):
                problems.append(f"line {line}: {where} extensions must be mappings")
                continue
            by = None if str(ext.get("by")) == "open" else _period(
                ext.get("by"), f"{where} extension", _line(ext) or line, problems)
            approver = str(ext.get("approver", "supervisor"))
            if approver not in ROLES:
                problems.append(f"line {line}: {where} extension approver {approver!r} is not a role")
            if not isinstance(ext.get("recorded", False), bool):
                problems.append(f"line {_line(ext) or line}: {where} extension recorded must be "
                                "true or false")
            for key in ext:
                if key not in ("by", "approver", "max_times", "note", "collective",
                               "min_participants", "recorded"):
                    problems.append(f"line {_line(ext) or line}: {where} extension has unknown "
                                    f"key {key!r}")
            extensions.append(ExtensionRule(by, approver, int(ext.get("max_times", 1)),
                                            str(ext.get("note", "")),
                                            bool(ext.get("collective", False)),
                                            int(ext.get("min_participants", 3)),
                                            recorded=ext.get("recorded") is True))
        warn = [_period(w, f"{where} warn_before", line, problems)
                for w in spec.get("warn_before") or []]
        alert = tuple(str(a) for a in spec.get("alert") or ["assignee"])
        escalations = []
        for esc in spec.get("escalate") or []:
            if not isinstance(esc, Mapping):
                problems.append(f"line {line}: {where} escalate entries must be mappings")
                continue
            raw_after = str(esc.get("after", "0 hours")).strip()
            after = None if raw_after.split()[0] == "0" else _period(
                raw_after, f"{where} escalate", line, problems)
            escalations.append(EscalationRule(after, str(esc.get("to"))))
        for who in [*alert, *(e.to for e in escalations)]:
            if who not in RECIPIENTS:
                problems.append(f"line {line}: {where} names unknown recipient {who!r} "
                                f"(one of {', '.join(RECIPIENTS)})")
        if period is None:
            continue
        clocks[str(name)] = ClockRule(
            name=str(name), title_zh=zh, title_en=en, period=period,
            source=str(spec.get("source", "")), paused_in=paused_in, start_from=start_from,
            pause_reasons=tuple(str(r) for r in spec.get("pause_reasons") or ()),
            extensions=tuple(extensions), warn_before=tuple(w for w in warn if w),
            alert=alert, escalate=tuple(escalations), target=bool(spec.get("target", False)),
            start_after=start_after, pause_from=pause_from, resume_from=resume_from,
            party=bool(spec.get("party", False)),
            keyed_start=keyed.strip() if isinstance(keyed, str) and keyed.strip() else None,
            **ends,
        )
    for rule in clocks.values():
        for other in rule.start_after:
            if other not in clocks:
                problems.append(f"{'clock ' + repr(rule.name)} starts after unknown clock "
                                f"{other!r}")
            elif clocks[other].start_after:
                problems.append(f"clock {rule.name!r} starts after {other!r}, which itself "
                                "starts after another clock (one link only)")
    return clocks


def _names_list(raw: Any) -> list[str]:
    if raw is None:
        return []
    return [str(x) for x in (raw if isinstance(raw, list) else [raw])]


def _parse_requires(raw: Any, transition: TransitionDef, clocks: Mapping[str, ClockRule],
                    problems: list[str]) -> tuple[PeriodRequirement, ...]:
    """A transition's ``requires:`` list: the periods that decide whether it may be taken."""
    where = f"transition {transition.trigger!r}"
    line = transition.line
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(f"line {line}: {where} requires must be a list")
        return ()
    fields = {f.name: f for f in transition.fields}
    out = []
    for item in raw:
        if not isinstance(item, Mapping):
            problems.append(f"line {line}: {where} requires entries must be mappings")
            continue
        iline = _line(item) or line
        _unknown_keys(item, REQUIREMENT_KEYS, f"{where} requirement", problems)
        kinds = [k for k in REQUIREMENT_KINDS if k in item]
        if len(kinds) != 1:
            problems.append(f"line {iline}: {where} requirement needs exactly one of "
                            "after / within")
            continue
        kind = kinds[0]
        names = tuple(_names_list(item[kind]))
        for name in names:
            if name not in clocks:
                problems.append(f"line {iline}: {where} requires unknown clock {name!r}")
        if not names:
            problems.append(f"line {iline}: {where} requirement names no clock")
        source = item.get("source") or " / ".join(
            clocks[n].source for n in names if n in clocks)
        on = item.get("as_of")
        if on is not None and (on not in fields or fields[on].type not in ("date", "datetime")):
            problems.append(f"line {iline}: {where} requirement is judged on {on!r}, which is "
                            "not a date or datetime field of the step")
        in_person = item.get("in_person")
        if in_person is not None and (in_person not in fields
                                      or "in_person" not in fields[in_person].values):
            problems.append(f"line {iline}: {where} requirement in_person {in_person!r} must be "
                            "an enum field of the step with the value in_person")
        alternatives = []
        for alt in item.get("unless") or []:
            if not isinstance(alt, Mapping):
                problems.append(f"line {iline}: {where} unless entries must be mappings")
                continue
            _unknown_keys(alt, EXCEPTION_KEYS, f"{where} exception", problems)
            title = alt.get("title") or {}
            zh, en = (str(title.get("zh", "")), str(title.get("en", ""))) if isinstance(
                title, Mapping) else ("", "")
            if "field" in alt:
                fname = str(alt["field"])
                if fname not in fields:
                    problems.append(f"line {iline}: {where} exception names {fname!r}, which "
                                    "is not a field of the step")
                elif fields[fname].required:
                    problems.append(f"line {iline}: {where} exception field {fname!r} must be "
                                    "optional (required: false)")
                else:
                    zh = zh or fields[fname].title_zh
                    en = en or fields[fname].title_en
                alternatives.append(Exception_("field", field=fname, title_zh=zh, title_en=en))
            elif "override" in alt:
                role = str(alt["override"])
                if role not in ROLES:
                    problems.append(f"line {iline}: {where} override by unknown role {role!r}")
                alternatives.append(Exception_("override", role=role, title_zh=zh or
                                               f"{_ROLE_ZH.get(role, role)}说明理由后批准",
                                               title_en=en or
                                               f"an override by a {role} with a reason"))
            else:
                problems.append(f"line {iline}: {where} exception needs field or override")
        flags = {}
        for flag in ("lapsed", "inclusive"):
            value = item.get(flag, False)
            if not isinstance(value, bool):
                problems.append(f"line {iline}: {where} {flag} must be true or false, "
                                f"not {value!r}")
            elif value and kind != "after":
                problems.append(f"line {iline}: {where} {flag} applies only to after")
            flags[flag] = value is True
        if flags["inclusive"] and on is None:
            problems.append(f"line {iline}: {where} inclusive needs as_of (a date)")
        out.append(PeriodRequirement(kind, names, str(source), on=on, in_person=in_person,
                                     unless=tuple(alternatives), **flags))
    return tuple(out)


def _approval_roles(raw: Any, where: str, line: int, problems: list[str]) -> tuple[str, ...]:
    roles = _names_list(raw)
    if not roles:
        problems.append(f"line {line}: {where} needs roles (who may approve)")
    for role in roles:
        if role not in ROLES:
            problems.append(f"line {line}: {where} names unknown role {role!r} "
                            f"(one of {', '.join(ROLES)})")
    return tuple(roles)


def _parse_approvals(raw: Any, doc_line: int, transitions: Sequence[TransitionDef],
                     clocks: Mapping[str, ClockRule], handoffs: Mapping[str, HandoffRule],
                     problems: list[str]) -> dict[str, ApprovalRule]:
    """The ``approvals:`` block: who may approve an extension, an override, a transfer, and
    who may record a manual pause. What a workflow leaves out is derived from its other rules
    (each extension's approver, each override's role; pauses: officer or supervisor), so a
    rule always exists; what it declares must cover those rules."""
    if raw is None:
        raw = _Located()
    if not isinstance(raw, Mapping):
        problems.append(f"line {doc_line}: approvals must be a mapping of kind to rule")
        raw = _Located()
    triggers = {t.trigger for t in transitions}
    extension_roles = sorted({e.approver for c in clocks.values() for e in c.extensions
                              if not e.recorded})
    override_roles = sorted({e.role for t in transitions for r in t.requires for e in r.unless
                             if e.kind == "override" and e.role})
    derived = {
        "extension": ApprovalRule("extension", tuple(extension_roles) or ("supervisor",),
                                  declared=False),
        "override": ApprovalRule("override", tuple(override_roles) or ("supervisor",),
                                 declared=False),
        "pause": ApprovalRule("pause", DEFAULT_PAUSE_ROLES, declared=False),
    }
    rules: dict[str, ApprovalRule] = dict(derived)
    for kind, spec in raw.items():
        line = _line(spec) or _line(raw) or doc_line
        where = f"approvals {kind!r}"
        if kind not in APPROVAL_KINDS:
            problems.append(f"line {line}: unknown approval kind {kind!r} "
                            f"(one of {', '.join(APPROVAL_KINDS)})")
            continue
        if not isinstance(spec, Mapping):
            problems.append(f"line {line}: {where} must be a mapping")
            continue
        _unknown_keys(spec, APPROVAL_KEYS, where, problems)
        roles = _approval_roles(spec.get("roles"), where, line, problems)
        steps = frozenset(_names_list(spec.get("triggers")))
        kinds = frozenset(_names_list(spec.get("handoffs")))
        asked = frozenset(_names_list(spec.get("requested_by")))
        for name in sorted((steps | asked) - triggers):
            problems.append(f"line {line}: {where} names unknown trigger {name!r}")
        for name in sorted(kinds - set(handoffs)):
            problems.append(f"line {line}: {where} names handoff {name!r}, which this "
                            "workflow does not send")
        if kind == "transfer" and not (steps or kinds):
            problems.append(f"line {line}: {where} needs triggers or handoffs (what decides "
                            "the transfer)")
        if kind != "transfer" and (steps or kinds):
            problems.append(f"line {line}: {where}: triggers and handoffs belong to transfer")
        if asked & steps:
            problems.append(f"line {line}: {where}: a step cannot both ask and decide "
                            f"({', '.join(sorted(asked & steps))})")
        if kind == "pause" and NOT_A_CASE_ROLE in roles:
            problems.append(f"line {line}: {where}: {NOT_A_CASE_ROLE} is not a case role; a "
                            "legal clock is paused by whoever works the case")
        needed = {"extension": extension_roles, "override": override_roles}.get(kind, [])
        for role in sorted(set(needed) - set(roles)):
            problems.append(f"line {line}: {where} does not name role {role!r}, which an "
                            f"{kind} rule of this workflow gives")
        rules[str(kind)] = ApprovalRule(str(kind), roles, steps, kinds, asked)
    return rules


def _parse_handoffs(raw: Any, states: Mapping[str, StateDef],
                    transitions: list[TransitionDef], problems: list[str]) -> dict[str, HandoffRule]:
    if not isinstance(raw, Mapping):
        problems.append("handoffs must be a mapping of handoff kind to rule")
        return {}
    rules: dict[str, HandoffRule] = {}
    for kind, spec in raw.items():
        line = _line(spec) or _line(raw)
        where = f"handoff {kind!r}"
        if kind not in HANDOFF_KINDS:
            problems.append(f"line {line}: unknown handoff kind {kind!r} "
                            f"(one of {', '.join(HANDOFF_KINDS)})")
            continue
        if not isinstance(spec, Mapping):
            problems.append(f"line {line}: {where} must be a mapping")
            continue
        _unknown_keys(spec, HANDOFF_KEYS, where, problems)
        zh, en = _titles(spec.get("title"), where, problems, line)
        to = str(spec.get("to"))
        if to not in AGENCY_KINDS:
            problems.append(f"line {line}: {where} goes to unknown agency kind {to!r}")
        from_states = _names(spec.get("from_states"))
        if not from_states:
            problems.append(f"line {line}: {where} needs from_states")
        for state in from_states:
            if state not in states:
                problems.append(f"line {line}: {where} names unknown state {state!r}")
        fire = spec.get("fire")
        if fire is not None:
            fire = str(fire)
            sources = {src for t in transitions if t.trigger == fire for src in t.sources}
            if not sources:
                problems.append(f"line {line}: {where} fires unknown trigger {fire!r}")
            elif not from_states <= sources:
                problems.append(f"line {line}: {where} fires {fire!r}, which cannot fire from "
                                f"{', '.join(sorted(from_states - sources))}")
        period = _period(spec.get("accept_within"), f"{where} accept_within", line, problems)
        if not spec.get("source"):
            problems.append(f"line {line}: {where} needs a source (the legal text)")
        shares = tuple(str(x) for x in spec.get("shares") or SHARES)
        for share in shares:
            if share not in SHARES:
                problems.append(f"line {line}: {where} shares unknown part {share!r}")
        target = spec.get("target")
        if target not in (None, "linked"):
            problems.append(f"line {line}: {where} target must be 'linked' or absent")
        if period is None:
            continue
        rules[str(kind)] = HandoffRule(
            kind=str(kind), title_zh=zh, title_en=en, to=to, from_states=from_states,
            accept_within=period, source=str(spec.get("source", "")), fire=fire,
            opens=str(spec["opens"]) if spec.get("opens") else None, shares=shares,
            target=target,
        )
    return rules


def _check_graph(
    states: Mapping[str, StateDef], initial: str, transitions: Iterable[TransitionDef],
    doc: Mapping, problems: list[str],
) -> None:
    edges: dict[str, set[str]] = {s: set() for s in states}
    for t in transitions:
        for s in t.sources:
            if s in edges and t.dest in states:
                edges[s].add(t.dest)
    seen = {initial}
    queue = deque([initial])
    while queue:
        for nxt in edges[queue.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    raw_states = doc["states"]
    for name, state in states.items():
        line = _line(raw_states.get(name)) or _line(raw_states)
        if name not in seen:
            problems.append(f"line {line}: state {name!r} is unreachable from {initial!r}")
        if not state.final and not edges[name]:
            problems.append(f"line {line}: state {name!r} is a dead end but not marked final")
    if not any(s.final for s in states.values()):
        problems.append(f"line {_line(doc)}: workflow has no final state")


def load_directory(directory: Path) -> list[WorkflowDefinition]:
    """Parse every ``*.yaml`` in a directory; all problems of all files in one error."""
    definitions: list[WorkflowDefinition] = []
    errors: list[str] = []
    seen: dict[tuple[str, int], str] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            definition = parse_definition(path.read_text(encoding="utf-8"), str(path))
        except WorkflowDefinitionError as exc:
            errors.append(exc.message)
            continue
        ident = (definition.key, definition.version)
        if ident in seen:
            errors.append(f"{path}: {definition.key} version {definition.version} is also defined in {seen[ident]}")
            continue
        seen[ident] = str(path)
        definitions.append(definition)
    keys = {d.key: d for d in definitions}
    for d in definitions:
        for rule in d.handoffs.values():
            if rule.opens is None:
                continue
            opened = keys.get(rule.opens)
            if opened is None:
                errors.append(f"{d.source_name}: handoff {rule.kind!r} opens unknown workflow "
                              f"{rule.opens!r}")
            elif rule.to not in opened.agency_kinds:
                errors.append(f"{d.source_name}: handoff {rule.kind!r} opens {rule.opens!r}, "
                              f"which {rule.to} does not work")
    if errors:
        raise WorkflowDefinitionError("\n".join(errors))
    return definitions


def unexplained_keyed_starts(definition: WorkflowDefinition) -> list[str]:
    """Clocks that start when their step is keyed in, with no recorded legal date (``from``),
    no preceding period (``after``) and no ``keyed_start`` reason in the file. Clocks of the
    initial state start at the case's receipt date; handoff clocks at the handoff."""
    out = []
    for rule in definition.clocks.values():
        if rule.start_from or rule.start_after or rule.keyed_start:
            continue
        if rule.name.startswith("handoff."):
            continue
        if rule.start_states == {definition.initial} and not rule.start_triggers:
            continue
        out.append(f"{definition.key} v{definition.version}: clock {rule.name!r}")
    return out
