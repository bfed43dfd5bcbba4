"""``/api/v1/cases``: read a case as the caller may see it, the triggers the caller may fire
now (with their field specs), and fire one against the version the caller read (If-Match)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from caseflow import services
from caseflow.domain.errors import ConflictError, PreconditionFailed
from caseflow.views.cases import case_for
from web.api import caller, uow
from web.api.common import if_match, json_response

blp = Blueprint("cases", __name__, description="Cases: read, triggers, fire")
URL_PREFIX = "/api/v1/cases"


class FireBody(Schema):
    class Meta:
        unknown = RAISE

    payload = fields.Dict(keys=fields.String(), load_default=dict,
                          metadata={"description": "the step's fields, as its specs say"})
    reason = fields.String(load_default=None, allow_none=True)
    override = fields.String(load_default=None, allow_none=True,
                             metadata={"description": "set aside a period the workflow lets "
                                                      "your role override, with the reason"})


class CaseOut(Schema):
    id = fields.Integer()
    number = fields.String()
    status = fields.String()
    version = fields.Integer()


@blp.route("/<int:case_id>")
class CaseResource(MethodView):
    @blp.response(200)
    def get(self, case_id: int):  # type: ignore[no-untyped-def]
        """The case as the caller's agency may see it (404 if it may not, as if missing)."""
        view = case_for(uow(), case_id, caller().username).to_dict()
        return json_response(view, view.get("version"))


@blp.route("/<int:case_id>/triggers")
class TriggersResource(MethodView):
    @blp.response(200)
    def get(self, case_id: int):  # type: ignore[no-untyped-def]
        """The triggers the caller may fire now, each with its fields, periods and blocks."""
        options = services.available_triggers(uow(), case_id, caller().username)
        return json_response([t.to_dict() for t in options])


@blp.route("/<int:case_id>/fire/<trigger>")
class FireResource(MethodView):
    @blp.arguments(FireBody)
    @blp.response(200, CaseOut)
    def post(self, body: dict[str, Any], case_id: int, trigger: str):  # type: ignore[no-untyped-def]
        """Fire ``trigger`` against the version in If-Match (428 without, 412 if stale)."""
        expected = if_match()
        try:
            view = services.fire(uow(), case_id, trigger, actor=caller().username,
                                 payload=body["payload"], reason=body["reason"],
                                 expected_version=expected, override=body["override"])
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return json_response(view.to_dict(), view.version)
