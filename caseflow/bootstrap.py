"""Wire the engine together once per process: settings → engine → unit-of-work factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from caseflow.config import Settings
from caseflow.db import make_engine, make_session_factory
from caseflow.definitions import load_directory
from caseflow.registry import sync_definitions
from caseflow.unit_of_work import UnitOfWork


@dataclass
class App:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]

    def uow(self, channel: str = "service", now: Callable[[], datetime] | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, evidence_dir=self.settings.evidence_dir,
                          channel=channel, **({"now": now} if now else {}))

    def uow_factory(self, channel: str) -> Callable[[], UnitOfWork]:
        return lambda: self.uow(channel)

    def load_workflows(self) -> list[str]:
        """Store any new workflow version from the workflows directory; returns what was added."""
        definitions = load_directory(self.settings.workflows_dir)
        with self.session_factory() as session, session.begin():
            return sync_definitions(session, definitions)


def bootstrap(settings: Settings | None = None, **engine_kwargs) -> App:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url, **engine_kwargs)
    return App(settings=settings, engine=engine, session_factory=make_session_factory(engine))
