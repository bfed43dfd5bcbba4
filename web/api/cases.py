"""``/api/v1/cases``: open a case, list the caller's agency's cases (filters, text search,
sorting by what falls due first, pages), read a case as the caller may see it, the triggers
the caller may fire now (with their field specs), fire one, assign and claim, link, and
evidence (multipart upload with a size limit and a media-type allow-list, list, download).

Every write to a case goes against the version the caller read (``If-Match``: 428 without,
412 when stale) and answers with the case's new version as its ``ETag``. JSON bodies must be
``application/json`` and uploads ``multipart/form-data`` (415 otherwise)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import INCLUDE, RAISE, Schema, fields, pre_dump, validate

from caseflow import services
from caseflow.domain.errors import ConflictError, PreconditionFailed
from caseflow.domain.field_values import value_titles
from caseflow.domain.limits import NOTE_MAX, REASON_MAX
from caseflow.domain.moments import aware
from caseflow.domain.vocabulary import (
    INDUSTRIES,
    IP_RIGHT_KINDS,
    LINK_KINDS,
    PARTY_KINDS,
    PARTY_ORIGINS,
    PARTY_ROLES,
)
from caseflow.services.evidence import download_evidence
from caseflow.views.case_list import SORTS, CaseFilters, evidence_of, list_cases
from caseflow.views.cases import case_for
from web.api import caller, uow
from web.api.common import WRITES_CASE, NoArgs, PageArgs, Strict, etag, if_match, json_response
from web.uploads import SNIFFERS, checked_upload, disposition

blp = Blueprint("cases", __name__, description="Cases: open, list, read, triggers, fire, "
                "assign and claim, link, evidence")
URL_PREFIX = "/api/v1/cases"


def _written(exc: ConflictError) -> PreconditionFailed:
    """A write refused because the case moved on since the caller read it: 412."""
    return PreconditionFailed(exc.message)


def _plain(value: Any) -> Any:
    """Dates as ISO dates, stored (naive UTC) times as Beijing times, recursively."""
    if isinstance(value, datetime):
        return (aware(value) if value.tzinfo is None else value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# --- schemas: what comes in --------------------------------------------------------------------

class PartyIn(Strict):
    role = fields.String(required=True, validate=validate.OneOf(PARTY_ROLES))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(load_default="enterprise", validate=validate.OneOf(PARTY_KINDS))
    origin = fields.String(load_default="local", validate=validate.OneOf(PARTY_ORIGINS))
    region = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=100))
    credit_code = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=64),
                                metadata={"description": "统一社会信用代码"})
    contact = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=200))


class RightIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(IP_RIGHT_KINDS))
    number = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "registration number, e.g. G1234567"})
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    holder = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200))


class OpenCaseBody(Strict):
    case_type = fields.String(required=True, validate=validate.Length(min=1, max=64),
                              metadata={"description": "a workflow key, e.g. inspection"})
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    received_on = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "default today (Beijing)"})
    parties = fields.List(fields.Nested(PartyIn), load_default=list,
                          validate=validate.Length(max=200))
    ip_rights = fields.List(fields.Nested(RightIn), load_default=list,
                            validate=validate.Length(max=200))
    data = fields.Dict(keys=fields.String(), load_default=dict,
                       metadata={"description": "free-form case data"})
    assignee = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(min=1, max=64),
                             metadata={"description": "a username of the caller's agency"})
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=REASON_MAX))
    industry = fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(INDUSTRIES),
                             metadata={"description": "the trade of the goods concerned "
                                                      "(the dashboard counts cases by it); "
                                                      "null: not recorded"})


class CaseListArgs(PageArgs):
    type = fields.String(validate=validate.Length(min=1, max=64),
                         metadata={"description": "a case type (workflow key)"})
    state = fields.String(validate=validate.Length(min=1, max=64))
    agency = fields.String(validate=validate.Length(min=1, max=64),
                           metadata={"description": "an agency code"})
    assignee = fields.String(validate=validate.Length(min=1, max=64),
                             metadata={"description": "a username of the caller's agency"})
    unassigned = fields.Boolean()
    overdue = fields.Boolean(metadata={"description": "a running clock is past due"})
    due_before = fields.Date(metadata={"description": "a running clock falls due before "
                                                      "this day begins (Beijing)"})
    received_from = fields.Date()
    received_to = fields.Date()
    q = fields.String(validate=validate.Length(max=200),
                      metadata={"description": "text in the number, title, a party's name or "
                                               "an IP right's number"})
    industry = fields.String(validate=validate.OneOf(INDUSTRIES),
                             metadata={"description": "cases of this industry"})
    sort = fields.String(load_default="due", validate=validate.OneOf(SORTS),
                         metadata={"description": "due (default): the earliest running "
                                                  "clock first, cases without one last"})


class FireBody(Strict):
    payload = fields.Dict(keys=fields.String(), load_default=dict,
                          metadata={"description": "the step's fields, as its specs say"})
    reason = fields.String(load_default=None, allow_none=True)
    override = fields.String(load_default=None, allow_none=True,
                             metadata={"description": "set aside a period the workflow lets "
                                                      "your role override, with the reason"})


class AssignBody(Strict):
    assignee = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=REASON_MAX))


class ClaimBody(Strict):
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=REASON_MAX))


class LinkBody(Strict):
    to_case_id = fields.Integer(required=True, strict=True)
    kind = fields.String(load_default="related", validate=validate.OneOf(LINK_KINDS),
                         metadata={"description": "parent_child: this case is the parent"})
    reason = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=REASON_MAX))


class EvidenceForm(Strict):
    file = Upload(metadata={"description": "the file (its part's Content-Type is checked "
                                           "against its leading bytes)"})
    description = fields.String(load_default="", validate=validate.Length(max=NOTE_MAX))


# --- schemas: what goes out --------------------------------------------------------------------

class CaseOut(Schema):
    """A case after a write: enough to show it and to send the next write."""

    id = fields.Integer(required=True)
    number = fields.String(required=True)
    case_type = fields.String(required=True)
    workflow_key = fields.String(required=True)
    workflow_version = fields.Integer(required=True)
    status = fields.String(required=True)
    version = fields.Integer(required=True)
    agency = fields.String(required=True)
    title = fields.String(required=True)
    closed = fields.Boolean(required=True)
    industry = fields.String(required=True, allow_none=True,
                             validate=validate.OneOf(INDUSTRIES))


class CaseItemOut(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    type = fields.String(required=True)
    state = fields.String(required=True)
    title = fields.String(required=True)
    agency = fields.String(required=True)
    assignee = fields.String(required=True, allow_none=True)
    received_on = fields.Date(required=True)
    next_due = fields.DateTime(required=True, allow_none=True,
                               metadata={"description": "the earliest running clock's due "
                                                        "time (Beijing), or null"})
    overdue = fields.Boolean(required=True)


class CasePageOut(Schema):
    items = fields.List(fields.Nested(CaseItemOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class CaseReadOut(Schema):
    """A case as the caller may see it; ``visibility`` says which view: ``full`` (the owning
    agency), ``shared`` (what handoffs to the caller's agency share), ``outcome``, or a
    mediation record. Parts a view does not show are absent."""

    class Meta:
        unknown = INCLUDE

    visibility = fields.String(required=True)
    id = fields.Integer(required=True)
    number = fields.String()
    case = fields.String()
    title = fields.String()
    type = fields.String()
    workflow = fields.String()
    status = fields.String()
    version = fields.Integer()
    agency = fields.String()
    assignee = fields.String(allow_none=True)
    received_on = fields.String()
    closed_at = fields.String(allow_none=True)
    industry = fields.String(allow_none=True, validate=validate.OneOf(INDUSTRIES))
    closed = fields.Boolean()
    data = fields.Dict()
    parties = fields.List(fields.Dict())
    ip_rights = fields.List(fields.Dict())
    evidence = fields.List(fields.Dict())
    links = fields.List(fields.Dict())
    events = fields.List(fields.Dict())
    handoffs = fields.List(fields.Dict())
    materials = fields.List(fields.Dict())
    outcomes = fields.List(fields.String())


class ValueTitleOut(Schema):
    """One choice of an enum field: the code to send and its titles to show."""

    value = fields.String(required=True, metadata={"description": "the code a payload sends"})
    zh = fields.String(required=True, metadata={"description": "its Chinese title"})
    en = fields.String(required=True, metadata={"description": "its English title"})


class FieldOut(Schema):
    name = fields.String(required=True)
    type = fields.String(required=True)
    required = fields.Boolean(required=True)
    values = fields.List(fields.String(), required=True)
    value_titles = fields.List(fields.Nested(ValueTitleOut), required=True, metadata={
        "description": "an enum field's values in the order of values, each with its Chinese "
                       "and English title (a code without one shows the code); empty for "
                       "other types"})
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)

    @pre_dump
    def _with_value_titles(self, spec: Any, **_kw: Any) -> dict[str, Any]:
        """The workflows name enum choices by code only; their titles live beside them."""
        return {"name": spec.name, "type": spec.type, "required": spec.required,
                "values": list(spec.values), "title_zh": spec.title_zh,
                "title_en": spec.title_en,
                "value_titles": value_titles(spec.name, spec.values)}


class PeriodOut(Schema):
    kind = fields.String(required=True)
    clocks = fields.List(fields.String(), required=True)
    source = fields.String(required=True)
    on = fields.String(required=True, allow_none=True)
    met = fields.Boolean(required=True)
    detail = fields.String(required=True)
    unless = fields.List(fields.String(), required=True)
    unless_zh = fields.List(fields.String(), required=True)


class TriggerOut(Schema):
    trigger = fields.String(required=True)
    dest = fields.String(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(required=True)
    reason_required = fields.Boolean(required=True)
    fields_ = fields.List(fields.Nested(FieldOut), required=True, data_key="fields",
                          attribute="fields")
    blocked_by = fields.List(fields.String(), required=True)
    periods = fields.List(fields.Nested(PeriodOut), required=True)


class LinkOut(Schema):
    id = fields.Integer(required=True)
    from_case = fields.String(required=True, data_key="from")
    to_case = fields.String(required=True, data_key="to")
    kind = fields.String(required=True)


class EvidenceOut(Schema):
    id = fields.Integer(required=True)
    case = fields.String(required=True)
    filename = fields.String(required=True)
    media_type = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    description = fields.String(required=True)


class EvidenceItemOut(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    media_type = fields.String(required=True)
    sha256 = fields.String(required=True)
    size = fields.Integer(required=True)
    description = fields.String(required=True)
    added_by = fields.String(required=True)
    added_at = fields.DateTime(required=True)


# --- the cases collection ----------------------------------------------------------------------

@blp.route("")
class CasesResource(MethodView):
    @blp.arguments(CaseListArgs, location="query", unknown=RAISE)
    @blp.response(200, CasePageOut)
    def get(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """The caller's agency's cases: filtered, searched, sorted, a page at a time."""
        page, per_page, sort = args.pop("page"), args.pop("per_page"), args.pop("sort")
        return list_cases(uow(), caller().username, CaseFilters(**args), sort=sort,
                          page=page, per_page=per_page)

    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(OpenCaseBody)
    @blp.response(201, CaseOut)
    def post(self, _query: dict[str, Any], body: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Open a case in the caller's agency (201, its Location and ETag)."""
        view = services.open_case(uow(), actor=caller().username, **body)
        return view, 201, {"Location": f"{URL_PREFIX}/{view.id}", "ETag": etag(view.version)}


# --- one case ----------------------------------------------------------------------------------

@blp.route("/<int:case_id>")
class CaseResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, CaseReadOut)
    def get(self, _query: dict[str, Any], case_id: int):  # type: ignore[no-untyped-def]
        """The case as the caller's agency may see it (404 if it may not, as if missing)."""
        view = _plain(case_for(uow(), case_id, caller().username).to_dict())
        return json_response(view, view.get("version"))


@blp.route("/<int:case_id>/triggers")
class TriggersResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, TriggerOut(many=True))
    def get(self, _query: dict[str, Any], case_id: int):  # type: ignore[no-untyped-def]
        """The triggers the caller may fire now, each with its fields, periods and blocks."""
        return services.available_triggers(uow(), case_id, caller().username)


@blp.route("/<int:case_id>/fire/<trigger>")
class FireResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(FireBody)
    @blp.response(200, CaseOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _query: dict[str, Any], body: dict[str, Any], case_id: int,
             trigger: str):  # type: ignore[no-untyped-def]
        """Fire ``trigger`` against the version in If-Match (428 without, 412 if stale)."""
        expected = if_match()
        try:
            view = services.fire(uow(), case_id, trigger, actor=caller().username,
                                 payload=body["payload"], reason=body["reason"],
                                 expected_version=expected, override=body["override"])
        except ConflictError as exc:
            raise _written(exc) from None
        return view, 200, {"ETag": etag(view.version)}


@blp.route("/<int:case_id>/assign")
class AssignResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(AssignBody)
    @blp.response(200, CaseOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _query: dict[str, Any], body: dict[str, Any],
             case_id: int):  # type: ignore[no-untyped-def]
        """Assign the case to a user of its agency (a supervisor does), against If-Match."""
        expected = if_match()
        try:
            view = services.assign(uow(), case_id, body["assignee"], actor=caller().username,
                                   reason=body["reason"], expected_version=expected)
        except ConflictError as exc:
            raise _written(exc) from None
        return view, 200, {"ETag": etag(view.version)}


@blp.route("/<int:case_id>/claim")
class ClaimResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(ClaimBody)
    @blp.response(200, CaseOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _query: dict[str, Any], body: dict[str, Any],
             case_id: int):  # type: ignore[no-untyped-def]
        """Take an unassigned case for yourself, against If-Match."""
        expected = if_match()
        me = caller().username
        try:
            view = services.assign(uow(), case_id, me, actor=me, reason=body["reason"],
                                   expected_version=expected)
        except ConflictError as exc:
            raise _written(exc) from None
        return view, 200, {"ETag": etag(view.version)}


@blp.route("/<int:case_id>/links")
class LinksResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(LinkBody)
    @blp.response(201, LinkOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _query: dict[str, Any], body: dict[str, Any],
             case_id: int):  # type: ignore[no-untyped-def]
        """Link this case to another of the agency's cases, against this case's If-Match."""
        expected = if_match()
        try:
            link = services.link_cases(uow(), case_id, body["to_case_id"],
                                       actor=caller().username, kind=body["kind"],
                                       reason=body["reason"], expected_version=expected)
        except ConflictError as exc:
            raise _written(exc) from None
        return link, 201, {"ETag": etag(link.from_version)}


# --- evidence ----------------------------------------------------------------------------------

@blp.route("/<int:case_id>/evidence")
class EvidenceResource(MethodView):
    body_types = ("multipart/form-data",)  # web/api/bodies.py: anything else is a 415

    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, EvidenceItemOut(many=True))
    def get(self, _query: dict[str, Any], case_id: int):  # type: ignore[no-untyped-def]
        """The case's evidence the caller may download (404 for outsiders)."""
        return list(evidence_of(uow(), case_id, caller().username))  # a tuple means status

    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(EvidenceForm, location="form", unknown=RAISE,
                   content_type="multipart/form-data")
    @blp.response(201, EvidenceOut)
    @blp.doc(**WRITES_CASE)
    def post(self, _query: dict[str, Any], form: dict[str, Any],
             case_id: int):  # type: ignore[no-untyped-def]
        """Attach a file (multipart ``file``, ``description``), against If-Match."""
        expected = if_match()
        name, media_type, content = checked_upload()
        try:
            record = services.attach_evidence(
                uow(), case_id, actor=caller().username, filename=name, content=content,
                media_type=media_type, description=form["description"],
                expected_version=expected)
        except ConflictError as exc:
            raise _written(exc) from None
        body = {"id": record.id, "case": record.case, "filename": name,
                "media_type": media_type, "sha256": record.sha256, "size": record.size,
                "description": form["description"]}
        return body, 201, {"ETag": etag(record.case_version),
                           "Location": f"{URL_PREFIX}/{case_id}/evidence/{record.id}"}


_DOWNLOAD_DOC = {"responses": {"200": {
    "description": "the file's bytes, as the stored media type",
    "content": {kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in sorted(SNIFFERS)},
}}}


@blp.route("/<int:case_id>/evidence/<int:evidence_id>")
class EvidenceFileResource(MethodView):
    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.doc(**_DOWNLOAD_DOC)
    def get(self, _query: dict[str, Any], case_id: int,
            evidence_id: int):  # type: ignore[no-untyped-def]
        """Download one piece of evidence (an attachment, never rendered in place)."""
        item = download_evidence(uow(), case_id, evidence_id, actor=caller().username)
        response = Response(item.content, status=200, content_type=item.media_type)
        response.headers["Content-Disposition"] = disposition(item.filename)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
