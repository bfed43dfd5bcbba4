"""Handoffs: send (Idempotency-Key), inbound and outbound, accept, reject, return."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("handoffs", __name__, description="Handoffs: send (Idempotency-Key), inbound and outbound, accept, reject, return")
URL_PREFIX = "/api/v1"
