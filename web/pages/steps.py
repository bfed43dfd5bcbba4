"""On the case page: placeholder until the area is built (see web/pages/__init__.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

bp = Blueprint("steps", __name__)


def panel_context(case_id: int, case: dict[str, Any]) -> dict[str, Any]:
    """What this area's panel on the case page (steps/_panel.html) needs."""
    return {}
