"""``/api/v1/session``: sign in with a username and password for API clients that use the
session cookie (a page's script, a desktop client) instead of a bearer token.

``POST`` sets the cookie and answers the CSRF token that every later unsafe request of the
session must carry in ``X-CSRFToken``; ``GET`` says who the session (or token) is and gives
the CSRF token again; ``DELETE`` signs out. Signing in takes ``application/json`` only, so no
cross-site form can sign a browser in (415 otherwise). Over https, Flask-WTF also wants a
same-site ``Referer`` on the session's unsafe requests (browsers send one; other clients must
too)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf
from marshmallow import RAISE, Schema, fields, validate

from caseflow.domain.errors import ConflictError, UnsupportedMediaType
from web import signin
from web.api import caller
from web.api.common import NoArgs, Strict

blp = Blueprint("session", __name__, description="Sign-in with a session cookie for API "
                "clients: sign in, who am I, sign out")
URL_PREFIX = "/api/v1/session"
PATH = URL_PREFIX


class SignInBody(Strict):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class SessionOut(Schema):
    username = fields.String(required=True)
    name = fields.String(allow_none=True)
    agency = fields.String(allow_none=True)
    roles = fields.List(fields.String(), allow_none=True)
    via = fields.String(required=True, validate=validate.OneOf(["session", "token"]),
                        metadata={"description": "what authenticated the request"})
    signed_in_at = fields.DateTime(allow_none=True)
    csrf_token = fields.String(allow_none=True, metadata={
        "description": "send it as X-CSRFToken with every unsafe request of the session"})


def _out(user: signin.WebUser, csrf_token: str) -> dict[str, Any]:
    who = user.user
    return {"username": who.username, "name": who.name, "agency": who.agency,
            "roles": sorted(who.roles), "via": "session", "signed_in_at": who.signed_in_at,
            "csrf_token": csrf_token}


@blp.before_request
def _json_only() -> None:
    if request.method == "POST" and not request.is_json:
        raise UnsupportedMediaType(f"signing in takes application/json, not "
                                   f"{request.mimetype or 'a body without a type'}")


@blp.route("")
class SessionResource(MethodView):
    checks_own_text = True  # an odd name or password is one more failed sign-in (401)

    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.arguments(SignInBody)
    @blp.response(201, SessionOut)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS",
                      description="Locked out after repeated failures (Retry-After)")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    @blp.doc(security=[])
    def post(self, _query: dict[str, Any], body: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Sign in: sets the session cookie; answers the session's CSRF token."""
        signed = signin.sign_in(body["username"], body["password"])
        token = signin.start_session(signed)
        return _out(signin.WebUser(signed.user, signed.secret), token), 201

    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(200, SessionOut)
    def get(self, _query: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Who this request is: the signed-in person (with the CSRF token) or the token's
        user."""
        user = signin.session_user()
        if user is not None and caller().token_id is None:
            return _out(user, generate_csrf())
        return {"username": caller().username, "name": None, "agency": None, "roles": None,
                "via": "token", "signed_in_at": None, "csrf_token": None}

    @blp.arguments(NoArgs, location="query", unknown=RAISE)
    @blp.response(204)
    @blp.alt_response(409, response="CONFLICT",
                      description="A bearer token's request has no session to end")
    def delete(self, _query: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Sign out: the session ends (recorded) and the cookie is cleared."""
        if caller().token_id is not None:
            raise ConflictError("a bearer token's request has no session to end; an admin "
                                "revokes the token instead")
        signin.end_session()
        return None
