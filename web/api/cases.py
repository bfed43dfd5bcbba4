"""``/api/v1/cases``: read a case as the caller may see it, the triggers the caller may fire
now (with their field specs), and fire one against the version the caller read (If-Match)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from caseflow import services
from caseflow.domain.errors import ConflictError, PreconditionFailed, PreconditionRequired
from caseflow.views.cases import case_for
from web.api import caller, uow

blp = Blueprint("cases", __name__, description="Cases: read, triggers, fire")


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


def _etag(version: int) -> str:
    return f'"{version}"'


def _if_match() -> int:
    raw = request.headers.get("If-Match")
    if not raw:
        raise PreconditionRequired("a write to a case needs If-Match with the ETag (the "
                                   "case's version) it was made against")
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailed(f"If-Match {raw!r} is not a version this API issued")
    return int(value)


def _json(body: Any, version: int | None = None) -> Response:
    response = jsonify(body)
    if version is not None:
        response.headers["ETag"] = _etag(version)
    return response


@blp.route("/<int:case_id>")
class CaseResource(MethodView):
    @blp.response(200)
    def get(self, case_id: int):  # type: ignore[no-untyped-def]
        """The case as the caller's agency may see it (404 if it may not, as if missing)."""
        view = case_for(uow(), case_id, caller().username).to_dict()
        return _json(view, view.get("version"))


@blp.route("/<int:case_id>/triggers")
class TriggersResource(MethodView):
    @blp.response(200)
    def get(self, case_id: int):  # type: ignore[no-untyped-def]
        """The triggers the caller may fire now, each with its fields, periods and blocks."""
        options = services.available_triggers(uow(), case_id, caller().username)
        return _json([t.to_dict() for t in options])


@blp.route("/<int:case_id>/fire/<trigger>")
class FireResource(MethodView):
    @blp.arguments(FireBody)
    @blp.response(200, CaseOut)
    def post(self, body: dict[str, Any], case_id: int, trigger: str):  # type: ignore[no-untyped-def]
        """Fire ``trigger`` against the version in If-Match (428 without, 412 if stale)."""
        expected = _if_match()
        try:
            view = services.fire(uow(), case_id, trigger, actor=caller().username,
                                 payload=body["payload"], reason=body["reason"],
                                 expected_version=expected, override=body["override"])
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return _json(view.to_dict(), view.version)
