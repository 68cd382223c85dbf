"""The notification mailer: sends pending notification e-mail from the sweeper's leader only.

Like the webhook dispatcher it has its own loop: woken as soon as a transaction of this process
commits notifications to e-mail, or every `poll` seconds for those another process wrote and for
retries. It stops sending the moment this process stops being the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from server.services.notifications.mail import BATCH
from server.services.own_task import OwnTask

if TYPE_CHECKING:
    from server.runtime import Runtime

log = logging.getLogger(__name__)

POLL = 5.0


class Mailer:
    def __init__(self, runtime: Runtime, is_leader: Callable[[], bool], *, poll: float = POLL) -> None:
        self.runtime = runtime
        self.is_leader = is_leader
        self.poll = poll
        self._task = OwnTask()

    def start(self) -> None:
        if self.runtime.mailer is not None:
            self._task.start(self._run, "notification-mailer")

    async def stop(self) -> None:
        await self._task.stop()

    async def _run(self) -> None:
        sender = self.runtime.mailer
        assert sender is not None
        waker = self.runtime.notification_outbox.subscribe()
        try:
            while True:
                waker.clear()
                if self.is_leader():
                    try:
                        while self.is_leader():
                            outcome = await sender.send_due()
                            if outcome.sent + outcome.failed < BATCH:
                                break
                    except Exception:
                        log.exception("sending notification e-mail failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(waker.wait(), self.poll)
        finally:
            self.runtime.notification_outbox.unsubscribe(waker)
