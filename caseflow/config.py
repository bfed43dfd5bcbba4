"""Settings read from the environment, with embedded defaults a newcomer can run as is."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "sqlite:///var/caseflow.db"


@dataclass(frozen=True)
class Settings:
    database_url: str
    evidence_dir: Path
    workflows_dir: Path

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("CASEFLOW_DATABASE_URL", DEFAULT_DATABASE_URL),
            evidence_dir=Path(os.environ.get("CASEFLOW_EVIDENCE_DIR", "var/evidence")),
            workflows_dir=Path(
                os.environ.get("CASEFLOW_WORKFLOWS_DIR", str(PROJECT_ROOT / "workflows"))
            ),
        )
