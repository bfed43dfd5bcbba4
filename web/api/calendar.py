"""The official working-day calendar (admin): status, schedules, overrides."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("calendar", __name__, description="The official working-day calendar (admin): status, schedules, overrides")
URL_PREFIX = "/api/v1"
