"""Extension requests: an officer asks for a clock's next extension, the clock's approver
grants or refuses it, the author may withdraw it.

Asking and deciding are writes to the case (each is an event in its audit chain, and a
grant extends the clock): they need ``If-Match`` with the case's version and answer with the
new one. The list and each request are the caller's agency's only; another agency's request
is answered as a missing one."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from caseflow.domain.limits import ID_MAX, LIST_MAX, NAME_MAX, REASON_MAX
from caseflow.domain.vocabulary import EXTENSION_REQUEST_STATUSES
from caseflow.services import extension_requests as service
from caseflow.services.extension_requests import RequestView
from caseflow.views.extension_requests import extension_request, extension_requests
from web.api import caller, uow
from web.api.common import WRITES_CASE, NoArgs, PageArgs, Strict, case_write, json_response

blp = Blueprint("extension_requests", __name__,
                description="Extension requests: an officer asks for a clock's extension, "
                            "its approver grants or refuses it")
URL_PREFIX = "/api/v1"


class ExtensionRequestOut(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    clock = fields.String(required=True, metadata={"description": "the clock's name"})
    by = fields.String(required=True, allow_none=True, metadata={
        "description": "the length asked for, e.g. '10 working_days'; null: the rule's"})
    reason = fields.String(required=True)
    requested_by = fields.String(required=True)
    requested_at = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(EXTENSION_REQUEST_STATUSES))
    decided_by = fields.String(required=True, allow_none=True)
    decided_at = fields.String(required=True, allow_none=True)
    decision_reason = fields.String(required=True, allow_none=True)
    extension_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "the extension granted, once approved"})


class ExtensionAskBody(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    by = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                       metadata={"description": "the length asked for, e.g. "
                                                "'10 working_days' (default: the rule's; "
                                                "needed for an open-ended extension)"})


class ExtensionApproveBody(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    by = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                       metadata={"description": "the length granted (default: as asked)"})
    decided_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the date of a collective decision"})
    participants = fields.List(fields.String(validate=validate.Length(max=NAME_MAX)),
                               load_default=list, validate=validate.Length(max=LIST_MAX),
                               metadata={"description": "who took a collective decision"})


class ExtensionCloseBody(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))


class ExtensionListArgs(PageArgs):
    status = fields.String(load_default=None, validate=validate.OneOf(EXTENSION_REQUEST_STATUSES),
                           metadata={"description": "only requests in this status"})
    case_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=ID_MAX),
                             metadata={"description": "only this case's requests"})


def _out(view: RequestView, status: int = 200) -> Any:
    return json_response(view.to_dict(), view.case_version, status)


@blp.route("/cases/<int:case_id>/clocks/<name>/extension-requests")
class AskResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(ExtensionAskBody)
    @blp.response(201, ExtensionRequestOut, description="asked")
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any], case_id: int,
             name: str):  # type: ignore[no-untyped-def]
        """Ask for the clock's next extension (If-Match: the case's version).

        By the officer handling the case, while the period runs; one request per clock waits
        at a time; the agency's approvers get it in their inbox."""
        return _out(case_write(service.request_extension, uow(), caller().username, case_id,
                               name, reason=body["reason"], by=body["by"]), 201)


@blp.route("/extension-requests")
class ListResource(MethodView):
    @blp.arguments(ExtensionListArgs, location="query", unknown=RAISE)
    @blp.response(200, ExtensionRequestOut(many=True))
    def get(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """The caller's agency's extension requests, newest first."""
        per_page = args["per_page"]
        rows = extension_requests(uow(), caller().username, status=args["status"],
                                  case_id=args["case_id"], limit=per_page,
                                  offset=(args["page"] - 1) * per_page)
        return json_response([r.to_dict() for r in rows])


@blp.route("/extension-requests/<int:request_id>")
class RequestResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, ExtensionRequestOut)
    def get(self, _args: dict[str, Any], request_id: int):  # type: ignore[no-untyped-def]
        """One extension request of the caller's agency (its case's version as the ETag)."""
        return _out(extension_request(uow(), caller().username, request_id))


@blp.route("/extension-requests/<int:request_id>/approve")
class ApproveResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(ExtensionApproveBody)
    @blp.response(200, ExtensionRequestOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             request_id: int):  # type: ignore[no-untyped-def]
        """Grant the extension asked for, or less (If-Match: the case's version).

        By the clock rule's approver, never the case's assignee (now or earlier) nor the
        request's author; the clock is extended as a direct approval would."""
        return _out(case_write(service.approve_request, uow(), caller().username, request_id,
                               reason=body["reason"], by=body["by"],
                               decided_on=body["decided_on"],
                               participants=body["participants"]))


@blp.route("/extension-requests/<int:request_id>/refuse")
class RefuseResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(ExtensionCloseBody)
    @blp.response(200, ExtensionRequestOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             request_id: int):  # type: ignore[no-untyped-def]
        """Refuse the request, with the reason its author will read (If-Match)."""
        return _out(case_write(service.refuse_request, uow(), caller().username, request_id,
                               reason=body["reason"]))


@blp.route("/extension-requests/<int:request_id>/withdraw")
class WithdrawResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(ExtensionCloseBody)
    @blp.response(200, ExtensionRequestOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             request_id: int):  # type: ignore[no-untyped-def]
        """Take back one's own request (If-Match: the case's version)."""
        return _out(case_write(service.withdraw_request, uow(), caller().username, request_id,
                               reason=body["reason"]))
