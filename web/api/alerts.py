"""Alerts: the caller's inbox, read, acknowledge.

The inbox is the calling user's own, newest first; another user's notification is answered
exactly like a missing one (404), so nobody learns what other inboxes hold."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields

from caseflow.services.alerts import acknowledge, inbox, mark_read
from web.api import caller, uow
from web.api.common import NoArgs, PageArgs, json_response

blp = Blueprint("alerts", __name__, description="Alerts: the caller's inbox, read, acknowledge")
URL_PREFIX = "/api/v1"


class InboxArgs(PageArgs):
    unread_only = fields.Boolean(load_default=False,
                                 metadata={"description": "only what the caller has not read"})


class InboxItemOut(Schema):
    id = fields.Integer(required=True, metadata={"description": "the notification's id"})
    kind = fields.String(required=True, metadata={
        "description": "warning, overdue, escalation, handoff …"})
    case = fields.String(required=True, allow_none=True, metadata={
        "description": "the case's number"})
    case_id = fields.Integer(required=True, allow_none=True, metadata={
        "description": "the case's id (for /cases/{case_id})"})
    message = fields.String(required=True)
    raised_at = fields.String(required=True)
    due = fields.String(required=True, allow_none=True)
    read = fields.Boolean(required=True)
    acknowledged = fields.Boolean(required=True)


@blp.route("/alerts")
class InboxResource(MethodView):
    @blp.arguments(InboxArgs, location="query", unknown=RAISE)
    @blp.response(200, InboxItemOut(many=True))
    def get(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """The caller's inbox, newest first."""
        per_page = args["per_page"]
        items = inbox(uow(), caller().username, unread_only=args["unread_only"],
                      limit=per_page, offset=(args["page"] - 1) * per_page)
        return json_response([i.to_dict() for i in items])


@blp.route("/alerts/<int:notification_id>/read")
class ReadResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(204)
    def post(self, _args: dict[str, Any], notification_id: int):  # type: ignore[no-untyped-def]
        """Mark one of the caller's notifications read (again: no change)."""
        mark_read(uow(), caller().username, notification_id)
        return Response(status=204)


@blp.route("/alerts/<int:notification_id>/acknowledge")
class AcknowledgeResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(204)
    def post(self, _args: dict[str, Any], notification_id: int):  # type: ignore[no-untyped-def]
        """Acknowledge one of the caller's notifications ("I am on it"); it is read too."""
        acknowledge(uow(), caller().username, notification_id)
        return Response(status=204)
