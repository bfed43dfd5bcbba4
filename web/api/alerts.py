"""Alerts: the caller's inbox, read, acknowledge."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("alerts", __name__, description="Alerts: the caller's inbox, read, acknowledge")
URL_PREFIX = "/api/v1"
