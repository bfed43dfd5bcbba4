"""The official working-day calendar (admin): status, schedules, overrides."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from caseflow.domain.errors import (
    PayloadError,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from caseflow.domain.schedules import CalendarFileError
from caseflow.services.calendar import load_schedule, set_override
from caseflow.views.calendar import calendar_status
from web.api import caller, uow
from web.api.common import NoArgs, Strict

blp = Blueprint("calendar", __name__,
                description="The official working-day calendar (admin): status, schedules, "
                            "overrides")
URL_PREFIX = "/api/v1"

SCHEDULE_TYPES = ("application/json", "application/yaml", "text/yaml")
MAX_SCHEDULE = 256 * 1024  # bytes: a year's notice is a few hundred


class CalendarStatusOut(Schema):
    official_years = fields.List(fields.Integer(),
                                 metadata={"description": "first and last official year"})
    loaded_years = fields.List(fields.Integer())
    calendar_version = fields.String()
    provisional_due_dates = fields.Integer()
    next_year_missing = fields.Integer(allow_none=True)


class CalendarScheduleOut(Schema):
    year = fields.Integer()
    clocks_recomputed = fields.Integer()


class CalendarScheduleArgs(Strict):
    source = fields.String(load_default="api upload", validate=validate.Length(min=1, max=200),
                           metadata={"description": "where the schedule comes from (the "
                                                    "State Council notice), for the record"})


class CalendarOverrideBody(Strict):
    day = fields.Date(required=True, metadata={"description": "YYYY-MM-DD"})
    kind = fields.String(required=True, validate=validate.OneOf(("rest", "work")))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class CalendarOverrideOut(Schema):
    day = fields.String()
    kind = fields.String()
    clocks_recomputed = fields.Integer()


@blp.route("/calendar")
class CalendarResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, CalendarStatusOut)
    def get(self, _args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Which years are official and loaded, how many due dates are still provisional,
        and whether next year's schedule is missing (admin)."""
        return calendar_status(uow(), caller().username).to_dict()


_SCHEDULE_DOC = {"requestBody": {
    "required": True,
    "description": "the official year schedule, as YAML or as JSON text",
    "content": {kind: {"schema": {"type": "string"}} for kind in SCHEDULE_TYPES},
}}


@blp.route("/calendar/schedules")
class SchedulesResource(MethodView):
    body_types = SCHEDULE_TYPES  # web/api/bodies.py: anything else is a 415

    @blp.arguments(CalendarScheduleArgs, location="query", unknown=RAISE)
    @blp.response(200, CalendarScheduleOut)
    @blp.doc(**_SCHEDULE_DOC)
    def post(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Load a year's official schedule (``year``, ``rest``, ``workdays``) and recompute
        every open clock on it (admin). The body is the file itself: YAML or JSON."""
        kind = (request.mimetype or "").lower()
        if kind not in SCHEDULE_TYPES:
            raise UnsupportedMediaType(f"a schedule is sent as {', '.join(SCHEDULE_TYPES)}, "
                                       f"not {kind or 'no Content-Type'}")
        if (request.content_length or 0) > MAX_SCHEDULE:
            raise PayloadTooLarge(f"a schedule is at most {MAX_SCHEDULE} bytes")
        raw = request.get_data(cache=False)
        if len(raw) > MAX_SCHEDULE:
            raise PayloadTooLarge(f"a schedule is at most {MAX_SCHEDULE} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadError("body", "a schedule is UTF-8 text") from None
        try:
            return load_schedule(uow(), text, actor=caller().username,
                                 source=args["source"]).to_dict()
        except CalendarFileError as exc:  # quoting the file: keep what it decoded to sendable
            message = exc.message.encode("utf-8", "backslashreplace").decode("utf-8")
            raise ValidationFailed(message, field="body") from None


@blp.route("/calendar/overrides")
class OverridesResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(CalendarOverrideBody)
    @blp.response(200, CalendarOverrideOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Declare a local extra rest day (``rest``) or working day (``work``), with the
        reason; open clocks are recomputed on it (admin)."""
        return set_override(uow(), body["day"], body["kind"], actor=caller().username,
                            reason=body["reason"]).to_dict()
