"""Mediation: sessions, settlements with instalments, payments, judicial confirmation."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("mediation", __name__, description="Mediation: sessions, settlements with instalments, payments, judicial confirmation")
URL_PREFIX = "/api/v1"
