"""Audit: a case's trail; verify."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("audit", __name__, description="Audit: a case's trail; verify")
URL_PREFIX = "/api/v1"
