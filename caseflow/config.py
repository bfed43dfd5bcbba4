"""Settings read from the environment, with embedded defaults a newcomer can run as is."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///var/caseflow.db"
DEFAULT_AUDIT_KEYS = "var/audit-keys.json"


def checkpoint_dir_name(database_url: str) -> str:
    """A directory name per database (no password in it), so two databases never share a
    checkpoint chain by accident."""
    bare = re.sub(r"://([^:@/]*)(:[^@/]*)?@", r"://\1@", database_url)
    tail = re.sub(r"[^A-Za-z0-9]+", "-", bare.rsplit("/", 1)[-1]).strip("-")[:40] or "db"
    return f"{tail}-{hashlib.sha256(bare.encode()).hexdigest()[:10]}"
# How long one change may wait, in seconds (CASEFLOW_LOCK_TIMEOUT_S and friends): for a lock
# another writer holds (SQLite's busy timeout, PostgreSQL's lock_timeout), for one statement
# (statement_timeout) and for a transaction that sits idle (idle_in_transaction_session_timeout,
# which ends a writer stuck mid-transaction and frees its locks). Past any of them the change
# fails with ``Busy`` ("busy, retry"), never waits for ever. 0 switches a PostgreSQL limit off.
DEFAULT_LOCK_TIMEOUT_S = 5.0
DEFAULT_STATEMENT_TIMEOUT_S = 30.0
DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_S = 60.0


DEFAULT_SECRET_KEY_FILE = "var/secret-key"  # demo mode only: made on first start
DEFAULT_SESSION_IDLE_MINUTES = 30
DEFAULT_SESSION_MAX_HOURS = 12


def _flag(name: str, default: bool) -> bool:
    """A yes/no setting: 1/true/yes/on or 0/false/no/off; ValueError names the variable."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={raw!r} is not one of 1/true/yes/on or 0/false/no/off")


def _whole(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValueError(f"{name}={raw!r} must be a whole number from {low} to {high}")
    return int(raw)


def argon2_parameters() -> tuple[int, int, int]:
    """argon2id's cost for password hashes — passes, memory in KiB, lanes — from
    CASEFLOW_ARGON2_TIME_COST, CASEFLOW_ARGON2_MEMORY_KIB and CASEFLOW_ARGON2_PARALLELISM;
    by default RFC 9106's low-memory profile (3, 65536, 4). Hashes made with other values
    are redone at their owner's next sign-in."""
    return (_whole("CASEFLOW_ARGON2_TIME_COST", 3, 1, 20),
            _whole("CASEFLOW_ARGON2_MEMORY_KIB", 65536, 1024, 4 * 1024 * 1024),
            _whole("CASEFLOW_ARGON2_PARALLELISM", 4, 1, 64))


def _seconds(name: str, default: float) -> float:
    """A non-negative number of seconds from the environment; ValueError names the variable."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number of seconds") from None
    if not (0 <= value <= 86_400):  # also refuses nan and inf
        raise ValueError(f"{name}={raw!r} must be between 0 and 86400 seconds")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str
    evidence_dir: Path
    workflows_dir: Path
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S
    statement_timeout_s: float = DEFAULT_STATEMENT_TIMEOUT_S
    idle_in_transaction_timeout_s: float = DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_S
    # the audit keyring lives outside the database; the embedded default is made on first use
    audit_keys_path: Path = Path(DEFAULT_AUDIT_KEYS)
    audit_keys_configured: bool = False
    # the append-only checkpoint store; by default one directory per database
    checkpoint_dir: Path | None = None
    # the web app: demo mode (CASEFLOW_DEMO, which `caseflow demo --serve` turns on) lets the
    # demo's shared password sign in and makes a secret key in ``secret_key_file`` when none
    # is set; outside it the app refuses to start without CASEFLOW_SECRET_KEY
    demo: bool = False
    secret_key: str | None = None
    secret_key_file: Path = Path(DEFAULT_SECRET_KEY_FILE)
    # the session cookie's Secure flag (CASEFLOW_COOKIE_SECURE): None means "on, except in
    # demo mode" — a deployment is served over https; set 0 to sign in over plain http
    cookie_secure: bool | None = None
    session_idle_minutes: int = DEFAULT_SESSION_IDLE_MINUTES
    session_max_hours: int = DEFAULT_SESSION_MAX_HOURS
    # reverse proxies in front of the app (CASEFLOW_PROXY_HOPS): their X-Forwarded-For and
    # -Proto are believed, so lock-out counts the client's address, not the proxy's
    proxy_hops: int = 0

    @property
    def secure_cookies(self) -> bool:
        return (not self.demo) if self.cookie_secure is None else self.cookie_secure

    @property
    def checkpoints(self) -> Path:
        if self.checkpoint_dir is not None:
            return self.checkpoint_dir
        return Path("var/checkpoints") / checkpoint_dir_name(self.database_url)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("CASEFLOW_DATABASE_URL", DEFAULT_DATABASE_URL),
            evidence_dir=Path(os.environ.get("CASEFLOW_EVIDENCE_DIR", "var/evidence")),
            workflows_dir=Path(
                os.environ.get("CASEFLOW_WORKFLOWS_DIR", str(PROJECT_ROOT / "workflows"))
            ),
            lock_timeout_s=_seconds("CASEFLOW_LOCK_TIMEOUT_S", DEFAULT_LOCK_TIMEOUT_S),
            statement_timeout_s=_seconds("CASEFLOW_STATEMENT_TIMEOUT_S",
                                         DEFAULT_STATEMENT_TIMEOUT_S),
            idle_in_transaction_timeout_s=_seconds("CASEFLOW_IDLE_IN_TRANSACTION_TIMEOUT_S",
                                                   DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_S),
            audit_keys_path=Path(os.environ.get("CASEFLOW_AUDIT_KEYS", DEFAULT_AUDIT_KEYS)),
            audit_keys_configured="CASEFLOW_AUDIT_KEYS" in os.environ,
            checkpoint_dir=(Path(os.environ["CASEFLOW_CHECKPOINT_DIR"])
                            if os.environ.get("CASEFLOW_CHECKPOINT_DIR") else None),
            demo=_flag("CASEFLOW_DEMO", False),
            secret_key=os.environ.get("CASEFLOW_SECRET_KEY") or None,
            secret_key_file=Path(os.environ.get("CASEFLOW_SECRET_KEY_FILE",
                                                DEFAULT_SECRET_KEY_FILE)),
            cookie_secure=(_flag("CASEFLOW_COOKIE_SECURE", True)
                           if os.environ.get("CASEFLOW_COOKIE_SECURE", "").strip() else None),
            session_idle_minutes=_whole("CASEFLOW_SESSION_IDLE_MINUTES",
                                        DEFAULT_SESSION_IDLE_MINUTES, 1, 24 * 60),
            session_max_hours=_whole("CASEFLOW_SESSION_MAX_HOURS", DEFAULT_SESSION_MAX_HOURS,
                                     1, 24 * 7),
            proxy_hops=_whole("CASEFLOW_PROXY_HOPS", 0, 0, 5),
        )
