"""The room state machine of DESIGN §6 on plain values: states, current/next and `until`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from db.models import BookingStatus
from db.repositories.claims import HeldClaim as Claim
from server.services.roomboard import RoomState, next_change, state_at, status_at

T0 = datetime(2031, 3, 3, 9, tzinfo=UTC)


def t(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def session(
    start: float,
    end: float,
    booking: int,
    status: BookingStatus = BookingStatus.CONFIRMED,
    setup: float = 0,
    teardown: float = 0,
    expires: float | None = None,
) -> Claim:
    return Claim(
        buffered_start=t(start - setup),
        start=t(start),
        end=t(end),
        buffered_end=t(end + teardown),
        booking_id=booking,
        status=status,
        hold_expires_at=None if expires is None else t(expires),
    )


def block(start: float, end: float) -> Claim:
    return Claim(buffered_start=t(start), start=t(start), end=t(end), buffered_end=t(end))


BUFFERED = [session(60, 120, 1, setup=15, teardown=30), session(180, 240, 2, status=BookingStatus.HOLD)]


def test_an_empty_room_is_free_with_nothing_to_wait_for() -> None:
    status = status_at([], t(0))
    assert (status.state, status.current, status.next, status.until) == (RoomState.FREE, None, None, None)


def test_each_state_across_a_day_with_buffers_and_a_hold() -> None:
    expected = [
        (0, RoomState.FREE, None, 1, t(45)),
        (45, RoomState.SETUP, None, 1, t(60)),
        (60, RoomState.IN_SESSION, 1, 2, t(120)),
        (119.9, RoomState.IN_SESSION, 1, 2, t(120)),
        (120, RoomState.TEARDOWN, None, 2, t(150)),
        (150, RoomState.FREE, None, 2, t(180)),
        (180, RoomState.HELD, 2, None, t(240)),
        (240, RoomState.FREE, None, None, None),
    ]
    for minute, state, current, nxt, until in expected:
        status = status_at(BUFFERED, t(minute))
        assert (status.state, status.current, status.next, status.until) == (state, current, nxt, until), minute


def test_a_block_wins_over_everything_and_in_progress_counts_as_in_session() -> None:
    claims = [block(0, 60), session(30, 90, 7, status=BookingStatus.IN_PROGRESS)]
    assert state_at(claims, t(45)) == (RoomState.MAINTENANCE, None)
    assert state_at(claims, t(60)) == (RoomState.IN_SESSION, 7)


def test_a_lapsed_hold_no_longer_counts_even_before_the_sweeper_runs() -> None:
    claims = [session(0, 120, 3, status=BookingStatus.HOLD, expires=60)]
    before = status_at(claims, t(30))
    assert (before.state, before.current, before.until) == (RoomState.HELD, 3, t(60))
    assert state_at(claims, t(60)) == (RoomState.FREE, None)
    assert status_at(claims, t(-30)).next == 3


def test_back_to_back_sessions_change_the_current_booking_at_the_boundary() -> None:
    claims = [session(0, 60, 1), session(60, 120, 2)]
    status = status_at(claims, t(10))
    assert (status.state, status.current, status.next, status.until) == (RoomState.IN_SESSION, 1, 2, t(60))


def test_the_next_change_is_the_earliest_boundary_of_any_claim() -> None:
    assert next_change(BUFFERED, t(0)) == t(45)
    assert next_change(BUFFERED, t(200)) == t(240)
    assert next_change(BUFFERED, t(240)) is None


@st.composite
def schedules(draw: st.DrawFn) -> list[Claim]:
    """Non-overlapping buffered claims on one room, as the occupancy ledger guarantees."""
    claims, cursor = [], 0.0
    for booking in range(draw(st.integers(0, 5))):
        cursor += draw(st.integers(0, 60))
        setup, teardown = draw(st.integers(0, 30)), draw(st.integers(0, 30))
        length = draw(st.integers(1, 120))
        if draw(st.booleans()):
            claims.append(block(cursor, cursor + length))
        else:
            status = draw(st.sampled_from([BookingStatus.HOLD, BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS]))
            claims.append(session(cursor + setup, cursor + setup + length, booking, status, setup, teardown))
        cursor += setup + length + teardown
    return claims


@given(schedules(), st.integers(-30, 1200))
def test_until_is_the_first_moment_the_state_or_session_changes(claims: list[Claim], minute: int) -> None:
    at = t(minute)
    status = status_at(claims, at)
    now = state_at(claims, at)
    assert (status.state, status.current) == now
    if status.until is None:
        assert all(state_at(claims, t(m)) == now for m in range(minute, 1300, 7))
    else:
        assert status.until > at
        assert state_at(claims, status.until) != now
        # Nothing changes strictly before it (sampled every minute).
        probe = at
        while probe < status.until:
            assert state_at(claims, probe) == now
            probe += timedelta(minutes=1)
