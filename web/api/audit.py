"""Audit: a case's trail; verify."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from caseflow.services.checkpoints import verify_for
from caseflow.views.audit import case_events
from web.api import caller, uow
from web.api.common import NoArgs, PageArgs, Strict

blp = Blueprint("audit", __name__, description="Audit: a case's trail; verify")
URL_PREFIX = "/api/v1"

MAX_CASES = 1000


class AuditEventOut(Schema):
    seq = fields.Integer()
    kind = fields.String()
    actor = fields.String()
    channel = fields.String(metadata={"description": "how it came in: api:t<token id>, cli, "
                                                     "scheduler, …"})
    at = fields.String(metadata={"description": "ISO 8601, Beijing time"})
    from_ = fields.String(data_key="from", attribute="from", allow_none=True)
    to = fields.String(allow_none=True)
    trigger = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    payload = fields.Dict(metadata={"description": "free-form, by kind"})
    hash = fields.String()


class AuditTrailOut(Schema):
    case_id = fields.Integer()
    case = fields.String()
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(AuditEventOut))


class AuditVerifyBody(Strict):
    case_ids = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1, max=2**63 - 1)),
        load_default=None, allow_none=True, validate=validate.Length(max=MAX_CASES),
        metadata={"description": "the cases to check (default: every case you may check)"})
    evidence = fields.Boolean(load_default=False, truthy={True}, falsy={False},
                              metadata={"description": "also rehash every evidence file"})


class AuditFindingOut(Schema):
    case_id = fields.Integer()
    case = fields.String()
    where = fields.String()
    problem = fields.String()
    text = fields.String()


class AuditVerifyOut(Schema):
    ok = fields.Boolean()
    cases = fields.Integer()
    events = fields.Integer()
    checkpoint = fields.Integer(allow_none=True)
    findings = fields.List(fields.Nested(AuditFindingOut))
    notes = fields.List(fields.String())


@blp.route("/cases/<int:case_id>/events")
class TrailResource(MethodView):
    @blp.arguments(PageArgs, location="query", unknown=RAISE)
    @blp.response(200, AuditTrailOut)
    def get(self, args: dict[str, Any], case_id: int):  # type: ignore[no-untyped-def]
        """The case's audit trail, in chain order: who, when, channel, trigger, from/to,
        reason, payload (its own agency only; 403 for others who may see the case)."""
        return case_events(uow(), case_id, caller().username, page=args["page"],
                           per_page=args["per_page"]).to_dict()


@blp.route("/audit/verify")
class VerifyResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(AuditVerifyBody)
    @blp.response(200, AuditVerifyOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Verify the keyed chains, the seals and the last checkpoint (an admin: every case;
        a supervisor: their agency's). ``ok`` is false when anything was altered or is
        missing; each finding names the case, the row and what differs."""
        store = current_app.extensions["caseflow"].checkpoints
        report = verify_for(uow(), store, actor=caller().username, case_ids=body["case_ids"],
                            evidence=body["evidence"])
        return {"ok": not report.problems, "cases": report.cases, "events": report.events,
                "checkpoint": report.checkpoint,
                "findings": [{"case_id": p.case_id, "case": p.case_number, "where": p.where,
                              "problem": p.problem, "text": str(p)} for p in report.problems],
                "notes": list(report.notes)}
