"""How the pages write dates, times, durations and money: the Chinese way in Chinese
(2026年3月2日, 2026-03-02 15:00, ¥12,800.00), the English way in English, always in
Beijing time (the engine stores naive UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import gettext as _

from web.i18n import is_chinese

SHANGHAI = ZoneInfo("Asia/Shanghai")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


def local(moment: datetime | str | None) -> datetime | None:
    """A stored moment (naive UTC, or aware, or ISO text) in Beijing time."""
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SHANGHAI)


def _as_date(value: date | datetime | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value or " " in value \
            else date.fromisoformat(value)
    if isinstance(value, datetime):
        return local(value).date()  # type: ignore[union-attr]
    return value


def day(value: date | datetime | str | None) -> str:
    """2026年3月2日 (Chinese) / 2 March 2026 (English); a datetime counts in Beijing time."""
    d = _as_date(value)
    if d is None:
        return ""
    if is_chinese():
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def moment(value: datetime | str | None) -> str:
    """2026-03-02 15:00 in Beijing time, in both languages."""
    m = local(value)
    return "" if m is None else m.strftime("%Y-%m-%d %H:%M")


def iso_day(value: date | datetime | str | None) -> str:
    d = _as_date(value)
    return "" if d is None else d.isoformat()


def yuan(amount: Decimal | int | float | str | None, currency: str = "CNY") -> str:
    """¥12,800.00 for yuan; other currencies with their code (USD 1,200.00)."""
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    text = f"{value:,.2f}"
    return f"¥{text}" if currency in ("CNY", "RMB", None, "") else f"{currency} {text}"


def duration(delta: timedelta | float | int | None) -> str:
    """Time left or overdue, in days and hours: 3天5小时 / 3 d 5 h."""
    if delta is None:
        return ""
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if is_chinese():
        if days:
            return f"{days}天{hours}小时" if hours else f"{days}天"
        return f"{hours}小时{minutes}分钟" if hours else f"{minutes}分钟"
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def titled(item: object, field: str = "title") -> str:
    """An object's or a mapping's ``title_zh`` in Chinese, ``title_en`` in English (falling
    back to the other, then to ``field`` itself)."""
    def get(name: str) -> str | None:
        if isinstance(item, dict):
            return item.get(name)
        return getattr(item, name, None)

    zh, en = get(f"{field}_zh"), get(f"{field}_en")
    first, second = (zh, en) if is_chinese() else (en, zh)
    return first or second or get(field) or ""


def yes_no(value: object) -> str:
    return _("yes") if value else _("no")


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters.update(day=day, moment=moment, iso_day=iso_day, yuan=yuan,
                                 duration=duration, titled=titled, yes_no=yes_no)
