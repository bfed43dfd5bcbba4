"""Unit of work: one service call, one database transaction, all or nothing."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from caseflow.errors import ConflictError
from caseflow.evidence import EvidenceStore


class UnitOfWork:
    """Owns a session for the length of a ``with`` block; rolls back unless committed.

    ``channel`` says where the call came from (cli, web, scheduler, demo) and is written to
    every audit event the call appends.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        evidence_dir: Path | str = "var/evidence",
        channel: str = "service",
    ) -> None:
        self.session_factory = session_factory
        self.evidence = EvidenceStore(Path(evidence_dir))
        self.channel = channel
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = self.session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def flush(self) -> None:
        """Flush, turning a lost optimistic-lock race into a ConflictError."""
        try:
            self.session.flush()
        except StaleDataError:
            raise ConflictError("the case was changed by someone else; reload and retry") from None

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError:
            self.session.rollback()
            raise ConflictError("the case was changed by someone else; reload and retry") from None
        except IntegrityError as exc:
            self.session.rollback()
            raise ConflictError(f"conflicting concurrent change: {exc.orig}") from None
        except OperationalError as exc:
            self.session.rollback()
            text = str(exc.orig)
            if "could not serialize" in text or "deadlock" in text or "locked" in text:
                raise ConflictError(f"concurrent change: {text.splitlines()[0]}") from None
            raise

    def rollback(self) -> None:
        self.session.rollback()
