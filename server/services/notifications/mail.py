"""Notification e-mail: the queue of PENDING notifications sent over SMTP, each exactly once.

A batch is leased first (attempts + 1, due again only after the lease) in its own transaction, then
sent, then each message is marked SENT or given its next try (exponential backoff with jitter; after
`MAX_ATTEMPTS`, FAILED). So a message goes out once; only a crash between the SMTP server's
acceptance and the mark can send it a second time, when the lease runs out.

STARTTLS is used whenever the server offers it; the URL's user and password log in.
"""

from __future__ import annotations

import logging
import random
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

import aiosmtplib

from db.repositories import notifications as rows
from db.types import utcnow
from server.services.uow import Tx, UnitOfWork

log = logging.getLogger(__name__)

BATCH = 50
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class Smtp:
    """Where the mail goes (from CALLSHEET_SMTP_URL)."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class Outcome:
    sent: int
    failed: int


def backoff(attempts: int, first: float) -> timedelta:
    """The wait before the next try after `attempts` tries: doubling from `first` seconds, jittered."""
    seconds = min(first * 2 ** max(0, attempts - 1), MAX_BACKOFF.total_seconds())
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


class MailSender:
    """Sends the pending notification e-mail of every studio (run by the sweeper's leader only)."""

    def __init__(
        self,
        uow: UnitOfWork,
        server: Smtp,
        sender: str,
        *,
        retry_seconds: float = 30.0,
        timeout: float = 10.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.uow = uow
        self.server = server
        self.sender = sender
        self.retry_seconds = retry_seconds
        self.timeout = timeout
        # The certificates STARTTLS trusts (None: the system's).
        self.tls_context = tls_context

    async def send_due(self, now: datetime | None = None) -> Outcome:
        """Send one batch of due e-mail; returns how many went out and how many failed this time."""
        moment = now or utcnow()

        async def lease(tx: Tx) -> list[rows.Mail]:
            return await rows.claim_mail(tx.session, moment, moment + LEASE, BATCH)

        batch = await self.uow.run(lease, studio_id=None, actor="mailer")
        if not batch:
            return Outcome(0, 0)
        results: dict[int, str | None] = {}
        try:
            async with aiosmtplib.SMTP(
                hostname=self.server.host,
                port=self.server.port,
                username=self.server.username,
                password=self.server.password,
                start_tls=None,
                timeout=self.timeout,
                tls_context=self.tls_context,
            ) as smtp:
                for mail in batch:
                    try:
                        await smtp.send_message(self._message(mail))
                        results[mail.id] = None
                    except aiosmtplib.SMTPException as exc:
                        results[mail.id] = str(exc) or type(exc).__name__
        except (aiosmtplib.SMTPException, OSError) as exc:
            log.warning("the SMTP server %s:%s refused or failed: %s", self.server.host, self.server.port, exc)
            for mail in batch:
                results.setdefault(mail.id, str(exc) or type(exc).__name__)
        attempts = {m.id: m.attempts for m in batch}

        async def mark(tx: Tx) -> None:
            done = utcnow()
            for nid, error in results.items():
                if error is None:
                    await rows.mail_sent(tx.session, nid, done)
                else:
                    retry = None if attempts[nid] >= MAX_ATTEMPTS else done + backoff(attempts[nid], self.retry_seconds)
                    await rows.mail_failed(tx.session, nid, error, retry)

        await self.uow.run(mark, studio_id=None, actor="mailer")
        failed = sum(1 for e in results.values() if e is not None)
        return Outcome(len(results) - failed, failed)

    def _message(self, mail: rows.Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.address
        message["Subject"] = mail.subject
        message["Message-ID"] = f"<notification-{mail.id}@callsheet>"
        message.set_content(mail.body)
        return message
