"""The ranked-holds slice of the API: challenges (queued holds are created through createBooking)."""
