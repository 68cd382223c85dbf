"""Half-open time windows, turnaround buffers and the sanity limits on booking windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from server.services.errors import Invalid

# An allocation may start before or end after its booking (prep, edit-bay time), but not by more.
MAX_ALLOCATION_OFFSET = timedelta(days=7)


@dataclass(frozen=True, order=True)
class Window:
    """[start, end): back-to-back windows (one's end == the next's start) do not overlap."""

    start: datetime
    end: datetime

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end

    def buffered(self, setup_minutes: int, teardown_minutes: int) -> Window:
        """The window with the resource's turnaround buffers around it."""
        return Window(self.start - timedelta(minutes=setup_minutes), self.end + timedelta(minutes=teardown_minutes))

    def shifted(self, delta: timedelta) -> Window:
        return Window(self.start + delta, self.end + delta)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def hours(self) -> float:
        return self.duration.total_seconds() / 3600

    def iso(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def check_window(start: datetime, end: datetime, *, max_hours: int, field: str = "end") -> Window:
    """A booking or block window: offsets present, end after start, no longer than the studio allows."""
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid("Times must carry a UTC offset.", field=field)
    if end <= start:
        raise Invalid("The end must be after the start.", field=field)
    window = Window(start, end)
    if window.duration > timedelta(hours=max_hours):
        raise Invalid(f"A window may be at most {max_hours} hours long in this studio.", field=field)
    return window


def allocation_window(
    booking: Window, start: datetime | None, end: datetime | None, *, max_hours: int, field: str
) -> Window:
    """An allocation's window: the booking's by default, and never far outside it."""
    window = check_window(start or booking.start, end or booking.end, max_hours=max_hours, field=field)
    if window.start < booking.start - MAX_ALLOCATION_OFFSET or window.end > booking.end + MAX_ALLOCATION_OFFSET:
        raise Invalid("An allocation may start or end at most 7 days outside its booking's window.", field=field)
    return window
