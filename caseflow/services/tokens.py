"""API tokens: how another system (the province's platforms, a complaint feed, the court's
system) is known to the API. A token acts as its user, a service account of one agency with
that user's roles, until it expires or is revoked; the secret is shown once and only its
SHA-256 is kept."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update

from caseflow.adapters.orm import ApiToken, SystemEvent, User
from caseflow.domain.errors import (
    N_,
    ConflictError,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from caseflow.domain.limits import check_id, check_name, check_reason
from caseflow.services.access import get_user, require_admin, require_reason
from caseflow.services.unit_of_work import UnitOfWork

PREFIX = "cf_"
MAX_DAYS = 366
LAST_USED_EVERY = timedelta(minutes=1)  # last-used time kept to the minute: no write per call


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    id: int
    name: str
    user: str
    agency: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _record(token: ApiToken) -> TokenRecord:
    return TokenRecord(token.id, token.name, token.user.username, token.user.agency.code,
                       token.created_by, token.created_at, token.expires_at,
                       token.revoked_at, token.last_used_at)


FORM_USED = N_("this form was already used: no second token was issued")


def create_token(uow: UnitOfWork, *, for_user: str, name: str, actor: str, days: int = 90,
                 reason: str, demo: bool = False,
                 form_key: str | None = None) -> tuple[TokenRecord, str]:
    """Issue a token for ``for_user`` (an admin does, with a reason); returns its record and
    the secret, which is never shown again. Audited as a system event.

    ``form_key`` (the page's form, once per rendered form) makes a replayed form (a double
    submit, a reloaded result page) issue nothing: ``ConflictError``. The key is kept in the
    audit event; the admin's row is locked first so two at once see each other's."""
    check_name(name, "name")
    if form_key is not None:
        check_name(form_key, "form_key")
    why = check_reason(require_reason(reason, "issuing an API token"))
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(N_("between 1 and %(max)s, got %(value)s"), field="days",
                               params={"max": MAX_DAYS, "value": repr(days)}, prefixed=True)
    with uow:
        require_admin(uow, actor, "issues API tokens")
        if form_key is not None:
            uow.session.execute(select(User.id).where(User.username == actor)
                                .with_for_update())
            used = uow.session.scalar(select(SystemEvent.id).where(
                SystemEvent.kind == "api_token_issued", SystemEvent.actor == actor,
                SystemEvent.payload["form_key"].as_string() == form_key).limit(1))
            if used is not None:
                raise ConflictError(FORM_USED)
        user = get_user(uow, for_user)
        secret = PREFIX + secrets.token_urlsafe(32)
        now = uow.now()
        token = ApiToken(user_id=user.id, name=name.strip(), secret_sha256=_digest(secret),
                         created_by=actor, created_at=now, expires_at=now + timedelta(days=days),
                         demo=demo)
        uow.session.add(token)
        uow.flush()
        uow.session.add(SystemEvent(kind="api_token_issued", actor=actor, at=now, reason=why,
                                    payload={"token": token.id, "user": user.username,
                                             "name": token.name, "days": days,
                                             **({"form_key": form_key} if form_key else {})}))
        record = _record(token)
        uow.commit()
        return record, secret


def revoke_token(uow: UnitOfWork, token_id: int, *, actor: str, reason: str) -> TokenRecord:
    why = check_reason(require_reason(reason, "revoking an API token"))
    with uow:
        require_admin(uow, actor, "revokes API tokens")
        check_id(token_id, "token")
        token = uow.session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(N_("unknown token %(id)s"), params={"id": token_id})
        if token.revoked_at is None:
            token.revoked_at = uow.now()
            uow.session.add(SystemEvent(kind="api_token_revoked", actor=actor, at=uow.now(),
                                        reason=why, payload={"token": token.id}))
        record = _record(token)
        uow.commit()
        return record


def list_tokens(uow: UnitOfWork, *, actor: str) -> list[TokenRecord]:
    with uow:
        require_admin(uow, actor, "lists API tokens")
        return [_record(t) for t in uow.session.scalars(select(ApiToken).order_by(ApiToken.id))]


@dataclass(frozen=True)
class Caller:
    """Who a request is: the token's user, and the token (its id goes into the channel) —
    or a person signed in with a session (``token_id`` None; the session's id instead)."""

    username: str
    token_id: int | None
    session_id: int | None = None


_TOKEN_OF = (select(ApiToken.id, ApiToken.revoked_at, ApiToken.expires_at,
                    ApiToken.last_used_at, ApiToken.demo, User.username, User.active)
             .join(User, User.id == ApiToken.user_id)
             .where(ApiToken.secret_sha256 == bindparam("digest")))


def authenticate(uow: UnitOfWork, secret: str | None, *, demo_mode: bool = False) -> Caller:
    """The caller a bearer secret stands for; Unauthenticated (one answer for every failure)
    for none, an unknown, an expired or a revoked one, a deactivated user, or the demo's
    token outside demo mode."""
    refused = Unauthenticated("a valid API token is required (Authorization: Bearer …)")
    if not secret or not secret.startswith(PREFIX) or len(secret) > 200:
        raise refused
    with uow:
        # every request asks this: one light statement (no entities, no roles — the caller
        # is a name, and each service reads the user it needs); it was a third of a fire
        # through the connection, not an ORM session: no session to build for one row
        token = uow.connection.execute(_TOKEN_OF, {"digest": _digest(secret)}).first()
        now = uow.now()
        if (token is None or token.revoked_at is not None or token.expires_at <= now
                or not token.active or (token.demo and not demo_mode)):
            raise refused
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            uow.connection.execute(update(ApiToken).where(ApiToken.id == token.id)
                                   .values(last_used_at=now))
            uow.commit()
        return Caller(token.username, token.id)
