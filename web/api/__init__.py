"""The REST API, ``/api/v1``: flask-smorest on the service layer, which alone reads and
writes the database. Every error is ``application/problem+json`` (RFC 9457); identity comes
from the bearer token or the signed-in session (``web.signin``), never from a parameter."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from caseflow.domain.errors import CaseflowError, Unauthenticated
from caseflow.services.tokens import Caller, authenticate
from web.apidocs import is_public

PROBLEM = "application/problem+json"
# webargs would EXCLUDE unknown query parameters whatever the schema says: let each schema's
# own ``Meta.unknown`` decide (``Strict``: RAISE, so ``?bogus=1`` is a 422 naming it)
Blueprint.ARGUMENTS_PARSER.unknown = None
PREFIX = "/api/v1"
# one blueprint per resource, each module ``web/api/<name>.py`` with ``blp`` and ``URL_PREFIX``
RESOURCES = ("cases", "clocks", "extension_requests", "override_requests", "handoffs",
             "mediation", "alerts", "audit", "workflows", "calendar", "admin", "session",
             "reports")


def problem(status: int, title: str, detail: str | None = None,
            errors: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    # a message may quote the caller's input, lone surrogates included: never a 500 for it
    text = json.dumps(body, ensure_ascii=False).encode("utf-8", "replace")
    response = Response(text, status=status, mimetype=PROBLEM)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


_TITLES = {400: "Bad request", 401: "Unauthenticated", 403: "Forbidden", 404: "Not found",
           405: "Method not allowed", 409: "Conflict", 412: "Precondition failed",
           413: "Payload too large", 415: "Unsupported media type",
           422: "Unprocessable content", 428: "Precondition required",
           429: "Too many requests",
           500: "Server error", 503: "Busy"}


def caseflow_problem(exc: CaseflowError) -> Response:
    status = exc.http_status
    errors = {exc.field: [exc.message]} if exc.field else None
    retry_after = getattr(exc, "retry_after", None)  # Busy, TooManyAttempts
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
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

    def _register_responses(self) -> None:
        from web.apidocs import register_problem_responses

        register_problem_responses(self)  # errors documented as problem+json, as sent


def caller() -> Caller:
    return g.caflow_caller


def uow():  # type: ignore[no-untyped-def]
    """A unit of work whose audit channel names the calling token (``api:t12``) or the
    signed-in session (``web:s34``; the event's actor is its user)."""
    who = caller()
    channel = f"api:t{who.token_id}" if who.token_id is not None else f"web:s{who.session_id}"
    return current_app.extensions["caseflow"].uow(channel)


def init_api(app: Flask) -> Api:
    app.config.setdefault("API_TITLE", "caseflow")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    evidence_max = app.config.setdefault("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's default is None: no limit
        app.config["MAX_CONTENT_LENGTH"] = evidence_max + 1024 * 1024  # evidence + its form
    from web.api.bodies import BoundedInt, check_request

    app.url_map.converters["int"] = BoundedInt  # before any route: ids past 2**31-1 are 404
    app.config.setdefault("API_SPEC_OPTIONS", {
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    })
    from web.apidocs import DocumentAsServed, docs

    api = CaseflowApi(app, spec_kwargs={"extra_plugins": [DocumentAsServed()]})
    app.extensions["caseflow.api"] = api  # its problem+json for errors other handlers meet
    app.register_blueprint(docs)  # /api/v1/docs, the reference page (no token needed)

    @app.errorhandler(CaseflowError)
    def _caseflow_error(exc: CaseflowError):  # type: ignore[no-untyped-def]
        return caseflow_problem(exc)

    from web import signin
    from web.api import session as session_api
    from web.security import SAFE_METHODS, csrf

    @app.before_request
    def _authenticate():  # type: ignore[no-untyped-def]
        if not request.path.startswith(PREFIX) or is_public(request.path):
            return None
        header = request.headers.get("Authorization", "")
        if header:  # a token's request: the token alone says who (its cookies count for
            # nothing, so no cross-site page can borrow them and it needs no CSRF token)
            secret = header[7:].strip() if header[:7].lower() == "bearer " else None
            engine = current_app.extensions["caseflow"]
            g.caflow_caller = authenticate(engine.uow("api"), secret,
                                           demo_mode=bool(current_app.config.get("CASEFLOW_DEMO")))
            return None
        if request.path == session_api.PATH and request.method == "POST":
            return None  # signing in (JSON only: no cross-site form can post it)
        user = signin.session_user()
        if user is None:
            ended = signin.session_ended()
            if ended:
                raise Unauthenticated(ended)  # the session's cookie came, its session is over
            authenticate(current_app.extensions["caseflow"].uow("api"), None)  # the one 401
        g.caflow_caller = Caller(user.username, None, user.user.session_id)
        if request.method not in SAFE_METHODS:
            csrf.protect()  # every unsafe request a cookie authenticates (X-CSRFToken)
        return None

    @app.before_request
    def _check_request():  # type: ignore[no-untyped-def]
        if request.path.startswith(PREFIX) and not is_public(request.path):
            check_request()  # after authentication: a stranger learns nothing of the rules
        return None

    import importlib

    for name in RESOURCES:
        module = importlib.import_module(f"web.api.{name}")
        api.register_blueprint(module.blp, url_prefix=module.URL_PREFIX)
    return api
