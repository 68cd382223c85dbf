"""Notification e-mail against a real SMTP server (aiosmtpd, in-process): sent once each (over
STARTTLS when the server offers it), retried with backoff when the server is away, and a leased
message is not sent twice."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from db.models import Notification, Role
from db.repositories import notifications as rows
from db.types import utcnow
from server.services.notifications.mail import LEASE, MailSender, Smtp
from server.services.uow import Tx
from tests.conftest import StudioFixture
from tests.graphql.test_requests import REQUEST, _ask, _portal

USER, PASSWORD = "mailer", "s3cret"
# The test server logs in without TLS (it offers no STARTTLS, so the client does not ask for it).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


class Inbox:
    """The SMTP server's side: every message it accepted, and whether it came over TLS."""

    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.encrypted: list[bool] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        self.messages.append((list(envelope.rcpt_tos), message))
        self.encrypted.append(session.ssl is not None)
        return "250 OK"


def _login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(port: int, tls: ssl.SSLContext | None = None) -> Iterator[Inbox]:
    """A server on 127.0.0.1 requiring a login; with `tls`, offering STARTTLS and requiring it."""
    inbox = Inbox()
    extra: dict[str, Any] = {"tls_context": tls, "require_starttls": True} if tls is not None else {}
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_login,
        auth_require_tls=tls is not None,
        auth_required=True,
        **extra,
    )
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
async def emailing(studio: StudioFixture) -> AsyncIterator[MailSender]:
    """Notifications of this runtime are e-mailed while the test runs; the sender of the test."""
    outbox = studio.runtime.notification_outbox
    outbox.email = True
    try:
        yield MailSender(
            studio.runtime.uow,
            Smtp("127.0.0.1", _free_port(), USER, PASSWORD),
            "callsheet@studio.example",
            retry_seconds=30,
            timeout=5,
        )
    finally:
        outbox.email = False


async def _mail_rows(studio: StudioFixture) -> list[Notification]:
    async with studio.runtime.uow.read() as session:
        found = await session.scalars(
            select(Notification).where(Notification.studio_id == studio.id).order_by(Notification.id)
        )
        return list(found)


async def _coordinator_with_address(studio: StudioFixture) -> None:
    # `callsheet token create --email` on the person's next token records their address.
    await studio.mint(Role.COORDINATOR, name="Coordinator One", email="coordinator@studio.example")


async def test_each_notification_is_mailed_once(studio: StudioFixture, emailing: MailSender) -> None:
    cat = await _portal(studio)
    await _coordinator_with_address(studio)
    with smtp_server(emailing.server.port) as inbox:
        await studio.data(REQUEST, {"input": _ask(cat)}, role=Role.CLIENT)
        made = await _mail_rows(studio)
        # The administrator has no address: in-app only.
        assert sorted(((n.email, n.email_status) for n in made), key=str) == [
            ("coordinator@studio.example", "PENDING"),
            (None, None),
        ]
        outcome = await emailing.send_due()
        assert (outcome.sent, outcome.failed) == (1, 0)
        assert (await emailing.send_due()).sent == 0
        assert len(inbox.messages) == 1
        recipients, message = inbox.messages[0]
        assert recipients == ["coordinator@studio.example"]
        assert message["Subject"] == "Booking requested: Album launch"
        assert message["From"] == "callsheet@studio.example"
        assert "Acme Records asks for Album launch" in message.get_payload()
    sent = [n for n in await _mail_rows(studio) if n.email]
    assert [(n.email_status, n.email_attempts) for n in sent] == [("SENT", 1)]


async def test_a_server_that_is_away_is_tried_again_later(studio: StudioFixture, emailing: MailSender) -> None:
    cat = await _portal(studio)
    await _coordinator_with_address(studio)
    await studio.data(REQUEST, {"input": _ask(cat)}, role=Role.CLIENT)
    first = await emailing.send_due()
    assert (first.sent, first.failed) == (0, 1)
    (pending,) = [n for n in await _mail_rows(studio) if n.email]
    assert pending.email_status == "PENDING" and pending.email_attempts == 1
    assert pending.email_next_at is not None and pending.email_next_at > utcnow() + timedelta(seconds=20)
    with smtp_server(emailing.server.port) as inbox:
        assert (await emailing.send_due()).sent == 0  # not due yet
        later = pending.email_next_at + timedelta(seconds=1)
        assert (await emailing.send_due(later)).sent == 1
        assert (await emailing.send_due(later + timedelta(hours=1))).sent == 0
        assert len(inbox.messages) == 1
    (done,) = [n for n in await _mail_rows(studio) if n.email]
    assert (done.email_status, done.email_attempts, done.email_error) == ("SENT", 2, None)


async def test_a_sender_that_dies_after_leasing_leaves_it_for_later_not_for_twice(
    studio: StudioFixture, emailing: MailSender
) -> None:
    cat = await _portal(studio)
    await _coordinator_with_address(studio)
    await studio.data(REQUEST, {"input": _ask(cat)}, role=Role.CLIENT)
    now = utcnow()

    async def lease(tx: Tx) -> list[rows.Mail]:
        return await rows.claim_mail(tx.session, now, now + LEASE, 50)

    leased = await studio.runtime.uow.run(lease, studio_id=None)
    assert [m.address for m in leased if m.address == "coordinator@studio.example"]
    with smtp_server(emailing.server.port) as inbox:
        # Another sender (or this one, restarted) does not send what is leased ...
        assert (await emailing.send_due(now + timedelta(seconds=1))).sent == 0
        # ... until the lease runs out: then it goes, once.
        assert (await emailing.send_due(now + LEASE + timedelta(seconds=1))).sent == 1
        assert (await emailing.send_due(now + LEASE + timedelta(minutes=10))).sent == 0
        assert [r for r, _ in inbox.messages] == [["coordinator@studio.example"]]


def _self_signed(where: Path) -> tuple[Path, Path]:
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a test certificate")
async def test_starttls_is_used_when_the_server_offers_it(
    studio: StudioFixture, emailing: MailSender, tmp_path: Path
) -> None:
    cert, key = _self_signed(tmp_path)
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))
    sender = MailSender(emailing.uow, emailing.server, emailing.sender, timeout=5, tls_context=trusting)
    cat = await _portal(studio)
    await _coordinator_with_address(studio)
    await studio.data(REQUEST, {"input": _ask(cat)}, role=Role.CLIENT)
    with smtp_server(emailing.server.port, tls=server_side) as inbox:
        assert (await sender.send_due()).sent == 1
    # The server refuses to log in or take mail before STARTTLS: the message came over TLS.
    assert inbox.encrypted == [True]
    assert [r for r, _ in inbox.messages] == [["coordinator@studio.example"]]
