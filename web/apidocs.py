"""The API's document made to say what the server sends, and its reference page.

- Every error is ``application/problem+json`` (RFC 9457): flask-smorest documents its
  default error and its 422 as ``application/json`` with its own schema; here they are
  registered as problem+json with :class:`ProblemSchema`.
- Every operation documents 401 (the bearer scheme is required everywhere).
- ``/api/v1/docs`` is Swagger UI from vendored assets (``web/static/apidocs``, no CDN: the
  machines that run this have no internet) with no inline script, so a Content-Security-Policy
  without ``'unsafe-inline'`` holds. The page and ``/api/v1/openapi.json`` need no token.
"""

from __future__ import annotations

import http
from html import escape
from typing import Any

from apispec import BasePlugin
from flask import Blueprint, Response, url_for
from marshmallow import Schema, fields

DOCS_PATH = "/api/v1/docs"
PROBLEM = "application/problem+json"


class ProblemSchema(Schema):
    """An error (RFC 9457): ``errors`` maps a field to its messages when a field is at fault."""

    type = fields.String(metadata={"example": "about:blank"})
    title = fields.String(metadata={"example": "Unprocessable content"})
    status = fields.Integer(metadata={"example": 422})
    detail = fields.String(metadata={"description": "what went wrong, for a person"})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": "field → its messages (nested for the "
                                                  "parts of a nested field)"})


def register_problem_responses(api: Any) -> None:
    """flask-smorest's lazily registered responses, one per status code, and its default
    error response, as problem+json (replaces ``Api._register_responses``)."""
    for status in http.HTTPStatus:
        response: dict[str, Any] = {"description": status.phrase}
        if not (100 <= status < 200) and status not in (204, 304):
            response["content"] = {PROBLEM: {"schema": ProblemSchema}}
        api.spec.components.response(status.name, response, lazy=True)
    api.spec.components.response(
        "DEFAULT_ERROR",
        {"description": "An error, as application/problem+json",
         "content": {PROBLEM: {"schema": ProblemSchema}}},
        lazy=True)


# the header every case write checks (web/api/common.py ``if_match()``); an operation marked
# ``@blp.doc(**WRITES_CASE)`` lists it beside its other parameters
IF_MATCH = {"in": "header", "name": "If-Match", "required": True,
            "schema": {"type": "string", "maxLength": 40},
            "description": 'the case\'s ETag (its version, e.g. "7") the write was made '
                           "against: 428 without it, 412 when the case has moved on"}
WRITES_CASE_MARK = "x-caseflow-writes-case"
WRITES_CASE = {WRITES_CASE_MARK: True}


class DocumentAsServed(BasePlugin):
    """Make each operation say what the server does: it answers 401 without a valid token;
    a JSON body is required only when its schema has a required field (webargs reads a
    missing body as ``{}``, which a schema of optional fields accepts)."""

    spec: Any = None

    def init_spec(self, spec: Any) -> None:
        super().init_spec(spec)
        self.spec = spec

    def operation_helper(self, path: str | None = None,  # type: ignore[override]
                         operations: dict | None = None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            if not isinstance(operation, dict):
                continue
            operation.setdefault("responses", {}).setdefault("401", "UNAUTHORIZED")
            if operation.pop(WRITES_CASE_MARK, False):
                operation.setdefault("parameters", []).append(dict(IF_MATCH))
            body = operation.get("requestBody")
            if isinstance(body, dict) and body.get("required"):
                content = body.get("content", {}).get("application/json", {})
                if content and not self._has_required(content.get("schema")):
                    body["required"] = False

    def _has_required(self, schema: Any) -> bool:
        if isinstance(schema, dict) and "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.spec.components.schemas.get(name) if self.spec else None
        if isinstance(schema, dict) and (schema.get("type") == "object"
                                         or "properties" in schema):
            return bool(schema.get("required"))
        return True  # not an object schema we can read: keep what flask-smorest said


def is_public(path: str) -> bool:
    """The API paths that need no token: the document and the reference page."""
    return path == "/api/v1/openapi.json" or path == DOCS_PATH or \
        path.startswith(DOCS_PATH + "/")


docs = Blueprint("apidocs", __name__, static_folder="static/apidocs",
                 static_url_path="/assets", url_prefix=DOCS_PATH)

_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{css}">
</head>
<body>
<div id="swagger-ui" data-spec="{spec}"></div>
<script src="{bundle}"></script>
<script src="{init}"></script>
</body>
</html>
"""


@docs.get("")
def reference_page() -> Response:
    """The API reference (Swagger UI) on /api/v1/openapi.json."""
    asset = "apidocs.static"
    page = _PAGE.format(
        title=escape("caseflow API 参考 / API reference"),
        css=escape(url_for(asset, filename="swagger-ui.css")),
        bundle=escape(url_for(asset, filename="swagger-ui-bundle.js")),
        init=escape(url_for(asset, filename="init.js")),
        spec=escape(url_for("api-docs.openapi_json")),
    )
    return Response(page, mimetype="text/html")
