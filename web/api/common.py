"""What every API resource shares: the case version as an ETag and If-Match on case writes,
JSON responses, and the query-string schemas that refuse unknown parameters."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from caseflow.domain.errors import ConflictError, PreconditionFailed, PreconditionRequired

# ``@blp.doc(**WRITES_CASE)`` marks a case write: the document lists its If-Match header
from web.apidocs import IF_MATCH, WRITES_CASE  # noqa: F401 - re-exported

MAX_PAGE = 200


def etag(version: int) -> str:
    return f'"{version}"'


def if_match() -> int:
    """The case version the caller's write was made against (428 without, 412 garbled)."""
    raw = request.headers.get("If-Match")
    if not raw:
        raise PreconditionRequired("a write to a case needs If-Match with the ETag (the "
                                   "case's version) it was made against")
    value = raw.strip()
    if value == "*":
        raise PreconditionRequired("If-Match: * names no version; send the case's ETag")
    if value.startswith("W/"):
        raise PreconditionFailed("a weak ETag never matches a write (RFC 9110 compares "
                                 "If-Match strongly); send the ETag as the API gave it")
    number = value[1:-1] if len(value) > 2 and value[0] == value[-1] == '"' else ""
    if not number.isdigit() or len(number) > 12:
        raise PreconditionFailed(f"If-Match {raw[:40]!r} is not an ETag this API issued "
                                 f"(they look like \"7\")")
    return int(number)


def case_write(write: Any, uow: Any, actor: str, *args: Any, **kwargs: Any) -> Any:
    """Call the service ``write`` as ``actor`` against the case version the caller's
    If-Match sent (428 without one; 412 when the case moved on since)."""
    expected = if_match()
    try:
        return write(uow, *args, actor=actor, expected_version=expected, **kwargs)
    except ConflictError as exc:
        raise PreconditionFailed(exc.message) from None


def json_response(body: Any, version: int | None = None, status: int = 200) -> Response:
    """``body`` as JSON; with ``version``, the case's ETag goes with it."""
    response = jsonify(body)
    response.status_code = status
    if version is not None:
        response.headers["ETag"] = etag(version)
    return response


class Strict(Schema):
    """A body or query schema that refuses what it does not know (422 naming the field).

    In a JSON body a value's type is the JSON type: a boolean field takes ``true``/``false``
    only and a number field a number (marshmallow alone also takes ``0``, ``"yes"`` or
    ``"12"``, which the document says are wrong). Query strings are text and are left to
    marshmallow's parsing."""

    class Meta:
        unknown = RAISE

    @pre_load
    def _json_types(self, data: Any, **_kwargs: Any) -> Any:
        if type(data) is not dict:  # a query string (webargs' MultiDictProxy), or a list
            return data
        errors = {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            if key in data:
                wrong = _json_type_error(field, data[key])
                if wrong:
                    errors[key] = [wrong]
        if errors:
            raise ValidationError(errors)
        return data


def _json_type_error(field: fields.Field, value: Any) -> str | None:
    if value is None:
        return None  # allow_none decides
    if isinstance(field, fields.Boolean) and not isinstance(value, bool):
        return "Not a valid boolean."
    if isinstance(field, fields.Integer) and (isinstance(value, bool)
                                              or not isinstance(value, int)):
        return "Not a valid integer."
    if isinstance(field, fields.Float) and (isinstance(value, bool)
                                            or not isinstance(value, int | float)):
        return "Not a valid number."
    if isinstance(field, fields.List) and isinstance(value, list):
        return next((w for w in (_json_type_error(field.inner, v) for v in value) if w), None)
    return None


class PageArgs(Strict):
    """``?page=&per_page=`` — pages count from 1; at most 200 rows a page."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class ReasonBody(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class NoArgs(Strict):
    """For endpoints that take no query parameters: any given is refused."""
