"""An append-only directory of audit checkpoints, outside the database.

Each checkpoint is one JSON file, ``checkpoint-000001.json`` …, created exclusively (never
overwritten) and made read-only; the next one names the previous one's SHA-256, so the files
form their own chain. Keep the directory on other storage than the database (another volume,
a WORM bucket, a regular copy to the archive) — and lodge each root with a timestamping or
notarisation service (``caseflow audit export``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caseflow.domain.errors import CaseflowError

_NAME = re.compile(r"^checkpoint-(\d{6,})\.json$")


class CheckpointStoreError(CaseflowError):
    http_status = 500


@dataclass(frozen=True)
class StoredCheckpoint:
    number: int
    path: Path
    body: dict[str, Any]
    sha256: str


class CheckpointStore:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def _files(self) -> list[tuple[int, Path]]:
        if not self.directory.is_dir():
            return []
        found = []
        for entry in self.directory.iterdir():
            match = _NAME.match(entry.name)
            if match:
                found.append((int(match.group(1)), entry))
        return sorted(found)

    def numbers(self) -> list[int]:
        return [n for n, _ in self._files()]

    def read(self, number: int) -> StoredCheckpoint:
        path = self.directory / f"checkpoint-{number:06d}.json"
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise CheckpointStoreError(f"no checkpoint {number} in {self.directory}") from None
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            body = {"unreadable": str(exc)}
        return StoredCheckpoint(number, path, body, hashlib.sha256(raw).hexdigest())

    def all(self) -> list[StoredCheckpoint]:
        return [self.read(n) for n in self.numbers()]

    def latest(self) -> StoredCheckpoint | None:
        numbers = self.numbers()
        return self.read(numbers[-1]) if numbers else None

    def append(self, number: int, body: dict[str, Any]) -> StoredCheckpoint:
        """Write checkpoint ``number``; refused if it exists (two writers raced: the loser
        retries with the next number)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"checkpoint-{number:06d}.json"
        raw = json.dumps(body, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
        except FileExistsError:
            raise CheckpointStoreError(f"checkpoint {number} already exists") from None
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        return StoredCheckpoint(number, path, body, hashlib.sha256(raw).hexdigest())
