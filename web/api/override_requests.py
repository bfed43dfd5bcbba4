"""Override requests: who takes a step a period binds asks a supervisor to set the period
aside; once approved, their next firing of the step (while the case stays in that state)
uses it.

Asking and deciding are writes to the case (each is an event in its audit chain): they need
``If-Match`` with the case's version and answer with the new one. The list and each request
are the caller's agency's only; another agency's request is answered as a missing one."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from caseflow.domain.limits import ID_MAX, REASON_MAX
from caseflow.domain.vocabulary import OVERRIDE_REQUEST_STATUSES
from caseflow.services import override_requests as service
from caseflow.services.override_requests import OverrideView
from caseflow.views.override_requests import override_request, override_requests
from web.api import caller, uow
from web.api.common import WRITES_CASE, NoArgs, PageArgs, Strict, case_write, json_response

blp = Blueprint("override_requests", __name__,
                description="Override requests: ask a supervisor to set aside a period that "
                            "binds a step; approve, refuse, withdraw")
URL_PREFIX = "/api/v1"


class OverrideOut(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    trigger = fields.String(required=True, metadata={"description": "the step"})
    state = fields.String(required=True, metadata={
        "description": "the case's state when asked: the approval is valid in it only"})
    reason = fields.String(required=True)
    requested_by = fields.String(required=True)
    requested_at = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(OVERRIDE_REQUEST_STATUSES))
    decided_by = fields.String(required=True, allow_none=True)
    decided_at = fields.String(required=True, allow_none=True)
    decision_reason = fields.String(required=True, allow_none=True)
    used_at = fields.String(required=True, allow_none=True, metadata={
        "description": "when the step was taken with it"})


class OverrideAskBody(Strict):
    trigger = fields.String(required=True, validate=validate.Length(min=1, max=64),
                            metadata={"description": "the step a period now refuses"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class OverrideReasonBody(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class OverrideListArgs(PageArgs):
    status = fields.String(load_default=None,
                           validate=validate.OneOf(OVERRIDE_REQUEST_STATUSES),
                           metadata={"description": "only requests in this status"})
    case_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=ID_MAX),
                             metadata={"description": "only this case's requests"})


def _out(view: OverrideView, status: int = 200) -> Any:
    return json_response(view.to_dict(), view.case_version, status)


@blp.route("/cases/<int:case_id>/override-requests")
class AskResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(OverrideAskBody)
    @blp.response(201, OverrideOut, description="asked")
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             case_id: int):  # type: ignore[no-untyped-def]
        """Ask for the override of the periods that now refuse a step (If-Match).

        By someone who may take the step; only where the workflow lets a period be
        overridden, and while it refuses the step; one open request per step."""
        return _out(case_write(service.request_override, uow(), caller().username, case_id,
                               body["trigger"], reason=body["reason"]), 201)


@blp.route("/override-requests")
class ListResource(MethodView):
    @blp.arguments(OverrideListArgs, location="query", unknown=RAISE)
    @blp.response(200, OverrideOut(many=True))
    def get(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """The caller's agency's override requests, newest first."""
        per_page = args["per_page"]
        rows = override_requests(uow(), caller().username, status=args["status"],
                                 case_id=args["case_id"], limit=per_page,
                                 offset=(args["page"] - 1) * per_page)
        return json_response([r.to_dict() for r in rows])


@blp.route("/override-requests/<int:request_id>")
class RequestResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, OverrideOut)
    def get(self, _args: dict[str, Any], request_id: int):  # type: ignore[no-untyped-def]
        """One override request of the caller's agency (its case's version as the ETag)."""
        return _out(override_request(uow(), caller().username, request_id))


@blp.route("/override-requests/<int:request_id>/approve")
class ApproveResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(OverrideReasonBody)
    @blp.response(200, OverrideOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             request_id: int):  # type: ignore[no-untyped-def]
        """Approve (If-Match): the override's role, never the case's assignee (now or
        earlier) nor the request's author."""
        return _out(case_write(service.approve_override, uow(), caller().username, request_id,
                               reason=body["reason"]))


@blp.route("/override-requests/<int:request_id>/refuse")
class RefuseResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(OverrideReasonBody)
    @blp.response(200, OverrideOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             request_id: int):  # type: ignore[no-untyped-def]
        """Refuse, with the reason its author will read (If-Match)."""
        return _out(case_write(service.refuse_override, uow(), caller().username, request_id,
                               reason=body["reason"]))


@blp.route("/override-requests/<int:request_id>/withdraw")
class WithdrawResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(OverrideReasonBody)
    @blp.response(200, OverrideOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             request_id: int):  # type: ignore[no-untyped-def]
        """Take back one's own request (If-Match: the case's version)."""
        return _out(case_write(service.withdraw_override, uow(), caller().username, request_id,
                               reason=body["reason"]))
