"""Channels that carry an alert out of caseflow: SMTP e-mail and a signed webhook.

Each sends one ``OutgoingAlert`` and raises on failure; the delivery service
(``services.delivery``) decides when to try, retries with back-off and records the outcome.
Webhook posts are signed with HMAC-SHA256 over a timestamp and the body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import smtplib
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Protocol

from caseflow.config import Settings

log = logging.getLogger(__name__)

KIND_TITLES = {  # alert kind → (Chinese, English) wording for subjects
    "warning": ("即将到期", "approaching"),
    "overdue": ("已超期", "overdue"),
    "period_ended": ("当事人期限届满", "the party's period has ended"),
    "escalation": ("超期督办", "escalated"),
    "calendar_missing": ("节假日安排缺失", "holiday schedule missing"),
}


@dataclass(frozen=True)
class OutgoingAlert:
    """Everything a channel needs to send one delivery, read before any network call.

    ``email`` is the address the row was queued for (e-mail rows) or the user's current
    address (webhook rows); times are ISO 8601 in Asia/Shanghai.
    """

    delivery_id: int
    username: str
    name: str
    email: str | None
    kind: str
    case_number: str | None
    message: str
    raised_at: str
    due: str | None


class Channel(Protocol):
    """A way out of the building. ``send`` returns on success and raises on any failure."""

    name: str

    def send(self, message: OutgoingAlert) -> None: ...


# --- e-mail ----------------------------------------------------------------------------------


class EmailChannel:
    """Plain SMTP to a relay (the agency's mail gateway); no auth or TLS on that hop."""

    name = "email"

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def compose(self, message: OutgoingAlert) -> EmailMessage:
        """The bilingual UTF-8 mail; its Message-ID is stable per delivery for de-duplication."""
        if not message.email:
            raise ValueError(f"delivery {message.delivery_id} has no e-mail address")
        zh, en = KIND_TITLES.get(message.kind, (message.kind, message.kind))
        number = message.case_number or "caseflow"
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = formataddr((message.name, message.email))
        mail["Subject"] = f"【期限预警】{number} {zh} / Deadline alert: {number} {en}"
        domain = self.sender.rpartition("@")[2] or "localhost"
        mail["Message-ID"] = f"<delivery-{message.delivery_id}@{domain}>"
        lines = [
            f"{message.name}（{message.username}）：",
            "",
            message.message,
            "",
            f"到期 / Due: {message.due or '—'}",
            f"预警时间 / Raised: {message.raised_at}",
            "",
            "此邮件由 caseflow 自动发送，请登录系统处理并确认。",
            "Sent automatically by caseflow; please sign in to act on and acknowledge it.",
        ]
        mail.set_content("\n".join(lines), charset="utf-8")
        return mail

    def send(self, message: OutgoingAlert) -> None:
        mail = self.compose(message)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.send_message(mail)


# --- webhook ---------------------------------------------------------------------------------


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``"<timestamp>.<body>"``: binds the body to a time."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes | str, header: str | None, *,
                     max_age: float | None = 300, now: float | None = None) -> bool:
    """For receivers: does ``X-Caseflow-Signature`` match, and is the timestamp fresh?

    ``max_age`` (seconds, None to skip) refuses replays of an old, validly signed request.
    """
    if not header or not timestamp:
        return False
    if max_age is not None:
        try:
            age = abs((time.time() if now is None else now) - int(timestamp))
        except ValueError:
            return False
        if age > max_age:
            return False
    raw = body.encode() if isinstance(body, str) else body
    return hmac.compare_digest(sign(secret, timestamp, raw), header.strip())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not an accepted delivery (and would turn the POST into a GET)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookChannel:
    """POST the alert as JSON, signed with a shared secret; anything but 2xx is a failure."""

    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 5) -> None:
        self.url, self.secret, self.timeout = url, secret, timeout
        self._opener = urllib.request.build_opener(_NoRedirect)

    def body(self, message: OutgoingAlert) -> bytes:
        return json.dumps(asdict(message), ensure_ascii=False, sort_keys=True).encode()

    def send(self, message: OutgoingAlert) -> None:
        body = self.body(message)
        timestamp = str(int(time.time()))
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "caseflow-webhook/1",
            "X-Caseflow-Delivery": str(message.delivery_id),
            "X-Caseflow-Timestamp": timestamp,
            "X-Caseflow-Signature": sign(self.secret, timestamp, body),
        })
        with self._opener.open(request, timeout=self.timeout) as response:
            if not 200 <= response.status < 300:
                raise RuntimeError(f"webhook answered HTTP {response.status}")


def channels_from_settings(settings: Settings | None = None, *,
                           environ: Mapping[str, str] | None = None) -> dict[str, Channel]:
    """The channels the environment configures; an unconfigured one is simply absent.

    Reads CASEFLOW_SMTP_HOST, CASEFLOW_SMTP_PORT (25), CASEFLOW_MAIL_FROM
    (caseflow@localhost), CASEFLOW_WEBHOOK_URL and CASEFLOW_WEBHOOK_SECRET. A webhook URL
    without a secret is refused: receivers could not tell our posts from anyone's.
    """
    env = os.environ if environ is None else environ
    channels: dict[str, Channel] = {}
    if host := env.get("CASEFLOW_SMTP_HOST", "").strip():
        channels["email"] = EmailChannel(host, int(env.get("CASEFLOW_SMTP_PORT") or 25),
                                         env.get("CASEFLOW_MAIL_FROM") or "caseflow@localhost")
    if url := env.get("CASEFLOW_WEBHOOK_URL", "").strip():
        if secret := env.get("CASEFLOW_WEBHOOK_SECRET", ""):
            channels["webhook"] = WebhookChannel(url, secret)
        else:
            log.warning("CASEFLOW_WEBHOOK_URL is set without CASEFLOW_WEBHOOK_SECRET; "
                        "webhook deliveries stay pending")
    return channels
