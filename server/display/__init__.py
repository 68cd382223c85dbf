"""The wall display served by Callsheet: `/display/rooms/{locationId}` (a static page driven by the
`roomBoard` subscription) and `/display/exchange` (a one-time display link for a DISPLAY token)."""
