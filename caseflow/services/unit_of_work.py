"""Unit of work: one service call, one database transaction, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from caseflow.adapters.evidence_store import EvidenceStore
from caseflow.domain.audit import AuditKey, Keyring
from caseflow.domain.commands import Command
from caseflow.domain.errors import ConflictError
from caseflow.domain.events import DomainEvent
from caseflow.domain.moments import utcnow
from caseflow.services.messagebus import MessageBus

CONFLICT = "the case was changed by someone else; reload and retry"


class Sealer(Protocol):
    """Keeps each case's seal (its keyed digest of every row it shows) in step with its rows:
    watches a session for the cases it changes, and reseals them before the commit."""

    def watch(self, session: Session, uow: UnitOfWork) -> None: ...

    def seal(self, connection: Connection, keyring: Keyring, touched: dict[int, set[str]],
             before: dict[int, dict[str, Any]],
             known: dict[int, Any] | None = None) -> None: ...


class Keeper(Protocol):
    """Keeps what is derived from the cases a unit of work touched (the report facts) in
    its transaction (``services.report_data``)."""

    def keep(self, connection: Connection, touched: dict[int, set[str]],
             known: dict[int, Any]) -> None: ...


class UnitOfWork:
    """Owns one connection and its transaction for a ``with`` block; rolls back unless committed.

    The transaction lives on the connection; an ORM session is made on top of it only when a
    service asks for ``session`` — the transition hot path works on ``connection`` alone.
    ``channel`` says where the call came from (cli, web, scheduler, demo) and is written to
    every audit event the call appends. ``bus`` runs the other capabilities' reactions to
    the domain events a service publishes, inside this same transaction.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        bus: MessageBus,
        evidence_dir: Path | str = "var/evidence",
        channel: str = "service",
        now: Callable[[], datetime] = utcnow,
        keyring: Callable[[], Keyring] | None = None,
        sealer: Sealer | None = None,
        keeper: Keeper | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.now = now  # naive UTC; tests pass a fixed time
        self.evidence_dir = evidence_dir
        self.channel = channel
        self.bus = bus
        self._keyring = keyring
        self.sealer = sealer
        self.keeper = keeper  # keeps the report facts of the cases touched, before the seal
        # per case, the rows this unit of work changed ("cases.status", "clocks#12" …)
        self.touched: dict[int, set[str]] = {}
        # per case, what a changed row held before this unit of work first changed it
        self.before: dict[int, dict[str, Any]] = {}
        # per case, its cases row as this unit of work's last write to it returned it — good
        # only while nothing else touches the case (``touch`` without ``current`` drops it)
        self.known: dict[int, Any] = {}
        self._snapshot = False
        self._connection: Connection | None = None
        self._session: Session | None = None

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:
            raise RuntimeError("this unit of work has no audit keyring (see bootstrap)")
        return self._keyring()

    @property
    def audit_key(self) -> AuditKey:
        """The key new audit events and seals are signed with."""
        return self.keyring.current

    def touch(self, case_id: int, *rows: str,
              before: dict[str, Any] | None = None, current: Any = None) -> None:
        """Say which of a case's rows this unit of work changed (its ORM changes are seen
        by themselves): they are resealed before the commit, and only they — and only if
        what they held ``before`` (where known) is what the case's seal vouches for.

        ``current``: the whole cases row as the write just returned it (``RETURNING``), so
        the sealer need not read it again; any later touch of the case forgets it."""
        if current is not None:
            self.known[case_id] = current
        else:
            self.known.pop(case_id, None)
        rows_so_far = self.touched.setdefault(case_id, set())
        if before:
            held = self.before.setdefault(case_id, {})
            for name, image in before.items():
                if name not in rows_so_far:  # only what it held before this unit of work
                    held[name] = image
        rows_so_far.update(rows)

    def snapshot(self) -> UnitOfWork:
        """Read everything in this block from one consistent snapshot and write nothing
        (REPEATABLE READ, read only, on PostgreSQL; one deferred transaction on SQLite):
        a check reading cases and their events sees neither half of a concurrent commit."""
        if self._connection is not None:
            raise RuntimeError("snapshot() must be asked for before the first read")
        self._snapshot = True
        return self

    @cached_property
    def evidence(self) -> EvidenceStore:
        return EvidenceStore(Path(self.evidence_dir))

    def __enter__(self) -> UnitOfWork:
        self._connection = None
        self._session = None
        self.touched = {}
        self.before = {}
        self.known = {}
        return self

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            engine = self.session_factory.kw["bind"]
            if self._snapshot:
                options: dict[str, Any] = {}
                if engine.dialect.name == "postgresql":
                    options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
                self._connection = engine.connect().execution_options(**options)
            else:
                self._connection = engine.connect().execution_options(caseflow_write=True)
            self._connection.begin()
        return self._connection

    @property
    def session(self) -> Session:
        if self._session is None:
            # joins the connection's transaction; committing stays with the unit of work
            self._session = self.session_factory(bind=self.connection)
            self._session.info["caseflow_uow"] = self  # append_event finds key and touched set
            if self.sealer is not None:
                self.sealer.watch(self._session, self)
        return self._session

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, connection = self._session, self._connection
        self._session = self._connection = None
        self._snapshot = False
        try:
            if session is not None:
                session.close()
        finally:
            if connection is not None:
                try:
                    if connection.in_transaction():
                        connection.rollback()
                finally:
                    connection.close()
        # A lost race surfaces wherever the session flushes — an autoflush before a query
        # inside a service, not only ``flush``/``commit``: leaving the block, it is the same
        # ConflictError as at the commit, whichever service let it escape (rolled back above).
        if isinstance(exc, StaleDataError):
            raise ConflictError(CONFLICT) from None
        if isinstance(exc, IntegrityError):
            raise ConflictError(f"conflicting concurrent change: {exc.orig}") from None

    def publish(self, event: DomainEvent) -> list:
        """Let the handlers wired for ``event`` react now, in this transaction."""
        return self.bus.handle(self, event)

    def execute(self, command: Command) -> Any:
        """Have the one handler wired for ``command`` do it now, in this transaction."""
        return self.bus.execute(self, command)

    def flush(self) -> None:
        """Flush, turning a lost race (stale version, duplicate key) into a ConflictError."""
        try:
            self.session.flush()
        except StaleDataError:
            raise ConflictError(CONFLICT) from None
        except IntegrityError as exc:
            raise ConflictError(f"conflicting concurrent change: {exc.orig}") from None

    def commit(self) -> None:
        try:
            if self._session is not None:
                self._session.flush()
            if self._connection is not None:
                if self.touched and self.keeper is not None and not self._snapshot:
                    self.keeper.keep(self._connection, self.touched, self.known)
                if self.touched and self.sealer is not None and not self._snapshot:
                    self.sealer.seal(self._connection, self.keyring, self.touched, self.before,
                                     self.known)
                    self.touched, self.before, self.known = {}, {}, {}
                self._connection.commit()
        except StaleDataError:
            self.rollback()
            raise ConflictError(CONFLICT) from None
        except IntegrityError as exc:
            self.rollback()
            raise ConflictError(f"conflicting concurrent change: {exc.orig}") from None
        except OperationalError as exc:
            # A wait past its bound (a lock held, a statement or an idle transaction too
            # long) is already ``Busy`` and a deadlock already ``ConflictError``: the engine's
            # ``handle_error`` hook translates them (caseflow.adapters.database); this catches
            # a driver that reports them some other way.
            self.rollback()
            text = str(exc.orig)
            if "could not serialize" in text or "deadlock" in text:
                raise ConflictError(f"concurrent change: {text.splitlines()[0]}") from None
            raise

    def rollback(self) -> None:
        if self._session is not None:
            self._session.rollback()
        if self._connection is not None and self._connection.in_transaction():
            self._connection.rollback()
