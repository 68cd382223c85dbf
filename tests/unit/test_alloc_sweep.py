"""Interval arithmetic of the allocation engine: half-open windows, pool peaks, free gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from server.services.allocation.sweep import busy_spans, free_windows, peak
from server.services.allocation.transitions import ALLOWED, can
from server.services.allocation.windows import Window

T0 = datetime(2031, 1, 1, tzinfo=UTC)


def w(a: float, b: float) -> Window:
    return Window(T0 + timedelta(hours=a), T0 + timedelta(hours=b))


def test_back_to_back_windows_do_not_overlap_and_buffers_widen() -> None:
    assert not w(9, 10).overlaps(w(10, 11))
    assert w(9, 10).buffered(15, 15).overlaps(w(10, 11).buffered(15, 15))
    assert w(9, 10).buffered(0, 30) == Window(T0 + timedelta(hours=9), T0 + timedelta(hours=10.5))


def test_peak_counts_only_simultaneous_use() -> None:
    uses = [(w(9, 12), 6), (w(12, 14), 6), (w(11, 13), 2)]
    assert peak(uses, w(8, 15)) == 8
    assert peak(uses, w(12.5, 13.5)) == 8
    assert peak(uses, w(13, 14)) == 6
    assert peak([], w(0, 1)) == 0


def test_free_windows_respect_buffers_and_the_frame() -> None:
    busy = [w(9.75, 12.25), w(13.75, 15.25)]  # already buffered claims
    # A 2 h session with 15 min buffers: 08:00-09:30 is too short, 12:30-13:30 too, from 15:30 it fits.
    assert free_windows(busy, w(8, 20), 7200, 900, 900) == [w(15.5, 20)]
    assert free_windows(busy, w(8, 20), 3600, 0, 0) == [w(8, 9.75), w(12.25, 13.75), w(15.25, 20)]


def test_busy_spans_of_a_pool() -> None:
    uses = [(w(9, 12), 6), (w(11, 13), 4)]
    assert busy_spans(uses, 10, 1) == [w(11, 12)]
    assert busy_spans(uses, 10, 5) == [w(9, 12)]  # from 12:00 only 4 are out: 6 free


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 8), st.integers(1, 5)), max_size=12), st.integers(0, 40))
def test_peak_matches_a_brute_force_count(raw: list[tuple[int, int, int]], start: int) -> None:
    uses = [(w(a / 2, (a + n) / 2), q) for a, n, q in raw]
    frame = w(start / 2, start / 2 + 3)
    brute = max(
        [
            sum(q for u, q in uses if u.start <= t < u.end)
            for t in (frame.start + timedelta(minutes=30 * i) for i in range(6))
        ]
        + [0]
    )
    assert peak(uses, frame) == brute


def test_state_machine_table() -> None:
    from db.models import BookingStatus as S

    assert can(S.HOLD, S.CONFIRMED) and can(S.CONFIRMED, S.IN_PROGRESS) and can(S.IN_PROGRESS, S.COMPLETED)
    assert all(can(s, S.CANCELLED) for s in (S.HOLD, S.CONFIRMED, S.IN_PROGRESS))
    assert can(S.HOLD, S.EXPIRED) and not can(S.CONFIRMED, S.EXPIRED)
    assert not any(ALLOWED[s] for s in (S.COMPLETED, S.CANCELLED, S.EXPIRED, S.DECLINED))
    assert can(S.REQUESTED, S.DECLINED) and not can(S.REQUESTED, S.CONFIRMED) and not can(S.REQUESTED, S.HOLD)
    assert not can(S.HOLD, S.IN_PROGRESS)
