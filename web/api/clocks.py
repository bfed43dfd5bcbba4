"""Clocks: a case's legal clocks with their explanation; pause, resume, extend, override.

Each clock comes with its due date, state, time left and the reasoning behind its due date.
Pausing, resuming and extending follow the workflow's rules (``approvals:`` — who may pause,
who approves an extension, never the case's own assignee) and are writes to the case: they
need ``If-Match`` with the case's version (its ETag) and answer with the new one.

The engine has no clock-level override: a period that binds a step is set aside when the step
is fired, with ``override`` on ``POST /cases/{id}/fire/{trigger}``."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, Schema, fields, validate

from caseflow.domain.errors import ConflictError, PreconditionFailed
from caseflow.domain.limits import LIST_MAX, NAME_MAX, NOTE_MAX, REASON_MAX
from caseflow.services.clocks import ClockView, extend_clock, pause_clock, resume_clock
from caseflow.views.clocks import case_clocks
from web.api import caller, uow
from web.api.common import WRITES_CASE, NoArgs, Strict, if_match, json_response

blp = Blueprint("clocks", __name__, description="Clocks: a case's legal clocks with their "
                "explanation; pause, resume, extend (an override is given when firing a step)")
URL_PREFIX = "/api/v1"


# --- what a clock looks like ------------------------------------------------------------------

class ExtensionOut(Schema):
    by = fields.String(required=True, metadata={"description": "e.g. '15 working_days'"})
    approved_by = fields.String(required=True)
    reason = fields.String(required=True)


class TimelineOut(Schema):
    """A stretch of the clock's life (``running`` / ``paused``: ``from``, ``to``) or an
    approved extension (``extended``: ``at``, ``by``, ``approved_by``)."""

    kind = fields.String(required=True, validate=validate.OneOf(
        ["running", "paused", "extended"]))
    from_ = fields.String(data_key="from")
    to = fields.String(allow_none=True, metadata={"description": "None: still open"})
    at = fields.String()
    by = fields.String()
    approved_by = fields.String()


class ExplanationOut(Schema):
    step = fields.String(required=True, metadata={
        "description": "start | period | pause | extension | leg | roll | calendar | due | note"})
    zh = fields.String(required=True)
    en = fields.String(required=True)


class ClockOut(Schema):
    clock = fields.String(required=True, metadata={"description": "the clock's name"})
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)
    source = fields.String(required=True, metadata={"description": "the article it runs by"})
    period = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(
        ["running", "paused", "stopped"]))
    started_at = fields.String(required=True)
    due = fields.String(required=True, metadata={"description": "the instant it runs out"})
    last_day = fields.String(required=True)
    provisional = fields.Boolean(required=True, metadata={
        "description": "counted on a calendar not yet published for those days"})
    calendar_version = fields.String(required=True)
    remaining_seconds = fields.Integer(required=True, metadata={
        "description": "negative once past due"})
    overdue = fields.Boolean(required=True)
    paused_seconds = fields.Integer(required=True)
    extensions = fields.List(fields.Nested(ExtensionOut), required=True)
    target = fields.Boolean(required=True, metadata={
        "description": "a service target rather than a statutory period"})
    timeline = fields.List(fields.Nested(TimelineOut), required=True)
    start_basis = fields.String(required=True)
    party = fields.Boolean(required=True, metadata={"description": "the party's own period"})
    explanation = fields.List(fields.Nested(ExplanationOut), required=True)


# --- what a write takes -----------------------------------------------------------------------

class PauseBody(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX),
                           metadata={"description": "one of the clock's pause reasons "
                                                    "(e.g. testing, appraisal)"})
    note = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=NOTE_MAX))
    on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the legal date the cause began (default: now)"})


class ResumeBody(Strict):
    note = fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=NOTE_MAX))
    on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the legal date the cause ended (default: now)"})


class ExtendBody(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    by = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                       metadata={"description": "the length, e.g. '10 working_days'; needed "
                                                "for an open-ended extension"})
    decided_on = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the date of a collective decision"})
    participants = fields.List(fields.String(validate=validate.Length(max=NAME_MAX)),
                               load_default=list, validate=validate.Length(max=LIST_MAX),
                               metadata={"description": "who took a collective decision"})


def _written(view: ClockView) -> Any:
    return json_response(view.to_dict(), view.case_version)


@blp.route("/cases/<int:case_id>/clocks")
class ClocksResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, ClockOut(many=True))
    def get(self, _args: dict[str, Any], case_id: int):  # type: ignore[no-untyped-def]
        """The case's clocks: due date, state, time left and how the due date was counted."""
        return json_response([c.to_dict() for c in case_clocks(uow(), case_id,
                                                               caller().username)])


@blp.route("/cases/<int:case_id>/clocks/<name>/pause")
class PauseResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(PauseBody)
    @blp.response(200, ClockOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any], case_id: int,
             name: str):  # type: ignore[no-untyped-def]
        """Pause a clock for a cause the law does not count (If-Match: the case's version).

        Only a role the workflow's ``approvals: pause`` names (officer or supervisor unless it
        says otherwise) of the case's own agency."""
        expected = if_match()
        try:
            view = pause_clock(uow(), case_id, name, actor=caller().username,
                               reason=body["reason"], note=body["note"], on=body["on"],
                               expected_version=expected)
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return _written(view)


@blp.route("/cases/<int:case_id>/clocks/<name>/resume")
class ResumeResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(ResumeBody)
    @blp.response(200, ClockOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any], case_id: int,
             name: str):  # type: ignore[no-untyped-def]
        """Resume a clock paused by hand (If-Match: the case's version); a pause the case's
        state holds ends when the case moves on."""
        expected = if_match()
        try:
            view = resume_clock(uow(), case_id, name, actor=caller().username,
                                note=body["note"], on=body["on"], expected_version=expected)
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return _written(view)


@blp.route("/cases/<int:case_id>/clocks/<name>/extend")
class ExtendResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(ExtendBody)
    @blp.response(200, ClockOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _args: dict[str, Any], body: dict[str, Any], case_id: int,
             name: str):  # type: ignore[no-untyped-def]
        """Extend a clock with approval, as its rule allows (If-Match: the case's version).

        The approver's role is the rule's; never the case's assignee, now or earlier; a
        collective decision records its date and participants."""
        expected = if_match()
        try:
            view = extend_clock(uow(), case_id, name, actor=caller().username,
                                reason=body["reason"], by=body["by"],
                                decided_on=body["decided_on"],
                                participants=body["participants"], expected_version=expected)
        except ConflictError as exc:
            raise PreconditionFailed(exc.message) from None
        return _written(view)
