"""Users, agencies and API tokens (admin).

Only an admin lists, adds and changes users, resets their passwords, deactivates and
reactivates them, adds agencies, sets office hours and issues or revokes API tokens; any
signed-in caller may read the agencies (where cases can be handed). No response carries a
password hash, a token's hash or a token's secret — except the new token's secret, once, in
the answer that issues it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NoReturn

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, fields, validate

from caseflow.domain.errors import NotFound, ValidationFailed
from caseflow.domain.limits import REASON_MAX
from caseflow.domain.vocabulary import AGENCY_KINDS, ROLES
from caseflow.services import directory, tokens
from caseflow.views import directory as directory_views
from web.api import caller, uow
from web.api.common import NoArgs, PageArgs, ReasonBody, Strict

blp = Blueprint("admin", __name__, description="Users, agencies and API tokens (admin)")
URL_PREFIX = "/api/v1"

USERNAME = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z",
                           error="a username is 1 to 64 letters, digits, '.', '_' or '-', "
                                 "starting with a letter or digit")
AGENCY_CODE = validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,63}\Z",
                              error="an agency code is 1 to 64 lower-case letters, digits or "
                                    "'-', starting with a letter or digit")


def _reason(required: bool = True) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=REASON_MAX))
    return fields.String(load_default=None, allow_none=True,
                         validate=validate.Length(max=REASON_MAX))


class UtcDateTime(fields.DateTime):
    """The engine's naive UTC times, written with their offset (RFC 3339)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


# --- schemas ------------------------------------------------------------------------------

class UserOut(Strict):
    username = fields.String(required=True)
    name = fields.String(required=True)
    agency = fields.String(required=True, metadata={"description": "the agency's code"})
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True)
    supervisor = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True)
    organisation = fields.String(required=True, allow_none=True)
    active = fields.Boolean(required=True)


class UserPageOut(Strict):
    items = fields.List(fields.Nested(UserOut), required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


class UserListArgs(PageArgs):
    agency = fields.String(validate=validate.Length(min=1, max=64),
                           metadata={"description": "only this agency's users (its code)"})
    role = fields.String(validate=validate.OneOf(ROLES))
    active = fields.Boolean(metadata={"description": "true: active users; false: "
                                                     "deactivated ones"})


class UserCreateBody(Strict):
    username = fields.String(required=True, validate=USERNAME)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    agency = fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "the agency's code"})
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                        validate=validate.Length(min=1, max=len(ROLES)))
    supervisor = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(min=1, max=64))
    email = fields.Email(load_default=None, allow_none=True,
                         validate=validate.Length(max=200))
    organisation = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(min=1, max=200))
    reason = _reason(required=False)


class UserPatchBody(Strict):
    name = fields.String(validate=validate.Length(min=1, max=100))
    email = fields.Email(allow_none=True, validate=validate.Length(max=200))
    organisation = fields.String(allow_none=True, validate=validate.Length(min=1, max=200))
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)),
                        validate=validate.Length(min=1, max=len(ROLES)))
    supervisor = fields.String(allow_none=True, validate=validate.Length(min=1, max=64),
                               metadata={"description": "a username, or null for none"})
    reason = _reason()


class PasswordBody(Strict):
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                                 load_only=True)
    reason = _reason()


class AgencyOut(Strict):
    code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(AGENCY_KINDS))
    name_zh = fields.String(required=True)
    name_en = fields.String(required=True)
    city = fields.String(required=True)
    office_closes_at = fields.String(required=True,
                                     metadata={"description": "HH:MM, Asia/Shanghai"})


class AgencyCreateBody(Strict):
    code = fields.String(required=True, validate=AGENCY_CODE)
    kind = fields.String(required=True, validate=validate.OneOf(AGENCY_KINDS))
    name_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(required=True, validate=validate.Length(min=1, max=200))
    city = fields.String(load_default="宁波", validate=validate.Length(min=1, max=64))
    reason = _reason(required=False)


class OfficeHoursOut(Strict):
    agency = fields.String(required=True)
    closes_at = fields.String(required=True, metadata={"description": "HH:MM, Asia/Shanghai"})


class OfficeHoursBody(Strict):
    closes_at = fields.String(required=True, validate=validate.Length(min=1, max=5),
                              metadata={"description": "HH:MM between 06:00 and 23:59"})
    reason = _reason()


class TokenOut(Strict):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    user = fields.String(required=True)
    agency = fields.String(required=True)
    created_by = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    expires_at = UtcDateTime(required=True)
    revoked_at = UtcDateTime(required=True, allow_none=True)
    last_used_at = UtcDateTime(required=True, allow_none=True)


class NewTokenOut(TokenOut):
    secret = fields.String(required=True, metadata={
        "description": "the bearer secret: shown this once, only its SHA-256 is kept"})


class TokenCreateBody(Strict):
    user = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": "the user the token acts as"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"description": "what the token is for"})
    days = fields.Integer(load_default=90, strict=True,
                          validate=validate.Range(min=1, max=tokens.MAX_DAYS))
    reason = _reason()


def _query(schema: type[Strict]):  # type: ignore[no-untyped-def]
    """The query string's schema; an unknown parameter is refused (webargs would drop it:
    its per-location default overrides the schema's ``unknown``)."""
    return blp.arguments(schema, location="query", unknown=RAISE)


def _me() -> str:
    return caller().username


# --- users --------------------------------------------------------------------------------

@blp.route("/users")
class UsersResource(MethodView):
    @_query(UserListArgs)
    @blp.response(200, UserPageOut)
    def get(self, args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """The users, filtered by agency, role and active, a page at a time (admin)."""
        return directory_views.list_users(uow(), actor=_me(), **args).to_dict()

    @_query(NoArgs)
    @blp.arguments(UserCreateBody)
    @blp.response(201, UserOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Add a user to an agency with roles (admin); audited."""
        record = directory.register_user(
            uow(), body["username"], body["name"], body["agency"], body["roles"],
            actor=_me(), supervisor=body["supervisor"], email=body["email"],
            organisation=body["organisation"], reason=body["reason"])
        return record.to_dict()


@blp.route("/users/<username>")
class UserResource(MethodView):
    @_query(NoArgs)
    @blp.response(200, UserOut)
    def get(self, _args: dict[str, Any], username: str):  # type: ignore[no-untyped-def]
        """One user, active or not (admin)."""
        return directory_views.user_detail(uow(), username, actor=_me()).to_dict()

    @_query(NoArgs)
    @blp.arguments(UserPatchBody)
    @blp.response(200, UserOut)
    def patch(self, _args: dict[str, Any], body: dict[str, Any],  # type: ignore[no-untyped-def]
              username: str):
        """Change a user's name, e-mail, organisation, roles or supervisor (admin, with a
        reason); audited. Fields left out stay as they are; null clears e-mail,
        organisation or supervisor."""
        changes = dict(body)
        reason = changes.pop("reason")
        return directory.update_user(uow(), username, actor=_me(), reason=reason,
                                     **changes).to_dict()


@blp.route("/users/<username>/deactivate")
class DeactivateResource(MethodView):
    @_query(NoArgs)
    @blp.arguments(ReasonBody)
    @blp.response(200, UserOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any],  # type: ignore[no-untyped-def]
             username: str):
        """Deactivate a user (admin, with a reason): their tokens and sessions stop working."""
        return directory.deactivate_user(uow(), username, actor=_me(),
                                         reason=body["reason"]).to_dict()


@blp.route("/users/<username>/reactivate")
class ReactivateResource(MethodView):
    @_query(NoArgs)
    @blp.arguments(ReasonBody)
    @blp.response(200, UserOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any],  # type: ignore[no-untyped-def]
             username: str):
        """Reactivate a deactivated user (admin, with a reason)."""
        return directory.reactivate_user(uow(), username, actor=_me(),
                                         reason=body["reason"]).to_dict()


@blp.route("/users/<username>/password")
class PasswordResource(MethodView):
    @_query(NoArgs)
    @blp.arguments(PasswordBody)
    @blp.response(204)
    def post(self, _args: dict[str, Any], body: dict[str, Any],  # type: ignore[no-untyped-def]
             username: str):
        """Reset a user's password (admin, with a reason); audited, never echoed."""
        from caseflow.services import signin

        signin.set_password(uow(), username, body["new_password"], actor=_me(),
                            reason=body["reason"])
        return None


# --- agencies -----------------------------------------------------------------------------

@blp.route("/agencies")
class AgenciesResource(MethodView):
    @_query(NoArgs)
    @blp.response(200, AgencyOut(many=True))
    def get(self, _args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Every agency, by code (any signed-in caller: where cases can be handed)."""
        return [a.to_dict() for a in directory_views.list_agencies(uow(), actor=_me())]

    @_query(NoArgs)
    @blp.arguments(AgencyCreateBody)
    @blp.response(201, AgencyOut)
    @blp.alt_response(200, schema=AgencyOut, description="the agency already existed")
    def post(self, _args: dict[str, Any], body: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Add an agency (admin): 201 when made now, 200 when it exists with that kind."""
        record, created = directory.register_agency(
            uow(), body["code"], body["kind"], body["name_zh"], body["name_en"], body["city"],
            actor=_me(), reason=body["reason"])
        return record.to_dict(), 201 if created else 200


@blp.route("/agencies/<code>")
class AgencyResource(MethodView):
    @_query(NoArgs)
    @blp.response(200, AgencyOut)
    def get(self, _args: dict[str, Any], code: str):  # type: ignore[no-untyped-def]
        """One agency (any signed-in caller)."""
        return directory_views.agency_detail(uow(), code, actor=_me()).to_dict()


def _unknown_agency_is_missing(exc: ValidationFailed, code: str) -> NoReturn:
    """The path names the agency: an unknown one is 404, as any unknown resource."""
    if exc.field == "agency":
        raise NotFound(f"unknown agency {code!r}") from None
    raise exc


@blp.route("/agencies/<code>/office-hours")
class OfficeHoursResource(MethodView):
    @_query(NoArgs)
    @blp.response(200, OfficeHoursOut)
    def get(self, _args: dict[str, Any], code: str):  # type: ignore[no-untyped-def]
        """When the agency's office closes (a counter submission is due by then)."""
        try:
            closes_at = directory.office_hours(uow(), code)
        except ValidationFailed as exc:
            _unknown_agency_is_missing(exc, code)
        return {"agency": code, "closes_at": closes_at}

    @_query(NoArgs)
    @blp.arguments(OfficeHoursBody)
    @blp.response(200, OfficeHoursOut)
    def put(self, _args: dict[str, Any], body: dict[str, Any],  # type: ignore[no-untyped-def]
            code: str):
        """Set when the agency's office closes (admin, with a reason); audited."""
        try:
            closes_at = directory.set_office_hours(uow(), code, body["closes_at"],
                                                   actor=_me(), reason=body["reason"])
        except ValidationFailed as exc:
            _unknown_agency_is_missing(exc, code)
        return {"agency": code, "closes_at": closes_at}


# --- API tokens ---------------------------------------------------------------------------

@blp.route("/tokens")
class TokensResource(MethodView):
    @_query(NoArgs)
    @blp.response(200, TokenOut(many=True))
    def get(self, _args: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Every API token (admin): whose, for what, expiry, revocation, last use; never a
        secret or its hash."""
        return [t.to_dict() for t in tokens.list_tokens(uow(), actor=_me())]

    @_query(NoArgs)
    @blp.arguments(TokenCreateBody)
    @blp.response(201, NewTokenOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any]):  # type: ignore[no-untyped-def]
        """Issue a token acting as ``user`` (admin, with a reason); the secret is in this
        answer only."""
        try:
            record, secret = tokens.create_token(uow(), for_user=body["user"],
                                                 name=body["name"], actor=_me(),
                                                 days=body["days"], reason=body["reason"])
        except NotFound as exc:  # the caller is known: it is the body's user
            raise ValidationFailed(f"user: {exc.message}", field="user") from None
        return {**record.to_dict(), "secret": secret}


@blp.route("/tokens/<int:token_id>/revoke")
class RevokeResource(MethodView):
    @_query(NoArgs)
    @blp.arguments(ReasonBody)
    @blp.response(200, TokenOut)
    def post(self, _args: dict[str, Any], body: dict[str, Any],  # type: ignore[no-untyped-def]
             token_id: int):
        """Revoke a token (admin, with a reason): it stops working at once."""
        return tokens.revoke_token(uow(), token_id, actor=_me(),
                                   reason=body["reason"]).to_dict()
