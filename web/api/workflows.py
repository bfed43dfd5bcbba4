"""Workflows: list, show, diagram; the deadline calculator."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("workflows", __name__, description="Workflows: list, show, diagram; the deadline calculator")
URL_PREFIX = "/api/v1"
