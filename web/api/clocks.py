"""Clocks: a case's legal clocks with their explanation; pause, resume, extend, override."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("clocks", __name__, description="Clocks: a case's legal clocks with their explanation; pause, resume, extend, override")
URL_PREFIX = "/api/v1"
