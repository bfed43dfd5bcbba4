"""Workflows: list, show, diagram; the deadline calculator."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from caseflow.adapters.diagram import draw_svg
from caseflow.domain.definitions import WorkflowDefinition
from caseflow.domain.errors import CaseflowError, ValidationFailed
from caseflow.domain.limits import planned_deadline
from caseflow.views.calendar import counting_calendar
from caseflow.views.workflows import definition_to_show, workflow_versions
from web.api import caller, uow
from web.api.common import NoArgs, Strict

blp = Blueprint("workflows", __name__,
                description="Workflows: list, show, diagram; the deadline calculator")
URL_PREFIX = "/api/v1"

KEY = r"<string(maxlength=64):key>"
VERSION = fields.Integer(load_default=None, validate=validate.Range(min=1, max=1_000_000),
                         metadata={"description": "default: the newest (or the case's)"})


class WorkflowVersionOut(Schema):
    key = fields.String()
    version = fields.Integer()
    effective_from = fields.String(allow_none=True)
    title_zh = fields.String()
    title_en = fields.String()
    open_cases = fields.Integer()


class WorkflowFieldOut(Schema):
    name = fields.String()
    type = fields.String()
    required = fields.Boolean()
    values = fields.List(fields.String())
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)
    max_length = fields.Integer(allow_none=True)
    title_zh = fields.String()
    title_en = fields.String()


class WorkflowStateOut(Schema):
    name = fields.String()
    title_zh = fields.String()
    title_en = fields.String()
    final = fields.Boolean()
    current = fields.Boolean()


class WorkflowTransitionOut(Schema):
    trigger = fields.String()
    sources = fields.List(fields.String())
    dest = fields.String()
    roles = fields.List(fields.String())
    guards = fields.List(fields.String())
    reason_required = fields.Boolean()
    title_zh = fields.String()
    title_en = fields.String()
    fields_ = fields.List(fields.Nested(WorkflowFieldOut), data_key="fields", attribute="fields")


class WorkflowClockOut(Schema):
    name = fields.String()
    title_zh = fields.String()
    title_en = fields.String()
    period = fields.String()
    source = fields.String()


class WorkflowHandoffOut(Schema):
    kind = fields.String()
    title_zh = fields.String()
    title_en = fields.String()
    to = fields.String()
    from_states = fields.List(fields.String())
    accept_within = fields.String()
    fire = fields.String(allow_none=True)
    opens = fields.String(allow_none=True)


class WorkflowDefinitionOut(Schema):
    key = fields.String()
    version = fields.Integer()
    title_zh = fields.String()
    title_en = fields.String()
    effective_from = fields.String(allow_none=True)
    agency_kinds = fields.List(fields.String())
    initial = fields.String()
    current_state = fields.String(allow_none=True)
    states = fields.List(fields.Nested(WorkflowStateOut))
    transitions = fields.List(fields.Nested(WorkflowTransitionOut))
    clocks = fields.List(fields.Nested(WorkflowClockOut))
    handoffs = fields.List(fields.Nested(WorkflowHandoffOut))


class WorkflowShowArgs(Strict):
    version = VERSION
    case_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**63 - 1),
                             metadata={"description": "mark this case's state (one you may "
                                                      "see)"})


class WorkflowDeadlineArgs(Strict):
    from_ = fields.String(data_key="from", required=True, validate=validate.Length(max=64),
                          metadata={"description": "the start, e.g. 2026-03-02T10:00 (read "
                                                   "as Beijing time)"})
    period = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": '"3 working_days", "24 hours", '
                                                    '"3 months", "15 days"'})
    pause = fields.List(fields.String(validate=validate.Length(max=40)), load_default=list,
                        validate=validate.Length(max=50),
                        metadata={"description": "A/B: paused from day A, counting resumes "
                                                 "on day B (repeatable)"})


class WorkflowDeadlineOut(Schema):
    start = fields.String()
    period = fields.String()
    due = fields.String()
    last_day = fields.String()
    rolled_from = fields.String(allow_none=True)
    provisional = fields.Boolean()
    provisional_years = fields.List(fields.Integer())
    calendar_version = fields.String()
    pauses = fields.List(fields.String())
    pause_convention = fields.String()
    paused_days = fields.Integer()
    paused_hours = fields.Float()


def _show(definition: WorkflowDefinition, current: str | None) -> dict[str, Any]:
    return {
        "key": definition.key, "version": definition.version,
        "title_zh": definition.title_zh, "title_en": definition.title_en,
        "effective_from": (definition.effective_from.isoformat()
                           if definition.effective_from else None),
        "agency_kinds": list(definition.agency_kinds), "initial": definition.initial,
        "current_state": current,
        "states": [{"name": name, "title_zh": s.title_zh, "title_en": s.title_en,
                    "final": s.final, "current": name == current}
                   for name, s in definition.states.items()],
        "transitions": [{
            "trigger": t.trigger, "sources": list(t.sources), "dest": t.dest,
            "roles": list(t.roles), "guards": list(t.guards),
            "reason_required": t.reason_required, "title_zh": t.title_zh,
            "title_en": t.title_en,
            "fields": [{"name": f.name, "type": f.type, "required": f.required,
                        "values": list(f.values), "min": f.min, "max": f.max,
                        "max_length": f.max_length, "title_zh": f.title_zh,
                        "title_en": f.title_en} for f in t.fields],
        } for t in definition.transitions],
        "clocks": [{"name": c.name, "title_zh": c.title_zh, "title_en": c.title_en,
                    "period": str(c.period), "source": c.source}
                   for c in definition.clocks.values()],
        "handoffs": [{"kind": h.kind, "title_zh": h.title_zh, "title_en": h.title_en,
                      "to": h.to, "from_states": sorted(h.from_states),
                      "accept_within": str(h.accept_within), "fire": h.fire, "opens": h.opens}
                     for h in definition.handoffs.values()],
    }


@blp.route("/workflows")
class WorkflowsResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, WorkflowVersionOut(many=True))
    def get(self, _args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Every loaded workflow version: the date it applies from and its open cases."""
        return [v.to_dict() for v in workflow_versions(uow(), caller().username)]


@blp.route(f"/workflows/{KEY}")
class WorkflowResource(MethodView):
    @blp.arguments(WorkflowShowArgs, location="query", unknown=RAISE)
    @blp.response(200, WorkflowDefinitionOut)
    def get(self, args: dict[str, Any], key: str):  # type: ignore[no-untyped-def]
        """One workflow version: states, transitions with their field specs (zh/en titles),
        clocks and handoffs; with ``case_id``, that case's state is marked."""
        definition, current = definition_to_show(uow(), key, args["version"], args["case_id"],
                                                 caller().username)
        return _show(definition, current)


@blp.route(f"/workflows/{KEY}/diagram.svg")
class DiagramResource(MethodView):
    @blp.arguments(WorkflowShowArgs, location="query", unknown=RAISE)
    @blp.response(200, content_type="image/svg+xml",
                  description="the state machine as SVG, the case's state highlighted")
    def get(self, args: dict[str, Any], key: str):  # type: ignore[no-untyped-def]
        """The workflow as an SVG diagram; with ``case_id``, that case's state highlighted."""
        definition, current = definition_to_show(uow(), key, args["version"], args["case_id"],
                                                 caller().username)
        return Response(draw_svg(definition, current), mimetype="image/svg+xml")


_FIELDS = {"--from": "from", "--period": "period", "--pause": "pause"}


@blp.route("/deadline")
class DeadlineResource(MethodView):
    @blp.arguments(WorkflowDeadlineArgs, location="query", unknown=RAISE)
    @blp.response(200, WorkflowDeadlineOut)
    def get(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """When a period started at ``from`` falls due, counted exactly as the engine's clocks
        count (working days on the official calendar), with how it was counted."""
        try:
            return planned_deadline(args["from_"], args["period"], list(args["pause"]),
                                    counting_calendar(uow()))
        except CaseflowError as exc:
            if exc.field in _FIELDS:
                name = _FIELDS[exc.field]
                raise ValidationFailed(exc.message.replace(exc.field, name, 1),
                                       field=name) from None
            raise
        except (ValueError, OverflowError) as exc:
            text = str(exc)
            name = "pause" if text.startswith("pause") else "period" \
                if "period" in text else "from"
            raise ValidationFailed(text, field=name) from None
