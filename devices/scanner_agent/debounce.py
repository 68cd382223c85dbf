"""Turning repeated reads into events: a time window for barcodes, presence for RFID tags.

Times are passed in (monotonic seconds) so the rules are pure and tests drive the clock.
"""

from __future__ import annotations


class Debouncer:
    """The same code again within `window` seconds of its last read is the same read.

    The window slides with every repeat, so a scanner left in continuous mode over one label
    produces one read, not one every `window` seconds.
    """

    def __init__(self, window: float, max_codes: int = 4096) -> None:
        self.window = window
        self.max_codes = max_codes
        self._last_seen: dict[str, float] = {}
        self.suppressed = 0

    def accept(self, code: str, now: float) -> bool:
        """True when this read is a new event."""
        last = self._last_seen.pop(code, None)
        self._last_seen[code] = now  # re-inserted so dict order stays oldest-first
        if len(self._last_seen) > self.max_codes:
            self._forget_older_than(now - self.window)
        if last is not None and now - last < self.window:
            self.suppressed += 1
            return False
        return True

    def reset(self) -> None:
        """Forget every code (a mode change makes the next read of any code meaningful again)."""
        self._last_seen.clear()

    def _forget_older_than(self, cutoff: float) -> None:
        for code, seen in list(self._last_seen.items()):
            if seen >= cutoff and len(self._last_seen) <= self.max_codes:
                break
            del self._last_seen[code]


class Presence:
    """RFID tags as presence: an event when a tag is first seen, and 'gone' after `gone_after` quiet seconds."""

    def __init__(self, gone_after: float) -> None:
        self.gone_after = gone_after
        self._last_seen: dict[str, float] = {}
        self.repeats = 0

    def seen(self, code: str, now: float) -> bool:
        """Record a sighting; True when the tag has just arrived."""
        arrived = code not in self._last_seen
        if not arrived:
            self.repeats += 1
            del self._last_seen[code]
        self._last_seen[code] = now
        return arrived

    def expire(self, now: float) -> list[str]:
        """Tags not seen for `gone_after` seconds: they have left the field."""
        gone = []
        for code, seen in list(self._last_seen.items()):
            if now - seen < self.gone_after:
                break  # oldest first: the rest were seen more recently
            gone.append(code)
            del self._last_seen[code]
        return gone

    def present(self) -> list[str]:
        """Tags currently in the field, oldest sighting first."""
        return list(self._last_seen)

    def reset(self) -> None:
        """Forget every tag (after a mode change, tags on the desk count again)."""
        self._last_seen.clear()
