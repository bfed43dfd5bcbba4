"""Handoffs: send (Idempotency-Key), inbound and outbound, accept, reject, return.

Sending is a write to the case: it needs ``If-Match`` with the case's version and an
``Idempotency-Key`` header (without one: 422, ``errors["Idempotency-Key"]``, as the
draft standard for the header has a bad request). A retry with the same key
and the same request answers the handoff the first send made, with 200 instead of 201; the
same key for another request is refused (422, ``errors.idempotency_key``).

Accepting, rejecting and returning are the receiving agency's decisions on the handoff, not
writes to a case it holds a version of: they take no ``If-Match``. A handoff is known only to
the agency that sent it and the one it is addressed to; to anyone else it is as unknown as a
missing one (404)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from caseflow.domain.errors import ConflictError, PreconditionFailed
from caseflow.domain.limits import ID_MAX, LIST_MAX, NAME_MAX, REASON_MAX
from caseflow.domain.vocabulary import HANDOFF_STATUSES, OPEN_HANDOFF_STATUSES
from caseflow.services import handoffs as service
from caseflow.services.handoffs import HANDOFF_KEY_MAX, HandoffView
from caseflow.views.handoffs import handoff_for, list_for_agency
from web.api import caller, uow
from web.api.common import (
    WRITES_CASE,
    NoArgs,
    PageArgs,
    ReasonBody,
    Strict,
    if_match,
    json_response,
)

blp = Blueprint("handoffs", __name__, description="Handoffs: send (Idempotency-Key), inbound "
                "and outbound, accept, reject, return")
URL_PREFIX = "/api/v1"
KEY_HEADER = "Idempotency-Key"


class MaterialOut(Schema):
    """A piece of the case's evidence (``evidence_id`` … ``size``) or a named document."""

    evidence_id = fields.Integer()
    sha256 = fields.String()
    filename = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    document = fields.String()


class HandoffOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(HANDOFF_STATUSES))
    case_id = fields.Integer(required=True, metadata={"description": "the sending case"})
    from_ = fields.String(required=True, data_key="from",
                          metadata={"description": "the sending agency's code"})
    to = fields.String(required=True, metadata={"description": "the receiving agency's code"})
    sent_by = fields.String(required=True)
    reason = fields.String(required=True)
    status_reason = fields.String(required=True, allow_none=True)
    materials = fields.List(fields.Nested(MaterialOut), required=True)
    linked_case_id = fields.Integer(required=True, allow_none=True)
    linked_case = fields.String(required=True, allow_none=True)
    target_case_id = fields.Integer(required=True, allow_none=True)
    outcome = fields.String(required=True, allow_none=True)
    sent_at = fields.String(required=True)
    received_at = fields.String(required=True, allow_none=True)
    decided_at = fields.String(required=True, allow_none=True)
    idempotency_key = fields.String(required=True)


class SendBody(Strict):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"description": "a kind the case's workflow may send, e.g. "
                                                  "criminal_transfer"})
    to_agency = fields.String(required=True, validate=validate.Length(min=1, max=100))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    to_user = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=100))
    evidence_ids = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=ID_MAX)), load_default=None,
        allow_none=True, validate=validate.Length(max=LIST_MAX),
        metadata={"description": "the evidence to send (default: all of the case's)"})
    documents = fields.List(fields.String(validate=validate.Length(min=1, max=NAME_MAX)),
                            load_default=list, validate=validate.Length(max=LIST_MAX),
                            metadata={"description": "titles of documents sent on paper"})
    payload = fields.Dict(keys=fields.String(), load_default=None, allow_none=True,
                          metadata={"description": "the fields of the step the sending "
                                                   "fires, if its kind fires one"})


class KeyHeader(Schema):
    class Meta:
        unknown = EXCLUDE  # every other header is none of this schema's business

    idempotency_key = fields.String(
        data_key=KEY_HEADER, required=True,
        validate=validate.Length(min=1, max=HANDOFF_KEY_MAX),
        error_messages={"required": f"sending a handoff needs an {KEY_HEADER} header: a key "
                                    "of your choosing; a retry with the same key answers "
                                    "the first send"},
        metadata={"description": "a key of the caller's choosing for this send; a retry "
                                 "with it answers the first send's handoff (422 without)"})


class ListArgs(PageArgs):
    status = fields.List(fields.String(validate=validate.OneOf(HANDOFF_STATUSES)),
                         load_default=lambda: list(OPEN_HANDOFF_STATUSES),
                         validate=validate.Length(min=1, max=len(HANDOFF_STATUSES)),
                         metadata={"description": "repeat for several; default: the open "
                                                  "ones (sent, received)"})


class AcceptBody(Strict):
    assignee = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(min=1, max=100),
                             metadata={"description": "who works the linked case (default: "
                                                      "the caller)"})
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=REASON_MAX))


def _out(view: HandoffView, status: int = 200) -> Any:
    return json_response(view.to_dict(), view.case_version, status)


@blp.route("/cases/<int:case_id>/handoffs")
class SendResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(KeyHeader, location="headers")
    @blp.arguments(SendBody)
    @blp.response(201, HandoffOut, description="sent")
    @blp.alt_response(200, schema=HandoffOut,
                      description="a retry: the handoff the first send with this key made")
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], headers: dict[str, Any], body: dict[str, Any],
             case_id: int):  # type: ignore[no-untyped-def]
        """Send the case to another agency (If-Match: the case's version; Idempotency-Key)."""
        key = headers["idempotency_key"]
        expected = if_match()
        try:
            view = service.hand_off(
                uow(), case_id, body["kind"], actor=caller().username,
                to_agency=body["to_agency"], reason=body["reason"], idempotency_key=key,
                evidence_ids=body["evidence_ids"], documents=body["documents"],
                to_user=body["to_user"], payload=body["payload"], expected_version=expected)
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return _out(view, 200 if view.replayed else 201)


def _listing(args: dict[str, Any], incoming: bool) -> Any:
    per_page = args["per_page"]
    rows = list_for_agency(uow(), caller().username, status=args["status"], incoming=incoming,
                           offset=(args["page"] - 1) * per_page, limit=per_page)
    return json_response([h.to_dict() for h in rows])


@blp.route("/handoffs/inbound")
class InboundResource(MethodView):
    @blp.arguments(ListArgs, location="query", unknown=RAISE)
    @blp.response(200, HandoffOut(many=True))
    def get(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Handoffs addressed to the caller's agency, oldest first (open ones by default)."""
        return _listing(args, incoming=True)


@blp.route("/handoffs/outbound")
class OutboundResource(MethodView):
    @blp.arguments(ListArgs, location="query", unknown=RAISE)
    @blp.response(200, HandoffOut(many=True))
    def get(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Handoffs the caller's agency sent, oldest first (open ones by default)."""
        return _listing(args, incoming=False)


@blp.route("/handoffs/<int:handoff_id>")
class HandoffResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, HandoffOut)
    def get(self, _args: dict[str, Any], handoff_id: int):  # type: ignore[no-untyped-def]
        """One handoff, to the agency that sent it or the one it is addressed to."""
        return _out(handoff_for(uow(), handoff_id, caller().username))


@blp.route("/handoffs/<int:handoff_id>/accept")
class AcceptResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(AcceptBody)
    @blp.response(200, HandoffOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             handoff_id: int):  # type: ignore[no-untyped-def]
        """Accept a handoff addressed to the caller's agency; opens the linked case once."""
        return _out(service.accept(uow(), handoff_id, actor=caller().username,
                                   assignee=body["assignee"], reason=body["reason"]))


@blp.route("/handoffs/<int:handoff_id>/reject")
class RejectResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(ReasonBody)
    @blp.response(200, HandoffOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             handoff_id: int):  # type: ignore[no-untyped-def]
        """Refuse a handoff addressed to the caller's agency, with the reason."""
        return _out(service.reject(uow(), handoff_id, actor=caller().username,
                                   reason=body["reason"]))


@blp.route("/handoffs/<int:handoff_id>/return")
class ReturnResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(ReasonBody)
    @blp.response(200, HandoffOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             handoff_id: int):  # type: ignore[no-untyped-def]
        """Send a handoff back with its materials (incomplete, or not this body's remit)."""
        return _out(service.return_materials(uow(), handoff_id, actor=caller().username,
                                             reason=body["reason"]))
