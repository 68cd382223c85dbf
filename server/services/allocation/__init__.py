"""The allocation engine: bookings that never double-book, crew matched by skill and workload,
availability and alternatives.

Modules, one concept each:
  windows       half-open windows, buffers, window limits
  commands      the requests as plain values
  claims        requests -> validated claims (kits expanded, skills checked)
  conflicts     clash detection, the conflict-safe write, ConflictError with what to offer instead
  alternatives  what to offer instead, searched after the refused transaction when a client asks
  crew_rules    weekly caps and minimum rest, in the studio's time zone
  availability  free resources for a window, next free windows
  holds         hold expiry (in-transaction and the sweeper's `expire_holds`)
  transitions   the booking state machine: confirm, cancel, start, complete
  bookings      create, update, add/remove allocations, move (with dry run)
  blocks        block / unblock a resource
  budget        the money slice's hooks (budget guard, cost change of a move)
  service       the entry points the API calls (idempotency, transactions)

For other slices: `transitions.start_booking` (tx, principal, booking id, at) /
`transitions.complete_booking` (the same, then now and the budget policy: it may promote queued
holds) and `holds.expire_holds` (tx, now) -> expired booking ids, for the sweeper.
"""
