"""Interval arithmetic on plain values: peak load of a pool over a window, and free gaps.

Pure functions (no database), shared by the stock check, availability and next-free-windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from server.services.allocation.windows import Window


def peak(uses: Iterable[tuple[Window, int]], window: Window) -> int:
    """The highest total quantity in use at any instant of `window` (half-open intervals)."""
    points: list[tuple[datetime, int]] = []
    for w, q in uses:
        if w.overlaps(window):
            points.append((max(w.start, window.start), q))
            points.append((min(w.end, window.end), -q))
    # Ends sort before starts at the same instant: back-to-back uses never add up.
    points.sort(key=lambda p: (p[0], p[1]))
    load = best = 0
    for _, q in points:
        load += q
        best = max(best, load)
    return best


def busy_spans(uses: Sequence[tuple[Window, int]], capacity: int, need: int) -> list[Window]:
    """Maximal spans in which fewer than `need` units are free (for unit resources: any claim)."""
    points: list[tuple[datetime, int]] = []
    for w, q in uses:
        points.append((w.start, q))
        points.append((w.end, -q))
    points.sort(key=lambda p: (p[0], p[1]))
    spans: list[Window] = []
    load = 0
    opened: datetime | None = None
    for at, q in points:
        load += q
        full = capacity - load < need
        if full and opened is None:
            opened = at
        elif not full and opened is not None:
            if at > opened:
                spans.append(Window(opened, at))
            opened = None
    return _merge(spans)


def _merge(spans: list[Window]) -> list[Window]:
    out: list[Window] = []
    for s in sorted(spans):
        if out and s.start <= out[-1].end:
            out[-1] = Window(out[-1].start, max(out[-1].end, s.end))
        else:
            out.append(s)
    return out


def free_windows(
    busy: Sequence[Window], frame: Window, length_seconds: float, setup_s: float, teardown_s: float
) -> list[Window]:
    """Spans inside `frame` where a session of the given length fits with its buffers clear of `busy`.

    Each result is a window in which such a session may lie: any start in
    [result.start, result.end - length] works.
    """
    from datetime import timedelta

    out: list[Window] = []
    cursor = frame.start
    # A session [t, t+L) needs [t - setup, t + L + teardown) clear: pad each busy span accordingly.
    padded = _merge([Window(b.start - timedelta(seconds=teardown_s), b.end + timedelta(seconds=setup_s)) for b in busy])
    for b in padded:
        if b.end <= cursor:
            continue
        if b.start > cursor:
            gap = Window(cursor, min(b.start, frame.end))
            if gap.duration.total_seconds() >= length_seconds:
                out.append(gap)
        cursor = max(cursor, b.end)
        if cursor >= frame.end:
            break
    if cursor < frame.end:
        gap = Window(cursor, frame.end)
        if gap.duration.total_seconds() >= length_seconds:
            out.append(gap)
    return out
