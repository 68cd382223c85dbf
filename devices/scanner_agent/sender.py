"""Drains the outbox in order: one request at a time, retried with backoff until the server answers for good."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

from .acknowledge import Acknowledgements
from .client import Applied, CallsheetClient, Outcome, Rejected, RetryableError
from .display import Display, applied_line, missing_lines, rejected_line
from .outbox import Batch, Outbox
from .reader import Backoff
from .station import Condition, Mode


class Sender:
    """Sends the oldest pending batch until none is left; a retryable failure blocks the queue (order matters)."""

    def __init__(
        self,
        outbox: Outbox,
        client: CallsheetClient,
        display: Display,
        backoff: Backoff,
        acks: Acknowledgements,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.display = display
        self.backoff = backoff
        self.acks = acks
        self.online: bool | None = None
        self.last_error: str | None = None
        self.sent = 0
        self.rejected = 0
        self.failures = 0
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A scan was added."""
        self._wake.set()

    async def run(self) -> None:
        """Loop until cancelled."""
        while True:
            try:
                await self._step()
            except sqlite3.Error as exc:
                # A full disk or a locked file: an answer not recorded is resent later under the
                # same key and the server returns the first result, so waiting is safe.
                self.last_error = f"outbox: {exc}"
                self.display.show(f"⚠ OUTBOX ERROR  {exc}; retrying", alert=True)
                await asyncio.sleep(self.backoff.next())

    async def _step(self) -> None:
        self._wake.clear()
        batch = self.outbox.next_batch()
        if batch is None:
            await self._wake.wait()
            return
        try:
            outcome = await self.send(batch)
        except RetryableError as exc:
            await self._retry_later(batch, exc)
            return
        self._record(batch, outcome)

    async def send(self, batch: Batch) -> Outcome:
        """One request for a batch."""
        entry = batch.entries[0]
        if batch.op == Mode.CHECKOUT.value:
            return await self.client.check_out(entry.code, entry.booking_id, batch.key)
        if batch.op == Mode.RETURN.value:
            # A scan saved before condition cards existed came back OK.
            return await self.client.return_asset(entry.code, entry.condition or Condition.OK.value, batch.key)
        if batch.op == Mode.AUDIT.value and entry.audit_id:
            return await self.client.record_audit_scans(entry.audit_id, batch.codes, batch.key)
        # Only a damaged outbox row gets here; refusing it keeps the rest of the queue moving.
        return Rejected("LocalError", "INVALID_SCAN", f"cannot send a {batch.op!r} scan without its audit", {})

    def _record(self, batch: Batch, outcome: Outcome) -> None:
        if self.online is not True:
            if self.online is False:
                self.display.show(f"✔ SERVER BACK  {self.outbox.depth()} waiting")
            self.online = True
        self.backoff.reset()
        self.last_error = None
        if isinstance(outcome, Applied):
            self.outbox.mark_applied(batch, outcome.result)
            self.sent += 1
            self.acks.answered(batch)
            self.display.show(applied_line(batch, outcome))
            for line in missing_lines(outcome):
                self.display.show(line, alert=True)
        elif isinstance(outcome, Rejected):
            self.outbox.mark_rejected(batch, outcome.result, f"{outcome.code}: {outcome.message}")
            self.rejected += 1
            self.acks.answered(batch)
            self.display.show(rejected_line(batch, outcome), alert=True)

    async def _retry_later(self, batch: Batch, exc: RetryableError) -> None:
        self.failures += 1
        self.last_error = exc.reason
        # Losing the attempt counter is harmless: the scan itself is still pending.
        with contextlib.suppress(sqlite3.Error):
            self.outbox.mark_failed_attempt(batch, exc.reason)
        self.acks.unanswered(batch)
        if self.online is not False:
            self.online = False
            what = "TOKEN REFUSED" if exc.auth else "SERVER UNREACHABLE"
            self.display.show(f"⚠ {what}  {exc.reason}; {self.outbox.depth()} waiting, retrying", alert=True)
        await asyncio.sleep(self.backoff.next())
