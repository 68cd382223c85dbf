"""The cage slice of the API: check-out, return, maintenance, audits and asset lookup and history."""
