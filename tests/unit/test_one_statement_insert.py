"""The one-statement booking insert (PostgreSQL) names every column a new booking or allocation can
have: a column added to either table later must be written by it or listed here as one a new row
always leaves empty, or a value set on the new object would silently never reach the database."""

from __future__ import annotations

import re

from db.models import Allocation, Booking
from db.repositories.bookings import _INSERT_WITH_CLAIMS

# Filled later in a booking's life (a session's actual times, a series, the queue, a request's
# outcome), never by createBooking's one-statement path (queued holds take the ORM path).
LEFT_EMPTY = {
    "bookings": {"id", "actual_start_at", "actual_end_at", "series_id", "queue_seq", "challenge_respond_by"}
    | {"request_note", "decline_reason"},
    "allocations": {"id"},
}


def inserted(table: str) -> set[str]:
    found = re.search(rf"INSERT INTO {table} \(([^)]*)\)", _INSERT_WITH_CLAIMS.text)
    assert found is not None, table
    return {name.strip() for name in found.group(1).split(",")}


def test_every_booking_and_allocation_column_is_written_or_known_to_stay_empty() -> None:
    for table, model in (("bookings", Booking), ("allocations", Allocation)):
        columns = {c.name for c in model.__table__.columns}
        assert inserted(table) | LEFT_EMPTY[table] == columns, table
        assert not inserted(table) & LEFT_EMPTY[table], table
