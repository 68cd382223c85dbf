"""Calendar feeds: create and revoke `.ics` URLs."""
