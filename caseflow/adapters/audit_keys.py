"""The audit keyring, kept in a file outside the database (never in it).

The file is JSON: ``{"current": "k2", "keys": {"k1": "<hex>", "k2": "<hex>"}}``, readable by
the service account only (mode 0600). Rotating adds a key and makes it current; old keys stay
so that what they signed still verifies. An embedded default file is created with one fresh
key the first time it is needed, so a newcomer's demo works; a configured file that is missing
or malformed is refused.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from caseflow.domain.audit import Keyring
from caseflow.domain.errors import CaseflowError


class AuditKeyError(CaseflowError):
    http_status = 500


def _parse(path: Path) -> Keyring:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        keys = {str(k): bytes.fromhex(v) for k, v in raw["keys"].items()}
        current = str(raw["current"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AuditKeyError(f"audit keys {path}: unreadable or malformed ({exc})") from None
    if current not in keys or any(len(secret) < 32 for secret in keys.values()):
        raise AuditKeyError(f"audit keys {path}: the current key {current!r} is missing or a "
                            "key is shorter than 32 bytes")
    return Keyring(current, keys)


def _write(path: Path, keyring: Keyring) -> None:
    """Write atomically (a crash leaves the old file or the new one, never half of one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"current": keyring.current_id,
            "keys": {k: v.hex() for k, v in keyring.keys.items()}}
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(body, f, indent=2)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_keyring(path: Path, *, create: bool) -> Keyring:
    """The keyring in ``path``; with ``create`` a missing file is made with one fresh key."""
    if not path.exists():
        if not create:
            raise AuditKeyError(f"audit keys {path} not found (set CASEFLOW_AUDIT_KEYS to the "
                                "keyring file)")
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = Keyring("k1", {"k1": secrets.token_bytes(32)})
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
        _write(tmp, fresh)
        try:  # create-if-absent, atomically: two first runs agree on one key
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return _parse(path)


def rotate_keyring(path: Path) -> Keyring:
    """Add a fresh key and make it current; returns the new keyring."""
    keyring = _parse(path)
    numbers = [int(k[1:]) for k in keyring.keys if k[:1] == "k" and k[1:].isdigit()]
    new_id = f"k{max(numbers, default=0) + 1}"
    rotated = Keyring(new_id, {**keyring.keys, new_id: secrets.token_bytes(32)})
    _write(path, rotated)
    return rotated
