"""Alert deliveries over real transports: a local SMTP server and a local HTTP receiver.

Deliveries are made the real way — a timed case is opened and swept past its thresholds —
and sent through the real channels; only the far ends are test servers on 127.0.0.1.
"""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from caseflow.adapters.channels import (
    EmailChannel,
    OutgoingAlert,
    WebhookChannel,
    channels_from_settings,
    verify_signature,
)
from caseflow.adapters.orm import Delivery, User
from caseflow.services.delivery import DeliveryReport, backoff, deliver_pending
from caseflow.services.sweep import sweep
from tests.integration.test_clocks import open_timed, utc

SECRET = "s3cret-shared-with-the-receiver"
WARNING_AT = "2026-10-13T01:00"  # the filing clock's "3 working days left" warning
OVERDUE_AT = "2026-10-16T08:00"  # due passed: overdue to the officer, escalation to chen.sup


# --- the far ends ----------------------------------------------------------------------------


class _Mailbox:
    """aiosmtpd handler keeping every message; refuses addresses listed in ``refuse``."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


class _EphemeralController(Controller):
    """aiosmtpd's controller on port 0: learn the real port before its readiness probe."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@pytest.fixture
def smtp() -> Iterator[tuple[_Mailbox, EmailChannel]]:
    box = _Mailbox()
    controller = _EphemeralController(box, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        yield box, EmailChannel("127.0.0.1", controller.port, "caseflow@amr.ningbo.example")
    finally:
        controller.stop()


class _Receiver:
    def __init__(self) -> None:
        self.status = 204
        self.requests: list[dict[str, Any]] = []


@pytest.fixture
def receiver() -> Iterator[tuple[_Receiver, str]]:
    state = _Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append({"path": self.path, "headers": dict(self.headers),
                                   "body": body})
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hooks/caseflow"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- helpers ---------------------------------------------------------------------------------


def give_emails(app, **addresses: str) -> None:
    """The people fixture has no addresses; the sweep only queues e-mail for users with one."""
    with app.engine.begin() as conn:
        for username, address in addresses.items():
            conn.execute(update(User).where(User.username == username).values(email=address))


def deliveries(app) -> list[Delivery]:
    with app.session_factory() as s:
        return list(s.scalars(select(Delivery).order_by(Delivery.id)))


def one(app, channel: str) -> Delivery:
    rows = [d for d in deliveries(app) if d.channel == channel]
    assert len(rows) == 1, rows
    return rows[0]


def swept(at, when: str, *, webhook: bool = True) -> None:
    sweep(at(when), now=utc(when), webhook=webhook)


def deliver(at, when, channels, **kwargs) -> DeliveryReport:
    moment = utc(when) if isinstance(when, str) else when
    return deliver_pending(lambda: at(WARNING_AT)(), channels, now=moment, **kwargs)


# --- tests -----------------------------------------------------------------------------------


def test_email_reaches_a_real_smtp_server(at, people, app, smtp):
    box, channel = smtp
    give_emails(app, **{"li.officer": "li.ming@amr.ningbo.example"})
    case = open_timed(at)
    swept(at, WARNING_AT, webhook=False)
    assert [(d.channel, d.target, d.status) for d in deliveries(app)] == [
        ("email", "li.ming@amr.ningbo.example", "pending")]

    report = deliver_pending(at(WARNING_AT), {"email": channel})  # the unit of work's clock

    assert (report.sent, report.failed_attempts, report.given_up) == (1, 0, 0)
    [(rcpt, mail)] = box.messages
    assert rcpt == ["li.ming@amr.ningbo.example"]
    assert case.number in mail["Subject"] and "期限预警" in mail["Subject"]
    assert "Deadline alert" in mail["Subject"]
    assert mail["To"].addresses[0].addr_spec == "li.ming@amr.ningbo.example"
    body = mail.get_content()
    assert f"{case.number} 立案期限" in body and "《市场监督管理行政处罚程序规定》第十八条" in body
    assert "李明" in body
    sent = one(app, "email")
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 0, utc(WARNING_AT))
    assert mail["Message-ID"] == f"<delivery-{sent.id}@amr.ningbo.example>"
    assert deliver(at, "2026-10-14T09:00", {"email": channel}).sent == 0  # sent once only
    assert len(box.messages) == 1


def test_webhook_posts_signed_json(at, people, app, receiver):
    state, url = receiver
    case = open_timed(at)
    swept(at, WARNING_AT)
    queued = one(app, "webhook")
    assert queued.target == "configured"

    report = deliver(at, WARNING_AT, {"webhook": WebhookChannel(url, SECRET)})

    assert report.sent == 1
    [request] = state.requests
    assert request["path"] == "/hooks/caseflow"
    headers, body = request["headers"], request["body"]
    timestamp, signature = headers["X-Caseflow-Timestamp"], headers["X-Caseflow-Signature"]
    assert signature.startswith("sha256=")
    assert verify_signature(SECRET, timestamp, body, signature)
    assert not verify_signature("another-secret", timestamp, body, signature)
    assert not verify_signature(SECRET, timestamp, body + b" ", signature)
    assert not verify_signature(SECRET, str(int(timestamp) - 3600), body, signature)
    assert not verify_signature(SECRET, timestamp, body, None)
    payload = json.loads(body)
    assert payload["delivery_id"] == queued.id == int(headers["X-Caseflow-Delivery"])
    assert (payload["username"], payload["name"], payload["email"]) == ("li.officer", "李明", None)
    assert (payload["kind"], payload["case_number"]) == ("warning", case.number)
    assert payload["message"].startswith(f"{case.number} 立案期限")
    assert payload["due"] == "2026-10-16T00:00:00+08:00"
    assert payload["raised_at"] == "2026-10-13T01:00:00+08:00"
    assert set(payload) == set(OutgoingAlert.__dataclass_fields__)
    assert one(app, "webhook").status == "sent"


def test_failing_webhook_backs_off_and_gives_up_without_blocking_email(
        at, people, app, smtp, receiver):
    box, mail = smtp
    state, url = receiver
    state.status = 500
    give_emails(app, **{"li.officer": "li.ming@amr.ningbo.example"})
    open_timed(at)
    swept(at, WARNING_AT)
    channels = {"email": mail, "webhook": WebhookChannel(url, SECRET)}
    start = utc(WARNING_AT)

    first = deliver(at, start, channels, max_attempts=3)
    assert (first.sent, first.failed_attempts, first.given_up) == (1, 1, 0)
    assert len(box.messages) == 1 and one(app, "email").status == "sent"
    hook = one(app, "webhook")
    assert (hook.status, hook.attempts) == ("pending", 1)
    assert hook.next_attempt_at == start + timedelta(minutes=1)
    assert hook.last_error == "HTTPError: HTTP Error 500: Internal Server Error"

    early = deliver(at, start + timedelta(seconds=59), channels, max_attempts=3)
    assert (early.sent, early.failed_attempts) == (0, 0)
    assert len(state.requests) == 1  # not retried before its time

    second = deliver(at, start + timedelta(minutes=1), channels, max_attempts=3)
    assert (second.failed_attempts, second.given_up) == (1, 0)
    hook = one(app, "webhook")
    assert (hook.status, hook.attempts) == ("pending", 2)
    assert hook.next_attempt_at == start + timedelta(minutes=3)  # then 2 minutes on
    assert deliver(at, start + timedelta(minutes=2), channels, max_attempts=3).failed_attempts == 0

    third = deliver(at, start + timedelta(minutes=3), channels, max_attempts=3)
    assert (third.failed_attempts, third.given_up) == (1, 1)
    hook = one(app, "webhook")
    assert (hook.status, hook.attempts, hook.sent_at) == ("failed", 3, None)
    assert len(state.requests) == 3
    assert deliver(at, start + timedelta(days=2), channels, max_attempts=3) == DeliveryReport()
    assert len(state.requests) == 3 and len(box.messages) == 1


def test_unreachable_webhook_and_refused_recipient_do_not_stop_the_rest(at, people, app, smtp):
    box, mail = smtp
    box.refuse.add("chen.xy@amr.ningbo.example")
    give_emails(app, **{"li.officer": "li.ming@amr.ningbo.example",
                        "chen.sup": "chen.xy@amr.ningbo.example"})
    open_timed(at)
    swept(at, OVERDUE_AT)
    webhook = WebhookChannel(f"http://127.0.0.1:{_closed_port()}/hook", SECRET, timeout=2)
    rows = deliveries(app)

    report = deliver(at, OVERDUE_AT, {"email": mail, "webhook": webhook})

    # warning and overdue go to li.officer, the escalation to chen.sup: 3 e-mails, 3 webhooks
    assert sorted((d.channel, d.target) for d in rows) == sorted(
        [("email", "li.ming@amr.ningbo.example")] * 2 + [("email", "chen.xy@amr.ningbo.example")]
        + [("webhook", "configured")] * 3)
    assert (report.sent, report.failed_attempts, report.given_up) == (2, 4, 0)
    assert [rcpt for rcpt, _ in box.messages] == [["li.ming@amr.ningbo.example"]] * 2
    after = deliveries(app)
    assert sorted((d.channel, d.status, d.attempts) for d in after) == sorted(
        [("email", "sent", 0)] * 2 + [("email", "pending", 1)] + [("webhook", "pending", 1)] * 3)
    for d in after:
        if d.status == "pending":
            assert "\n" not in d.last_error
            assert d.last_error.startswith("URLError" if d.channel == "webhook"
                                           else "SMTPRecipientsRefused")
            assert d.next_attempt_at == utc(OVERDUE_AT) + timedelta(minutes=1)


def test_delivery_for_an_unconfigured_channel_stays_pending(at, people, app, smtp):
    box, mail = smtp
    give_emails(app, **{"li.officer": "li.ming@amr.ningbo.example"})
    open_timed(at)
    swept(at, WARNING_AT)

    report = deliver(at, WARNING_AT, {"email": mail})
    assert (report.sent, report.failed_attempts, report.given_up) == (1, 0, 0)
    hook = one(app, "webhook")
    assert (hook.status, hook.attempts, hook.last_error) == ("pending", 0, None)
    assert hook.next_attempt_at == utc(WARNING_AT)
    assert deliver(at, WARNING_AT, {}) == DeliveryReport()
    assert one(app, "webhook").next_attempt_at == utc(WARNING_AT)


class _Reentrant:
    """A channel that runs a second sender while the first is mid-send (a concurrent worker)."""

    name = "webhook"

    def __init__(self, at) -> None:
        self.at, self.seen, self.inner = at, [], []

    def send(self, message: OutgoingAlert) -> None:
        self.seen.append(message.delivery_id)
        self.inner.append(deliver(self.at, WARNING_AT, {"webhook": self}))


def test_a_claimed_delivery_is_not_claimed_again_by_a_second_sender(at, people, app):
    open_timed(at)
    swept(at, WARNING_AT)
    channel = _Reentrant(at)
    report = deliver(at, WARNING_AT, {"webhook": channel})
    assert report.sent == 1
    assert channel.seen == [one(app, "webhook").id]  # the inner sender found it leased
    assert channel.inner == [DeliveryReport()]
    assert one(app, "webhook").status == "sent"


def test_backoff_doubles_from_one_minute_up_to_six_hours():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(9) == timedelta(minutes=256)
    assert backoff(10) == backoff(50) == timedelta(hours=6)


def test_channels_exist_only_when_configured(caplog):
    assert channels_from_settings(environ={}) == {}
    channels = channels_from_settings(environ={
        "CASEFLOW_SMTP_HOST": "mail.amr.ningbo.example",
        "CASEFLOW_WEBHOOK_URL": "https://hooks.example/caseflow",
        "CASEFLOW_WEBHOOK_SECRET": SECRET})
    assert set(channels) == {"email", "webhook"}
    mail = channels["email"]
    assert isinstance(mail, EmailChannel)
    assert (mail.host, mail.port, mail.sender) == ("mail.amr.ningbo.example", 25,
                                                   "caseflow@localhost")
    assert channels["webhook"].url == "https://hooks.example/caseflow"
    custom = channels_from_settings(environ={"CASEFLOW_SMTP_HOST": "relay",
                                             "CASEFLOW_SMTP_PORT": "2525",
                                             "CASEFLOW_MAIL_FROM": "alerts@amr.example",
                                             "CASEFLOW_WEBHOOK_URL": "https://x.example/"})
    assert set(custom) == {"email"}  # a webhook without a secret is not configured
    assert (custom["email"].port, custom["email"].sender) == (2525, "alerts@amr.example")
    assert "CASEFLOW_WEBHOOK_SECRET" in caplog.text
