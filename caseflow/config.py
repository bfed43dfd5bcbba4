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
        )
