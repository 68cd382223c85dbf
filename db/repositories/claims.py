"""A claim already on the occupancy ledger, as every reader of it sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from db.models import BookingStatus
from db.models.scheduling import hold_lapsed


@dataclass(frozen=True)
class HeldClaim:
    """An active claim on a resource's time: an allocation of a booking (with its buffers) or a block.

    `buffered_*` is the window the ledger reserves; `start`/`end` the session itself (a block's own
    window for a block).
    """

    buffered_start: datetime
    start: datetime
    end: datetime
    buffered_end: datetime
    resource_id: int = 0
    booking_id: int | None = None
    block_id: int | None = None
    status: BookingStatus | None = None
    hold_expires_at: datetime | None = None

    @property
    def is_block(self) -> bool:
        return self.booking_id is None

    def lapsed(self, now: datetime) -> bool:
        """A HOLD past its expiry no longer blocks, whether or not the sweeper has run yet."""
        return hold_lapsed(self.status, self.hold_expires_at, now)
