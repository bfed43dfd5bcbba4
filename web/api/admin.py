"""Users, agencies and API tokens (admin)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("admin", __name__, description="Users, agencies and API tokens (admin)")
URL_PREFIX = "/api/v1"
