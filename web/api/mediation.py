"""Mediation: sessions, settlements with instalments, payments, judicial confirmation.

A mediation record is confidential to the mediation body (人民调解法): the mediation body
sees every session with its notes, the agreement and the performance schedule; any other
agency that may see the case sees only its outcome (state, settled, confirmation status).

Recording a session, a settlement or a payment is a write to the case: ``If-Match`` with the
case's version (428 without, 412 if stale), answered with the new version's ETag. Applying
for judicial confirmation sends a ``judicial_confirmation`` handoff to the court (it fires
``request_judicial_confirmation``): If-Match and an ``Idempotency-Key`` header, as any send.
A declared conflict of interest concerns a mediator, not one case: no If-Match."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, ValidationError, fields, validate

from caseflow.domain.errors import ConflictError, PreconditionFailed
from caseflow.domain.limits import LIST_MAX, NAME_MAX, REASON_MAX
from caseflow.services import handoffs
from caseflow.services.mediation.conflicts import declare_conflict
from caseflow.services.mediation.sessions import record_session
from caseflow.services.mediation.settlements import record_payment, record_settlement
from caseflow.views.mediation import mediation_for
from web.api import caller, uow
from web.api.common import WRITES_CASE, NoArgs, Strict, if_match, json_response
from web.api.handoffs import HandoffOut, KeyHeader

blp = Blueprint("mediation", __name__, description="Mediation: sessions, settlements with "
                "instalments, payments, judicial confirmation")
URL_PREFIX = "/api/v1"

CASE = "/cases/<int:case_id>/mediation"


class Text(fields.String):
    """A string that is valid Unicode (JSON can carry lone surrogates; no database takes
    them): refused with 422 naming the field, before any lookup."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("is not valid Unicode text (a lone surrogate)") from None
        return text


_REASON = Text(load_default=None, allow_none=True,
                        validate=validate.Length(max=REASON_MAX))
_NAME = Text(validate=validate.Length(min=1, max=NAME_MAX))


# --- what is shown ------------------------------------------------------------------------------

class MediationSessionOut(Schema):
    id = fields.Integer()
    held_on = fields.String()
    attendees = fields.List(fields.String())
    outcome = fields.String()
    notes = fields.String(metadata={"description": "confidential to the mediation body"})
    recorded_by = fields.String()
    recorded_at = fields.String()


class MediationAgreementOut(Schema):
    id = fields.Integer()
    parties = fields.List(fields.String())
    amount = fields.String(metadata={"description": "yuan, two decimals"})
    amount_fen = fields.Integer()
    currency = fields.String()
    terms = fields.List(fields.String())
    decides_ownership = fields.Boolean()
    decides_validity = fields.Boolean()
    signed_on = fields.String()
    status = fields.String()
    recorded_by = fields.String()


class MediationInstalmentStatusOut(Schema):
    agreement_id = fields.Integer()
    seq = fields.Integer()
    due_on = fields.String()
    last_day = fields.String(metadata={"description": "the due date rolled past rest days"})
    due = fields.String(metadata={"description": "the instant it falls due (Beijing time)"})
    amount = fields.String()
    amount_fen = fields.Integer()
    currency = fields.String()
    paid_on = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(("paid", "due", "late")))
    clock = fields.String(allow_none=True)


class MediationOut(Schema):
    id = fields.Integer()
    visibility = fields.String(validate=validate.OneOf(("full", "outcome")),
                               metadata={"description": "full: the mediation body; outcome: "
                                                        "anyone else (no sessions, agreement "
                                                        "or schedule)"})
    case = fields.String()
    status = fields.String()
    settled = fields.Boolean()
    confirmation = fields.String(metadata={"description": "judicial confirmation: "
                                                          "not_requested, requested, pending, "
                                                          "confirmed, not_confirmed"})
    sessions = fields.List(fields.Nested(MediationSessionOut))
    agreement = fields.Nested(MediationAgreementOut, allow_none=True)
    schedule = fields.List(fields.Nested(MediationInstalmentStatusOut))


class MediationSessionRecordOut(Schema):
    id = fields.Integer()
    case = fields.String()
    held_on = fields.String()
    attendees = fields.List(fields.String())
    outcome = fields.String()
    notes_sha256 = fields.String(metadata={"description": "the notes' digest, as audited"})


class MediationScheduledOut(Schema):
    seq = fields.Integer()
    due_on = fields.String()
    amount = fields.String()
    amount_fen = fields.Integer()
    clock = fields.String()
    due = fields.String()
    last_day = fields.String()


class MediationSettlementOut(Schema):
    id = fields.Integer()
    case = fields.String()
    parties = fields.List(fields.String())
    amount = fields.String()
    amount_fen = fields.Integer()
    currency = fields.String()
    terms = fields.List(fields.String())
    decides_ownership = fields.Boolean()
    decides_validity = fields.Boolean()
    signed_on = fields.String()
    supersedes = fields.List(fields.Integer())
    instalments = fields.List(fields.Nested(MediationScheduledOut))


class MediationPaymentOut(Schema):
    agreement_id = fields.Integer()
    seq = fields.Integer()
    paid_on = fields.String()
    amount = fields.String()
    on_time = fields.Boolean()
    all_paid = fields.Boolean()


class MediationConflictOut(Schema):
    id = fields.Integer()
    mediator = fields.String()
    party_name = fields.String()
    reason = fields.String()
    declared_by = fields.String()
    assigned_cases = fields.List(fields.String(),
                                 metadata={"description": "the mediator's open cases naming "
                                                          "the party: they need reassigning"})


# --- what is sent -------------------------------------------------------------------------------

class MediationSessionBody(Strict):
    held_on = fields.Date(required=True, metadata={"description": "YYYY-MM-DD"})
    attendees = fields.List(_NAME, required=True, validate=validate.Length(min=1, max=LIST_MAX))
    outcome = Text(required=True, validate=validate.Length(min=1, max=200))
    notes = Text(load_default="", validate=validate.Length(max=20_000),
                          metadata={"description": "confidential: kept out of the audit "
                                                   "trail (only their SHA-256 is audited)"})
    reason = _REASON


class MediationInstalmentIn(Strict):
    due_on = fields.Date(required=True)
    amount = Text(required=True, validate=validate.Length(min=1, max=20),
                           metadata={"description": "yuan, at most 2 decimals, e.g. "
                                                    "\"30000.00\""})


class MediationSettlementBody(Strict):
    parties = fields.List(_NAME, required=True, validate=validate.Length(min=2, max=LIST_MAX),
                          metadata={"description": "the names of the case's parties bound"})
    amount = Text(required=True, validate=validate.Length(min=1, max=20),
                           metadata={"description": "the total in yuan, e.g. \"85000.00\""})
    currency = Text(load_default="CNY", validate=validate.Length(min=3, max=3))
    terms = fields.List(Text(validate=validate.Length(min=1, max=64)),
                        load_default=list, validate=validate.Length(max=LIST_MAX),
                        metadata={"description": "non-monetary terms, e.g. cease_infringing, "
                                                 "destroy_stock, withdraw_listings"})
    signed_on = fields.Date(required=True)
    instalments = fields.List(fields.Nested(MediationInstalmentIn), load_default=list,
                              validate=validate.Length(max=LIST_MAX),
                              metadata={"description": "in due order, adding up to amount"})
    reason = _REASON


class MediationPaymentBody(Strict):
    seq = fields.Integer(required=True, strict=True,
                         validate=validate.Range(min=1, max=LIST_MAX))
    paid_on = fields.Date(required=True)
    reason = _REASON


class MediationConfirmationBody(Strict):
    to_agency = Text(required=True, validate=validate.Length(min=1, max=100),
                              metadata={"description": "the court's agency code"})
    court = Text(required=True, validate=validate.Length(min=1, max=NAME_MAX),
                          metadata={"description": "the court applied to, as named on the "
                                                   "application"})
    applied_on = fields.Date(required=True)
    reason = Text(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    to_user = Text(load_default=None, allow_none=True,
                            validate=validate.Length(max=100))


class MediationConflictBody(Strict):
    mediator = Text(required=True, validate=validate.Length(min=1, max=100))
    party_name = Text(required=True, validate=validate.Length(min=1, max=NAME_MAX))
    reason = Text(required=True, validate=validate.Length(min=1, max=REASON_MAX))


def _written(record: Any, status: int = 201) -> Any:
    return json_response(record.to_dict(), record.case_version, status)


@blp.route(CASE)
class MediationResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, MediationOut)
    def get(self, _args: dict[str, Any], case_id: int):  # type: ignore[no-untyped-def]
        """The mediation record as the caller may see it: the mediation body sees sessions
        (with notes), the agreement and each instalment's status; others only the outcome."""
        record, version = mediation_for(uow(), case_id, caller().username)
        return json_response(record.to_dict(), version)


@blp.route(f"{CASE}/sessions")
class SessionsResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(MediationSessionBody)
    @blp.response(201, MediationSessionRecordOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             case_id: int):  # type: ignore[no-untyped-def]
        """Record a mediation session (If-Match): its date, attendees, outcome and notes."""
        expected = if_match()
        try:
            record = record_session(uow(), case_id, actor=caller().username,
                                    held_on=body["held_on"], attendees=body["attendees"],
                                    outcome=body["outcome"], notes=body["notes"],
                                    reason=body["reason"], expected_version=expected)
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return _written(record)


@blp.route(f"{CASE}/settlements")
class SettlementsResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(MediationSettlementBody)
    @blp.response(201, MediationSettlementOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any],
             case_id: int):  # type: ignore[no-untyped-def]
        """Record a signed settlement agreement (If-Match): parties, amount and currency,
        non-monetary terms and an instalment schedule (one clock per instalment). A new
        agreement supersedes the previous one."""
        expected = if_match()
        try:
            record = record_settlement(
                uow(), case_id, actor=caller().username, parties=body["parties"],
                amount=body["amount"], currency=body["currency"], terms=body["terms"],
                signed_on=body["signed_on"], instalments=body["instalments"],
                reason=body["reason"], expected_version=expected)
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return _written(record)


@blp.route(f"{CASE}/settlements/<int:agreement_id>/payments")
class PaymentsResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(MediationPaymentBody)
    @blp.response(201, MediationPaymentOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any], case_id: int,
             agreement_id: int):  # type: ignore[no-untyped-def]
        """Record that instalment ``seq`` of the agreement was paid on ``paid_on``
        (If-Match); its clock stops, and ``on_time`` says whether it was in time."""
        expected = if_match()
        try:
            record = record_payment(uow(), case_id, actor=caller().username,
                                    agreement_id=agreement_id, seq=body["seq"],
                                    paid_on=body["paid_on"], reason=body["reason"],
                                    expected_version=expected)
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return _written(record)


@blp.route(f"{CASE}/judicial-confirmation")
class ConfirmationResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(KeyHeader, location="headers")
    @blp.arguments(MediationConfirmationBody)
    @blp.response(201, HandoffOut, description="the application sent to the court")
    @blp.alt_response(200, schema=HandoffOut,
                      description="a retry: the application the first send with this key made")
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], headers: dict[str, Any], body: dict[str, Any],
             case_id: int):  # type: ignore[no-untyped-def]
        """Apply for judicial confirmation of the signed agreement (If-Match,
        Idempotency-Key): a ``judicial_confirmation`` handoff to the court, within 30 days
        of the agreement; refused for an agreement deciding IP ownership or validity."""
        expected = if_match()
        try:
            view = handoffs.hand_off(
                uow(), case_id, "judicial_confirmation", actor=caller().username,
                to_agency=body["to_agency"], reason=body["reason"],
                idempotency_key=headers["idempotency_key"], to_user=body["to_user"],
                payload={"court": body["court"], "applied_on": body["applied_on"].isoformat()},
                expected_version=expected)
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return json_response(view.to_dict(), view.case_version, 200 if view.replayed else 201)


@blp.route("/mediation/conflicts")
class ConflictsResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(MediationConflictBody)
    @blp.response(201, MediationConflictOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Declare that a mediator is linked to a party (by the mediator, or a supervisor of
        the mediator's body): the mediator is then refused that party's cases."""
        return declare_conflict(uow(), mediator=body["mediator"], party_name=body["party_name"],
                                reason=body["reason"], actor=caller().username).to_dict()
