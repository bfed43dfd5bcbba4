"""Time as caseflow stores and shows it: naive UTC in every table, Asia/Shanghai for people."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Naive UTC now: the one time representation stored in every table."""
    return datetime.now(UTC).replace(tzinfo=None)


def aware(naive_utc: datetime) -> datetime:
    """Stored naive UTC → aware Asia/Shanghai."""
    return naive_utc.replace(tzinfo=UTC).astimezone(TZ)


def naive_utc(moment: datetime) -> datetime:
    """Aware → stored naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)
