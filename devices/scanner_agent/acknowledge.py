"""Every saved scan reaches the cage screen within `late_after` seconds, whatever the server does.

While the server answers promptly, a scan's outcome line is its acknowledgement. When the answer
is late (a hung server holds the connection open and says nothing until the read timeout), the
scan is shown as saved once `late_after` has passed; the outcome follows whenever it comes.
"""

from __future__ import annotations

import asyncio
import sqlite3

from .display import Display, saved_line
from .outbox import Batch, Entry, Outbox

DEFAULT_LATE_AFTER = 0.4


class Acknowledgements:
    """Saved scans whose outcome is not on screen yet, each with the moment it is late."""

    def __init__(self, outbox: Outbox, display: Display, late_after: float = DEFAULT_LATE_AFTER) -> None:
        self.outbox = outbox
        self.display = display
        self.late_after = late_after
        self.late = 0
        self._waiting: dict[int, asyncio.TimerHandle] = {}

    def saved(self, entry: Entry, depth: int) -> None:
        """Show the scan as saved now."""
        self.display.show(saved_line(entry, depth))

    def expect(self, entry: Entry, depth: int) -> None:
        """Show the scan as saved unless its outcome is shown within `late_after` seconds."""
        handle = asyncio.get_running_loop().call_later(self.late_after, self._late, entry, depth)
        self._waiting[entry.id] = handle

    def answered(self, batch: Batch) -> None:
        """The batch's outcome is about to be shown: its scans need no saved line any more."""
        for entry in batch.entries:
            handle = self._waiting.pop(entry.id, None)
            if handle is not None:
                handle.cancel()

    def unanswered(self, batch: Batch) -> None:
        """The request failed before the deadline: show its scans as saved now, not later."""
        for entry in batch.entries:
            handle = self._waiting.pop(entry.id, None)
            if handle is not None:
                handle.cancel()
                self.saved(entry, self._depth(len(batch.entries)))

    def waiting(self) -> int:
        """Scans with neither their outcome nor their saved line on screen yet."""
        return len(self._waiting)

    def cancel(self) -> None:
        """Forget every deadline (the agent is stopping)."""
        for handle in self._waiting.values():
            handle.cancel()
        self._waiting.clear()

    def _late(self, entry: Entry, depth_when_saved: int) -> None:
        del self._waiting[entry.id]
        self.late += 1
        self.saved(entry, self._depth(depth_when_saved))

    def _depth(self, fallback: int) -> int:
        # The scan is committed either way; a failed count only makes the number stale.
        try:
            return self.outbox.depth()
        except sqlite3.Error:
            return fallback
