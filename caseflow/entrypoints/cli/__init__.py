"""The ``caseflow`` command: a thin adapter that parses words and calls the service layer.

One module per command group; every expected failure prints one line (``error: …``) on
stderr and exits non-zero.
"""

from __future__ import annotations

from caseflow.entrypoints.cli import (  # noqa: F401 - each registers its commands on main
    agencies,
    alerts,
    audit,
    calendar,
    cases,
    clocks,
    db,
    demo,
    handoffs,
    reports,
    tokens,
    workflows,
)
from caseflow.entrypoints.cli.common import main

__all__ = ["main"]
