"""The scheduling slice of the API: bookings, allocations, blocks and availability."""
