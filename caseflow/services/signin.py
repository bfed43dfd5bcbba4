"""Sign-in for people: passwords (argon2id), sessions with idle and absolute timeouts,
lock-out per account and per address, and a system event for every sign-in, failure,
lock-out, sign-out and password change.

A session is a random secret the browser keeps in its (signed, HttpOnly) cookie; the table
keeps only its SHA-256, when it began and when it was last seen. It ends when its user signs
out, is idle for ``IDLE``, is older than ``ABSOLUTE``, when the user's password changes or
is reset, and at the next request after the user is deactivated.

Lock-out counts failures by the name typed, whether or not such a user exists, so the
answers tell nobody which accounts exist; while locked out every try gets the same answer,
right password or wrong.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from caseflow.adapters.orm import SignInAttempt, SignInLock, SystemEvent, User, WebSession
from caseflow.config import argon2_parameters
from caseflow.domain.errors import (
    N_,
    NotFound,
    TooManyAttempts,
    Unauthenticated,
    ValidationFailed,
)
from caseflow.domain.limits import check_reason
from caseflow.domain.passwords import (
    DEMO_PASSWORD,
    check_password,
    hash_password,
    make_hasher,
    needs_rehash,
    verify_password,
)
from caseflow.services.access import get_user, require_admin, require_reason
from caseflow.services.unit_of_work import UnitOfWork

IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=12)
WINDOW = timedelta(minutes=15)  # failures are counted over this long …
LOCK_FOR = timedelta(minutes=15)  # … and a lock-out lasts this long
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
LAST_SEEN_EVERY = timedelta(minutes=1)  # last-seen kept to the minute: no write per request
REFUSED = "wrong username or password"
SECRET_MAX = 200


def hasher() -> PasswordHasher:
    """The argon2id hasher of the configured cost (``caseflow.config.argon2_parameters``)."""
    return make_hasher(*argon2_parameters())


def _printable(text: str, limit: int = 64) -> str:
    """``text`` fit to store and look up: control characters (NUL, which PostgreSQL refuses)
    and lone surrogates become "?" (no username has them: the directory refuses them)."""
    return "".join("?" if unicodedata.category(ch) in ("Cc", "Cs") else ch
                   for ch in text[:limit])


def _typed(password: object) -> bytes:
    """What was typed as a password, as bytes argon2 takes (a lone surrogate included)."""
    return (password if isinstance(password, str) else "")[:1024].encode(
        "utf-8", "surrogatepass")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionUser:
    """Who a signed-in session is."""

    username: str
    name: str
    agency: str
    roles: frozenset[str]
    session_id: int
    signed_in_at: datetime
    last_seen_at: datetime
    locale: str | None = None  # the pages' language the user chose (None: the default)
    agency_name_zh: str = ""
    agency_name_en: str = ""


@dataclass(frozen=True)
class SignedIn:
    user: SessionUser
    secret: str  # for the cookie; never stored


def _session_user(row: WebSession) -> SessionUser:
    user = row.user
    return SessionUser(user.username, user.name, user.agency.code, user.roles, row.id,
                       row.created_at, row.last_seen_at, user.locale, user.agency.name_zh,
                       user.agency.name_en)


def _event(uow: UnitOfWork, kind: str, actor: str, reason: str | None, **payload) -> None:
    uow.session.add(SystemEvent(kind=kind, actor=actor[:64], at=uow.now(), reason=reason,
                                payload=payload))


def _active_lock(uow: UnitOfWork, scope: str, key: str, now: datetime) -> SignInLock | None:
    return uow.session.scalar(
        select(SignInLock).where(SignInLock.scope == scope, SignInLock.key == key,
                                 SignInLock.locked_until > now)
        .order_by(SignInLock.locked_until.desc()).limit(1))


def _failures_since(uow: UnitOfWork, column, key: str, since: datetime) -> int:
    return uow.session.scalar(select(func.count()).select_from(SignInAttempt).where(
        column == key, SignInAttempt.outcome == "failed", SignInAttempt.at > since)) or 0


def _last(uow: UnitOfWork, *criteria) -> datetime | None:
    return uow.session.scalar(select(func.max(SignInAttempt.at)).where(*criteria))


def _lock_if_due(uow: UnitOfWork, scope: str, key: str, now: datetime,
                 address: str) -> SignInLock | None:
    """Lock ``key`` out when its failures within the window reach the limit: counted since
    the window began, the last lock-out ended and (for an account) its last sign-in."""
    since = now - WINDOW
    last_lock = uow.session.scalar(select(func.max(SignInLock.locked_until)).where(
        SignInLock.scope == scope, SignInLock.key == key))
    if last_lock is not None and last_lock > since:
        since = last_lock
    if scope == "account":
        column, limit = SignInAttempt.username, ACCOUNT_FAILURES
        last_ok = _last(uow, SignInAttempt.username == key, SignInAttempt.outcome == "ok")
        if last_ok is not None and last_ok > since:
            since = last_ok
    else:
        column, limit = SignInAttempt.address, ADDRESS_FAILURES
    if _failures_since(uow, column, key, since) < limit:
        return None
    lock = SignInLock(scope=scope, key=key, locked_at=now, locked_until=now + LOCK_FOR)
    uow.session.add(lock)
    _event(uow, "sign_in_locked", key if scope == "account" else "-",
           f"{limit} failed sign-ins within {int(WINDOW.total_seconds() // 60)} minutes",
           scope=scope, key=key, until=lock.locked_until.isoformat(), address=address)
    return lock


def _locked_out(lock: SignInLock, now: datetime) -> TooManyAttempts:
    wait = max(1, math.ceil((lock.locked_until - now).total_seconds()))
    return TooManyAttempts(f"too many failed sign-ins; try again in {(wait + 59) // 60} "
                           "minutes", retry_after=wait)


def sign_in(uow: UnitOfWork, username: str, password: str, *, address: str,
            demo_mode: bool = False) -> SignedIn:
    """Check a person's username and password and open a session; Unauthenticated (one
    answer for every failure: unknown user, wrong password, deactivated user, the demo
    password outside demo mode) or TooManyAttempts while the account or address is locked
    out. Every outcome is recorded as a system event with the address and why."""
    raw_name = username if isinstance(username, str) else ""
    name = _printable(raw_name)
    addr = _printable(address or "-")
    typed = _typed(password)
    with uow:
        now = uow.now()
        lock = _active_lock(uow, "account", name, now) or _active_lock(uow, "address", addr,
                                                                       now)
        if lock is not None:
            uow.session.add(SignInAttempt(at=now, username=name, address=addr,
                                          outcome="refused"))
            _event(uow, "sign_in_refused", name or "-", f"locked out ({lock.scope})",
                   address=addr, until=lock.locked_until.isoformat())
            uow.commit()
            raise _locked_out(lock, now)
        user = (uow.session.scalar(select(User).where(User.username == name))
                if name and name == raw_name else None)
        ok = verify_password(user.password_hash if user else None, typed, hasher())
        why = None
        if user is None:
            why = "unknown user"
        elif user.password_hash is None:
            why = "no password set"
        elif not ok:
            why = "wrong password"
        elif not user.active:
            why = "user deactivated"
        elif user.password_demo and not demo_mode:
            why = "the demo password works in demo mode only"
        if why is not None:
            uow.session.add(SignInAttempt(at=now, username=name, address=addr,
                                          outcome="failed"))
            _event(uow, "sign_in_failed", name or "-", why, address=addr)
            uow.flush()
            lock = _lock_if_due(uow, "account", name, now, addr)
            lock = _lock_if_due(uow, "address", addr, now, addr) or lock
            uow.commit()
            if lock is not None:
                raise _locked_out(lock, now)
            raise Unauthenticated(REFUSED)
        assert user is not None and user.password_hash is not None
        if not user.password_demo and needs_rehash(user.password_hash, hasher()):
            user.password_hash = hash_password(typed, hasher())
        uow.session.add(SignInAttempt(at=now, username=name, address=addr, outcome="ok"))
        secret = secrets.token_urlsafe(32)
        row = WebSession(secret_sha256=_digest(secret), user_id=user.id, address=addr,
                         created_at=now, last_seen_at=now)
        uow.session.add(row)
        uow.flush()
        _event(uow, "signed_in", user.username, None, address=addr, session=row.id,
               **({"demo": True} if user.password_demo else {}))
        signed = SignedIn(_session_user(row), secret)
        uow.commit()
        return signed


def _end(uow: UnitOfWork, row: WebSession, code: str, why: str,
         kind: str = "session_ended") -> None:
    """End a session: ``code`` (a word) on its row, ``why`` in the system event."""
    row.ended_at = uow.now()
    row.end_reason = code[:32]
    _event(uow, kind, row.user.username, why, session=row.id, address=row.address)


def resume_session(uow: UnitOfWork, secret: str | None, *, demo_mode: bool = False,
                   idle: timedelta = IDLE, absolute: timedelta = ABSOLUTE) -> SessionUser:
    """The person a session secret stands for, its last-seen time moved on; Unauthenticated
    (saying why) once it ended, has been idle for ``idle``, is older than ``absolute``, or
    its user was deactivated (their sessions end at their next request)."""
    if not isinstance(secret, str) or not secret or len(secret) > SECRET_MAX:
        raise Unauthenticated("not signed in")
    with uow:
        row = uow.session.scalar(select(WebSession).where(
            WebSession.secret_sha256 == _digest(secret)))
        if row is None:
            raise Unauthenticated("not signed in")
        if row.ended_at is not None:
            raise Unauthenticated(f"the session has ended ({row.end_reason}); sign in again")
        now = uow.now()
        code = why = None
        if not row.user.active:
            code, why = "deactivated", "user deactivated"
        elif row.user.password_demo and not demo_mode:
            code, why = "demo_password", "the demo password works in demo mode only"
        elif now - row.created_at >= absolute:
            code = "absolute"
            why = f"expired: signed in over {absolute.total_seconds() / 3600:g} hours ago"
        elif now - row.last_seen_at >= idle:
            code, why = "idle", f"expired: idle for over {idle.total_seconds() / 60:g} minutes"
        if code is not None and why is not None:
            _end(uow, row, code, why,
                 "session_expired" if code in ("idle", "absolute") else "session_ended")
            uow.commit()
            raise Unauthenticated(f"the session has ended ({why}); sign in again")
        if now - row.last_seen_at >= LAST_SEEN_EVERY:
            row.last_seen_at = now
            user = _session_user(row)
            uow.commit()
            return user
        return _session_user(row)


LOCALES = ("zh_Hans_CN", "en")


def set_locale(uow: UnitOfWork, username: str, locale: str) -> None:
    """Remember the pages' language ``username`` chose (one of ``LOCALES``): a preference,
    not a case record, so it is not in the audit trail."""
    if locale not in LOCALES:
        raise ValidationFailed(N_("must be one of %(values)s"), field="locale",
                               params={"values": ", ".join(LOCALES)}, prefixed=True)
    with uow:
        updated = uow.session.execute(update(User).where(User.username == username)
                                      .values(locale=locale))
        if updated.rowcount != 1:
            raise NotFound(N_("unknown user %(user)s"), params={"user": repr(username)})
        uow.commit()


def sign_out(uow: UnitOfWork, secret: str | None) -> str | None:
    """End the session ``secret`` stands for (recorded); the username, or None if there was
    no open session."""
    if not isinstance(secret, str) or not secret or len(secret) > SECRET_MAX:
        return None
    with uow:
        row = uow.session.scalar(select(WebSession).where(
            WebSession.secret_sha256 == _digest(secret)))
        if row is None or row.ended_at is not None:
            return None
        _end(uow, row, "signed_out", "signed out", "signed_out")
        username = row.user.username
        uow.commit()
        return username


def _end_sessions(uow: UnitOfWork, user: User, code: str, why: str,
                  keep: str | None = None) -> int:
    query = select(WebSession).where(WebSession.user_id == user.id,
                                     WebSession.ended_at.is_(None))
    if keep:
        query = query.where(WebSession.secret_sha256 != _digest(keep))
    rows = list(uow.session.scalars(query))
    for row in rows:
        _end(uow, row, code, why)
    return len(rows)


def _store(uow: UnitOfWork, user: User, password: str) -> None:
    user.password_hash = hash_password(password, hasher())
    user.password_demo = False
    user.password_changed_at = uow.now()


def change_password(uow: UnitOfWork, username: str, old_password: str, new_password: str,
                    *, keep_session: str | None = None, address: str = "-") -> None:
    """A person changes their own password: the current one is checked (a wrong one counts
    towards the account's lock-out), the new one meets the policy; every other session of
    theirs ends (``keep_session``, the one they changed it in, stays)."""
    check_password(new_password, username)
    if new_password == old_password:
        raise ValidationFailed(N_("must differ from the current password"),
                               field="new_password", prefixed=True)
    addr = _printable(address or "-")
    with uow:
        user = get_user(uow, username)
        now = uow.now()
        lock = _active_lock(uow, "account", user.username, now)
        if lock is not None:
            raise _locked_out(lock, now)
        if not verify_password(user.password_hash, _typed(old_password), hasher()):
            uow.session.add(SignInAttempt(at=now, username=user.username, address=addr,
                                          outcome="failed"))
            _event(uow, "password_change_failed", user.username, "wrong current password",
                   address=addr)
            uow.flush()
            lock = _lock_if_due(uow, "account", user.username, now, addr)
            uow.commit()
            if lock is not None:
                raise _locked_out(lock, now)
            raise ValidationFailed(N_("is not your current password"), field="old_password",
                                   prefixed=True)
        _store(uow, user, new_password)
        ended = _end_sessions(uow, user, "password_changed", "password changed",
                              keep=keep_session)
        _event(uow, "password_changed", user.username, None, address=addr,
               sessions_ended=ended)
        uow.commit()


def set_password(uow: UnitOfWork, username: str, new_password: str, *, actor: str,
                 reason: str) -> None:
    """An admin sets (resets) a user's password, with a reason: the user's sessions end and
    any lock-out of the account is lifted. Audited as a system event."""
    why = check_reason(require_reason(reason, "resetting a password"))
    if not isinstance(username, str) or not username:
        raise ValidationFailed(N_("required"), field="username", prefixed=True)
    check_password(new_password, username)
    with uow:
        require_admin(uow, actor, "resets passwords")
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(N_("unknown user %(user)s"), params={"user": repr(username)})
        now = uow.now()
        _store(uow, user, new_password)
        ended = _end_sessions(uow, user, "password_reset", "password reset by an admin")
        uow.session.execute(update(SignInLock).where(
            SignInLock.scope == "account", SignInLock.key == user.username,
            SignInLock.locked_until > now).values(locked_until=now))
        _event(uow, "password_reset", actor, why, user=user.username, sessions_ended=ended)
        uow.commit()


def end_sessions(uow: UnitOfWork, username: str, *, why: str) -> int:
    """End every open session of ``username`` now (e.g. after deactivating them); how many."""
    with uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(N_("unknown user %(user)s"), params={"user": repr(username)})
        ended = _end_sessions(uow, user, "ended", why)
        uow.commit()
        return ended


def set_demo_passwords(uow: UnitOfWork) -> int:
    """Give every user without a password of their own the demo's shared password ``demo``
    (flagged: it signs in only in demo mode); how many were given it."""
    shared = hash_password(DEMO_PASSWORD, hasher())
    with uow:
        users = list(uow.session.scalars(select(User).where(User.password_hash.is_(None))))
        for user in users:
            user.password_hash = shared
            user.password_demo = True
        if users:
            _event(uow, "demo_passwords_set", "demo", "demo mode: the shared password",
                   users=len(users))
        uow.commit()
        return len(users)
