"""The REST API, ``/api/v1``: flask-smorest on the service layer, which alone reads and
writes the database. Every error is ``application/problem+json`` (RFC 9457); identity comes
from the bearer token, never from a parameter."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from caseflow.domain.errors import Busy, CaseflowError
from caseflow.services.tokens import Caller, authenticate

PROBLEM = "application/problem+json"
PREFIX = "/api/v1"
# one blueprint per resource, each module ``web/api/<name>.py`` with ``blp`` and ``URL_PREFIX``
RESOURCES = ("cases", "clocks", "handoffs", "mediation", "alerts", "audit", "workflows",
             "calendar", "admin")


def problem(status: int, title: str, detail: str | None = None,
            errors: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


_TITLES = {400: "Bad request", 401: "Unauthenticated", 403: "Forbidden", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 412: "Precondition failed",
           413: "Payload too large", 415: "Unsupported media type",
           422: "Unprocessable content", 428: "Precondition required",
           500: "Server error", 503: "Busy"}


def caseflow_problem(exc: CaseflowError) -> Response:
    status = exc.http_status
    errors = {exc.field: [exc.message]} if exc.field else None
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="caseflow"'}
    return problem(status, _TITLES.get(status, "Error"), exc.message, errors, headers)


class CaseflowApi(Api):
    """flask-smorest's handler takes over every HTTP error of the app: keep it to the API's
    paths (pages keep Flask's), answer problem+json, and keep headers such as ``Allow``."""

    def handle_http_exception(self, error: HTTPException):  # type: ignore[override]
        if not request.path.startswith(PREFIX):
            return error
        data = getattr(error, "data", None) or {}
        messages = data.get("messages")
        errors = None
        if isinstance(messages, dict):  # webargs: {location: {field: [messages]}}
            errors = {field: msgs for where in messages.values() if isinstance(where, dict)
                      for field, msgs in where.items()}
        status = error.code or 500
        response = problem(status, _TITLES.get(status, error.name), error.description,
                           errors)
        for name, value in (error.get_headers() or []):
            if name.lower() != "content-type":
                response.headers[name] = value
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        return response


def caller() -> Caller:
    return g.caflow_caller


def uow():  # type: ignore[no-untyped-def]
    """A unit of work whose audit channel names the calling token (``api:t12``)."""
    return current_app.extensions["caseflow"].uow(f"api:t{caller().token_id}")


def init_api(app: Flask) -> Api:
    app.config.setdefault("API_TITLE", "caseflow")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    })
    api = CaseflowApi(app)

    @app.errorhandler(CaseflowError)
    def _caseflow_error(exc: CaseflowError):  # type: ignore[no-untyped-def]
        return caseflow_problem(exc)

    @app.before_request
    def _authenticate():  # type: ignore[no-untyped-def]
        if not request.path.startswith(PREFIX) or request.path == f"{PREFIX}/openapi.json":
            return None
        header = request.headers.get("Authorization", "")
        secret = header[7:].strip() if header[:7].lower() == "bearer " else None
        engine = current_app.extensions["caseflow"]
        g.caflow_caller = authenticate(engine.uow("api"), secret)
        return None

    import importlib

    for name in RESOURCES:
        module = importlib.import_module(f"web.api.{name}")
        api.register_blueprint(module.blp, url_prefix=module.URL_PREFIX)
    return api
