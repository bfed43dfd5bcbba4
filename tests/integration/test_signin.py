"""Sign-in for people, at the service layer: argon2id hashes and the password policy,
lock-out per account and per address, idle and absolute session timeouts on a clock the
test moves, password changes and resets, deactivated users, the demo password — and a
system event for each."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from caseflow.adapters.orm import SignInAttempt, SystemEvent, User, WebSession
from caseflow.config import argon2_parameters
from caseflow.domain.errors import (
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    Unauthenticated,
    ValidationFailed,
)
from caseflow.services import signin
from caseflow.services.directory import deactivate_user

T0 = datetime(2026, 11, 16, 1, 30)  # 09:30 in Ningbo, a Monday
GOOD = "Yongjiang-2026"  # 甬江: meets the policy
ADDR = "10.17.3.21"


@pytest.fixture
def clock(app):
    """``clock.uow()`` reads ``clock.now``; move it with ``clock.now += …``."""
    class Clock:
        now = T0

        def uow(self, channel: str = "test"):
            return app.uow(channel, now=lambda: self.now)

    return Clock()


def _events(app, kind: str | None = None) -> list[SystemEvent]:
    with app.session_factory() as s:
        query = select(SystemEvent).order_by(SystemEvent.id)
        if kind:
            query = query.where(SystemEvent.kind == kind)
        return list(s.scalars(query))


def _user(app, username: str) -> User:
    with app.session_factory() as s:
        return s.scalar(select(User).where(User.username == username))


def _count(app, model) -> int:
    with app.session_factory() as s:
        return s.scalar(select(func.count()).select_from(model))


def _reset(clock, username: str = "li.officer", password: str = GOOD) -> None:
    signin.set_password(clock.uow(), username, password, actor="zhao.admin",
                        reason="新入职，初始密码")


# --- hashing and policy ------------------------------------------------------------------

def test_a_reset_password_is_hashed_with_argon2id_and_audited(app, people, clock):
    _reset(clock)
    user = _user(app, "li.officer")
    assert user.password_hash.startswith("$argon2id$")
    assert GOOD not in user.password_hash
    assert PasswordHasher().verify(user.password_hash, GOOD)
    assert user.password_changed_at == T0 and user.password_demo is False
    (event,) = _events(app, "password_reset")
    assert (event.actor, event.reason, event.payload["user"]) == (
        "zhao.admin", "新入职，初始密码", "li.officer")


@pytest.mark.parametrize("password, why", [
    ("Short1!", "at least 10 characters"),
    ("abcdefghijkl", "two kinds"),
    ("1234567890123", "two kinds"),
    ("宁波知识产权保护中心", "two kinds"),
    ("li.officer2026", "username"),
    ("LI.OFFICER", "username"),
    ("aaaaaaaa11", "different characters"),
    ("Password123", "most common"),
    ("Ningbo\x00Port2026", "control character"),
    ("Aa1" * 100, "at most 256"),
])
def test_a_password_that_breaks_the_policy_is_refused_and_nothing_changes(
        app, people, clock, password, why):
    before = _count(app, SystemEvent)
    with pytest.raises(ValidationFailed) as refused:
        _reset(clock, password=password)
    assert refused.value.field == "new_password"
    assert why in refused.value.message
    assert _user(app, "li.officer").password_hash is None
    assert _count(app, SystemEvent) == before


@pytest.mark.parametrize("password", ["慈溪杨梅2026年六月", "beilun port 88", "ZHENHAI-harbour"])
def test_passwords_that_meet_the_policy_are_accepted(app, people, clock, password):
    _reset(clock, password=password)
    assert signin.sign_in(clock.uow(), "li.officer", password, address=ADDR).user.username \
        == "li.officer"


def test_only_an_admin_resets_a_password_and_only_with_a_reason(app, people, clock):
    with pytest.raises(PermissionDenied):
        signin.set_password(clock.uow(), "li.officer", GOOD, actor="chen.sup",
                            reason="帮同事重置")
    with pytest.raises(ValidationFailed) as no_reason:
        signin.set_password(clock.uow(), "li.officer", GOOD, actor="zhao.admin", reason=" ")
    assert no_reason.value.field == "reason"
    with pytest.raises(NotFound):
        signin.set_password(clock.uow(), "nobody.here", GOOD, actor="zhao.admin",
                            reason="新入职")
    assert _user(app, "li.officer").password_hash is None
    assert _events(app, "password_reset") == []


def test_the_default_cost_is_rfc_9106_and_the_cost_is_a_setting(app, people, clock,
                                                                monkeypatch):
    for name in ("TIME_COST", "MEMORY_KIB", "PARALLELISM"):
        monkeypatch.delenv(f"CASEFLOW_ARGON2_{name}", raising=False)
    assert argon2_parameters() == (3, 65536, 4)
    _reset(clock)
    assert _user(app, "li.officer").password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setenv("CASEFLOW_ARGON2_MEMORY_KIB", "16384")
    monkeypatch.setenv("CASEFLOW_ARGON2_TIME_COST", "2")
    signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR)  # rehashed at the new cost
    assert _user(app, "li.officer").password_hash.startswith("$argon2id$v=19$m=16384,t=2,p=4$")
    monkeypatch.setenv("CASEFLOW_ARGON2_MEMORY_KIB", "lots")
    with pytest.raises(ValueError, match="CASEFLOW_ARGON2_MEMORY_KIB"):
        argon2_parameters()


def test_a_hash_made_with_older_parameters_is_rehashed_at_sign_in(app, people, clock):
    weak = PasswordHasher(time_cost=1, memory_cost=4096, parallelism=1).hash(GOOD)
    with app.session_factory() as s, s.begin():
        s.execute(update(User).where(User.username == "li.officer")
                  .values(password_hash=weak))
    signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR)
    stored = _user(app, "li.officer").password_hash
    assert stored != weak and stored.startswith("$argon2id$")
    assert not signin.hasher().check_needs_rehash(stored)
    assert PasswordHasher().verify(stored, GOOD)


# --- signing in ----------------------------------------------------------------------------

def test_sign_in_opens_a_session_and_records_who_when_and_where(app, people, clock):
    _reset(clock)
    signed = signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR)
    assert (signed.user.username, signed.user.name, signed.user.agency) == (
        "li.officer", "李明", "nb-amr")
    assert signed.user.roles == frozenset({"officer"})
    assert signed.user.signed_in_at == T0 and len(signed.secret) >= 40
    with app.session_factory() as s:
        row = s.scalar(select(WebSession))
        assert row.secret_sha256 != signed.secret and row.address == ADDR
    (event,) = _events(app, "signed_in")
    assert (event.actor, event.at, event.payload["address"]) == ("li.officer", T0, ADDR)
    assert signin.resume_session(clock.uow(), signed.secret).username == "li.officer"


@pytest.mark.parametrize("username, password, why", [
    ("li.officer", "Yongjiang-2025", "wrong password"),
    ("li.offcer", GOOD, "unknown user"),
    ("zhang.officer", GOOD, "no password set"),  # nobody signs in as them
    ("", GOOD, "unknown user"),
    ("li.officer' OR '1'='1", GOOD, "unknown user"),
    ("li.officer\x00", GOOD, "unknown user"),  # PostgreSQL stores no NUL: never looked up
    ("li.officer", "\ud800Yongjiang-2026", "wrong password"),  # a lone surrogate typed
])
def test_every_failure_gets_the_same_answer_and_is_recorded_with_why(
        app, people, clock, username, password, why):
    _reset(clock)
    with pytest.raises(Unauthenticated) as refused:
        signin.sign_in(clock.uow(), username, password, address=ADDR)
    assert refused.value.message == signin.REFUSED
    (event,) = _events(app, "sign_in_failed")
    assert event.reason == why and event.payload["address"] == ADDR
    assert _count(app, WebSession) == 0


# --- lock-out ------------------------------------------------------------------------------

def test_five_failures_lock_the_account_for_fifteen_minutes_right_password_or_not(
        app, people, clock):
    _reset(clock)
    for i in range(4):
        clock.now = T0 + timedelta(minutes=i)
        with pytest.raises(Unauthenticated):
            signin.sign_in(clock.uow(), "li.officer", f"guess-{i}-Ningbo", address=ADDR)
    clock.now = T0 + timedelta(minutes=4)
    with pytest.raises(TooManyAttempts) as fifth:
        signin.sign_in(clock.uow(), "li.officer", "guess-4-Ningbo", address=ADDR)
    assert fifth.value.http_status == 429 and fifth.value.retry_after == 15 * 60
    (lock,) = _events(app, "sign_in_locked")
    assert (lock.actor, lock.payload["scope"], lock.payload["address"]) == (
        "li.officer", "account", ADDR)
    assert lock.at == T0 + timedelta(minutes=4) and "5 failed sign-ins" in lock.reason

    answers = []
    clock.now += timedelta(minutes=1)
    for password in (GOOD, "still-wrong-2026"):
        with pytest.raises(TooManyAttempts) as locked:
            signin.sign_in(clock.uow(), "li.officer", password, address="10.17.3.99")
        answers.append(locked.value.message)
    assert answers[0] == answers[1]  # nothing says whether the password was right
    assert _count(app, WebSession) == 0
    assert [e.reason for e in _events(app, "sign_in_refused")] == ["locked out (account)"] * 2

    clock.now = T0 + timedelta(minutes=4 + 15)
    assert signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR).user.username \
        == "li.officer"


def test_an_unknown_name_is_locked_out_like_a_real_one(app, people, clock):
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            signin.sign_in(clock.uow(), "ghost.user", GOOD, address=ADDR)
    with pytest.raises(TooManyAttempts):
        signin.sign_in(clock.uow(), "ghost.user", GOOD, address=ADDR)


def test_failures_older_than_the_window_or_before_a_sign_in_do_not_count(app, people, clock):
    _reset(clock)
    for minute in (0, 1, 2, 3):
        clock.now = T0 + timedelta(minutes=minute)
        with pytest.raises(Unauthenticated):
            signin.sign_in(clock.uow(), "li.officer", "Wrong-2026-x", address=ADDR)
    clock.now = T0 + timedelta(minutes=16)  # the first one is out of the window
    with pytest.raises(Unauthenticated):
        signin.sign_in(clock.uow(), "li.officer", "Wrong-2026-x", address=ADDR)
    signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR)  # the count starts again
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            signin.sign_in(clock.uow(), "li.officer", "Wrong-2026-x", address=ADDR)
    assert _events(app, "sign_in_locked") == []


def test_twenty_failures_from_one_address_lock_the_address_not_the_others(app, people, clock):
    _reset(clock)
    _reset(clock, "zhang.officer", "Zhenhai-Port-88")
    for i in range(20):
        clock.now = T0 + timedelta(seconds=20 * i)
        with pytest.raises((Unauthenticated, TooManyAttempts)):
            signin.sign_in(clock.uow(), f"spray.{i}", "Spring-2026!", address="203.0.113.7")
    (lock,) = [e for e in _events(app, "sign_in_locked") if e.payload["scope"] == "address"]
    assert lock.payload["key"] == "203.0.113.7"
    with pytest.raises(TooManyAttempts):
        signin.sign_in(clock.uow(), "li.officer", GOOD, address="203.0.113.7")
    assert signin.sign_in(clock.uow(), "zhang.officer", "Zhenhai-Port-88",
                          address=ADDR).user.username == "zhang.officer"
    with app.session_factory() as s:
        refused = s.scalar(select(func.count()).select_from(SignInAttempt).where(
            SignInAttempt.outcome == "refused"))
    assert refused == 1


def test_an_admin_reset_lifts_the_account_lock(app, people, clock):
    _reset(clock)
    for _ in range(5):
        with pytest.raises((Unauthenticated, TooManyAttempts)):
            signin.sign_in(clock.uow(), "li.officer", "Wrong-2026-x", address=ADDR)
    _reset(clock, password="Fenghua-Peach-9")
    assert signin.sign_in(clock.uow(), "li.officer", "Fenghua-Peach-9", address=ADDR)


# --- sessions --------------------------------------------------------------------------------

def test_a_session_idle_for_thirty_minutes_ends(app, people, clock):
    _reset(clock)
    secret = signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR).secret
    clock.now = T0 + timedelta(minutes=29)
    assert signin.resume_session(clock.uow(), secret).last_seen_at == clock.now
    clock.now = T0 + timedelta(minutes=58)  # 29 minutes after it was last seen
    signin.resume_session(clock.uow(), secret)
    clock.now = T0 + timedelta(minutes=88)
    with pytest.raises(Unauthenticated) as idle:
        signin.resume_session(clock.uow(), secret)
    assert "idle" in idle.value.message
    with pytest.raises(Unauthenticated):  # and stays ended
        signin.resume_session(clock.uow(), secret)
    (event,) = _events(app, "session_expired")
    assert event.actor == "li.officer" and "idle" in event.reason


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(app, people, clock):
    _reset(clock)
    secret = signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR).secret
    for step in range(1, 36):  # every 20 minutes for 11 h 40 min
        clock.now = T0 + timedelta(minutes=20 * step)
        signin.resume_session(clock.uow(), secret)
    clock.now = T0 + timedelta(hours=12)
    with pytest.raises(Unauthenticated) as old:
        signin.resume_session(clock.uow(), secret)
    assert "12 hours" in old.value.message


def test_sign_out_ends_the_session_and_is_recorded(app, people, clock):
    _reset(clock)
    secret = signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR).secret
    assert signin.sign_out(clock.uow(), secret) == "li.officer"
    assert signin.sign_out(clock.uow(), secret) is None
    with pytest.raises(Unauthenticated):
        signin.resume_session(clock.uow(), secret)
    (event,) = _events(app, "signed_out")
    assert event.actor == "li.officer"


@pytest.mark.parametrize("secret", [None, "", "x" * 500, "not-a-session"])
def test_no_session_for_a_made_up_secret(app, people, clock, secret):
    with pytest.raises(Unauthenticated):
        signin.resume_session(clock.uow(), secret)


def test_a_deactivated_user_cannot_sign_in_and_their_sessions_stop(app, people, clock):
    _reset(clock)
    secret = signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR).secret
    deactivate_user(clock.uow(), "li.officer", actor="zhao.admin", reason="调离执法岗位")
    with pytest.raises(Unauthenticated):
        signin.resume_session(clock.uow(), secret)
    with pytest.raises(Unauthenticated) as refused:
        signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR)
    assert refused.value.message == signin.REFUSED
    assert _events(app, "sign_in_failed")[-1].reason == "user deactivated"


# --- changing a password -------------------------------------------------------------------

def test_change_password_checks_the_old_one_and_ends_the_other_sessions(app, people, clock):
    _reset(clock)
    here = signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR).secret
    there = signin.sign_in(clock.uow(), "li.officer", GOOD, address="10.17.4.8").secret
    before = _user(app, "li.officer").password_hash

    with pytest.raises(ValidationFailed) as wrong:
        signin.change_password(clock.uow(), "li.officer", "Not-the-one-1", "Xiangshan-Bay-7")
    assert wrong.value.field == "old_password"
    with pytest.raises(ValidationFailed) as weak:
        signin.change_password(clock.uow(), "li.officer", GOOD, "short")
    assert weak.value.field == "new_password"
    with pytest.raises(ValidationFailed) as same:
        signin.change_password(clock.uow(), "li.officer", GOOD, GOOD)
    assert same.value.field == "new_password"
    assert _user(app, "li.officer").password_hash == before

    clock.now = T0 + timedelta(minutes=5)
    signin.change_password(clock.uow(), "li.officer", GOOD, "Xiangshan-Bay-7",
                           keep_session=here)
    assert _user(app, "li.officer").password_changed_at == clock.now
    assert signin.resume_session(clock.uow(), here).username == "li.officer"
    with pytest.raises(Unauthenticated):
        signin.resume_session(clock.uow(), there)
    with pytest.raises(Unauthenticated):
        signin.sign_in(clock.uow(), "li.officer", GOOD, address=ADDR)
    assert signin.sign_in(clock.uow(), "li.officer", "Xiangshan-Bay-7", address=ADDR)
    assert [e.kind for e in _events(app) if e.kind.startswith("password")] == [
        "password_reset", "password_change_failed", "password_changed"]


def test_wrong_current_passwords_count_towards_the_lock_out(app, people, clock):
    _reset(clock)
    for _ in range(4):
        with pytest.raises(ValidationFailed):
            signin.change_password(clock.uow(), "li.officer", "Guess-Ningbo-1", "Xiangshan-Bay-7")
    with pytest.raises(TooManyAttempts):
        signin.change_password(clock.uow(), "li.officer", "Guess-Ningbo-2", "Xiangshan-Bay-7")
    with pytest.raises(TooManyAttempts):
        signin.change_password(clock.uow(), "li.officer", GOOD, "Xiangshan-Bay-7")
    assert PasswordHasher().verify(_user(app, "li.officer").password_hash, GOOD)


# --- the demo password ---------------------------------------------------------------------

def test_the_demo_password_works_in_demo_mode_only(app, people, clock):
    _reset(clock, "zhao.admin", "Admin-Tianyi-9")  # an own password is kept
    assert signin.set_demo_passwords(clock.uow()) == len(people) - 1
    assert signin.set_demo_passwords(clock.uow()) == 0
    assert _user(app, "li.officer").password_demo is True
    with pytest.raises(Unauthenticated):
        signin.sign_in(clock.uow(), "li.officer", "demo", address=ADDR)
    assert _events(app, "sign_in_failed")[-1].reason == \
        "the demo password works in demo mode only"
    with pytest.raises(Unauthenticated):
        signin.sign_in(clock.uow(), "zhao.admin", "demo", address=ADDR, demo_mode=True)
    secret = signin.sign_in(clock.uow(), "li.officer", "demo", address=ADDR,
                            demo_mode=True).secret
    assert signin.resume_session(clock.uow(), secret, demo_mode=True).username == "li.officer"
    with pytest.raises(Unauthenticated):  # the same database served outside demo mode
        signin.resume_session(clock.uow(), secret)
