"""Wire the engine together once per process: settings → engine → message bus → units of work.

The one place that knows which capability reacts to which domain event and which does what
another asks: the handlers below run inside the unit of work that sent the message
(``caseflow.domain.events``, ``caseflow.domain.commands``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from caseflow.adapters.audit_keys import load_keyring
from caseflow.adapters.checkpoint_store import CheckpointStore
from caseflow.adapters.database import make_engine, make_session_factory
from caseflow.adapters.registry import sync_definitions
from caseflow.config import Settings
from caseflow.domain.audit import Keyring
from caseflow.domain.commands import OpenLinkedCase
from caseflow.domain.definitions import load_directory
from caseflow.domain.events import CalendarChanged, CaseClosed
from caseflow.services import cases, clocks, handoffs
from caseflow.services.audit import SEALER
from caseflow.services.messagebus import MessageBus
from caseflow.services.report_data import KEEPER
from caseflow.services.unit_of_work import UnitOfWork


def build_bus() -> MessageBus:
    return MessageBus(
        events={
            CaseClosed: [handoffs.record_linked_outcome],  # a linked case's outcome flows back
            CalendarChanged: [clocks.recompute_on_calendar_change],  # open clocks counted anew
        },
        commands={
            OpenLinkedCase: cases.open_linked_case,  # an accepted handoff opens its case
        },
    )


@dataclass
class App:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    bus: MessageBus = field(default_factory=build_bus)
    _keyring: Keyring | None = None
    _keyring_stamp: tuple[int, int, int] | None = None

    def keyring(self) -> Keyring:
        """The audit keys, read from their file outside the database on first need (the
        embedded default file is made then, with one fresh key), and read again whenever
        the file changes: a long-running scheduler or web process signs with the key made
        current by `caseflow audit rotate-key` from its next unit of work on."""
        path = self.settings.audit_keys_path
        stamp = _stamp(path)
        if self._keyring is None or stamp != self._keyring_stamp:
            self._keyring = load_keyring(path, create=not self.settings.audit_keys_configured)
            self._keyring_stamp = _stamp(path)
        return self._keyring

    def reload_keyring(self) -> Keyring:
        self._keyring = None
        return self.keyring()

    @property
    def checkpoints(self) -> CheckpointStore:
        return CheckpointStore(self.settings.checkpoints)

    def uow(self, channel: str = "service", now: Callable[[], datetime] | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, bus=self.bus,
                          evidence_dir=self.settings.evidence_dir, channel=channel,
                          keyring=self.keyring, sealer=SEALER, keeper=KEEPER,
                          **({"now": now} if now else {}))

    def uow_factory(self, channel: str) -> Callable[[], UnitOfWork]:
        return lambda: self.uow(channel)

    def load_workflows(self) -> list[str]:
        """Store any new workflow version from the workflows directory; returns what was added."""
        definitions = load_directory(self.settings.workflows_dir)
        with self.session_factory() as session, session.begin():
            return sync_definitions(session, definitions)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def bootstrap(settings: Settings | None = None, **engine_kwargs) -> App:
    settings = settings or Settings.from_env()
    engine_kwargs.setdefault("lock_timeout_s", settings.lock_timeout_s)
    engine_kwargs.setdefault("statement_timeout_s", settings.statement_timeout_s)
    engine_kwargs.setdefault("idle_in_transaction_timeout_s",
                             settings.idle_in_transaction_timeout_s)
    engine = make_engine(settings.database_url, **engine_kwargs)
    return App(settings=settings, engine=engine, session_factory=make_session_factory(engine))
