"""Passwords for people: the policy a new password meets, and argon2id hashing.

A password is at least ``MIN_LENGTH`` characters, not the username (nor contains it), not
made of one kind of character alone (lower case, upper case, digits, other signs — Chinese
characters count as other signs) and not a handful of characters repeated. The demo's shared
password ``demo`` is the one exception, set by the demo itself and honoured in demo mode only.

Hashes are argon2id (argon2-cffi's ``PasswordHasher``; by default RFC 9106's low-memory
profile: 3 passes over 64 MiB, 4 lanes); a hash made with other parameters is rehashed at the
next successful sign-in, so changing them (``caseflow.config.argon2_parameters``) upgrades
every account as its owner signs in.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from caseflow.domain.errors import N_, ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 takes any length; a bound keeps a megabyte "password" out
MIN_DISTINCT = 5
DEMO_PASSWORD = "demo"
# a few that meet the rules above and are still the first an attacker tries
_COMMON = frozenset({
    "password123", "password1!", "passw0rd123", "qwerty12345", "qwertyuiop1", "1qaz2wsx3edc",
    "abc1234567", "abcd123456", "admin12345", "admin123456", "iloveyou123", "woaini1314",
    "caseflow123", "ningbo12345", "welcome123", "changeme123",
})



@lru_cache(maxsize=8)
def make_hasher(time_cost: int = 3, memory_kib: int = 65536,
                parallelism: int = 4) -> PasswordHasher:
    """An argon2id hasher (the defaults: RFC 9106's low-memory profile)."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib,
                          parallelism=parallelism, type=Type.ID)


@lru_cache(maxsize=8)
def _dummy(hasher: PasswordHasher) -> str:
    return hasher.hash("caseflow: no password set for this account")


def hash_password(password: str | bytes, hasher: PasswordHasher) -> str:
    return hasher.hash(password)


def verify_password(stored: str | None, password: str | bytes, hasher: PasswordHasher) -> bool:
    """Whether ``password`` matches ``stored``; a missing or garbled hash matches nothing
    (and costs the same time as a real check, so nobody learns which accounts have one)."""
    try:
        if stored is None:
            hasher.verify(_dummy(hasher), password)
            return False
        return hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str, hasher: PasswordHasher) -> bool:
    try:
        return hasher.check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return True


def _kind(ch: str) -> str:
    if ch.isdigit():
        return "digit"
    if ch.isalpha() and ch.isascii():
        return "upper" if ch.isupper() else "lower"
    return "other"


def check_password(password: object, username: str, field: str = "new_password") -> str:
    """``password`` if it meets the policy, else ValidationFailed naming ``field``."""
    def refuse(why: str, **params: object) -> ValidationFailed:
        return ValidationFailed(why, field=field, params=params, prefixed=True)

    if not isinstance(password, str):
        raise refuse(N_("must be text"))
    if len(password) < MIN_LENGTH:
        raise refuse(N_("at least %(n)s characters, got %(got)s"), n=MIN_LENGTH,
                     got=len(password))
    if len(password) > MAX_LENGTH:
        raise refuse(N_("at most %(n)s characters, got %(got)s"), n=MAX_LENGTH,
                     got=len(password))
    for i, ch in enumerate(password):
        if unicodedata.category(ch) in ("Cc", "Cs"):
            raise refuse(N_("contains a control character or a lone surrogate at position "
                            "%(position)s"), position=i + 1)
    folded = password.casefold()
    name = (username or "").casefold()
    if name and (name in folded or folded in name):
        raise refuse(N_("must not be or contain the username"))
    if len({_kind(ch) for ch in password}) < 2:
        raise refuse(N_("mix at least two kinds of characters (lower case, upper case, "
                        "digits, other signs)"))
    if len(set(password)) < MIN_DISTINCT:
        raise refuse(N_("at least %(n)s different characters"), n=MIN_DISTINCT)
    if folded in _COMMON:
        raise refuse(N_("is one of the most common passwords"))
    return password
